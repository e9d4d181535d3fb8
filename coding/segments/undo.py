"""Undo on the coding page: revert the requester's last segment write (or batch) from the
audit log, so undo survives a reload."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q

from coding.audit import audit, recorded
from coding.consensus import services as consensus_services
from coding.models import (
    AuditEvent,
    Code,
    ConsensusDecision,
    Layer,
    Segment,
)
from coding.segments.services import (
    UNDOABLE_SEGMENT_ACTIONS,
    lock_transcript,
    segment_create,
    segment_delete,
    segment_update,
    segment_update_memo,
)
from studies.models import Transcript

_UNDO_GROUPS = ("segment.batch", "segment.undo")


def segment_undo(*, access, transcript: Transcript, actor) -> str:
    """Revert ``actor``'s last creation, deletion, change or memo edit in this transcript (or
    the last batch of them) from the audit log, so undo survives a reload.

    Undo events are themselves logged (``segment.undo``) and never undone again, so repeated
    undos walk back through history. Returns a label of what was undone; raises
    ValidationError when there is nothing to undo and PermissionDenied when the layer is no
    longer writable by ``access``.
    """
    events = list(
        AuditEvent.objects.filter(
            Q(object_type="segment", action__in=UNDOABLE_SEGMENT_ACTIONS + _UNDO_GROUPS)
            | Q(action__in=_DECISION_ACTIONS),
            study=access.study,
            actor=actor,
        ).order_by("-pk")[:200]
    )
    decisions = _decisions_of(events)
    by_pk = {ev.pk: ev for ev in events}
    covered: set[int] = set()
    target: AuditEvent | None = None
    for ev in events:
        if ev.pk in covered:
            continue
        data = ev.after or ev.before or {}
        if ev.action in _DECISION_ACTIONS:
            # The segments a decision made or its undo removed belong to the decision:
            # never revert them one by one (that left a settled unit with no result).
            covered.update(data.get("events", []))
            decision = decisions.get(ev.object_id)
            if ev.action == "consensus.undo" or decision is None or decision.undone_at:
                continue
            if data.get("transcript_id") != transcript.pk:
                continue
            return _decision_undo(access=access, decision=decision, actor=actor)
        if ev.action == "segment.undo":
            covered.update(data.get("undone", []))
            covered.update(data.get("events", []))
            continue
        if ev.action == "segment.batch":
            covered.update(data.get("events", []))
        if data.get("transcript_id") != transcript.pk:
            continue
        target = ev
        break
    if target is None:
        raise ValidationError("Nothing to undo on this transcript.")
    if target.action == "segment.batch":
        ids = target.after.get("events", [])
        members = [by_pk[pk] for pk in ids if pk in by_pk]
        if len(members) != len(ids):
            members = list(AuditEvent.objects.filter(pk__in=ids))
        steps = sorted(members, key=lambda e: -e.pk)
        label = target.after.get("label", "change")
    else:
        steps = [target]
        label = ""
    with transaction.atomic(), recorded() as new_events:
        # Restoring deleted highlights locks their codes (segment_create): take them up front
        # in the order every writer takes locks in, the transcript and then the codes by
        # primary key, so a batch of several codes cannot deadlock with another coder's write.
        restored = sorted(
            {s.before.get("code_id") for s in steps if s.action == "segment.delete" and s.before}
            - {None}
        )
        if restored:
            lock_transcript(transcript)
            list(
                Code.objects.select_for_update(no_key=True)
                .filter(pk__in=restored)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
        for step in steps:
            label = label or _UNDO_LABELS[step.action]
            _undo_step(access=access, transcript=transcript, step=step, actor=actor)
        audit(
            study=access.study,
            actor=actor,
            action="segment.undo",
            object_type="segment",
            object_id=target.object_id,
            after={
                "transcript_id": transcript.pk,
                "undone": [target.pk, *[s.pk for s in steps]],
                "events": [event.pk for event in new_events],
            },
        )
    return f"Undone: {label}"


_DECISION_ACTIONS = ("consensus.decide", "consensus.undo")


def _decisions_of(events: list[AuditEvent]) -> dict:
    ids = {ev.object_id for ev in events if ev.action == "consensus.decide"}
    if not ids:
        return {}
    return ConsensusDecision.objects.select_related("study", "code").in_bulk(list(ids))


def _decision_undo(*, access, decision, actor) -> str:
    """Undo a consensus decision through the decision, as the review page's undo does."""
    if not access.is_owner:
        raise PermissionDenied("Only the study's owners change consensus decisions.")
    consensus_services.consensus_undo(decision=decision, actor=actor)
    return f"Undone: decision ‘{decision.get_action_display()}’ on ‘{decision.code.name}’"


_UNDO_LABELS = {
    "segment.create": "coding",
    "segment.delete": "removal",
    "segment.memo": "memo change",
    "segment.update": "change",
}


def _undo_step(*, access, transcript: Transcript, step: AuditEvent, actor) -> None:
    snap = step.after if step.action == "segment.create" else step.before
    layer = Layer.objects.filter(pk=snap["layer_id"], study=access.study).first()
    if layer is None:
        raise ValidationError("That layer no longer exists.")
    if not access.can_write_layer(layer):
        raise PermissionDenied("You can no longer change that layer.")
    segment = (
        Segment.objects.filter(pk=snap["id"], transcript=transcript)
        .select_related("transcript__study", "code")
        .first()
    )
    if step.action == "segment.create":
        if segment is not None:
            segment_delete(segment=segment, actor=actor)
        return
    if step.action == "segment.delete":
        code = Code.objects.filter(pk=snap["code_id"], study=access.study).first()
        if code is None:
            raise ValidationError("The code of that highlight no longer exists.")
        segment_create(
            transcript=transcript,
            code=code,
            layer=layer,
            start=snap["start"],
            end=snap["end"],
            quote=snap["quote"],
            memo=snap.get("memo") or "",
            actor=actor,
            provenance=snap.get("provenance") or {},
        )
        return
    if segment is None:
        raise ValidationError("That highlight no longer exists.")
    if step.action == "segment.memo":
        segment_update_memo(segment=segment, memo=snap.get("memo") or "", actor=actor)
    elif step.action == "segment.update":
        code = Code.objects.filter(pk=snap["code_id"], study=access.study).first()
        if code is None:
            raise ValidationError("The earlier code of that highlight no longer exists.")
        segment_update(
            segment=segment,
            code=code,
            start=snap["start"],
            end=snap["end"],
            quote=transcript.text[snap["start"] : snap["end"]],
            actor=actor,
        )
