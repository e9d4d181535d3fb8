from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.views.decorators.http import require_GET

from coding.agreement import bootstrap
from coding.agreement.access import agreement_reader
from coding.assignments.scope import sample_choices
from coding.methods import appendix
from coding.methods import render as methods_render
from workbench.lib.http import attachment_name, download

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
AGREEMENT_PARAMS = ("layers", "bootstrap", "seed", "sample")


def _notes(request: HttpRequest) -> dict[str, str]:
    return {
        key: request.GET.get(f"notes_{key}", "")[: appendix.NOTES_MAX_CHARS]
        for key, _ in appendix.SECTIONS
    }


def _agreement_query(request: HttpRequest) -> QueryDict:
    query = QueryDict(mutable=True)
    for key in AGREEMENT_PARAMS:
        for value in request.GET.getlist(key):
            if value != "":
                query.appendlist(key, value)
    return query


@login_required
@require_GET
def methods_appendix(request: HttpRequest, study_id: int) -> HttpResponse:
    access = agreement_reader(request, study_id)
    notes = _notes(request)
    built = appendix.build(access, notes=notes, query=_agreement_query(request))
    query = request.GET.copy()
    query.pop("format", None)
    return render(
        request,
        "coding/methods/appendix.html",
        {
            "study": access.study,
            "access": access,
            "tab": "methods",
            "appendix": built,
            "notes": notes,
            "sections": appendix.SECTIONS,
            "sample_choices": sample_choices(access.study),
            "params": {k: request.GET.get(k, "") for k in AGREEMENT_PARAMS},
            "default_replicates": bootstrap.DEFAULT_REPLICATES,
            "default_seed": bootstrap.DEFAULT_SEED,
            "query": query.urlencode(),
        },
    )


@login_required
@require_GET
def methods_export(request: HttpRequest, study_id: int) -> HttpResponse:
    access = agreement_reader(request, study_id)
    fmt = request.GET.get("format", "docx")
    if fmt not in ("docx", "md"):
        raise Http404("Unknown format.")
    built = appendix.build(access, notes=_notes(request), query=_agreement_query(request))
    if fmt == "md":
        return download(
            methods_render.markdown(built),
            attachment_name(access.study, "methods-appendix", "md"),
            "text/markdown; charset=utf-8",
        )
    return download(
        methods_render.docx_bytes(built),
        attachment_name(access.study, "methods-appendix", "docx"),
        DOCX,
    )
