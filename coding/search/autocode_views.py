"""Auto-coding from the Search page: preview (POST without ``confirm``), create the batch
(with ``confirm``: back to the search with its undo toast) and undo it.

Access as everywhere (:mod:`studies.access`): members only (404), viewers refused (403),
the layer from :func:`studies.access.writable_layer` (yours; owners: also consensus), the
code from :func:`studies.access.get_code` (blind rules). Writes are
:mod:`coding.search.autocode`'s.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_POST

from coding.search import autocode
from coding.search.forms import search_params
from studies.access import get_code, get_study_for_user, writable_layer
from workbench.lib.http import int_param

TEMPLATE = "coding/search/autocode_preview.html"


def _search_url(study_id: int, querystring: str, **extra) -> str:
    url = reverse("coding:search", args=[study_id]) + "?" + querystring
    return url + "".join(f"&{k}={v}" for k, v in extra.items())


@login_required
@require_POST
def autocode_page(request, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id)
    access.require_coder()
    layer = writable_layer(access, request.POST.get("layer") or "mine")
    params = search_params(request.POST)
    rule = request.POST.get("extend") or "sentence"
    chars = int_param(request.POST.get("chars")) or 0
    ctx = {
        "study": access.study,
        "access": access,
        "tab": "search",
        "params": params,
        "query": params.querystring(),
        "params_pairs": parse_qsl(params.querystring()),
        "back": _search_url(access.study.pk, params.querystring()),
        "layer_key": request.POST.get("layer") or "mine",
        "rule": rule,
        "rule_label": autocode.EXTENSIONS.get(rule, rule),
        "chars": chars,
        "plan": None,
        "error": "",
    }
    try:
        code = get_code(access, int_param(request.POST.get("code")))
    except Http404:
        ctx["error"] = gettext("Choose a code to apply.")
        return render(request, TEMPLATE, ctx, status=400)
    ctx["code"] = code
    try:
        found = autocode.plan(access, params, code=code, layer=layer, rule=rule, chars=chars)
        ctx["plan"] = found
        if request.POST.get("confirm"):
            batch = autocode.create(access, found, actor=request.user, params=params)
            count = batch.after["count"]
            messages.success(
                request,
                ngettext(
                    "Auto-coded %(n)s passage with “%(code)s”.",
                    "Auto-coded %(n)s passages with “%(code)s”.",
                    count,
                )
                % {"n": count, "code": code.name},
            )
            return HttpResponseRedirect(
                _search_url(access.study.pk, params.querystring(), batch=batch.pk)
            )
        if len(found.new) > autocode.MAX_BATCH:
            autocode._refuse_large(len(found.new))
    except ValidationError as exc:
        ctx["error"] = " ".join(exc.messages)
        return render(request, TEMPLATE, ctx, status=400)
    ctx["rows"] = found.spans[:500]
    return render(request, TEMPLATE, ctx)


@login_required
@require_POST
def autocode_undo(request, study_id: int, batch_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id)
    access.require_coder()
    batch = autocode.get_batch(access, batch_id)
    back = _search_url(access.study.pk, batch.after.get("search", ""))
    try:
        removed = autocode.undo(access, batch, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(back)
    messages.success(
        request,
        ngettext(
            "Undone: the auto-coding batch (%(n)s highlight).",
            "Undone: the auto-coding batch (%(n)s highlights).",
            removed,
        )
        % {"n": removed},
    )
    return HttpResponseRedirect(back)
