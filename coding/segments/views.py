"""The coding page: read a transcript, highlight spans, apply codes, undo.

Every view decides permissions through :mod:`studies.access` and passes only allowed
data to the templates; fragments requested alone obey the same rules as the page.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, trigger_client_event

from coding import audit
from coding.memos import services as memo_services
from coding.models import Memo
from coding.segments import bookcache, page, selectors, services, undo, writes
from coding.segments.forms import SegmentCreateForm, SegmentUpdateForm, TranscriptMemoForm
from studies.access import (
    StudyAccess,
    get_segment_for_write,
    get_study_and_transcript,
    get_study_for_user,
    get_transcript,
    visible_memos,
    writable_layer,
)
from studies.models import Transcript
from workbench.api_common import error_code
from workbench.i18n import with_user_content
from workbench.lib.http import HtmxHttpRequest, form_errors_text, int_param, render_fragments

STALE_MESSAGE = gettext_lazy(
    "Transcript changed since you opened it. Reloaded; your selection is kept."
)


TEMPLATE = "coding/segments/transcript_code.html"


def _wants_json(request: HtmxHttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "") and not request.htmx


# --- views ---------------------------------------------------------------------------


@login_required
@require_GET
def transcript_code(request: HtmxHttpRequest, study_id: int, transcript_id: int) -> HttpResponse:
    access, transcript = get_study_and_transcript(request, study_id, transcript_id, related=True)
    view = request.GET.get("layer")
    if request.htmx:
        ctx = page.page_context(request, access, transcript, view=view, full=False)
        response = HttpResponse(
            render_fragments(request, TEMPLATE, ctx, "transcript", oob=("codebook",))
        )
    else:
        ctx = page.page_context(request, access, transcript, view=view)
        response = HttpResponse(page.render_page(request, TEMPLATE, ctx))
    patch_vary_headers(response, ["HX-Request"])
    return response


READING_VIEW_MESSAGE = gettext_lazy(
    "“All” is a reading view: nothing was saved. Switch to Mine{} to code."
)
OTHER_LAYER_MESSAGE = gettext_lazy(
    "This page shows a layer you cannot change: nothing was saved. Switch to Mine{} to code."
)
NO_LAYER_MESSAGE = gettext_lazy("Say which layer to code in (Mine{}): nothing was saved.")
#: Put in place of {} above for owners, who also code in the consensus layer.
OR_CONSENSUS = gettext_lazy(" or Consensus")
EDIT_VIEWS = ("mine", "consensus")


def _view_refusal(access: StudyAccess, view: str | None, key: str | None = None) -> str:
    """Why a write posted from the page's layer ``view`` is refused ("" when it is not).

    Writes come only from an editing view ("Mine", or "Consensus" for owners), never from
    "All" or another person's layer; a segment write also names its layer (``key``), and
    that layer is the one the page shows.
    """
    where = str(OR_CONSENSUS) if access.is_owner else ""
    if view == "all":
        return READING_VIEW_MESSAGE.format(where)
    if view and view not in EDIT_VIEWS:
        return OTHER_LAYER_MESSAGE.format(where)
    if key is not None and view and key != view:
        return OTHER_LAYER_MESSAGE.format(where)
    return ""


def _error_response(
    request: HtmxHttpRequest,
    access: StudyAccess,
    transcript: Transcript,
    message: str,
    *,
    view: str | None,
    stale: dict | None = None,
    code: str | None = None,
) -> HttpResponse:
    """htmx: 200 with the message in the alert region (and a fresh transcript when stale);
    JSON: 400 with the message (in the request's language) and a stable English ``code``
    (``stale``, ``refused``, ``invalid`` or the error's own); plain form posts: 400 with the
    page and the message."""
    if _wants_json(request):
        code = code or ("stale" if stale is not None else "invalid")
        body = {"detail": str(message), "code": code, "stale": bool(stale)}
        return JsonResponse(body, status=400)
    if request.htmx:
        ctx = page.page_context(request, access, transcript, view=view, full=False, error=message)
        if stale is not None:
            body = render_fragments(request, TEMPLATE, ctx, "transcript", oob=("codebook", "alert"))
            response = HttpResponse(body)
            return trigger_client_event(response, "segment-stale", stale, after="settle")
        response = reswap(
            HttpResponse(render_fragments(request, TEMPLATE, ctx, oob=("alert",))), "none"
        )
        return trigger_client_event(response, "segment-error", {"message": message}, after="settle")
    ctx = page.page_context(request, access, transcript, view=view, error=message)
    return HttpResponse(render_to_string(TEMPLATE, ctx, request=request), status=400)


def _success_response(
    request: HtmxHttpRequest,
    access: StudyAccess,
    transcript: Transcript,
    *,
    view: str | None,
    event: str,
    toast: dict,
    detail: dict,
    events: list,
    book=None,
    marked=None,
) -> HttpResponse:
    """JSON, a redirect for plain posts, or for htmx only what the write changed
    (:mod:`coding.segments.writes`; the whole transcript when something global changed or
    the page did not ask for ``partial``)."""
    if _wants_json(request):
        return JsonResponse({"message": toast["text"], **detail}, status=200)
    if not request.htmx:
        return redirect(
            page.page_url(access.study.pk, transcript.pk, view, request.POST.get("code_filter"))
        )
    saved_at = timezone.localtime()
    if writes.wants_partial(request):
        body = writes.partial_body(
            request,
            access,
            transcript,
            view=view,
            toast=toast,
            saved_at=saved_at,
            events=events,
            book=book,
            marked=marked,
        )
        if body is not None:
            response = reswap(HttpResponse(body), "none")
            return trigger_client_event(response, event, detail, after="settle")
    ctx = page.page_context(request, access, transcript, view=view, full=False, toast=toast)
    ctx["saved_at"] = saved_at
    body = render_fragments(
        request, TEMPLATE, ctx, "transcript", oob=("codebook", "status", "toast", "alert")
    )
    return trigger_client_event(HttpResponse(body), event, detail, after="settle")


def _relocate(text: str, quote: str, near: int) -> dict | None:
    """The occurrence of ``quote`` in ``text`` nearest to ``near`` (to keep a selection
    across a text change), or None."""
    if not quote:
        return None
    best = None
    pos = text.find(quote)
    while pos != -1:
        if best is None or abs(pos - near) < abs(best - near):
            best = pos
        if pos > near:
            break
        pos = text.find(quote, pos + 1)
    if best is None:
        return None
    return {"start": best, "end": best + len(quote), "quote": quote}


def _refused(request, access, transcript, exc: ValidationError, view):
    """A write the services refused: its messages in the answer, with their machine code."""
    return _error_response(
        request, access, transcript, " ".join(exc.messages), view=view, code=error_code(exc, 400)
    )


def _edited_since(exc: ValidationError, transcript: Transcript, version: int) -> bool:
    """Whether the service refused because a text edit committed after the view's check."""
    if not any(getattr(e, "code", None) == "stale" for e in getattr(exc, "error_list", [])):
        return False
    transcript.refresh_from_db(fields=["text", "length", "version"])
    return transcript.version != version


def _stale_response(
    request: HtmxHttpRequest,
    access: StudyAccess,
    transcript: Transcript,
    quote: str,
    near: int,
    view: str | None,
) -> HttpResponse:
    stale = _relocate(transcript.text, quote, near) or {}
    stale["message"] = STALE_MESSAGE
    return _error_response(request, access, transcript, STALE_MESSAGE, view=view, stale=stale)


@login_required
@require_POST
def segment_create(request: HtmxHttpRequest, study_id: int, transcript_id: int) -> HttpResponse:
    access, transcript = get_study_and_transcript(request, study_id, transcript_id, write=True)
    view = request.POST.get("view") or None
    book = bookcache.page_book(access).book
    form = SegmentCreateForm(SegmentCreateForm.data_from_post(request.POST), code_ids=book.by_id)
    if not form.is_valid():
        return _error_response(request, access, transcript, form_errors_text(form), view=view)
    data = form.cleaned_data
    key = data.get("layer") or ""
    refusal = _view_refusal(access, view, key)
    if not refusal and not key:
        refusal = NO_LAYER_MESSAGE.format(str(OR_CONSENSUS) if access.is_owner else "")
    if refusal:
        return _error_response(request, access, transcript, refusal, view=view, code="refused")
    # The visible layers, read once: the layer written to, then the page's layer state.
    marked = selectors.marked_layers(access)
    layer = writable_layer(access, key, among=marked)

    if data["version"] != transcript.version:
        stale = _relocate(transcript.text, data["quote"], data["start"]) or {}
        stale["message"] = STALE_MESSAGE
        return _error_response(request, access, transcript, STALE_MESSAGE, view=view, stale=stale)

    new_name = (data.get("new_code_name") or "").strip()
    if new_name and not access.can_create_codes:
        raise PermissionDenied(_("Only the study's owners can add codes to this codebook."))

    codes = [book.by_id[cid].code for cid in data.get("code_ids") or []]
    parent_id = data.get("new_code_parent") if new_name else None
    try:
        with audit.recorded() as events:
            applied = services.segment_apply_codes(
                transcript=transcript,
                layer=layer,
                codes=codes,
                new_code_name=new_name,
                new_code_parent=book.by_id[parent_id].code if parent_id else None,
                new_code_proposed=access.creates_proposals,
                start=data["start"],
                end=data["end"],
                quote=data["quote"],
                expected_version=data["version"],
                memo=data.get("memo") or "",
                actor=request.user,
            )
    except ValidationError as exc:
        if _edited_since(exc, transcript, data["version"]):
            return _stale_response(request, access, transcript, data["quote"], data["start"], view)
        return _refused(request, access, transcript, exc, view)
    layer.has_segments = True  # created, or the span had these codes already
    if layer not in marked:
        marked.append(layer)  # made by this first write
    created, names = applied.created, applied.names
    text = (
        with_user_content(gettext("Coded %(names)s"), names=names)
        if created
        else with_user_content(gettext("Already coded %(names)s"), names=names)
    )
    return _success_response(
        request,
        access,
        transcript,
        view=view,
        event="segment-created",
        toast={"text": text, "undo": bool(created)},
        detail={
            "ids": [s.pk for s in created],
            "codes": [s.code_id for s in created],  # the code of each id, in the same order
            "start": data["start"],
            "end": data["end"],
        },
        events=events,
        # A code created on the fly is not in it (the answer is the whole transcript then).
        book=None if new_name else book,
        marked=marked,
    )


@login_required
@require_POST
def segment_delete(
    request: HttpRequest, study_id: int, transcript_id: int, segment_id: int
) -> HttpResponse:
    access, transcript = get_study_and_transcript(request, study_id, transcript_id, write=True)
    view = request.POST.get("view") or None
    if refusal := _view_refusal(access, view):
        return _error_response(request, access, transcript, refusal, view=view, code="refused")
    segment = get_segment_for_write(access, segment_id, transcript=transcript)
    name = segment.code.name
    with audit.recorded() as events:
        services.segment_delete(segment=segment, actor=request.user)
    return _success_response(
        request,
        access,
        transcript,
        view=view,
        event="segment-deleted",
        toast={"text": with_user_content(gettext("Removed ‘%(code)s’"), code=name), "undo": True},
        detail={"id": int(segment_id)},
        events=events,
    )


@login_required
@require_POST
def segment_update(
    request: HttpRequest, study_id: int, transcript_id: int, segment_id: int
) -> HttpResponse:
    access, transcript = get_study_and_transcript(request, study_id, transcript_id, write=True)
    view = request.POST.get("view") or None
    if refusal := _view_refusal(access, view):
        return _error_response(request, access, transcript, refusal, view=view, code="refused")
    segment = get_segment_for_write(access, segment_id, transcript=transcript)
    book = bookcache.page_book(access).book
    form = SegmentUpdateForm(request.POST, code_ids=book.by_id)
    if not form.is_valid():
        return _error_response(request, access, transcript, form_errors_text(form), view=view)
    data = form.cleaned_data
    if form.changes_span and data["version"] != transcript.version:
        stale = _relocate(transcript.text, segment.quote, segment.start) or {}
        stale["message"] = STALE_MESSAGE
        return _error_response(request, access, transcript, STALE_MESSAGE, view=view, stale=stale)

    new_code = book.by_id[data["code_id"]].code if data.get("code_id") else segment.code
    memo = data["memo"] if form.changes_memo else segment.memo
    span = {"start": data["start"], "end": data["end"], "quote": data["quote"]}
    try:
        with audit.recorded() as events:
            text = services.segment_change(
                segment=segment,
                code=new_code,
                memo=memo,
                span=span if form.changes_span else None,
                expected_version=data["version"],
                actor=request.user,
            )
    except ValidationError as exc:
        if form.changes_span and _edited_since(exc, transcript, data["version"]):
            return _stale_response(request, access, transcript, segment.quote, segment.start, view)
        return _refused(request, access, transcript, exc, view)
    return _success_response(
        request,
        access,
        transcript,
        view=view,
        event="segment-updated",
        toast={"text": text, "undo": True},
        detail={"id": int(segment_id)},
        events=events,
        book=book,
    )


@login_required
@require_POST
def segment_undo(request: HtmxHttpRequest, study_id: int, transcript_id: int) -> HttpResponse:
    access, transcript = get_study_and_transcript(request, study_id, transcript_id, write=True)
    view = request.POST.get("view") or None
    if refusal := _view_refusal(access, view):
        return _error_response(request, access, transcript, refusal, view=view, code="refused")
    try:
        with audit.recorded() as events:
            text = undo.segment_undo(
                access=access,
                transcript=transcript,
                actor=request.user,
                confirm=int_param(request.POST.get("confirm")),
            )
    except undo.ConfirmBatchUndo as ask:
        return _confirm_response(request, access, transcript, ask, view=view)
    except ValidationError as exc:
        return _refused(request, access, transcript, exc, view)
    return _success_response(
        request,
        access,
        transcript,
        view=view,
        event="segment-undone",
        toast={"text": text, "undo": False},
        detail={},
        events=events,
    )


def _confirm_response(
    request: HtmxHttpRequest,
    access: StudyAccess,
    transcript: Transcript,
    ask: undo.ConfirmBatchUndo,
    *,
    view: str | None,
) -> HttpResponse:
    """Undo would remove an auto-coding batch from other transcripts too: ask, in the toast,
    with a form that posts the undo again naming the batch. Nothing changed, so htmx swaps
    only the toast (the script focuses its button on ``segment-undo-confirm``)."""
    toast = {
        "text": ask.message,
        "confirm": ask.batch_id,
        "csrf": get_token(request),
        "url": reverse("coding:segment_undo", args=[access.study.pk, transcript.pk]),
        "code_filter": request.POST.get("code_filter") or "",
    }
    if _wants_json(request):
        return JsonResponse(
            {
                "detail": str(ask.message),
                "code": "confirm_required",
                "confirm": ask.batch_id,
                "count": ask.count,
                "transcripts": ask.transcripts,
            },
            status=409,
        )
    state = page.layer_state(access, view)
    if request.htmx:
        body = writes.toast_html(toast, state) + writes.ALERT_CLEARED
        response = reswap(HttpResponse(body), "none")
        detail = {"batch": ask.batch_id, "count": ask.count, "transcripts": ask.transcripts}
        return trigger_client_event(response, "segment-undo-confirm", detail, after="settle")
    ctx = page.page_context(request, access, transcript, view=view, toast=toast)
    return HttpResponse(page.render_page(request, TEMPLATE, ctx))


@login_required
@require_POST
def transcript_done(request: HtmxHttpRequest, study_id: int, transcript_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, write=True)
    transcript = get_transcript(access, transcript_id)
    layer = writable_layer(access, "mine")
    done = request.POST.get("done", "1") == "1"
    services.assignment_set_done(layer=layer, transcript=transcript, done=done, actor=request.user)
    view = request.POST.get("view") or None
    return redirect(page.page_url(access.study.pk, transcript.pk, view))


@login_required
@require_POST
def transcript_memo_create(
    request: HtmxHttpRequest, study_id: int, transcript_id: int
) -> HttpResponse:
    access = get_study_for_user(request, study_id, write=True)
    transcript = get_transcript(access, transcript_id)
    form = TranscriptMemoForm(request.POST)
    view = request.POST.get("view") or None
    if form.is_valid():
        memo_services.memo_create(
            study=access.study,
            transcript=transcript,
            author=request.user,
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
        )
    if request.htmx:
        ctx = {
            "study": access.study,
            "transcript": transcript,
            "access": access,
            "state": page.layer_state(access, view),
            "memos": list(
                visible_memos(
                    access, Memo.objects.filter(transcript=transcript, segment__isnull=True)
                )
                .select_related("author")
                .order_by("-created_at")[:50]
            ),
            "memo_form": TranscriptMemoForm() if form.is_valid() else form,
            "urls": page.page_urls(access.study.pk, transcript.pk),
        }
        return HttpResponse(render_to_string(f"{TEMPLATE}#memos", ctx, request=request))
    return redirect(page.page_url(access.study.pk, transcript.pk, view))
