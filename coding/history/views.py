"""The owners' audit page: every change in the study, filtered, exported, and restore for
the destructive ones. Owners only (coders and viewers 403, non-members 404)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from coding.history import exports, log, restore
from coding.history.forms import AuditFilterForm
from coding.models import AuditEvent
from studies.access import StudyAccess, get_study_for_user
from workbench.lib.http import HtmxHttpRequest

AUDIT_TEMPLATE = "coding/history/audit.html"
RESTORE_TEMPLATE = "coding/history/audit_restore.html"
PAGE_SIZE = 50


def _filtered(
    request: HttpRequest, access: StudyAccess
) -> tuple[AuditFilterForm, log.AuditFilters, QuerySet[AuditEvent]]:
    form = AuditFilterForm(
        request.GET if request.GET else None, choices=log.filter_choices(access.study)
    )
    filters = form.filters()
    return form, filters, log.audit_events(access.study, filters)


@login_required
@require_GET
def audit_page(request: HtmxHttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, owner=True)
    form, filters, events = _filtered(request, access)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    ctx = {
        "study": access.study,
        "access": access,
        "tab": "audit",
        "form": form,
        "filtered": filters.active,
        "page": page,
        "rows": log.event_rows(page.object_list),
        "query": query.urlencode(),
    }
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, f"{AUDIT_TEMPLATE}#audit-results", ctx)
    return render(request, AUDIT_TEMPLATE, ctx)


@login_required
@require_GET
def audit_export(request: HttpRequest, study_id: int, fmt: str) -> HttpResponse:
    access = get_study_for_user(request, study_id, owner=True)
    _form, _filters, events = _filtered(request, access)
    if fmt not in exports.FORMATS:
        raise Http404(_("No such export format."))
    return exports.export_response(access.study, events, fmt)


@login_required
@require_http_methods(["GET", "POST"])
def audit_restore(request: HttpRequest, study_id: int, event_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, owner=True)
    event = (
        AuditEvent.objects.filter(study=access.study, pk=event_id).select_related("actor").first()
    )
    if event is None:
        raise Http404(_("No such change."))
    back = reverse("coding:audit", args=[access.study.pk])
    if request.method == "POST":
        try:
            done = restore.event_restore(event=event, actor=request.user)
        except ValidationError as exc:
            messages.error(request, _("Not restored: %(why)s") % {"why": " ".join(exc.messages)})
        else:
            messages.success(
                request,
                _("Restored: %(action)s of %(value)s (recorded as change #%(pk)s).")
                % {
                    "action": event.action,
                    "value": log.event_label(event) or event.object_type,
                    "pk": done.pk,
                },
            )
        return redirect(back)
    return render(
        request,
        RESTORE_TEMPLATE,
        {
            "study": access.study,
            "access": access,
            "tab": "audit",
            "event": event,
            "label": log.event_label(event),
            "preview": restore.restore_preview(event),
            "restore_label": restore.RESTORABLE.get(event.action, ""),
            "restored": AuditEvent.objects.filter(restores=event).first(),
            "back": back,
        },
    )
