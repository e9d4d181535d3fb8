"""The design of the demo interviews (data): who is interviewed at which wave, how much
each sub-theme is talked about, and what the interviewer and the participants say around
the coded sentences."""

from __future__ import annotations

# (key, name, pseudonym prefix, participants at scale 1, attendance patterns)
# A pattern lists the waves (0-based) a participant was interviewed at; the counts give
# 14 + 34 + 29 = 77 of 102 possible transcripts.
GROUPS: tuple[tuple[str, str, str, int, tuple[tuple[tuple[int, ...], int], ...]], ...] = (
    ("psw", "Peer support workers", "PSW", 5, (((0, 1, 2), 4), ((0, 2), 1))),
    (
        "su",
        "Service users",
        "SU",
        15,
        (((0, 1, 2), 7), ((0, 1), 3), ((0,), 3), ((0, 2), 2)),
    ),
    (
        "cw",
        "Co-workers",
        "CW",
        14,
        (((0, 1, 2), 5), ((0, 1), 3), ((0,), 4), ((0, 2), 2)),
    ),
)
WAVES: tuple[str, ...] = ("T1 Training", "T2 Work placement", "T3 Employment")
SITES = ("Kowloon", "New Territories", "Hong Kong Island")
AGE_BANDS = ("18-24", "25-34", "35-44", "45-54", "55-64")
PROFESSIONS = (
    "Social worker",
    "Occupational therapist",
    "Psychiatric nurse",
    "Welfare worker",
    "Centre manager",
)
SERVICES = (
    "Integrated community centre",
    "Halfway house",
    "Supported employment",
    "Day training centre",
)


# Theme weight per wave: how much of an interview goes to a sub-theme the participant talks
# about at all (which sub-themes they talk about is PREVALENCE below).
THEME_WEIGHTS = {
    "Role and identity": (3.0, 1.4, 0.8),
    "Boundaries and disclosure": (0.8, 3.0, 1.4),
    "Lived experience as an asset": (0.5, 3.0, 1.6),
    "Stigma and family": (1.2, 1.2, 2.4),
    "Benefits": (0.5, 1.4, 2.4),
    "Work conditions": (0.6, 1.6, 2.2),
}
# The storyline of the study the demo imitates: confusion about the peer worker's role
# (training, T1), the peer worker's lived experience as an asset (work placement, T2), the
# importance of family support (employment, T3). Per sub-theme and group, the share of the
# participants interviewed at T1, T2, T3 who talk about it (and so are coded for it). A
# sub-theme with no sentences for a group at a wave is never discussed there.
PREVALENCE: dict[str, dict[str, tuple[float, float, float]]] = {
    "Role confusion": {"psw": (0.8, 0.4, 0.2), "su": (0.4, 0.2, 0.1), "cw": (0.95, 0.65, 0.35)},
    "Peer identity": {"psw": (0.6, 0.8, 0.6), "su": (0.2, 0.3, 0.3), "cw": (0.2, 0.4, 0.4)},
    "Training experience": {"psw": (0.8, 0.4, 0.2), "su": (0.1, 0.1, 0.0), "cw": (0.4, 0.2, 0.1)},
    "Boundary setting": {"psw": (0.0, 0.6, 0.4), "su": (0.0, 0.4, 0.3), "cw": (0.0, 0.3, 0.2)},
    "Self-disclosure": {"psw": (0.4, 0.6, 0.4), "su": (0.2, 0.4, 0.2), "cw": (0.1, 0.3, 0.2)},
    "Emotional load": {"psw": (0.0, 0.6, 0.4), "su": (0.0, 0.1, 0.1), "cw": (0.0, 0.3, 0.2)},
    "Trust and rapport": {"psw": (0.0, 0.8, 0.4), "su": (0.3, 0.9, 0.5), "cw": (0.0, 0.6, 0.3)},
    "Experiential knowledge": {
        "psw": (0.0, 0.8, 0.4),
        "su": (0.2, 0.7, 0.3),
        "cw": (0.1, 0.8, 0.3),
    },
    "Stigma": {"psw": (0.4, 0.3, 0.3), "su": (0.4, 0.3, 0.3), "cw": (0.3, 0.2, 0.2)},
    "Family support": {"psw": (0.4, 0.4, 0.8), "su": (0.2, 0.3, 0.8), "cw": (0.1, 0.2, 0.6)},
    "Benefits for peer workers": {
        "psw": (0.0, 0.4, 0.6),
        "su": (0.0, 0.1, 0.2),
        "cw": (0.0, 0.2, 0.4),
    },
    "Benefits for service users": {
        "psw": (0.0, 0.2, 0.4),
        "su": (0.3, 0.4, 0.6),
        "cw": (0.1, 0.2, 0.4),
    },
    "Team and supervision": {"psw": (0.0, 0.4, 0.4), "su": (0.0, 0.1, 0.1), "cw": (0.4, 0.5, 0.4)},
    "Pay and contracts": {"psw": (0.0, 0.1, 0.6), "su": (0.0, 0.0, 0.2), "cw": (0.1, 0.1, 0.6)},
}
# Every interview touches at least this many sub-themes, and about this share of the codes
# of each (at least one).
MIN_SUBS = 3
LEAF_SHARE = 0.7
GROUP_SUB_WEIGHTS = {
    ("su", "Trust and rapport"): 2.0,
    ("su", "Benefits for service users"): 2.5,
    ("psw", "Benefits for peer workers"): 1.6,
    ("cw", "Team and supervision"): 2.0,
    ("cw", "Pay and contracts"): 1.8,
    ("psw", "Self-disclosure"): 1.4,
}

QUESTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "Role confusion": {
        "psw": (
            "How clear is your role to you at the moment?",
            "What were you most worried about before starting?",
            "How do you feel about the work ahead of you?",
        ),
        "su": (
            "When you first met {pw}, what did you think {his} job was?",
            "How was it explained to you what a peer worker does?",
        ),
        "cw": (
            "How was the peer worker role explained to your team?",
            "What concerns did you have when you heard that peer workers would join?",
        ),
        "zh": (
            ("psw", "你而家對自己嘅角色清唔清楚？"),
            ("su", "你第一次見{zh_pw}嘅時候，以為佢做咩㗎？"),
            ("cw", "管理層點樣同你哋介紹朋輩支援員嘅角色？"),
        ),
    },
    "Peer identity": {
        "psw": (
            "How would you describe who you are at work?",
            "Do you see yourself more as staff or more as a peer?",
        ),
        "su": ("How is {pw} different from the other staff?",),
        "cw": ("Where do you see the peer workers in the team, as staff or as something else?",),
        "zh": (("psw", "你覺得自己喺工作上係咩身份？"), ("su", "佢同其他職員有咩唔同？")),
    },
    "Training experience": {
        "psw": (
            "Which parts of the training have been most useful?",
            "Is there anything the training didn't prepare you for?",
        ),
        "cw": (
            "Did you take part in any of the training with the peer workers?",
            "What do you think the training should include?",
        ),
        "zh": (("psw", "個培訓課程邊部分最有用？"),),
    },
    "Boundary setting": {
        "psw": (
            "How do you manage the boundaries with members?",
            "Has anyone asked you for more than you could give?",
        ),
        "su": (
            "How would you describe your relationship with {pw}?",
            "Are you in contact with {him} outside the centre?",
        ),
        "cw": ("Have boundaries with members been an issue for the peer workers?",),
        "zh": (("psw", "你點樣同會員保持界線？"), ("su", "你同{zh_pw}嘅關係係點樣？")),
    },
    "Self-disclosure": {
        "psw": (
            "How do you decide when to share your own experience?",
            "Who knows about your history at work?",
        ),
        "su": ("Has {pw} told you about {his} own experience?",),
        "cw": ("How do you feel about the peer workers sharing their own history?",),
        "zh": (("psw", "你點決定幾時分享自己嘅經歷？"),),
    },
    "Emotional load": {
        "psw": (
            "What has been emotionally difficult in the work?",
            "How do you look after yourself after a hard day?",
        ),
        "su": ("Do you ever worry about {pw}?",),
        "cw": ("Have you seen the work affect the peer workers emotionally?",),
        "zh": (("psw", "工作上有冇啲情緒上好難頂嘅時候？"),),
    },
    "Trust and rapport": {
        "psw": ("How do members respond to you now?",),
        "su": (
            "What is it like to talk with {pw} compared with other staff?",
            "How did you come to trust {him}?",
        ),
        "cw": ("How do members relate to the peer workers compared with the professional staff?",),
        "zh": (("su", "同{zh_pw}傾偈同同其他職員傾有咩唔同？"),),
    },
    "Experiential knowledge": {
        "psw": ("What do you bring to the work that comes from your own experience?",),
        "su": ("Has {pw} shared anything practical that helped you?",),
        "cw": ("What do the peer workers know that the team didn't know before?",),
        "zh": (("psw", "你自己嘅經歷點樣幫到你做呢份工？"), ("su", "佢有冇教過你啲實際嘅方法？")),
    },
    "Stigma": {
        "psw": (
            "Have you come across stigma, at work or outside?",
            "How do people react when they hear what your job is?",
        ),
        "su": ("How do people around you see mental illness?",),
        "cw": ("What were attitudes in the team like towards peer workers?",),
        "zh": (("all", "你有冇遇過歧視或者標籤？"),),
    },
    "Family support": {
        "psw": (
            "What does your family think about your job?",
            "How has your family been involved?",
        ),
        "su": ("How does your family feel about you coming to the centre?",),
        "cw": ("Do you know how the peer workers' families have responded?",),
        "zh": (("psw", "屋企人點睇你呢份工？"), ("su", "屋企人點睇你嚟中心？")),
    },
    "Benefits for peer workers": {
        "psw": (
            "What has the work given you personally?",
            "How has the job changed things for you?",
        ),
        "su": ("Do you think the job is good for {him} too?",),
        "cw": ("What changes have you seen in the peer workers themselves?",),
        "zh": (("psw", "呢份工對你自己有咩影響？"),),
    },
    "Benefits for service users": {
        "psw": ("What changes have you seen in the members you support?",),
        "su": (
            "What difference has the peer support made for you?",
            "What have you been able to do that you couldn't do before?",
        ),
        "cw": ("What difference have the peer workers made for the members?",),
        "zh": (("su", "朋輩支援對你有咩唔同？"),),
    },
    "Team and supervision": {
        "psw": ("How is the supervision going?", "How does the team treat you?"),
        "su": ("Do you see {pw} working with the other staff?",),
        "cw": (
            "How have the peer workers fitted into the team?",
            "How is the work divided between you and the peer workers?",
        ),
        "zh": (("psw", "督導同團隊方面點呀？"), ("cw", "朋輩支援員同團隊夾唔夾？")),
    },
    "Pay and contracts": {
        "psw": (
            "How do you feel about the employment terms, the pay and the contract?",
            "Where do you see yourself in a few years?",
        ),
        "cw": ("What do you think about the employment conditions of the peer workers?",),
        "zh": (("psw", "你點睇份人工同合約？"), ("cw", "你點睇朋輩支援員嘅待遇？")),
    },
}

PROBES = (
    "Can you tell me more about that?",
    "What happened next?",
    "How did that make you feel?",
    "Could you give me an example?",
    "Why do you think that is?",
    "How did you deal with that?",
    "What would have helped?",
    "And how did the others react?",
    "What do you mean by that?",
    "Was that the first time?",
)
PROBES_LATER = ("Has that changed since we last met?", "Is that different from last time?")
PROBES_ZH = (
    "可唔可以講多啲？",
    "咁你點處理？",
    "嗰陣你有咩感受？",
    "可唔可以舉個例子？",
    "點解你會咁諗？",
)
BACKCHANNEL = ("Mm-hm.", "I see.", "Right.", "Okay.", "That's interesting.", "Yes, go on.")
BACKCHANNEL_ZH = ("嗯。", "明白。", "係呀。", "嗯，你繼續講。")
SHORT_REPLIES = (
    "Yes, exactly.",
    "Yes.",
    "That's right.",
    "More or less, yes.",
    "I think so.",
    "Hmm, maybe.",
)
SHORT_REPLIES_ZH = ("係呀。", "都係嘅。", "差唔多啦。", "我諗係。")

FILLERS = (
    "Hmm, let me think.",
    "It's hard to put into words.",
    "That's a good question.",
    "I'm not sure this answers your question.",
    "Well, it depends on the day.",
    "Let me give you an example.",
    "I think I mentioned this last time.",
    "It's a bit complicated.",
    "How can I say this.",
    "Where do I start.",
    "Okay, so.",
    "Yes, I've thought about this a lot.",
)
CONTEXT = (
    "That was the week of the typhoon, so everything was cancelled.",
    "The centre moved to a new floor in the same building around that time.",
    "We had a new manager in the autumn.",
    "The MTR was delayed that morning, so I was late.",
    "It was during the hot weather, everyone was exhausted.",
    "There was a flu going around the centre then.",
    "My phone broke that week, so I missed some messages.",
    "It was just before the Lunar New Year holidays.",
    "That was {time}, if I remember correctly.",
    "It happened {place}.",
    "This was around the time of {activity}.",
    "I think it was a Thursday, because that's the day of {activity}.",
    "It was raining heavily that day, I remember.",
    "We were {place} at the time.",
    "{colleague} was on leave that week.",
    "That happened {time}.",
    "I had just come back from a follow-up at the clinic.",
    "We had just finished {activity}.",
    "I remember because it was {time}.",
    "It was the same week my medication was changed.",
    "That was before the renovation of the centre.",
    "My nephew had exams then, so the whole family was tense.",
    "{time}, {colleague} and I were {place}, getting ready for {activity}.",
    "I remember it was {time}, and we were {place}.",
    "It was {time}, just after {activity}.",
    "{colleague} had asked me to help with {activity} that day.",
    "We had gone {place} after {activity}, as we often do.",
    "That was {time}, when {colleague} was still new.",
    "It was {time}, and {family} had just come back from a trip.",
)
CLOSERS = (
    "That's how it was.",
    "So yes.",
    "That's what I remember, anyway.",
    "I hope that makes sense.",
    "Anyway, that's my experience.",
    "It's still on my mind.",
)
FILLERS_ZH = (
    "嗯，點講呢……",
    "其實我都唔係好肯定。",
    "即係咁講啦。",
    "你明唔明我意思？",
    "都幾難講㗎。",
    "等我諗吓先。",
    "嗰個禮拜打風，乜都取消晒。",
    "我記得好似係禮拜四。",
)
OPENERS = (
    "To be honest, ",
    "Honestly, ",
    "I remember that ",
    "I think ",
    "What I can say is that ",
    "In a way, ",
    "You know, ",
    "Actually, ",
    "I would say ",
    "For me, ",
)
TAILS = (
    ", to be honest",
    ", if I'm honest",
    ", I would say",
    ", you know",
    ", more or less",
    ", at least for me",
)
ELABORATIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "Role and identity": {
        "all": (
            "It took me a long time to get used to that.",
            "I still think about it quite often.",
            "It wasn't easy, I have to say.",
            "Looking back, that was a turning point.",
            "I didn't expect that at all.",
            "That's how I felt at the time, anyway.",
            "It's hard to explain to people outside.",
        ),
        "psw": (
            "I think many people in my position feel the same.",
            "I talked about it in supervision more than once.",
            "Maybe that's just part of starting something new.",
            "Nobody had done this job before, so there was no model to follow.",
        ),
        "cw": (
            "It was new for all of us, not only for them.",
            "We had never worked with peer staff before.",
        ),
        "su": ("I only understood it later.",),
    },
    "Boundaries and disclosure": {
        "all": (
            "It's a balance, and you don't always get it right.",
            "There is no rule book for this.",
            "It happens more often than people think.",
            "Each situation is a bit different.",
            "I'm still learning, to be honest.",
        ),
        "psw": (
            "Every member is different, so I decide case by case.",
            "I learnt that the hard way.",
            "I still feel a bit uncomfortable about it.",
        ),
        "cw": ("We discussed it at the team meeting afterwards.",),
        "su": ("I understand why now.", "I didn't think about it much at the time."),
    },
    "Lived experience as an asset": {
        "all": (
            "That's something you can't learn from a book.",
            "It made a real difference.",
            "I don't think anyone else could have done that.",
            "I still remember that moment.",
            "It's hard to describe, but it's real.",
        ),
        "su": (
            "Other staff are kind, but it's not the same.",
            "I felt less alone after that.",
        ),
        "psw": ("That's when I knew my experience counts for something.",),
        "cw": ("We learnt a lot from watching that.",),
    },
    "Stigma and family": {
        "all": (
            "It's very common in Hong Kong, unfortunately.",
            "People don't mean to hurt you, but it still hurts.",
            "Things are slowly changing, I think.",
            "It's not something people talk about openly.",
            "It takes time for people to see differently.",
        ),
        "psw": ("I have learnt not to take it personally, most of the time.",),
        "su": ("I try not to think about it too much.",),
        "cw": ("It's something we should talk about more openly.",),
    },
    "Benefits": {
        "all": (
            "It's a small thing, but it means a lot.",
            "A year ago I wouldn't have believed it.",
            "I'm quite proud of that, actually.",
            "Step by step, that's how it works.",
            "It doesn't happen overnight.",
        ),
        "su": ("My doctor noticed the change too.",),
        "psw": ("That keeps me going on the bad days.",),
        "cw": ("You can really see the difference.",),
    },
    "Work conditions": {
        "all": (
            "That's the reality of the sector.",
            "I've raised it with management more than once.",
            "It's not perfect, but it's getting better.",
            "Everyone knows it, but nothing changes quickly.",
            "I think other centres have the same problem.",
        ),
        "psw": ("I try not to let it affect the work.",),
        "cw": ("The organisation needs to think about this seriously.",),
        "su": ("That's what I can see from the outside, anyway.",),
    },
}
ELABORATIONS_ZH = (
    "嗰陣真係唔容易。",
    "我諗好多人都係咁。",
    "到而家我都仲記得。",
    "慢慢先習慣。",
    "呢啲嘢書本係學唔到嘅。",
    "真係幫到好多。",
)

SLOTS = {
    "time": (
        "in the first week",
        "during the second month",
        "last Tuesday",
        "just before Chinese New Year",
        "after the mid-placement review",
        "a few weeks ago",
        "around the Mid-Autumn Festival",
        "when the typhoon signal was up",
        "over the summer",
        "at the last case conference",
        "one Friday afternoon",
        "during Easter",
    ),
    "place": (
        "at the centre in Mong Kok",
        "in the activity room",
        "at the halfway house in Sha Tin",
        "in the clinic waiting area",
        "on the MTR home",
        "at the cha chaan teng downstairs",
        "in the pantry",
        "at the drop-in centre in Tsuen Wan",
        "in Tin Shui Wai",
        "in the small interview room",
        "at the Kwun Tong office",
        "near the wet market",
        "in the park in Sham Shui Po",
    ),
    "colleague": (
        "my supervisor",
        "one of the social workers",
        "the occupational therapist",
        "a senior nurse",
        "the centre manager",
        "the case manager",
        "an experienced welfare worker",
    ),
    "family": (
        "my mother",
        "my older sister",
        "my husband",
        "my wife",
        "my younger brother",
        "my father",
        "my auntie",
        "my son",
        "my daughter",
        "my grandmother",
    ),
    "client": (
        "one of my members",
        "a young man I support",
        "an older lady at the centre",
        "a member who had just left hospital",
        "a university student I work with",
        "a man in his fifties",
        "a mother of two",
        "a new member",
    ),
    "activity": (
        "the recovery group",
        "the hiking group",
        "the cooking class",
        "the WRAP sessions",
        "the hearing voices group",
        "the job club",
        "the mindfulness class",
        "the art group",
        "the Saturday walking group",
        "the tea gathering",
    ),
    "feeling": (
        "nervous",
        "lost",
        "anxious",
        "unsure of myself",
        "like an outsider",
        "excited but scared",
        "out of place",
        "very tense",
    ),
}
ZH_FAMILY = ("阿媽", "家姐", "老公", "老婆", "細佬", "阿爸", "阿嫲", "個女")
# (English name, Chinese name, pronouns)
PEER_WORKERS = (
    ("Ah Ling", "阿玲", "f"),
    ("Ah Wai", "阿偉", "m"),
    ("Ah Fai", "阿輝", "m"),
    ("Mandy", "Mandy", "f"),
    ("Kelvin", "Kelvin", "m"),
    ("Ah Kit", "阿傑", "m"),
    ("Winnie", "Winnie", "f"),
    ("Ah Yan", "阿欣", "f"),
)
SUPERVISORS = (
    ("Miss Wong", "黃姑娘"),
    ("Mr Cheung", "張生"),
    ("Ms Lau", "劉姑娘"),
    ("Mr Ho", "何生"),
    ("Ms Tsang", "曾姑娘"),
)
PRONOUNS = {
    "f": {"he": "she", "He": "She", "him": "her", "his": "her", "His": "Her"},
    "m": {"he": "he", "He": "He", "him": "him", "his": "his", "His": "His"},
}


INTROS = (
    "Thank you for meeting me today. This is the first of three interviews over the coming year.",
    "Thank you for meeting me again. This is our second interview, now that the work "
    "placement has started.",
    "Thank you for meeting me for our last interview. The peer support workers have now been "
    "employed for some months.",
)
INTRO_TOPICS = {
    "psw": (
        "Today I'd like to hear about the training and how you feel about becoming a peer "
        "support worker.",
        "I'd like to hear how the placement has been going for you.",
        "I'd like to hear how the work looks to you now, looking back over the year.",
    ),
    "su": (
        "Today I'd like to hear about your experience of the peer support service so far.",
        "I'd like to hear how things have been with the peer support since we last met.",
        "I'd like to hear how you see the peer support now, looking back over the year.",
    ),
    "cw": (
        "Today I'd like to hear what you think about peer support workers joining your team.",
        "I'd like to hear how working alongside the peer workers has been going.",
        "I'd like to hear how you see the peer workers' place in the team now.",
    ),
}
READY = ("Sure, no problem.", "Of course.", "Okay, I'm ready.", "Yes, happy to.", "Okay.")
FINAL_WORDS = (
    "No, I think I've said a lot. Thank you for listening.",
    "Only that I hope this study helps the next group of peer workers.",
    "No, that's all. It was good to talk about it.",
    "I think that's everything. Thank you.",
)
