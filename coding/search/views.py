"""Corpus search page: keyword-in-context hits over every transcript of the study.

Every member reads every transcript's text; the page shows nothing of codes or memos, so
blind coding changes nothing here. Access: :func:`studies.access.get_study_for_user`.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from coding.search import page
from studies.access import get_study_for_user
from workbench.lib.http import HtmxHttpRequest, render_page_or_partial

TEMPLATE = "coding/search/search.html"


@login_required
@require_GET
def search_page(request: HtmxHttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id)
    ctx = page.search_context(access, request.GET)
    ctx.update(
        study=access.study,
        access=access,
        tab="search",
        base_url=reverse("coding:search", args=[access.study.pk]),
    )
    return render_page_or_partial(request, TEMPLATE, "search-results", ctx)
