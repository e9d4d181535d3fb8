"""Page builders of the side-by-side disagreement review (the views stay thin).

:func:`review_context` is the whole template context of ``coding/consensus/disagreements.html``;
:func:`side_by_side` renders each compared layer's coverage (and consensus) line by line.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from django.http import Http404
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, pgettext_lazy

from coding.agreement.loading import default_layers, layer_query
from coding.codebook.selectors import codebook
from coding.consensus.passage import LETTERS, passage
from coding.consensus.review import Review, Unit, review
from coding.models import Decision, Layer, LayerKind
from coding.segments import runs
from coding.segments.runs import Line
from studies.access import StudyAccess
from studies.models import Transcript

#: The decisions the review offers, with their keyboard keys.
DECISIONS = [
    (Decision.ACCEPT_A, pgettext_lazy("consensus decision", "Accept A"), "a"),
    (Decision.ACCEPT_B, pgettext_lazy("consensus decision", "Accept B"), "b"),
    (Decision.UNION, pgettext_lazy("consensus decision", "Union"), "u"),
    (Decision.INTERSECTION, pgettext_lazy("consensus decision", "Intersection"), "i"),
    (Decision.REJECT, pgettext_lazy("consensus decision", "Neither"), "n"),
]
#: Every decision's name in the reader's language (the model's labels are English).
DECISION_WORDS = {
    **{value: label for value, label, _key in DECISIONS},
    Decision.EDIT: pgettext_lazy("consensus decision", "Edited"),
}


def review_layers(layers: Sequence[Layer], keys: Sequence[str]) -> list[Layer]:
    """The coder layers named by ``keys`` in the order given (A, B, ...), or the default
    two when none is named; ``Http404`` for a key that is not a comparable layer."""
    chosen = [la for la in layers if la.key in keys and la.kind != LayerKind.CONSENSUS]
    if keys and len(chosen) != len(keys):
        raise Http404("No such layer.")
    if not keys:
        chosen = [la for la in default_layers(layers) if la.kind != LayerKind.CONSENSUS]
    # Keep the order the request gave (A, B, ...).
    if keys:
        chosen.sort(key=lambda la: list(keys).index(la.key))
    return chosen


def listed_units(units: Sequence[Unit], show: str) -> list[Unit]:
    if show == "unsettled":
        return [u for u in units if not u.settled and u.state != "agreed"]
    if show == "disagreements":
        return [u for u in units if u.state != "agreed"]
    return list(units)


def current_unit(units: Sequence[Unit], current: int | None) -> int | None:
    """``current`` if it is listed, else the first unsettled disagreement, else the first."""
    if current is None or not any(u.number == current for u in units):
        first = next((u for u in units if not u.settled and u.state != "agreed"), None)
        first = first or (units[0] if units else None)
        current = first.number if first else None
    return current


def next_unsettled(rv: Review, after: int) -> int | None:
    pending = [u for u in rv.units if not u.settled and u.state != "agreed"]
    later = [u for u in pending if u.start >= after]
    chosen = (later or pending or [None])[0]
    return chosen.number if chosen else None


def review_context(
    access: StudyAccess,
    transcript: Transcript,
    code_id: int,
    *,
    compared: list[Layer],
    show: str,
    current: int | None,
    note: str = "",
) -> dict:
    """The review page of ``code_id`` on ``transcript`` for the ``compared`` layers."""
    if len(compared) < 2:
        raise Http404("Choose two coder layers to compare.")
    book = codebook(access.study)
    node = book.by_id.get(code_id)
    if node is None:
        raise Http404("No such code.")
    rv = review(access.study, transcript, node, compared)
    units = listed_units(rv.units, show)
    current = current_unit(units, current)
    numbers = [u.number for u in units]
    pos = numbers.index(current) if current in numbers else None
    prev_n = numbers[pos - 1] if pos is not None and pos > 0 else None
    next_n = numbers[pos + 1] if pos is not None and pos + 1 < len(numbers) else None
    base = reverse("coding:disagreements", args=[access.study.pk, transcript.pk, code_id])
    layer_q = layer_query(compared)
    return {
        "study": access.study,
        "access": access,
        "tab": "agreement",
        "transcript": transcript,
        "code": node,
        "review": rv,
        "units": units,
        "items": review_items(transcript.text, rv, units),
        "two_layers": len(compared) == 2,
        "show": show,
        "current": current,
        "prev_url": f"{base}?{layer_q}&show={show}&unit={prev_n}#unit-{prev_n}" if prev_n else "",
        "next_url": f"{base}?{layer_q}&show={show}&unit={next_n}#unit-{next_n}" if next_n else "",
        "base_url": base,
        "layer_query": layer_q,
        "rows": side_by_side(transcript.text, rv, current),
        "can_decide": access.is_owner,
        "decisions": DECISIONS,
        "lettered_layers": list(zip(LETTERS, compared, strict=False)),
        "note": note,
        "report_url": reverse("coding:agreement_report", args=[access.study.pk])
        + f"?{layer_q}&focus={code_id}",
    }


def side_by_side(text: str, rv: Review, current: int | None) -> list[tuple[Line, list[str]]]:
    """Rows of (line, [cell html per column]) for the compared layers and consensus."""
    columns = [u.coverage for u in rv.units]
    per_column: list[list[tuple[int, int]]] = [[] for _ in range(len(rv.layers) + 1)]
    for unit in rv.units:
        for i, cov in enumerate(unit.coverage):
            per_column[i].extend(cov)
    per_column[-1] = list(rv.consensus_spans)
    spans = []
    for c, intervals in enumerate(per_column):
        for j, (s, e) in enumerate(intervals):
            spans.append(runs.Span(c * 10_000_000 + j + 1, s, e))
    unit_base = 900_000_000
    for unit in rv.units:
        spans.append(runs.Span(unit_base + unit.index, unit.start, unit.end))
    del columns
    rendered = runs.render_transcript(text, spans)
    unit_by_index = {u.index: u for u in rv.units}
    rows = []
    names = [la.label for la in rv.layers] + [gettext("Consensus")]
    for line in rendered.lines:
        cells = []
        for c in range(len(per_column)):
            lo, hi = c * 10_000_000, (c + 1) * 10_000_000
            title = escape(
                gettext("%(code)s by %(layer)s") % {"code": rv.code.code.name, "layer": names[c]}
            )
            # Consecutive runs that look the same are merged into one element.
            pieces: list[list] = []  # [covered, classes, unit, html]
            for run in line.runs:
                covered = any(lo < sid < hi for sid in run.segment_ids)
                unit_ids = [sid - unit_base for sid in run.segment_ids if sid >= unit_base]
                unit = unit_by_index.get(unit_ids[0]) if unit_ids else None
                body = escape(run.text)
                anchor = c == 0 and unit is not None and run.start == unit.start
                if anchor:
                    body = f'<span class="unit-anchor" id="t-unit-{unit.number}"></span>' + body
                classes = []
                if unit is not None and unit.state != "agreed":
                    classes.append("diff")
                    if current is not None and unit.number == current:
                        classes.append("current")
                if covered:
                    classes.append("hl")
                key = (covered, " ".join(classes), unit.number if unit else None)
                if pieces and pieces[-1][0] == key and not anchor:
                    pieces[-1][1] += body
                else:
                    pieces.append([key, body])
            parts = []
            for (covered, classes, number), body in pieces:
                attr = f' data-unit="{number}"' if number is not None else ""
                if covered:
                    parts.append(f'<mark class="{classes}" title="{title}"{attr}>{body}</mark>')
                elif classes:
                    parts.append(f'<span class="{classes}"{attr}>{body}</span>')
                else:
                    parts.append(body)
            cells.append(mark_safe("".join(parts)))
        rows.append((line, cells))
    return rows


def review_items(text: str, rv: Review, units: Sequence[Unit]) -> list[dict]:
    """Each listed unit with its quoted passage and each side's words."""
    items = []
    for unit in units:
        p = passage(text, unit.start, unit.end, unit.coverage, unit.consensus)
        line_start = text.rfind("\n", 0, unit.start) + 1
        line_end = text.find("\n", unit.start)
        line = text[line_start : line_end if line_end != -1 else len(text)]
        items.append(
            {
                "unit": unit,
                "passage": p,
                "lang": runs.line_language(line),
                "sides": [
                    (letter, la.label, quotes)
                    for letter, la, quotes in zip(LETTERS, rv.layers, p.quotes, strict=False)
                ],
            }
        )
    return items
