"""Agreement over time as the API answers it and as CSV/XLSX (:mod:`coding.agreement.over_time`).

Every figure is a number or ``null`` with its reason in ``reasons``; the CSV is one
rectangular table: a row per calibration round and per codebook period (``code_id`` empty),
then the same rows per code.
"""

from __future__ import annotations

from ninja import Schema
from pydantic import Field

from coding import exports
from coding.agreement import bootstrap
from coding.agreement.answer import UNIT
from coding.agreement.over_time import KAPPA_TWO, CodeFigures, Figures, OverTime, trend_words
from coding.agreement.rows import Metric


class FiguresOut(Schema):
    percent_agreement: float | None
    kappa: float | None = Field(description="Cohen's kappa; two layers only.")
    alpha: float | None
    alpha_ci: list[float] | None = Field(description="95% percentile bootstrap interval.")
    units: int = Field(description="Units behind the figures (see `unit`).")
    reasons: dict[str, str] = Field(description="Why a value is null, by field name.")


class CodeFiguresOut(FiguresOut):
    code_id: int
    path: str


class OverTimeRowOut(FiguresOut):
    kind: str = Field(description="`round` (a calibration round) or `period` (codebook).")
    key: str
    label: str
    start: str | None = Field(description="Round: created; period: start (inclusive).")
    end: str | None = Field(description="Period: end (exclusive); null: up to now.")
    codebook: str = Field(description="The codebook version the figures rest on.")
    unit: str = Field(description="What `units` counts.")
    resampled: str = Field(description="What the bootstrap draws whole.")
    transcripts: list[int] = Field(description="Periods: the compared transcripts' ids.")
    segments: int = Field(description="Periods: compared segments created in the period.")
    coders: int = Field(description="Rounds: compared coders who answered.")
    note: str
    codes: list[CodeFiguresOut]


class OverTimeOut(Schema):
    layers: list[str]
    unit: str
    replicates: int
    seed: int
    rng: str
    rounds: list[OverTimeRowOut]
    periods: list[OverTimeRowOut]
    straddling: list[int] = Field(
        description="Transcripts a compared layer coded in more than one period (each "
        "period compares only its own segments)."
    )
    trend: dict[str, str] = Field(description="In words: `rounds`, `periods`.")


def _metric(out: dict, reasons: dict, name: str, metric: Metric) -> None:
    out[name] = metric.value
    if metric.value is None and metric.reason:
        reasons[name] = metric.reason


def _figures(f: Figures | CodeFigures) -> dict:
    reasons: dict[str, str] = {}
    out: dict = {"units": f.units}
    _metric(out, reasons, "percent_agreement", f.percent_agreement)
    _metric(out, reasons, "kappa", f.kappa)
    _metric(out, reasons, "alpha", f.alpha)
    ci = f.alpha_ci
    out["alpha_ci"] = ci.pair if ci is not None else None
    if ci is None:
        reasons["alpha_ci"] = bootstrap.NOT_COMPUTED
    elif ci.reason and not ci.defined:
        reasons["alpha_ci"] = ci.reason
    out["reasons"] = reasons
    return out


def _row(table: OverTime, row: Figures, paths: dict) -> dict:
    out = _figures(row)
    out.update(
        kind=row.kind,
        key=row.key,
        label=row.label,
        start=row.start.isoformat() if row.start else None,
        end=row.end.isoformat() if row.end else None,
        codebook=row.codebook,
        unit=row.unit_words if row.kind == "round" else UNIT,
        resampled="excerpt" if row.kind == "round" else "transcript",
        transcripts=[t.pk for t in row.transcripts],
        segments=row.segments,
        coders=row.coders,
        note=row.note,
        codes=[
            {"code_id": n.pk, "path": paths.get(n.pk, ""), **_figures(row.per_code[n.pk])}
            for n in table.nodes
            if n.pk in row.per_code
        ],
    )
    return out


def over_time_json(table: OverTime, book) -> dict:
    paths = exports.code_paths(book)
    return {
        "layers": table.keys,
        "unit": UNIT,
        "replicates": table.replicates,
        "seed": table.seed,
        "rng": bootstrap.RNG_NAME,
        "rounds": [_row(table, r, paths) for r in table.rounds],
        "periods": [_row(table, r, paths) for r in table.periods],
        "straddling": [t.pk for t in table.straddling],
        "trend": {"rounds": trend_words(table.rounds), "periods": trend_words(table.periods)},
    }


HEADER = [
    "kind",
    "label",
    "start",
    "end",
    "codebook_version",
    "code_id",
    "code_path",
    "units",
    "unit",
    "transcripts_compared",
    "segments",
    "coders",
    "percent_agreement",
    "cohen_kappa",
    "krippendorff_alpha",
    "alpha_ci_low",
    "alpha_ci_high",
    "note",
]


def _line(row: Figures, f: Figures | CodeFigures, code_id, path) -> list:
    ci = f.alpha_ci
    reasons = [f.alpha.reason] if f.alpha.value is None and f.alpha.reason else []
    if f.kappa.value is None and f.kappa.reason and f.kappa.reason != KAPPA_TWO:
        reasons.append("kappa: " + f.kappa.reason)
    if ci is not None and not ci.defined and ci.reason:
        reasons.append("no interval: " + ci.reason)
    if row.note and code_id is None:
        reasons.append(row.note)
    return [
        row.kind,
        row.label,
        row.start,
        row.end,
        row.codebook,
        code_id,
        path,
        f.units,
        row.unit_words,
        row.n_transcripts if row.kind == "period" else None,
        row.segments if row.kind == "period" else None,
        row.coders if row.kind == "round" else None,
        f.percent_agreement.value,
        f.kappa.value,
        f.alpha.value,
        ci.low if ci is not None else None,
        ci.high if ci is not None else None,
        "; ".join(dict.fromkeys(reasons)),
    ]


def export_rows(table: OverTime, book, *, codes: bool) -> list[list]:
    paths = exports.code_paths(book)
    if not codes:
        return [_line(r, r, None, "") for r in table.rows]
    return [
        _line(r, r.per_code[n.pk], n.pk, paths.get(n.pk, ""))
        for r in table.rows
        for n in table.nodes
        if n.pk in r.per_code
    ]


def export_response(fmt: str, table: OverTime, study, scope_words: str):
    from django.utils import timezone

    from coding.codebook.selectors import codebook

    book = codebook(study)
    name = f"agreement-over-time-{study.pk}-{timezone.localdate().isoformat()}"
    if fmt == "csv":
        rows = export_rows(table, book, codes=False) + export_rows(table, book, codes=True)
        return exports.csv_response(f"{name}.csv", HEADER, rows)
    about = [
        ("Report", "Inter-coder agreement over time (thematic coding workbench)"),
        ("Study", study.name),
        ("Date", timezone.localtime().strftime("%Y-%m-%d %H:%M %Z")),
        ("Layers compared", ", ".join(la.label for la in table.layers)),
        ("Scope", scope_words),
        (
            "Rounds",
            "Calibration rounds in date order: the compared coders' answers; units "
            "x coders alpha; the interval resamples whole excerpts.",
        ),
        (
            "Periods",
            "Codebook periods: segments created while that codebook version was "
            "current, compared on the transcripts two or more compared layers coded in the "
            "period; unit the character; the interval resamples whole transcripts.",
        ),
        (
            "Bootstrap",
            f"B = {table.replicates}, seed {table.seed} ({bootstrap.RNG_NAME}), "
            "95% percentile interval.",
        ),
        ("Trend (rounds)", trend_words(table.rounds) or "fewer than two defined rounds"),
        ("Trend (periods)", trend_words(table.periods) or "fewer than two defined periods"),
    ]
    sheets = [
        exports.Sheet("Over time", HEADER, export_rows(table, book, codes=False)),
        exports.Sheet("Per code", HEADER, export_rows(table, book, codes=True)),
    ]
    return exports.xlsx_response(f"{name}.xlsx", sheets, about=about)
