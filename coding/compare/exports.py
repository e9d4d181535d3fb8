"""The comparison pages as files: ``?format=csv|xlsx`` (and ``svg`` for the trajectory chart).

Each export holds the numbers of its page, computed by the same selector: the CSV is one
long table for R and pandas, the XLSX the same table plus an "About" sheet naming the
study, the layer and the definitions. File names come from
:func:`workbench.lib.http.attachment_name`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.http import HttpResponse
from django.utils.text import slugify
from django.utils.translation import gettext as _

from coding import exports
from coding.compare.cooccurrence import CooccurrenceMatrix
from coding.compare.framework import Framework
from coding.compare.layers import LayerChoice
from coding.compare.matrix import MEASURE_HELP, MEASURES, Matrix
from coding.compare.pages import trajectory_chart
from coding.compare.trajectory import ABSENT, Trajectory
from studies import attributes as attribute_selectors
from studies.access import StudyAccess
from studies.models import AttributeScope
from workbench.lib.http import attachment_name, download

MATRIX_EXPORT_HEADER = [
    "code_id",
    "code_path",
    "depth",
    "group",
    "wave",
    "value",
    "participants_interviewed",
    "percent",
    "cell_as_shown",
]
COOCCURRENCE_EXPORT_HEADER = ["code_a_id", "code_a_path", "code_b_id", "code_b_path", "pairs"]
FRAMEWORK_EXPORT_HEADER = [
    "group",
    "participant",
    "wave",
    "code_path",
    "interviewed",
    "segments",
    "summary",
    "quotes",
]
TRAJECTORY_CHANGES_HEADER = [
    "group",
    "from_wave",
    "to_wave",
    "gained",
    "kept",
    "lost",
    "never",
    "interviewed_at_both",
    "not_interviewed_at_one",
]
TRAJECTORY_CHART_HEADER = [
    "group",
    "wave",
    "participants_with_code",
    "participants_interviewed",
    "percent",
]
SVG_CONTENT_TYPE = "image/svg+xml"


def about(access: StudyAccess, choice: LayerChoice, *pairs) -> list[tuple[str, Any]]:
    """The rows of an XLSX "About" sheet: study, layer, the export's own lines, layers."""
    return [
        (_("Study"), access.study.name),
        (_("Layer"), f"{choice.label} ({choice.key})"),
        *pairs,
        (_("Layers counted"), ", ".join(lr.label for lr in choice.layers) or _("none")),
    ]


# --- 1. Group x wave matrix ----------------------------------------------------------------


def matrix_rows(m: Matrix, paths: dict[int, str]) -> Iterator[list]:
    for row in m.rows:
        for cell, col in zip(row.cells, m.columns, strict=True):
            yield [
                row.node.pk,
                paths[row.node.pk],
                row.node.depth,
                col.group.name,
                col.wave.name,
                cell.value if cell.interviewed else None,
                cell.denominator,
                cell.percent,
                cell.text,
            ]


def matrix_file(
    access: StudyAccess, choice: LayerChoice, m: Matrix, paths: dict[int, str], fmt: str
) -> HttpResponse:
    filename = attachment_name(access.study, f"matrix-{m.measure}-{choice.key}", fmt)
    rows = matrix_rows(m, paths)
    if fmt == "csv":
        return exports.csv_response(filename, MATRIX_EXPORT_HEADER, rows)
    lines = about(
        access,
        choice,
        (_("Measure"), MEASURES[m.measure]),
        (_("Parents"), _("roll up their subtree") if m.rollup else _("own segments only")),
        (_("Definitions"), MEASURE_HELP[m.measure]),
    )
    sheet = exports.Sheet(_("Matrix"), MATRIX_EXPORT_HEADER, rows)
    return exports.xlsx_response(filename, [sheet], about=lines)


# --- 2. Trajectories -------------------------------------------------------------------------


def wave_columns(t: Trajectory, suffix: str = "") -> list[str]:
    """snake_case column names for the waves ("T1" -> "t1"), unique, ``wave_<n>`` when a
    name has no ASCII letters (e.g. Chinese)."""
    names: list[str] = []
    for i, w in enumerate(t.waves, start=1):
        name = exports.column_name(w.name, f"wave_{i}") + suffix
        names.append(name if name not in names else f"wave_{i}{suffix}")
    return names


def trajectory_tables(t: Trajectory) -> dict[str, tuple[str, list[str], list[list]]]:
    """The four tables of a trajectory export by ``?table=`` key: (sheet title, header, rows)."""
    grid_header = ["group", "participant", *wave_columns(t)]
    grid_rows = [
        [g.group.name, row.participant.pseudonym, *(p.text for p in row.points)]
        for g in t.groups
        for row in g.rows
    ]
    seg_header = ["group", "participant", *wave_columns(t, "_segments")]
    seg_rows = [
        [
            g.group.name,
            row.participant.pseudonym,
            *(None if p.status == ABSENT else p.segments for p in row.points),
        ]
        for g in t.groups
        for row in g.rows
    ]
    change_rows = [
        [
            g.group.name,
            tr.before.name,
            tr.after.name,
            tr.gained,
            tr.kept,
            tr.lost,
            tr.never,
            tr.both,
            tr.missing,
        ]
        for g in t.groups
        for tr in g.transitions
    ]
    chart_rows = [
        [g.group.name, w.name, p, n, pct]
        for g in t.groups
        for w, (p, n, pct) in zip(t.waves, g.waves, strict=True)
    ]
    return {
        "grid": (_("Participants"), grid_header, grid_rows),
        "segments": (_("Segments"), seg_header, seg_rows),
        "changes": (_("Changes"), TRAJECTORY_CHANGES_HEADER, change_rows),
        "chart": (_("Chart data"), TRAJECTORY_CHART_HEADER, chart_rows),
    }


def trajectory_file(
    access: StudyAccess, choice: LayerChoice, t: Trajectory, fmt: str, table: str | None
) -> HttpResponse:
    """The chart as SVG, one table as CSV (``table``: grid unless another key is named) or
    every table as XLSX sheets."""
    stem = f"trajectory-{slugify(t.code.code.name)[:30]}-{choice.key}"
    if fmt == "svg":
        return download(
            trajectory_chart(t, choice, standalone=True),
            attachment_name(access.study, stem, "svg"),
            SVG_CONTENT_TYPE,
        )
    tables = trajectory_tables(t)
    if fmt == "csv":
        key = table if table in tables else "grid"
        _title, header, rows = tables[key]
        return exports.csv_response(
            attachment_name(access.study, f"{stem}-{key}", "csv"), header, rows
        )
    sheets = [exports.Sheet(title, header, rows) for title, header, rows in tables.values()]
    lines = about(
        access,
        choice,
        (_("Code"), t.code.path),
        (_("Subcodes included"), "yes" if t.subtree else "no"),
    )
    return exports.xlsx_response(attachment_name(access.study, stem, "xlsx"), sheets, about=lines)


# --- 3. Co-occurrence ----------------------------------------------------------------------


def cooccurrence_file(
    access: StudyAccess,
    choice: LayerChoice,
    co: CooccurrenceMatrix,
    paths: dict[int, str],
    fmt: str,
    *,
    group: str,
    wave: str,
) -> HttpResponse:
    """CSV in long form (one row per pair of codes: code paths are no column names); XLSX
    with the square matrix and the same pairs."""
    pairs = [
        [a.pk, paths[a.pk], b.pk, paths[b.pk], co.count(a.pk, b.pk)]
        for a in co.codes
        for b in co.codes
    ]
    filename = attachment_name(access.study, f"cooccurrence-{choice.key}", fmt)
    if fmt == "csv":
        return exports.csv_response(filename, COOCCURRENCE_EXPORT_HEADER, pairs)
    header = ["code", *(paths[node.pk] for node in co.codes)]
    rows = [[paths[a.pk], *(co.count(a.pk, b.pk) for b in co.codes)] for a in co.codes]
    lines = about(
        access,
        choice,
        (_("Group"), group),
        (_("Wave"), wave),
        (_("Cell"), _("pairs of segments overlapping in the same layer and transcript")),
    )
    sheets = [
        exports.Sheet(_("Co-occurrence"), header, rows),
        exports.Sheet(_("Pairs"), COOCCURRENCE_EXPORT_HEADER, pairs),
    ]
    return exports.xlsx_response(filename, sheets, about=lines)


# --- 4. Framework matrix ------------------------------------------------------------------


def framework_rows(fw: Framework, paths: dict[int, str], defs: Sequence = ()) -> Iterator[list]:
    """One row per participant and code; then the participant's attributes (``defs``)."""
    for g in fw.groups:
        for row in g.rows:
            values = exports.attribute_cells(defs, row.participant.attributes, None)
            for node, cell in zip(fw.codes, row.cells, strict=True):
                yield [
                    g.group.name,
                    row.participant.pseudonym,
                    fw.wave.name if fw.wave else None,
                    paths[node.pk],
                    cell.interviewed,
                    len(cell.quotes) if cell.interviewed else None,
                    cell.summary.body if cell.summary else None,
                    "\n\n".join(q["quote"] for q in cell.quotes),
                    *values,
                ]


def framework_file(
    access: StudyAccess, choice: LayerChoice, fw: Framework, paths: dict[int, str], fmt: str
) -> HttpResponse:
    stem = f"framework-{slugify(fw.wave.name) if fw.wave else 'no-wave'}-{choice.key}"
    filename = attachment_name(access.study, stem, fmt)
    # Rows are participants: their attributes (transcript ones belong to no single row).
    defs = attribute_selectors.definitions(access.study, AttributeScope.PARTICIPANT)
    header = [*FRAMEWORK_EXPORT_HEADER, *exports.attribute_columns(defs, FRAMEWORK_EXPORT_HEADER)]
    rows = framework_rows(fw, paths, defs)
    if fmt == "csv":
        return exports.csv_response(filename, header, rows)
    lines = about(
        access,
        choice,
        (_("Wave"), fw.wave.name if fw.wave else ""),
        (_("Codes"), "; ".join(paths[n.pk] for n in fw.codes)),
        (_("Subcodes included"), "yes" if fw.subtree else "no"),
    )
    sheet = exports.Sheet(_("Framework"), header, rows)
    return exports.xlsx_response(filename, [sheet], about=lines)
