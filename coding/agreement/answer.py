"""The agreement report as the JSON API answers it (``GET /api/v1/studies/{id}/agreement``).

:func:`report_for_api` reads the parameters as the page's form does (layers given as
``A,B``), :func:`report_json` shapes the report: per code and overall percent agreement,
kappa, alpha and ``alpha_ci`` ``[low, high]``, the counts behind them, ``null`` with a reason
in ``reasons`` for every undefined value.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import QueryDict
from ninja import Schema
from pydantic import Field

from coding import exports
from coding.agreement import bootstrap
from coding.agreement.forms import ReportForm
from coding.agreement.loading import report_layers
from coding.agreement.periods import Period
from coding.agreement.report import agreement_report
from coding.agreement.result import Report
from coding.agreement.rows import STATUS_NAMES, Metric
from coding.codebook.selectors import codebook
from studies.access import StudyAccess

UNIT = "character (Unicode code point)"


# --- The answer's schema (OpenAPI) -------------------------------------------------------


class AgreementFiguresOut(Schema):
    percent_agreement: float | None
    kappa: float | None = Field(description="Cohen's kappa as NVivo computes it; two layers only.")
    alpha: float | None = Field(description="Krippendorff's binary alpha on characters.")
    alpha_ci: list[float] | None = Field(
        description="95% percentile bootstrap interval of alpha, `[low, high]`, resampling "
        "whole transcripts."
    )
    alpha_ci_dropped: int = Field(
        description="Replicates without variation (alpha undefined), left out of the interval."
    )
    reasons: dict[str, str] = Field(
        description="Why a value is null, or which convention produced it, by field name."
    )


class AgreementCodeOut(AgreementFiguresOut):
    code_id: int
    path: str
    is_parent: bool = Field(description="The row rolls up the code and all its subcodes.")
    status: str
    segments: dict[str, int] = Field(description="Segments per layer key.")
    coded_by: dict[str, int] = Field(description="Characters coded per layer key.")
    both: int = Field(description="Characters coded by every compared layer.")
    neither: int = Field(description="Characters coded by none.")
    characters: int = Field(description="Characters rated by two or more compared layers.")


class AgreementOverallOut(AgreementFiguresOut):
    codes_used: int
    characters: int = Field(description="Units pooled: each compared character x used code.")


class AgreementTranscriptOut(Schema):
    id: int
    title: str
    participant: str | None
    group: str | None
    wave: str | None
    layers: list[str]


class AgreementBootstrapOut(Schema):
    replicates: int
    seed: int
    level: float
    interval: str
    resampling_unit: str
    rng: str


class CodedUnderOut(Schema):
    period: str = Field(description="`before`, `v<version id>` or `current`.")
    version_id: int | None = Field(description="The named version (null: before any).")
    label: str
    segments: int
    start: str | None = Field(description="When the period began (ISO 8601; null: open).")
    end: str | None = Field(description="When it ended, exclusive (null: up to now).")


class AgreementOut(Schema):
    layers: list[str]
    unit: str
    coded_under: str = Field(
        description="In words: under which codebook version(s) the compared segments were "
        "coded (the version current when each was created)."
    )
    codebook_versions: list[CodedUnderOut] = Field(
        description="The compared segments per codebook period, in time order."
    )
    transcripts_in_scope: int
    transcripts_compared: list[AgreementTranscriptOut] = Field(
        description="The transcripts two or more compared layers worked on: what every "
        "figure rests on, and what the bootstrap resamples."
    )
    bootstrap: AgreementBootstrapOut
    overall: AgreementOverallOut
    codes: list[AgreementCodeOut]


# --- Building it -----------------------------------------------------------------------


def report_for_api(access: StudyAccess, query: QueryDict, layers: str) -> Report:
    """The report for an API request: ``layers`` comma-separated keys (default: as the
    page), the other parameters as the page's form reads them (``bootstrap``, ``seed``,
    ``group``, ``wave``, ``participant``, ``transcript``, ``code``, ``attribute:<name>``,
    ``sample``: ``double`` or ``draw:<id>``, see coding/assignments/scope.py).
    Raises ValidationError for what the form refuses."""
    data = query.copy()
    data.setlist("layers", [key.strip() for key in layers.split(",") if key.strip()])
    for ignored in ("by", "focus", "expert", "sort"):
        data.pop(ignored, None)
    book = codebook(access.study)
    form = ReportForm(data, layers=report_layers(access), study=access.study, book=book)
    if not form.is_valid():
        messages = []
        for field, errors in form.errors.items():
            where = "" if field == "__all__" else f"{field}: "
            messages.append(where + " ".join(errors))
        raise ValidationError("; ".join(messages))
    params = form.params()
    if len(params.layers) < 2:
        raise ValidationError("layers: agreement needs two layers with coding.")
    return agreement_report(access, params, book=book)


def _put(out: dict, reasons: dict, name: str, metric: Metric | None) -> None:
    out[name] = None if metric is None else metric.value
    if metric is not None and metric.reason:
        reasons[name] = metric.reason


def _interval(out: dict, reasons: dict, interval: bootstrap.Interval | None) -> None:
    out["alpha_ci"] = None if interval is None else interval.pair
    out["alpha_ci_dropped"] = 0 if interval is None else interval.dropped
    if interval is None:
        reasons["alpha_ci"] = bootstrap.NOT_COMPUTED
    elif interval.reason:
        reasons["alpha_ci"] = interval.reason


def period_json(period: Period, segments: int) -> dict:
    return {
        "period": period.key,
        "version_id": period.version_id,
        "label": period.label,
        "segments": segments,
        "start": period.start.isoformat() if period.start else None,
        "end": period.end.isoformat() if period.end else None,
    }


def report_json(report: Report) -> dict:
    keys = report.keys
    two = report.two
    paths = exports.code_paths(report.book)
    boot = report.bootstrap
    codes = []
    for row in report.rows:
        reasons: dict[str, str] = {}
        entry = {
            "code_id": row.node.pk,
            "path": paths.get(row.node.pk, ""),
            "is_parent": row.is_parent,
            "status": STATUS_NAMES[row.status],
            "segments": dict(zip(keys, row.segments, strict=True)),
            "coded_by": dict(zip(keys, row.coded_by, strict=True)),
            "both": row.both,
            "neither": row.neither,
            "characters": row.characters,
        }
        _put(entry, reasons, "percent_agreement", row.percent_agreement)
        _put(entry, reasons, "kappa", row.cohen_kappa if two else None)
        if not two:
            reasons["kappa"] = "Cohen's kappa compares exactly two layers"
        _put(entry, reasons, "alpha", row.alpha)
        _interval(entry, reasons, row.alpha_ci)
        entry["reasons"] = reasons
        codes.append(entry)
    reasons = {}
    overall: dict = {"codes_used": report.n_codes_used}
    h = report.headline
    overall["characters"] = h.characters if h else 0
    _put(overall, reasons, "percent_agreement", h.percent_agreement if h else None)
    _put(overall, reasons, "kappa", h.cohen_kappa if h and two else None)
    _put(overall, reasons, "alpha", h.alpha if h else None)
    if h is None:
        reasons["alpha"] = "no code was applied on the compared transcripts"
    _interval(overall, reasons, report.headline_ci if h else None)
    if h is None and boot:
        reasons["alpha_ci"] = "alpha is undefined"
    overall["reasons"] = reasons
    return {
        "layers": keys,
        "unit": UNIT,
        "coded_under": report.coded_under_text,
        "codebook_versions": [period_json(p, n) for p, n in report.coded_under],
        "transcripts_in_scope": len(report.transcripts),
        "transcripts_compared": [
            {
                "id": t.pk,
                "title": t.title,
                "participant": t.participant or None,
                "group": t.group or None,
                "wave": t.wave or None,
                "layers": list(t.layers),
            }
            for t in report.compared
        ],
        "bootstrap": {
            "replicates": boot.replicates if boot else 0,
            "seed": report.params.seed,
            "level": bootstrap.LEVEL,
            "interval": bootstrap.INTERVAL_KIND,
            "resampling_unit": "transcript",
            "rng": bootstrap.RNG_NAME,
        },
        "overall": overall,
        "codes": codes,
    }
