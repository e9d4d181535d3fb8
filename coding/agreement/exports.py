"""The agreement report's downloads: CSV and XLSX rows, the methods notes and the text."""

from __future__ import annotations

import string
from collections.abc import Iterator

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from coding import exports
from coding.agreement.loading import TranscriptInfo
from coding.agreement.methods import EXPORT_COLUMNS, METRIC_HELP
from coding.agreement.periods import coded_under_words
from coding.agreement.result import Report
from coding.agreement.rows import (
    GOOD_ALPHA,
    LOW_PREVALENCE_HELP,
    PREVALENCE_HELP,
    STATUS_WORDS,
    CodeRow,
    Metric,
)
from studies.models import Study
from workbench.lib.http import attachment

#: The formats of :func:`export_response`.
FORMATS = ("csv", "xlsx", "methods")


def _num(metric: Metric | None) -> float | None:
    if metric is None or metric.value is None:
        return None
    return round(metric.value, 6)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def export_rows(
    report: Report, per_transcript: list[tuple[TranscriptInfo, CodeRow]]
) -> Iterator[list]:
    """Pooled rows (``level`` "pooled", no transcript) then per-transcript rows."""
    keys = report.keys
    paths = exports.code_paths(report.book)

    def line(level: str, info: TranscriptInfo | None, row: CodeRow) -> list:
        ci = row.alpha_ci
        out = [
            level,
            info.pk if info else None,
            info.title if info else None,
            row.node.pk,
            paths.get(row.node.pk, ""),
            bool(row.node.children),
            STATUS_WORDS[row.status],
            *row.segments,
            *row.coded_by,
            row.both,
            row.neither,
            row.characters,
            _num(row.percent_agreement),
            _num(row.cohen_kappa) if len(keys) == 2 else None,
            _num(row.alpha),
            _round(ci.low) if ci else None,
            _round(ci.high) if ci else None,
            row.prevalence,
            bool(row.prevalence_warning),
            row.alpha.reason or row.cohen_kappa.reason,
            ci.reason if ci else "",
        ]
        out.append(
            coded_under_words(report.coded_under_by_code.get(row.node.pk, []))
            if info is None
            else ""
        )
        if report.params.expert:
            out += [
                _num(row.alpha_u),
                _num(row.u_alpha),
                row.seg_agree,
                row.seg_disagree,
                _num(row.seg_agreement),
            ]
        return out

    for row in report.rows:
        yield line("pooled", None, row)
    for info, row in per_transcript:
        yield line("transcript", info, row)


def _layer_columns(report: Report) -> list[str]:
    """snake_case name per compared layer (its label), ``layer_a``... when not usable."""
    names: list[str] = []
    for letter, layer in zip(string.ascii_lowercase, report.layers, strict=False):
        name = exports.column_name(layer.label, f"layer_{letter}")
        names.append(name if name not in names else f"layer_{letter}")
    return names


def export_header(report: Report) -> list[str]:
    names = _layer_columns(report)
    many = len(names) > 2
    header = [
        "level",
        "transcript_id",
        "transcript",
        "code_id",
        "code_path",
        "is_parent",
        "status",
        *[f"segments_{n}" for n in names],
        *[f"chars_coded_{n}" for n in names],
        "chars_coded_by_all" if many else "chars_coded_by_both",
        "chars_coded_by_none" if many else "chars_coded_by_neither",
        "chars_compared",
        "percent_agreement",
        "cohen_kappa",
        "krippendorff_alpha",
        "alpha_ci_low",
        "alpha_ci_high",
        "prevalence",
        "low_prevalence_warning",
        "note",
        "alpha_ci_note",
        "coded_under",
    ]
    if report.params.expert:
        header += [
            "unitizing_alpha",
            "u_alpha_binary",
            "segments_matched",
            "segments_unmatched",
            "segment_agreement",
        ]
    return header


def about_lines(report: Report, study: Study, scope_words: str) -> list[tuple[str, str]]:
    worked = "; ".join(
        _("%(layer)s: %(n)s of %(total)s")
        % {"layer": layer.label, "n": n, "total": len(report.transcripts)}
        for layer, n, _missing in report.worked_on
    )
    about = [
        (_("Report"), _("Inter-coder agreement (thematic coding workbench)")),
        (_("Study"), study.name),
        (_("Date"), timezone.localtime().strftime("%Y-%m-%d %H:%M %Z")),
        (_("Layers compared"), ", ".join(la.label for la in report.layers)),
        (_("Scope"), scope_words),
        (
            _("Codes"),
            _("%(code)s and its subcodes") % {"code": report.book.path(report.params.root_code)}
            if report.params.root_code
            else _("All codes"),
        ),
        (_("Transcripts in scope"), str(len(report.transcripts))),
        (_("Transcripts each layer worked on (assigned or coded)"), worked),
        (_("Transcripts compared (two or more layers worked on them)"), str(report.pairable)),
        (
            _("Missing layers"),
            _(
                "A layer that did not work on a transcript is missing there, "
                "not counted as coding nothing."
            ),
        ),
        (
            _("Unit of analysis"),
            _("character (Unicode code point) of the canonical transcript text."),
        ),
        (
            _("Parent codes"),
            _(
                "A parent code's row rolls up its subtree: the spans of the code and all its "
                "subcodes, merged per layer, compared as one code."
            ),
        ),
        (
            _("Codebook versions"),
            _(
                "The compared segments were %(coded_under)s (the version current when each "
                "segment was created; see docs/agreement/OVER_TIME.md)."
            )
            % {"coded_under": report.coded_under_text},
        ),
        (
            _("Pooling"),
            _(
                "Pooled rows sum the counts over transcripts (equal to concatenating "
                "them); coefficients are never averaged."
            ),
        ),
        (_("Percent agreement"), METRIC_HELP["percent_agreement"]),
        (_("Cohen kappa"), METRIC_HELP["cohen_kappa"]),
        (_("Krippendorff alpha"), METRIC_HELP["alpha_binary"]),
        (_("Confidence interval of alpha"), _interval_words(report)),
        (
            _("Threshold"),
            _("alpha below %(threshold)s is marked 'Below threshold'; %(good)s or more is 'Good'.")
            % {"threshold": f"{report.params.threshold:g}", "good": f"{GOOD_ALPHA:g}"},
        ),
        (_("Prevalence"), PREVALENCE_HELP),
        (_("Low-prevalence warning"), LOW_PREVALENCE_HELP),
        (
            _("Undefined"),
            _("Empty: a coefficient with no variation to work with (see Note)."),
        ),
    ]
    if report.params.expert:
        about += [
            (_("Unitizing alpha"), METRIC_HELP["alpha_u"]),
            ("u-alpha", METRIC_HELP["u_alpha"]),
            (
                _("Segment matching"),
                f"{METRIC_HELP['segment_matching']} "
                + _("Threshold: %(t)s.") % {"t": report.seg_threshold}
                if report.seg_threshold
                else _("Segment matching needs exactly two layers."),
            ),
        ]
    if report.skipped:
        about.append((_("Skipped segments"), f"{report.skipped} outside their transcript's text"))
    return about


def _interval_words(report: Report) -> str:
    boot = report.bootstrap
    if boot is None or not boot.replicates:
        return _("Not computed (0 replicates).")
    overall = report.headline_ci
    words = f"{METRIC_HELP['alpha_ci']} " + _(
        "B = %(b)s replicates, seed %(seed)s (numpy.random.default_rng), "
        "%(n)s compared transcripts resampled."
    ) % {"b": boot.replicates, "seed": boot.seed, "n": len(boot.transcripts)}
    if overall is not None and overall.defined:
        words += " " + _("Overall alpha 95%% CI: %(low)s to %(high)s.") % {
            "low": f"{overall.low:.3f}",
            "high": f"{overall.high:.3f}",
        }
    return words


def _methods_response(
    filename: str, report: Report, study: Study, about: list[tuple[str, str]]
) -> HttpResponse:
    lines = [
        _("Inter-coder agreement: %(study)s") % {"study": study.name},
        "",
        report.summary,
        "",
        *(f"{label}: {value}" for label, value in about),
        "",
        _("Columns of the CSV export:"),
        *(f"  {name}: {text}" for name, text in EXPORT_COLUMNS),
        "",
    ]
    response = HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = attachment(filename)
    return response


def export_response(fmt: str, report: Report, study: Study, scope_words: str) -> HttpResponse:
    """The report as a download: ``csv`` (one rectangular table), ``xlsx`` (pooled and
    per-transcript sheets with the methods notes) or ``methods`` (the text)."""
    about = about_lines(report, study, scope_words)
    stamp = timezone.localdate().isoformat()
    name = f"agreement-{study.pk}-{stamp}"
    if fmt == "methods":
        return _methods_response(f"{name}-methods.txt", report, study, about)
    header = export_header(report)
    if fmt == "csv":
        # One rectangular table, nothing else: the methods text is its own download.
        return exports.csv_response(
            f"{name}.csv", header, export_rows(report, report.per_transcript)
        )
    sheets = [
        exports.Sheet(_("Pooled"), header, list(export_rows(report, []))),
        exports.Sheet(
            _("Per transcript"),
            header,
            list(export_rows(report, report.per_transcript))[len(report.rows) :],
        ),
    ]
    return exports.xlsx_response(
        f"{name}.xlsx", sheets, about=[(_("Summary"), report.summary), *about]
    )
