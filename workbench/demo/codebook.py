"""The demo codebook: six themes > sub-themes > codes, with definitions and colours."""

from __future__ import annotations

from dataclasses import dataclass


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
LEAF_BY_NAME = {path[2]: path for path in LEAF_PATHS}


SUB_LEAVES: dict[tuple[str, str], list[str]] = {}
for _path in LEAF_PATHS:
    SUB_LEAVES.setdefault(_path[:2], []).append(_path[2])
