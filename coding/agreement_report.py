"""Reads for the agreement report, the disagreement review and the consensus progress.

Everything here builds the input of :mod:`coding.agreement` (the pure engine) from the
database and shapes its results for templates and exports. Rules:

* Segments are fetched with ``values_list`` (no model instances) and transcript lengths come
  from ``Transcript.length``: the report never loads a transcript's text.
* A layer *worked on* a transcript when it has an ``Assignment`` for it or at least one
  segment on it (any code). On other transcripts it is *missing*, not "coded nothing"
  (docs/agreement/docs/agreement/DEFINITIONS.md section 2), and the report lists where each layer was counted.
* Codes are identified by their pk and layers by ``Layer.key`` inside the engine.

Query counts are constant in the number of transcripts, codes and segments (see each
function's docstring).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q

from coding import agreement
from coding.agreement import Coefficient, Document, Span
from coding.codebook.selectors import Codebook, CodeNode, codebook
from coding.models import Assignment, ConsensusDecision, Layer, LayerKind, Segment
from coding.segments.selectors import listed_layers
from studies.access import StudyAccess
from studies.models import Transcript

#: Krippendorff's conventions: alpha >= .800 reliable, .667 the lowest acceptable.
DEFAULT_THRESHOLD = 0.667
GOOD_ALPHA = 0.8
#: How many consecutive batches the coder-drift view splits each coder's transcripts into.
DRIFT_BATCHES = 4

METRIC_HELP = {
    "percent_agreement": (
        "Share of characters on which the layers agree (coded by both or by neither). "
        "Not corrected for chance: always read it beside a chance-corrected coefficient."
    ),
    "cohen_kappa": (
        "Cohen's kappa at the character level, as NVivo's coding comparison computes it "
        "(two layers only; 1 when neither layer used the code)."
    ),
    "alpha_binary": (
        "Krippendorff's alpha on characters, coded or not coded: chance-corrected, any "
        "number of layers, missing layers allowed. 0.8 or more is good; below 0.667 is "
        "not acceptable for conclusions."
    ),
    "alpha_u": (
        "Krippendorff's unitizing alpha (αU, 1995/2004 as in DKPro): also penalises "
        "segments that cover the same text but start or end elsewhere."
    ),
    "u_alpha": (
        "Krippendorff's 2019 uα family (as in ATLAS.ti): agreement on where units lie, per "
        "code (binary) and over all codes when codes never overlap within a layer."
    ),
    "segment_matching": (
        "MAXQDA-style segment matching: a segment agrees when the other layer has a "
        "segment of the same code overlapping it by at least the study's threshold "
        "(intersection over union)."
    ),
}


# --- parameters -----------------------------------------------------------------------


@dataclass
class Scope:
    """Which transcripts the report covers: every filter given must hold (AND)."""

    groups: list[int] = field(default_factory=list)
    waves: list[int] = field(default_factory=list)
    participants: list[int] = field(default_factory=list)
    transcripts: list[int] = field(default_factory=list)

    @property
    def is_all(self) -> bool:
        return not (self.groups or self.waves or self.participants or self.transcripts)

    def filter(self, qs):
        if self.groups:
            qs = qs.filter(participant__group_id__in=self.groups)
        if self.waves:
            qs = qs.filter(wave_id__in=self.waves)
        if self.participants:
            qs = qs.filter(participant_id__in=self.participants)
        if self.transcripts:
            qs = qs.filter(pk__in=self.transcripts)
        return qs


@dataclass
class ReportParams:
    layers: list[Layer]
    scope: Scope = field(default_factory=Scope)
    root_code: int | None = None
    threshold: float = DEFAULT_THRESHOLD
    expert: bool = False
    by: str = ""  # "", "group", "wave", "design", "drift"
    focus: int | None = None  # a code: per-transcript table
    sort: str = "code"


# --- loading --------------------------------------------------------------------------


@dataclass
class TranscriptInfo:
    pk: int
    title: str
    length: int
    participant: str
    group_id: int | None
    group: str
    wave_id: int | None
    wave: str
    layers: tuple[str, ...] = ()  # keys of the compared layers that worked on it


@dataclass
class Loaded:
    """Engine input for one report: documents keyed by transcript pk, and the raw facts."""

    transcripts: list[TranscriptInfo]
    documents: dict[int, Document]
    segment_counts: dict[tuple[int, str], int]  # (code id, layer key) -> segments
    skipped: int  # segments outside their transcript's length (not counted)


def report_layers(access: StudyAccess) -> list[Layer]:
    """Layers the member may compare (those with segments, see
    :func:`coding.segments.selectors.listed_layers`), coder and imported layers first, consensus
    last."""
    layers = listed_layers(access)
    return sorted(layers, key=lambda la: (la.kind == LayerKind.CONSENSUS, la.label.lower()))


def default_layers(layers: Sequence[Layer]) -> list[Layer]:
    """The first two coder (or imported) layers; the consensus layer only to fill up."""
    coders = [la for la in layers if la.kind != LayerKind.CONSENSUS]
    rest = [la for la in layers if la.kind == LayerKind.CONSENSUS]
    return (coders + rest)[:2]


def presence(in_scope, keys: dict[int, str]) -> dict[int, set[str]]:
    """Transcript pk -> keys of the layers (``keys``: layer pk -> key) that worked on it:
    assigned, or with at least one segment of any code. Two queries."""
    present: dict[int, set[str]] = defaultdict(set)
    for tid, lid in (
        Segment.objects.filter(transcript__in=in_scope, layer_id__in=list(keys))
        .order_by()
        .values_list("transcript_id", "layer_id")
        .distinct()
    ):
        present[tid].add(keys[lid])
    for tid, lid in Assignment.objects.filter(
        transcript__in=in_scope, layer_id__in=list(keys)
    ).values_list("transcript_id", "layer_id"):
        present[tid].add(keys[lid])
    return present


def load_documents(study, layers: Sequence[Layer], scope: Scope, code_ids: Iterable[int] | None):
    """Engine documents for the transcripts in ``scope`` and the ``layers`` compared.

    Queries: transcripts (values, no text), segments (values_list), layers present through
    segments (distinct pairs), assignments: 4, whatever the size of the study.
    """
    keys = {la.pk: la.key for la in layers}
    layer_ids = list(keys)
    base = scope.filter(Transcript.objects.filter(study=study))
    rows = base.order_by("title", "pk").values_list(
        "pk",
        "title",
        "length",
        "participant__pseudonym",
        "participant__group_id",
        "participant__group__name",
        "wave_id",
        "wave__name",
    )
    infos = [
        TranscriptInfo(pk, title, length, p or "", g, gname or "", w, wname or "")
        for pk, title, length, p, g, gname, w, wname in rows
    ]
    by_pk = {t.pk: t for t in infos}
    in_scope = base.values("pk")
    present = presence(in_scope, keys)

    segments = Segment.objects.filter(transcript__in=in_scope, layer_id__in=layer_ids)
    if code_ids is not None:
        segments = segments.filter(code_id__in=list(code_ids))
    spans: dict[int, list[Span]] = defaultdict(list)
    counts: dict[tuple[int, str], int] = defaultdict(int)
    skipped = 0
    for tid, lid, cid, start, end in segments.order_by().values_list(
        "transcript_id", "layer_id", "code_id", "start", "end"
    ):
        info = by_pk.get(tid)
        if info is None or end > info.length or start >= end:
            skipped += 1
            continue
        key = keys[lid]
        spans[tid].append(Span(key, cid, start, end))
        counts[(cid, key)] += 1
    order = [la.key for la in layers]
    documents = {}
    for info in infos:
        info.layers = tuple(k for k in order if k in present.get(info.pk, ()))
        documents[info.pk] = Document(info.length, spans.get(info.pk, ()), layers=info.layers)
    return Loaded(infos, documents, dict(counts), skipped)


# --- the report -----------------------------------------------------------------------


def coefficient_text(value: float) -> str:
    rounded = round(value, 2)
    return "0.00" if rounded == 0 else f"{rounded:.2f}"


def share_text(value: float) -> str:
    """A share as a percentage with one decimal; "<0.1%" rather than "0.0%" when not zero."""
    if 0 < value < 0.0005:
        return "<0.1%"
    return f"{value * 100:.1f}%"


#: Below this share of compared characters coded (by any compared layer) a code is of *low
#: prevalence*: chance agreement on "not coded" is then so high that a few characters of
#: disagreement move kappa and alpha a lot (the prevalence effect, docs/agreement/DEFINITIONS.md 1.3).
LOW_PREVALENCE = 0.05
PREVALENCE_HELP = (
    "Share of the compared characters coded by at least one compared layer "
    "(in the CSV: a fraction, 0 to 1)."
)
LOW_PREVALENCE_HELP = (
    "Shown when percent agreement is at least 90% while kappa (alpha for more than two "
    "layers) is below 0.60. Below 5% of characters coded it reads 'Low prevalence': so "
    "few characters are coded that chance agreement on 'not coded' is high and a few "
    "characters of disagreement move the coefficient a lot (the prevalence effect). "
    "It says nothing about how many segments the code has: read the counts."
)


@dataclass
class Metric:
    """A coefficient ready for display: ``value`` None means undefined (``reason`` says why)."""

    value: float | None
    reason: str = ""

    @classmethod
    def of(cls, coefficient: Coefficient | None) -> Metric:
        if coefficient is None:
            return cls(None, "")
        return cls(coefficient.value, coefficient.reason)

    @property
    def defined(self) -> bool:
        return self.value is not None

    @property
    def text(self) -> str:
        """Two decimals, as a paper prints a coefficient: ``0.82``; a value that rounds to
        zero prints ``0.00`` (never ``-0.00``)."""
        return "undefined" if self.value is None else coefficient_text(self.value)

    @property
    def pct(self) -> str:
        return "undefined" if self.value is None else f"{self.value * 100:.1f}%"

    @property
    def raw(self) -> str:
        return "" if self.value is None else repr(self.value)


@dataclass
class CodeRow:
    node: CodeNode
    characters: int  # pairable characters
    coded_by: list[int]  # per compared layer
    both: int  # coded by every layer present (n11 for two layers)
    neither: int  # coded by none (n00 for two layers)
    segments: list[int]  # per compared layer
    percent_agreement: Metric
    cohen_kappa: Metric
    alpha: Metric
    fleiss_kappa: Metric
    prevalence_warning: bool
    status: str  # "good", "tentative", "below", "undefined", "unused"
    alpha_u: Metric | None = None
    u_alpha: Metric | None = None
    seg_agree: int | None = None
    seg_disagree: int | None = None
    seg_agreement: Metric | None = None

    @property
    def code(self):
        return self.node.code

    @property
    def used(self) -> bool:
        return any(self.segments)

    @property
    def is_parent(self) -> bool:
        """A parent's row rolls up its subtree (see :func:`rolled_up`)."""
        return bool(self.node.children)

    @property
    def n_descendants(self) -> int:
        count, stack = 0, list(self.node.children)
        while stack:
            node = stack.pop()
            count += 1
            stack.extend(node.children)
        return count

    @property
    def prevalence(self) -> float | None:
        """Share of the compared characters coded by at least one compared layer."""
        if not self.characters:
            return None
        return (self.characters - self.neither) / self.characters

    @property
    def low_prevalence(self) -> bool:
        return bool(self.prevalence_warning) and (self.prevalence or 0) < LOW_PREVALENCE

    @property
    def prevalence_label(self) -> str:
        """Why kappa is low despite high agreement, in words with the number behind it."""
        if not self.prevalence_warning or self.prevalence is None:
            return ""
        coefficient = "κ" if len(self.segments) == 2 else "α"
        share = share_text(self.prevalence)
        if self.low_prevalence:
            return f"Low prevalence: {share} of characters coded; {coefficient} unstable"
        return f"High agreement, low {coefficient}: {share} of characters coded"


def _status(alpha: Metric, used: bool, threshold: float) -> str:
    if not used:
        return "unused"
    if alpha.value is None:
        return "undefined"
    if alpha.value < threshold:
        return "below"
    if alpha.value < GOOD_ALPHA:
        return "tentative"
    return "good"


STATUS_WORDS = {
    "good": "Good",
    "tentative": "Tentative",
    "below": "Below threshold",
    "undefined": "Undefined",
    "unused": "Not used",
}


def _counts_row(result: agreement.CodeAgreement) -> tuple[int, int]:
    c = result.counts
    if c.n11 is not None:
        return c.n11, c.n00 or 0
    both = sum(w[m] for m, w in c.profile.items() if m >= 2)
    neither = sum(w[0] for m, w in c.profile.items() if m >= 2)
    return both, neither


def _coded_by(result: agreement.CodeAgreement, keys: Sequence[str]) -> list[int]:
    c = result.counts
    if c.n11 is not None:
        return [c.n11 + (c.n10 or 0), c.n11 + (c.n01 or 0)]
    return [c.coded_by.get(k, 0) for k in keys]


@dataclass
class Column:
    """One column of a breakdown (a group, a wave, a design cell, a drift batch)."""

    key: str
    label: str
    n_transcripts: int
    note: str = ""


@dataclass
class Cell:
    alpha: Metric
    percent_agreement: Metric
    cohen_kappa: Metric
    characters: int
    status: str


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
class TranscriptRow:
    info: TranscriptInfo
    row: CodeRow | None  # None: fewer than two layers worked on it


@dataclass
class Report:
    layers: list[Layer]
    keys: list[str]
    params: ReportParams
    book: Codebook
    transcripts: list[TranscriptInfo]
    rows: list[CodeRow]
    pooled_note: str
    worked_on: list[tuple[Layer, int, list[TranscriptInfo]]]  # (layer, n, missing from)
    pairable: int  # transcripts with two or more compared layers
    skipped: int
    breakdown: Breakdown | None = None
    drift: list[DriftRow] | None = None
    drift_columns: list[Column] | None = None
    drift_basis: DriftBasis | None = None
    focus: CodeNode | None = None
    focus_rows: list[TranscriptRow] | None = None
    alpha_u_overall: Metric | None = None
    u_alpha_binary: Metric | None = None
    u_alpha_nominal: Metric | None = None
    is_partition: bool | None = None
    seg_total: Metric | None = None
    seg_kappa_bp: Metric | None = None
    seg_threshold: float | None = None
    seg_disagreements: int | None = None
    per_transcript: list[tuple[TranscriptInfo, CodeRow]] = field(default_factory=list)
    headline: Cell | None = None  # every used code pooled (each character x code a unit)
    n_codes_used: int = 0
    summary: str = ""  # the methods-section paragraph

    @property
    def two(self) -> bool:
        return len(self.layers) == 2

    @property
    def below(self) -> list[CodeRow]:
        return [r for r in self.rows if r.status == "below"]


def _code_nodes(book: Codebook, root: int | None) -> list[CodeNode]:
    if root is None:
        return list(book.walk())
    keep = book.subtree_ids(root)
    return [node for node in book.walk() if node.pk in keep]


def _row(node, result, keys, seg_counts, threshold) -> CodeRow:
    both, neither = _counts_row(result)
    segments = [seg_counts.get((node.pk, k), 0) for k in keys]
    alpha = Metric.of(result.alpha_binary)
    return CodeRow(
        node=node,
        characters=result.counts.characters,
        coded_by=_coded_by(result, keys),
        both=both,
        neither=neither,
        segments=segments,
        percent_agreement=Metric.of(result.percent_agreement),
        cohen_kappa=Metric.of(result.cohen_kappa),
        alpha=alpha,
        fleiss_kappa=Metric.of(result.fleiss_kappa),
        prevalence_warning=result.prevalence_warning,
        status=_status(alpha, any(segments), threshold),
    )


def _cell(result: agreement.CodeAgreement, threshold: float) -> Cell:
    alpha = Metric.of(result.alpha_binary)
    used = any(result.counts.coded_by.values())
    return Cell(
        alpha=alpha,
        percent_agreement=Metric.of(result.percent_agreement),
        cohen_kappa=Metric.of(result.cohen_kappa),
        characters=result.counts.characters,
        status=_status(alpha, used, threshold),
    )


SORT_KEYS = {
    "code": None,
    "alpha": lambda r: r.alpha.value,
    "kappa": lambda r: r.cohen_kappa.value,
    "pa": lambda r: r.percent_agreement.value,
    "segments": lambda r: -sum(r.segments),
}


def _sort(rows: list[CodeRow], sort: str) -> list[CodeRow]:
    key = SORT_KEYS.get(sort.lstrip("-"))
    if key is None:
        return rows
    reverse = sort.startswith("-")
    defined = [r for r in rows if key(r) is not None]
    undefined = [r for r in rows if key(r) is None]
    return sorted(defined, key=key, reverse=reverse) + undefined


def agreement_report(
    access: StudyAccess,
    params: ReportParams,
    *,
    book: Codebook | None = None,
    per_transcript: bool = False,
) -> Report:
    """The whole report for ``params``; the caller has checked ``access.can_read_agreement``.

    Queries: codebook 1 + :func:`load_documents` 4, plus 2 for the drift view (segment dates,
    assignment dates). The engine runs once for the pooled table, once per breakdown and
    once per expert metric; each run is linear in the number of segments.
    """
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
    seg_counts: dict[tuple[int, str], int] = defaultdict(int)
    for (cid, key), n in loaded.segment_counts.items():
        for target in ancestry.get(cid, (cid,)):
            seg_counts[(target, key)] += n
    result = agreement.character_agreement(docs, keys, code_ids, include_documents=per_transcript)
    rows = [_row(n, result.per_code[n.pk], keys, seg_counts, params.threshold) for n in nodes]
    by_key = {la.key: la for la in layers}
    worked_on = []
    for key in keys:
        missing = [t for t in loaded.transcripts if key not in t.layers]
        worked_on.append((by_key[key], len(loaded.transcripts) - len(missing), missing))
    report = Report(
        layers=layers,
        keys=keys,
        params=params,
        book=book,
        transcripts=loaded.transcripts,
        rows=rows,
        pooled_note="",
        worked_on=worked_on,
        pairable=sum(1 for t in loaded.transcripts if len(t.layers) >= 2),
        skipped=loaded.skipped,
    )
    by_code = {r.node.pk: r for r in rows}
    if per_transcript:
        for info in loaded.transcripts:
            if len(info.layers) < 2:
                continue
            doc_counts = _doc_segment_counts(docs[info.pk])
            for n in nodes:
                res = result.per_document[info.pk][n.pk]
                report.per_transcript.append(
                    (info, _row(n, res, keys, doc_counts, params.threshold))
                )
    used = [n.pk for n in nodes if any(seg_counts.get((n.pk, k)) for k in keys)]
    report.n_codes_used = len(used)
    if used:
        # Each code's own spans (no rollup: a character is counted once per code).
        pooled = agreement.character_agreement(
            _codes_end_to_end(raw, used), keys, [ALL_CODES], include_documents=False
        )
        report.headline = _cell(pooled.per_code[ALL_CODES], params.threshold)
    report.summary = methods_summary(report)
    if params.expert:
        # Study-wide expert figures from each code's own spans; parents' rows rolled up.
        _expert(report, raw, keys, code_ids, by_code, study)
        parents = [n.pk for n in nodes if n.children]
        if parents:
            _expert(report, docs, keys, parents, by_code, study, overall=False)
    if params.focus is not None and params.focus in by_code:
        report.focus = by_code[params.focus].node
        focused = agreement.character_agreement(docs, keys, [params.focus])
        report.focus_rows = []
        for info in loaded.transcripts:
            res = focused.per_document[info.pk][params.focus]
            row = (
                _row(
                    report.focus,
                    res,
                    keys,
                    _doc_segment_counts(docs[info.pk], params.focus),
                    params.threshold,
                )
                if len(info.layers) >= 2
                else None
            )
            report.focus_rows.append(TranscriptRow(info, row))
    if params.by in ("group", "wave", "design"):
        rolled = Loaded(loaded.transcripts, docs, dict(seg_counts), loaded.skipped)
        report.breakdown = _breakdown(params.by, rolled, keys, nodes, params.threshold)
    elif params.by == "drift":
        report.drift_columns, report.drift, report.drift_basis = _drift(
            access, layers, loaded, code_ids, params.threshold
        )
    report.rows = _sort(rows, params.sort)
    return report


def _doc_segment_counts(doc: Document, code_id: int | None = None) -> dict:
    counts: dict[tuple[int, str], int] = defaultdict(int)
    for span in doc.spans:
        if code_id is None or span.code == code_id:
            counts[(span.code, span.layer)] += 1
    return counts


def _expert(report: Report, docs, keys, code_ids, by_code, study, *, overall=True) -> None:
    ua = agreement.unitizing_alpha(docs, keys, code_ids, include_documents=False)
    for cid, part in ua.per_code.items():
        by_code[cid].alpha_u = Metric.of(part.alpha)
    u19 = agreement.u_alpha_2019(docs, keys, code_ids, include_documents=False)
    for cid, part in u19.per_code.items():
        by_code[cid].u_alpha = Metric.of(part.alpha)
    if overall:
        report.alpha_u_overall = Metric.of(ua.overall.alpha)
        report.u_alpha_binary = Metric.of(u19.u_alpha_binary.alpha)
        report.u_alpha_nominal = Metric.of(u19.u_alpha.alpha)
        report.is_partition = u19.is_partition
    if len(keys) == 2:
        threshold = study.segment_overlap_threshold
        sm = agreement.segment_matching(docs, keys, code_ids, min_overlap=threshold)
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


def _and(words: Sequence[str]) -> str:
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def methods_summary(report: Report, date=None) -> str:
    """A paragraph for a methods section: coefficients with their counts, transcripts
    double-coded, unit of analysis, layers compared and the date."""
    from django.utils import timezone

    date = date or timezone.localdate()
    layers = _and([la.label for la in report.layers])
    n = report.pairable
    scope = len(report.transcripts)
    coded_by = f"double-coded by {layers}" if report.two else f"coded by two or more of {layers}"
    parts = [
        f"Inter-coder agreement was assessed on {n:,} transcript{'s' if n != 1 else ''} "
        f"{coded_by} ({n:,} of the {scope:,} transcript{'s' if scope != 1 else ''} in scope), "
        "with the character (Unicode code point) as the unit of analysis."
    ]
    h = report.headline
    if h is None or not n:
        parts.append("No code was applied on the compared transcripts.")
    else:
        figures = [f"Krippendorff's α = {h.alpha.text}"]
        if report.two:
            figures.append(f"Cohen's κ = {h.cohen_kappa.text}")
        codes = report.n_codes_used
        parts.append(
            f"Pooled over the {codes:,} code{'s' if codes != 1 else ''} used (each character "
            f"× code one unit, N = {h.characters:,}), {' and '.join(figures)}, with "
            f"{h.percent_agreement.pct} agreement."
        )
        own = [r for r in report.rows if not r.is_parent and r.used and r.alpha.defined]
        if own:
            values = sorted(r.alpha.value for r in own)
            mid = len(values) // 2
            median = values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2
            good = sum(1 for v in values if v >= GOOD_ALPHA)
            below = sum(1 for v in values if v < report.params.threshold)
            parts.append(
                f"Per code, α ranged from {coefficient_text(values[0])} to "
                f"{coefficient_text(values[-1])} (median {coefficient_text(median)}, "
                f"{len(values):,} codes); {good:,} reached α ≥ {GOOD_ALPHA:.2f} and {below:,} "
                f"fell below {report.params.threshold:.3f}."
            )
    parts.append(
        "Percent agreement and Cohen's κ follow NVivo's coding comparison; α is "
        "Krippendorff's binary alpha (Krippendorff, 2011); counts are summed over "
        f"transcripts, never averaged. Computed on {date.isoformat()}."
    )
    return " ".join(parts)


#: Column descriptions of the agreement CSV, written to the methods download.
EXPORT_COLUMNS = [
    ("level", "pooled (over the compared transcripts) or transcript"),
    ("transcript_id, transcript", "the transcript (empty on pooled rows)"),
    ("code_id, code_path", "the code; paths joined with ' > '"),
    ("is_parent", "yes: the row rolls up the code and all its subcodes, merged per layer"),
    ("status", "Good (alpha >= 0.8), Tentative, Below threshold, Undefined, Not used"),
    ("segments_<layer>", "segments of the layer (a parent: its whole subtree)"),
    ("chars_coded_<layer>", "characters the layer coded, on transcripts it worked on"),
    ("chars_coded_by_both / _all, _neither / _none", "characters coded by every / no layer"),
    ("chars_compared", "characters rated by two or more of the compared layers"),
    ("percent_agreement", "a fraction, 0 to 1"),
    ("cohen_kappa", "NVivo's character-level kappa (two layers only)"),
    ("krippendorff_alpha", "binary alpha on characters; empty when undefined (see note)"),
    ("prevalence", PREVALENCE_HELP),
    ("low_prevalence_warning", LOW_PREVALENCE_HELP),
    ("note", "why a coefficient is undefined, or which convention produced it"),
]


def _subset(documents: dict[int, Document], pks: Iterable[int]) -> dict[int, Document]:
    return {pk: documents[pk] for pk in pks}


def _breakdown(by: str, loaded: Loaded, keys, nodes, threshold) -> Breakdown:
    groups: dict[tuple, list[TranscriptInfo]] = defaultdict(list)
    labels: dict[tuple, str] = {}
    for t in loaded.transcripts:
        if by == "group":
            k = (t.group or "~", t.group_id)
            labels[k] = t.group or "No group"
        elif by == "wave":
            k = (t.wave or "~", t.wave_id)
            labels[k] = t.wave or "No wave"
        else:
            k = (t.group or "~", t.group_id, t.wave or "~", t.wave_id)
            labels[k] = f"{t.group or 'No group'} · {t.wave or 'No wave'}"
        groups[k].append(t)
    columns, results = [], []
    code_ids = [n.pk for n in nodes]
    # Groups, waves and cells keep the study's order through the transcripts' natural order.
    for k in sorted(groups, key=lambda k: tuple(str(x) for x in k)):
        infos = groups[k]
        columns.append(
            Column(key="-".join(str(x) for x in k), label=labels[k], n_transcripts=len(infos))
        )
        res = agreement.character_agreement(
            _subset(loaded.documents, (t.pk for t in infos)),
            keys,
            code_ids,
            include_documents=False,
        )
        results.append(res)
    rows = [(n, [_cell(res.per_code[n.pk], threshold) for res in results]) for n in nodes]
    return Breakdown(by=by, columns=columns, rows=rows)


ALL_CODES = "*"


def _pooled_over_codes(docs: dict[int, Document], keys, code_ids) -> dict[tuple, Document]:
    """Each (transcript, code) as its own document with one code: pooling over them sums
    the counts of every code (a character x code is a unit), never averages coefficients."""
    out = {}
    wanted = set(code_ids)
    for pk, doc in docs.items():
        by_code: dict[int, list[Span]] = defaultdict(list)
        for s in doc.spans:
            if s.code in wanted:
                by_code[s.code].append(Span(s.layer, ALL_CODES, s.start, s.end))
        for cid in code_ids:
            out[(pk, cid)] = Document(doc.length, by_code.get(cid, ()), layers=doc.layers)
    return out


@dataclass
class DriftBasis:
    """What the drift view rests on: the (transcript, code) pairs consensus has settled."""

    transcripts: int  # in scope with at least one settled pair
    pairs: int
    in_scope: int
    partly: int = 0  # pairs with a decision or consensus segment but passages still open


def _overlaps_any(intervals, starts, s: int, e: int) -> bool:
    """Whether [s, e) overlaps one of the sorted disjoint ``intervals`` (``starts``)."""
    i = bisect.bisect_left(starts, e)  # intervals starting before e
    return i > 0 and intervals[i - 1][1] > s


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


def _drift(access, layers, loaded: Loaded, code_ids, threshold):
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
    basis = DriftBasis(
        transcripts=sum(1 for codes in settled.values() if codes),
        pairs=sum(len(codes) for codes in settled.values()),
        in_scope=len(pks),
        partly=partly,
    )
    when: dict[tuple[int, int], object] = {}
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
    out = []
    for layer in coders:
        pair = [layer.key, consensus.key]
        worked = [
            t
            for t in both.transcripts
            if layer.key in t.layers and settled.get(t.pk) and (t.pk, layer.pk) in when
        ]
        worked.sort(key=lambda t: (when[(t.pk, layer.pk)], t.pk))
        cells = []
        n = len(worked)
        for i in range(DRIFT_BATCHES):
            batch = worked[i * n // DRIFT_BATCHES : (i + 1) * n // DRIFT_BATCHES]
            if not batch:
                cells.append((Column(str(i + 1), f"Batch {i + 1}", 0, "no transcripts"), None))
                continue
            first, last = when[(batch[0].pk, layer.pk)], when[(batch[-1].pk, layer.pk)]
            note = f"{first:%Y-%m-%d} to {last:%Y-%m-%d}"
            docs = _settled_pairs(both.documents, batch, settled, pair)
            res = agreement.character_agreement(docs, pair, [ALL_CODES], include_documents=False)
            cells.append(
                (
                    Column(str(i + 1), f"Batch {i + 1}", len(batch), note),
                    _cell(res.per_code[ALL_CODES], threshold),
                )
            )
        out.append(DriftRow(layer=layer, cells=cells))
    return columns, out, basis


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


# --- disagreement units ---------------------------------------------------------------


def united(intervals: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching intervals merged (character coverage)."""
    out: list[list[int]] = []
    for s, e in sorted(intervals):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def intersect(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Intersection of two sorted disjoint interval lists."""
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        s, e = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if s < e:
            out.append((s, e))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

STATE_WORDS = {
    "agreed": "Agreed",
    "span_differs": "Span differs",
    "code_differs": "Code differs",
    "only": "Only",
    "settled": "Settled",
}


@dataclass
class Unit:
    """A maximal region where at least one compared layer has the code.

    ``coverage[i]`` is layer i's coverage inside the region (merged intervals). The unit is
    *agreed* when every layer's coverage is identical (all cover the whole region).
    """

    index: int
    start: int
    end: int
    coverage: list[list[tuple[int, int]]]
    state: str = ""
    only: list[int] = field(default_factory=list)  # layer indexes that have coverage
    other_codes: dict[int, list[str]] = field(default_factory=dict)  # layer index -> codes
    decision: ConsensusDecision | None = None
    consensus: list[tuple[int, int]] = field(default_factory=list)

    @property
    def agreed(self) -> bool:
        return all(cov == [(self.start, self.end)] for cov in self.coverage)

    @property
    def settled(self) -> bool:
        return self.decision is not None

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def only_letters(self) -> str:
        return " and ".join(LETTERS[i] for i in self.only)

    @property
    def lettered(self) -> list[tuple[str, list[tuple[int, int]]]]:
        return [(LETTERS[i], cov) for i, cov in enumerate(self.coverage)]

    @property
    def other_lettered(self) -> list[tuple[str, list[str]]]:
        return [(LETTERS[i], names) for i, names in sorted(self.other_codes.items())]

    def result_spans(self, action: str) -> list[tuple[int, int]]:
        """What each decision puts into consensus for this unit."""
        if action == "accept_a":
            return list(self.coverage[0])
        if action == "accept_b":
            return list(self.coverage[1]) if len(self.coverage) > 1 else []
        if action in ("union", "agreed"):
            return [(self.start, self.end)]
        if action == "intersection":
            common = self.coverage[0]
            for cov in self.coverage[1:]:
                common = intersect(common, cov)
            return common
        return []


def units_for(coverages: Sequence[list[tuple[int, int]]]) -> list[Unit]:
    """Units from each layer's coverage of one code (pure; sorted, merged per layer)."""
    per_layer = [united(c) for c in coverages]
    regions = united(iv for cov in per_layer for iv in cov)
    units = []
    starts = [[s for s, _ in cov] for cov in per_layer]
    for index, (rs, re_) in enumerate(regions):
        cov_in = []
        for li, cov in enumerate(per_layer):
            lo = bisect.bisect_left(starts[li], rs)
            inside = []
            for s, e in cov[lo:]:
                if s >= re_:
                    break
                inside.append((s, e))
            cov_in.append(inside)
        units.append(Unit(index=index, start=rs, end=re_, coverage=cov_in))
    return units


def classify(
    units: list[Unit],
    other: Sequence[list[tuple[int, int, str]]],
    decisions: Sequence[ConsensusDecision],
) -> None:
    """Set each unit's state. ``other[i]`` lists layer i's segments of *other* codes
    (start, end, code name); ``decisions`` are the active decisions for this code."""
    ordered = sorted(decisions, key=lambda d: (d.start, d.end, d.pk))
    for unit in units:
        unit.only = [i for i, cov in enumerate(unit.coverage) if cov]
        for d in ordered:
            if d.start < unit.end and unit.start < d.end:
                unit.decision = d
        if unit.agreed:
            unit.state = "agreed"
        elif len(unit.only) == 1:
            unit.state = "only"
            for i, segs in enumerate(other):
                if i in unit.only:
                    continue
                names = sorted({n for s, e, n in segs if s < unit.end and unit.start < e})
                if names:
                    unit.other_codes[i] = names
            if unit.other_codes:
                unit.state = "code_differs"
        else:
            unit.state = "span_differs"


@dataclass
class Review:
    """The side-by-side disagreement view of one transcript and code."""

    transcript: Transcript
    code: CodeNode
    layers: list[Layer]
    consensus: Layer | None
    units: list[Unit]
    consensus_spans: list[tuple[int, int]]
    last_decision: ConsensusDecision | None

    @property
    def disagreements(self) -> list[Unit]:
        return [u for u in self.units if u.state != "agreed"]

    @property
    def n_settled(self) -> int:
        return sum(1 for u in self.units if u.settled)


def review(
    study,
    transcript: Transcript,
    code_node: CodeNode,
    layers: Sequence[Layer],
    *,
    with_decisions: bool = True,
) -> Review:
    """Units of one transcript and code for the compared ``layers``.

    Queries: segments of the transcript in the compared and consensus layers (values_list),
    the consensus layer, decisions for the code: 3.
    """
    keys = [la.pk for la in layers]
    consensus = Layer.objects.filter(study=study, kind=LayerKind.CONSENSUS).first()
    layer_ids = keys + ([consensus.pk] if consensus else [])
    own: list[list[tuple[int, int]]] = [[] for _ in layers]
    other: list[list[tuple[int, int, str]]] = [[] for _ in layers]
    consensus_spans = []
    for lid, cid, name, start, end in (
        Segment.objects.filter(transcript=transcript, layer_id__in=layer_ids)
        .order_by()
        .values_list("layer_id", "code_id", "code__name", "start", "end")
    ):
        if consensus and lid == consensus.pk:
            if cid == code_node.pk:
                consensus_spans.append((start, end))
            continue
        i = keys.index(lid)
        if cid == code_node.pk:
            own[i].append((start, end))
        else:
            other[i].append((start, end, name))
    units = units_for(own)
    decisions = []
    last = None
    if with_decisions:
        decisions = list(
            ConsensusDecision.objects.filter(
                transcript=transcript, code_id=code_node.pk, undone_at__isnull=True
            ).order_by("created_at", "pk")
        )
        last = decisions[-1] if decisions else None
    classify(units, other, decisions)
    cons = united(consensus_spans)
    for unit in units:
        unit.consensus = [
            (max(s, unit.start), min(e, unit.end))
            for s, e in cons
            if s < unit.end and unit.start < e
        ]
    return Review(transcript, code_node, list(layers), consensus, units, cons, last)


# --- consensus progress (dashboard) ---------------------------------------------------


@dataclass
class ProgressRow:
    transcript_id: int
    title: str
    decisions: int
    codes: int
    consensus_segments: int


@dataclass
class ConsensusProgress:
    rows: list[ProgressRow]
    total_decisions: int
    transcripts_with_consensus: int
    n_transcripts: int
    per_code: list[tuple[CodeNode, int, int]]  # (code, transcripts settled, decisions)


def consensus_progress(access: StudyAccess) -> ConsensusProgress:
    """Decisions and consensus segments per transcript and per code.

    Queries: transcripts (values), decisions grouped by transcript, decisions grouped by
    code, consensus segments grouped by transcript, codebook: 5, constant in study size.
    """
    study = access.study
    transcripts = list(
        Transcript.objects.filter(study=study).order_by("title", "pk").values_list("pk", "title")
    )
    active = ConsensusDecision.objects.filter(study=study, undone_at__isnull=True).order_by()
    per_t = {
        row["transcript_id"]: row
        for row in active.values("transcript_id").annotate(
            n=Count("pk"), codes=Count("code_id", distinct=True)
        )
    }
    per_c = {
        row["code_id"]: row
        for row in active.values("code_id").annotate(
            n=Count("pk"), ts=Count("transcript_id", distinct=True)
        )
    }
    cons_segments = dict(
        Segment.objects.filter(transcript__study=study, layer__kind=LayerKind.CONSENSUS)
        .order_by()
        .values("transcript_id")
        .annotate(n=Count("pk"))
        .values_list("transcript_id", "n")
    )
    rows = [
        ProgressRow(
            pk,
            title,
            per_t.get(pk, {}).get("n", 0),
            per_t.get(pk, {}).get("codes", 0),
            cons_segments.get(pk, 0),
        )
        for pk, title in transcripts
    ]
    book = codebook(study)
    per_code = [
        (node, per_c[node.pk]["ts"], per_c[node.pk]["n"])
        for node in book.walk()
        if node.pk in per_c
    ]
    return ConsensusProgress(
        rows=rows,
        total_decisions=sum(r.decisions for r in rows),
        transcripts_with_consensus=sum(1 for r in rows if r.consensus_segments or r.decisions),
        n_transcripts=len(rows),
        per_code=per_code,
    )


def consensus_scope_filter(scope: Scope) -> Q:
    """The scope as a filter on ``transcript__`` lookups."""
    q = Q()
    if scope.groups:
        q &= Q(transcript__participant__group_id__in=scope.groups)
    if scope.waves:
        q &= Q(transcript__wave_id__in=scope.waves)
    if scope.participants:
        q &= Q(transcript__participant_id__in=scope.participants)
    if scope.transcripts:
        q &= Q(transcript_id__in=scope.transcripts)
    return q
