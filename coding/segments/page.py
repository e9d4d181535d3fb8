"""The coding page's builders: which layers a member sees and edits (:func:`layer_state`), the
transcript's runs and the segment data the page script reads, the codebook panel with
counts, the neighbours, and the whole template context (:func:`page_context`)."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from coding.agreement.periods import page_periods
from coding.codebook import selectors as codebook_selectors
from coding.models import Layer, LayerKind
from coding.segments import bookcache, margin, player, runs, selectors
from coding.segments.codebook_panel import (  # noqa: F401 (the page's names, as before)
    PROPOSED_NOTE,
    CodebookView,
    CodeRow,
    _match_key,
    _tree_positions,
    build_codebook_view,
    codebook_options_html,
    codebook_tree_html,
    fold_map,
)
from coding.segments.forms import blank_memo_form
from coding.segments.selectors import LayerOption
from studies.access import StudyAccess, transcript_memos
from studies.models import Transcript
from workbench.lib.http import maybe_url

#: What Django's ``json_script`` escapes, so no "</script>" ends the data early.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


# --- state shared by the page and its fragments ---------------------------------------


@dataclass
class LayerState:
    """Which layers the requester sees and which one (if any) they edit on this page."""

    view: str  # "mine", "consensus", "all", or another layer's key
    options: list[LayerOption]
    visible: list[Layer]
    shown: list[Layer]
    own: Layer | None
    consensus: Layer | None
    edit: str | None  # "mine", "consensus" or None (read-only)
    blind: bool

    can_code: bool = False
    is_owner: bool = False
    #: When the requester marked this transcript done in their layer (None: not done, or
    #: the state was built without a transcript).
    done_at: Any = None

    @property
    def edit_label(self) -> str:
        if self.edit == "mine":
            return _("your layer")
        if self.edit == "consensus":
            return _("the consensus layer")
        return ""

    @property
    def read_note(self) -> str:
        """Why selecting text does not code here (the toolbar and the page script say it)."""
        if self.edit:
            return ""
        if not self.can_code:
            return _("Viewers read coding; they cannot change it.")
        if self.view == "all":
            if self.is_owner:
                return _("Reading all layers — switch to Mine or Consensus to code.")
            return _("Reading all layers — switch to Mine to code.")
        if self.is_owner:
            return _("This layer is read-only — switch to Mine or Consensus to code.")
        return _("This layer is read-only — switch to Mine to code.")


def layer_state(
    access: StudyAccess,
    requested: str | None,
    transcript: Transcript | None = None,
    *,
    marked: list[Layer] | None = None,
) -> LayerState:
    """One query (none with ``marked``: :func:`selectors.marked_layers` read ahead): the
    visible layers with segments (and the requester's own), then the requested view
    resolved against them. With ``transcript``, ``done_at`` of the requester's own
    assignment of it comes with the layers (:attr:`LayerState.done_at`).

    "All" and other people's layers are reading views: only "Mine" (the requester's layer)
    and, for owners, "Consensus" edit, and each write names that layer explicitly.
    """
    visible = selectors.listed_layers(access, keep_own=True, marked=marked, transcript=transcript)
    user_id = access.membership.user_id
    own = next((lr for lr in visible if lr.kind == LayerKind.CODER and lr.user_id == user_id), None)
    consensus = next((lr for lr in visible if lr.kind == LayerKind.CONSENSUS), None)
    others = [lr for lr in visible if lr is not own and lr is not consensus]

    options: list[LayerOption] = []
    if access.can_code:
        options.append(LayerOption("mine", pgettext("layer", "Mine")))
    if not access.blind and (consensus is not None or access.is_owner):
        options.append(LayerOption("consensus", pgettext("layer", "Consensus")))
    options.extend(LayerOption(lr.key, lr.label, user_content=True) for lr in others)
    if len(options) > 1 or not access.can_code:
        options.append(LayerOption("all", pgettext("layer", "All")))

    keys = {o.key for o in options}
    # Whoever may code starts on their own layer (as in NVivo/MAXQDA: selecting text codes
    # it); viewers start on everything they may see, which is read-only. Another view is
    # asked for with ?layer=.
    default = "mine" if access.can_code else "all"
    view = requested if requested in keys else default

    if view == "mine":
        shown = [own] if own else []
    elif view == "consensus":
        shown = [consensus] if consensus else []
    elif view == "all":
        shown = list(visible)
    else:
        shown = [lr for lr in others if lr.key == view]

    if view == "mine" and access.can_code:
        edit = "mine"
    elif view == "consensus" and access.is_owner:
        edit = "consensus"
    else:
        edit = None
    for option in options:
        option.current = option.key == view
    return LayerState(
        view=view,
        options=options,
        visible=visible,
        shown=shown,
        own=own,
        consensus=consensus,
        edit=edit,
        blind=access.blind,
        can_code=access.can_code,
        is_owner=access.is_owner,
        done_at=getattr(own, "done_at", None),
    )


def code_filter_param(request: HttpRequest, book: codebook_selectors.Codebook) -> int | None:
    raw = request.GET.get("code") or request.POST.get("code_filter")
    try:
        code_id = int(raw) if raw else None
    except ValueError:
        return None
    return code_id if code_id in book.by_id else None


def _layer_words(layer: Layer, access: StudyAccess) -> str:
    if layer.kind == LayerKind.CODER and layer.user_id == access.membership.user_id:
        return _("you")
    if layer.kind == LayerKind.CONSENSUS:
        return _("consensus")
    return layer.label


@dataclass
class TranscriptView:
    """Everything the transcript fragment needs, built with one segment query."""

    html: SafeString
    line_count: int
    segment_count: int
    #: The segment table: {"layers": [[words, writable]], "segs": [[id, start, end, code,
    #: layer index, memo, needs review, date]]} (static/js/coding/transcript.js reads it).
    seg_json: dict[str, Any]
    lane_count: int
    #: Margin blocks in "All": (initials, full name) per block, left to right.
    legend: list[tuple[str, str]] = field(default_factory=list)
    block_count: int = 1
    block_lanes: int = runs.MAX_LANES
    #: The codebook panel's counts per code id, (mine, all visible layers), when the page
    #: read every segment they count (see :func:`counts_from_rows`); else None.
    counts: dict[int, tuple[int, int]] | None = None

    @property
    def lanes_shown(self) -> int:
        """Stripe lanes the margin's labels sit right of: those in use, at most the block's
        (in one block the margin's lanes are the text's; in "All" a bound on each block's)."""
        return max(1, min(self.lane_count, self.block_lanes))

    def segments_script(self) -> SafeString:
        """``seg_json`` as the page's ``segments-data`` script: compact JSON, escaped as
        Django's ``json_script`` does."""
        data = json.dumps(self.seg_json, separators=(",", ":"), ensure_ascii=False)
        # As ``data.translate(_JSON_SCRIPT_ESCAPES)`` (no escape holds a character escaped),
        # without a mapping look-up per character of ~100 kB.
        for char, escaped in _JSON_SCRIPT_ESCAPES.items():
            data = data.replace(chr(char), escaped)
        return mark_safe(f'<script id="segments-data" type="application/json">{data}</script>')


SEGMENT_COLUMNS = (
    "pk",
    "start",
    "end",
    "code_id",
    "layer_id",
    "memo",
    "needs_review",
    "created_at",
)


#: The page's own read of ``SEGMENT_COLUMNS``: the creation time as the database's text
#: (UTC, "YYYY-MM-DD ..."), of which the table shows the day. Parsing 1,800 datetimes only
#: to print their dates was half of the segment query's time.
PAGE_SEGMENT_COLUMNS = (*SEGMENT_COLUMNS[:-1], "created_text")


def page_segment_rows(qs) -> list[tuple]:
    """Rows of ``PAGE_SEGMENT_COLUMNS`` of the segment QuerySet ``qs`` (in no order), through
    the ORM (the page reads them written out: :func:`selectors.page_segment_rows`)."""
    qs = qs.order_by().annotate(created_text=Cast("created_at", CharField()))
    return list(qs.values_list(*PAGE_SEGMENT_COLUMNS))


def layer_words(access: StudyAccess, state: LayerState) -> tuple[dict, dict]:
    """Per shown layer id: how the page names its coder ("you", "consensus", a name) and
    whether its segments offer Change/Remove (only the layer being edited, never in a
    reading view)."""
    layers = {layer.pk: layer for layer in state.shown}
    who = {pk: _layer_words(layer, access) for pk, layer in layers.items()}
    writable = {
        pk: state.edit is not None and access.can_write_layer(layer) for pk, layer in layers.items()
    }
    return who, writable


def segment_entries(
    rows,
    book: codebook_selectors.Codebook,
    who: dict,
    layer_index: dict[int, int],
    initials: dict | None,
) -> tuple[dict[int, runs.SegmentLook], list[list]]:
    """For rows of ``SEGMENT_COLUMNS`` (or ``PAGE_SEGMENT_COLUMNS``: the creation time as
    UTC text): how each segment is drawn (one look per code, layer and review flag) and its
    ``segments-data`` table row ``[id, start, end, code, layer index, memo, needs review,
    date]`` (``initials`` per layer id in "All" grouped by layer, else None). ``rows`` are
    sorted in reading order (start, longer first, id) in place."""
    looks: dict[int, runs.SegmentLook] = {}
    table = []
    shared: dict[tuple[int, int, bool], runs.SegmentLook] = {}
    by = _("%(code)s, by %(coder)s")
    runs.sort_reading_order(rows)
    append = table.append
    for pk, start, end, code_id, layer_id, memo, needs_review, created_at in rows:
        key = (code_id, layer_id, needs_review)
        look = shared.get(key)
        if look is None:
            node = book.by_id.get(code_id)
            name = node.code.name if node else "?"
            other = getattr(node.code, "name_other", "") if node else ""
            look = shared[key] = runs.SegmentLook(
                color=node.code.color if node else "#4d4d4d",
                label=name,
                description=by
                % {"code": f"{name} ({other})" if other else name, "coder": who[layer_id]},
                review=needs_review,
                who=initials.get(layer_id, "") if initials is not None else "",
                path=node.path if node else "",
            )
        looks[pk] = look
        if not created_at:
            day = ""
        elif isinstance(created_at, str):
            day = created_at[:10]
        else:
            day = created_at.date().isoformat()
        append(
            [
                pk,
                start,
                end,
                code_id,
                layer_index[layer_id],
                memo[:500],
                1 if needs_review else 0,
                day,
            ]
        )
    return looks, table


def counts_from_rows(state: LayerState, rows) -> dict[int, tuple[int, int]] | None:
    """The codebook panel's counts (as :func:`codebook_selectors.code_counts`: per code,
    segments in the requester's own layer and in every visible layer) from the page's
    segment rows, when the view shows every visible layer that holds a segment ("All", or
    "Mine" when the requester's layer is the only one); None when it does not."""
    shown = {layer.pk for layer in state.shown}
    if any(getattr(lr, "has_segments", True) and lr.pk not in shown for lr in state.visible):
        return None
    own = state.own.pk if state.own is not None else None
    mine: dict[int, int] = {}
    all_: dict[int, int] = {}
    for row in rows:
        code_id = row[3]
        all_[code_id] = all_.get(code_id, 0) + 1
        if row[4] == own:
            mine[code_id] = mine.get(code_id, 0) + 1
    return {code_id: (mine.get(code_id, 0), n) for code_id, n in all_.items()}


def build_transcript_view(
    access: StudyAccess,
    transcript: Transcript,
    state: LayerState,
    book: codebook_selectors.Codebook,
    code_filter: int | None,
    periods=None,
) -> TranscriptView:
    """The transcript's runs as HTML plus the data the page script needs per segment.

    One query: segment columns only (codes come from the codebook, layers from
    ``state``), which is what keeps a page of 450 segments well under the budget. The
    codebook's counts come from the same rows when the view shows every layer counted.
    ``periods``: the study's codebook periods when read already (else one more query).
    """
    rows = []
    if state.shown:
        rows = selectors.page_segment_rows(access, transcript, state.shown)
    counts = counts_from_rows(state, rows)
    tint: set[int] = set()
    if code_filter is not None:
        subtree = book.subtree_ids(code_filter)
        rows = [r for r in rows if r[3] in subtree]
        tint = {r[0] for r in rows}
    who, writable = layer_words(access, state)
    # "All" groups the margin per layer: one block of lanes and labels each, in the order
    # of the layer switcher, labelled with initials unique among the layers of the study
    # the requester may see (so they do not change with what is shown).
    grouped = state.view == "all" and len(state.shown) > 1
    initials: dict[int, str] = {}
    block_of_layer: dict[int, int] = {}
    legend: list[tuple[str, str]] = []
    if grouped:
        initials = runs.unique_initials(
            {
                lr.pk: ("Consensus" if lr.kind == LayerKind.CONSENSUS else lr.label)
                for lr in state.visible
            }
        )
        for layer in state.shown:
            if layer.kind == LayerKind.CONSENSUS:
                initials[layer.pk] = pgettext("initials of the consensus layer", "Cons")
        present = {r[4] for r in rows}
        for layer in state.shown:
            if layer.pk in present:
                block_of_layer[layer.pk] = len(block_of_layer)
                legend.append((initials[layer.pk], layer.label))
        who = {pk: f"{words} ({initials[pk]})" for pk, words in who.items()}
    # The segment table the page script reads, once per segment (runs name none): arrays,
    # in reading order (start, longer first, id), layers by index.
    layer_index = {layer.pk: i for i, layer in enumerate(state.shown)}
    looks, table = segment_entries(rows, book, who, layer_index, initials if grouped else None)
    blocks = {r[0]: block_of_layer[r[4]] for r in rows} if grouped else {}
    new, span = tuple.__new__, runs.Span  # a Span of each row's first three columns
    spans = [new(span, r[:3]) for r in rows]
    rendered, html = runs.transcript_html(
        transcript.text, spans, looks, tint=tint, blocks=blocks or None
    )
    # Under which codebook each segment was coded (docs/agreement/OVER_TIME.md): the
    # periods' words once, an index per row (9th column). One query without ``periods``.
    periods, period_of = page_periods(access.study, rows, periods=periods)
    for entry in table:
        entry.append(period_of.get(entry[0], len(periods) - 1))
    seg_json = {
        "layers": [[who[pk], 1 if writable[pk] else 0] for pk in layer_index],
        "segs": table,
        "periods": periods,
        # The margin's looks (coding/segments/margin.py): the script draws it.
        **margin.table_fields(rows, looks, layer_index, block_of_layer, initials),
    }
    return TranscriptView(
        html=html,
        line_count=len(rendered.lines),
        segment_count=len(rows),
        seg_json=seg_json,
        lane_count=rendered.lane_count,
        legend=legend if len(legend) > 1 else [],
        block_count=rendered.block_count,
        block_lanes=rendered.block_lanes,
        counts=counts,
    )


@dataclass(frozen=True)
class Neighbour:
    """A transcript link in the toolbar: what the template needs, nothing more."""

    pk: int
    title: str
    pseudonym: str
    wave_name: str


def _neighbours(transcript: Transcript) -> dict[str, Neighbour | None]:
    """Previous/next transcript of the same participant (by wave) and of the same wave
    (by participant): one query of plain tuples (no text, no model instances), so a wave
    of a large study costs little."""
    result: dict[str, Neighbour | None] = dict.fromkeys(
        ("prev_participant", "next_participant", "prev_wave", "next_wave")
    )
    cond = Q()
    if transcript.participant_id:
        cond |= Q(participant_id=transcript.participant_id)
    if transcript.wave_id:
        cond |= Q(wave_id=transcript.wave_id)
    if not cond:
        return result
    rows = list(
        Transcript.objects.filter(cond, study_id=transcript.study_id).values_list(
            "pk",
            "title",
            "participant_id",
            "wave_id",
            "participant__pseudonym",
            "wave__name",
            "wave__position",
        )
    )

    def pick(items, key, prefix):
        items.sort(key=key)
        idx = next(i for i, row in enumerate(items) if row[0] == transcript.pk)
        for name, pos in ((f"prev_{prefix}", idx - 1), (f"next_{prefix}", idx + 1)):
            if 0 <= pos < len(items):
                pk, title, _, _, pseudonym, wave_name, _ = items[pos]
                result[name] = Neighbour(pk, title, pseudonym or "", wave_name or "")

    if transcript.participant_id:
        same = [r for r in rows if r[2] == transcript.participant_id]
        pick(
            same,
            lambda r: (r[6] if r[6] is not None else 1 << 30, r[1].lower(), r[0]),
            "participant",
        )
    if transcript.wave_id:
        same = [r for r in rows if r[3] == transcript.wave_id]
        pick(same, lambda r: ((r[4] or "~").lower(), r[1].lower(), r[0]), "wave")
    return result


#: Stands for the transcript's HTML while the page template renders (see :func:`render_page`):
#: random per process, so no text or title can contain it.
_HTML_MARK = f"<!--transcript-{secrets.token_hex(8)}-->"


def render_page(request: HttpRequest, template: str, ctx: dict[str, Any]) -> bytes:
    """The whole page of :func:`page_context` ``ctx``, as ``render_to_string`` renders it,
    in UTF-8 (the response's bytes).

    The transcript's HTML (most of the page: ~1 MB at 1,200 highlights) is not passed
    through the template: each nested node list (blocks, partials, ``localize``) would join
    and copy it again. The template renders a mark in its place, replaced once here by the
    transcript's bytes, encoded once per cached transcript (:class:`runs.TranscriptHTML`)."""
    tv: TranscriptView = ctx["tv"]
    html = tv.html
    tv.html = mark_safe(_HTML_MARK)
    try:
        out = render_to_string(template, ctx, request=request)
    finally:
        tv.html = html
    before, mark, after = out.partition(_HTML_MARK)
    if not mark:
        return out.encode()
    body = html.utf8 if isinstance(html, runs.TranscriptHTML) else html.encode()
    return b"".join((before.encode(), body, after.encode()))


#: The page's own URLs (and its forms' actions): ``page_urls`` key -> URL name.
_PAGE_URL_NAMES = {
    "create": "coding:segment_create",
    "update": "coding:segment_update",
    "delete": "coding:segment_delete",
    "undo": "coding:segment_undo",
    "page": "coding:transcript_code",
    "done": "coding:transcript_done",
    "memo": "coding:transcript_memo_create",
}
#: Keys of ``page_urls`` the page script reads (``page_json["urls"]``).
_SCRIPT_URLS = ("create", "update", "delete", "undo", "page")


@lru_cache(maxsize=1024)
def _page_urls(_resolver: tuple, study_id: int, transcript_id: int) -> tuple:
    urls = []
    for key, name in _PAGE_URL_NAMES.items():
        args = (
            [study_id, transcript_id, 0]
            if key in ("update", "delete")
            else [study_id, transcript_id]
        )
        urls.append((key, reverse(name, args=args)))
    for key, name in (
        ("dashboard", "studies:study_dashboard"),
        ("transcripts", "studies:transcript_list"),
        ("codebook", "coding:codebook"),
        ("exemplar", "coding:exemplar_create"),
    ):
        urls.append((key, maybe_url(name, study_id)))
    return tuple(urls)


def page_urls(study_id: int, transcript_id: int) -> dict[str, str | None]:
    """The URLs the coding page of a transcript links and posts to (a write's id is 0 in
    ``update``/``delete``), reversed once per process (a dozen ``reverse`` calls a page
    otherwise). Keyed by what ``reverse`` depends on besides the arguments."""
    resolver = (get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    return dict(_page_urls(resolver, study_id, transcript_id))


def page_url(study_id: int, transcript_id: int, view: str | None = None, code=None) -> str:
    url = page_urls(study_id, transcript_id)["page"]
    params = {k: v for k, v in (("layer", view), ("code", code)) if v}
    return f"{url}?{urlencode(params)}" if params else url


def page_context(
    request: HttpRequest,
    access: StudyAccess,
    transcript: Transcript,
    *,
    view: str | None,
    full: bool = True,
    error: str = "",
    toast: dict | None = None,
) -> dict[str, Any]:
    state = layer_state(access, view, transcript if full else None)
    # The codebook and its versions: one plain query, the rest cached by those rows.
    pb = bookcache.page_book(access)
    book = pb.book
    code_filter = code_filter_param(request, book)
    tv = build_transcript_view(access, transcript, state, book, code_filter, pb.periods())
    cb = build_codebook_view(access, transcript, state, book, code_filter, counts=tv.counts, pb=pb)
    study = access.study
    urls = page_urls(study.pk, transcript.pk)
    ctx: dict[str, Any] = {
        "study": study,
        "access": access,
        "transcript": transcript,
        "state": state,
        "book": book,
        "code_filter": code_filter,
        "code_filter_node": book.by_id.get(code_filter) if code_filter else None,
        "tv": tv,
        "cb": cb,
        "error": error,
        "toast": toast,
        "saved_at": None,
        "urls": urls,
        "page_url": page_url(study.pk, transcript.pk, state.view, code_filter),
        "page_json": {
            "study": study.pk,
            "transcript": transcript.pk,
            "version": transcript.version,
            "edit": state.edit or "",
            "view": state.view,
            "fold": pb.memo("fold", lambda: fold_map(book)),
            "codeFilter": code_filter,
            "canCreateCodes": access.can_create_codes and state.edit is not None,
            "urls": {
                **{key: urls[key] for key in _SCRIPT_URLS},
                "exemplar": urls["exemplar"] if access.can_code else "",
            },
        },
    }
    if full:
        player.add_media(ctx, transcript)
        ctx.update(
            {
                "done_at": state.done_at,
                "nav": _neighbours(transcript),
                "dashboard_url": urls["dashboard"],
                "transcripts_url": urls["transcripts"],
                "codebook_url": urls["codebook"],
                "memos": transcript_memos(access, transcript, limit=50),
                "memo_form": blank_memo_form(),
            }
        )
    return ctx
