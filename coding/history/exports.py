"""The audit log as a download: CSV (JSON data in text cells) or JSON Lines, streamed."""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

from coding import exports
from coding.history.log import event_label
from coding.models import AuditEvent
from studies.models import Study
from workbench.lib.http import attachment, attachment_name

FORMATS = ("csv", "jsonl")

EXPORT_COLUMNS = (
    "event_id",
    "created_at",
    "study_id",
    "study_name",
    "actor",
    "action",
    "object_type",
    "object_id",
    "object_label",
    "restores_event_id",
    "restored_by_event_id",
    "before_json",
    "after_json",
)


def _json(value) -> str:
    return "" if value is None else json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)


def export_rows(events: QuerySet[AuditEvent]):
    """One dict per event (keys :data:`EXPORT_COLUMNS`, JSON data as objects), streamed."""
    for e in events.iterator(chunk_size=500):
        yield {
            "event_id": e.pk,
            "created_at": timezone.localtime(e.created_at).isoformat(),
            "study_id": e.study_ref,
            "study_name": e.study_name,
            "actor": e.actor.username if e.actor else "",
            "action": e.action,
            "object_type": e.object_type,
            "object_id": e.object_id,
            "object_label": event_label(e),
            "restores_event_id": e.restores_id,
            "restored_by_event_id": e.restored_by_id,
            "before_json": e.before,
            "after_json": e.after,
        }


def csv_rows(events: QuerySet[AuditEvent]):
    for row in export_rows(events):
        yield [_json(row[c]) if c.endswith("_json") else row[c] for c in EXPORT_COLUMNS]


def jsonl_lines(events: QuerySet[AuditEvent]):
    for row in export_rows(events):
        row["before"], row["after"] = row.pop("before_json"), row.pop("after_json")
        yield json.dumps(row, cls=DjangoJSONEncoder, ensure_ascii=False) + "\n"


def export_response(study: Study, events: QuerySet[AuditEvent], fmt: str) -> HttpResponse:
    """``<study>-audit.csv`` or ``<study>-audit.jsonl`` of ``events`` (``fmt`` in FORMATS)."""
    if fmt == "csv":
        filename = attachment_name(study, "audit", "csv")
        return exports.csv_response(filename, EXPORT_COLUMNS, csv_rows(events))
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in jsonl_lines(events)),
        content_type="application/x-ndjson; charset=utf-8",
    )
    response["Content-Disposition"] = attachment(attachment_name(study, "audit", "jsonl"))
    return response
