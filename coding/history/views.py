"""The owners' audit page: every change in the study, filtered, exported, and restore for
the destructive ones. Owners only (coders and viewers 403, non-members 404)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods

from coding import exports
from coding.history import log as audit_log
from coding.history import restore
from coding.models import AuditEvent
from studies.access import get_study_for_user

AUDIT_TEMPLATE = "coding/audit.html"
RESTORE_TEMPLATE = "coding/audit_restore.html"
PAGE_SIZE = 50


class AuditFilterForm(forms.Form):
    actor = forms.ChoiceField(label="Person", required=False)
    action = forms.ChoiceField(label="Kind of change", required=False)
    object_type = forms.ChoiceField(label="Object", required=False)
    object_id = forms.IntegerField(label="Object id", required=False, min_value=0)
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, choices: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actor"].choices = [("", "Anyone"), *choices["actors"]]
        kinds = sorted({a.split(".")[0] for _, a in choices["actions"]})
        self.fields["action"].choices = [
            ("", "Any change"),
            ("Every change to", [(k, f"any {k} change") for k in kinds]),
            ("Exactly", choices["actions"]),
        ]
        self.fields["object_type"].choices = [("", "Any object"), *choices["object_types"]]

    def filters(self) -> audit_log.AuditFilters:
        if not self.is_bound or not self.is_valid():
            return audit_log.AuditFilters()
        data = self.cleaned_data
        return audit_log.AuditFilters(
            actor_id=int(data["actor"]) if data.get("actor") else None,
            action=data.get("action") or "",
            object_type=data.get("object_type") or "",
            object_id=data.get("object_id"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )


def _filtered(request: HttpRequest, access):
    form = AuditFilterForm(
        request.GET if request.GET else None, choices=audit_log.filter_choices(access.study)
    )
    filters = form.filters()
    return form, filters, audit_log.audit_events(access.study, filters)


@login_required
@require_GET
def audit_page(request: HttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, owner=True)
    form, filters, events = _filtered(request, access)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    rows = [
        {
            "event": e,
            "label": audit_log.event_label(e),
            "restorable": audit_log.is_restorable(e) and e.restored_by_id is None,
            "restore_label": restore.RESTORABLE.get(e.action, ""),
        }
        for e in page.object_list
    ]
    ctx = {
        "study": access.study,
        "access": access,
        "tab": "audit",
        "form": form,
        "filtered": filters.active,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
    }
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        return render(request, f"{AUDIT_TEMPLATE}#audit-results", ctx)
    return render(request, AUDIT_TEMPLATE, ctx)


@login_required
@require_GET
def audit_export(request: HttpRequest, study_id: int, fmt: str) -> HttpResponse:
    access = get_study_for_user(request, study_id, owner=True)
    _form, _filters, events = _filtered(request, access)
    base = f"{slugify(access.study.name) or f'study-{access.study.pk}'}-audit"
    if fmt == "csv":
        return exports.csv_response(
            f"{base}.csv", audit_log.EXPORT_COLUMNS, audit_log.csv_rows(events)
        )
    if fmt == "jsonl":
        response = StreamingHttpResponse(
            (line.encode("utf-8") for line in audit_log.jsonl_lines(events)),
            content_type="application/x-ndjson; charset=utf-8",
        )
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=f"{base}.jsonl"
        )
        return response
    raise Http404("No such export format.")


@login_required
@require_http_methods(["GET", "POST"])
def audit_restore(request: HttpRequest, study_id: int, event_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, owner=True)
    event = (
        AuditEvent.objects.filter(study=access.study, pk=event_id).select_related("actor").first()
    )
    if event is None:
        raise Http404("No such change.")
    back = reverse("coding:audit", args=[access.study.pk])
    if request.method == "POST":
        try:
            done = restore.event_restore(event=event, actor=request.user)
        except ValidationError as exc:
            messages.error(request, "Not restored: " + " ".join(exc.messages))
        else:
            messages.success(
                request,
                f"Restored: {event.action} of {audit_log.event_label(event) or event.object_type} "
                f"(recorded as change #{done.pk}).",
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
            "label": audit_log.event_label(event),
            "preview": audit_log.restore_preview(event),
            "restore_label": restore.RESTORABLE.get(event.action, ""),
            "restored": AuditEvent.objects.filter(restores=event).first(),
            "back": back,
        },
    )


urlpatterns = [
    path("studies/<int:study_id>/audit/", audit_page, name="audit"),
    path("studies/<int:study_id>/audit/export.<str:fmt>", audit_export, name="audit_export"),
    path(
        "studies/<int:study_id>/audit/<int:event_id>/restore/",
        audit_restore,
        name="audit_restore",
    ),
]
