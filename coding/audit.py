"""The audit log's one writer (:func:`audit`) and the snapshots events hold.

Every write in the project records an AuditEvent through :func:`audit`; ``before`` holds
what :mod:`coding.restore` needs to rebuild what was changed or deleted. This is the only
module of ``coding`` (besides its models) that ``studies`` imports.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from coding.models import AuditEvent, Code, Memo, Segment
from studies.models import Study
from workbench.lib import rows

#: The lists of :func:`recorded` blocks open in this context (a request's thread).
_RECORDERS: ContextVar[tuple[list[AuditEvent], ...]] = ContextVar("audit_recorders", default=())


def audit(
    *,
    study: Study | None,
    actor,
    action: str,
    obj=None,
    object_type: str = "",
    object_id: int | None = None,
    before=None,
    after=None,
    restores: AuditEvent | None = None,
) -> AuditEvent:
    """Record one write: who (``actor``), what (``action`` on ``obj`` or ``object_type`` and
    ``object_id``), with ``before`` holding what is needed to restore it. ``study`` is None
    only for writes that belong to no study (API tokens). The study's id and name are
    copied so that the event still says which study it was after the study is deleted.
    One INSERT, written out (:func:`workbench.lib.rows.insert`: building it through the ORM
    cost more than running it, issue 12)."""
    return audit_many(
        [
            event_for(
                study=study,
                actor=actor,
                action=action,
                obj=obj,
                object_type=object_type,
                object_id=object_id,
                before=before,
                after=after,
                restores=restores,
            )
        ]
    )[0]


def event_for(
    *,
    study: Study | None,
    actor,
    action: str,
    obj=None,
    object_type: str = "",
    object_id: int | None = None,
    before=None,
    after=None,
    restores: AuditEvent | None = None,
) -> AuditEvent:
    """The unsaved event :func:`audit` records (:func:`audit_many` records several)."""
    if obj is not None:
        object_type = object_type or obj._meta.model_name
        object_id = obj.pk if object_id is None else object_id
    return AuditEvent(
        study=study,
        study_ref=study.pk if study is not None else None,
        study_name=study.name if study is not None else "",
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        before=before,
        after=after,
        restores=restores,
    )


def audit_many(events: list[AuditEvent]) -> list[AuditEvent]:
    """Record the events :func:`event_for` made, in one INSERT, in this order (their ids
    ascend in it); each goes to the open :func:`recorded` blocks as :func:`audit`'s do."""
    rows.insert(events)
    for block in _RECORDERS.get():
        block.extend(events)
    return events


@contextmanager
def recorded() -> Iterator[list[AuditEvent]]:
    """The events :func:`audit` writes in this context while the block runs, in order.

    What a write did, known without reading the log back: a batch names its events, the
    coding page's answer re-renders what they touched. Only this request's events (another
    request of the same person runs in its own context). Blocks nest: an event goes to
    every open block. An event whose transaction is rolled back stays listed: use the list
    only when the block's writes succeeded."""
    events: list[AuditEvent] = []
    token = _RECORDERS.set((*_RECORDERS.get(), events))
    try:
        yield events
    finally:
        _RECORDERS.reset(token)


def audit_mark(*, study: Study) -> int:
    """The id of the study's latest audit event (0 if none): a bookmark for segment_batch."""
    return (
        AuditEvent.objects.filter(study=study).order_by("-pk").values_list("pk", flat=True).first()
        or 0
    )


# --- snapshots: what an event's before/after holds, so coding.restore can rebuild it ---


def segment_snapshot(segment: Segment) -> dict:
    return {
        "id": segment.pk,
        "transcript_id": segment.transcript_id,
        "code_id": segment.code_id,
        "layer_id": segment.layer_id,
        "start": segment.start,
        "end": segment.end,
        "quote": segment.quote,
        "memo": segment.memo,
        "provenance": segment.provenance,
        "created_by_id": segment.created_by_id,
    }


def code_snapshot(code: Code) -> dict:
    """Everything needed to recreate a code (except its segments)."""
    return {
        "id": code.pk,
        "name": code.name,
        "parent_id": code.parent_id,
        "description": code.description,
        "inclusion": code.inclusion,
        "exclusion": code.exclusion,
        "example": code.example,
        "name2": code.name2,
        "description2": code.description2,
        "inclusion2": code.inclusion2,
        "exclusion2": code.exclusion2,
        "example2": code.example2,
        "color": code.color,
        "position": code.position,
        "archived": code.archived,
        "is_codable": code.is_codable,
        "proposed": code.proposed,
        "created_by_id": code.created_by_id,
        "created_at": code.created_at.isoformat() if code.created_at else None,
    }


def memo_snapshot(memo: Memo) -> dict:
    return {
        "id": memo.pk,
        "author_id": memo.author_id,
        "transcript_id": memo.transcript_id,
        "code_id": memo.code_id,
        "segment_id": memo.segment_id,
        "title": memo.title,
        "body": memo.body,
        "extra": memo.extra,
        "created_at": memo.created_at.isoformat() if memo.created_at else None,
    }
