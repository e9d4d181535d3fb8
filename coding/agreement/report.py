"""The agreement report: every code's coefficients for the chosen layers and scope.

:func:`agreement_report` loads the engine input once (:mod:`coding.agreement.loading`), runs
the engine on it and shapes the results as rows (:mod:`coding.agreement.rows`), breakdowns
(:mod:`coding.agreement.breakdowns`) and the methods paragraph
(:mod:`coding.agreement.methods`).
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Sequence
from contextlib import contextmanager

from coding.agreement import bootstrap
from coding.agreement.breakdowns import breakdown, drift
from coding.agreement.character_level import AgreementResult, character_agreement
from coding.agreement.expert import expert_measures
from coding.agreement.loading import ALL_CODES, Loaded, TranscriptInfo, load_documents
from coding.agreement.methods import methods_summary
from coding.agreement.periods import Periods, coded_under, with_counts
from coding.agreement.result import Report, ReportParams, TranscriptRow
from coding.agreement.rows import (
    CodeRow,
    Metric,
    cell_for,
    row_for,
    sort_rows,
)
from coding.agreement.spans import Document, Span
from coding.codebook.selectors import Codebook, CodeNode, codebook
from coding.models import Layer, Segment
from studies.access import StudyAccess


def _code_nodes(book: Codebook, root: int | None) -> list[CodeNode]:
    if root is None:
        return list(book.walk())
    keep = book.subtree_ids(root)
    return [node for node in book.walk() if node.pk in keep]


def agreement_report(
    access: StudyAccess,
    params: ReportParams,
    *,
    book: Codebook | None = None,
    per_transcript: bool = False,
) -> Report:
    """The whole report for ``params``; the caller has checked ``access.can_read_agreement``.

    Queries: codebook 1 + :func:`load_documents` 4 + codebook periods 2, plus 2 for the drift view (segment dates,
    assignment dates). The engine runs once for the pooled table, once per breakdown and
    once per expert metric; each run is linear in the number of segments.

    The cyclic garbage collector is paused meanwhile: the report allocates some hundred
    thousand spans, tuples and lists that reference counting frees (hardly any cycle, and
    those are collected afterwards), and every collection would walk them all again.
    """
    with _gc_paused():
        return _agreement_report(access, params, book=book, per_transcript=per_transcript)


@contextmanager
def _gc_paused():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _agreement_report(
    access: StudyAccess, params: ReportParams, *, book: Codebook | None, per_transcript: bool
) -> Report:
    study = access.study
    layers = list(params.layers)
    keys = [la.key for la in layers]
    book = book or codebook(study)
    nodes = _code_nodes(book, params.root_code)
    code_ids = [n.pk for n in nodes]
    loaded = load_documents(study, layers, params.scope, code_ids if params.root_code else None)
    raw = loaded.documents
    ancestry = _ancestry(nodes)
    docs = rolled_up(raw, ancestry)
    seg_counts = _rolled_up_counts(loaded.segment_counts, ancestry)
    result = character_agreement(docs, keys, code_ids, include_documents=per_transcript)
    rows = [row_for(n, result.per_code[n.pk], keys, seg_counts, params.threshold) for n in nodes]
    report = Report(
        layers=layers,
        keys=keys,
        params=params,
        book=book,
        transcripts=loaded.transcripts,
        rows=rows,
        pooled_note="",
        worked_on=_worked_on(layers, loaded.transcripts),
        pairable=sum(1 for t in loaded.transcripts if len(t.layers) >= 2),
        skipped=loaded.skipped,
    )
    by_code = {r.node.pk: r for r in rows}
    if per_transcript:
        report.per_transcript = _per_transcript(loaded.transcripts, docs, result, nodes, params)
    # The codes a compared layer applied (a category counts when applied itself, as the
    # over-time periods count it): each is a unit of the pooled headline.
    applied = loaded.segment_counts
    used = [n.pk for n in nodes if any(applied.get((n.pk, k)) for k in keys)]
    report.n_codes_used = len(used)
    applied_ids = set(used)
    report.n_categories_used = sum(1 for n in nodes if n.children and n.pk in applied_ids)
    end_to_end = None
    if used:
        # Each code's own spans (no rollup: a character is counted once per code).
        end_to_end = _codes_end_to_end(raw, used)
        pooled = character_agreement(end_to_end, keys, [ALL_CODES], include_documents=False)
        report.headline = cell_for(pooled.per_code[ALL_CODES], params.threshold)
    if params.bootstrap > 0:
        _bootstrap(report, docs, end_to_end, code_ids)
    _coded_under(report, study, ancestry, code_ids if params.root_code else None)
    report.summary = methods_summary(report)
    if params.expert:
        # Study-wide expert figures from each code's own spans; parents' rows rolled up.
        _expert(report, raw, keys, code_ids, by_code, study)
        parents = [n.pk for n in nodes if n.children]
        if parents:
            # The rolled-up documents' spans of each parent, from the raw ones (faster).
            groups = {pk: [c for c, line in ancestry.items() if pk in line] for pk in parents}
            _expert(report, raw, keys, parents, by_code, study, overall=False, groups=groups)
    if params.focus is not None and params.focus in by_code:
        report.focus = by_code[params.focus].node
        report.focus_rows = _focus_rows(report.focus, loaded.transcripts, docs, params)
    if params.by in ("group", "wave", "design"):
        rolled = Loaded(loaded.transcripts, docs, dict(seg_counts), loaded.skipped)
        report.breakdown = breakdown(params.by, rolled, keys, nodes, params.threshold)
    elif params.by == "drift":
        report.drift_columns, report.drift, report.drift_basis = drift(
            access, layers, loaded, code_ids, params.threshold
        )
    report.rows = sort_rows(rows, params.sort)
    return report


def _coded_under(report: Report, study, ancestry, code_ids) -> None:
    """Under which codebook (period) the compared layers' segments on the compared
    transcripts were coded: overall and per code row. Two queries (periods, counts)."""
    periods = Periods.for_study(study)
    segments = Segment.objects.filter(layer_id__in=[la.pk for la in report.layers])
    if code_ids is not None:
        segments = segments.filter(code_id__in=list(code_ids))
    counts = coded_under(periods, segments, transcripts=[t.pk for t in report.compared])
    report.coded_under = with_counts(periods, counts.values())
    rolled: dict[int, list] = defaultdict(list)
    for cid, row in counts.items():
        for target in ancestry.get(cid, (cid,)):
            rolled[target].append(row)
    report.coded_under_by_code = {pk: with_counts(periods, rows) for pk, rows in rolled.items()}


def _bootstrap(report: Report, docs, end_to_end, code_ids) -> None:
    """Alpha's interval per code row and overall, all from the same replicates (the same
    draws of the compared transcripts). One sweep per document keeps its counts (cheaper
    than the engine's per-document coefficients); each replicate only sums them."""
    params = report.params
    profiles = bootstrap.document_profiles(docs, report.keys, code_ids)
    compared = [t.pk for t in report.compared]
    counts = None
    if len(compared) >= 2:
        counts = bootstrap.draws(len(compared), params.bootstrap, params.seed)
    boot = bootstrap.intervals(
        profiles, compared, code_ids, replicates=params.bootstrap, seed=params.seed, counts=counts
    )
    report.bootstrap = boot
    for row in report.rows:
        row.alpha_ci = _with_point_reason(boot.per_code[row.node.pk], row.alpha)
    if end_to_end is not None and report.headline is not None:
        overall = bootstrap.intervals(
            bootstrap.document_profiles(end_to_end, report.keys, [ALL_CODES]),
            compared,
            [ALL_CODES],
            replicates=params.bootstrap,
            seed=params.seed,
            counts=counts,
        )
        report.headline_ci = _with_point_reason(overall.per_code[ALL_CODES], report.headline.alpha)


def _with_point_reason(interval: bootstrap.Interval, alpha: Metric) -> bootstrap.Interval:
    """An undefined alpha has no interval, for alpha's own reason."""
    if alpha.defined or not alpha.reason:
        return interval
    return bootstrap.Interval(
        None, None, interval.replicates, interval.dropped, f"alpha is undefined ({alpha.reason})"
    )


def _rolled_up_counts(
    counts: dict[tuple[int, str], int], ancestry: dict[int, tuple[int, ...]]
) -> dict[tuple[int, str], int]:
    """Segments per (code, layer key), each also counted under every ancestor of its code."""
    seg_counts: dict[tuple[int, str], int] = defaultdict(int)
    for (cid, key), n in counts.items():
        for target in ancestry.get(cid, (cid,)):
            seg_counts[(target, key)] += n
    return seg_counts


def _worked_on(
    layers: Sequence[Layer], transcripts: list[TranscriptInfo]
) -> list[tuple[Layer, int, list[TranscriptInfo]]]:
    """Per layer: on how many transcripts it worked, and the transcripts it is missing from."""
    worked_on = []
    for layer in layers:
        missing = [t for t in transcripts if layer.key not in t.layers]
        worked_on.append((layer, len(transcripts) - len(missing), missing))
    return worked_on


def _per_transcript(
    transcripts: list[TranscriptInfo],
    docs: dict[int, Document],
    result: AgreementResult,
    nodes: Sequence[CodeNode],
    params: ReportParams,
) -> list[tuple[TranscriptInfo, CodeRow]]:
    """Every code's row on every transcript two or more compared layers worked on."""
    keys = [la.key for la in params.layers]
    out = []
    for info in transcripts:
        if len(info.layers) < 2:
            continue
        doc_counts = _doc_segment_counts(docs[info.pk])
        for n in nodes:
            res = result.per_document[info.pk][n.pk]
            out.append((info, row_for(n, res, keys, doc_counts, params.threshold)))
    return out


def _focus_rows(
    focus: CodeNode,
    transcripts: list[TranscriptInfo],
    docs: dict[int, Document],
    params: ReportParams,
) -> list[TranscriptRow]:
    """The focused code's row per transcript (``None`` where fewer than two layers worked)."""
    keys = [la.key for la in params.layers]
    focused = character_agreement(docs, keys, [focus.pk])
    out = []
    for info in transcripts:
        res = focused.per_document[info.pk][focus.pk]
        row = (
            row_for(
                focus,
                res,
                keys,
                _doc_segment_counts(docs[info.pk], focus.pk),
                params.threshold,
            )
            if len(info.layers) >= 2
            else None
        )
        out.append(TranscriptRow(info, row))
    return out


def _doc_segment_counts(doc: Document, code_id: int | None = None) -> dict:
    counts: dict[tuple[int, str], int] = defaultdict(int)
    for span in doc.spans:
        if code_id is None or span.code == code_id:
            counts[(span.code, span.layer)] += 1
    return counts


def _expert(
    report: Report, docs, keys, code_ids, by_code, study, *, overall=True, groups=None
) -> None:
    threshold = study.segment_overlap_threshold
    measures = expert_measures(docs, keys, code_ids, min_overlap=threshold, groups=groups)
    ua = measures.unitizing
    for cid, part in ua.per_code.items():
        by_code[cid].alpha_u = Metric.of(part.alpha)
    u19 = measures.u_alpha
    for cid, part in u19.per_code.items():
        by_code[cid].u_alpha = Metric.of(part.alpha)
    if overall:
        report.alpha_u_overall = Metric.of(ua.overall.alpha)
        report.u_alpha_binary = Metric.of(u19.u_alpha_binary.alpha)
        report.u_alpha_nominal = Metric.of(u19.u_alpha.alpha)
        report.is_partition = u19.is_partition
    sm = measures.segments
    if sm is not None:
        for cid, part in sm.per_code.items():
            row = by_code[cid]
            row.seg_agree, row.seg_disagree = part.n_agree, part.n_disagree
            row.seg_agreement = Metric.of(part.agreement)
        if not overall:
            return
        report.seg_total = Metric.of(sm.segment_agreement)
        report.seg_kappa_bp = Metric.of(sm.kappa_bp)
        report.seg_threshold = threshold
        report.seg_disagreements = sm.n_disagree


def _ancestry(nodes: Sequence[CodeNode]) -> dict[int, tuple[int, ...]]:
    """Code id -> itself and its ancestors among ``nodes`` (depth-first order)."""
    wanted = {n.pk for n in nodes}
    out: dict[int, tuple[int, ...]] = {}
    for node in nodes:
        parent = out.get(node.code.parent_id, ()) if node.code.parent_id in wanted else ()
        out[node.pk] = (*parent, node.pk)
    return out


def rolled_up(documents: dict[int, Document], ancestry: dict[int, tuple[int, ...]]):
    """The documents with every span repeated under each ancestor of its code, so that a
    parent code is compared on its whole subtree: the engine unites a layer's spans of one
    code, which merges the subcodes' coding per layer (docs/agreement/DEFINITIONS.md section 2)."""
    out = {}
    for pk, doc in documents.items():
        spans = [
            Span(s.layer, target, s.start, s.end)
            for s in doc.spans
            for target in ancestry.get(s.code, (s.code,))
        ]
        out[pk] = Document(doc.length, spans, layers=doc.layers)
    return out


def _codes_end_to_end(docs: dict[int, Document], code_ids) -> dict[int, Document]:
    """Per transcript one document holding a copy of the text per code, end to end, each
    copy carrying one code's spans as ALL_CODES: the same counts as one document per
    (transcript, code) (pooling equals concatenating), with far fewer documents."""
    slot = {cid: i for i, cid in enumerate(code_ids)}
    out = {}
    for pk, doc in docs.items():
        n = doc.length
        spans = [
            Span(s.layer, ALL_CODES, slot[s.code] * n + s.start, slot[s.code] * n + s.end)
            for s in doc.spans
            if s.code in slot
        ]
        out[pk] = Document(n * len(slot), spans, layers=doc.layers)
    return out
