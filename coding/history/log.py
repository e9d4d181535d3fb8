"""Reads for the owners' audit page and its exports (writes: :func:`coding.audit.audit`,
restores: :mod:`coding.history.restore`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from coding.history.restore import RESTORABLE
from coding.models import AuditEvent
from coding.segments import labels
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


def event_rows(events) -> list[dict]:
    """The audit page's rows for a page of :func:`audit_events` (no query)."""
    return [
        {
            "event": e,
            "label": event_label(e),
            # A coding batch's own words, in the reader's language (coding/segments/labels).
            "summary": labels.shown(e.after) if e.action == "segment.batch" else "",
            "restorable": is_restorable(e) and e.restored_by_id is None,
            "restore_label": RESTORABLE.get(e.action, ""),
        }
        for e in events
    ]
