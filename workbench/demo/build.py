"""The reference demo study: synthetic but plausible interviews, a codebook and two coders.

A one-year longitudinal study of peer support services in Hong Kong: peer support workers,
service users and co-workers interviewed at training (T1), work placement (T2) and
employment (T3). Everything is generated from seeded ``random.Random`` instances, so the
same seed always gives the same study. ``build_demo_study`` writes it to the database
(codebook.py, writer.py, coders.py make its parts) and also serves the benchmark
workloads of docs/DESIGN.md (``segments_per_layer=150, coders=3``; ``scale=10``).
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from coding.assignments import sampler
from coding.models import Assignment, Code, Layer, LayerKind, Memo, SamplerDraw, Segment
from studies.models import (
    Attribute,
    AttributeKind,
    AttributeScope,
    Membership,
    Participant,
    Role,
    StakeholderGroup,
    Study,
    Transcript,
    Wave,
)
from studies.services import study_delete
from studies.text import guess_language
from workbench.demo.codebook import CODEBOOK, LEAF_BY_NAME, SUB_LEAVES
from workbench.demo.codebook_zh import add_second_language
from workbench.demo.coders import PROFILES, SEGMENT_NOTES, code_spans
from workbench.demo.interviews import (
    AGE_BANDS,
    GROUPS,
    MIN_SUBS,
    PREVALENCE,
    PROFESSIONS,
    SERVICES,
    SITES,
    WAVES,
)
from workbench.demo.writer import ASTRAL_TEMPLATES, Generated, generate, templates_for

DEMO_STUDY_NAME = "Peer support in Hong Kong: a longitudinal study"
DEMO_STUDY_DESCRIPTION = (
    "A one-year longitudinal qualitative study of peer support services in Hong Kong. "
    "Peer support workers, the service users they support and their co-workers were "
    "interviewed during training (T1), work placement (T2) and employment (T3). "
    "The transcripts are synthetic demo data: names, places and stories are invented."
)
DEFAULT_SEED = 20190301


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


INTERVIEWERS = ("Karen Lau", "Ming Wong", "Priya Shah")


def _age(band: str, key: str) -> int:
    """An age within the band, from its own random stream (the plan's stays as it was)."""
    low, high = (int(x) for x in band.split("-"))
    return random.Random(key).randint(low, high)


def _create_attribute_definitions(study: Study) -> None:
    """The demo's typed attributes: participants' gender, age band, age, site, profession
    and service; transcripts' interviewer and language."""
    p, t = AttributeScope.PARTICIPANT, AttributeScope.TRANSCRIPT
    rows = [
        (p, "gender", AttributeKind.CHOICE, ["female", "male"]),
        (p, "age_band", AttributeKind.CHOICE, list(AGE_BANDS)),
        (p, "age", AttributeKind.NUMBER, []),
        (p, "site", AttributeKind.CHOICE, list(SITES)),
        (p, "profession", AttributeKind.TEXT, []),
        (p, "service", AttributeKind.TEXT, []),
        (t, "interviewer", AttributeKind.CHOICE, list(INTERVIEWERS)),
        (t, "language", AttributeKind.CHOICE, ["English", "Cantonese and English"]),
    ]
    Attribute.objects.bulk_create(
        Attribute(study=study, scope=scope, name=name, kind=kind, choices=choices, position=i)
        for i, (scope, name, kind, choices) in enumerate(rows)
    )


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
            pseudonym = f"{prefix}{i + 1:0{digits}d}"
            attributes = _attributes(key, rng)
            attributes["age"] = _age(attributes["age_band"], f"{seed}:age:{pseudonym}")
            participants.append((pseudonym, group_index, attributes))
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
        for sub_path, leaves in SUB_LEAVES.items()
        if any(templates_for(leaf, "en", group_key, wave) for leaf in leaves)
    )


def _topics(planned: list[_Planned], seed: int) -> list[frozenset[tuple[str, str]]]:
    """The sub-themes each planned interview touches.

    In each (group, wave) cell, a sub-theme is given to ``round(prevalence * n)`` of the n
    interviews, drawn at random: the storyline holds exactly, whatever the sample. Then
    interviews with fewer than ``MIN_SUBS`` sub-themes, or that are to carry a non-BMP
    sentence and have no sub-theme for one, get more, drawn by prevalence.
    """
    rng = random.Random(f"{seed}:topics")
    cells: dict[tuple[str, int], list[int]] = {}
    for index, item in enumerate(planned):
        cells.setdefault((GROUPS[item.group_index][0], item.wave), []).append(index)
    topics: list[set[tuple[str, str]]] = [set() for _ in planned]
    for (group_key, wave), indices in cells.items():
        for sub_path in _discussable(group_key, wave):
            share = PREVALENCE[sub_path[1]][group_key][wave]
            for index in rng.sample(indices, round(share * len(indices))):
                topics[index].add(sub_path)
    for index, item in enumerate(planned):
        group_key = GROUPS[item.group_index][0]
        chosen = topics[index]
        others = [sp for sp in _discussable(group_key, item.wave) if sp not in chosen]
        while len(chosen) < MIN_SUBS and others:
            weights = [0.05 + PREVALENCE[sp[1]][group_key][item.wave] for sp in others]
            chosen.add(others.pop(rng.choices(range(len(others)), weights)[0]))
        if item.astral:
            astral_subs = {
                LEAF_BY_NAME[t.leaf][:2] for t in ASTRAL_TEMPLATES if t.group == group_key
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
    double_coded_percent: float | None = None,
) -> Study:
    """Create the demo study with its codebook, transcripts and coder layers.

    ``scale`` multiplies the participants (scale 10: about 770 transcripts). One layer per
    coder user ``coder1`` .. ``coder<coders>`` (created with an unusable password if
    missing, made coder members), every coder assigned every transcript. Each layer has
    ``segments_per_layer`` segments per transcript, or 25–60 by default. Transcript
    lengths are drawn from ``target_chars`` (code points). ``transcripts_limit`` keeps an
    evenly spread subset of the transcripts (for fast tests). ``owner`` becomes an owner
    member and the author of the study memos. No audit events are recorded.

    ``double_coded_percent`` (the demo: 20) makes it a study in progress: a stratified draw
    of that share of the transcripts (:func:`coding.assignments.sampler.draw`, seed
    :data:`DOUBLE_CODING_SEED`, at least one per group x wave cell) is coded by every coder,
    the others by one coder each, taken in turn within each cell; each coder is assigned
    exactly the transcripts their layer codes, and the draw is recorded as a SamplerDraw.
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
    coded_by, draw = _who_codes(planned, coders, double_coded_percent)

    def say(message: str) -> None:
        if stdout is not None:
            stdout.write(message + "\n")

    with transaction.atomic():
        study = Study.objects.create(name=name, description=DEMO_STUDY_DESCRIPTION)
        waves, by_pseudonym = _create_participants(study, participants)
        _create_attribute_definitions(study)
        codes = _create_codebook(study)
        add_second_language(study, codes.values())
        code_ids = {path: code.pk for path, code in codes.items()}
        coder_users, layers = _create_coders(study, coders, owner)
        done = _done(coded_by, seed)
        now = timezone.now()

        say(f"Writing {len(planned)} transcripts with {coders} coder layers …")
        written_ids: list[int] = []
        batch = 20
        for first in range(0, len(planned), batch):
            chunk = planned[first : first + batch]
            transcripts, generated = _write_transcripts(
                study,
                chunk,
                topics[first : first + batch],
                waves,
                by_pseudonym,
                seed=seed,
                target_chars=target_chars,
            )
            written_ids += [t.pk for t in transcripts]
            _code_batch(
                chunk,
                transcripts,
                generated,
                layers,
                code_ids,
                [{i - first for i in d if first <= i < first + batch} for d in done],
                [{i - first for i in c if first <= i < first + batch} for c in coded_by],
                seed=seed,
                segments_per_layer=segments_per_layer,
                now=now,
            )
            written = min(first + batch, len(planned))
            if (
                written == len(planned)
                or written % (batch * (1 if len(planned) <= 200 else 5)) == 0
            ):
                say(f"  {written}/{len(planned)} transcripts")

        _create_memos(study, owner or coder_users[0], codes, layers)
        if draw is not None:
            _record_draw(study, draw, written_ids, layers, owner, double_coded_percent)
    return study


DOUBLE_CODING_SEED = 2019


def _who_codes(
    planned: list[_Planned], coders: int, percent: float | None
) -> tuple[list[set[int]], sampler.Draw | None]:
    """Per coder, the indexes of the planned transcripts their layer codes; and the
    double-coding draw (None: every coder codes every transcript).

    The draw is made on the planned indexes, cells keyed (group position, wave position):
    the transcripts are written in this order, so the same draw on the stored transcripts'
    ids, cells keyed (group id, wave id), chooses the same transcripts.
    """
    everything = set(range(len(planned)))
    if percent is None or coders < 2:
        return [set(everything) for _ in range(coders)], None
    cells: dict[tuple[int, int], list[int]] = {}
    for index, item in enumerate(planned):
        cells.setdefault((item.group_index, item.wave), []).append(index)
    drawn = sampler.draw(cells, seed=DOUBLE_CODING_SEED, percent=percent)
    double = set(drawn.chosen)
    coded_by: list[set[int]] = [set(double) for _ in range(coders)]
    turn = 0
    for key in sorted(cells):
        for index in cells[key]:
            if index not in double:
                coded_by[turn % coders].add(index)
                turn += 1
    return coded_by, drawn


def _record_draw(study, drawn, written_ids, layers, owner, percent) -> SamplerDraw:
    """The double-coding draw as the sampler's apply would record it (no audit event: the
    demo's coding happened before its audit log starts)."""
    groups = list(study.groups.order_by("position").values_list("pk", flat=True))
    waves = list(study.waves.order_by("position").values_list("pk", flat=True))
    chosen = sorted(written_ids[i] for i in drawn.chosen)
    params = {
        "percent": percent,
        "count": None,
        "groups": [],
        "waves": [],
        "layer_ids": [layer.pk for layer in layers],
        "coders": [layer.user.username for layer in layers],
        "target": drawn.plan.target,
        "added_by_rule": drawn.plan.added_by_rule,
        "cells": [[groups[g], waves[w], n] for (g, w), n in sorted(drawn.plan.counts.items())],
        "newly_assigned": len(chosen) * len(layers),
    }
    return SamplerDraw.objects.create(
        study=study,
        params=params,
        seed=DOUBLE_CODING_SEED,
        transcript_ids=chosen,
        created_by=owner,
    )


def _create_participants(
    study: Study, participants: list[tuple[str, int, dict]]
) -> tuple[list[Wave], dict[str, Participant]]:
    """The study's groups, waves and participants; the waves and the participants by
    pseudonym."""
    groups = StakeholderGroup.objects.bulk_create(
        StakeholderGroup(study=study, name=group[1], position=i) for i, group in enumerate(GROUPS)
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
    return waves, {p.pseudonym: p for p in participant_objects}


def _create_coders(study: Study, coders: int, owner) -> tuple[list, list[Layer]]:
    """The coder users ``coder1`` .. ``coder<coders>`` as coder members (and ``owner`` as
    the owner), each with a coder layer."""
    User = get_user_model()
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
    layers = [Layer.objects.create(study=study, kind=LayerKind.CODER, user=u) for u in coder_users]
    return coder_users, layers


def _done(coded_by: list[set[int]], seed: int) -> list[set[int]]:
    """Per coder, the indexes of the planned transcripts whose assignment is done: the
    coder's profile's share of the transcripts they code."""
    done: list[set[int]] = []
    for index, coded in enumerate(coded_by):
        rate = PROFILES[min(index, len(PROFILES) - 1)].done
        done_rng = random.Random(f"{seed}:done:{index}")
        done.append(set(done_rng.sample(sorted(coded), round(rate * len(coded)))))
    return done


def _write_transcripts(
    study: Study,
    chunk: list[_Planned],
    chunk_topics: list[frozenset[tuple[str, str]]],
    waves: list[Wave],
    by_pseudonym: dict[str, Participant],
    *,
    seed: int,
    target_chars: tuple[int, int],
) -> tuple[list[Transcript], list[Generated]]:
    """Generate and save the interviews of ``chunk``; the transcripts and what generated
    them."""
    low, high = target_chars
    transcripts, generated = [], []
    for item, item_topics in zip(chunk, chunk_topics, strict=True):
        group_key = GROUPS[item.group_index][0]
        text_rng = random.Random(f"{seed}:text:{item.pseudonym}:{item.wave}")
        target = text_rng.randint(min(high, low + 200), high)
        gen = generate(
            item.pseudonym,
            group_key,
            item.wave,
            text_rng,
            chinese=item.chinese,
            astral=item.astral,
            target_chars=target,
            topics=item_topics,
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
                attributes={
                    "interviewer": random.Random(
                        f"{seed}:interviewer:{item.pseudonym}:{item.wave}"
                    ).choice(INTERVIEWERS),
                    "language": "Cantonese and English" if item.chinese else "English",
                },
            )
        )
    Transcript.objects.bulk_create(transcripts)
    return transcripts, generated


def _code_batch(
    chunk: list[_Planned],
    transcripts: list[Transcript],
    generated: list[Generated],
    layers: list[Layer],
    code_ids: dict[tuple[str, ...], int],
    done: list[set[int]],
    coded: list[set[int]],
    *,
    seed: int,
    segments_per_layer: int | None,
    now,
) -> None:
    """Save each layer's segments of the transcripts of ``chunk`` and their assignments
    (``done``: per layer, the indexes in ``chunk`` of the assignments that are done;
    ``coded``: per layer, the indexes in ``chunk`` it codes and is assigned)."""
    segments, assignments = [], []
    for offset, (item, transcript, gen) in enumerate(
        zip(chunk, transcripts, generated, strict=True)
    ):
        key = f"{item.pseudonym}:{item.wave}"
        layer_rngs = [random.Random(f"{seed}:layer{i}:{key}") for i in range(len(layers))]
        per_layer = code_spans(
            gen,
            layers=len(layers),
            n=segments_per_layer,
            rng=random.Random(f"{seed}:segments:{key}"),
            layer_rngs=layer_rngs,
        )
        for index, (layer, spans) in enumerate(zip(layers, per_layer, strict=True)):
            if offset not in coded[index]:
                continue
            layer_rng = layer_rngs[index]
            for path, start, end in spans:
                note = ""
                if layer_rng.random() < 0.01:
                    note = layer_rng.choice(SEGMENT_NOTES)
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
            is_done = offset in done[index]
            assignments.append(
                Assignment(
                    layer_id=layer.pk,
                    transcript_id=transcript.pk,
                    done_at=now - timedelta(days=layer_rng.randint(1, 300)) if is_done else None,
                )
            )
    Segment.objects.bulk_create(segments, batch_size=2000)
    Assignment.objects.bulk_create(assignments, batch_size=2000)


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
    study_delete(study=study, confirm=study.name, actor=None)
