"""What the comparison pages show beyond the selectors' numbers: shaded cells with their
retrieval links, the trajectory chart and grid, the passages behind a co-occurrence.

Cells of the matrices are rendered here in Python, escaped, not in the template: a
matrix has hundreds of cells and the template engine would be the slowest part of the page.
"""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, pgettext

from coding.compare.cooccurrence import CooccurrenceMatrix, OverlapPassage
from coding.compare.heat import Bin, HeatScale
from coding.compare.layers import LayerChoice
from coding.compare.matrix import Matrix
from coding.compare.svg import Series, line_chart
from coding.compare.trajectory import PRESENT, Trajectory
from coding.retrieval.selectors import RetrievalFilters
from studies.access import StudyAccess
from studies.attributes import AttributeFilter


def missing_cell() -> str:
    """A hatched cell: nobody of the column was interviewed at that wave (not 0)."""
    return (
        '<td class="heat-missing num"><span aria-hidden="true">—</span>'
        f'<span class="sr-only">{escape(gettext("not interviewed"))}</span></td>'
    )


def base_context(access: StudyAccess, choice: LayerChoice, page: str, **extra) -> dict:
    """The context every comparison page starts from (header, tabs, sub-navigation, layer)."""
    return {
        "study": access.study,
        "access": access,
        "tab": "compare",
        "compare_page": page,
        "choice": choice,
        **extra,
    }


def retrieval_base(study_id: int) -> str:
    try:
        return reverse("coding:retrieval", args=[study_id])
    except NoReverseMatch:  # pragma: no cover - retrieval ships with the coding app
        return f"/studies/{study_id}/retrieval/"


def bins_style(scale: HeatScale) -> list[dict]:
    """The legend of a heat scale: each bin's label and colours."""
    return [
        {"index": b.index, "label": b.label, "bg": b.background, "fg": b.foreground}
        for b in scale.bins()
    ]


def heat_cell(text: str, href: str, label: str, bin_: Bin) -> str:
    """One shaded cell linking to its segments."""
    return (
        f'<td class="heat-cell num" translate="no" style="background: {bin_.background}; '
        f'color: {bin_.foreground}"><a href="{escape(href)}" title="{escape(label)}">'
        f"{escape(text)}</a></td>"
    )


# --- 1. Group x wave matrix ----------------------------------------------------------------


def matrix_rows(
    access: StudyAccess, choice: LayerChoice, m: Matrix, restrict: tuple[AttributeFilter, ...] = ()
) -> list[dict]:
    """Each row's node and its cells as HTML (text, shade and retrieval link). A cell of a
    matrix cut by an attribute links to the retrieval filtered by that attribute's value;
    ``restrict`` (the page's attribute filters) goes into every link."""
    base = retrieval_base(access.study.pk)
    cut = m.frame.attribute
    layer_key = choice.retrieval_key or ""
    bins = {b.index: b for b in m.scale.bins()}
    rows = []
    for row in m.rows:
        subtree = m.rollup and row.has_children
        cells = []
        for cell, col in zip(row.cells, m.columns, strict=True):
            if not cell.interviewed:
                cells.append(missing_cell())
                continue
            query = RetrievalFilters(
                code=row.node.pk,
                subtree=subtree,
                group=None if cut is not None else col.group.pk,
                wave=col.wave.pk,
                layer=layer_key,
                attributes=(
                    *restrict,
                    *([AttributeFilter(cut.name, col.group.value)] if cut is not None else []),
                ),
            ).query()
            cells.append(
                heat_cell(
                    cell.text,
                    f"{base}?{query}",
                    f"{row.node.path}, {col.group.name}, {col.wave.name}",
                    bins[m.scale.bin_of(cell.value, cell.denominator)],
                )
            )
        rows.append({"node": row.node, "cells": mark_safe("".join(cells))})  # noqa: S308 - escaped above
    return rows


# --- 2. Trajectories -------------------------------------------------------------------------


def trajectory_chart(t: Trajectory, choice: LayerChoice, *, standalone: bool = False) -> str:
    """The line chart of a trajectory, its data stated in words in the ``<desc>``."""
    waves = [w.name for w in t.waves]
    series = []
    words = []
    for g in t.groups:
        series.append(Series(label=g.group.name, values=list(g.percents)))
        points = gettext(", ").join(
            gettext("%(wave)s: %(value)s")
            % {
                "wave": w,
                "value": gettext("not interviewed")
                if pct is None
                else gettext("%(pct)s%% (%(p)s of %(n)s)") % {"pct": pct, "p": p, "n": n},
            }
            for w, (p, n, pct) in zip(waves, g.waves, strict=True)
        )
        words.append(gettext("%(group)s: %(points)s.") % {"group": g.group.name, "points": points})
    per = t.attribute.name if t.attribute else pgettext("column of the matrix", "group")
    values = {"code": t.code.path, "per": per, "layer": choice.label}
    title = gettext("Participants with ‘%(code)s’ per %(per)s across waves (%(layer)s)") % values
    description = (
        gettext(
            "Percent of the participants of each %(per)s interviewed at each wave who have at "
            "least one segment of the code."
        )
        % values
        + " "
        + " ".join(words)
    )
    return line_chart(
        title=title,
        description=description,
        x_labels=waves,
        series=series,
        chart_id="trajectory-chart",
        standalone=standalone,
    )


def trajectory_chart_html(t: Trajectory, choice: LayerChoice) -> SafeString:
    return mark_safe(trajectory_chart(t, choice))  # noqa: S308 - built from escaped text


def trajectory_grid(
    access: StudyAccess,
    choice: LayerChoice,
    t: Trajectory,
    restrict: tuple[AttributeFilter, ...] = (),
) -> list[dict]:
    """Per group, each participant's points; a point with segments links to them (with the
    page's attribute filters, ``restrict``)."""
    base = retrieval_base(access.study.pk)
    cut = t.attribute
    grid = []
    for g in t.groups:
        # In a cut by an attribute, a point opens only the segments under that value.
        attributes = (*restrict, *([AttributeFilter(cut.name, g.group.value)] if cut else []))
        rows = []
        for row in g.rows:
            cells = []
            for p in row.points:
                href = ""
                if p.status == PRESENT:
                    href = (
                        base
                        + "?"
                        + RetrievalFilters(
                            code=t.code.pk,
                            subtree=t.subtree and bool(t.code.children),
                            participant=row.participant.pk,
                            wave=p.wave.pk,
                            layer=choice.retrieval_key or "",
                            attributes=attributes,
                        ).query()
                    )
                cells.append({"point": p, "href": href})
            rows.append({"participant": row.participant, "cells": cells})
        grid.append({"g": g, "rows": rows})
    return grid


# --- 3. Co-occurrence ----------------------------------------------------------------------


def cooccurrence_rows(access: StudyAccess, co: CooccurrenceMatrix, common: dict) -> list[dict]:
    """Each code's row of the square matrix as HTML; a non-zero cell links to its passages
    (``common``: the layer, group and wave parameters of the page)."""
    passages = reverse("coding:compare_passages", args=[access.study.pk])
    bins = {b.index: b for b in co.scale.bins()}
    rows = []
    for a in co.codes:
        cells = []
        for b in co.codes:
            n = co.count(a.pk, b.pk)
            if not n:
                cells.append('<td class="num muted">0</td>')
                continue
            href = f"{passages}?{urlencode({**common, 'a': a.pk, 'b': b.pk})}"
            cells.append(
                heat_cell(str(n), href, f"{a.path} with {b.path}", bins[co.scale.bin_of(n)])
            )
        rows.append({"node": a, "cells": mark_safe("".join(cells))})  # noqa: S308 - escaped above
    return rows


def passage_links(access: StudyAccess, passages: list[OverlapPassage]) -> list[dict[str, Any]]:
    """Each overlapping passage with the link that opens its transcript at the first segment."""
    links = []
    for p in passages:
        url = reverse("coding:transcript_code", args=[access.study.pk, p.transcript_id])
        query = urlencode({"layer": p.layer.key, "focus": p.a.pk})
        links.append({"p": p, "href": f"{url}?{query}#seg-{p.a.pk}"})
    return links
