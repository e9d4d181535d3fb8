"""Agreement over time: per calibration round and per codebook-version period
(docs/agreement/OVER_TIME.md).

:func:`over_time` returns one :class:`Figures` row per calibration round the member may see
(date order; the round's answers through :func:`coding.calibration.results.
calibration_results`, restricted to the compared coders) and one per codebook period
(:mod:`coding.agreement.periods`: the segments created while that codebook was current, on
the transcripts two or more compared layers coded in that period), each with percent
agreement, kappa, alpha and alpha's bootstrap interval, and per code the same figures.

The periods use the agreement report's engine exactly as the report does (subcodes rolled up
into their parents, every used code pooled for the overall row, intervals resampling whole
transcripts); the rounds use the calibration results' units x coders engine and resample
whole excerpts.

Queries: codebook (the caller's), periods 1, transcripts 1, segments 1, rounds 1, submission
times 1, and per round the 5 of :func:`calibration_results`.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from django.db.models import Max, Min
from django.utils.translation import gettext

from coding.agreement import bootstrap
from coding.agreement.character_level import character_agreement
from coding.agreement.loading import ALL_CODES, Scope, TranscriptInfo
from coding.agreement.periods import Period, Periods
from coding.agreement.report import (
    _ancestry,
    _code_nodes,
    _codes_end_to_end,
    _gc_paused,
    _rolled_up_counts,
    _with_point_reason,
    rolled_up,
)
from coding.agreement.rows import DEFAULT_THRESHOLD, Metric, cell_for, row_for
from coding.agreement.spans import Document, Span
from coding.calibration.results import calibration_results
from coding.codebook.selectors import Codebook, CodeNode
from coding.models import CalibrationRound, CalibrationSubmission, Layer, LayerKind, Segment
from studies.access import StudyAccess, can_see_round_results
from studies.models import Transcript

ROUND = "round"
PERIOD = "period"
NO_CODERS = "fewer than two of the compared coders answered this round"
NOT_IN_ROUND = "the code was not offered in this round"
NO_PERIOD_TRANSCRIPT = (
    "no transcript was coded by two or more of the compared layers in this period"
)
KAPPA_TWO = "Cohen's kappa compares exactly two layers"


@dataclass
class CodeFigures:
    percent_agreement: Metric
    kappa: Metric
    alpha: Metric
    alpha_ci: bootstrap.Interval | None
    units: int  # characters (periods) or excerpts (rounds) behind the figures
    used: bool = True


@dataclass
class Figures:
    """One row of the over-time table: a calibration round or a codebook period."""

    kind: str  # ROUND or PERIOD
    key: str
    label: str
    start: datetime | None
    end: datetime | None
    codebook: str  # the codebook version the figures rest on, in words
    percent_agreement: Metric
    kappa: Metric
    alpha: Metric
    alpha_ci: bootstrap.Interval | None
    units: int
    unit_words: str  # "characters", "excerpts", "excerpt × code decisions"
    transcripts: list[TranscriptInfo] = field(default_factory=list)  # periods: compared
    segments: int = 0  # periods: segments of the compared layers on the compared transcripts
    coders: int = 0  # rounds: compared coders who answered
    note: str = ""
    per_code: dict[int, CodeFigures] = field(default_factory=dict)

    @property
    def n_transcripts(self) -> int:
        return len(self.transcripts)


@dataclass
class OverTime:
    layers: list[Layer]
    keys: list[str]
    nodes: list[CodeNode]
    rounds: list[Figures]
    periods: list[Figures]
    replicates: int
    seed: int
    straddling: list[TranscriptInfo]  # a layer coded it in more than one period

    @property
    def rows(self) -> list[Figures]:
        return [*self.rounds, *self.periods]

    @property
    def two(self) -> bool:
        return len(self.layers) == 2


def over_time(
    access: StudyAccess,
    layers: Sequence[Layer],
    *,
    book: Codebook,
    scope: Scope | None = None,
    root_code: int | None = None,
    replicates: int = 0,
    seed: int = bootstrap.DEFAULT_SEED,
    threshold: float = DEFAULT_THRESHOLD,
) -> OverTime:
    """The over-time table for ``layers``; the caller has checked ``access.can_read_agreement``."""
    with _gc_paused():
        layers = list(layers)
        nodes = _code_nodes(book, root_code)
        periods = Periods.for_study(access.study)
        period_rows, straddling = _periods(
            access, layers, nodes, periods, scope or Scope(), replicates, seed, threshold
        )
        rounds = _rounds(access, layers, nodes, periods, replicates, seed)
    return OverTime(
        layers=layers,
        keys=[la.key for la in layers],
        nodes=nodes,
        rounds=rounds,
        periods=period_rows,
        replicates=replicates,
        seed=seed,
        straddling=straddling,
    )


# --- codebook periods --------------------------------------------------------------------


def _periods(access, layers, nodes, periods: Periods, scope, replicates, seed, threshold):
    keys = {la.pk: la.key for la in layers}
    order = [la.key for la in layers]
    code_ids = [n.pk for n in nodes]
    wanted = set(code_ids)
    base = scope.filter(Transcript.objects.filter(study=access.study))
    infos = [
        TranscriptInfo(pk, title, length, p or "", g, gname or "", w, wname or "")
        for pk, title, length, p, g, gname, w, wname in base.order_by("title", "pk").values_list(
            "pk",
            "title",
            "length",
            "participant__pseudonym",
            "participant__group_id",
            "participant__group__name",
            "wave_id",
            "wave__name",
        )
    ]
    by_pk = {t.pk: t for t in infos}
    n = len(periods)
    spans = [defaultdict(list) for _ in range(n)]  # per period: transcript -> spans
    present = [defaultdict(set) for _ in range(n)]  # per period: transcript -> layer keys
    seg_counts = [defaultdict(int) for _ in range(n)]  # per period: (code, key) -> segments
    on_transcript = [defaultdict(int) for _ in range(n)]  # per period: transcript -> segments
    seen: dict[tuple[int, str], set[int]] = defaultdict(set)  # (transcript, key) -> periods
    rows = (
        Segment.objects.filter(transcript__in=base.values("pk"), layer_id__in=list(keys))
        .order_by()
        .values_list("transcript_id", "layer_id", "code_id", "start", "end", "created_at")
    )
    for tid, lid, cid, start, end, created in rows:
        info = by_pk.get(tid)
        if info is None or end > info.length or start >= end:
            continue
        i = periods.index_at(created)
        key = keys[lid]
        present[i][tid].add(key)
        seen[(tid, key)].add(i)
        on_transcript[i][tid] += 1
        if cid in wanted:
            spans[i][tid].append(Span(key, cid, start, end))
            seg_counts[i][(cid, key)] += 1
    straddled = {tid for (tid, _), found in seen.items() if len(found) > 1}
    ancestry = _ancestry(nodes)
    out = []
    for i, period in enumerate(periods):
        docs = {}
        for info in infos:
            here = tuple(k for k in order if k in present[i].get(info.pk, ()))
            docs[info.pk] = Document(info.length, spans[i].get(info.pk, ()), layers=here)
        compared = [t for t in infos if len(docs[t.pk].layers) >= 2]
        out.append(
            _period_figures(
                period,
                docs,
                compared,
                order,
                nodes,
                code_ids,
                ancestry,
                dict(seg_counts[i]),
                sum(on_transcript[i].get(t.pk, 0) for t in compared),
                replicates,
                seed,
                threshold,
            )
        )
    return out, [t for t in infos if t.pk in straddled]


def _period_figures(
    period: Period,
    raw,
    compared,
    keys,
    nodes,
    code_ids,
    ancestry,
    counts,
    n_segments,
    replicates,
    seed,
    threshold,
) -> Figures:
    docs = rolled_up(raw, ancestry)
    seg_counts = _rolled_up_counts(counts, ancestry)
    result = character_agreement(docs, keys, code_ids, include_documents=False)
    code_rows = {
        n.pk: row_for(n, result.per_code[n.pk], keys, seg_counts, threshold) for n in nodes
    }
    used = [n.pk for n in nodes if any(counts.get((n.pk, k)) for k in keys)]
    two = len(keys) == 2
    empty = Metric(None, NO_PERIOD_TRANSCRIPT if not compared else "no code was applied")
    headline = None
    end_to_end = None
    if used and compared:
        end_to_end = _codes_end_to_end(raw, used)
        pooled = character_agreement(end_to_end, keys, [ALL_CODES], include_documents=False)
        headline = cell_for(pooled.per_code[ALL_CODES], threshold)
    compared_pks = [t.pk for t in compared]
    per_ci: dict = {}
    overall_ci = None
    if replicates > 0:
        counts_b = None
        if len(compared_pks) >= 2:
            counts_b = bootstrap.draws(len(compared_pks), replicates, seed)
        boot = bootstrap.intervals(
            bootstrap.document_profiles(docs, keys, code_ids),
            compared_pks,
            code_ids,
            replicates=replicates,
            seed=seed,
            counts=counts_b,
        )
        per_ci = {pk: _with_point_reason(boot.per_code[pk], code_rows[pk].alpha) for pk in code_ids}
        if headline is not None:
            overall = bootstrap.intervals(
                bootstrap.document_profiles(end_to_end, keys, [ALL_CODES]),
                compared_pks,
                [ALL_CODES],
                replicates=replicates,
                seed=seed,
                counts=counts_b,
            )
            overall_ci = _with_point_reason(overall.per_code[ALL_CODES], headline.alpha)
        else:
            overall_ci = bootstrap.Interval(None, None, replicates, reason="alpha is undefined")
    per_code = {}
    for pk, row in code_rows.items():
        per_code[pk] = CodeFigures(
            percent_agreement=row.percent_agreement,
            kappa=row.cohen_kappa if two else Metric(None, KAPPA_TWO),
            alpha=row.alpha,
            alpha_ci=per_ci.get(pk),
            units=row.characters,
            used=row.used,
        )
    return Figures(
        kind=PERIOD,
        key=period.key,
        label=period.label,
        start=period.start,
        end=period.end,
        codebook=period.label,
        percent_agreement=headline.percent_agreement if headline else empty,
        kappa=(headline.cohen_kappa if two else Metric(None, KAPPA_TWO)) if headline else empty,
        alpha=headline.alpha if headline else empty,
        alpha_ci=overall_ci,
        units=headline.characters if headline else 0,
        unit_words="characters",
        transcripts=list(compared),
        segments=n_segments,
        per_code=per_code,
    )


# --- calibration rounds ------------------------------------------------------------------


def _rounds(access, layers, nodes, periods: Periods, replicates, seed) -> list[Figures]:
    users = {la.user_id for la in layers if la.kind == LayerKind.CODER and la.user_id}
    rounds = [
        r
        for r in CalibrationRound.objects.filter(study=access.study).order_by("created_at", "pk")
        if can_see_round_results(access, r)
    ]
    if not rounds:
        return []
    times = {
        row["unit__round"]: (row["first"], row["last"])
        for row in CalibrationSubmission.objects.filter(
            unit__round__in=[r.pk for r in rounds], coder_id__in=list(users)
        )
        .values("unit__round")
        .annotate(first=Min("submitted_at"), last=Max("submitted_at"))
        .order_by()
    }
    wanted = {n.pk for n in nodes}
    out = []
    for rnd in rounds:
        res = calibration_results(rnd, coders=users)
        first, last = times.get(rnd.pk, (None, None))
        p_first = periods.at(first or rnd.created_at)
        p_last = periods.at(last or rnd.created_at)
        codebook_words = p_first.label
        note = ""
        if p_first.key != p_last.key:
            codebook_words = f"{p_first.label} to {p_last.label}"
            note = "answers were given under two codebook states"
        answered = sum(1 for n in res.submitted if n)
        two = answered == 2 and res.n_coders == 2
        o = res.overall
        if answered < 2 or o is None:
            none = Metric(None, NO_CODERS if answered < 2 else "the round has no codes or excerpts")
            pa = kappa = alpha = none
            ci = (
                bootstrap.Interval(None, None, replicates, reason=none.reason)
                if replicates
                else None
            )
            units = 0
        else:
            pa = Metric.of(o.percent_agreement)
            kappa = Metric.of(o.cohen_kappa) if two else Metric(None, KAPPA_TWO)
            alpha = Metric.of(o.alpha_nominal)
            ci = _cluster_ci(res.overall_clusters, alpha, replicates, seed)
            units = len(res.units) if rnd.single_code else o.n_pairable
        per_code = {}
        for cr in res.per_code:
            if cr.code.pk not in wanted:
                continue
            r = cr.result
            c_alpha = Metric.of(r.alpha_nominal)
            per_code[cr.code.pk] = CodeFigures(
                percent_agreement=Metric.of(r.percent_agreement),
                kappa=Metric.of(r.cohen_kappa) if two else Metric(None, KAPPA_TWO),
                alpha=c_alpha,
                alpha_ci=_cluster_ci(
                    [[row] for row in res.matrices[cr.code.pk]], c_alpha, replicates, seed
                )
                if answered >= 2
                else None,
                units=r.n_pairable,
                used=any(cr.applied),
            )
        out.append(
            Figures(
                kind=ROUND,
                key=f"round{rnd.pk}",
                label=rnd.name,
                start=rnd.created_at,
                end=None,
                codebook=codebook_words,
                percent_agreement=pa,
                kappa=kappa,
                alpha=alpha,
                alpha_ci=ci,
                units=units,
                unit_words="excerpts" if rnd.single_code else "excerpt × code decisions",
                coders=answered,
                note=note,
                per_code=per_code,
            )
        )
    return out


def cluster_terms(clusters) -> tuple[np.ndarray, np.ndarray, list]:
    """Per cluster (an excerpt: one or more units, each a list of values per coder, None
    missing) its disagreeing coincidences ``D`` and its pairable values per category ``N``
    (Krippendorff's nominal alpha: ``1 - (n - 1) sum D / (n^2 - sum_c n_c^2)``)."""
    categories: dict = {}
    d = []
    per: list[dict] = []
    for units in clusters:
        dis = 0.0
        marg: dict = defaultdict(float)
        for unit in units:
            values = [v for v in unit if v is not None]
            m = len(values)
            if m < 2:
                continue
            counts: dict = defaultdict(int)
            for v in values:
                counts[v] += 1
                categories.setdefault(v, len(categories))
            for v, k in counts.items():
                marg[v] += k
                dis += k * (m - k) / (m - 1)
        d.append(dis)
        per.append(marg)
    n = np.zeros((len(per), max(1, len(categories))))
    for i, marg in enumerate(per):
        for v, k in marg.items():
            n[i, categories[v]] = k
    return np.array(d, dtype=float), n, list(categories)


def cluster_alpha(weights: np.ndarray, d: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Nominal alpha of the clusters weighted by ``weights`` (``(B, T)`` draw counts)."""
    dis = weights @ d
    per_cat = weights @ n
    total = per_cat.sum(axis=1)
    expected = total**2 - (per_cat**2).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = 1 - (total - 1) * dis / expected
    alpha[(expected <= 0) | (total < 2)] = np.nan
    return alpha


def _cluster_ci(clusters, alpha: Metric, replicates: int, seed: int) -> bootstrap.Interval | None:
    """Alpha's 95% percentile interval resampling whole excerpts (``numpy default_rng``
    draws as :func:`coding.agreement.bootstrap.draws`)."""
    if replicates <= 0:
        return None
    if not alpha.defined:
        return bootstrap.Interval(
            None, None, replicates, reason=f"alpha is undefined ({alpha.reason})"
        )
    d, n, _ = cluster_terms(clusters)
    t = len(d)
    if t < 2:
        return bootstrap.Interval(None, None, replicates, reason="fewer than two excerpts")
    values = cluster_alpha(bootstrap.draws(t, replicates, seed), d, n)
    defined = int(np.isfinite(values).sum())
    dropped = replicates - defined
    if defined * 2 < replicates:
        return bootstrap.Interval(
            None,
            None,
            replicates,
            dropped,
            f"only {defined:,} of {replicates:,} replicates had variation",
        )
    tail = (1 - bootstrap.LEVEL) / 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = np.nanquantile(values, [tail, 1 - tail])
    note = f"{dropped:,} of {replicates:,} replicates without variation dropped" if dropped else ""
    return bootstrap.Interval(float(low), float(high), replicates, dropped, note)


# --- from a request ----------------------------------------------------------------------


def for_query(access: StudyAccess, query, layers: str | None = None) -> tuple[OverTime, str]:
    """The over-time table for a request's parameters, read as the agreement report's form
    reads them (``layers`` comma-separated keys when given, else the query's ``layers``;
    ``bootstrap``, ``seed``, ``code`` and the scope filters), and the scope in words.
    Raises ValidationError for what the form refuses or fewer than two layers."""
    from django.core.exceptions import ValidationError

    from coding.agreement.forms import ReportForm
    from coding.agreement.loading import report_layers
    from coding.codebook.selectors import codebook

    data = query.copy()
    if layers is not None:
        data.setlist("layers", [key.strip() for key in layers.split(",") if key.strip()])
    for ignored in ("by", "focus", "expert", "sort", "format"):
        data.pop(ignored, None)
    book = codebook(access.study)
    form = ReportForm(data, layers=report_layers(access), study=access.study, book=book)
    if not form.is_valid():
        messages = []
        for name, errors in form.errors.items():
            where = "" if name == "__all__" else f"{name}: "
            messages.append(where + " ".join(errors))
        raise ValidationError("; ".join(messages))
    params = form.params()
    if len(params.layers) < 2:
        raise ValidationError("layers: agreement needs two layers with coding.")
    table = over_time(
        access,
        params.layers,
        book=book,
        scope=params.scope,
        root_code=params.root_code,
        replicates=params.bootstrap,
        seed=params.seed,
        threshold=params.threshold,
    )
    return table, form.scope_words(params)


def trend_words(rows: Sequence[Figures]) -> str:
    """``α went from 0.41 (Round 1) to 0.78 (Round 3)``: the first and last defined alpha
    of ``rows``, or "" with fewer than two."""
    defined = [r for r in rows if r.alpha.defined]
    if len(defined) < 2:
        return ""
    first, last = defined[0], defined[-1]
    values = {
        "first": first.alpha.text,
        "first_label": first.label,
        "last": last.alpha.text,
        "last_label": last.label,
    }
    if last.alpha.text == first.alpha.text:
        return gettext("α stayed at %(first)s from %(first_label)s to %(last_label)s") % values
    if last.alpha.value > first.alpha.value:
        return (
            gettext("α rose from %(first)s (%(first_label)s) to %(last)s (%(last_label)s)") % values
        )
    return gettext("α fell from %(first)s (%(first_label)s) to %(last)s (%(last_label)s)") % values
