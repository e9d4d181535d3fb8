"""Participant portraits: per participant across the waves, the themes (or top-level codes,
with their subcodes, when the study has no themes) present at each wave, the exemplar
quotes from their interviews and the memos on them; and the case × theme × wave table of
the whole study.

Presence is counted as the theme report counts it (the comparison's layers; a blind coder
only their own layer). The generated summary is plain text; a stored :class:`Portrait`
starts from it and keeps the researcher's edits: when the data change, the page shows how
the summary changed (a line diff against the summary the portrait was based on).
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from dataclasses import dataclass, field

from coding.codebook import selectors as codebook_selectors
from coding.compare.frame import Frame, counts_by_code_transcript, study_frame
from coding.compare.layers import LayerChoice
from coding.exemplars import selectors
from coding.exemplars.selectors import ExemplarRow
from coding.exemplars.tags import member_noun, wave_label
from coding.models import Memo, ThemeStatus
from coding.themes import selectors as theme_selectors
from studies.access import StudyAccess, visible_memos


@dataclass(frozen=True)
class Unit:
    pk: int
    name: str
    code_ids: frozenset[int]  # the unit's codes and all their descendants


@dataclass
class WaveEntry:
    wave: object
    interviewed: bool
    present: list[tuple[Unit, int]] = field(default_factory=list)  # (unit, passages)
    quotes: list[ExemplarRow] = field(default_factory=list)
    memos: list[Memo] = field(default_factory=list)


@dataclass
class CasePortrait:
    participant: object
    group: object
    waves: list[WaveEntry]

    @property
    def summary(self) -> str:
        return portrait_summary(self)


@dataclass
class Cases:
    kind: str  # "theme" or "code"
    units: list[Unit]
    frame: Frame
    choice: LayerChoice
    portraits: list[CasePortrait]
    # (participant id, wave id, unit pk) -> passages; only interviewed (participant, wave)
    passages: dict[tuple[int, int, int], int]
    interviewed: set[tuple[int, int]]  # (participant id, wave id)


def units_for(access: StudyAccess, book) -> tuple[str, list[Unit]]:
    """The study's themes (not discarded), else its top-level codes; each with the code
    ids that count for it (descendants included)."""

    def below(node) -> set[int]:
        out, stack = set(), [node]
        while stack:
            n = stack.pop()
            out.add(n.pk)
            stack.extend(n.children)
        return out

    themes = [
        t for t in theme_selectors.themes_for_board(access) if t.status != ThemeStatus.DISCARDED
    ]
    if themes:
        units = []
        for t in themes:
            ids: set[int] = set()
            for c in t.codes.all():
                if c.pk in book.by_id:
                    ids |= below(book.by_id[c.pk])
            units.append(Unit(t.pk, t.name, frozenset(ids)))
        return "theme", units
    roots = [n for n in book.roots if not n.code.archived]
    return "code", [Unit(n.pk, n.code.name, frozenset(below(n))) for n in roots]


def study_cases(
    access: StudyAccess, choice: LayerChoice, *, participant_id: int | None = None
) -> Cases:
    """Every participant's portrait (or one's). Queries: codebook 1, frame 4, themes 2,
    segments 1, exemplars 1, memos 1."""
    book = codebook_selectors.codebook_for(access, light=True)
    frame = study_frame(access.study)
    kind, units = units_for(access, book)
    feeds: dict[int, list[Unit]] = defaultdict(list)
    for unit in units:
        for code_id in unit.code_ids:
            feeds[code_id].append(unit)
    passages: dict[tuple[int, int, int], int] = defaultdict(int)
    for code_id, transcript_id, n in counts_by_code_transcript(choice.layer_ids):
        where = frame.transcripts.get(transcript_id)
        if where is None:
            continue
        pid, _gid, wid = where
        for unit in feeds.get(code_id, ()):
            passages[pid, wid, unit.pk] += n
    interviewed = {(pid, wid) for pid, _g, wid in frame.transcripts.values()}
    people = [p for p in frame.participants if participant_id in (None, p.pk)]
    wanted = {p.pk for p in people}
    by_person_wave: dict[tuple[int, int], list[int]] = defaultdict(list)
    for tid, (pid, _g, wid) in frame.transcripts.items():
        if pid in wanted:
            by_person_wave[pid, wid].append(tid)
    quotes: dict[tuple[int, int], list[ExemplarRow]] = defaultdict(list)
    exemplars = selectors.visible_exemplars(access).filter(
        segment__transcript__participant_id__in=wanted
    )
    for row in selectors.exemplar_rows(access, exemplars):
        t = row.exemplar.segment.transcript
        if t.wave_id is not None:
            quotes[t.participant_id, t.wave_id].append(row)
    memos: dict[tuple[int, int], list[Memo]] = defaultdict(list)
    memo_qs = (
        visible_memos(
            access, Memo.objects.filter(transcript__participant_id__in=wanted, segment__isnull=True)
        )
        .select_related("transcript", "author")
        .order_by("created_at", "pk")
    )
    for memo in memo_qs:
        if memo.transcript.wave_id is not None:
            memos[memo.transcript.participant_id, memo.transcript.wave_id].append(memo)
    groups = {g.pk: g for g in frame.groups}
    portraits = []
    for person in people:
        entries = []
        for wave in frame.waves:
            key = (person.pk, wave.pk)
            entry = WaveEntry(wave=wave, interviewed=key in interviewed)
            entry.present = [
                (u, passages[person.pk, wave.pk, u.pk])
                for u in units
                if passages.get((person.pk, wave.pk, u.pk))
            ]
            entry.quotes = sorted(
                quotes[key], key=lambda r: (r.exemplar.segment.start, r.exemplar.pk)
            )
            entry.memos = memos[key]
            entries.append(entry)
        portraits.append(CasePortrait(person, groups.get(person.group_id), entries))
    return Cases(kind, units, frame, choice, portraits, dict(passages), interviewed)


def _plural(n: int) -> str:
    return f"{n} passage{'s' if n != 1 else ''}"


def portrait_summary(case: CasePortrait) -> str:
    """The generated portrait: one paragraph per wave."""
    person = case.participant
    noun = member_noun(case.group.name) if case.group else ""
    lines = [f"{person.pseudonym}" + (f", {noun}" if noun else "")]
    for entry in case.waves:
        label = wave_label(entry.wave.name)
        lines.append("")
        if not entry.interviewed:
            lines.append(f"{label}: not interviewed.")
            continue
        if entry.present:
            present = "; ".join(f"{u.name} ({_plural(n)})" for u, n in entry.present)
            lines.append(f"{label}: {present}.")
        else:
            lines.append(f"{label}: nothing coded.")
        for row in entry.quotes:
            lines.append(f"  “{row.quote}” {row.tag} [{row.target}]")
        for memo in entry.memos:
            body = " ".join(memo.body.split())
            lines.append(f"  Memo: {body}")
    return "\n".join(lines) + "\n"


def summary_changes(before: str, after: str) -> list[tuple[str, str]]:
    """How the generated summary changed: ("added"|"removed", line) for each line that
    differs (blank lines left out)."""
    out = []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        if line.startswith("+ ") and line[2:].strip():
            out.append(("added", line[2:]))
        elif line.startswith("- ") and line[2:].strip():
            out.append(("removed", line[2:]))
    return out


def table_rows(cases: Cases):
    """The case × theme × wave table, long form: one row per participant, wave and unit:
    (pseudonym, group, wave, unit, interviewed, present, passages). Not interviewed: present
    and passages are None."""
    groups = {g.pk: g.name for g in cases.frame.groups}
    for person in cases.frame.participants:
        for wave in cases.frame.waves:
            seen = (person.pk, wave.pk) in cases.interviewed
            for unit in cases.units:
                n = cases.passages.get((person.pk, wave.pk, unit.pk), 0)
                yield (
                    person.pseudonym,
                    groups.get(person.group_id, ""),
                    wave.name,
                    unit.name,
                    "yes" if seen else "no",
                    (1 if n else 0) if seen else None,
                    n if seen else None,
                )


TABLE_HEADER = ["participant", "group", "wave", "unit", "interviewed", "present", "passages"]
