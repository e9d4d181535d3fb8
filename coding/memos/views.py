"""The study's memo list and the memo writes (create, edit, delete) behind it.

Memos on segments are listed here and written on the coding page.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coding.codebook import selectors as codebook_selectors
from coding.memos import forms, selectors
from coding.memos import services as memo_services
from studies.access import StudyAccess, get_memo_for_write, get_study_for_user
from workbench.lib.http import HtmxHttpRequest, add_form_errors

MEMO_TEMPLATE = "coding/memos/memo_list.html"


def _list_context(request: HttpRequest, access: StudyAccess, **extra: Any) -> dict[str, Any]:
    study = access.study
    kind = forms.memo_kind(request.GET.get("kind", ""))
    book = codebook_selectors.codebook_for(access)
    page, entries = selectors.memo_page(access, kind=kind, page=request.GET.get("page"), book=book)
    ctx: dict[str, Any] = {
        "study": study,
        "access": access,
        "tab": "memos",
        "kind": kind,
        "kinds": forms.MEMO_KINDS,
        "page": page,
        "entries": entries,
        "can_write": access.can_code,
        "list_url": reverse("coding:memo_list", args=[study.pk]),
    }
    if access.can_code and "form" not in extra:
        ctx["form"] = forms.MemoCreateForm(initial={"about": "study"})
    if access.can_code:
        ctx["targets"] = selectors.memo_targets(access, book)
    ctx.update(extra)
    return ctx


@login_required
@require_GET
def memo_list(request: HtmxHttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id)
    ctx = _list_context(request, access)
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, f"{MEMO_TEMPLATE}#memo-results", ctx)
    return render(request, MEMO_TEMPLATE, ctx)


@login_required
@require_POST
def memo_create(request: HtmxHttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, write=True)
    form = forms.MemoCreateForm(request.POST)
    if form.is_valid():
        try:
            memo_services.memo_create(
                study=access.study,
                author=request.user,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                **form.target(access),
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
    if form.errors:
        ctx = _list_context(request, access, form=form)
        template = f"{MEMO_TEMPLATE}#memo-panel" if request.htmx else MEMO_TEMPLATE
        return render(request, template, ctx)
    if request.htmx:
        return render(request, f"{MEMO_TEMPLATE}#memo-panel", _list_context(request, access))
    return redirect(reverse("coding:memo_list", args=[access.study.pk]))


@login_required
@require_http_methods(["GET", "POST"])
def memo_update(request: HtmxHttpRequest, study_id: int, memo_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, write=True)
    memo = get_memo_for_write(access, memo_id)
    if request.method == "POST":
        form = forms.MemoForm(request.POST)
        if form.is_valid():
            try:
                memo_services.memo_update(memo=memo, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_form_errors(form, exc)
        if not form.errors:
            if request.htmx:
                entry = selectors.memo_entry(access, memo)
                return render(
                    request, f"{MEMO_TEMPLATE}#memo-item", {"entry": entry, "study": access.study}
                )
            return redirect(reverse("coding:memo_list", args=[access.study.pk]))
    else:
        form = forms.MemoForm(initial={"title": memo.title, "body": memo.body})
    ctx = {
        "study": access.study,
        "memo": memo,
        "edit_form": form,
        "entry_id": f"memo-memo-{memo.pk}",
    }
    if request.htmx:
        return render(request, f"{MEMO_TEMPLATE}#memo-edit", ctx)
    return render(request, MEMO_TEMPLATE, {**_list_context(request, access), **ctx})


@login_required
@require_POST
def memo_delete(request: HtmxHttpRequest, study_id: int, memo_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, write=True)
    memo = get_memo_for_write(access, memo_id)
    memo_services.memo_delete(memo=memo, actor=request.user)
    if request.htmx:
        return HttpResponse("")  # the item is swapped out
    return redirect(reverse("coding:memo_list", args=[access.study.pk]))
