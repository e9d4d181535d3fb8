"""The reference demo study: synthetic but plausible interviews, a codebook and two coders.

A one-year longitudinal study of peer support services in Hong Kong: peer support workers,
service users and co-workers interviewed at training (T1), work placement (T2) and
employment (T3). Everything is generated from seeded ``random.Random`` instances, so the
same seed always gives the same study. ``build_demo_study`` also serves the benchmark
workloads of docs/DESIGN.md (``segments_per_layer=150, coders=3``; ``scale=10``).
"""

from __future__ import annotations

import bisect
import functools
import random
import re
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from coding.models import Assignment, Code, Layer, LayerKind, Memo, Segment
from studies.models import Membership, Participant, Role, StakeholderGroup, Study, Transcript, Wave
from studies.text import canonicalize, guess_language

DEMO_STUDY_NAME = "Peer support in Hong Kong: a longitudinal study"
DEMO_STUDY_DESCRIPTION = (
    "A one-year longitudinal qualitative study of peer support services in Hong Kong. "
    "Peer support workers, the service users they support and their co-workers were "
    "interviewed during training (T1), work placement (T2) and employment (T3). "
    "The transcripts are synthetic demo data: names, places and stories are invented."
)
DEFAULT_SEED = 20190301

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


@dataclass(frozen=True, slots=True)
class Anchor:
    """A passage of a generated interview that expresses a code (code-point offsets)."""

    code_path: tuple[str, ...]
    start: int
    end: int


@dataclass(frozen=True)
class CodeSpec:
    name: str
    description: str
    inclusion: str
    exclusion: str
    example: str
    color: str
    children: tuple[CodeSpec, ...] = ()


# ---------------------------------------------------------------------------------------
# Codebook: themes > sub-themes > codes. One Okabe-Ito hue per theme: the theme has the
# base colour, sub-themes darker shades, codes lighter tints of the same hue.
# ---------------------------------------------------------------------------------------

_THEMES = (
    (
        "Role and identity",
        "#0072B2",
        "How peer support workers understand, and are understood in, a new role that sits "
        "between staff and service user.",
        (
            (
                "Role confusion",
                "Not knowing what the peer support role is, what it includes, or whether one "
                "is ready and entitled to do it.",
                (
                    (
                        "Unclear job description",
                        "The tasks, limits or purpose of the peer support role are unclear to "
                        "the worker, the service user or the team.",
                        "Talk about missing or vague duties, guessing what the job is, or tasks "
                        "that may or may not belong to the role.",
                        "Disputes over who does which task between peer workers and other staff "
                        "(use Unclear division of labour).",
                        "Nobody could tell me exactly what a peer support worker is supposed to "
                        "do all day.",
                    ),
                    (
                        "Anxiety about readiness",
                        "Worry, fear or nervousness about being able to do the job, including "
                        "fear of relapse under pressure.",
                        "Worry before the training or placement, fear of saying the wrong thing, "
                        "others' doubts about a worker's readiness.",
                        "Distress caused by members' stories once in the job (use Triggering "
                        "experiences).",
                        "My biggest fear was that my own symptoms would come back under pressure.",
                    ),
                    (
                        "Feeling like an impostor",
                        "Feeling not entitled to a place among professionals, or not 'real' staff.",
                        "Comparisons with qualified staff, staying silent for lack of "
                        "credentials, apologising for being there.",
                        "Low self-esteem that is not about legitimacy in the role (use "
                        "Self-stigma).",
                        "I was a patient here two years ago, who am I to give advice?",
                    ),
                ),
            ),
            (
                "Peer identity",
                "How the peer worker's identity is formed from lived experience and from a "
                "position between staff and service users.",
                (
                    (
                        "In-between identity",
                        "Being neither staff nor service user, or both at once, and the "
                        "tensions this brings.",
                        "Where to sit, whom to side with, switching between roles, feeling in "
                        "the middle.",
                        "Explicit rules about closeness with members (use Friendship or "
                        "professional relationship).",
                        "I'm not staff and I'm not a patient, I'm somewhere in between.",
                    ),
                    (
                        "Recovery story as identity",
                        "Lived experience of mental illness and recovery seen as part of who "
                        "the worker is.",
                        "Owning one's recovery story, reframing past illness as meaningful.",
                        "Using the story to help a member in a conversation (use Purposeful "
                        "disclosure).",
                        "My recovery is not something I hide any more, it is part of who I am "
                        "at work.",
                    ),
                ),
            ),
            (
                "Training experience",
                "Views on the peer support training course and how it relates to the work.",
                (
                    (
                        "Useful training content",
                        "Parts of the training described as helpful.",
                        "Named modules, skills practised, joint training with staff.",
                        "Learning on the job from supervisors (use Supportive supervision).",
                        "We practised active listening in pairs, and that is something I still "
                        "use every day.",
                    ),
                    (
                        "Gaps between training and practice",
                        "What the training did not prepare people for, or where practice "
                        "differed from it.",
                        "Missing skills, unrealistic role plays, paperwork and procedures that "
                        "were not taught.",
                        "General uncertainty about the role (use Unclear job description).",
                        "The training was all role plays, but real members don't follow the "
                        "script.",
                    ),
                ),
            ),
        ),
    ),
    (
        "Boundaries and disclosure",
        "#D55E00",
        "Managing the limits of the peer relationship and deciding what, when and to whom to "
        "tell about one's own experience.",
        (
            (
                "Boundary setting",
                "Where the peer relationship ends: closeness, availability and refusing requests.",
                (
                    (
                        "Friendship or professional relationship",
                        "Tension between being a friend and being a worker.",
                        "Invitations, wishes for friendship, worries about getting too close.",
                        "Contact by phone or outside working hours (use Contact outside work).",
                        "The line between friendly and friend is very thin in this job.",
                    ),
                    (
                        "Contact outside work",
                        "Contact between peer workers and service users outside working hours "
                        "or settings.",
                        "Private phone numbers, messages at night, meeting by chance in the "
                        "neighbourhood.",
                        "Wishes for friendship without contact outside work (use Friendship or "
                        "professional relationship).",
                        "At the beginning I gave my personal WhatsApp to a few members, and "
                        "then messages came at midnight.",
                    ),
                    (
                        "Saying no",
                        "Refusing requests, and the feelings around refusing.",
                        "Requests for money, favours or time; guilt; ways of saying no.",
                        "Limits set by the organisation without a request to refuse (use "
                        "Contact outside work).",
                        "Learning to say no without feeling guilty was the hardest skill for me.",
                    ),
                ),
            ),
            (
                "Self-disclosure",
                "Sharing or withholding one's own history of mental illness.",
                (
                    (
                        "Purposeful disclosure",
                        "Sharing lived experience deliberately for the benefit of the service "
                        "user.",
                        "Choosing what and how much to share; the effect of sharing on the member.",
                        "Sharing with colleagues (use Disclosure to colleagues).",
                        "I share my story when it helps the member, not just because it's my "
                        "story.",
                    ),
                    (
                        "Fear of disclosure",
                        "Fear of the consequences of others knowing about one's mental illness.",
                        "Hiding the diagnosis, the service or the job from neighbours, "
                        "employers or relatives.",
                        "Discrimination that actually happened (use Public stigma or Stigma in "
                        "the workplace).",
                        "I'm afraid that if people outside work know my history, they will "
                        "treat me differently.",
                    ),
                    (
                        "Disclosure to colleagues",
                        "Telling, or deciding what to tell, co-workers and managers about one's "
                        "health.",
                        "Team reactions to disclosure; co-workers unsure what they may know.",
                        "Disclosure to service users (use Purposeful disclosure).",
                        "Telling the team about my illness was scarier than telling the members.",
                    ),
                ),
            ),
            (
                "Emotional load",
                "The emotional cost of the work and how it is managed.",
                (
                    (
                        "Triggering experiences",
                        "Work situations that bring back the worker's own distress or memories.",
                        "Members' stories, crises, self-harm, visits that echo one's own "
                        "experience.",
                        "Worries before starting the job (use Anxiety about readiness).",
                        "Some stories from members bring back my own memories of hospital.",
                    ),
                    (
                        "Self-care strategies",
                        "What workers and teams do to protect the worker's well-being.",
                        "Personal routines, recovery plans, debriefing, switching off the work "
                        "phone.",
                        "Formal supervision sessions (use Supportive supervision).",
                        "I go for a walk along the harbour after a difficult day.",
                    ),
                ),
            ),
        ),
    ),
    (
        "Lived experience as an asset",
        "#009E73",
        "Lived experience of mental illness as a source of trust, knowledge and hope in the work.",
        (
            (
                "Trust and rapport",
                "The quality of the relationship between peer workers and service users.",
                (
                    (
                        "Being understood",
                        "Service users feel understood because the worker has been through "
                        "something similar.",
                        "Not needing to explain; empathy grounded in shared experience.",
                        "Practical advice drawn from experience (use Practical tips from "
                        "experience).",
                        "With my peer worker I don't have to explain everything, she just "
                        "understands.",
                    ),
                    (
                        "Equal relationship",
                        "A relationship experienced as equal, with less power difference than "
                        "with professionals.",
                        "Being on the same level, deciding together, not being talked down to.",
                        "Wishes for friendship and boundary issues (use Friendship or "
                        "professional relationship).",
                        "It feels like two people talking, not a worker and a case.",
                    ),
                    (
                        "Earning trust over time",
                        "Trust that grows through consistency over weeks and months.",
                        "Showing up, keeping promises, members asking for the worker by name; "
                        "co-workers' growing trust.",
                        "Immediate rapport at the first meeting (use Being understood).",
                        "Trust didn't come on the first day, it took weeks of just showing up.",
                    ),
                ),
            ),
            (
                "Experiential knowledge",
                "Knowledge gained from living with mental illness, and the hope it carries.",
                (
                    (
                        "Practical tips from experience",
                        "Concrete advice and know-how drawn from the worker's own experience.",
                        "Medication routines, dealing with services and forms, preparing for "
                        "appointments.",
                        "Content of the formal training (use Useful training content).",
                        "I know which forms take forever, so I can save members a lot of time.",
                    ),
                    (
                        "Shared language",
                        "Using everyday words rather than professional jargon.",
                        "Translating jargon, using the member's own words.",
                        "A general feeling of being understood (use Being understood).",
                        "I use the words members use, not the medical words.",
                    ),
                    (
                        "Role model of recovery",
                        "The peer worker as living proof that recovery is possible, giving hope.",
                        "Members taking hope from the worker's example; 'if you can, I can'.",
                        "Members' own concrete steps (use Steps towards goals).",
                        "Seeing him working gives me hope that I can work again one day.",
                    ),
                ),
            ),
        ),
    ),
    (
        "Stigma and family",
        "#CC79A7",
        "Stigma around mental illness and the part families play, for workers and service "
        "users alike.",
        (
            (
                "Stigma",
                "Negative attitudes towards mental illness, held by others or by oneself.",
                (
                    (
                        "Self-stigma",
                        "Internalised negative beliefs about oneself because of mental illness.",
                        "Feeling useless, ashamed or damaged.",
                        "Doubts about legitimacy in the work role (use Feeling like an impostor).",
                        "The hardest stigma was the one inside my own head.",
                    ),
                    (
                        "Public stigma",
                        "Prejudice and discrimination from the public, neighbours, relatives, "
                        "the media or former employers.",
                        "Name-calling, gossip, stereotypes of violence, losing responsibilities "
                        "at work.",
                        "Attitudes of co-workers in the current service (use Stigma in the "
                        "workplace).",
                        "My neighbours whisper when I come back from the clinic.",
                    ),
                    (
                        "Stigma in the workplace",
                        "Stigmatising attitudes towards peer workers within the service.",
                        "Colleagues' doubts and comments, being treated as a patient, and how "
                        "these attitudes change.",
                        "Being welcomed into the team (use Team acceptance).",
                        "Some staff still call me 'the patient who works here'.",
                    ),
                ),
            ),
            (
                "Family support",
                "How families respond to the illness, the job and the service.",
                (
                    (
                        "Family encouragement",
                        "Family members encourage or practically support the person.",
                        "Encouragement to apply, attend or continue; practical care.",
                        "Family worries or opposition (use Family worries).",
                        "My mother was the first person to tell me I should apply for this job.",
                    ),
                    (
                        "Family worries",
                        "Family members' worries or objections about the job, the illness or "
                        "going out.",
                        "Fear of relapse, fear of others finding out, opposition to the job.",
                        "Encouragement (use Family encouragement).",
                        "My mother worries that the stress will make me sick again.",
                    ),
                    (
                        "Repaired family relationships",
                        "Family relationships that improve over the year.",
                        "Reconnection, fewer arguments, family pride.",
                        "Ongoing encouragement without a change in the relationship (use "
                        "Family encouragement).",
                        "My father told me for the first time that he is proud of me.",
                    ),
                ),
            ),
        ),
    ),
    (
        "Benefits",
        "#E69F00",
        "What peer support gives to the peer workers themselves and to the service users.",
        (
            (
                "Benefits for peer workers",
                "Gains for the peer workers from doing the job.",
                (
                    (
                        "Personal recovery through work",
                        "Work as part of the worker's own recovery.",
                        "Structure, meaning, staying well, growth that others notice.",
                        "Confidence in particular (use Confidence and self-worth).",
                        "Helping others is part of my own recovery.",
                    ),
                    (
                        "Confidence and self-worth",
                        "Growth in confidence and self-esteem, feeling useful.",
                        "Speaking in groups, presenting cases, feeling valued.",
                        "Income (use Financial independence).",
                        "For the first time in years I feel useful.",
                    ),
                    (
                        "Financial independence",
                        "Income from the job and what it makes possible.",
                        "Leaving social security, contributing to the household, not asking "
                        "family for money.",
                        "Complaints about the level of pay (use Low pay).",
                        "Having a salary means I don't have to ask my family for money any more.",
                    ),
                ),
            ),
            (
                "Benefits for service users",
                "Gains for service users from peer support.",
                (
                    (
                        "Engagement with services",
                        "Service users attend, return to or keep contact with services because "
                        "of peer support.",
                        "Attendance, follow-up appointments, coming back after dropping out.",
                        "Friendships with other members (use Social connection).",
                        "I only started coming to the centre regularly because of her.",
                    ),
                    (
                        "Social connection",
                        "Less isolation and new relationships among service users.",
                        "Friends made in groups, having someone to contact, feeling part of a "
                        "community.",
                        "The relationship with the peer worker (use the Trust and rapport codes).",
                        "Through the hiking group I made two friends I still meet every week.",
                    ),
                    (
                        "Steps towards goals",
                        "Concrete progress towards personal goals with peer support.",
                        "Jobs, courses, daily routines, small steps.",
                        "Hope without concrete steps (use Role model of recovery).",
                        "With her support I applied for a part-time job at a bakery.",
                    ),
                ),
            ),
        ),
    ),
    (
        "Work conditions",
        "#56B4E9",
        "The organisational side of peer support: team, supervision, pay and contracts.",
        (
            (
                "Team and supervision",
                "How peer workers are supervised and brought into multidisciplinary teams.",
                (
                    (
                        "Supportive supervision",
                        "Supervision experienced as supportive, reflective or helpful.",
                        "Regular supervision, discussing difficulties, supervisors adapting "
                        "their style.",
                        "Informal self-care (use Self-care strategies).",
                        "Supervision is where I can say I'm struggling without being judged.",
                    ),
                    (
                        "Team acceptance",
                        "Being accepted, or not yet accepted, as a member of the team.",
                        "Inclusion in meetings and events, being asked for opinions, early "
                        "coldness.",
                        "Explicitly stigmatising remarks (use Stigma in the workplace).",
                        "It took the team some time, but now he is just one of us.",
                    ),
                    (
                        "Unclear division of labour",
                        "Unclear or contested split of tasks between peer workers and other staff.",
                        "Who follows up which cases, tasks falling through the cracks, tension "
                        "over tasks.",
                        "An unclear role in general (use Unclear job description).",
                        "We are still working out which cases should go to the peer workers.",
                    ),
                ),
            ),
            (
                "Pay and contracts",
                "Employment terms of peer support workers.",
                (
                    (
                        "Low pay",
                        "Pay seen as low or as not reflecting the value of the work.",
                        "Comparisons with other grades, the cost of living.",
                        "The benefits of having an income at all (use Financial independence).",
                        "I love the job, but the pay is hard to live on in Hong Kong.",
                    ),
                    (
                        "Short-term contracts",
                        "Insecurity from short, project-based contracts and funding.",
                        "One-year contracts, funding coming to an end, losing staff.",
                        "Lack of promotion (use Career progression).",
                        "My contract is only for one year, and nobody knows if the funding "
                        "will continue.",
                    ),
                    (
                        "Career progression",
                        "Prospects for development and promotion as a peer worker.",
                        "No senior posts, wishes to study, career ladders.",
                        "Contract length (use Short-term contracts).",
                        "There is no next step for a peer worker, no senior post, nothing.",
                    ),
                ),
            ),
        ),
    ),
)


def _mix(color: str, other: str, t: float) -> str:
    a = [int(color[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(other[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02X}" for x, y in zip(a, b, strict=True))


def _build_codebook() -> tuple[CodeSpec, ...]:
    themes = []
    for theme_name, base, theme_desc, subs in _THEMES:
        sub_specs = []
        for s_index, (sub_name, sub_desc, leaves) in enumerate(subs):
            sub_color = _mix(base, "#000000", 0.15 + 0.12 * s_index)
            leaf_specs = tuple(
                CodeSpec(
                    name=name,
                    description=desc,
                    inclusion=inclusion,
                    exclusion=exclusion,
                    example=example,
                    color=_mix(base, "#FFFFFF", 0.12 + 0.18 * l_index + 0.05 * s_index),
                )
                for l_index, (name, desc, inclusion, exclusion, example) in enumerate(leaves)
            )
            sub_specs.append(
                CodeSpec(
                    name=sub_name,
                    description=sub_desc,
                    inclusion=(
                        "Prefer one of the codes below. Apply this sub-theme itself only to a "
                        "passage that clearly belongs here but fits none of its codes."
                    ),
                    exclusion="Passages that only mention the topic in passing.",
                    example=leaf_specs[0].example,
                    color=sub_color,
                    children=leaf_specs,
                )
            )
        themes.append(
            CodeSpec(
                name=theme_name,
                description=theme_desc,
                inclusion=(
                    "Group heading for the sub-themes below. Apply it directly only when "
                    "summarising a whole answer about this theme."
                ),
                exclusion="Passages that fit a code of another theme better.",
                example=sub_specs[0].example,
                color=base,
                children=tuple(sub_specs),
            )
        )
    return tuple(themes)


CODEBOOK: tuple[CodeSpec, ...] = _build_codebook()


def codebook_paths() -> list[tuple[str, ...]]:
    """Every code's path (theme, sub-theme, code), depth first, parents before children."""
    paths: list[tuple[str, ...]] = []

    def walk(specs: tuple[CodeSpec, ...], prefix: tuple[str, ...]) -> None:
        for spec in specs:
            paths.append((*prefix, spec.name))
            walk(spec.children, (*prefix, spec.name))

    walk(CODEBOOK, ())
    return paths


LEAF_PATHS: tuple[tuple[str, ...], ...] = tuple(p for p in codebook_paths() if len(p) == 3)
_LEAF_BY_NAME = {path[2]: path for path in LEAF_PATHS}

# ---------------------------------------------------------------------------------------
# Sentence library. Each code has English sentences per stakeholder group ("psw", "su",
# "cw", or "all"), Cantonese written Chinese sentences ("zh") and code-switched English
# sentences ("mix"), the last two as (group, sentence). A leading "[2,3]" limits a sentence
# to those waves (1-based). Slots: {pw} the peer worker a service user or co-worker talks
# about, with {he} {He} {him} {his} {His}; {sup} a supervisor; {family}, {place}, {time},
# {colleague}, {client}, {activity}, {feeling} vary per sentence; {zh_pw}, {zh_family},
# {zh_sup} in Chinese.
# ---------------------------------------------------------------------------------------

_LIBRARY: dict[str, dict[str, tuple]] = {
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
_LIBRARY_MORE: dict[str, dict[str, tuple[str, ...]]] = {
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
_LIBRARY_T1: dict[str, dict[str, tuple[str, ...]]] = {
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
_ASTRAL: tuple[tuple[str, str, str], ...] = (
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
_RELATED = (
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

# Theme weight per wave: how much of an interview goes to a sub-theme the participant talks
# about at all (which sub-themes they talk about is _PREVALENCE below).
_THEME_WEIGHTS = {
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
_PREVALENCE: dict[str, dict[str, tuple[float, float, float]]] = {
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
_MIN_SUBS = 3
_LEAF_SHARE = 0.7
_GROUP_SUB_WEIGHTS = {
    ("su", "Trust and rapport"): 2.0,
    ("su", "Benefits for service users"): 2.5,
    ("psw", "Benefits for peer workers"): 1.6,
    ("cw", "Team and supervision"): 2.0,
    ("cw", "Pay and contracts"): 1.8,
    ("psw", "Self-disclosure"): 1.4,
}

_QUESTIONS: dict[str, dict[str, tuple[str, ...]]] = {
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

_PROBES = (
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
_PROBES_LATER = ("Has that changed since we last met?", "Is that different from last time?")
_PROBES_ZH = (
    "可唔可以講多啲？",
    "咁你點處理？",
    "嗰陣你有咩感受？",
    "可唔可以舉個例子？",
    "點解你會咁諗？",
)
_BACKCHANNEL = ("Mm-hm.", "I see.", "Right.", "Okay.", "That's interesting.", "Yes, go on.")
_BACKCHANNEL_ZH = ("嗯。", "明白。", "係呀。", "嗯，你繼續講。")
_SHORT_REPLIES = (
    "Yes, exactly.",
    "Yes.",
    "That's right.",
    "More or less, yes.",
    "I think so.",
    "Hmm, maybe.",
)
_SHORT_REPLIES_ZH = ("係呀。", "都係嘅。", "差唔多啦。", "我諗係。")

_FILLERS = (
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
_CONTEXT = (
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
_CLOSERS = (
    "That's how it was.",
    "So yes.",
    "That's what I remember, anyway.",
    "I hope that makes sense.",
    "Anyway, that's my experience.",
    "It's still on my mind.",
)
_FILLERS_ZH = (
    "嗯，點講呢……",
    "其實我都唔係好肯定。",
    "即係咁講啦。",
    "你明唔明我意思？",
    "都幾難講㗎。",
    "等我諗吓先。",
    "嗰個禮拜打風，乜都取消晒。",
    "我記得好似係禮拜四。",
)
_OPENERS = (
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
_TAILS = (
    ", to be honest",
    ", if I'm honest",
    ", I would say",
    ", you know",
    ", more or less",
    ", at least for me",
)
_ELABORATIONS: dict[str, dict[str, tuple[str, ...]]] = {
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
_ELABORATIONS_ZH = (
    "嗰陣真係唔容易。",
    "我諗好多人都係咁。",
    "到而家我都仲記得。",
    "慢慢先習慣。",
    "呢啲嘢書本係學唔到嘅。",
    "真係幫到好多。",
)

_SLOTS = {
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
_ZH_FAMILY = ("阿媽", "家姐", "老公", "老婆", "細佬", "阿爸", "阿嫲", "個女")
# (English name, Chinese name, pronouns)
_PEER_WORKERS = (
    ("Ah Ling", "阿玲", "f"),
    ("Ah Wai", "阿偉", "m"),
    ("Ah Fai", "阿輝", "m"),
    ("Mandy", "Mandy", "f"),
    ("Kelvin", "Kelvin", "m"),
    ("Ah Kit", "阿傑", "m"),
    ("Winnie", "Winnie", "f"),
    ("Ah Yan", "阿欣", "f"),
)
_SUPERVISORS = (
    ("Miss Wong", "黃姑娘"),
    ("Mr Cheung", "張生"),
    ("Ms Lau", "劉姑娘"),
    ("Mr Ho", "何生"),
    ("Ms Tsang", "曾姑娘"),
)
_PRONOUNS = {
    "f": {"he": "she", "He": "She", "him": "her", "his": "her", "His": "Her"},
    "m": {"he": "he", "He": "He", "him": "him", "his": "his", "His": "His"},
}
_SEGMENT_NOTES = (
    "Strong example, possible quote for the paper.",
    "Ambivalent: hope and worry in the same breath.",
    "Compare with this participant's earlier interview.",
    "Could also be read as a boundary issue; discuss at calibration.",
    "The participant laughs here (audio); tone is lighter than the words.",
    "Check translation of the Cantonese expression with the team.",
    "Typical of the co-workers' view at this wave.",
    "Contradicts what was said earlier in the interview.",
    "Not sure about the code here, flagging for consensus.",
    "Nice illustration of the storyline from T1 to T3.",
)


# ---------------------------------------------------------------------------------------
# Interview generator
# ---------------------------------------------------------------------------------------

_WAVE_TAG = re.compile(r"^\[(\d(?:,\d)*)\]\s*")
_SLOT = re.compile(r"\{(\w+)\}")
_ALL_WAVES = frozenset((0, 1, 2))


@dataclass(frozen=True, slots=True)
class _Template:
    text: str
    waves: frozenset[int]
    group: str


def _parse(raw: str, group: str) -> _Template:
    match = _WAVE_TAG.match(raw)
    if not match:
        return _Template(raw, _ALL_WAVES, group)
    waves = frozenset(int(w) - 1 for w in match.group(1).split(","))
    return _Template(raw[match.end() :], waves, group)


def _compile_library() -> dict[str, dict[str, list[_Template]]]:
    compiled: dict[str, dict[str, list[_Template]]] = {}
    for leaf, entries in _LIBRARY.items():
        kinds: dict[str, list[_Template]] = {"en": [], "zh": [], "mix": []}
        for key, values in entries.items():
            if key in ("zh", "mix"):
                kinds[key].extend(_parse(text, group) for group, text in values)
            else:
                kinds["en"].extend(_parse(text, key) for text in values)
        for more in (_LIBRARY_MORE, _LIBRARY_T1):
            for key, values in more.get(leaf, {}).items():
                kinds["en"].extend(_parse(text, key) for text in values)
        compiled[leaf] = kinds
    return compiled


_COMPILED = _compile_library()
_RELATED_MAP: dict[str, list[str]] = {}
for _a, _b in _RELATED:
    _RELATED_MAP.setdefault(_a, []).append(_b)
    _RELATED_MAP.setdefault(_b, []).append(_a)
_SUB_LEAVES: dict[tuple[str, str], list[str]] = {}
for _path in LEAF_PATHS:
    _SUB_LEAVES.setdefault(_path[:2], []).append(_path[2])


@functools.cache
def _templates(leaf: str, kind: str, group: str, wave: int) -> list[_Template]:
    return [
        t
        for t in _COMPILED[leaf][kind]
        if wave in t.waves and (t.group == group or t.group == "all")
    ]


@dataclass
class _Generated:
    text: str
    anchors: list[Anchor]
    sentences: list[tuple[int, int]]  # every sentence of the participant's turns
    turns: list[tuple[int, int]]  # the participant's turns, without the speaker label


class _Writer:
    """Builds one interview line by line, keeping code-point offsets of every passage."""

    def __init__(self, pseudonym, group, wave, rng, *, chinese, astral, target_chars, topics=None):
        self.pseudonym = pseudonym
        self.group = group
        self.wave = wave
        self.rng = rng
        self.chinese = chinese
        self.astral = astral
        self.target = target_chars
        self.lines: list[str] = []
        self.pos = 0
        self.anchors: list[Anchor] = []
        self.sentences: list[tuple[int, int]] = []
        self.turns: list[tuple[int, int]] = []
        self.used: set[str] = set()
        self.usage: dict[str, int] = {}
        self.leaf_uses: dict[tuple[str, str], int] = {}
        name, zh_name, gender = rng.choice(_PEER_WORKERS)
        sup, zh_sup = rng.choice(_SUPERVISORS)
        self.fixed = {"pw": name, "zh_pw": zh_name, "sup": sup, "zh_sup": zh_sup}
        self.fixed.update(_PRONOUNS[gender])
        # Sub-themes this participant talks about at this wave (``topics``, else every one
        # with sentences for the group and wave), with their weights.
        self.subs: list[tuple[tuple[str, str], list[str], float]] = []
        for sub_path, leaves in _SUB_LEAVES.items():
            available = [leaf for leaf in leaves if _templates(leaf, "en", group, wave)]
            if not available or (topics is not None and sub_path not in topics):
                continue
            if topics is not None:
                # Not every aspect of a sub-theme comes up in every interview.
                kept = [leaf for leaf in available if rng.random() < _LEAF_SHARE]
                available = kept or [rng.choice(available)]
            weight = _THEME_WEIGHTS[sub_path[0]][wave]
            weight *= _GROUP_SUB_WEIGHTS.get((group, sub_path[1]), 1.0)
            self.subs.append((sub_path, available, weight))
        self.topic_leaves = {leaf for _, leaves, _ in self.subs for leaf in leaves}
        self.topic_subs = {sub_path for sub_path, _, _ in self.subs}

    # -- rendering ------------------------------------------------------------------------

    def fill(self, template: str) -> str:
        def repl(match: re.Match) -> str:
            name = match.group(1)
            if name in self.fixed:
                return self.fixed[name]
            if name == "zh_family":
                return self.rng.choice(_ZH_FAMILY)
            return self.rng.choice(_SLOTS[name])

        text = _SLOT.sub(repl, template)
        if text[:1].islower():
            text = text[0].upper() + text[1:]
        return text

    def vary(self, raw: str, sentence: str) -> str:
        """Openers and tails, so that the same template rarely reads the same twice."""
        rng = self.rng
        first = sentence.split(" ", 1)[0]
        if (
            not sentence.endswith("?")
            and not raw.startswith("{")
            and not first.endswith(",")
            and rng.random() < 0.25
        ):
            if first in ("I", "I'm", "I've", "I'd", "I'll"):
                return rng.choice(_OPENERS) + sentence
            if len(sentence) > 1 and sentence[0].isupper() and sentence[1].islower():
                return rng.choice(_OPENERS) + sentence[0].lower() + sentence[1:]
        if sentence.endswith(".") and not sentence.endswith("'.") and rng.random() < 0.15:
            return sentence[:-1] + rng.choice(_TAILS) + "."
        return sentence

    def pick(self, templates: list[_Template], *, vary: bool) -> str:
        """A sentence from the least used of ``templates``, avoiding verbatim repeats."""
        rng = self.rng
        order = sorted(templates, key=lambda t: (self.usage.get(t.text, 0), rng.random()))
        chosen, sentence = order[0], ""
        for template in order[:4]:
            for _ in range(2 if vary else 1):
                candidate = self.fill(template.text)
                if vary:
                    candidate = self.vary(template.text, candidate)
                if candidate not in self.used:
                    chosen, sentence = template, candidate
                    break
            if sentence:
                break
        if not sentence:
            sentence = self.fill(chosen.text)
        self.usage[chosen.text] = self.usage.get(chosen.text, 0) + 1
        self.used.add(sentence)
        return sentence

    def weight(self, leaf: str, kind: str = "en") -> float:
        """Leaves with many unused sentences are chosen more often than exhausted ones."""
        count = len(_templates(leaf, kind, self.group, self.wave))
        if not count:
            return 0.0
        return count / (1 + self.leaf_uses.get((leaf, kind), 0) / count) ** 2

    def pick_for(self, leaf: str, kind: str, *, vary: bool) -> str:
        self.leaf_uses[(leaf, kind)] = self.leaf_uses.get((leaf, kind), 0) + 1
        return self.pick(_templates(leaf, kind, self.group, self.wave), vary=vary)

    # -- lines ----------------------------------------------------------------------------

    def room(self) -> int:
        return self.target - self.pos

    def emit(
        self,
        label: str,
        parts: list[str],
        codes: list[tuple[int, int, str]] | tuple = (),
        *,
        zh: bool = False,
    ) -> bool:
        """Add one speaker turn of sentences ``parts``; False (and nothing added) if no room.

        ``codes`` are (first part, last part, leaf code name): the passages that express a
        code. They may overlap (two codes on the same passage).
        """
        colon = "：" if zh else ": "
        joiner = "" if zh else " "
        content = ""
        offsets: list[tuple[int, int]] = []
        for sentence in parts:
            if content:
                content += joiner
            offsets.append((len(content), len(content) + len(sentence)))
            content += sentence
        line = f"{label}{colon}{content}"
        newline = 1 if self.lines else 0
        if self.pos + newline + len(line) > self.target:
            return False
        base = self.pos + newline + len(label) + len(colon)
        self.lines.append(line)
        self.pos += newline + len(line)
        if label == self.pseudonym:
            self.turns.append((base, base + len(content)))
            self.sentences.extend((base + s, base + e) for s, e in offsets)
        for first, last, leaf in codes:
            start, end = base + offsets[first][0], base + offsets[last][1]
            self.anchors.append(Anchor(_LEAF_BY_NAME[leaf], start, end))
        return True

    # -- content --------------------------------------------------------------------------

    def ask(self, text: str, *, zh: bool = False) -> bool:
        return self.emit("訪問員" if zh else "Interviewer", [text], zh=zh)

    def reply(self, parts: list[str], codes=(), *, zh: bool = False) -> bool:
        return self.emit(self.pseudonym, parts, codes, zh=zh)

    def question(self, sub_name: str, *, zh: bool) -> str:
        entries = _QUESTIONS.get(sub_name, {})
        if zh:
            options = [q for g, q in entries.get("zh", ()) if g in (self.group, "all")]
            return self.fill(self.rng.choice(options or _PROBES_ZH))
        return self.fill(self.rng.choice(entries.get(self.group, ()) or _PROBES))

    def probe(self, *, zh: bool) -> str:
        if zh:
            return self.rng.choice(_PROBES_ZH + _BACKCHANNEL_ZH)
        options = _PROBES + _BACKCHANNEL
        if self.wave > 0:
            options += _PROBES_LATER
        return self.rng.choice(options)

    def choose_leaf(self, leaves: list[str], kind: str = "en") -> str:
        weights = [self.weight(leaf, kind) for leaf in leaves]
        if not any(weights):
            return self.rng.choice(leaves)
        return self.rng.choices(leaves, weights)[0]

    def elaboration(self, leaf: str) -> str:
        theme = _LEAF_BY_NAME[leaf][0]
        options = _ELABORATIONS[theme].get("all", ()) + _ELABORATIONS[theme].get(self.group, ())
        return self.pick([_Template(o, _ALL_WAVES, "all") for o in options], vary=False)

    def zh_leaves(self, leaves: list[str]) -> list[str]:
        return [leaf for leaf in leaves if _templates(leaf, "zh", self.group, self.wave)]

    def answer(
        self,
        leaves: list[str],
        *,
        zh: bool,
        passages: int,
        forced: _AstralTemplate | None = None,
    ) -> tuple[list[str], list[tuple[int, int, str]]]:
        """One answer: optional filler, ``passages`` coded passages, optional asides.

        ``forced`` is a sentence with non-BMP characters that makes the first passage.
        """
        rng = self.rng
        parts: list[str] = []
        codes: list[tuple[int, int, str]] = []
        if rng.random() < 0.3:
            parts.append(rng.choice(_FILLERS_ZH) if zh else self.fill(rng.choice(_FILLERS)))
        candidates = self.zh_leaves(leaves) if zh else leaves
        for k in range(passages):
            leaf = forced.leaf if (forced is not None and k == 0) else None
            if leaf is None:
                if not candidates:
                    break
                leaf = self.choose_leaf(candidates, "zh" if zh else "en")
                related = [
                    r
                    for r in _RELATED_MAP.get(leaf, ())
                    if r in self.topic_leaves
                    and _templates(r, "zh" if zh else "en", self.group, self.wave)
                ]
                if k > 0 and related and rng.random() < 0.25:
                    leaf = rng.choice(related)
            first = len(parts)
            if zh:
                if forced is not None and k == 0:
                    parts.append(self.fill(forced.text))
                else:
                    parts.append(self.pick_for(leaf, "zh", vary=False))
                if rng.random() < 0.35:
                    parts.append(rng.choice(_ELABORATIONS_ZH))
            else:
                mixed = _templates(leaf, "mix", self.group, self.wave) if self.chinese else []
                mixed = [t for t in mixed if self.usage.get(t.text, 0) < 2]
                if mixed and rng.random() < 0.3:
                    parts.append(self.pick(mixed, vary=False))
                elif _templates(leaf, "en", self.group, self.wave):
                    parts.append(self.pick_for(leaf, "en", vary=True))
                if forced is not None and k == 0:
                    # Code-switching: the Cantonese sentence continues the English one.
                    parts.append(self.fill(forced.text))
                elif rng.random() < 0.45:
                    parts.append(self.elaboration(leaf))
                if self.chinese and rng.random() < 0.12:
                    chinese = _templates(leaf, "zh", self.group, self.wave)
                    chinese = [t for t in chinese if self.usage.get(t.text, 0) < 3]
                    if chinese:
                        parts.append(self.pick(chinese, vary=False))
            if len(parts) == first:
                continue
            codes.append((first, len(parts) - 1, leaf))
            overlapping = [r for r in _RELATED_MAP.get(leaf, ()) if r in self.topic_leaves]
            if not overlapping:
                # Another aspect of the same sub-theme, when it comes up in this interview.
                sub_path = _LEAF_BY_NAME[leaf][:2]
                overlapping = [
                    sibling
                    for sibling in _SUB_LEAVES[sub_path]
                    if sibling != leaf and sibling in self.topic_leaves
                ]
            if overlapping and rng.random() < 0.3:
                last = first if rng.random() < 0.5 else len(parts) - 1
                codes.append((first, last, rng.choice(overlapping)))
            if rng.random() < 0.2:
                parts.append(
                    rng.choice(_ELABORATIONS_ZH) if zh else self.fill(rng.choice(_CONTEXT))
                )
        if not zh and rng.random() < 0.15:
            parts.append(rng.choice(_CLOSERS))
        if not parts:
            parts.append(rng.choice(_SHORT_REPLIES_ZH if zh else _SHORT_REPLIES))
        return parts, codes

    def run(self) -> _Generated:
        rng = self.rng
        group_name = _GROUP_NAMES[self.group]
        header = (
            f"Interview with {self.pseudonym} ({group_name}), {WAVES[self.wave]}. "
            "Names, places and other identifying details have been changed."
        )
        self.lines.append(header)
        self.pos = len(header)
        self.ask(_INTROS[self.wave] + " " + _INTRO_TOPICS[self.group][self.wave])
        self.reply([rng.choice(_READY)])
        closing = [
            (
                "Interviewer",
                "That's everything I wanted to ask today. Is there anything you would like to add?",
            ),
            (self.pseudonym, rng.choice(_FINAL_WORDS)),
            ("Interviewer", "Thank you very much for your time. [End of recording]"),
        ]
        reserve = sum(len(label) + 2 + len(text) + 1 for label, text in closing)
        final_target = self.target
        self.target = final_target - reserve

        astral_plan: dict[int, _AstralTemplate] = {}
        if self.astral:
            options = [
                t
                for t in _ASTRAL_TEMPLATES
                if t.group in (self.group, "all") and _LEAF_BY_NAME[t.leaf][:2] in self.topic_subs
            ]
            chosen = rng.sample(options, min(2, len(options)))
            for index, template in zip(rng.sample(range(1, 10), len(chosen)), chosen, strict=True):
                astral_plan[index] = template

        # The interview guide: every sub-theme of the interview comes up once, in random
        # order, before the conversation returns to some of them.
        unvisited = list(self.subs)
        rng.shuffle(unvisited)
        previous = None
        exchange = 0
        while self.room() > 60:
            if self.room() < 250 or rng.random() < 0.05:
                # A short exchange, also used to fill the last few hundred characters.
                if not self.ask(rng.choice(_BACKCHANNEL)):
                    break
                if not self.reply([rng.choice(_SHORT_REPLIES)]):
                    break
                continue
            forced = astral_plan.get(exchange)
            if forced is not None:
                sub_path = _LEAF_BY_NAME[forced.leaf][:2]
                leaves = [
                    leaf
                    for leaf in _SUB_LEAVES[sub_path]
                    if leaf in self.topic_leaves or leaf == forced.leaf
                ]
                unvisited = [s for s in unvisited if s[0] != sub_path]
            elif unvisited:
                sub_path, leaves, _ = unvisited.pop()
            else:
                subs = [s for s in self.subs if s[0] != previous] or self.subs
                weights = [w * sum(self.weight(leaf) for leaf in ls) ** 0.8 for _, ls, w in subs]
                sub_path, leaves, _ = rng.choices(subs, weights)[0]
            previous = sub_path
            exchange += 1
            zh = self.chinese and (
                (forced is not None) or (rng.random() < 0.3 and bool(self.zh_leaves(leaves)))
            )
            if not self.ask(self.question(sub_path[1], zh=zh), zh=zh):
                break
            big = self.room() > 2500
            passages = rng.choices((1, 2, 3), (5, 3.5, 1.5))[0] if big else 1
            parts, codes = self.answer(leaves, zh=zh, passages=passages, forced=forced)
            tries = 0
            while not self.reply(parts, codes, zh=zh):
                tries += 1
                if tries > 4:
                    self.reply([rng.choice(_SHORT_REPLIES_ZH if zh else _SHORT_REPLIES)], zh=zh)
                    break
                parts, codes = self.answer(leaves, zh=zh, passages=1)
            followups = 0
            while followups < 3 and rng.random() < 0.5 and self.room() > 2500:
                followups += 1
                zh = self.chinese and rng.random() < 0.3 and bool(self.zh_leaves(leaves))
                if not self.ask(self.probe(zh=zh), zh=zh):
                    break
                parts, codes = self.answer(leaves, zh=zh, passages=rng.choice((1, 1, 2)))
                if not self.reply(parts, codes, zh=zh):
                    break

        self.target = final_target
        for label, text in closing:
            self.emit(label, [text])
        text = "\n".join(self.lines)
        assert canonicalize(text) == text, "generated text must be canonical"
        return _Generated(text, self.anchors, self.sentences, self.turns)


@dataclass(frozen=True, slots=True)
class _AstralTemplate:
    leaf: str
    group: str
    text: str


_ASTRAL_TEMPLATES = tuple(_AstralTemplate(leaf, group, text) for leaf, group, text in _ASTRAL)
_GROUP_NAMES = {key: name for key, name, *_ in GROUPS}
_INTROS = (
    "Thank you for meeting me today. This is the first of three interviews over the coming year.",
    "Thank you for meeting me again. This is our second interview, now that the work "
    "placement has started.",
    "Thank you for meeting me for our last interview. The peer support workers have now been "
    "employed for some months.",
)
_INTRO_TOPICS = {
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
_READY = ("Sure, no problem.", "Of course.", "Okay, I'm ready.", "Yes, happy to.", "Okay.")
_FINAL_WORDS = (
    "No, I think I've said a lot. Thank you for listening.",
    "Only that I hope this study helps the next group of peer workers.",
    "No, that's all. It was good to talk about it.",
    "I think that's everything. Thank you.",
)


def interview(
    pseudonym: str,
    group_key: str,
    wave_index: int,
    rng: random.Random,
    *,
    chinese: bool,
    astral: bool,
    target_chars: int,
) -> tuple[str, list[Anchor]]:
    """A synthetic semi-structured interview of at most ``target_chars`` code points.

    ``group_key`` is "psw", "su" or "cw"; ``wave_index`` 0, 1 or 2. The text is canonical
    (``studies.text.canonicalize``), one speaker turn per line, and usually ends within a
    hundred characters of ``target_chars``. The anchors are the passages that express a
    code, as code-point offsets into the text; they may overlap.
    """
    generated = _generate(
        pseudonym,
        group_key,
        wave_index,
        rng,
        chinese=chinese,
        astral=astral,
        target_chars=target_chars,
    )
    return generated.text, generated.anchors


def _generate(pseudonym, group_key, wave_index, rng, *, chinese, astral, target_chars, topics=None):
    if group_key not in _GROUP_NAMES:
        raise ValueError(f"Unknown group {group_key!r}; expected one of {sorted(_GROUP_NAMES)}.")
    if wave_index not in (0, 1, 2):
        raise ValueError(f"Unknown wave {wave_index!r}; expected 0, 1 or 2.")
    writer = _Writer(
        pseudonym,
        group_key,
        wave_index,
        rng,
        chinese=chinese,
        astral=astral,
        target_chars=target_chars,
        topics=topics,
    )
    return writer.run()


# ---------------------------------------------------------------------------------------
# Coder layers: segments derived from the anchors, as a trained team codes them. Both coders
# work through the same passages (a sample of the anchors, drawn once per transcript); each
# may pass one over, select other boundaries, pick a sibling code, or code a passage the
# other did not, at rates scaled per code by how hard its definition is to apply
# (_DIFFICULTY). The agreement report then shows most codes between alpha 0.67 and 0.9 and
# a few below, which the calibration memo and the disagreement review take up.
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _CoderProfile:
    miss: float  # passes over a passage of the shared sample
    shift: float  # selects other boundaries than the passage's
    sibling: float  # applies a sibling code instead
    extra: float  # passages nobody else coded, per passage of the shared sample
    done: float  # share of assignments marked done


_PROFILES = (
    _CoderProfile(miss=0.05, shift=0.45, sibling=0.015, extra=0.025, done=0.7),
    _CoderProfile(miss=0.06, shift=0.5, sibling=0.02, extra=0.03, done=0.6),
    _CoderProfile(miss=0.06, shift=0.5, sibling=0.02, extra=0.03, done=0.5),
)

# How much harder than usual a code is to apply alike (multiplies the profile's rates).
# The Benefits codes blur hope and concrete change (see the calibration memo); impostor
# feelings and self-stigma overlap; the boundary codes have crisp definitions.
_DIFFICULTY = {
    "Steps towards goals": 5.0,
    "Confidence and self-worth": 4.5,
    "Personal recovery through work": 4.0,
    "Feeling like an impostor": 4.0,
    "Equal relationship": 3.5,
    "Saying no": 0.7,
    "Contact outside work": 0.7,
    "Friendship or professional relationship": 0.8,
    "Purposeful disclosure": 0.8,
    "Fear of disclosure": 0.8,
}
# A passage that fits none of its sub-theme's codes: both coders then apply the sub-theme
# itself, as the codebook asks. Weights of 0, 1, 2 such passages per sub-theme and interview:
_SUB_THEME_PASSAGES = (3, 4, 3)
# ... though now and then one coder finds that one of the codes fits after all.
_LEAF_INSTEAD = 0.08


def _is_word(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


class _Coder:
    def __init__(self, generated: _Generated, profile: _CoderProfile, rng: random.Random):
        self.gen = generated
        self.text = generated.text
        self.profile = profile
        self.rng = rng
        self.sentence_starts = [s for s, _ in generated.sentences]
        self.turn_starts = [s for s, _ in generated.turns]

    def turn_of(self, offset: int) -> tuple[int, int]:
        index = bisect.bisect_right(self.turn_starts, offset) - 1
        if index < 0:
            return 0, len(self.text)
        return self.gen.turns[index]

    def code(self, path: tuple[str, ...], difficulty: float) -> tuple[str, ...]:
        if len(path) == 3 and self.rng.random() < self.profile.sibling * difficulty:
            siblings = [leaf for leaf in _SUB_LEAVES[path[:2]] if leaf != path[2]]
            if siblings:
                return (*path[:2], self.rng.choice(siblings))
        return path

    def mutate(self, start: int, end: int, difficulty: float) -> tuple[int, int]:
        """The passage's boundaries as this coder selects them."""
        rng, text = self.rng, self.text
        if rng.random() >= min(0.9, self.profile.shift * difficulty):
            return start, end
        lo, hi = self.turn_of(start)
        if not (lo <= start < end <= hi):
            return start, end
        s, e = start, end
        r = rng.random()
        if r < 0.7:  # a few characters off, snapped to word boundaries
            if rng.random() < 0.6:
                s += rng.randint(-12, 12)
            if rng.random() < 0.6:
                e += rng.randint(-12, 12)
            s = max(lo, min(s, hi - 1))
            e = max(s + 1, min(e, hi))
            while s > lo and _is_word(text[s]) and _is_word(text[s - 1]):
                s -= 1
            while e < hi and _is_word(text[e - 1]) and _is_word(text[e]):
                e += 1
        elif r < 0.82:  # one sentence more
            if rng.random() < 0.5:
                i = bisect.bisect_left(self.sentence_starts, e)
                if i < len(self.gen.sentences) and self.gen.sentences[i][1] <= hi:
                    e = self.gen.sentences[i][1]
            else:
                i = bisect.bisect_left(self.sentence_starts, s) - 1
                if i >= 0 and self.gen.sentences[i][0] >= lo:
                    s = self.gen.sentences[i][0]
        elif r < 0.95:  # only the first or the last sentence, or up to a comma
            first = bisect.bisect_left(self.sentence_starts, s)
            last = bisect.bisect_left(self.sentence_starts, e) - 1
            if last > first:
                s, e = self.gen.sentences[first if rng.random() < 0.6 else last]
            else:
                comma = text.rfind(", ", s, e)
                if comma > s + 10:
                    e = comma
        else:  # the whole turn
            s, e = lo, hi
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s >= e:
            return start, end
        return s, e

    def nearest_code(self, offset: int, anchors: list[Anchor], starts: list[int]):
        index = bisect.bisect_left(starts, offset)
        candidates = [anchors[i] for i in (index - 1, index) if 0 <= i < len(anchors)]
        if not candidates:
            return self.rng.choice(LEAF_PATHS)
        return min(candidates, key=lambda a: abs(a.start - offset)).code_path

    def spans(
        self,
        pool: list[tuple[tuple[str, ...], int, int, tuple[str, ...]]],
        rest: list[Anchor],
        anchors: list[Anchor],
        *,
        at_least: int,
        at_most: int,
    ) -> list[tuple[tuple[str, ...], int, int]]:
        """Between ``at_least`` and ``at_most`` distinct (code path, start, end)."""
        rng, text, profile = self.rng, self.text, self.profile
        chosen: dict[tuple[tuple[str, ...], int, int], None] = {}

        def add(path: tuple[str, ...], s: int, e: int) -> None:
            key = (path, s, e)
            if len(chosen) < at_most and 0 <= s < e <= len(text) and text[s:e].strip():
                chosen[key] = None

        def code_as_i_see_it(path: tuple[str, ...], s: int, e: int) -> None:
            difficulty = _DIFFICULTY.get(path[-1], 1.0)
            add(self.code(path, difficulty), *self.mutate(s, e, difficulty))

        for path, start, end, leaf in pool:
            if rng.random() < min(0.5, profile.miss * _DIFFICULTY.get(path[-1], 1.0)):
                continue
            if path != leaf and rng.random() < _LEAF_INSTEAD:
                path = leaf  # this coder thinks one of the sub-theme's codes fits
            code_as_i_see_it(path, start, end)
        # Passages only this coder saw: as many, per sampled passage, as profile.extra says.
        scale = len(pool) / max(1, len(rest))
        for anchor in rest:
            difficulty = _DIFFICULTY.get(anchor.code_path[-1], 1.0)
            if rng.random() < profile.extra * difficulty * scale:
                code_as_i_see_it(anchor.code_path, anchor.start, anchor.end)
        extra = list(rest)
        rng.shuffle(extra)
        starts = [a.start for a in anchors]
        attempts = 0
        while len(chosen) < at_least and attempts < 20 * at_least:
            attempts += 1
            if extra and rng.random() < 0.6:
                anchor = extra.pop()
                code_as_i_see_it(anchor.code_path, anchor.start, anchor.end)
            elif self.gen.sentences:  # a sentence nobody anchored
                s, e = rng.choice(self.gen.sentences)
                add(self.nearest_code(s, anchors, starts), s, e)
        return list(chosen)


def _code_spans(
    generated: _Generated,
    *,
    layers: int,
    n: int | None,
    rng: random.Random,
    layer_rngs: list[random.Random],
) -> list[list[tuple[tuple[str, ...], int, int]]]:
    """Segments for each coder layer of one transcript: ``n`` each, or 25–60 by default."""
    anchors = sorted(generated.anchors, key=lambda a: (a.start, a.end, a.code_path))
    base = n if n is not None else rng.randint(27, 57)
    pool_size = min(len(anchors), round(base * 1.1) if n is not None else base)
    # One passage of every sub-theme the interview touches, then a random sample.
    by_sub: dict[tuple[str, ...], list[int]] = {}
    for i, anchor in enumerate(anchors):
        by_sub.setdefault(anchor.code_path[:2], []).append(i)
    first = {rng.choice(indices) for _, indices in sorted(by_sub.items())}
    others = [i for i in range(len(anchors)) if i not in first]
    more = max(0, pool_size - len(first))
    pool_indices = sorted(first | set(rng.sample(others, min(more, len(others)))))
    # Up to two passages of each sub-theme the interview touches fit none of its codes.
    pooled_by_sub: dict[tuple[str, ...], list[int]] = {}
    for i in pool_indices:
        pooled_by_sub.setdefault(anchors[i].code_path[:2], []).append(i)
    sub_level: set[int] = set()
    for _, indices in sorted(pooled_by_sub.items()):
        k = rng.choices((0, 1, 2), _SUB_THEME_PASSAGES)[0]
        sub_level.update(rng.sample(indices, min(k, len(indices) - 1)))
    pool = [
        (
            anchors[i].code_path[:2] if i in sub_level else anchors[i].code_path,
            anchors[i].start,
            anchors[i].end,
            anchors[i].code_path,
        )
        for i in pool_indices
    ]
    in_pool = set(pool_indices)
    rest = [a for i, a in enumerate(anchors) if i not in in_pool]
    result = []
    for index in range(layers):
        profile = _PROFILES[min(index, len(_PROFILES) - 1)]
        coder = _Coder(generated, profile, layer_rngs[index])
        low, high = (n, n) if n is not None else (25, 60)
        result.append(coder.spans(pool, rest, anchors, at_least=low, at_most=high))
    return result


# ---------------------------------------------------------------------------------------
# The study in the database
# ---------------------------------------------------------------------------------------

_STUDY_MEMOS = (
    (
        "Storyline across the waves",
        "Across the three waves the accounts move from confusion about the peer worker's "
        "role during training, through the peer worker's lived experience as an asset on "
        "placement, to the importance of family support once employed. Co-workers are the "
        "most confused about the role at first; service users speak of trust and being "
        "understood earliest.",
    ),
    (
        "Codebook decisions, round 1",
        "Hope was folded into 'Role model of recovery'. Sub-themes are applied only to "
        "passages that fit none of their codes. Code whole sentences rather than clauses.",
    ),
    (
        "Calibration meeting",
        "coder1 and coder2 agree well on Boundaries and disclosure, less on the Benefits "
        "codes, where the difference between hope and concrete steps needs a clearer rule, "
        "on Feeling like an impostor against Self-stigma, and on Equal relationship. Review "
        "these in the disagreement view before the next round.",
    ),
    (
        "Cantonese passages",
        "Cantonese passages are kept as spoken. Expressions worth a note in the paper: "
        "「兩頭唔到岸」 (belonging to neither shore), 「自己人」 (one of us), "
        "「做一年睇一年」 (one year at a time).",
    ),
)
_CODE_MEMOS = (
    ("Public stigma", "Consider splitting into stigma from relatives and from neighbours."),
    ("In-between identity", "Central to the T2 interviews of the peer support workers."),
    ("Low pay", "Mostly co-workers at T3; the workers themselves raise it less often."),
)
_TRANSCRIPT_MEMOS = (
    "Interview held at the centre; the participant was relaxed and talkative.",
    "Noisy recording in the second half; a few words were inaudible.",
    "The participant switched to Cantonese when talking about family.",
    "Follow up at the next wave: the participant mentioned a possible new job.",
)
_SEGMENT_MEMOS = (
    "Good illustration for the results section.",
    "Compare with the co-workers' account of the same period.",
    "Ambiguous between two codes; bring to the next calibration meeting.",
    "The tone here is ironic; the words alone understate it.",
)


def _attributes(group_key: str, rng: random.Random) -> dict:
    attributes = {
        "gender": rng.choice(("female", "male")),
        "age_band": rng.choice(AGE_BANDS[1:4] if group_key == "psw" else AGE_BANDS),
        "site": rng.choice(SITES),
    }
    if group_key == "cw":
        attributes["profession"] = rng.choice(PROFESSIONS)
    elif group_key == "su":
        attributes["service"] = rng.choice(SERVICES)
    return attributes


@dataclass(frozen=True)
class _Planned:
    pseudonym: str
    group_index: int
    wave: int
    chinese: bool
    astral: bool


def _plan(scale: int, seed: int) -> tuple[list[tuple[str, int, dict]], list[_Planned]]:
    """Participants (pseudonym, group index, attributes) and the transcripts to write."""
    rng = random.Random(f"{seed}:plan")
    participants: list[tuple[str, int, dict]] = []
    attendance: list[tuple[int, ...]] = []
    for group_index, (key, _, prefix, count, patterns) in enumerate(GROUPS):
        digits = 2 if scale == 1 else max(3, len(str(count * scale)))
        waves = [pattern for pattern, k in patterns for _ in range(k * scale)]
        rng.shuffle(waves)
        for i, pattern in enumerate(waves):
            participants.append((f"{prefix}{i + 1:0{digits}d}", group_index, _attributes(key, rng)))
            attendance.append(pattern)
    # About a third of the participants speak Cantonese in (part of) their interviews.
    bilingual = set(rng.sample(range(len(participants)), round(len(participants) / 3)))
    entries = [(index, wave) for index in range(len(participants)) for wave in attendance[index]]
    chinese = [i for i, (index, _) in enumerate(entries) if index in bilingual]
    astral = set(rng.sample(chinese, min(len(chinese), max(3, round(len(chinese) * 0.15)))))
    planned = [
        _Planned(
            pseudonym=participants[index][0],
            group_index=participants[index][1],
            wave=wave,
            chinese=index in bilingual,
            astral=i in astral,
        )
        for i, (index, wave) in enumerate(entries)
    ]
    return participants, planned


@functools.cache
def _discussable(group_key: str, wave: int) -> tuple[tuple[str, str], ...]:
    """Sub-themes with sentences for the group at the wave."""
    return tuple(
        sub_path
        for sub_path, leaves in _SUB_LEAVES.items()
        if any(_templates(leaf, "en", group_key, wave) for leaf in leaves)
    )


def _topics(planned: list[_Planned], seed: int) -> list[frozenset[tuple[str, str]]]:
    """The sub-themes each planned interview touches.

    In each (group, wave) cell, a sub-theme is given to ``round(prevalence * n)`` of the n
    interviews, drawn at random: the storyline holds exactly, whatever the sample. Then
    interviews with fewer than ``_MIN_SUBS`` sub-themes, or that are to carry a non-BMP
    sentence and have no sub-theme for one, get more, drawn by prevalence.
    """
    rng = random.Random(f"{seed}:topics")
    cells: dict[tuple[str, int], list[int]] = {}
    for index, item in enumerate(planned):
        cells.setdefault((GROUPS[item.group_index][0], item.wave), []).append(index)
    topics: list[set[tuple[str, str]]] = [set() for _ in planned]
    for (group_key, wave), indices in cells.items():
        for sub_path in _discussable(group_key, wave):
            share = _PREVALENCE[sub_path[1]][group_key][wave]
            for index in rng.sample(indices, round(share * len(indices))):
                topics[index].add(sub_path)
    for index, item in enumerate(planned):
        group_key = GROUPS[item.group_index][0]
        chosen = topics[index]
        others = [sp for sp in _discussable(group_key, item.wave) if sp not in chosen]
        while len(chosen) < _MIN_SUBS and others:
            weights = [0.05 + _PREVALENCE[sp[1]][group_key][item.wave] for sp in others]
            chosen.add(others.pop(rng.choices(range(len(others)), weights)[0]))
        if item.astral:
            astral_subs = {
                _LEAF_BY_NAME[t.leaf][:2] for t in _ASTRAL_TEMPLATES if t.group == group_key
            } & set(_discussable(group_key, item.wave))
            if astral_subs and not astral_subs & chosen:
                chosen.add(rng.choice(sorted(astral_subs)))
    return [frozenset(chosen) for chosen in topics]


def _create_codebook(study: Study) -> dict[tuple[str, ...], Code]:
    """The codebook's codes, level by level, keyed by path."""
    codes: dict[tuple[str, ...], Code] = {}
    level = [((spec.name,), spec, position) for position, spec in enumerate(CODEBOOK)]
    while level:
        objects = [
            Code(
                study=study,
                parent=codes.get(path[:-1]),
                name=spec.name,
                description=spec.description,
                inclusion=spec.inclusion,
                exclusion=spec.exclusion,
                example=spec.example,
                color=spec.color,
                position=position,
            )
            for path, spec, position in level
        ]
        for (path, _, _), code in zip(level, Code.objects.bulk_create(objects), strict=True):
            codes[path] = code
        level = [
            ((*path, child.name), child, position)
            for path, spec, _ in level
            for position, child in enumerate(spec.children)
        ]
    return codes


def build_demo_study(
    *,
    scale: int = 1,
    coders: int = 2,
    segments_per_layer: int | None = None,
    target_chars: tuple[int, int] = (20000, 50000),
    stdout=None,
    seed: int = DEFAULT_SEED,
    transcripts_limit: int | None = None,
    owner=None,
    name: str = DEMO_STUDY_NAME,
) -> Study:
    """Create the demo study with its codebook, transcripts and coder layers.

    ``scale`` multiplies the participants (scale 10: about 770 transcripts). One layer per
    coder user ``coder1`` .. ``coder<coders>`` (created with an unusable password if
    missing, made coder members), every coder assigned every transcript. Each layer has
    ``segments_per_layer`` segments per transcript, or 25–60 by default. Transcript
    lengths are drawn from ``target_chars`` (code points). ``transcripts_limit`` keeps an
    evenly spread subset of the transcripts (for fast tests). ``owner`` becomes an owner
    member and the author of the study memos. No audit events are recorded.
    """
    if scale < 1 or coders < 1:
        raise ValueError("scale and coders must be at least 1.")
    low, high = target_chars
    if not 1000 <= low <= high:
        raise ValueError("target_chars must be (low, high) with 1000 <= low <= high.")
    participants, planned = _plan(scale, seed)
    if transcripts_limit is not None and transcripts_limit < len(planned):
        step = len(planned) / max(1, transcripts_limit)
        planned = [planned[int(i * step)] for i in range(transcripts_limit)]
    topics = _topics(planned, seed)

    def say(message: str) -> None:
        if stdout is not None:
            stdout.write(message + "\n")

    User = get_user_model()
    with transaction.atomic():
        study = Study.objects.create(name=name, description=DEMO_STUDY_DESCRIPTION)
        groups = StakeholderGroup.objects.bulk_create(
            StakeholderGroup(study=study, name=group[1], position=i)
            for i, group in enumerate(GROUPS)
        )
        waves = Wave.objects.bulk_create(
            Wave(study=study, name=wave, position=i) for i, wave in enumerate(WAVES)
        )
        participant_objects = Participant.objects.bulk_create(
            (
                Participant(study=study, pseudonym=pseudonym, group=groups[g], attributes=attrs)
                for pseudonym, g, attrs in participants
            ),
            batch_size=500,
        )
        by_pseudonym = {p.pseudonym: p for p in participant_objects}
        codes = _create_codebook(study)
        code_ids = {path: code.pk for path, code in codes.items()}

        coder_users = []
        for i in range(1, coders + 1):
            user, created = User.objects.get_or_create(username=f"coder{i}")
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
            coder_users.append(user)
        members = [Membership(study=study, user=u, role=Role.CODER) for u in coder_users]
        if owner is not None and owner not in coder_users:
            members.append(Membership(study=study, user=owner, role=Role.OWNER))
        Membership.objects.bulk_create(members)
        layers = [
            Layer.objects.create(study=study, kind=LayerKind.CODER, user=u) for u in coder_users
        ]
        done: list[set[int]] = []
        for index in range(coders):
            rate = _PROFILES[min(index, len(_PROFILES) - 1)].done
            done_rng = random.Random(f"{seed}:done:{index}")
            done.append(set(done_rng.sample(range(len(planned)), round(rate * len(planned)))))
        now = timezone.now()

        say(f"Writing {len(planned)} transcripts with {coders} coder layers …")
        batch = 20
        for first in range(0, len(planned), batch):
            chunk = planned[first : first + batch]
            transcripts, generated = [], []
            for item in chunk:
                group_key = GROUPS[item.group_index][0]
                text_rng = random.Random(f"{seed}:text:{item.pseudonym}:{item.wave}")
                target = text_rng.randint(min(high, low + 200), high)
                gen = _generate(
                    item.pseudonym,
                    group_key,
                    item.wave,
                    text_rng,
                    chinese=item.chinese,
                    astral=item.astral,
                    target_chars=target,
                    topics=topics[first + len(generated)],
                )
                generated.append(gen)
                wave_name = WAVES[item.wave]
                transcripts.append(
                    Transcript(
                        study=study,
                        participant=by_pseudonym[item.pseudonym],
                        wave=waves[item.wave],
                        title=f"{item.pseudonym} – {wave_name}",
                        text=gen.text,
                        length=len(gen.text),
                        source_name=f"{item.pseudonym}_{wave_name.split()[0]}.txt",
                        checksum=Transcript.checksum_of(gen.text),
                        language=guess_language(gen.text),
                    )
                )
            Transcript.objects.bulk_create(transcripts)
            segments, assignments = [], []
            for offset, (item, transcript, gen) in enumerate(
                zip(chunk, transcripts, generated, strict=True)
            ):
                key = f"{item.pseudonym}:{item.wave}"
                layer_rngs = [random.Random(f"{seed}:layer{i}:{key}") for i in range(coders)]
                per_layer = _code_spans(
                    gen,
                    layers=coders,
                    n=segments_per_layer,
                    rng=random.Random(f"{seed}:segments:{key}"),
                    layer_rngs=layer_rngs,
                )
                for index, (layer, spans) in enumerate(zip(layers, per_layer, strict=True)):
                    layer_rng = layer_rngs[index]
                    for path, start, end in spans:
                        note = ""
                        if layer_rng.random() < 0.01:
                            note = layer_rng.choice(_SEGMENT_NOTES)
                        segments.append(
                            Segment(
                                transcript_id=transcript.pk,
                                code_id=code_ids[path],
                                layer_id=layer.pk,
                                start=start,
                                end=end,
                                quote=gen.text[start:end],
                                memo=note,
                                created_by_id=layer.user_id,
                            )
                        )
                    is_done = (first + offset) in done[index]
                    assignments.append(
                        Assignment(
                            layer_id=layer.pk,
                            transcript_id=transcript.pk,
                            done_at=now - timedelta(days=layer_rng.randint(1, 300))
                            if is_done
                            else None,
                        )
                    )
            Segment.objects.bulk_create(segments, batch_size=2000)
            Assignment.objects.bulk_create(assignments, batch_size=2000)
            written = min(first + batch, len(planned))
            if (
                written == len(planned)
                or written % (batch * (1 if len(planned) <= 200 else 5)) == 0
            ):
                say(f"  {written}/{len(planned)} transcripts")

        _create_memos(study, owner or coder_users[0], codes, layers)
    return study


def _create_memos(study: Study, author, codes: dict[tuple[str, ...], Code], layers) -> None:
    memos = [Memo(study=study, author=author, title=t, body=b) for t, b in _STUDY_MEMOS]
    by_name = {path[-1]: code for path, code in codes.items()}
    memos += [
        Memo(study=study, author=author, code=by_name[name], body=body)
        for name, body in _CODE_MEMOS
    ]
    transcripts = study.transcripts.order_by("pk").only("pk")[: len(_TRANSCRIPT_MEMOS)]
    memos += [
        Memo(study=study, author=author, transcript=t, body=body)
        for t, body in zip(transcripts, _TRANSCRIPT_MEMOS, strict=False)
    ]
    noted = (
        Segment.objects.filter(layer__in=layers)
        .exclude(memo="")
        .order_by("pk")
        .only("pk", "created_by_id")[: 2 * len(_SEGMENT_MEMOS)]
    )
    memos += [
        Memo(
            study=study,
            author_id=segment.created_by_id,
            segment=segment,
            body=_SEGMENT_MEMOS[i % len(_SEGMENT_MEMOS)],
        )
        for i, segment in enumerate(noted)
    ]
    Memo.objects.bulk_create(memos)


def delete_demo_study(study: Study) -> None:
    """Delete a study and everything in it (no confirmation: for the demo and benchmarks)."""
    from studies.services import study_delete

    study_delete(study=study, confirm=study.name, actor=None)
