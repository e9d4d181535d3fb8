"""A write through the coding page answered with only what changed (issue 12).

The write's own audit events (:func:`coding.audit.recorded`: no query) say which segments it
changed, with their spans before and after; the answer holds, out of band
(``hx-swap-oob``), the turns those spans touch (rendered from the segments overlapping them
only: :func:`runs.render_lines`), the codebook rows of the codes involved (counts mine /
all), the hint shown when the layer is empty, the save status, the toast and the alert, and
last the changed rows of the ``segments-data`` table with its layers (``segments-delta``:
``{"layers", "set": [rows], "del": [ids]}``, merged by ``mergeSegments`` in
``static/js/coding/transcript.js``). Nothing here reads or loops over all the transcript's
segments; the pieces are plain strings (no template).

When something global changed (a code was created, a consensus decision was undone, an
event touched another transcript) :func:`partial_body` returns None and the view answers
with the whole transcript as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from django.http import HttpRequest
from django.utils.html import conditional_escape, json_script
from django.utils.translation import gettext

from coding.codebook import selectors as codebook_selectors
from coding.models import AuditEvent, Layer, LayerKind, Segment
from coding.segments import bookcache, lineindex, margin, page, runs, selectors
from studies.access import StudyAccess
from studies.models import Transcript

TEMPLATE = "coding/segments/transcript_code.html"
#: Actions that group or record other events and carry no span of their own.
_GROUPS = ("segment.batch", "segment.undo")


def wants_partial(request: HttpRequest) -> bool:
    """The page script asks for the partial answer (``partial=1``); other clients (plain
    htmx posts, old pages) keep the whole transcript."""
    return bool(getattr(request, "htmx", False)) and request.POST.get("partial") == "1"


@dataclass
class Touched:
    """What a write changed: merged ``[lo, hi)`` ranges of whole lines, segment and code ids."""

    ranges: list[tuple[int, int]] = field(default_factory=list)
    ids: set[int] = field(default_factory=set)
    codes: set[int] = field(default_factory=set)


def _line_range(text: str, start: int, end: int) -> tuple[int, int]:
    """The whole lines overlapping ``[start, end)``: from the start of the line holding
    ``start`` to the end of the line holding ``end - 1``."""
    length = len(text)
    start, end = max(0, min(start, length)), max(0, min(end, length))
    lo = text.rfind("\n", 0, start) + 1 if start > 0 else 0
    hi = text.find("\n", max(start, end - 1))
    return lo, length if hi == -1 else max(hi, lo)


def touched_by(events: list[AuditEvent], transcript: Transcript) -> Touched | None:
    """The segments of ``transcript`` a write's ``events`` (:func:`coding.audit.recorded`)
    changed, or None when an event changed anything else. No query."""
    touched = Touched()
    spans: list[tuple[int, int]] = []
    for event in events:
        action, object_type, before, after = (
            event.action,
            event.object_type,
            event.before,
            event.after,
        )
        if action in _GROUPS:
            continue
        if object_type != "segment" or not action.startswith("segment."):
            return None
        for snap in (before, after):
            if not snap:
                continue
            if snap.get("transcript_id") != transcript.pk:
                return None
            spans.append(_line_range(transcript.text, snap["start"], snap["end"]))
            touched.ids.add(snap["id"])
            touched.codes.add(snap["code_id"])
    for lo, hi in sorted(spans):
        if touched.ranges and lo <= touched.ranges[-1][1] + 1:
            prev = touched.ranges[-1]
            touched.ranges[-1] = (prev[0], max(prev[1], hi))
        else:
            touched.ranges.append((lo, hi))
    return touched


def overlapping(qs, transcript: Transcript, ranges: list[tuple[int, int]]):
    """``qs`` (segments of ``transcript``) restricted to those overlapping any of ``ranges``
    (half-open), unordered.

    On PostgreSQL the condition is also written as ``transcript_id = …::bigint AND
    int4range(start, end) && …``, which the GiST index of migration 0010 serves (the btree
    on start bounds one side only; the cast matches the index's bigint operator class).
    """
    postgres = connection.vendor == "postgresql"
    near = Q()
    for lo, hi in ranges:
        cond = Q(start__lt=hi, end__gt=lo)
        if postgres:
            sql = RawSQL(_PG_OVERLAP, (transcript.pk, lo, hi), output_field=BooleanField())
            cond &= Q(sql)
        near |= cond
    return qs.filter(near).order_by()


_PG_OVERLAP = (
    '"coding_segment"."transcript_id" = %s::bigint AND '
    'int4range("coding_segment"."start", "coding_segment"."end") && int4range(%s, %s)'
)


def _in(values) -> str:
    return ", ".join(["%s"] * len(values))


def segment_rows_near(
    transcript_id: int, layer_ids: list[int], ranges: list[tuple[int, int]]
) -> list[tuple]:
    """Rows of ``page.SEGMENT_COLUMNS`` (the creation time as a datetime, or the database's
    UTC text on SQLite) of the segments of the transcript in ``layer_ids`` (layers the
    requester may see, decided by :mod:`studies.access`) overlapping any of ``ranges``,
    unordered: the query :func:`overlapping` builds, written out (building it through the
    ORM cost more than running it). On PostgreSQL the GiST index of migration 0010
    serves the ``&&`` condition; on SQLite the start index is bounded on both sides."""
    table = connection.ops.quote_name(Segment._meta.db_table)
    postgres = connection.vendor == "postgresql"
    near, params = [], [transcript_id, *layer_ids]
    # Elsewhere ``start >= lo - (the transcript's longest segment)`` bounds the start index
    # from below (migration 0016 indexes the lengths: one step).
    longest = f'(SELECT MAX("end" - "start") FROM {table} WHERE "transcript_id" = %s)'
    for lo, hi in ranges:
        if postgres:
            near.append('(int4range("start", "end") && int4range(%s, %s))')
            params += [lo, hi]
        else:
            near.append(f'("start" < %s AND "end" > %s AND "start" >= %s - {longest})')
            params += [hi, lo, lo, transcript_id]
    sql = (
        'SELECT "id", "start", "end", "code_id", "layer_id", "memo", "needs_review", '
        f'"created_at" FROM {table} WHERE "transcript_id" = %s '
        f'AND "layer_id" IN ({_in(layer_ids)}) AND ({" OR ".join(near)})'
    )
    if postgres:
        sql = sql.replace('"transcript_id" = %s', '"transcript_id" = %s::bigint', 1)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(*row[:6], bool(row[6]), row[7]) for row in cursor.fetchall()]


def code_counts_in(
    transcript_id: int, layer_ids: list[int], code_ids, own_ids: list[int]
) -> dict[int, tuple[int, int]]:
    """As :func:`coding.codebook.selectors.code_counts` for one transcript and some codes:
    per code id, ``(segments in the layers own_ids, in layer_ids)``; ``layer_ids`` the
    layers the requester may see (:mod:`studies.access`). One query, written out."""
    table = connection.ops.quote_name(Segment._meta.db_table)
    codes = sorted(code_ids)
    mine = f'"layer_id" IN ({_in(own_ids)})' if own_ids else "1 = 0"
    sql = (
        f'SELECT "code_id", SUM(CASE WHEN {mine} THEN 1 ELSE 0 END), COUNT(*) FROM {table} '
        f'WHERE "transcript_id" = %s AND "code_id" IN ({_in(codes)}) '
        f'AND "layer_id" IN ({_in(layer_ids)}) GROUP BY "code_id"'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*own_ids, transcript_id, *codes, *layer_ids])
        return {code: (int(m), int(n)) for code, m, n in cursor.fetchall()}


def _oob_turn(html: str) -> str:
    return html.replace('<div class="turn', '<div hx-swap-oob="true" class="turn', 1)


def partial_body(
    request: HttpRequest,
    access: StudyAccess,
    transcript: Transcript,
    *,
    view: str | None,
    toast: dict,
    saved_at,
    events: list[AuditEvent],
    book: codebook_selectors.Codebook | None = None,
    marked: list[Layer] | None = None,
) -> str | None:
    """The out-of-band answer to a write that recorded ``events``, or None when the whole
    transcript must be sent (see the module's docstring). ``book``: the requester's
    codebook when the view has it already; ``marked``: the visible layers as they are
    after the write (:func:`selectors.marked_layers`) when the view read them."""
    touched = touched_by(events, transcript)
    if touched is None:
        return None
    state = page.layer_state(access, view, marked=marked)
    if state.edit is None:
        return None
    if book is None:
        book = bookcache.page_book(access).book
    code_filter = page.code_filter_param(request, book)
    rows: list[tuple] = []
    shown_ids = [layer.pk for layer in state.shown if access.can_see_layer(layer)]
    if shown_ids and touched.ranges:
        rows = segment_rows_near(transcript.pk, shown_ids, touched.ranges)
    tint: set[int] = set()
    subtree = None
    if code_filter is not None:
        subtree = book.subtree_ids(code_filter)
        rows = [r for r in rows if r[3] in subtree]
        tint = {r[0] for r in rows}
    who, writable = page.layer_words(access, state)
    layer_index = {layer.pk: i for i, layer in enumerate(state.shown)}
    looks, entries = page.segment_entries(rows, book, who, layer_index, None)

    parts: list[str] = []
    text = transcript.text
    lines = lineindex.for_transcript(transcript) if touched.ranges else None
    for lo, hi in touched.ranges:
        spans = [runs.Span(r[0], r[1], r[2]) for r in rows if r[1] < hi and r[2] > lo]
        drawn = runs.render_lines(text, spans, looks, lo=lo, hi=hi, tint=tint, lines=lines)
        for _, html in drawn:
            parts.append(_oob_turn(html))

    counts = {}
    if state.visible and touched.codes:
        user_id = access.membership.user_id
        own = [
            layer.pk
            for layer in state.visible
            if layer.kind == LayerKind.CODER and layer.user_id == user_id
        ]
        counts = code_counts_in(
            transcript.pk, [layer.pk for layer in state.visible], touched.codes, own
        )
    cb = page.build_codebook_view(
        access,
        transcript,
        state,
        book,
        code_filter,
        counts=counts,
        markup=False,
        pb=getattr(book, "page", None),
    )
    if cb.rows:
        mine = [row for row in cb.rows if row.node.pk in touched.codes]
        parts.append(
            page.codebook_tree_html(
                mine, state.view, code_filter, first=cb.rows[0].node.pk, oob=True
            )
        )

    if rows:
        shown = True
    elif state.shown:
        qs = selectors.segments_for_transcript(access, transcript, layers=state.shown)
        if subtree is not None:
            qs = qs.filter(code_id__in=subtree)
        shown = qs.exists()
    else:
        shown = False
    parts.append(hint_html(state, code_filter, shown=shown, has_text=bool(transcript.length)))
    parts.append(status_html(saved_at))
    parts.append(toast_html(toast, state))
    parts.append(ALERT_CLEARED)
    present = {row[0] for row in entries}
    delta = {
        # The page's layer table as well: the write may have made the coder's layer.
        "layers": [[who[pk], 1 if writable[pk] else 0] for pk in layer_index],
        "set": [row for row in entries if row[0] in touched.ids],
        "del": sorted(touched.ids - present),
        # The stroke of each code of the rows (the script draws the touched turns' margin).
        "strokes": margin.strokes(entries, looks),
    }
    script = json_script(delta, "segments-delta")
    parts.append(script.replace("<script ", '<script hx-swap-oob="true" ', 1))
    return "".join(parts)


# The page's hint, save status, toast and alert (the template's ``hint``, ``status``,
# ``toast`` and ``alert`` partials, out of band) as plain strings: four template renders
# were a third of a write's answer. tests/coding/test_segment_write_lines.py checks they
# equal the partials.
ALERT_CLEARED = (
    '<div id="coding-alert" class="coding-alert" role="alert" hx-swap-oob="innerHTML"></div>'
)


def hint_html(state: page.LayerState, code_filter: int | None, *, shown: bool, has_text: bool):
    words = ""
    if has_text and not shown:
        if code_filter:
            if state.view != "all":
                words = gettext("No highlights of this code here in this layer.")
            else:
                words = gettext("No highlights of this code here.")
        elif state.view == "consensus":
            if state.edit:
                words = gettext("No consensus yet: select text and press C to start it.")
            else:
                words = gettext("No consensus yet.")
        elif state.edit:
            words = gettext("No highlights: select text, press C.")
        else:
            words = gettext("No highlights in this layer.")
    return f'<p class="empty-hint" id="transcript-hint" hx-swap-oob="true">{words}</p>'


def status_html(saved_at) -> str:
    words = gettext("Saved %(time)s") % {"time": f"{saved_at:%H:%M}"} if saved_at else ""
    return (
        '<span id="save-status" class="save-status" aria-live="polite" hx-swap-oob="true">'
        f"{words}</span>"
    )


def toast_html(toast: dict | None, state: page.LayerState) -> str:
    body = ""
    if toast and toast.get("confirm"):
        esc = conditional_escape
        url = esc(toast["url"])
        hidden = [
            ("csrfmiddlewaretoken", toast["csrf"]),
            ("view", state.view),
            ("code_filter", toast.get("code_filter") or ""),
            ("partial", "1"),
            ("confirm", toast["confirm"]),
        ]
        body = (
            '<div class="toast-body toast-confirm">'
            f'<span class="toast-text" id="undo-confirm-text">{esc(toast["text"])}</span> '
            f'<form method="post" action="{url}" hx-post="{url}" hx-target="#transcript" '
            'hx-swap="outerHTML" class="inline" data-undo-confirm>'
            + "".join(
                f'<input type="hidden" name="{name}" value="{esc(value)}">'
                for name, value in hidden
            )
            + '<button type="submit" class="button small" aria-describedby="undo-confirm-text">'
            f"{esc(gettext('Undo the batch'))}</button> "
            '<button type="button" class="button small secondary" data-undo-keep>'
            f"{esc(gettext('Keep'))}</button>"
            "</form></div>"
        )
    elif toast:
        body = f'<p class="toast-body"><span class="toast-text">{conditional_escape(toast["text"])}</span>'
        if toast.get("undo") and state.edit:
            body += f' · <button type="button" class="link-button" data-undo>{conditional_escape(gettext("Undo"))}</button> '
            body += "<kbd>Ctrl+Z</kbd>"
        body += "</p>"
    return (
        '<div id="toast" class="toast" role="status" aria-live="polite" '
        f'hx-swap-oob="innerHTML">{body}</div>'
    )
