"""The framework matrix: participants x codes at one wave, each cell its quotes and the
cell's summary memo (written by :func:`coding.compare.services.framework_summary_save`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from coding.codebook import selectors as codebook_selectors
from coding.compare.frame import Frame, study_frame
from coding.compare.layers import LayerChoice
from coding.models import FRAMEWORK_KEY, Memo, Segment
from studies.models import Participant, StakeholderGroup, Wave

QUOTES_PER_CELL = 5


@dataclass
class FrameworkCell:
    participant_id: int
    code_id: int
    interviewed: bool
    code_name: str = ""
    quotes: list[dict] = field(default_factory=list)  # all quotes, in text order
    summary: Memo | None = None

    @property
    def shown(self) -> list[dict]:
        return self.quotes[:QUOTES_PER_CELL]

    @property
    def more(self) -> int:
        return max(0, len(self.quotes) - QUOTES_PER_CELL)


@dataclass
class FrameworkRow:
    participant: Participant
    cells: list[FrameworkCell]


@dataclass
class FrameworkGroup:
    group: StakeholderGroup
    rows: list[FrameworkRow]


@dataclass
class Framework:
    wave: Wave | None
    codes: list[codebook_selectors.CodeNode]
    subtree: bool
    groups: list[FrameworkGroup]


def framework_memo_filter(study, wave_id: int) -> dict:
    return {"study": study, f"extra__{FRAMEWORK_KEY}__wave": wave_id}


def _cell_quotes(
    choice: LayerChoice, frame: Frame, wave: Wave, column_of: dict[int, list[int]]
) -> dict[tuple[int, int], list[dict]]:
    """(participant id, group id, column code id) -> the quotes of that cell, in text order
    (the group is an attribute value's position in a frame cut by an attribute).

    One query. ``column_of`` maps each coded code id to the columns it counts in (its own
    and, with subtrees, each chosen ancestor's)."""
    quotes: dict[tuple[int, int], list[dict]] = defaultdict(list)
    rows = (
        Segment.objects.filter(
            layer_id__in=choice.layer_ids,
            code_id__in=list(column_of),
            transcript__wave_id=wave.pk,
        )
        .order_by("transcript_id", "start", "end", "layer_id", "pk")
        .values_list("pk", "transcript_id", "code_id", "layer_id", "start", "end", "quote")
    )
    seen: set[tuple[int, int, int, int]] = set()
    for pk, tid, code_id, layer_id, start, end, quote in rows:
        where = frame.transcripts.get(tid)
        if where is None:
            continue
        for column in column_of[code_id]:
            # One quote per passage: coded by several coders, or with several
            # codes of the column's subtree, it is still one passage.
            if (column, tid, start, end) in seen:
                continue
            seen.add((column, tid, start, end))
            quotes[(where[0], where[1], column)].append(
                {
                    "id": pk,
                    "transcript_id": tid,
                    "code_id": code_id,
                    "layer_id": layer_id,
                    "start": start,
                    "end": end,
                    "quote": quote,
                }
            )
    return quotes


def _cell_summaries(study, wave: Wave, code_ids: list[int]) -> dict[tuple[int, int], Memo]:
    """(participant id, code id) -> the cell's summary memo (the latest if several). One query."""
    summaries: dict[tuple[int, int], Memo] = {}
    memos = Memo.objects.filter(
        **framework_memo_filter(study, wave.pk), code_id__in=code_ids
    ).order_by("updated_at", "pk")
    for memo in memos:
        pid = (memo.extra.get(FRAMEWORK_KEY) or {}).get("participant")
        summaries[(pid, memo.code_id)] = memo
    return summaries


def framework(
    study,
    choice: LayerChoice,
    *,
    wave_id: int | None,
    code_ids: Sequence[int],
    subtree: bool = True,
    with_summaries: bool = True,
    book: codebook_selectors.Codebook | None = None,
    frame: Frame | None = None,
) -> Framework:
    """Participants x codes at one wave, each cell the quotes and the cell's summary memo.

    A cell lists each coded passage (transcript, start, end) once, in text order, even
    when several coders or several codes of the column's subtree coded it.

    Queries: codebook (1) and frame (4) unless given; one for the segments (quote,
    offsets, transcript id); one for the summaries (skipped when ``with_summaries`` is
    false, e.g. for blind coders).
    """
    book = book if book is not None else codebook_selectors.codebook(study)
    frame = frame if frame is not None else study_frame(study)
    wave = next((w for w in frame.waves if w.pk == wave_id), None)
    nodes = [book.by_id[c] for c in code_ids if c in book.by_id]
    column_of: dict[int, list[int]] = defaultdict(list)  # coded id -> column code ids
    for node in nodes:
        for member in book.subtree_ids(node.pk) if subtree else {node.pk}:
            column_of[member].append(node.pk)
    quotes: dict[tuple[int, int], list[dict]] = {}
    if wave is not None and nodes and choice.layer_ids:
        quotes = _cell_quotes(choice, frame, wave, column_of)
    summaries: dict[tuple[int, int], Memo] = {}
    if with_summaries and wave is not None and nodes:
        summaries = _cell_summaries(study, wave, [n.pk for n in nodes])

    groups = []
    by_group = frame.members(wave.pk if wave else None)
    for group in frame.groups:
        interviewed = frame.interviewed.get((group.pk, wave.pk), set()) if wave else set()
        rows_out = []
        for participant in by_group.get(group.pk, []):
            cells = [
                FrameworkCell(
                    participant_id=participant.pk,
                    code_id=node.pk,
                    interviewed=participant.pk in interviewed,
                    code_name=node.code.name,
                    quotes=quotes.get((participant.pk, group.pk, node.pk), []),
                    summary=summaries.get((participant.pk, node.pk)),
                )
                for node in nodes
            ]
            rows_out.append(FrameworkRow(participant=participant, cells=cells))
        groups.append(FrameworkGroup(group=group, rows=rows_out))
    return Framework(wave=wave, codes=nodes, subtree=subtree, groups=groups)
