"""Calibration rounds: list, create (owners), blind coding screen (assigned coders), results.

Results show every coder's answers, so they are for owners, and for members who may read
agreement once the round is closed.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from coding.calibration import services as calibration
from coding.calibration.forms import RoundForm
from coding.calibration.results import calibration_results as calibration_results_of
from coding.models import CalibrationAnswer, CalibrationRound, CalibrationSubmission
from studies.access import can_see_round_results, get_round, get_study_for_user
from studies.models import Transcript
from workbench.lib.http import add_form_errors, int_params


@login_required
def calibration_list(request: HttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id)
    rounds = list(
        access.study.calibration_rounds.prefetch_related("coders").order_by("-created_at", "pk")
    )
    user = request.user
    done = dict(
        CalibrationSubmission.objects.filter(unit__round__in=rounds, coder=user)
        .values_list("unit__round_id")
        .order_by()
        .annotate(n=Count("pk"))
    )
    sizes = dict(
        CalibrationRound.objects.filter(pk__in=[r.pk for r in rounds])
        .annotate(n=Count("units"))
        .values_list("pk", "n")
    )
    items = []
    for rnd in rounds:
        assigned = any(c.pk == user.pk for c in rnd.coders.all())
        if not (access.is_owner or assigned or can_see_round_results(access, rnd)):
            continue
        items.append(
            {
                "round": rnd,
                "assigned": assigned,
                "done": done.get(rnd.pk, 0),
                "size": sizes.get(rnd.pk, 0),
                "results": can_see_round_results(access, rnd),
            }
        )
    return render(
        request,
        "coding/calibration/list.html",
        {"study": access.study, "access": access, "tab": "calibration", "items": items},
    )


@login_required
@require_http_methods(["GET", "POST"])
def calibration_create(request: HttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, owner=True)
    form = RoundForm(request.POST or None, access=access)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        codes = list(data["codes"]) or list(form.fields["codes"].queryset)
        if data["source"] == "layer":
            spans = calibration.units_from_layer(
                layer=form.layer_objects[data["layer"]],
                transcript_ids=[t.pk for t in data["transcripts"]],
                code_ids=[c.pk for c in data["codes"]],
                limit=data["limit"],
            )
        else:
            spans = data["parsed_spans"]
        try:
            rnd = calibration.calibration_round_create(
                study=access.study,
                name=data["name"],
                instructions=data["instructions"],
                single_code=data["single_code"],
                codes=codes,
                coders=list(data["coders"]),
                spans=spans,
                actor=request.user,
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(
                request, f"Round “{rnd.name}” created with {rnd.units.count()} excerpts."
            )
            return redirect("coding:calibration_results", study_id, rnd.pk)
    return render(
        request,
        "coding/calibration/create.html",
        {"study": access.study, "access": access, "tab": "calibration", "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def calibration_code(request: HttpRequest, study_id: int, round_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, write=True)
    rnd = get_round(access, round_id)
    if not rnd.coders.filter(pk=request.user.pk).exists():
        raise PermissionDenied(gettext("You are not assigned to this round."))
    units = list(rnd.units.order_by("position", "pk"))
    if not units:
        raise Http404(gettext("This round has no excerpts."))
    try:
        number = int(request.GET.get("unit") or request.POST.get("unit") or 0)
    except ValueError:
        number = 0
    submitted = set(
        CalibrationSubmission.objects.filter(unit__round=rnd, coder=request.user).values_list(
            "unit_id", flat=True
        )
    )
    if not 1 <= number <= len(units):
        number = next((i for i, u in enumerate(units, 1) if u.pk not in submitted), 1)
    unit = units[number - 1]
    error = ""
    if request.method == "POST":
        code_ids = int_params(request.POST.getlist("codes"))
        try:
            calibration.calibration_answer_submit(
                unit=unit, coder=request.user, code_ids=code_ids, actor=request.user
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            submitted.add(unit.pk)
            nxt = next((i for i, u in enumerate(units, 1) if u.pk not in submitted), None)
            url = reverse("coding:calibration_code", args=[study_id, rnd.pk])
            if nxt is None:
                messages.success(request, "All excerpts coded. Thank you.")
                return redirect("coding:calibration_list", study_id)
            return redirect(f"{url}?unit={nxt}")
    mine = set(
        CalibrationAnswer.objects.filter(unit=unit, coder=request.user).values_list(
            "code_id", flat=True
        )
    )
    text = Transcript.objects.filter(pk=unit.transcript_id).values_list("text", flat=True)[0]
    before = text[max(0, unit.start - 200) : unit.start]
    after = text[unit.end : unit.end + 200]
    return render(
        request,
        "coding/calibration/code.html",
        {
            "study": access.study,
            "access": access,
            "tab": "calibration",
            "round": rnd,
            "unit": unit,
            "number": number,
            "total": len(units),
            "done": len(submitted),
            "codes": list(rnd.codes.order_by("name")),
            "mine": mine,
            "is_submitted": unit.pk in submitted,
            "before": before,
            "after": after,
            "error": error,
            "units": [(i, u.pk in submitted) for i, u in enumerate(units, 1)],
        },
        status=200,
    )


@login_required
def calibration_results(request: HttpRequest, study_id: int, round_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id)
    rnd = get_round(access, round_id)
    if not can_see_round_results(access, rnd):
        raise PermissionDenied(
            gettext("Results are for the study's owners until the round is closed.")
        )
    results = calibration_results_of(rnd)
    return render(
        request,
        "coding/calibration/results.html",
        {
            "study": access.study,
            "access": access,
            "tab": "calibration",
            "round": rnd,
            "results": results,
            "two": results.n_coders == 2,
        },
    )


@login_required
@require_POST
def calibration_close(request: HttpRequest, study_id: int, round_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, owner=True)
    rnd = get_round(access, round_id)
    calibration.calibration_round_close(
        round=rnd, closed=request.POST.get("closed") != "0", actor=request.user
    )
    return redirect("coding:calibration_results", study_id, rnd.pk)
