"""The report's breakdowns: by group, wave or design cell, and coder drift against consensus."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max
from django.utils.translation import gettext

from coding.agreement.character_level import character_agreement
from coding.agreement.loading import ALL_CODES, Loaded, Scope, TranscriptInfo, load_documents
from coding.agreement.rows import Cell, Column, cell_for
from coding.agreement.spans import Document, Span
from coding.codebook.selectors import CodeNode
from coding.consensus.review import united
from coding.models import Assignment, ConsensusDecision, Layer, LayerKind, Segment
from studies.access import StudyAccess
from studies.models import Study

#: How many consecutive batches the coder-drift view splits each coder's transcripts into.
DRIFT_BATCHES = 4


@dataclass
class Breakdown:
    by: str
    columns: list[Column]
    rows: list[tuple[CodeNode, list[Cell | None]]]


@dataclass
class DriftRow:
    layer: Layer
    cells: list[tuple[Column, Cell | None]]


@dataclass
class DriftBasis:
    """What the drift view rests on: the (transcript, code) pairs consensus has settled."""

    transcripts: int  # in scope with at least one settled pair
    pairs: int
    in_scope: int
    partly: int = 0  # pairs with a decision or consensus segment but passages still open


def _subset(documents: dict[int, Document], pks: Iterable[int]) -> dict[int, Document]:
    return {pk: documents[pk] for pk in pks}


def breakdown(by: str, loaded: Loaded, keys, nodes, threshold) -> Breakdown:
    groups: dict[tuple, list[TranscriptInfo]] = defaultdict(list)
    labels: dict[tuple, str] = {}
    for t in loaded.transcripts:
        if by == "group":
            k = (t.group or "~", t.group_id)
            labels[k] = t.group or gettext("No group")
        elif by == "wave":
            k = (t.wave or "~", t.wave_id)
            labels[k] = t.wave or gettext("No wave")
        else:
            k = (t.group or "~", t.group_id, t.wave or "~", t.wave_id)
            labels[k] = f"{t.group or gettext('No group')} · {t.wave or gettext('No wave')}"
        groups[k].append(t)
    columns, results = [], []
    code_ids = [n.pk for n in nodes]
    # Groups, waves and cells keep the study's order through the transcripts' natural order.
    for k in sorted(groups, key=lambda k: tuple(str(x) for x in k)):
        infos = groups[k]
        columns.append(
            Column(key="-".join(str(x) for x in k), label=labels[k], n_transcripts=len(infos))
        )
        res = character_agreement(
            _subset(loaded.documents, (t.pk for t in infos)),
            keys,
            code_ids,
            include_documents=False,
        )
        results.append(res)
    rows = [(n, [cell_for(res.per_code[n.pk], threshold) for res in results]) for n in nodes]
    return Breakdown(by=by, columns=columns, rows=rows)


def _overlaps_any(intervals, starts, s: int, e: int) -> bool:
    """Whether [s, e) overlaps one of the sorted disjoint ``intervals`` (``starts``)."""
    i = bisect.bisect_left(starts, e)  # intervals starting before e
    return i > 0 and intervals[i - 1][1] > s


def drift(
    access: StudyAccess,
    layers: Sequence[Layer],
    loaded: Loaded,
    code_ids: Sequence[int],
    threshold: float,
) -> tuple[list[Column], list[DriftRow], DriftBasis]:
    """Each coder layer against the consensus layer, in batches of transcripts ordered by
    when the coder coded them (assignment done date, else their latest segment).

    Consensus is a reference only where the PI settled something: a (transcript, code)
    pair counts when consensus has a segment of the code there or an active decision on
    it. Elsewhere consensus did not "code nothing", it has not spoken, so those pairs are
    left out (a consensus on 4 units of one transcript must not score every coder near 0).
    Returns (columns, rows, basis).
    """
    study = access.study
    coders = [la for la in layers if la.kind != LayerKind.CONSENSUS]
    consensus = Layer.objects.filter(study=study, kind=LayerKind.CONSENSUS).first()
    columns = [
        Column(key=str(i + 1), label=f"Batch {i + 1}", n_transcripts=0)
        for i in range(DRIFT_BATCHES)
    ]
    pks = [t.pk for t in loaded.transcripts]
    basis = DriftBasis(0, 0, len(pks), 0)
    if consensus is None or not coders:
        return columns, [], basis
    # Engine input against consensus (one more load: the consensus layer may not be compared).
    scope = Scope(transcripts=pks) if pks else Scope(transcripts=[-1])
    both = load_documents(study, [*coders, consensus], scope, code_ids)
    settled, partly = _settled(study, both, coders, consensus, pks, code_ids)
    basis = DriftBasis(
        transcripts=sum(1 for codes in settled.values() if codes),
        pairs=sum(len(codes) for codes in settled.values()),
        in_scope=len(pks),
        partly=partly,
    )
    when = _coded_when(pks, coders)
    rows = [_drift_row(layer, consensus, both, settled, when, threshold) for layer in coders]
    return columns, rows, basis


def _settled(
    study: Study,
    both: Loaded,
    coders: Sequence[Layer],
    consensus: Layer,
    pks: Sequence[int],
    code_ids: Sequence[int],
) -> tuple[dict[int, set], int]:
    """Transcript -> the codes consensus fully settled there (every passage a coder marked
    overlaps a consensus segment or an active decision), and how many (transcript, code)
    pairs consensus settled only partly. One query (the decisions)."""
    wanted = set(code_ids)
    # (transcript, code) -> regions consensus has spoken on: its segments and decisions.
    spoken: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    marked: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    coder_keys = {la.key for la in coders}
    for pk, doc in both.documents.items():
        for span in doc.spans:
            if span.layer == consensus.key:
                spoken[(pk, span.code)].append((span.start, span.end))
            elif span.layer in coder_keys:
                marked[(pk, span.code)].append((span.start, span.end))
    for tid, cid, start, end in ConsensusDecision.objects.filter(
        study=study, transcript_id__in=pks, undone_at__isnull=True, code_id__in=wanted
    ).values_list("transcript_id", "code_id", "start", "end"):
        spoken[(tid, cid)].append((start, end))
    settled: dict[int, set] = defaultdict(set)  # transcript -> fully settled codes
    partly = 0
    for (tid, cid), regions in spoken.items():
        # Fully settled: every passage a coder marked overlaps something consensus said.
        said = united(regions)
        starts = [s for s, _ in said]
        open_units = [
            (s, e)
            for s, e in united(marked.get((tid, cid), ()))
            if not _overlaps_any(said, starts, s, e)
        ]
        if open_units:
            partly += 1
        else:
            settled[tid].add(cid)
    return settled, partly


def _coded_when(pks: Sequence[int], coders: Sequence[Layer]) -> dict[tuple[int, int], datetime]:
    """(transcript, layer) -> when the coder coded it: the assignment's done date, else the
    latest segment. Two queries."""
    when: dict[tuple[int, int], datetime] = {}
    for tid, lid, last in (
        Segment.objects.filter(transcript_id__in=pks, layer__in=coders)
        .values("transcript_id", "layer_id")
        .annotate(last=Max("created_at"))
        .values_list("transcript_id", "layer_id", "last")
    ):
        when[(tid, lid)] = last
    for tid, lid, done in Assignment.objects.filter(
        transcript_id__in=pks, layer__in=coders, done_at__isnull=False
    ).values_list("transcript_id", "layer_id", "done_at"):
        when[(tid, lid)] = done
    return when


def _drift_row(
    layer: Layer,
    consensus: Layer,
    both: Loaded,
    settled: dict[int, set],
    when: dict[tuple[int, int], datetime],
    threshold: float,
) -> DriftRow:
    """One coder's batches, each pooled over its settled (transcript, code) pairs."""
    pair = [layer.key, consensus.key]
    worked = [
        t
        for t in both.transcripts
        if layer.key in t.layers and settled.get(t.pk) and (t.pk, layer.pk) in when
    ]
    worked.sort(key=lambda t: (when[(t.pk, layer.pk)], t.pk))
    cells: list[tuple[Column, Cell | None]] = []
    n = len(worked)
    for i in range(DRIFT_BATCHES):
        batch = worked[i * n // DRIFT_BATCHES : (i + 1) * n // DRIFT_BATCHES]
        if not batch:
            label = gettext("Batch %(n)s") % {"n": i + 1}
            cells.append((Column(str(i + 1), label, 0, gettext("no transcripts")), None))
            continue
        first, last = when[(batch[0].pk, layer.pk)], when[(batch[-1].pk, layer.pk)]
        note = gettext("%(first)s to %(last)s") % {
            "first": f"{first:%Y-%m-%d}",
            "last": f"{last:%Y-%m-%d}",
        }
        docs = _settled_pairs(both.documents, batch, settled, pair)
        res = character_agreement(docs, pair, [ALL_CODES], include_documents=False)
        cells.append(
            (
                Column(str(i + 1), gettext("Batch %(n)s") % {"n": i + 1}, len(batch), note),
                cell_for(res.per_code[ALL_CODES], threshold),
            )
        )
    return DriftRow(layer=layer, cells=cells)


def _settled_pairs(documents, batch, settled, pair) -> dict[tuple, Document]:
    """Each settled (transcript, code) of ``batch`` as its own one-code document on which
    both the coder and consensus count (consensus may have settled a code with 'Neither'
    and so have no segment there). Pooling sums the counts of every pair."""
    out = {}
    for info in batch:
        doc = documents[info.pk]
        codes = settled[info.pk]
        by_code: dict[int, list[Span]] = defaultdict(list)
        for s in doc.spans:
            if s.code in codes and s.layer in pair:
                by_code[s.code].append(Span(s.layer, ALL_CODES, s.start, s.end))
        for cid in codes:
            out[(info.pk, cid)] = Document(doc.length, by_code.get(cid, ()), layers=tuple(pair))
    return out
