"""Coded retrieval (segments of a code, with context; CSV/XLSX export).

Permissions come from :mod:`studies.access` only: :func:`coding.retrieval.selectors.retrieve`
filters out hidden layers in SQL, so a fragment requested alone shows exactly what the page
would.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from coding.codebook import selectors as codebook_selectors
from coding.exports import header_language
from coding.jobs import services as job_services
from coding.models import JobKind
from coding.retrieval import exports, page, selectors
from coding.retrieval.forms import RetrievalForm
from coding.segments import services as segment_services
from studies.access import StudyAccess, get_segment_for_write, get_study_for_user
from workbench.lib.http import HtmxHttpRequest, maybe_url

RETRIEVAL_TEMPLATE = "coding/retrieval/retrieval.html"


def _state(request: HttpRequest, access: StudyAccess) -> selectors.RetrievalState:
    form = RetrievalForm(request.GET)
    return selectors.retrieval_state(access, form.filters(), form.given())


def _retrieval_context(request: HttpRequest, access: StudyAccess) -> dict[str, Any]:
    study = access.study
    state = _state(request, access)
    results = None
    rows: list[page.ResultRow] = []
    # "Needs review" lists every flagged passage, so it needs no code.
    if (state.filters.code is not None or state.filters.review) and not state.errors:
        segments = selectors.state_segments(access, state, context=page.CONTEXT_CHARS)
        number = request.GET.get("page")
        pages = Paginator(page.PassagePages(segments, number, size=page.PAGE_SIZE), page.PAGE_SIZE)
        results = pages.get_page(number)
        rows = page.result_rows(access, results.object_list, state.book, state.layers)
    query = state.filters.query()
    rows_html = page.rows_html(
        request,
        rows,
        study_id=study.pk,
        show_path=state.filters.subtree or state.filters.review,
        exemplar_url=reverse("coding:exemplar_create", args=[study.pk]) if access.can_code else "",
    )
    return {
        "study": study,
        "access": access,
        "tab": "retrieval",
        "state": state,
        "filters": state.filters,
        "has_codes": bool(state.book.by_id),
        "code_options": page.code_options(state.book, state.filters.code),
        "participant_options": page.participant_options(
            state.participants, state.filters.participant
        ),
        "page": results,
        "rows": rows,
        "rows_html": rows_html,
        "base_url": reverse("coding:retrieval", args=[study.pk]),
        "query": query,
        "csv_url": reverse("coding:retrieval_export", args=[study.pk, "csv"]) + f"?{query}",
        "xlsx_url": reverse("coding:retrieval_export", args=[study.pk, "xlsx"]) + f"?{query}",
        "codebook_url": maybe_url("coding:codebook", study.pk),
    }


@login_required
@require_GET
def retrieval(request: HtmxHttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id)
    ctx = _retrieval_context(request, access)
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, f"{RETRIEVAL_TEMPLATE}#retrieval-results", ctx)
    return render(request, RETRIEVAL_TEMPLATE, ctx)


@login_required
@require_GET
def retrieval_export(request: HttpRequest, study_id: int, fmt: str) -> HttpResponse:
    if fmt not in exports.FORMATS:
        raise Http404("Export as .csv or .xlsx.")
    access = get_study_for_user(request, study_id)
    state = _state(request, access)
    if state.errors:
        return HttpResponse(" ".join(state.errors), status=400, content_type="text/plain")
    # Big exports run as a background job; the job page shows progress and the download.
    if job_services.runs_in_background(selectors.state_segments(access, state, context=0).count()):
        job = job_services.job_start(
            access=access,
            kind=JobKind.RETRIEVAL_CSV if fmt == "csv" else JobKind.RETRIEVAL_XLSX,
            filename=exports.export_filename(access, state, fmt),
            params={"query": request.GET.urlencode(), "fmt": fmt},
        )
        return redirect("coding:job_detail", access.study.pk, job.pk)
    with header_language(request):
        return exports.export_response(access, state, fmt, username=request.user.get_username())


@login_required
@require_POST
def segment_reviewed(request: HtmxHttpRequest, study_id: int, segment_id: int) -> HttpResponse:
    """Mark a passage that a text edit changed as reviewed (its current words stand)."""
    access = get_study_for_user(request, study_id, write=True)
    segment = get_segment_for_write(
        access,
        segment_id,
        missing=gettext("No such passage."),
        refused=gettext("You can only review passages in your own layer."),
    )
    segment_services.segment_mark_reviewed(segment=segment, actor=request.user)
    if request.htmx:
        row = page.result_row(access, segment, codebook_selectors.codebook_for(access))
        html = page.rows_html(
            request, [row], study_id=access.study.pk, show_path=False, reviewed=True
        )
        return HttpResponse(html)
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("coding:retrieval", args=[access.study.pk]) + "?review=1"
    return redirect(target)
