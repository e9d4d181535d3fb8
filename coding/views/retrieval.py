"""Coded retrieval (segments of a code, with context; CSV/XLSX export) and the study's memos.

Permissions come from :mod:`studies.access` only: :func:`coding.retrieval.retrieve` filters
out hidden layers in SQL, and memo lists drop memos on segments of hidden layers, so a
fragment requested alone shows exactly what the page would.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import CharField, F, Value
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coding import exports
from coding.codebook import selectors as codebook_selectors
from coding.compare import UNION as UNION_KEY
from coding.memos import services as memo_services
from coding.models import Layer, LayerKind, Memo, Segment
from coding.retrieval import (
    EXPORT_HEADER,
    RetrievalFilters,
    code_ids_for,
    export_rows,
    retrieve,
    segment_link,
)
from coding.segments import selectors as segment_selectors
from coding.segments import services as segment_services
from studies.access import (
    StudyAccess,
    get_study_for_user,
    visible_codes,
    visible_layers,
    visible_memos,
)
from studies.models import Participant, Transcript

PAGE_SIZE = 100
CONTEXT_CHARS = 120
RETRIEVAL_TEMPLATE = "coding/retrieval.html"
MEMO_TEMPLATE = "coding/memo_list.html"


def _maybe_url(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


# --- coded retrieval ------------------------------------------------------------------


@dataclass
class RetrievalState:
    """The request's filters resolved against what the requester may see (5 queries)."""

    filters: RetrievalFilters
    book: codebook_selectors.Codebook
    layers: list[Layer]
    groups: list
    waves: list
    participants: list
    code_ids: list[int]
    chosen_layers: list[Layer] | None
    errors: list[str]

    @property
    def code_path(self) -> str:
        return self.book.path(self.filters.code) if self.filters.code else ""

    def about(self) -> list[tuple[str, Any]]:
        """Label/value pairs describing the request, for the XLSX "About" sheet."""

        def name(items, pk):
            return next((str(i) for i in items if i.pk == pk), "All")

        layer = next((lr.label for lr in self.layers if lr.key == self.filters.layer), "")
        if self.filters.layer == UNION_KEY:
            layer = "Coders' union: " + ", ".join(lr.label for lr in self.chosen_layers or [])
        return [
            ("Code", self.code_path or "All codes"),
            ("Subcodes included", "yes" if self.filters.subtree else "no"),
            ("Group", name(self.groups, self.filters.group)),
            ("Wave", name(self.waves, self.filters.wave)),
            ("Participant", name(self.participants, self.filters.participant)),
            (
                "Layer",
                layer or "All layers you can see: " + ", ".join(lr.label for lr in self.layers),
            ),
        ]


def _retrieval_state(request: HttpRequest, access: StudyAccess) -> RetrievalState:
    study = access.study
    get = request.GET
    filters = RetrievalFilters(
        code=_int_or_none(get.get("code")),
        subtree=get.get("subtree") in ("1", "on", "true"),
        group=_int_or_none(get.get("group")),
        wave=_int_or_none(get.get("wave")),
        participant=_int_or_none(get.get("participant")),
        layer=(get.get("layer") or "").strip(),
        review=get.get("review") in ("1", "on", "true"),
    )
    book = codebook_selectors.codebook_for(access)
    layers = segment_selectors.listed_layers(access)
    groups = list(study.groups.all())
    waves = list(study.waves.all())
    participants = list(Participant.objects.filter(study=study).only("pk", "pseudonym", "group_id"))
    errors: list[str] = []
    # Unknown ids are reported, never dropped: a silently ignored filter would show
    # more segments than the link that led here promised.
    for label, value, items, param in (
        ("code", filters.code, book.by_id, "code"),
        ("group", filters.group, {g.pk for g in groups}, "group"),
        ("wave", filters.wave, {w.pk for w in waves}, "wave"),
        ("participant", filters.participant, {p.pk for p in participants}, "participant"),
    ):
        if get.get(param) and (value is None or value not in items):
            errors.append(f"There is no {label} “{get.get(param)}” in this study.")
    chosen_layers = None
    if filters.layer == UNION_KEY:
        # The coders' union, as on the comparison pages: every coder and imported layer.
        chosen_layers = [lr for lr in layers if lr.kind != LayerKind.CONSENSUS]
    elif filters.layer:
        chosen_layers = [lr for lr in layers if lr.key == filters.layer]
        if not chosen_layers:
            errors.append(f"There is no layer “{filters.layer}” that you can see.")
    code_ids = code_ids_for(book, filters.code, subtree=filters.subtree) if filters.code else []
    return RetrievalState(
        filters=filters,
        book=book,
        layers=layers,
        groups=groups,
        waves=waves,
        participants=participants,
        code_ids=code_ids,
        chosen_layers=chosen_layers,
        errors=errors,
    )


def _segments(access: StudyAccess, state: RetrievalState, *, all_codes: bool, context: int):
    f = state.filters
    return retrieve(
        access,
        code_ids=None if (all_codes and f.code is None) else state.code_ids,
        group=f.group,
        wave=f.wave,
        participant=f.participant,
        layers=state.chosen_layers,
        needs_review=f.review,
        context_chars=context,
    )


@dataclass
class ResultRow:
    segment: Segment
    path: str
    link: str
    before: str
    after: str
    more_before: bool
    more_after: bool
    can_review: bool = False


def _trim_context(text: str, *, at_start: bool) -> str:
    """Cut a partial word off the outer end of a context snippet (not for CJK runs)."""
    if at_start:
        cut = text.find(" ", 0, 25)
        return text[cut + 1 :] if cut != -1 else text
    cut = text.rfind(" ", max(len(text) - 25, 0))
    return text[:cut] if cut != -1 else text


def _result_rows(study_id: int, segments, book, access: StudyAccess) -> list[ResultRow]:
    rows = []
    for seg in segments:
        before, after = seg.context_before or "", seg.context_after or ""
        more_before = seg.start - len(before) > 0
        more_after = seg.end + len(after) < (seg.transcript.length or 0)
        rows.append(
            ResultRow(
                segment=seg,
                path=book.path(seg.code_id) or seg.code.name,
                link=segment_link(study_id, seg),
                before=_trim_context(before, at_start=True) if more_before else before,
                after=_trim_context(after, at_start=False) if more_after else after,
                more_before=more_before,
                more_after=more_after,
                can_review=seg.needs_review and access.can_write_layer(seg.layer),
            )
        )
    return rows


def _retrieval_context(request: HttpRequest, access: StudyAccess) -> dict[str, Any]:
    study = access.study
    state = _retrieval_state(request, access)
    page = None
    rows: list[ResultRow] = []
    # "Needs review" lists every flagged passage, so it needs no code.
    if (state.filters.code is not None or state.filters.review) and not state.errors:
        paginator = Paginator(
            _segments(access, state, all_codes=True, context=CONTEXT_CHARS), PAGE_SIZE
        )
        page = paginator.get_page(request.GET.get("page"))
        rows = _result_rows(study.pk, page.object_list, state.book, access)
    base = reverse("coding:retrieval", args=[study.pk])
    query = state.filters.query()
    return {
        "study": study,
        "access": access,
        "tab": "retrieval",
        "state": state,
        "filters": state.filters,
        "codes": list(state.book.walk()),
        "page": page,
        "rows": rows,
        "base_url": base,
        "query": query,
        "csv_url": reverse("coding:retrieval_export", args=[study.pk, "csv"]) + f"?{query}",
        "xlsx_url": reverse("coding:retrieval_export", args=[study.pk, "xlsx"]) + f"?{query}",
        "codebook_url": _maybe_url("coding:codebook", study.pk),
    }


@login_required
@require_GET
def retrieval(request: HttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id)
    ctx = _retrieval_context(request, access)
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        return render(request, f"{RETRIEVAL_TEMPLATE}#retrieval-results", ctx)
    return render(request, RETRIEVAL_TEMPLATE, ctx)


@login_required
@require_GET
def retrieval_export(request: HttpRequest, study_id: int, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404("Export as .csv or .xlsx.")
    access = get_study_for_user(request, study_id)
    state = _retrieval_state(request, access)
    if state.errors:
        return HttpResponse(" ".join(state.errors), status=400, content_type="text/plain")
    # Without a code, the export holds every visible segment matching the other filters.
    segments = iter(_segments(access, state, all_codes=True, context=0))  # streamed
    rows = export_rows(segments, state.book)
    stem = slugify(f"{access.study.name} {state.code_path or 'all codes'}")[:80] or "segments"
    filename = f"{stem}-{timezone.localdate().isoformat()}.{fmt}"
    if fmt == "csv":
        return exports.csv_response(filename, EXPORT_HEADER, rows)
    about = [
        ("Study", access.study.name),
        *state.about(),
        ("Exported by", request.user.get_username()),
    ]
    if access.blind:
        about.append(("Scope", "Blind coding: only your own layer."))
    return exports.xlsx_response(
        filename, [exports.Sheet("Segments", EXPORT_HEADER, rows)], about=about
    )


@login_required
@require_POST
def segment_reviewed(request: HttpRequest, study_id: int, segment_id: int) -> HttpResponse:
    """Mark a passage that a text edit changed as reviewed (its current words stand)."""
    access = get_study_for_user(request, study_id, write=True)
    segment = (
        Segment.objects.filter(pk=segment_id, transcript__study=access.study)
        .select_related("layer__user", "transcript__study")
        .first()
    )
    if segment is None or not access.can_see_layer(segment.layer):
        raise Http404("No such passage.")
    if not access.can_write_layer(segment.layer):
        raise PermissionDenied("You can only review passages in your own layer.")
    segment_services.segment_mark_reviewed(segment=segment, actor=request.user)
    htmx = getattr(request, "htmx", None)
    if htmx:
        found = retrieve(
            access, code_ids=None, transcript=segment.transcript_id, context_chars=CONTEXT_CHARS
        )
        one = type(found)(found.segments.filter(pk=segment.pk), CONTEXT_CHARS)
        book = codebook_selectors.codebook_for(access)
        row = _result_rows(access.study.pk, one[0:1], book, access)[0]
        ctx = {"row": row, "filters": RetrievalFilters(), "reviewed": True, "study": access.study}
        return render(request, "coding/_retrieval_row.html", ctx)
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("coding:retrieval", args=[access.study.pk]) + "?review=1"
    return redirect(target)


# --- memos ------------------------------------------------------------------------------

MEMO_KINDS = [
    ("", "All"),
    ("study", "Study"),
    ("transcript", "Transcripts"),
    ("code", "Codes"),
    ("segment", "Segments"),
]


class MemoForm(forms.Form):
    title = forms.CharField(max_length=200, required=False)
    body = forms.CharField(max_length=20_000, widget=forms.Textarea(attrs={"rows": 3}))


class MemoCreateForm(MemoForm):
    # "study", "transcript-<id>" or "code-<id>"; segment memos belong to the coding page.
    about = forms.CharField(max_length=40, initial="study")


@dataclass
class MemoEntry:
    """One line of the memo list: a Memo, or the memo field of a Segment."""

    source: str  # "memo" or "segment"
    pk: int
    kind: str
    title: str
    body: str
    author: Any
    created_at: dt.datetime
    updated_at: dt.datetime
    transcript: Transcript | None
    code_path: str
    segment: Segment | None
    link: str | None
    can_edit: bool

    @property
    def dom_id(self) -> str:
        return f"memo-{self.source}-{self.pk}"


def _memo_kind(transcript_id, code_id, segment_id) -> str:
    if segment_id:
        return "segment"
    if transcript_id:
        return "transcript"
    if code_id:
        return "code"
    return "study"


def _visible_memos(access: StudyAccess):
    """The memos the requester may see (:func:`studies.access.visible_memos`)."""
    return visible_memos(access)


def _memo_rows(access: StudyAccess, kind: str):
    """Memos and segment memo fields as one sortable value query (a UNION), newest first."""
    memos = _visible_memos(access)
    if kind == "study":
        memos = memos.filter(transcript__isnull=True, code__isnull=True, segment__isnull=True)
    elif kind == "transcript":
        memos = memos.filter(transcript__isnull=False, segment__isnull=True)
    elif kind == "code":
        memos = memos.filter(code__isnull=False, transcript__isnull=True, segment__isnull=True)
    elif kind == "segment":
        memos = memos.filter(segment__isnull=False)
    # Only annotations, in one order on both sides: UNION matches columns by position.
    # Clear the models' default ordering: SQL forbids ORDER BY inside the UNION's parts.
    memo_values = memos.order_by().values(
        m_source=Value("memo", output_field=CharField()),
        m_id=F("pk"),
        m_title=F("title"),
        m_body=F("body"),
        m_author=F("author_id"),
        m_created=F("created_at"),
        m_updated=F("updated_at"),
        m_transcript=F("transcript_id"),
        m_code=F("code_id"),
        m_segment=F("segment_id"),
    )
    if kind not in ("", "segment"):
        return memo_values.order_by("-m_updated", "-m_id")
    segment_values = (
        Segment.objects.filter(transcript__study=access.study, layer__in=visible_layers(access))
        .exclude(memo="")
        .order_by()
        .values(
            m_source=Value("segment", output_field=CharField()),
            m_id=F("pk"),
            m_title=Value("", output_field=CharField()),
            m_body=F("memo"),
            m_author=F("created_by_id"),
            m_created=F("created_at"),
            m_updated=F("updated_at"),
            m_transcript=F("transcript_id"),
            m_code=F("code_id"),
            m_segment=F("pk"),
        )
    )
    union = memo_values.union(segment_values, all=True)
    return union.order_by("-m_updated", "-m_source", "-m_id")


def _memo_entries(access: StudyAccess, rows: list[dict], book) -> list[MemoEntry]:
    """Entries for one page of rows: authors, transcripts and segments in 3 queries."""
    study_id = access.study.pk
    user_ids = {r["m_author"] for r in rows if r["m_author"]}
    transcript_ids = {r["m_transcript"] for r in rows if r["m_transcript"]}
    segment_ids = {r["m_segment"] for r in rows if r["m_segment"]}
    users = get_user_model().objects.in_bulk(user_ids) if user_ids else {}
    transcripts = Transcript.objects.for_list().in_bulk(transcript_ids) if transcript_ids else {}
    segments = (
        Segment.objects.select_related("layer__user").defer("provenance").in_bulk(segment_ids)
        if segment_ids
        else {}
    )
    entries = []
    for r in rows:
        kind = _memo_kind(r["m_transcript"], r["m_code"], r["m_segment"])
        segment = segments.get(r["m_segment"])
        transcript = transcripts.get(r["m_transcript"])
        if segment is not None:
            link = segment_link(study_id, segment)
        elif kind == "transcript":
            link = _maybe_url("coding:transcript_code", study_id, r["m_transcript"])
        elif kind == "code":
            link = reverse("coding:retrieval", args=[study_id]) + f"?code={r['m_code']}"
        else:
            link = None
        is_memo = r["m_source"] == "memo"
        entries.append(
            MemoEntry(
                source=r["m_source"],
                pk=r["m_id"],
                kind=kind,
                title=r["m_title"] or "",
                body=r["m_body"],
                author=users.get(r["m_author"]),
                created_at=r["m_created"],
                updated_at=r["m_updated"],
                transcript=transcript,
                code_path=book.path(segment.code_id if segment else r["m_code"]),
                segment=segment,
                link=link,
                can_edit=is_memo and _may_edit(access, r["m_author"]),
            )
        )
    return entries


def _may_edit(access: StudyAccess, author_id: int | None) -> bool:
    return access.is_owner or (access.can_code and author_id == access.membership.user_id)


def _memo_context(request: HttpRequest, access: StudyAccess, **extra) -> dict[str, Any]:
    study = access.study
    kind = request.GET.get("kind", "")
    if kind not in dict(MEMO_KINDS):
        kind = ""
    book = codebook_selectors.codebook_for(access)
    rows_qs = _memo_rows(access, kind)
    page = Paginator(rows_qs, PAGE_SIZE).get_page(request.GET.get("page"))
    entries = _memo_entries(access, list(page.object_list), book)
    ctx: dict[str, Any] = {
        "study": study,
        "access": access,
        "tab": "memos",
        "kind": kind,
        "kinds": MEMO_KINDS,
        "page": page,
        "entries": entries,
        "can_write": access.can_code,
        "list_url": reverse("coding:memo_list", args=[study.pk]),
    }
    if access.can_code and "form" not in extra:
        ctx["form"] = MemoCreateForm(initial={"about": "study"})
    if access.can_code:
        ctx["targets"] = _memo_targets(access, book)
    ctx.update(extra)
    return ctx


def _memo_targets(access: StudyAccess, book) -> dict[str, list[tuple[str, str]]]:
    """What a new memo can be about: the study, a transcript (title only) or a code."""
    transcripts = Transcript.objects.filter(study=access.study).only("pk", "title")
    return {
        "transcripts": [(f"transcript-{t.pk}", t.title) for t in transcripts],
        "codes": [(f"code-{n.pk}", n.path) for n in book.walk()],
    }


@login_required
@require_GET
def memo_list(request: HttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id)
    ctx = _memo_context(request, access)
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        return render(request, f"{MEMO_TEMPLATE}#memo-results", ctx)
    return render(request, MEMO_TEMPLATE, ctx)


# Memo writes. Creation is memo_services.memo_create; update and delete belong beside it in
# coding/codebook_services.py and are kept here until that file is free to edit. Each validates,
# saves and records an audit event.


def _resolve_about(access: StudyAccess, about: str) -> dict[str, Any]:
    if about in ("", "study"):
        return {}
    kind, _, raw = about.partition("-")
    pk = _int_or_none(raw)
    if kind == "transcript" and pk is not None:
        transcript = Transcript.objects.filter(study=access.study, pk=pk).defer("text").first()
        if transcript is not None:
            return {"transcript": transcript}
    if kind == "code" and pk is not None:
        code = visible_codes(access).filter(pk=pk).first()
        if code is not None:
            return {"code": code}
    raise ValidationError(
        {"about": "Choose the study, one of its transcripts or one of its codes."}
    )


def _memo_create(*, access: StudyAccess, author, title: str, body: str, about: str) -> Memo:
    return memo_services.memo_create(
        study=access.study, author=author, title=title, body=body, **_resolve_about(access, about)
    )


def _memo_for_edit(access: StudyAccess, memo_id: int) -> Memo:
    """A memo the requester may see (else 404) and change (else 403)."""
    memo = _visible_memos(access).select_related("study").filter(pk=memo_id).first()
    if memo is None:
        raise Http404("No such memo.")
    if not _may_edit(access, memo.author_id):
        raise PermissionDenied("Only the memo's author or the study's owners can change it.")
    return memo


def _form_errors(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errs in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errs)
    else:
        form.add_error(None, exc.messages)


@login_required
@require_POST
def memo_create(request: HttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, write=True)
    form = MemoCreateForm(request.POST)
    if form.is_valid():
        try:
            _memo_create(access=access, author=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
    htmx = getattr(request, "htmx", None)
    if form.errors:
        ctx = _memo_context(request, access, form=form)
        template = f"{MEMO_TEMPLATE}#memo-panel" if htmx else MEMO_TEMPLATE
        return render(request, template, ctx)
    if htmx:
        return render(request, f"{MEMO_TEMPLATE}#memo-panel", _memo_context(request, access))
    return redirect(reverse("coding:memo_list", args=[access.study.pk]))


@login_required
@require_http_methods(["GET", "POST"])
def memo_update(request: HttpRequest, study_id: int, memo_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, write=True)
    memo = _memo_for_edit(access, memo_id)
    htmx = getattr(request, "htmx", None)
    if request.method == "POST":
        form = MemoForm(request.POST)
        if form.is_valid():
            try:
                memo_services.memo_update(memo=memo, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _form_errors(form, exc)
        if not form.errors:
            if htmx:
                entry = _memo_entries(
                    access, [_row_of(memo)], codebook_selectors.codebook_for(access)
                )[0]
                return render(
                    request, f"{MEMO_TEMPLATE}#memo-item", {"entry": entry, "study": access.study}
                )
            return redirect(reverse("coding:memo_list", args=[access.study.pk]))
    else:
        form = MemoForm(initial={"title": memo.title, "body": memo.body})
    ctx = {
        "study": access.study,
        "memo": memo,
        "edit_form": form,
        "entry_id": f"memo-memo-{memo.pk}",
    }
    if htmx:
        return render(request, f"{MEMO_TEMPLATE}#memo-edit", ctx)
    return render(request, MEMO_TEMPLATE, {**_memo_context(request, access), **ctx})


def _row_of(memo: Memo) -> dict[str, Any]:
    return {
        "m_source": "memo",
        "m_id": memo.pk,
        "m_title": memo.title,
        "m_body": memo.body,
        "m_author": memo.author_id,
        "m_created": memo.created_at,
        "m_updated": memo.updated_at,
        "m_transcript": memo.transcript_id,
        "m_code": memo.code_id,
        "m_segment": memo.segment_id,
    }


@login_required
@require_POST
def memo_delete(request: HttpRequest, study_id: int, memo_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, write=True)
    memo = _memo_for_edit(access, memo_id)
    memo_services.memo_delete(memo=memo, actor=request.user)
    if getattr(request, "htmx", None):
        return HttpResponse("")  # the item is swapped out
    return redirect(reverse("coding:memo_list", args=[access.study.pk]))


urlpatterns = [
    path("studies/<int:study_id>/retrieval/", retrieval, name="retrieval"),
    path(
        "studies/<int:study_id>/retrieval/export.<str:fmt>",
        retrieval_export,
        name="retrieval_export",
    ),
    path(
        "studies/<int:study_id>/segments/<int:segment_id>/reviewed/",
        segment_reviewed,
        name="segment_reviewed",
    ),
    path("studies/<int:study_id>/memos/", memo_list, name="memo_list"),
    path("studies/<int:study_id>/memos/new/", memo_create, name="memo_create"),
    path("studies/<int:study_id>/memos/<int:memo_id>/edit/", memo_update, name="memo_update"),
    path("studies/<int:study_id>/memos/<int:memo_id>/delete/", memo_delete, name="memo_delete"),
]
