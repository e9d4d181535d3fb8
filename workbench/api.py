"""JSON API v1 (django-ninja).

Authentication: a personal token (``Authorization: Bearer <key>``, see
:mod:`workbench.tokens`) or the browser session, which must send the CSRF token on
unsafe methods. Access follows :mod:`studies.access`, as on the pages: anything of a
study the requester does not belong to is a 404, a write a member may not make is a 403,
and blind coding hides other coders' layers and the consensus layer from coders.

Offsets are half-open and count Unicode code points (Python's ``text[start:end]``).
Every error is ``{"detail": "<message>", "code": "<code>"}``: the message in the
requester's language (their saved choice, else Accept-Language), the code a stable English
word for scripts (:data:`workbench.api_common.STATUS_CODES`, or the error's own).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, QueryDict
from django.utils import translation
from django.utils.translation import gettext
from ninja import NinjaAPI, Query, Router, Schema, Status
from ninja.errors import AuthenticationError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf
from pydantic import Field

from coding.agreement import answer as agreement_answer
from coding.agreement import api as agreement_api
from coding.agreement import bootstrap as agreement_bootstrap
from coding.agreement.access import require_agreement_reader
from coding.assignments import api as assignments_api
from coding.codebook import api as codebook_api
from coding.codebook import selectors as codebook_selectors
from coding.compare import cuts
from coding.compare.layers import PLACED, layer_choice
from coding.compare.matrix import MEASURES, matrix
from coding.models import LayerKind, Segment
from coding.retrieval import selectors as retrieval_selectors
from coding.retrieval.forms import RetrievalForm
from coding.search import answer as search_answer
from coding.search import autocode
from coding.search import forms as search_forms
from coding.search import selectors as search_selectors
from coding.segments import selectors as segment_selectors
from coding.segments import services as segment_services
from coding.words import api as words_api
from studies.access import (
    get_code,
    get_segment_for_write,
    get_transcript,
    study_access_via,
    writable_layer,
)
from studies.models import Study, Transcript
from workbench import api_errors, tokens
from workbench.api_common import (
    READ_ERRORS,
    WRITE_ERRORS,
    ErrorOut,
    Id,
    _access,
    api_error,
    error_code,
    http_error,
)
from workbench.api_themes import router as themes_router

# --- Authentication -------------------------------------------------------------------


class BearerToken(HttpBearer):
    """``Authorization: Bearer <key>``. A wrong or revoked key is a 401, not a fallback."""

    def __call__(self, request: HttpRequest):
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != self.openapi_scheme:
            # No token (or another scheme, e.g. a proxy's Basic auth): try the session.
            return None
        return self.authenticate(request, key.strip())

    def authenticate(self, request: HttpRequest, token: str):
        found = tokens.token_authenticate(token)
        if found is None:
            raise api_error(
                AuthenticationError(401, gettext("Invalid, expired or revoked API token.")),
                "token_invalid",
            )
        _activate_saved_language(request, found.user)
        if request.method not in ("GET", "HEAD", "OPTIONS") and not found.can_write:
            raise http_error(
                403,
                gettext(
                    "This API token is read-only: create a read-and-write token on your "
                    "profile page to code through the API."
                ),
                "token_read_only",
            )
        return found.user


def _activate_saved_language(request: HttpRequest, user) -> None:
    """A token's person answered in their saved language, as their browser session is
    (:mod:`workbench.i18n`); without one, Accept-Language (LocaleMiddleware) stands."""
    from django.core.exceptions import ObjectDoesNotExist

    from workbench.i18n import _supported

    try:
        saved = user.preferences.language  # loaded with the token: no query
    except ObjectDoesNotExist:
        saved = ""
    code = _supported(saved or "")
    if code:
        translation.activate(code)
        request.LANGUAGE_CODE = code


class SessionCookie(APIKeyCookie):
    """The logged-in browser session, with Django's CSRF check on unsafe methods.

    Unlike ninja's ``SessionAuth``, an anonymous request is a 401 (not a CSRF 403).
    """

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest):
        if not request.user.is_authenticated:
            return None
        if (
            self.csrf
            and not getattr(request, "_ninja_csrf_exempt", False)
            and check_csrf(request) is not None
        ):
            raise http_error(
                403, gettext("CSRF check failed: send the X-CSRFToken header."), "csrf_failed"
            )
        return request.user

    def authenticate(self, request: HttpRequest, key: str | None):
        return request.user if request.user.is_authenticated else None


api = NinjaAPI(
    title="Thematic coding workbench API",
    version="1",
    description=(
        "Studies, codebooks, transcripts and segments. Authenticate with a personal token "
        "(`Authorization: Bearer <key>`, created on your profile page) or a browser session. "
        "Offsets are half-open and count Unicode code points, like Python's `text[start:end]`."
    ),
    urls_namespace="api",
    auth=[BearerToken(), SessionCookie()],
)


# --- Errors: always {"detail": "...", "code": "..."} (workbench/api_errors.py) ------

api_errors.install(api)
NOT_AUTHENTICATED = api_errors.NOT_AUTHENTICATED


# --- Schemas --------------------------------------------------------------------------


class StudyOut(Schema):
    id: int
    name: str
    role: str


class CodeOut(Schema):
    id: int
    parent_id: int | None
    name: str
    path: str
    color: str
    archived: bool
    proposed: bool = Field(
        description="A coder's proposal, not yet adopted into the shared codebook by an owner. "
        "Blind coders see only their own."
    )


class TranscriptOut(Schema):
    id: int
    title: str
    participant: str | None
    group: str | None
    wave: str | None
    length: int


class SegmentOut(Schema):
    id: int
    code_id: int
    layer: str
    coder: str | None
    start: int
    end: int
    quote: str
    memo: str


class TranscriptDetailOut(TranscriptOut):
    version: int = Field(
        description="Goes up with every edit of the text; send it with segment writes."
    )
    text: str
    segments: list[SegmentOut]


class SegmentIn(Schema):
    code_id: Id = Field(strict=True)
    start: int = Field(strict=True, description="Code-point offset, inclusive.")
    end: int = Field(strict=True, description="Code-point offset, exclusive.")
    memo: str = ""
    version: int | None = Field(
        None,
        strict=True,
        description="The transcript's `version` your offsets were read from (GET "
        "/transcripts/{id}). An edit since then is a 409: fetch the text again.",
    )
    quote: str | None = Field(
        None,
        description="The text the client saw; must equal text[start:end], else 409. Send "
        "this, the version, or both: a write with neither is refused.",
    )
    layer: str | None = Field(
        None, description="Your username (the default) or, for owners, `consensus`."
    )


# --- Helpers --------------------------------------------------------------------------


def _transcript(request, transcript_id: int, *, with_text: bool, related: bool = True):
    """(transcript, access) with participant, group and wave preloaded (``related``): two
    queries."""
    missing = gettext("No such transcript.")
    access = study_access_via(request.auth, missing, study__transcripts__pk=transcript_id)
    transcript = get_transcript(
        access, transcript_id, with_text=with_text, related=related, missing=missing
    )
    return transcript, access


def _transcript_out(transcript: Transcript) -> dict:
    participant = transcript.participant
    group = participant.group if participant else None
    return {
        "id": transcript.pk,
        "title": transcript.title,
        "participant": participant.pseudonym if participant else None,
        "group": group.name if group else None,
        "wave": transcript.wave.name if transcript.wave else None,
        "length": transcript.length,
    }


def _segment_out(segment: Segment) -> dict:
    """Needs ``segment.layer.user`` loaded for coder layers."""
    layer = segment.layer
    return {
        "id": segment.pk,
        "code_id": segment.code_id,
        "layer": layer.key,
        "coder": layer.user.username if layer.kind == LayerKind.CODER else None,
        "start": segment.start,
        "end": segment.end,
        "quote": segment.quote,
        "memo": segment.memo,
    }


# --- Endpoints ------------------------------------------------------------------------


@api.get("/studies", response={200: list[StudyOut], 401: ErrorOut}, url_name="study_list")
def study_list(request):
    """The studies you are a member of, with your role in each."""
    studies = Study.objects.for_user(request.auth).only("pk", "name")
    return [{"id": s.pk, "name": s.name, "role": s.my_role} for s in studies]


@api.get(
    "/studies/{study_id}/codes",
    response={200: list[CodeOut], **READ_ERRORS},
    url_name="code_list",
)
def code_list(request, study_id: Id):
    """The codebook, depth first, siblings in order; `path` joins ancestors with " › "."""
    access = _access(request, study_id, missing=gettext("No such study."))
    return [
        {
            "id": node.pk,
            "parent_id": node.code.parent_id,
            "name": node.code.name,
            "path": node.path,
            "color": node.code.color,
            "archived": node.code.archived,
            "proposed": node.code.proposed,
        }
        for node in codebook_selectors.codebook_for(access).walk()
    ]


@api.get(
    "/studies/{study_id}/transcripts",
    response={200: list[TranscriptOut], **READ_ERRORS},
    url_name="transcript_list",
)
def transcript_list(request, study_id: Id):
    """The study's transcripts, without their text."""
    access = _access(request, study_id, missing=gettext("No such study."))
    return [_transcript_out(t) for t in access.study.transcripts.for_list()]


@api.get(
    "/transcripts/{transcript_id}",
    response={200: TranscriptDetailOut, **READ_ERRORS},
    url_name="transcript_detail",
)
def transcript_detail(request, transcript_id: Id):
    """A transcript's text and the segments of every layer you may see."""
    transcript, access = _transcript(request, transcript_id, with_text=True)
    segments = segment_selectors.segments_for_transcript(access, transcript)
    return {
        **_transcript_out(transcript),
        "version": transcript.version,
        "text": transcript.text,
        "segments": [_segment_out(segment) for segment in segments],
    }


@api.post(
    "/transcripts/{transcript_id}/segments",
    response={200: SegmentOut, 201: SegmentOut, 409: ErrorOut, **WRITE_ERRORS},
    url_name="segment_create",
)
def segment_create(request, transcript_id: Id, payload: SegmentIn):
    """Code a span in your own layer (owners: `"layer": "consensus"` too).

    Send the transcript's `version` or the `quote` you saw (or both), as the coding page
    does: if the text was edited since you read it, the write is refused with 409 instead
    of coding whatever words your offsets now point at. 201 with the new segment; 200 with
    the existing one when the same span already has this code in that layer.
    """
    transcript, access = _transcript(request, transcript_id, with_text=True, related=False)
    access.require_coder()
    if payload.version is None and payload.quote is None:
        raise DjangoValidationError(
            gettext(
                "Send the transcript's `version` (from GET /transcripts/{id}) or the `quote` "
                "you coded, so that a write against an edited text can be refused."
            ),
            code="version_or_quote_required",
        )
    user = request.auth
    if payload.layer in (None, "", user.username):
        key = "mine"
    else:
        key = "consensus" if payload.layer == "consensus" else None
    layer = writable_layer(access, key)
    try:
        code = get_code(access, payload.code_id)
    except Http404:
        raise DjangoValidationError(
            gettext("There is no code with this id in the study."), code="unknown_code"
        ) from None
    try:
        segment, created = segment_services.segment_create(
            transcript=transcript,
            code=code,
            layer=layer,
            start=payload.start,
            end=payload.end,
            quote=payload.quote,
            expected_version=payload.version,
            memo=payload.memo,
            actor=user,
        )
    except DjangoValidationError as exc:
        if any(getattr(e, "code", None) == "stale" for e in getattr(exc, "error_list", [])):
            # Another edit moved the text, or the client counted in another unit.
            raise http_error(409, " ".join(exc.messages), "stale") from None
        raise
    segment.layer = layer
    return Status(201 if created else 200, _segment_out(segment))


@api.delete(
    "/segments/{segment_id}",
    response={204: None, **WRITE_ERRORS},
    url_name="segment_delete",
)
def segment_delete(request, segment_id: Id):
    """Delete a segment of your own layer (owners: also of the consensus layer)."""
    missing = gettext("No such segment.")
    access = study_access_via(request.auth, missing, study__layers__segments__pk=segment_id)
    segment = get_segment_for_write(access, segment_id, missing=missing)
    segment_services.segment_delete(segment=segment, actor=request.auth)
    return Status(204, None)


# --- Group x wave matrix (coding.compare) ---------------------------------------------


class MatrixCellOut(Schema):
    code_id: int
    group: str = Field(description="The stakeholder group, or with `by` the attribute's value.")
    wave: str
    value: int | None = Field(description="null when nobody of the group was interviewed then.")
    denominator: int = Field(description="Participants of the group interviewed at the wave.")


class MatrixOut(Schema):
    layer: str = Field(description="The layer counted: consensus, union or a layer key.")
    measure: str
    rollup: bool
    by: str = Field(description="`group`, or the `attribute:<name>` the columns are cut by.")
    groups: list[str]
    waves: list[str]
    cells: list[MatrixCellOut]


@api.get(
    "/studies/{study_id}/matrix",
    response={200: MatrixOut, 400: ErrorOut, **READ_ERRORS},
    url_name="study_matrix",
)
def study_matrix(
    request,
    study_id: Id,
    layer: str = "",
    measure: str = "participants",
    rollup: int = 1,
    by: str = "group",
    bins: str = "",
):
    """Counts per code, stakeholder group and wave, as on the comparison page.

    `layer`: `consensus`, `union` (every coder layer you may see; a participant or a
    passage coded by several coders counts once) or a layer key (a username or
    `layer-<id>`); by default consensus when it covers every placed transcript, else the
    union (as on the page). Blind coders see only their own layer. `measure`: `segments`, `participants` or `transcripts`.
    `rollup=1` (default): a parent's cell covers its whole subtree (distinct participants
    and transcripts). Groups and waves are named in order; cells list codes depth first.
    `by=attribute:<name>`: the groups are that attribute's values (a participant's, or a
    transcript's for a transcript attribute) instead of the stakeholder groups, and each
    cell's `group` is the value; `bins=18,30,45,65` cuts a number attribute into ranges.
    `attribute:<name>=<value>` (repeatable) counts only participants/transcripts with that
    value (`lo..hi` for a range of a number), denominators alike.
    """
    access = _access(request, study_id, missing=gettext("No such study."))
    if measure not in MEASURES:
        raise DjangoValidationError(gettext("measure: use segments, participants or transcripts."))
    if rollup not in (0, 1):
        raise DjangoValidationError(gettext("rollup: use 0 or 1."))
    try:
        choice = layer_choice(access, layer or None, scope=PLACED)
    except LookupError:
        raise Http404(gettext("No such layer.")) from None
    cut = cuts.cut_from(access.study, request.GET)
    if cut.errors:
        raise DjangoValidationError(" ".join(cut.errors))
    result = matrix(
        access.study,
        choice,
        measure=measure,
        rollup=bool(rollup),
        book=codebook_selectors.codebook_for(access),
        frame=cut.frame(access.study),
    )
    groups = {g.pk: g.name for g in result.frame.groups}
    waves = {w.pk: w.name for w in result.frame.waves}
    return {
        "layer": choice.key,
        "measure": measure,
        "rollup": bool(rollup),
        "by": cut.by.key if cut.by is not None else "group",
        "groups": list(groups.values()),
        "waves": list(waves.values()),
        "cells": [
            {
                "code_id": cell.code_id,
                "group": groups[cell.group_id],
                "wave": waves[cell.wave_id],
                "value": cell.value if cell.interviewed else None,
                "denominator": cell.denominator,
            }
            for row in result.rows
            for cell in row.cells
        ],
    }


@api.get(
    "/studies/{study_id}/search",
    response={200: search_answer.SearchOut, 400: ErrorOut, **READ_ERRORS},
    url_name="study_search",
)
def study_search(
    request,
    study_id: Id,
    q: str = "",
    page: int = 1,
    page_size: int = 100,
    # Declared for the schema; read (with `attribute:<name>`) by search_params as the page does.
    case: bool = Query(False, description="1: match case."),
    variants: bool = Query(False, description="1: Traditional and Simplified alike."),
    word: bool = Query(False, description="1: whole words only."),
    mode: str = Query("all", description="`all` (every word) or `any`."),
    speaker: str = Query("", description="Only turns with this speaker label."),
    speech: str = Query("", description="`participant`: only the participant's turns."),
    group: int | None = Query(None, description="A stakeholder group's id."),
    wave: int | None = Query(None, description="A wave's id."),
    participant: int | None = Query(None, description="A participant's id."),
    transcript: int | None = Query(None, description="A transcript's id."),
):
    """Every occurrence of `q` in the study's transcripts, left to right and
    non-overlapping, as on the search page (offsets in code points, `text[start:end] ==
    match`; `before`/`after` a few words of context; each hit names its participant, group
    and wave). Parameters as on the page: `case=1`, `variants=1` (Traditional and
    Simplified alike), `word=1` (whole words), `mode=all|any`, `speaker=<label>` or
    `speech=participant`, filters `group`, `wave`, `participant`, `transcript` (ids) and
    `attribute:<name>=<value>` (a participant's or the transcript's own attribute; `lo..hi`
    for a range of a number, both ends included). Paginated with `page` and `page_size` (at most 500). Nothing of
    codes or memos is returned."""
    access = _access(request, study_id, missing=gettext("No such study."))
    params = search_forms.search_params(request.GET)
    if not params.query:
        raise DjangoValidationError(gettext("q: give the words to search for."))
    size = min(max(page_size, 1), 500)
    result = search_selectors.search(access, params.query, params.options, params.filters)
    paged = Paginator(result.hits, size).get_page(page)
    rows = search_selectors.hit_rows(result, list(paged.object_list))

    def link(n: int) -> str:
        query = request.GET.copy()
        query["page"] = str(n)
        return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

    return {
        "count": result.count,
        "page": paged.number,
        "pages": paged.paginator.num_pages,
        "page_size": size,
        "next": link(paged.next_page_number()) if paged.has_next() else None,
        "previous": link(paged.previous_page_number()) if paged.has_previous() else None,
        "terms": result.terms,
        "hits": search_answer.hits_json(result, rows),
    }


# --- Word frequency (coding.words) ---------------------------------------------------------


@api.get(
    "/studies/{study_id}/words",
    response={200: words_api.WordsOut, 400: ErrorOut, **READ_ERRORS},
    url_name="study_words",
    description=words_api.words_answer.__doc__,
)
def study_words(request, study_id: Id):
    access = _access(request, study_id, missing=gettext("No such study."))
    return words_api.words_answer(request, access)


# --- Coded retrieval (coding.retrieval) --------------------------------------------------


class RetrievedSegmentOut(SegmentOut):
    transcript_id: int
    participant: str | None
    group: str | None
    wave: str | None
    participant_attributes: dict
    transcript_attributes: dict


class RetrievalOut(Schema):
    count: int = Field(description="Segments matching, over all pages.")
    segments: list[RetrievedSegmentOut]


@api.get(
    "/studies/{study_id}/retrieval",
    response={200: RetrievalOut, 400: ErrorOut, **READ_ERRORS},
    url_name="study_retrieval",
)
def study_retrieval(request, study_id: Id, offset: int = 0, limit: int = 100):
    """Coded segments, filtered as on the retrieval page: `code` (with `subtree=1` its
    subcodes; without a code every code), `group`, `wave`, `participant`, `layer` (a layer
    key, `union` or `consensus`), `review=1`, and `attribute:<name>=<value>` (repeatable;
    participant or transcript attributes; `lo..hi` is a range of a number, both ends
    included, `lo..<hi` leaves `hi` out).
    In the page's order; `offset`/`limit` (at most 500) page through them. Blind coders
    get only their own layer."""
    access = _access(request, study_id, missing=gettext("No such study."))
    if offset < 0 or not 1 <= limit <= 500:
        raise DjangoValidationError(gettext("offset: 0 or more; limit: 1 to 500."))
    form = RetrievalForm(request.GET)
    state = retrieval_selectors.retrieval_state(access, form.filters(), form.given())
    if state.errors:
        raise DjangoValidationError(" ".join(state.errors))
    found = retrieval_selectors.state_segments(access, state, context=0)
    rows = []
    for segment in found[offset : offset + limit]:
        transcript = segment.transcript
        participant = transcript.participant
        rows.append(
            {
                **_segment_out(segment),
                **_transcript_out(transcript),
                "id": segment.pk,
                "transcript_id": transcript.pk,
                "participant_attributes": (participant.attributes if participant else {}) or {},
                "transcript_attributes": transcript.attributes or {},
            }
        )
    return {"count": found.count(), "segments": rows}


# --- Agreement (coding.agreement) ---------------------------------------------------------


@api.get(
    "/studies/{study_id}/agreement",
    response={200: agreement_answer.AgreementOut, 400: ErrorOut, 403: ErrorOut, **READ_ERRORS},
    url_name="study_agreement",
)
def study_agreement(
    request,
    study_id: Id,
    layers: str = "",
    bootstrap: int = agreement_bootstrap.DEFAULT_REPLICATES,
    seed: int = agreement_bootstrap.DEFAULT_SEED,
):
    """Agreement as on the agreement page, per code (depth first) and overall: percent
    agreement, Cohen's kappa (two layers), Krippendorff's alpha and `alpha_ci`, its 95%
    percentile bootstrap interval from `bootstrap` replicates (default 1000, at most 10000,
    0: none) resampling whole transcripts, drawn by `numpy.random.default_rng(seed)`.
    `layers`: layer keys, `bob,erin` (default: the page's first two). Scope as on the page:
    `group`, `wave`, `participant`, `transcript`, `code`, `attribute:<name>=<value>`, and
    `sample`: `double` (assigned to every layer compared) or `draw:<id>` (a recorded
    double-coding draw). Null values have their reason in `reasons`. Who may read it: as the page (else 403)."""
    access = require_agreement_reader(_access(request, study_id, missing=gettext("No such study.")))
    query = request.GET.copy()
    query["bootstrap"], query["seed"] = str(bootstrap), str(seed)
    report = agreement_answer.report_for_api(access, query, layers)
    return agreement_answer.report_json(report)


@api.post(
    "/studies/{study_id}/autocode",
    response={
        200: search_answer.AutocodeOut,
        201: search_answer.AutocodeOut,
        409: ErrorOut,
        **WRITE_ERRORS,
    },
    url_name="study_autocode",
)
def study_autocode(request, study_id: Id, payload: search_answer.AutocodeIn):
    """Code every hit of a search in your layer as one batch (one audit event, one undo):
    each hit extended to its `sentence`, its `turn` or `chars` characters each side (clipped
    to the turn), overlapping spans merged, spans already coded with the code skipped.
    `preview=true` (the default) writes nothing; `false` creates the batch (201, with its
    `batch_id`; at most 5,000 segments). Undo: DELETE /studies/{id}/autocode/{batch_id}."""
    access = _access(request, study_id, missing=gettext("No such study."))
    access.require_coder()
    user = request.auth
    key = "mine" if payload.layer in (None, "", user.username, "mine") else payload.layer
    layer = writable_layer(access, key)
    if payload.code_id is None:
        raise DjangoValidationError(gettext("code_id: choose the code to apply."))
    try:
        code = get_code(access, payload.code_id)
    except Http404:
        raise DjangoValidationError(
            gettext("There is no code with this id in the study."), code="unknown_code"
        ) from None
    query = QueryDict(mutable=True)
    for name, value in payload.search.items():
        query[name] = "1" if value is True else "" if value is False else str(value)
    params = search_forms.search_params(query)
    found = autocode.plan(
        access, params, code=code, layer=layer, rule=payload.extend, chars=payload.chars
    )
    out = {
        "preview": payload.preview,
        "hits": found.result.count,
        "count": len(found.new),
        "duplicates": found.duplicates,
        "overlapping": found.overlapping,
        "spans": [],
    }
    if payload.preview:
        out["spans"] = [
            {**vars(p), "quote": found.result.texts[p.transcript_id][p.start : p.end]}
            for p in found.spans[:1000]
        ]
        return Status(200, out)
    try:
        batch = autocode.create(access, found, actor=user, params=params)
    except DjangoValidationError as exc:
        if any(getattr(e, "code", None) == "stale" for e in getattr(exc, "error_list", [])):
            raise http_error(409, " ".join(exc.messages), "stale") from None
        raise
    ids = [row[0] for row in batch.after["segments"]]
    return Status(201, {**out, "count": len(ids), "batch_id": batch.pk, "ids": ids})


@api.delete(
    "/studies/{study_id}/autocode/{batch_id}",
    response={200: search_answer.AutocodeUndoOut, 409: ErrorOut, **WRITE_ERRORS},
    url_name="study_autocode_undo",
)
def study_autocode_undo(request, study_id: Id, batch_id: Id):
    """Undo one of your auto-coding batches: delete its segments that still exist (nothing
    coded in between). 409 when it was undone already."""
    access = _access(request, study_id, missing=gettext("No such study."))
    access.require_coder()
    batch = autocode.get_batch(access, batch_id)
    try:
        removed = autocode.undo(access, batch, actor=request.auth)
    except DjangoValidationError as exc:
        raise http_error(409, " ".join(exc.messages), error_code(exc, 409)) from None
    return Status(200, {"batch_id": batch.pk, "removed": removed})


# Codebook versions (coding/codebook/api.py), themes and the journal
# (workbench/api_themes.py), assignments and the sampler (coding/assignments/api.py), then
# the catch-all in a router of its own so that it comes after them.
codebook_api.register(api)
api.add_router("", themes_router)
api.add_router("", assignments_api.router)
api.add_router("", agreement_api.router)
fallback = Router()


@fallback.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"],
    "/{path:rest}",
    auth=None,
    include_in_schema=False,
    url_name="not_found",
)
def not_found(request, rest: str):
    """Unknown URLs under the API answer in JSON too (must stay the last route)."""
    raise Http404(gettext("No such endpoint."))


api.add_router("", fallback)
