"""The group x wave matrix: per code, how many segments, participants or transcripts
of each stakeholder group at each wave (see :mod:`coding.compare.frame` for the measures)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from coding.codebook import selectors as codebook_selectors
from coding.compare.frame import Column, Frame, counts_by_code_transcript, percent, study_frame
from coding.compare.heat import HeatScale
from coding.compare.layers import LayerChoice

MEASURES: dict[str, str] = {
    "segments": gettext_lazy("Segments"),
    "participants": gettext_lazy("Participants coded"),
    "transcripts": gettext_lazy("Transcripts coded"),
}
#: What each measure counts, in words: the matrix page's help line and the XLSX "About".
MEASURE_HELP: dict[str, str] = {
    "segments": gettext_lazy(
        "Segments: coded passages. In the coders' union a passage coded identically "
        "(same transcript, code, start and end) by several coders counts once."
    ),
    "participants": gettext_lazy(
        "Participants coded: participants with at least one segment, out of the "
        "participants of that group interviewed at that wave (n). A participant coded by "
        "several coders counts once."
    ),
    "transcripts": gettext_lazy(
        "Transcripts coded: transcripts with at least one segment; a transcript coded by "
        "several coders counts once."
    ),
}


def parse_measure(raw: str | None) -> str:
    """The ``measure`` parameter: one of :data:`MEASURES`, participants by default."""
    return raw if raw in MEASURES else "participants"


@dataclass
class MatrixCell:
    code_id: int
    group_id: int
    wave_id: int
    segments: int | None  # None unless the measure is segments (not counted)
    participants: int
    transcripts: int
    denominator: int  # participants of the group interviewed at the wave
    transcript_denominator: int
    measure: str

    @property
    def interviewed(self) -> bool:
        return self.denominator > 0

    @property
    def value(self) -> int:
        return getattr(self, self.measure)

    @property
    def percent(self) -> int | None:
        if self.measure != "participants":
            return None
        return percent(self.participants, self.denominator)

    @property
    def text(self) -> str:
        """The cell as printed on the page and in exports."""
        if not self.interviewed:
            return "—"
        if self.measure == "participants":
            return f"{self.participants}/{self.denominator} · {self.percent}%"
        return str(self.value)


@dataclass
class MatrixRow:
    node: codebook_selectors.CodeNode
    cells: list[MatrixCell]
    has_children: bool


@dataclass
class Matrix:
    measure: str
    rollup: bool
    frame: Frame
    columns: list[Column]
    rows: list[MatrixRow]
    scale: HeatScale

    def cell(self, code_id: int, group_id: int, wave_id: int) -> MatrixCell | None:
        for row in self.rows:
            if row.node.pk == code_id:
                for cell in row.cells:
                    if (cell.group_id, cell.wave_id) == (group_id, wave_id):
                        return cell
        return None


def _ancestors(book: codebook_selectors.Codebook) -> dict[int, tuple[int, ...]]:
    """Code id -> itself and its ancestors."""
    result: dict[int, tuple[int, ...]] = {}

    def visit(node: codebook_selectors.CodeNode, chain: tuple[int, ...]):
        chain = (*chain, node.pk)
        result[node.pk] = chain
        for child in node.children:
            visit(child, chain)

    for root in book.roots:
        visit(root, ())
    return result


def matrix(
    study,
    choice: LayerChoice,
    *,
    measure: str = "participants",
    rollup: bool = True,
    book: codebook_selectors.Codebook | None = None,
    frame: Frame | None = None,
) -> Matrix:
    """The group x wave matrix of every code.

    Queries: codebook (1) and frame (4) unless given, then one aggregate over segments
    grouped by (code, transcript) (the distinct pairs only, unless the measure is
    segments). Participants and transcripts are then counted distinct per cell in
    memory, so a parent's rollup never double-counts. ``segments`` of the cells is None
    unless ``measure`` is "segments".
    """
    book = book if book is not None else codebook_selectors.codebook(study)
    frame = frame if frame is not None else study_frame(study)
    targets = _ancestors(book) if rollup else {pk: (pk,) for pk in book.by_id}

    segs: dict[tuple[int, int, int], int] = defaultdict(int)
    parts: dict[tuple[int, int, int], set[int]] = defaultdict(set)
    trans: dict[tuple[int, int, int], set[int]] = defaultdict(set)
    placement = frame.transcripts
    with_segments = measure == "segments"
    rows = counts_by_code_transcript(
        choice.layer_ids, count=with_segments, distinct_spans=len(choice.layers) > 1
    )
    for code_id, transcript_id, n in rows:
        where = placement.get(transcript_id)
        if where is None:
            continue
        pid, gid, wid = where
        for target in targets.get(code_id, ()):
            key = (target, gid, wid)
            if with_segments:
                segs[key] += n
            parts[key].add(pid)
            trans[key].add(transcript_id)

    columns = frame.columns
    matrix_rows = []
    for node in book.walk():
        cells = []
        for col in columns:
            key = (node.pk, col.group.pk, col.wave.pk)
            cells.append(
                MatrixCell(
                    code_id=node.pk,
                    group_id=col.group.pk,
                    wave_id=col.wave.pk,
                    segments=segs.get(key, 0) if with_segments else None,
                    participants=len(parts.get(key, ())),
                    transcripts=len(trans.get(key, ())),
                    denominator=col.participants,
                    transcript_denominator=col.transcripts,
                    measure=measure,
                )
            )
        matrix_rows.append(MatrixRow(node=node, cells=cells, has_children=bool(node.children)))
    if measure == "participants":
        scale = HeatScale.for_percent()
    else:
        scale = HeatScale.for_counts(c.value for r in matrix_rows for c in r.cells)
    return Matrix(
        measure=measure,
        rollup=rollup,
        frame=frame,
        columns=columns,
        rows=matrix_rows,
        scale=scale,
    )
