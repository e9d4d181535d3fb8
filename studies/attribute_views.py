"""Attribute definitions, edited by owners on the participants page (one form per row)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from studies import attribute_services, forms
from studies.access import get_study_for_user
from studies.models import Attribute


def _back(access) -> HttpResponse:
    return redirect("studies:participant_list", access.study.pk)


def _refused(request: HttpRequest, form, exc: ValidationError | None = None) -> None:
    problems = [f"{field}: {' '.join(errs)}" for field, errs in form.errors.items()]
    if exc is not None:
        problems += exc.messages
    messages.error(request, "The attribute was not saved. " + " ".join(problems))


@login_required
@require_POST
def attribute_create(request: HttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, owner=True)
    form = forms.AttributeForm(request.POST)
    if not form.is_valid():
        _refused(request, form)
        return _back(access)
    try:
        defn = attribute_services.attribute_save(
            study=access.study, actor=request.user, **form.cleaned_data
        )
    except ValidationError as exc:
        _refused(request, form, exc)
    else:
        messages.success(request, _("Attribute “%(name)s” added.") % {"name": defn.name})
    return _back(access)


@login_required
@require_POST
def attribute_update(request: HttpRequest, study_id: int, pk: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, owner=True)
    defn = get_object_or_404(Attribute, study=access.study, pk=pk)
    data = request.POST.copy()
    data.setdefault("scope", defn.scope)
    form = forms.AttributeForm(data)
    if not form.is_valid():
        _refused(request, form)
        return _back(access)
    try:
        attribute_services.attribute_save(
            study=access.study, attribute=defn, actor=request.user, **form.cleaned_data
        )
    except ValidationError as exc:
        _refused(request, form, exc)
    else:
        messages.success(request, _("Attribute “%(name)s” saved.") % {"name": defn.name})
    return _back(access)


@login_required
@require_POST
def attribute_delete(request: HttpRequest, study_id: int, pk: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, owner=True)
    defn = get_object_or_404(Attribute, study=access.study, pk=pk)
    attribute_services.attribute_delete(attribute=defn, actor=request.user)
    messages.success(
        request,
        _("Attribute “%(name)s” deleted; its values stay with each %(scope)s.")
        % {"name": defn.name, "scope": defn.scope},
    )
    return _back(access)
