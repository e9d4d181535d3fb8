"""The sentence library of the demo interviews (data): what participants say, per code."""

from __future__ import annotations

# ---------------------------------------------------------------------------------------
# Sentence library. Each code has English sentences per stakeholder group ("psw", "su",
# "cw", or "all"), Cantonese written Chinese sentences ("zh") and code-switched English
# sentences ("mix"), the last two as (group, sentence). A leading "[2,3]" limits a sentence
# to those waves (1-based). Slots: {pw} the peer worker a service user or co-worker talks
# about, with {he} {He} {him} {his} {His}; {sup} a supervisor; {family}, {place}, {time},
# {colleague}, {client}, {activity}, {feeling} vary per sentence; {zh_pw}, {zh_family},
# {zh_sup} in Chinese.
# ---------------------------------------------------------------------------------------

LIBRARY: dict[str, dict[str, tuple]] = {
    "Unclear job description": {
        "psw": (
            "[1,2] Nobody could tell me exactly what a peer support worker is supposed to do "
            "all day.",
            "[1] During the training I kept asking myself whether I would be a helper, a friend "
            "or some kind of junior social worker.",
            "[1,2] The job description said 'provide peer support', but what does that mean on "
            "a Monday morning {place}?",
            "[2] {time} {colleague} asked me to fill in the attendance sheets, and I wondered "
            "whether that was really my job.",
            "[1,2,3] I still don't know where my role ends and the social worker's role begins.",
            "[3] Even now, after months in the job, the role keeps changing depending on who is "
            "on duty.",
        ),
        "su": (
            "[1,2] At first I didn't know whether {pw} was a social worker, a volunteer or "
            "another patient.",
            "[1,2] I wasn't sure what I could ask {him} to help with, so I just asked about "
            "everything.",
            "[2,3] Nobody explained to us what a peer worker does, we just figured it out by "
            "ourselves.",
        ),
        "cw": (
            "[1,2] To be frank, none of us knew what the peer worker's job description actually "
            "was.",
            "[1,2] Management sent an email saying two peer workers would join, but nothing "
            "about what they would do.",
            "[2,3] We had to sit down with {pw} and write the list of duties together, line by "
            "line.",
            "[1,2] I was worried they would end up doing the admin work that nobody else wants.",
        ),
        "zh": (
            ("psw", "[1,2] 其實我到而家都唔係好清楚朋輩支援員每日要做啲乜。"),
            ("cw", "[1,2] 個 job description 寫得好籠統，我哋都唔知佢哋嘅角色係咩。"),
            ("su", "[1,2] 我一開始以為{zh_pw}係社工，後來先知佢係朋輩支援員。"),
        ),
        "mix": (
            (
                "psw",
                "[1,2] My supervisor just said 「慢慢嚟，做吓就知」, take it slowly and you'll "
                "see, but that didn't really help.",
            ),
            ("cw", "[1,2] We kept asking, 佢哋究竟做邊樣嘢, which tasks are really theirs?"),
        ),
    },
    "Anxiety about readiness": {
        "psw": (
            "[1] I felt {feeling} before every training session, as if everyone would find out "
            "I wasn't ready.",
            "[1] I worried that if I got unwell again I would let the whole team down.",
            "[1] Some nights before the placement started I couldn't sleep, thinking about what "
            "could go wrong.",
            "[1,2] What if a member tells me something serious and I say the wrong thing?",
            "[1,2] My biggest fear was that my own symptoms would come back under pressure.",
        ),
        "su": (
            "[1] {He} looked quite nervous the first time, {his} hands were shaking a little "
            "when {he} gave out the forms.",
            "[1,2] I could tell {he} was still learning, and in a way that made me less nervous "
            "too.",
        ),
        "cw": (
            "[1,2] I was honestly not sure they were ready to handle a crisis on their own.",
            "[1] During the training some of them looked very anxious, especially in the role "
            "plays.",
            "[1,2] We worried about putting too much pressure on them too early.",
        ),
        "zh": (
            ("psw", "[1] 我好驚自己未準備好，萬一又再病過點算呢？"),
            ("psw", "[1] 上堂做 role play 嗰陣我緊張到手震。"),
            ("cw", "[1,2] 老實講，我唔肯定佢哋係咪準備好面對危機個案。"),
        ),
        "mix": (
            (
                "psw",
                "[1] Every morning I told myself 「唔好驚，得㗎」, you can do it, but I was "
                "still {feeling}.",
            ),
        ),
    },
    "Feeling like an impostor": {
        "psw": (
            "[1,2] Sometimes I felt like an impostor, sitting in the staff meeting with all "
            "those degrees around the table.",
            "[1,2] I kept thinking, I was a patient here two years ago, who am I to give advice?",
            "[1,2] When {colleague} introduced me as a colleague, I almost laughed, because I "
            "didn't feel like one.",
            "[2] I don't have a social work degree, so at case conferences I often stay quiet.",
        ),
        "su": (
            "[2] {He} once told me {he} didn't feel like real staff, which surprised me, because "
            "to me {he} was.",
        ),
        "cw": (
            "[1,2] I noticed {pw} apologising a lot, as if {he} didn't feel entitled to be in "
            "the room.",
            "[2] {He} would ask me whether {he} was allowed to speak at the case conference.",
        ),
        "zh": (("psw", "[1,2] 我成日覺得自己唔夠資格，人哋讀咗咁多書，我憑咩講嘢？"),),
        "mix": (),
    },
    "In-between identity": {
        "psw": (
            "I'm not staff and I'm not a patient, I'm somewhere in between, and that can be "
            "lonely.",
            "[2,3] The members see me as one of them, but I also have a staff card and a key to "
            "the office.",
            "[2,3] At lunch I never know whether to sit with the staff or with the members.",
            "[2,3] I have to switch hats all day, one minute a colleague, the next minute "
            "someone who has been there.",
        ),
        "su": (
            "[2,3] {He} is staff, but {he} is also one of us, that's the difference.",
            "[2,3] With {pw} I never felt {he} was on the other side of the desk.",
        ),
        "cw": (
            "[2,3] They are in a strange position, part of the team but also close to the members.",
            "[2,3] Sometimes members tell {pw} things they would never tell us, which puts "
            "{him} in the middle.",
        ),
        "zh": (
            ("psw", "[2,3] 我夾喺職員同會員中間，兩邊都唔係好屬於。"),
            ("su", "[2,3] 佢係職員，但係佢同我哋係一樣嘅，呢樣好唔同。"),
        ),
        "mix": (("psw", "[2,3] I'm like 「兩頭唔到岸」, not reaching either shore."),),
    },
    "Recovery story as identity": {
        "psw": (
            "My recovery is not something I hide any more, it is part of who I am at work.",
            "I used to see my illness as wasted years, now I see them as training for this job.",
            "[1] The training helped me to tell my story in a way that is useful, not only "
            "painful.",
            "[3] I'm proud to call myself a person in recovery, not just an ex-patient.",
        ),
        "su": (
            "[2,3] {He} told me {he} had been in hospital too, and somehow {he} wasn't ashamed "
            "of it.",
        ),
        "cw": (
            "[2,3] {pw} is very clear that {his} own recovery is the basis of what {he} offers.",
        ),
        "zh": (("psw", "我嘅復元故事已經係我嘅一部分，唔使再收埋。"),),
        "mix": (),
    },
    "Useful training content": {
        "psw": (
            "[1] The sessions on recovery and hope were the most useful part of the course for me.",
            "[1,2] We practised active listening in pairs, and that is something I still use "
            "every day.",
            "[1,2] Learning about the WRAP plan changed how I look after myself, not only how I "
            "help others.",
            "[1,2] The trainer showed us how to tell our story in three minutes, and I use that "
            "all the time.",
            "[1] The module on warning signs of a crisis made me feel less afraid of emergencies.",
        ),
        "cw": (
            "[1,2] The joint session where staff and peer workers trained together was really "
            "helpful.",
            "[1] I attended one of their training days, and the content on recovery was better "
            "than ours.",
        ),
        "zh": (
            ("psw", "[1] 課程入面講復元同希望嗰部分對我幫助最大。"),
            ("psw", "[1,2] 我哋兩個兩個練習聆聽技巧，到而家我都仲用緊。"),
        ),
        "mix": (
            (
                "psw",
                "[1,2] The trainer always said 「聽多過講」, listen more than you talk, and that "
                "stuck with me.",
            ),
        ),
    },
    "Gaps between training and practice": {
        "psw": (
            "[2,3] The training was all role plays, but real members don't follow the script.",
            "[2] Nothing in the course prepared me for a member who calls me crying at eleven "
            "at night.",
            "[2,3] We learnt a lot of theory, but not how to write case notes or deal with the "
            "paperwork.",
            "[2] In the classroom everything was clear, on the ward it was very different.",
        ),
        "cw": (
            "[2,3] The training didn't cover how to work in a multidisciplinary team, so we had "
            "to teach them on the job.",
            "[2] They knew the recovery concepts well, but not the practical procedures of the "
            "centre.",
        ),
        "zh": (("psw", "[2,3] 上堂學嘅嘢同真實情況差好遠，會員唔會跟劇本講嘢。"),),
        "mix": (
            (
                "cw",
                "[2,3] The course was good on theory, but 落到地就唔同, on the ground it's "
                "different.",
            ),
        ),
    },
    "Friendship or professional relationship": {
        "psw": (
            "[2,3] Some members want me to be their friend, and it's hard to explain why I can't.",
            "[2] {client} invited me to a birthday dinner, and I didn't know whether I should go.",
            "[2,3] I care about them, but I have to remember I'm there as a worker, not as a "
            "buddy.",
            "[2,3] The line between friendly and friend is very thin in this job.",
        ),
        "su": (
            "[2,3] Sometimes I forget {he} is staff, {he} feels more like a friend.",
            "[2,3] I asked {him} to go for yum cha on a Sunday and {he} said no, nicely, and I "
            "understood.",
        ),
        "cw": (
            "[2,3] We had to talk with {pw} about how close is too close with members.",
            "[2] I saw {pw} getting very involved in one member's life, and I was worried for "
            "both of them.",
        ),
        "zh": (
            ("psw", "[2,3] 有啲會員想同我做朋友，我好難解釋點解唔得。"),
            ("su", "[2,3] 有時我都唔記得佢係職員，覺得佢似朋友多啲。"),
        ),
        "mix": (
            (
                "psw",
                "[2] It's a thin line, 係朋友定係同工, friend or co-worker, I keep asking myself.",
            ),
        ),
    },
    "Contact outside work": {
        "psw": (
            "[2] At the beginning I gave my personal WhatsApp to a few members, and then "
            "messages came at midnight.",
            "[2,3] Now I only use the work phone, and I switch it off after six.",
            "[2,3] I bumped into a member {place} on a Sunday and didn't know whether to say "
            "hello.",
            "[2] My supervisor told me to stop answering messages on my days off.",
        ),
        "su": (
            "[2,3] I used to message {him} late at night when I couldn't sleep, and {he} would "
            "reply in the morning.",
            "[2] I saw {him} once on the MTR and we just nodded, I didn't want to bother {him}.",
        ),
        "cw": (
            "[2] One peer worker was answering WhatsApp messages from members on Sundays, so we "
            "had to set a rule.",
            "[2,3] We now give them a work phone so that their private number stays private.",
        ),
        "zh": (
            ("psw", "[2] 我一開始俾咗私人 WhatsApp 啲會員，點知半夜都有訊息。"),
            ("psw", "[2,3] 而家我收工之後就熄咗部工作電話。"),
        ),
        "mix": (
            (
                "su",
                "[2] I know I shouldn't, but sometimes I just send 「你喺唔喺度？」 late at night.",
            ),
        ),
    },
    "Saying no": {
        "psw": (
            "[2,3] Learning to say no without feeling guilty was the hardest skill for me.",
            "[2] {client} asked to borrow some money, and saying no made me feel terrible.",
            "[2,3] Now I say, I can't do that, but let's see who can, and that feels better.",
        ),
        "su": ("[2,3] When {he} said no to me, {he} explained why, so I didn't feel rejected.",),
        "cw": (
            "[2,3] We encourage them to say no, but some of them find it very hard to "
            "disappoint a member.",
        ),
        "zh": (("psw", "[2,3] 學識講「唔得」而唔內疚，對我嚟講係最難。"),),
        "mix": (("psw", "[2,3] Saying 「唔好意思，我幫唔到」 felt so rude at first."),),
    },
    "Purposeful disclosure": {
        "psw": (
            "[2,3] I share my story when it helps the member, not just because it's my story.",
            "[2] I told {client} that I had also heard voices, and I could see the relief "
            "straight away.",
            "[2,3] Before I disclose anything, I ask myself who it is for.",
            "[2,3] I usually share a little, then turn the conversation back to the member.",
        ),
        "su": (
            "[2,3] When {he} told me about {his} time in hospital, I felt I could finally talk.",
            "[2] {He} shared just enough of {his} story, never too much, it was always about me.",
        ),
        "cw": (("[2,3] {pw} uses {his} story carefully, {he} knows when to bring it in."),),
        "zh": (
            ("psw", "[2,3] 我講自己嘅經歷係為咗幫會員，唔係為咗講我自己。"),
            ("su", "[2,3] 佢同我講佢以前都住過院，我即刻覺得可以講出嚟。"),
        ),
        "mix": (
            (
                "psw",
                "[2,3] I always check first, 我講呢樣嘢係為咗邊個, who is this sharing for?",
            ),
        ),
    },
    "Fear of disclosure": {
        "psw": (
            "[1,2] I'm afraid that if people outside work know my history, they will treat me "
            "differently.",
            "[1,2] I haven't told my neighbours what my job is, because then they would know why.",
            "[1,2] In the first weeks I wasn't sure I wanted the members to know my diagnosis.",
        ),
        "su": ("I don't want my employer to know I'm using this service.",),
        "cw": (
            "[1,2] Some peer workers don't want their diagnosis on any document, and we respect "
            "that.",
        ),
        "zh": (("psw", "[1,2] 我好驚出面啲人知道我以前嘅事，會用另一種眼光睇我。"),),
        "mix": (
            (
                "psw",
                "[1,2] My mother said 「唔好周圍講」, don't tell everyone, so I kept quiet.",
            ),
        ),
    },
    "Disclosure to colleagues": {
        "psw": (
            "[2,3] Telling the team about my illness was scarier than telling the members.",
            "[2] After I told my colleagues, some of them started to speak to me more slowly, "
            "as if I were fragile.",
            "[2,3] I decided to tell {colleague} about my warning signs, so that someone at "
            "work would notice.",
        ),
        "cw": (
            "[2,3] I didn't know how much of {pw}'s history I was supposed to know.",
            "[2] When {he} told the team about {his} relapse, the meeting went very quiet.",
        ),
        "zh": (("psw", "[2,3] 同同事講自己嘅病，比同會員講仲驚。"),),
        "mix": (),
    },
    "Triggering experiences": {
        "psw": (
            "[2,3] Some stories from members bring back my own memories of hospital, and I need "
            "a break afterwards.",
            "[2] After a home visit {place} I went home and couldn't stop crying.",
            "[2,3] When a member talked about self-harm, I felt my own old thoughts coming back.",
        ),
        "su": (
            "[2] I think once I said something that upset {him}, {he} went quiet and took a "
            "short break.",
        ),
        "cw": ("[2,3] We watch out for signs that a case is too close to {pw}'s own experience.",),
        "zh": (("psw", "[2,3] 有啲會員嘅故事會令我諗返起自己住院嗰陣，之後要抖一抖先得。"),),
        "mix": (
            (
                "psw",
                "[2] That night I was 「好唔舒服」, really not okay, after hearing her story.",
            ),
        ),
    },
    "Self-care strategies": {
        "psw": (
            "[2,3] I go for a walk along the harbour after a difficult day, that helps me let go.",
            "[2,3] I keep my own WRAP plan in my bag and look at it when I feel stressed.",
            "[2,3] I've learnt to book an appointment with my own psychiatrist before I really "
            "need it.",
            "[2,3] On Sundays I don't check anything related to work, that's my rule.",
        ),
        "cw": ("[2,3] We build in debriefing time after difficult sessions, for them and for us.",),
        "zh": (("psw", "[2,3] 辛苦嘅日子我會去海濱行吓，等自己放低啲嘢。"),),
        "mix": (
            (
                "psw",
                "[2,3] My rule is simple, 星期日唔睇工作訊息, no work messages on Sundays.",
            ),
        ),
    },
    "Being understood": {
        "psw": (
            "[2,3] Members tell me I understand them in a way the professionals don't.",
            "[2,3] When a member describes the fog of the medication, I know exactly what they "
            "mean.",
        ),
        "su": (
            "[2,3] With {pw} I don't have to explain everything, {he} just understands.",
            "[2,3] The doctor listens to my symptoms, but {pw} listens to me.",
            "[2,3] When I said I was scared of the side effects, {he} said, I know, I had the "
            "same, and that meant a lot.",
            "[2,3] {He} never looked at me as if I were crazy.",
        ),
        "cw": ("[2,3] Members open up to {pw} much faster than they open up to us.",),
        "zh": (
            ("su", "[2,3] 同{zh_pw}傾偈唔使解釋咁多，佢明㗎。"),
            ("su", "[2,3] 醫生聽我啲病徵，但係{zh_pw}係聽我講嘢。"),
        ),
        "mix": (("su", "[2,3] {He} just gets it, 佢明白嗰種感覺, you know?"),),
    },
    "Equal relationship": {
        "psw": (
            "[2,3] I try to keep the relationship equal, I'm not the expert on their life.",
            "[3] We make decisions together, I don't tell them what to do.",
        ),
        "su": (
            "[2,3] {He} doesn't talk down to me, we are on the same level.",
            "[2,3] It feels like two people talking, not a worker and a case.",
        ),
        "cw": (
            "[2,3] There is less of a power gap between {pw} and the members than between us "
            "and the members.",
        ),
        "zh": (("su", "[2,3] 佢唔會擺個高姿態，我哋係平起平坐。"),),
        "mix": (),
    },
    "Earning trust over time": {
        "psw": (
            "[2,3] Trust didn't come on the first day, it took weeks of just showing up.",
            "[3] One member only started talking to me after three months of walks every Tuesday.",
            "[3] Now members ask for me by name, which tells me they trust me.",
        ),
        "su": (
            "[2,3] At first I didn't trust anyone at the centre, but {he} kept coming back.",
            "[3] After {he} had kept {his} promises a few times, I started to believe {him}.",
        ),
        "cw": (
            "[3] Over the year I have seen members trust {pw} more and more.",
            "[3] I trust {his} judgement now, at the beginning I double-checked everything.",
        ),
        "zh": (
            ("su", "[2,3] 一開始我唔信任何人，不過佢一次又一次咁嚟，慢慢我就信佢。"),
            ("cw", "[3] 而家我好信佢嘅判斷，一開始我會樣樣都 double check。"),
        ),
        "mix": (("su", "[3] It took time, 慢慢先建立到信任, trust was built slowly."),),
    },
    "Practical tips from experience": {
        "psw": (
            "[2,3] I tell members small things that worked for me, like taking the tablets "
            "after breakfast so I don't feel sleepy at work.",
            "[2,3] I know which clinic staff are friendly and which forms take forever, so I "
            "can save members a lot of time.",
            "[2,3] I showed {client} how I planned my day when I first went back to work.",
        ),
        "su": (
            "[2,3] {He} taught me how to talk to my doctor about the side effects, with a list "
            "written down before the appointment.",
            "[2,3] {His} tips about dealing with the Social Welfare Department were more useful "
            "than any leaflet.",
        ),
        "cw": (
            "[2,3] {pw} knows tricks about living with the medication that we would never think "
            "of.",
        ),
        "zh": (
            ("psw", "[2,3] 我會教會員一啲我自己試過有用嘅方法，例如食完早餐先食藥。"),
            ("su", "[2,3] 佢教我見醫生之前寫低想問嘅嘢，真係有用好多。"),
        ),
        "mix": (("su", "[2,3] {He} told me 「寫低佢」, write it down, before seeing the doctor."),),
    },
    "Shared language": {
        "psw": (
            "[2,3] I use the words members use, not the medical words.",
            "[2,3] When a member says they are 'not in the mood to exist', I know what that means.",
        ),
        "su": ("[2,3] {He} speaks my language, not like a textbook.",),
        "cw": ("[2,3] {pw} translates our jargon into everyday words for the members.",),
        "zh": (
            ("su", "[2,3] 佢講嘢好貼地，唔會成日講啲專業名詞。"),
            ("psw", "[2,3] 我會用會員自己嘅講法，唔用醫學名詞。"),
        ),
        "mix": (("cw", "[2,3] {He} turns our 「專業術語」 into everyday Cantonese."),),
    },
    "Role model of recovery": {
        "psw": (
            "[2,3] A member told me, if you can do it, I can do it, and that made my whole week.",
        ),
        "su": (
            "[2,3] Seeing {him} working gives me hope that I can work again one day.",
            "[2,3] If {he} could come through it, maybe I can too.",
            "[3] {He} is living proof that recovery is not just a word on a poster.",
        ),
        "cw": (
            "[2,3] Members see in {pw} what recovery can look like, and no leaflet can do that.",
        ),
        "zh": (
            ("su", "[2,3] 見到佢返到工，我覺得自己有一日都得。"),
            ("su", "[3] 佢就係活生生嘅例子，話俾我知復元係真㗎。"),
        ),
        "mix": (("su", "[3] I think, 佢得我都得, if {he} can, I can."),),
    },
    "Self-stigma": {
        "psw": (
            "[1,2] For years I believed that people like me could never hold a proper job.",
            "[1,2] The hardest stigma was the one inside my own head.",
            "[1] Part of me still thinks I'm damaged goods.",
        ),
        "su": (
            "I used to think I was useless, just a burden on my family.",
            "[1,2] I felt ashamed even walking into the centre.",
        ),
        "zh": (
            ("su", "以前我覺得自己好冇用，只係屋企人嘅負擔。"),
            ("psw", "[1,2] 最難過嘅標籤係自己俾自己嘅。"),
        ),
        "mix": (("su", "[1,2] I always thought 「我冇用㗎喇」, I'm useless now."),),
    },
    "Public stigma": {
        "psw": (
            "People still think mental illness means violence, you see it in the news every week.",
            "[1,2] A relative once said I should not work with children because of my illness.",
        ),
        "su": (
            "My neighbours whisper when I come back from the clinic.",
            "At my old job, when they found out about my illness, they stopped giving me "
            "responsibilities.",
        ),
        "cw": ("The public still has a lot of prejudice, and our peer workers carry that too.",),
        "zh": (
            ("su", "啲鄰居見到我由診所返嚟就喺度細細聲講。"),
            ("psw", "社會上好多人仲覺得精神病即係暴力，新聞成日都係咁報。"),
        ),
        "mix": (("su", "They call people like us 「黐線佬」, crazy, and that hurts."),),
    },
    "Stigma in the workplace": {
        "psw": (
            "[2,3] Some staff still call me 'the patient who works here'.",
            "[2] One colleague asked whether I should be allowed to read the case files.",
            "[2,3] When I'm tired, people ask if I've taken my medication, they would never ask "
            "another colleague that.",
        ),
        "cw": (
            "[2,3] I have to admit some colleagues doubted whether people with mental illness "
            "should be staff at all.",
            "[2] There were comments in the pantry that I'm not proud of.",
            "[3] The attitudes in the team have changed a lot since the beginning.",
        ),
        "zh": (
            ("psw", "[2,3] 有啲同事仲係叫我「喺度返工嗰個病人」。"),
            ("cw", "[2,3] 老實講，初初有同事懷疑精神病康復者應唔應該做職員。"),
        ),
        "mix": (),
    },
    "Family encouragement": {
        "psw": (
            "{family} was the first person to tell me I should apply for this job.",
            "{family} cooks me soup on the nights I come home late, that's their way of "
            "supporting me.",
            "[1] When I got into the training, {family} told all the relatives.",
        ),
        "su": (
            "{family} encouraged me to join the group, otherwise I would have stayed in bed.",
            "[2,3] {family} comes with me to the centre sometimes, to meet {pw}.",
        ),
        "cw": ("The peer workers whose families support them seem to cope better.",),
        "zh": (
            ("psw", "係{zh_family}叫我去申請呢份工㗎。"),
            ("su", "如果唔係{zh_family}成日鼓勵我，我應該仲瞓喺床度。"),
        ),
        "mix": (("psw", "{family} always says 「做得就做，唔好勉強」, do what you can."),),
    },
    "Family worries": {
        "psw": (
            "[1,2] {family} worries that the stress will make me sick again.",
            "[1,2] {family} asked me why I want to go back to that world, meaning the mental "
            "health world.",
            "[1,2] My parents are afraid people will find out about my illness because of this "
            "job.",
        ),
        "su": ("{family} worries every time I go out alone.",),
        "cw": (
            "[1,2] Some families were against them taking this job, they thought it was too risky.",
        ),
        "zh": (("psw", "[1,2] {zh_family}好擔心我壓力大又會再病。"),),
        "mix": (
            (
                "psw",
                "[1,2] {family} keeps asking 「你頂唔頂得順呀？」, can you really cope?",
            ),
        ),
    },
    "Repaired family relationships": {
        "psw": (
            "[3] Since I started working, I can talk with my father again, we even have dinner "
            "together on Sundays.",
            "[2,3] {family} told me for the first time that they are proud of me.",
        ),
        "su": (
            "[2,3] Things at home are calmer now, we argue much less.",
            "[3] {family} and I started going to yum cha again, like before I got sick.",
        ),
        "zh": (
            ("psw", "[3] 自從返工之後，我同阿爸又傾得返偈，星期日仲一齊食飯。"),
            ("su", "[2,3] 屋企而家平靜咗好多，少咗嗌交。"),
        ),
        "mix": (),
    },
    "Personal recovery through work": {
        "psw": (
            "[2,3] Helping others is part of my own recovery, it gives my days a structure.",
            "[2,3] Every time I support someone, I also remind myself how far I have come.",
            "[3] I haven't been admitted to hospital since I started this job.",
        ),
        "cw": ("[3] We've seen {pw} grow so much over this year, {he} is a different person.",),
        "zh": (("psw", "[2,3] 幫人其實都係我自己復元嘅一部分，令我每日有個目標。"),),
        "mix": (("psw", "[3] This job is my 「藥」 too, my medicine in a way."),),
    },
    "Confidence and self-worth": {
        "psw": (
            "[2,3] For the first time in years I feel useful.",
            "[3] I can now speak in front of a group of thirty people, which I could never do "
            "before.",
            "[2,3] When a member thanks me, I feel I'm worth something.",
        ),
        "cw": (
            "[3] {pw} used to sit at the back of meetings, now {he} presents cases.",
            "[2,3] I think the work gave {him} confidence, {he} speaks much more clearly now.",
        ),
        "zh": (
            ("psw", "[2,3] 我好多年都未試過覺得自己有用。"),
            ("psw", "[3] 而家我可以喺三十個人面前講嘢，以前諗都唔敢諗。"),
        ),
        "mix": (),
    },
    "Financial independence": {
        "psw": (
            "[2,3] Having a salary means I don't have to ask {family} for money any more.",
            "[3] I came off CSSA after I started working, and that meant a lot to me.",
            "[3] I can finally give my mother some money for the household at the end of the "
            "month.",
        ),
        "cw": ("[3] The income is important for them, even if it's not much.",),
        "zh": (("psw", "[3] 我出糧之後終於可以俾家用阿媽。"),),
        "mix": (("psw", "[3] Getting off 綜援 was a big thing for me."),),
    },
    "Engagement with services": {
        "psw": (
            "[2,3] Members who never came to groups now come because they know I'll be there.",
        ),
        "su": (
            "[2,3] I only started coming to the centre regularly because of {pw}.",
            "[2,3] Before, I skipped my follow-up appointments, now {he} reminds me and "
            "sometimes comes with me.",
            "[2,3] I joined {activity} because {he} said {he} would be there.",
        ),
        "cw": (
            "[2,3] Attendance at {activity} went up after {pw} started running it with us.",
            "[3] Some members who had dropped out of the service came back because of the peer "
            "workers.",
        ),
        "zh": (
            ("su", "[2,3] 我係因為{zh_pw}先開始定期返中心。"),
            ("cw", "[3] 有啲流失咗嘅會員，因為朋輩支援員又返嚟。"),
        ),
        "mix": (
            ("su", "[2,3] {He} said 「我陪你去」, I'll go with you, so I went to the clinic."),
        ),
    },
    "Social connection": {
        "psw": ("[2,3] I connect members with each other, so they don't depend only on me.",),
        "su": (
            "[2,3] Through {activity} I made two friends I still meet every week.",
            "[2,3] I was very isolated before, I didn't talk to anyone for days.",
            "[3] Now I have people to message when I feel low.",
        ),
        "cw": ("[2,3] The groups {pw} runs have become like a small community.",),
        "zh": (
            ("su", "[2,3] 以前我可以幾日都唔同人講嘢，好孤獨。"),
            ("su", "[3] 而家心情差嘅時候有朋友可以搵。"),
        ),
        "mix": (),
    },
    "Steps towards goals": {
        "psw": (
            "[2,3] I help members set small goals, like taking the bus alone or cooking one "
            "meal a week.",
        ),
        "su": (
            "[3] With {his} support I applied for a part-time job at a bakery.",
            "[2,3] {He} helped me break my goal into small steps, first just leaving the flat "
            "every day.",
            "[3] I enrolled in a short course at the VTC, something I never imagined.",
        ),
        "cw": ("[3] Several members have moved into work or training with {pw}'s support.",),
        "zh": (
            ("su", "[3] 喺佢幫助之下，我去咗申請一份兼職。"),
            ("su", "[2,3] 佢幫我將目標拆細，第一步只係每日落街行吓。"),
        ),
        "mix": (),
    },
    "Supportive supervision": {
        "psw": (
            "[2,3] {sup} meets me every two weeks, and I can bring anything to supervision.",
            "[2,3] Supervision is where I can say I'm struggling without being judged.",
            "[2] {sup} helped me think through the boundary problem with one member.",
        ),
        "cw": (
            "[2,3] As a supervisor I had to learn a new style, less about checking and more "
            "about reflecting.",
            "[2,3] We set up peer supervision among the peer workers, which works well.",
        ),
        "zh": (("psw", "[2,3] 督導會同我傾唔同嘅難處，唔會批判我。"),),
        "mix": (
            (
                "psw",
                "[2,3] In supervision {sup} always asks 「你自己點呀？」, how are you yourself?",
            ),
        ),
    },
    "Team acceptance": {
        "psw": (
            "[2,3] The team invited me to the Christmas lunch, and I felt that I belonged.",
            "[3] Now colleagues ask for my opinion in case conferences.",
            "[2] In the first month some colleagues hardly talked to me.",
        ),
        "cw": (
            "[2,3] It took the team some time, but now {pw} is just one of us.",
            "[2] Not everyone in the team was welcoming at first, to be honest.",
            "[3] {He} brings a perspective that our team was missing.",
        ),
        "zh": (
            ("psw", "[2,3] 團隊請我一齊食聖誕飯，我覺得自己終於係其中一份子。"),
            ("cw", "[2,3] 要啲時間，但係而家{zh_pw}已經係我哋團隊嘅一份子。"),
        ),
        "mix": (("cw", "[3] Now {pw} is really 「自己人」, one of our own."),),
    },
    "Unclear division of labour": {
        "psw": (
            "[2,3] Sometimes I'm asked to do things that are really the social worker's job.",
            "[2] Nobody decided who follows up a member after I finish a group, so things fall "
            "through the cracks.",
        ),
        "cw": (
            "[2,3] We are still working out which cases should go to the peer workers and which "
            "to us.",
            "[2] There was some tension about who should call the family, me or {pw}.",
        ),
        "zh": (("cw", "[2,3] 我哋仲喺度摸索邊啲個案俾朋輩支援員跟，邊啲我哋跟。"),),
        "mix": (
            (
                "psw",
                "[2] Sometimes it's 「呢樣唔關我事」 from both sides, and the member is stuck in "
                "between.",
            ),
        ),
    },
    "Low pay": {
        "psw": (
            "[3] The salary is lower than a welfare worker's, even though we work the same hours.",
            "[3] I love the job, but the pay is hard to live on in Hong Kong.",
        ),
        "cw": (
            "[2,3] Honestly, they are paid less than our assistants, and that doesn't reflect "
            "what they do.",
            "[3] If we value lived experience, the pay should show it.",
        ),
        "zh": (
            ("psw", "[3] 人工比福利工作員低，但係返嘅鐘數一樣。"),
            ("cw", "[3] 如果我哋真係重視親身經歷，人工都應該反映到。"),
        ),
        "mix": (
            ("psw", "[3] With this 人工, the salary, I still can't afford to rent my own room."),
        ),
    },
    "Short-term contracts": {
        "psw": (
            "[3] My contract is only for one year, and nobody knows if the funding will continue.",
            "[3] It's hard to plan my life when the project could end next March.",
        ),
        "cw": (
            "[3] The posts are funded project by project, which makes the peer workers very "
            "insecure.",
            "[3] We lose good people because the contracts are so short.",
        ),
        "zh": (("psw", "[3] 我份合約得一年，冇人知個 project 會唔會續。"),),
        "mix": (("cw", "[3] It's always 「做一年睇一年」, one year at a time."),),
    },
    "Career progression": {
        "psw": (
            "[3] There is no next step for a peer worker, no senior post, nothing.",
            "[3] I'd like to study social work part-time one day, but I don't know if my record "
            "allows it.",
        ),
        "cw": (
            "[3] We need a career ladder for peer workers, otherwise they'll leave.",
            "[3] {pw} would make a great senior peer worker if such a post existed.",
        ),
        "zh": (("psw", "[3] 朋輩支援員冇晉升階梯，做幾耐都係咁。"),),
        "mix": (),
    },
}

# More sentences per code, written later: expectations at T1 and the service users' and
# co-workers' views, so that every group has enough to say at every wave.
LIBRARY_MORE: dict[str, dict[str, tuple[str, ...]]] = {
    "Unclear job description": {
        "psw": (
            "[1] The trainers talked a lot about values, but very little about what a normal "
            "working day would look like.",
            "[2] Every unit seems to have a different idea of what I'm there for.",
            "[2,3] Some days I'm running a group, other days I'm photocopying, and nobody says "
            "which is the real job.",
        ),
        "su": (
            "[1] When they told me a peer worker would visit, I imagined a volunteer who would "
            "just chat.",
            "[1,2] I thought {he} was there to check whether I took my medicine.",
            "[2,3] I once asked {him} to fill in my housing form, and {he} said that was the "
            "social worker's job, so I was confused.",
            "[1] I had never heard the words peer support before this year.",
        ),
        "cw": (
            "[1] We received the job description only one week before they started.",
            "[1,2] Our director said they would do 'recovery work', which could mean anything.",
            "[2,3] Each of us had a different picture of what the peer worker should be doing.",
            "[3] Even now, new colleagues ask me what exactly {pw} does.",
        ),
    },
    "Anxiety about readiness": {
        "psw": (
            "[1] Before the first practicum day I rehearsed what I would say on the bus, again "
            "and again.",
            "[1] I kept wondering whether I had recovered enough to help anyone else.",
            "[1,2] I was scared the members would see that I was still taking medication.",
        ),
        "su": (
            "[1] I was worried that a peer worker would be too fragile to hear my problems.",
            "[1,2] I didn't want to tell {him} anything heavy in case it made {him} unwell.",
            "[1] At the start I wondered whether someone who had been ill could really help me.",
        ),
        "cw": (
            "[1] Some of us asked what would happen if a peer worker relapsed during a shift.",
            "[1] I was worried about the risk for them more than the risk for the members.",
            "[1,2] I wasn't sure how much responsibility to give them in the first months.",
            "[1] The managers had a plan in case a peer worker became unwell, which says "
            "something about our worries.",
        ),
    },
    "Feeling like an impostor": {
        "psw": (
            "[1] In the training room I looked around and thought everyone else deserved to be "
            "there more than me.",
            "[2,3] When a member calls me 'sir', I still feel like I'm pretending.",
            "[1,2] I was afraid someone would ask for my qualifications and I would have nothing "
            "to show.",
        ),
        "su": (
            "[2,3] {He} said {he} was just an ordinary person who had been through it, but to me "
            "{he} was more than that.",
        ),
        "cw": (
            "[1,2] I think they compared themselves with us all the time, which wasn't necessary.",
            "[2,3] {pw} often asks whether {his} notes are 'professional enough'.",
        ),
    },
    "In-between identity": {
        "psw": (
            "[1] I wonder whether I will still be allowed to join the members' activities once "
            "I'm staff.",
            "[2,3] Members sometimes say, you're one of them now, and that hurts a little.",
        ),
        "su": (
            "[1,2] I didn't know whether to call {him} by {his} name or something more formal.",
            "[2,3] {He} sits with us at lunch, the other staff eat in the office.",
        ),
        "cw": (
            "[2,3] Sometimes I'm not sure whether to invite {pw} to staff-only meetings.",
            "[2,3] {He} has to be loyal to the members and to the team at the same time, which "
            "is not easy.",
            "[1] I wondered whether members would see them as staff or as friends.",
        ),
    },
    "Recovery story as identity": {
        "psw": (
            "[1,2] My illness is part of my story, but it's not the whole story.",
            "[1] Writing my recovery story for the course was the first time I saw my life as "
            "something with a direction.",
            "[2,3] I'm not ashamed to say I have a diagnosis, it is where my knowledge comes from.",
        ),
        "su": (
            "[1,2] I liked that {he} called it a recovery journey, not an illness.",
            "[2,3] {He} talks about {his} past like it's a chapter, not a secret.",
        ),
        "cw": ("[2,3] {pw} has made {his} story into something professional, which I admire.",),
    },
    "Useful training content": {
        "psw": (
            "[1] The role plays were awkward, but they prepared me for real conversations.",
            "[1] I liked the session where a senior peer worker came to share her experience.",
            "[1,2] The course taught me the difference between advice and support.",
            "[1] Learning about the strengths perspective changed how I talk about myself.",
        ),
        "su": (
            "[1,2] {He} told me about a course {he} took on listening, and I could tell {he} "
            "used it.",
        ),
        "cw": (
            "[1,2] Their training gave them a language of recovery that some of our staff don't "
            "have.",
            "[1] The course had a good balance of theory and practicum, from what I saw.",
        ),
    },
    "Gaps between training and practice": {
        "psw": (
            "[2] The course never mentioned what to do when a member is angry with you.",
            "[2,3] In training we talked about hope, but nobody talked about the members who "
            "don't want hope.",
            "[2] I had to learn the computer system by myself.",
        ),
        "su": ("[2] Sometimes {he} didn't know the centre's rules, and we found out together.",),
        "cw": (
            "[2,3] We had to explain risk assessment from scratch, it wasn't in their course.",
            "[2] The practicum was too short for them to get a real feel for the work.",
        ),
    },
    "Friendship or professional relationship": {
        "psw": (
            "[2,3] I enjoy chatting with members, but I keep my personal life out of it.",
            "[3] I've learnt to be warm without being their friend, it took me most of the year.",
            "[2] One member got upset when I couldn't join her family gathering.",
        ),
        "su": (
            "[2,3] {He} is friendly, but {he} is clear that {he} is working.",
            "[3] I understand now that {he} can't be my friend, but {he} still cares.",
            "[2,3] I would like to stay friends with {him} after the programme ends.",
        ),
        "cw": (
            "[2,3] They are naturally closer to members, and that's the value, but it also needs "
            "watching.",
            "[3] {pw} has found a good balance, warm but clear.",
        ),
    },
    "Contact outside work": {
        "psw": (
            "[2,3] I live in the same estate as some members, so I see them at the wet market.",
            "[3] I tell members at the start which hours they can reach me.",
        ),
        "su": (
            "[2,3] {He} told me I can call the centre hotline at night, not {his} phone.",
            "[2,3] Once I met {him} {place} and {he} was very natural about it.",
        ),
        "cw": (
            "[2,3] We discussed whether peer workers should add members on Facebook, and we said "
            "no.",
            "[2] I noticed {pw} replying to messages during {his} lunch break, so we talked "
            "about it.",
        ),
    },
    "Saying no": {
        "psw": (
            "[2,3] When a member asked me to keep a secret about self-harm, I had to say no and "
            "explain why.",
            "[3] Now I can say no and still keep the relationship.",
            "[2] I said yes to everything in the first month, and I was exhausted.",
        ),
        "su": (
            "[2,3] I was angry at first when {he} refused, but later I saw {he} was right.",
            "[2] {He} said {he} couldn't come to my hospital appointment, but helped me find "
            "someone who could.",
        ),
        "cw": (
            "[2,3] I showed {pw} how I say no to members without closing the door.",
            "[2] {He} found it very hard to refuse a member who kept asking for money.",
        ),
    },
    "Purposeful disclosure": {
        "psw": (
            "[2,3] I never share details about my medication, only how I got through.",
            "[2,3] Sometimes one sentence about my own experience does more than an hour of "
            "advice.",
            "[3] I've learnt to share less, but to share better.",
        ),
        "su": (
            "[2,3] {He} didn't tell me {his} whole story at once, just the parts that helped.",
            "[2,3] Knowing {he} had also been admitted made it easier to talk about my admission.",
        ),
        "cw": (
            "[2,3] I've seen members change their whole attitude after {pw} shares a little of "
            "{his} story.",
            "[2] At first {he} shared too much, too early, but {he} learnt quickly.",
        ),
    },
    "Fear of disclosure": {
        "psw": (
            "[1] I almost didn't apply because the job requires you to be open about your illness.",
            "[1,2] I worry that a future employer will see 'peer support worker' on my CV and "
            "guess.",
            "[2,3] I still haven't told my old friends from school.",
        ),
        "su": (
            "[1,2] I told my colleagues I was seeing a doctor for my back.",
            "My family told me not to tell anyone in the building.",
            "[1] At first I didn't want anyone to know I was coming to the centre.",
        ),
        "cw": (
            "[1,2] We had to think about how to introduce them without disclosing more than they "
            "wanted.",
            "[2] {pw} asked us not to mention {his} diagnosis to the new staff.",
        ),
    },
    "Disclosure to colleagues": {
        "psw": (
            "[2,3] I told the team about my diagnosis at my first staff meeting, so it was over "
            "with.",
            "[3] Some colleagues now come to me privately to talk about their own stress.",
        ),
        "cw": (
            "[2,3] When {pw} told us about {his} warning signs, it helped us support {him} better.",
            "[2,3] I wasn't sure whether it was polite to ask {him} about {his} illness.",
            "[3] One of our nurses told {pw} about her own depression, which surprised everyone.",
        ),
    },
    "Triggering experiences": {
        "psw": (
            "[2,3] Going back to the ward where I was admitted was much harder than I expected.",
            "[2] The smell of the hospital corridor brought everything back.",
            "[3] I still have days when a member's story stays with me at night.",
        ),
        "su": ("[2,3] I worried that talking about my voices might be hard for {him} to hear.",),
        "cw": (
            "[2] After one crisis call, {pw} was shaking, and we sat with {him} for an hour.",
            "[2,3] We try not to give {him} cases that mirror {his} own history too closely.",
        ),
    },
    "Self-care strategies": {
        "psw": (
            "[2,3] I make sure to sleep before midnight, whatever happens at work.",
            "[2,3] I have a friend from the training I call after a hard day.",
            "[3] I take my annual leave now, at the beginning I felt guilty about it.",
            "[2,3] Cooking dinner for my family is my way of switching off.",
        ),
        "cw": (
            "[2,3] We remind them to take their breaks, because they tend to skip them.",
            "[3] {pw} is better at self-care than most of us, to be honest.",
        ),
    },
    "Being understood": {
        "psw": (
            "[2,3] Members say, you know what it's like, and that opens a door.",
            "[3] I can hear when a member is hiding how bad things are, because I used to do the "
            "same.",
        ),
        "su": (
            "[1] I hope the peer worker will understand me better than the doctors do.",
            "[1,2] With other staff I feel like a case number, with {him} I feel like a person.",
            "[2,3] {He} knows what it means when I say my head is too noisy.",
            "[3] I don't need to pretend when I talk to {pw}.",
        ),
        "cw": (
            "[2,3] Members tell {pw} about side effects they never mention to the psychiatrist.",
            "[3] I have seen members relax the moment {pw} says, I've been there too.",
        ),
    },
    "Equal relationship": {
        "psw": (
            "[2,3] I sit next to members, not across a desk.",
            "[2,3] I ask members what they think, instead of telling them what the plan is.",
        ),
        "su": (
            "[2,3] {He} asks my opinion, which makes me feel like an adult.",
            "[3] When we go out, people can't tell who is the worker and who is the member.",
            "[1] I hope it will be different from the doctors, more like equals.",
        ),
        "cw": (
            "[2,3] Members talk to {pw} as an equal, with us they are more careful.",
            "[3] It made me think about how we use our power as professionals.",
        ),
    },
    "Earning trust over time": {
        "psw": (
            "[2] At first some members tested me, to see if I would keep my word.",
            "[3] The members who ignored me at the beginning now say hello first.",
        ),
        "su": (
            "[2,3] {He} always came on time, even in the rain, that's how I knew {he} was serious.",
            "[2] I didn't tell {him} the real problem until the fourth or fifth meeting.",
            "[3] {He} remembered small things I had told {him}, so I trusted {him} more.",
        ),
        "cw": (
            "[2] At first I checked {his} notes very carefully, now I don't need to.",
            "[3] The members trust {him} with things they don't tell us, and I've learnt to "
            "trust that.",
        ),
    },
    "Practical tips from experience": {
        "psw": (
            "[2,3] I tell members which bus routes are quiet in the morning, if crowds make them "
            "anxious.",
            "[2,3] I share how I prepared for job interviews, like what to say about the gaps in "
            "my CV.",
        ),
        "su": (
            "[2,3] {He} told me to keep a small notebook for my moods, and it really helps.",
            "[2,3] {He} showed me how to set phone reminders so I don't miss the clinic.",
            "[3] {He} gave me tips on how to explain my illness to an employer, or whether to "
            "explain it at all.",
        ),
        "cw": (
            "[2,3] {pw} suggested we move {activity} to the afternoon because of morning "
            "drowsiness from medication.",
            "[3] We have changed some procedures because {pw} pointed things out from a "
            "patient's side.",
        ),
    },
    "Shared language": {
        "psw": (
            "[2,3] I say 'a hard time' instead of 'a relapse', members prefer that.",
            "[2,3] I explain the doctor's words in plain Cantonese.",
        ),
        "su": (
            "[2,3] With {him} I can use my own words for what happens in my head.",
            "[2,3] {He} never uses those long English medical terms.",
        ),
        "cw": (
            "[2,3] I've started to say 'members' instead of 'cases', because of {pw}.",
            "[3] {His} way of talking has changed how the whole team writes notes.",
        ),
    },
    "Role model of recovery": {
        "psw": (
            "[3] Members ask me how long it took before I could work, and I tell them honestly.",
            "[2,3] I think I show members that a diagnosis is not the end.",
        ),
        "su": (
            "[1] I heard that the peer workers had been ill too, and I couldn't believe it.",
            "[2,3] {He} has a job and a normal life, so maybe I can have that too.",
            "[3] When I'm down I think of {pw}, and how {he} got through.",
        ),
        "cw": (
            "[3] For some members {pw} is the first person with mental illness they have seen "
            "working.",
            "[2,3] {He} gives hope in a way that we professionals cannot.",
        ),
    },
    "Self-stigma": {
        "psw": (
            "[1] When I got a place on the course, my first thought was that they had made a "
            "mistake.",
            "[1,2] I used to avoid people from my old life because I felt ashamed.",
        ),
        "su": (
            "[1,2] I thought people like me were finished.",
            "[1] I didn't want to join the groups, because I didn't want to be one of 'those "
            "people'.",
            "[2,3] Slowly I stopped calling myself a psycho.",
        ),
        "cw": (
            "[1,2] Some of the members have very low expectations of themselves, and {pw} "
            "challenges that.",
        ),
    },
    "Public stigma": {
        "psw": (
            "[1,2] When I was looking for work, some employers ended the interview when I "
            "mentioned hospital.",
            "On the news, every violent case is linked to mental illness.",
        ),
        "su": (
            "[1,2] The security guard in my building treats me differently since the ambulance "
            "came.",
            "People think we are lazy or dangerous.",
        ),
        "cw": (
            "[1,2] Even among professionals there is stigma we don't like to admit.",
            "[2,3] Some members' families still hide them from the relatives.",
        ),
    },
    "Stigma in the workplace": {
        "psw": (
            "[2] My name was left off the staff list on the notice board for weeks.",
            "[3] The jokes about 'crazy people' in the office have stopped, at least when I'm "
            "there.",
        ),
        "su": ("[2,3] I heard a nurse say something unkind about {pw}, and it made me angry.",),
        "cw": (
            "[1] Before they came, some colleagues asked whether they would have access to the "
            "drug cabinet.",
            "[1,2] A few staff thought peer workers would be a risk to the members.",
            "[3] I think working with {pw} changed the attitudes of the most sceptical colleagues.",
        ),
    },
    "Family encouragement": {
        "psw": (
            "[2,3] {family} asks me about my day now, which never happened before.",
            "[1,2] {family} took me to the first training day.",
        ),
        "su": (
            "{family} reminds me about the appointments and sometimes waits outside.",
            "[2,3] {family} says I look brighter since I started the groups.",
        ),
        "cw": ("[2,3] I met {pw}'s mother at the open day, she was very proud.",),
    },
    "Family worries": {
        "psw": (
            "[1,2] {family} thinks a real job would be better than this kind of job.",
            "[2] {family} calls me every evening to check if I'm okay after work.",
        ),
        "su": (
            "[1,2] {family} is afraid people in the building will find out I come here.",
            "[1] {family} wasn't sure it was a good idea to meet someone who had also been ill.",
            "[2,3] {family} worries that I'm depending too much on the centre.",
        ),
        "cw": (
            "[2,3] {pw}'s family was worried about the evening shifts, so we changed the roster.",
        ),
    },
    "Repaired family relationships": {
        "psw": (
            "[3] My relationship with {family} is the best it has been in ten years.",
            "[2,3] {family} now tells friends what I do, before they said I was 'resting'.",
        ),
        "su": (
            "[3] I can look after my niece again, which my sister would not allow before.",
            "[2,3] My mother and I talk more now, and not only about my illness.",
        ),
        "cw": (
            "[3] {pw} told me {his} family relationships have improved since {he} started working.",
        ),
    },
    "Personal recovery through work": {
        "psw": (
            "[2,3] Getting up for work every morning keeps me well.",
            "[3] I notice my warning signs earlier now, because I teach members about them.",
            "[2,3] Having colleagues and a routine means I'm not alone with my thoughts.",
        ),
        "su": ("[2,3] I think working is good for {him} as well, {he} seems happy.",),
        "cw": ("[2,3] The work seems to give {him} a lot of meaning.",),
    },
    "Confidence and self-worth": {
        "psw": (
            "[2,3] I used to let others speak for me, now I speak for myself.",
            "[3] I led a training session for new volunteers last month.",
        ),
        "su": ("[2,3] {He} seems much more confident than when I first met {him}.",),
        "cw": ("[3] {pw} now challenges us in meetings, which is a good sign.",),
    },
    "Financial independence": {
        "psw": (
            "[3] I opened a savings account for the first time in my life.",
            "[2,3] I could buy my own phone, which sounds small but it isn't.",
        ),
        "su": ("[3] {He} told me {he} pays {his} own rent now, which gives me hope.",),
        "cw": ("[3] For some of them it's their first regular salary in years.",),
    },
    "Engagement with services": {
        "psw": (
            "[3] A member who hadn't been to the clinic for a year came back after talking to me.",
        ),
        "su": (
            "[1] I only came to the centre because my social worker insisted.",
            "[2,3] I don't miss {activity} any more, even when I feel tired.",
            "[3] I've been coming every week for almost a year now.",
        ),
        "cw": (
            "[2,3] Fewer members miss our groups now, and I think {pw} is the reason.",
            "[3] Members who avoided the clinic now come with {pw}.",
        ),
    },
    "Social connection": {
        "psw": ("[2,3] I started a WhatsApp group for the hiking members, with clear rules.",),
        "su": (
            "[1] Before joining I didn't leave the flat except to see the doctor.",
            "[2,3] We go for dim sum together after {activity}.",
            "[3] One of the members from the group helped me move house.",
        ),
        "cw": ("[3] Members now support each other, not only the peer worker.",),
    },
    "Steps towards goals": {
        "psw": ("[3] Two members I support have started volunteering.",),
        "su": (
            "[2,3] I go to the library twice a week now, that was my goal.",
            "[3] I passed the security guard course, and {pw} came to celebrate.",
            "[2] We made a plan together to go back to my old hobby, drawing.",
        ),
        "cw": ("[2,3] {pw} is very good at helping members break big goals into small steps.",),
    },
    "Supportive supervision": {
        "psw": (
            "[2,3] {sup} never makes me feel like a patient, always like a colleague.",
            "[3] Supervision became less about problems and more about my development.",
        ),
        "cw": (
            "[1,2] We planned weekly supervision for the first three months, then every two weeks.",
            "[2,3] Supervising {pw} taught me a lot about my own practice.",
        ),
    },
    "Team acceptance": {
        "psw": (
            "[2,3] Someone in the team brought me mooncakes at Mid-Autumn, such a small thing.",
            "[2] I wasn't added to the staff WhatsApp group until someone noticed.",
        ),
        "su": ("[2,3] The other staff treat {him} like a colleague, I can see that.",),
        "cw": (
            "[1] Some of us were sceptical before they arrived, I was one of them.",
            "[2,3] The team now includes {pw} in every case discussion.",
            "[1,2] We prepared the team by talking about what peer workers can bring.",
        ),
    },
    "Unclear division of labour": {
        "psw": (
            "[2,3] I don't know whether I should write in the case file or just tell the social "
            "worker.",
            "[3] We finally agreed who does intake and who does follow-up.",
        ),
        "su": ("[2,3] Sometimes I don't know whether to ask {pw} or my social worker.",),
        "cw": (
            "[1,2] We need to decide which tasks they can do alone and which need a professional.",
            "[2,3] Sometimes {pw} and I both call the same member on the same day.",
            "[3] We wrote a simple flowchart of who does what, and it has helped.",
        ),
    },
    "Low pay": {
        "psw": (
            "[2,3] My salary barely covers my rent and transport.",
            "[3] My friends earn more working in a shop.",
        ),
        "su": ("[3] I heard the peer workers don't earn much, which seems unfair.",),
        "cw": (
            "[3] The pay scale was set as if it were a volunteer job with an allowance.",
            "[3] I feel embarrassed when I think about how much less they earn than I do.",
        ),
    },
    "Short-term contracts": {
        "psw": (
            "[3] I'm afraid to plan a family when I don't know about next year.",
            "[3] Every March we wait to hear whether the project will be renewed.",
        ),
        "su": ("[3] I'm worried {pw} will leave when the project ends.",),
        "cw": ("[3] It's difficult to build a team when half of it may leave next year.",),
    },
    "Career progression": {
        "psw": (
            "[3] I'd like to be a trainer for new peer workers one day.",
            "[3] There's no way to move up without a degree.",
        ),
        "su": ("[3] I think {pw} deserves a promotion.",),
        "cw": (
            "[3] With more training, {pw} could take on a coordinating role.",
            "[3] We are proposing a senior peer worker post to the management.",
        ),
    },
}

# The first interviews (T1): service users' and co-workers' expectations.
LIBRARY_T1: dict[str, dict[str, tuple[str, ...]]] = {
    "Unclear job description": {
        "cw": (
            "[1] In the planning meetings nobody could agree on what the peer workers would actually do.",
        ),
        "su": (
            "[1] I was told someone who had been through mental illness would visit me, but not why.",
        ),
    },
    "Anxiety about readiness": {
        "cw": (
            "[1] I worried that the peer workers would be left alone with the most difficult cases.",
        ),
        "su": ("[1] I'm a bit nervous about meeting a peer worker, I don't know what to expect.",),
    },
    "Team acceptance": {
        "cw": (
            "[1] I'm curious to see how the team will react when they start.",
            "[1] Some colleagues said openly that they didn't see the point of peer workers.",
        ),
    },
    "Unclear division of labour": {
        "cw": ("[1] We haven't decided yet who will supervise their daily work.",),
    },
    "Stigma in the workplace": {
        "cw": ("[1] I heard a colleague ask whether the peer workers would be 'stable enough'.",),
    },
    "Useful training content": {
        "cw": (
            "[1] I helped to run one session of their course, and the questions they asked were very sharp.",
        ),
    },
    "Family worries": {
        "cw": ("[1] One of the trainees told me her father didn't want her to take the course.",),
    },
    "Supportive supervision": {
        "cw": (
            "[1] I've been asked to supervise one of the trainees, and I'm not sure how it differs from supervising a social worker.",
        ),
    },
    "Low pay": {
        "cw": ("[1] The salary they were offered is lower than I expected.",),
    },
    "Short-term contracts": {
        "cw": ("[1] The project is funded for two years only, which worries me from the start.",),
    },
    "In-between identity": {
        "cw": ("[1] I wonder where they will sit in the office, literally and figuratively.",),
    },
    "Role model of recovery": {
        "cw": ("[1] I hope members will see that recovery is real when they meet them.",),
        "su": ("[1] I would like to meet someone who has recovered, to see it with my own eyes.",),
    },
    "Engagement with services": {
        "cw": ("[1] We hope peer workers can reach the members we keep losing.",),
        "su": (
            "[1] I stopped going to the clinic for a while last year.",
            "[1] I only went to {activity} once, and I didn't go back.",
        ),
    },
    "Being understood": {
        "su": (
            "[1] I think someone who has been through it would understand me without my explaining so much.",
        ),
    },
    "Equal relationship": {
        "su": ("[1] I'm tired of being told what to do by professionals.",),
    },
    "Social connection": {
        "su": (
            "[1] I hardly see anyone except my mother these days.",
            "[1] I used to have friends, but I lost touch with all of them when I was in hospital.",
        ),
    },
    "Self-stigma": {
        "su": ("[1] Sometimes I think I don't deserve help.",),
    },
    "Steps towards goals": {
        "su": ("[1] My goal is to work again, even part-time, but it feels very far away.",),
    },
    "Fear of disclosure": {
        "su": ("[1] I didn't tell my friends I was joining this programme.",),
    },
}

# Chinese sentences with characters outside the Basic Multilingual Plane (𡃁 U+210C1,
# 𨋢 U+282E2, 𠮟 U+20B9F, 𠝹 U+2075D), used only in transcripts built with astral=True.
ASTRAL: tuple[tuple[str, str, str], ...] = (
    ("Feeling like an impostor", "psw", "我喺個 team 入面好似個𡃁仔咁，乜都要由頭學過。"),
    ("Stigma in the workplace", "psw", "每朝喺𨋢度撞到啲同事，佢哋都唔知同我講咩好。"),
    ("Supportive supervision", "psw", "有一次我做錯嘢，{zh_sup}冇𠮟責我，反而同我一齊諗點做。"),
    ("Public stigma", "su", "聽到人哋咁講，我個心好似俾刀𠝹咗一下咁。"),
    ("Family worries", "psw", "{zh_family}成日𠮟我唔好做到咁辛苦，怕我頂唔順。"),
    ("Triggering experiences", "psw", "聽完佢嘅故事，我個心好似俾人𠝹開咗咁痛。"),
    ("Team acceptance", "cw", "而家我哋喺𨋢度都會同{zh_pw}傾兩句，唔再當佢係外人。"),
    ("Contact outside work", "su", "有次喺𨋢入面撞到{zh_pw}，我哋兩個都笑咗出嚟。"),
    ("Self-stigma", "su", "以前我成日覺得自己係個廢人，畀屋企人𠮟慣咗。"),
)

# Pairs of codes that often apply to the same passage (overlapping codes).
RELATED = (
    ("Fear of disclosure", "Public stigma"),
    ("Family worries", "Fear of disclosure"),
    ("Self-stigma", "Feeling like an impostor"),
    ("Low pay", "Financial independence"),
    ("Being understood", "Shared language"),
    ("Role model of recovery", "Steps towards goals"),
    ("Purposeful disclosure", "Being understood"),
    ("Triggering experiences", "Self-care strategies"),
    ("Team acceptance", "Stigma in the workplace"),
    ("Anxiety about readiness", "Gaps between training and practice"),
    ("Personal recovery through work", "Recovery story as identity"),
    ("Contact outside work", "Friendship or professional relationship"),
    ("Supportive supervision", "Self-care strategies"),
    ("Short-term contracts", "Career progression"),
    ("Engagement with services", "Earning trust over time"),
    ("Unclear division of labour", "Unclear job description"),
    ("Confidence and self-worth", "Personal recovery through work"),
)
