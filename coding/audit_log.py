"""Reads for the owners' audit page and its exports (writes: :func:`coding.audit.audit`,
restores: :mod:`coding.restore`)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from coding.models import AuditEvent
from coding.restore import RESTORABLE
from studies.models import Study


@dataclass(frozen=True)
class AuditFilters:
    actor_id: int | None = None
    action: str = ""  # an exact action ("memo.delete") or a kind of object ("memo")
    object_type: str = ""
    object_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None  # inclusive

    @property
    def active(self) -> bool:
        return any(v not in (None, "") for v in self.__dict__.values())


def audit_events(study: Study, filters: AuditFilters | None = None) -> QuerySet[AuditEvent]:
    """The study's events, newest first, filtered; ``actor`` is preloaded and each event
    is annotated with ``restored_by_id`` (the restore that undid it, or None). One query."""
    f = filters or AuditFilters()
    qs = AuditEvent.objects.filter(study=study)
    if f.actor_id is not None:
        qs = qs.filter(actor_id=f.actor_id)
    if f.action:
        qs = qs.filter(action=f.action) if "." in f.action else qs.filter(object_type=f.action)
    if f.object_type:
        qs = qs.filter(object_type=f.object_type)
    if f.object_id is not None:
        qs = qs.filter(object_id=f.object_id)
    tz = timezone.get_current_timezone()
    if f.date_from:
        qs = qs.filter(created_at__gte=dt.datetime.combine(f.date_from, dt.time.min, tzinfo=tz))
    if f.date_to:
        end = dt.datetime.combine(f.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        qs = qs.filter(created_at__lt=end)
    restorations = AuditEvent.objects.filter(restores=OuterRef("pk")).values("pk")[:1]
    return (
        qs.select_related("actor")
        .annotate(restored_by_id=Subquery(restorations))
        .order_by("-created_at", "-pk")
    )


def filter_choices(study: Study) -> dict[str, list[tuple[str, str]]]:
    """People, actions and object types that occur in the study's log (two queries)."""
    # Both read only an index: (study, action, object_type) and (study, actor).
    pairs = list(
        AuditEvent.objects.filter(study=study)
        .order_by()
        .values_list("action", "object_type")
        .distinct()
    )
    users = get_user_model().objects.filter(
        pk__in=AuditEvent.objects.filter(study=study, actor__isnull=False)
        .order_by()
        .values("actor_id")
        .distinct()
    )
    return {
        "actors": [(str(u.pk), u.username) for u in users.order_by("username")],
        "actions": [(a, a) for a in sorted({a for a, _ in pairs})],
        "object_types": [(t, t) for t in sorted({t for _, t in pairs if t})],
    }


_LABEL_KEYS = ("name", "title", "pseudonym", "user", "body", "for", "file")


def event_label(event: AuditEvent) -> str:
    """A short human name for the object of an event, from its stored data (no query)."""
    for data in (event.after, event.before):
        if not isinstance(data, dict):
            continue
        for nested in ("source", "transcript", "participant"):
            if isinstance(data.get(nested), dict):
                data = {**data[nested], **data}
        for key in _LABEL_KEYS:
            value = data.get(key)
            if isinstance(value, str) and value:
                return value if len(value) <= 80 else value[:79] + "…"
    return ""


def is_restorable(event: AuditEvent) -> bool:
    return event.action in RESTORABLE and event.study_id is not None


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


def restore_preview(event: AuditEvent) -> list[tuple[str, str]]:
    """What a restore would bring back, as (what, value) lines for the confirmation page."""
    before, after = event.before or {}, event.after or {}
    lines: list[tuple[str, str]] = []
    if event.action == "memo.delete":
        lines = [("Title", before.get("title") or "(none)"), ("Memo", before.get("body", ""))]
    elif event.action == "code.archive":
        lines = [("Codes to un-archive", str(len(before.get("ids") or [])))]
    elif event.action == "code.merge":
        source = before.get("source") or {}
        lines = [
            ("Code", source.get("name", "")),
            ("Segments moved back", str(len(before.get("moved_segment_ids") or []))),
            ("Segments recreated", str(len(before.get("collapsed_segments") or []))),
            ("Subcodes moved back", str(len(before.get("children") or {}))),
        ]
    elif event.action == "transcript.text":
        text = before.get("text", "")
        lines = [
            (
                "Version",
                f"{after.get('version')} back to the text of version {before.get('version')}",
            ),
            ("Text before the edit", text[:600] + ("…" if len(text) > 600 else "")),
        ]
    elif event.action == "transcript.delete":
        lines = [
            ("Transcript", (before.get("transcript") or {}).get("title", "")),
            ("Segments", str(len(before.get("segments") or []))),
            ("Memos", str(len(before.get("memos") or []))),
            ("Consensus decisions", str(len(before.get("decisions") or []))),
        ]
    elif event.action == "participant.delete":
        transcripts = before.get("transcripts") or []
        lines = [
            ("Participant", (before.get("participant") or {}).get("pseudonym", "")),
            ("Transcripts", ", ".join(t["transcript"]["title"] for t in transcripts) or "none"),
            ("Segments", str(sum(len(t["segments"]) for t in transcripts))),
        ]
    return lines
