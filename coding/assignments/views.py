"""The Assignments page: who codes which transcript (a transcripts x coders grid), a bulk
assignment by group and wave, and the double-coding sampler (preview, then apply).

Access (:mod:`studies.access`): every member reads the grid, a blind coder only their own
column; only owners assign (403 for the others, 404 for non-members).
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from coding.assignments import selectors, services
from coding.assignments.forms import BulkForm, FilterForm, SampleForm
from studies.access import get_study_for_user
from workbench.lib.http import form_errors_text

PAGE = "coding/assignments/assignments.html"
SAMPLE = "coding/assignments/sample.html"


def _page_url(study_id: int, query: str = "") -> str:
    url = reverse("coding:assignments", args=[study_id])
    return f"{url}?{query}" if query else url


def _ints(values) -> list[int]:
    out = []
    for v in values:
        try:
            out.append(int(v))
        except (TypeError, ValueError):
            continue
    return out


def _report(request, changed: services.Changed, titles: dict[int, str]) -> None:
    if changed.added or changed.removed:
        messages.success(
            request,
            f"Assigned {len(changed.added)}, unassigned {len(changed.removed)}.",
        )
    elif not changed.kept:
        messages.info(request, "Nothing changed.")
    for kept in changed.kept:
        messages.warning(
            request,
            f"Kept {kept.layer.label} on “{titles.get(kept.transcript_id, kept.transcript_id)}”: "
            f"{kept.segments} segment{'s' if kept.segments != 1 else ''} coded there "
            "(nothing was removed; their coding stays).",
        )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def assignments_page(request: HttpRequest, study_id: int) -> HttpResponse:
    if request.method == "POST":
        return _grid_save(request, study_id)
    access = get_study_for_user(request, study_id)
    filters = FilterForm(request.GET, study=access.study)
    groups, waves = filters.chosen()
    grid = selectors.grid(access, groups=groups, waves=waves)
    context = {
        "study": access.study,
        "access": access,
        "tab": "assignments",
        "grid": grid,
        "filters": filters,
        "chosen_groups": groups,
        "chosen_waves": waves,
        "query": request.GET.urlencode(),
        "bulk": BulkForm(None, study=access.study, cols=grid.columns),
        "draws": list(selectors.draws(access.study)) if not access.blind else [],
    }
    return render(request, PAGE, context)


def _grid_save(request: HttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, owner=True)
    study = access.study
    shown = set(_ints(request.POST.getlist("shown")))
    ticks = set(request.POST.getlist("a"))
    cols = selectors.columns(access)
    add, remove = [], []
    for col in cols:
        for tid in sorted(shown):
            wanted = f"{tid}:{col.user_id}" in ticks
            if wanted:
                col.layer = col.layer or services.coder_layer(study=study, user_id=col.user_id)
                add.append((tid, col.layer))
            elif col.layer is not None:
                remove.append((tid, col.layer))
    try:
        changed = services.assignment_update(
            study=study, actor=request.user, add=add, remove=remove
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        titles = dict(study.transcripts.filter(pk__in=shown).values_list("pk", "title"))
        _report(request, changed, titles)
    return redirect(_page_url(study.pk, request.POST.get("query", "")))


@login_required
@require_POST
def assignments_bulk(request: HttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, owner=True)
    study = access.study
    form = BulkForm(request.POST, study=study, cols=selectors.columns(access))
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return redirect(_page_url(study.pk))
    data = form.cleaned_data
    cells = selectors.sampler_cells(
        study,
        groups=[data["group"]] if data["group"] else (),
        waves=[data["wave"]] if data["wave"] else (),
    )
    tids = sorted(t for ids in cells.values() for t in ids)
    try:
        layer = services.coder_layer(study=study, user_id=data["coder"])
        changed = services.assignment_update(
            study=study, actor=request.user, add=[(t, layer) for t in tids]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"Assigned {len(changed.added)} transcript{'s' if len(changed.added) != 1 else ''} "
            f"to {layer.label} ({len(tids) - len(changed.added)} already assigned).",
        )
    return redirect(_page_url(study.pk))


def _sample_request(form: SampleForm) -> services.SampleRequest:
    data = form.cleaned_data
    percent = data.get("percent")
    return services.SampleRequest(
        user_ids=[data["coder_a"], data["coder_b"]],
        seed=data["seed"],
        percent=float(percent) if isinstance(percent, Decimal) else percent,
        count=data.get("count"),
        groups=data["group"],
        waves=data["wave"],
    )


def _preview_rows(study, drawn, cells):
    groups = dict(study.groups.values_list("pk", "name"))
    waves = dict(study.waves.values_list("pk", "name"))
    return [
        {
            "group": groups.get(g, "(no group)"),
            "wave": waves.get(w, "(no wave)"),
            "n": len(cells[(g, w)]),
            "quota": float(drawn.plan.quotas[(g, w)]),
            "count": n,
        }
        for (g, w), n in sorted(drawn.plan.counts.items())
    ]


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def assignments_sample(request: HttpRequest, study_id: int) -> HttpResponse:
    """GET: the form, and with its fields a preview (writes nothing); POST: apply."""
    access = get_study_for_user(request, study_id, owner=True)
    study = access.study
    cols = selectors.columns(access)
    bound = request.POST if request.method == "POST" else (request.GET or None)
    form = SampleForm(bound, study=study, cols=cols)
    if bound is None:
        # Unbound: a fresh seed (recorded with the draw), 20%, the first two coders.
        form.initial = {
            "seed": SampleForm.fresh_seed(),
            "percent": 20,
            "coder_a": cols[0].user_id if cols else None,
            "coder_b": cols[1].user_id if len(cols) > 1 else None,
        }
    context = {"study": study, "access": access, "tab": "assignments", "form": form}
    context["error"] = ""
    if bound is not None and form.is_valid():
        sample = _sample_request(form)
        try:
            if request.method == "POST":
                row = services.sample_apply(study=study, actor=request.user, request=sample)
                messages.success(
                    request,
                    f"Drew {len(row.transcript_ids)} transcripts (seed {row.seed}) for "
                    f"{' and '.join(row.params['coders'])}: "
                    f"{row.params['newly_assigned']} new assignments. Recorded as draw {row.pk}.",
                )
                return redirect(_page_url(study.pk))
            cells = selectors.sampler_cells(study, groups=sample.groups, waves=sample.waves)
            drawn = services.sample_preview(study=study, request=sample, cells=cells)
        except ValidationError as exc:
            context["error"] = " ".join(exc.messages)
        else:
            titles = dict(
                study.transcripts.filter(pk__in=drawn.chosen).order_by().values_list("pk", "title")
            )
            context.update(
                drawn=drawn,
                rows=_preview_rows(study, drawn, cells),
                chosen=[(t, titles.get(t, "")) for t in drawn.chosen],
                coders=[c.username for u in sample.user_ids for c in cols if c.user_id == u],
                apply_query=request.GET,
            )
    elif bound is not None:
        context["error"] = form_errors_text(form, labels=True)
    return render(request, SAMPLE, context)
