"""Undo on the coding page: revert the requester's last segment write (or batch) from the
audit log, so undo survives a reload.

An auto-coding batch (:mod:`coding.search.autocode`, one ``segment.autocode`` event) is the
last change of every transcript it coded: undo there removes the whole batch through
:func:`coding.search.autocode.undo`, the one the Search page and the API call, so the
history is the same whichever page undid it (one ``segment.autocode_undo`` event, which is
never undone again). When the batch's remaining passages reach other transcripts, the
page asks first (:class:`ConfirmBatchUndo`) and the undo names the batch (``confirm``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from coding.audit import audit, recorded
from coding.consensus import services as consensus_services
from coding.models import (
    AuditEvent,
    Code,
    ConsensusDecision,
    Layer,
    Segment,
)
from coding.search import autocode
from coding.segments import labels
from coding.segments.services import (
    UNDOABLE_SEGMENT_ACTIONS,
    lock_transcript,
    segment_create,
    segment_delete,
    segment_update,
    segment_update_memo,
)
from studies.models import Transcript
from workbench.i18n import with_user_content

_UNDO_GROUPS = ("segment.batch", "segment.undo")
_BATCH_ACTIONS = (autocode.CREATE_ACTION, autocode.UNDO_ACTION)


@dataclass
class ConfirmBatchUndo(Exception):
    """The last change is an auto-coding batch reaching beyond this transcript: undo it only
    when asked again with ``confirm=batch_id``. Nothing was changed."""

    batch_id: int
    code: str
    count: int  # its passages that still exist
    transcripts: int  # the transcripts holding them

    @property
    def message(self) -> str:
        return _("Undo auto-coding ‘%(code)s’: %(passages)s?") % {
            "code": self.code,
            "passages": _passages(self.count, self.transcripts),
        }


def _passages(count: int, transcripts: int) -> str:
    passages = ngettext("%(count)s passage", "%(count)s passages", count) % {"count": count}
    where = ngettext("in %(count)s transcript", "in %(count)s transcripts", transcripts) % {
        "count": transcripts
    }
    return f"{passages} {where}"


def segment_undo(*, access, transcript: Transcript, actor, confirm: int | None = None) -> str:
    """Revert ``actor``'s last creation, deletion, change or memo edit in this transcript (or
    the last batch of them) from the audit log, so undo survives a reload.

    Undo events are themselves logged (``segment.undo``) and never undone again, so repeated
    undos walk back through history. Returns a label of what was undone; raises
    ValidationError when there is nothing to undo and PermissionDenied when the layer is no
    longer writable by ``access``.

    An auto-coding batch holding a passage of this transcript is undone whole; when its
    passages reach other transcripts and ``confirm`` is not its id, ConfirmBatchUndo is
    raised instead. A ``confirm`` naming anything but the change undo would revert is
    refused (ValidationError), so a confirmation never undoes something else.
    """
    events = list(
        AuditEvent.objects.filter(
            Q(
                object_type="segment",
                action__in=UNDOABLE_SEGMENT_ACTIONS + _UNDO_GROUPS + _BATCH_ACTIONS,
            )
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
        if ev.action == autocode.UNDO_ACTION:
            covered.add(ev.object_id)  # undone on this page, the Search page or the API
            continue
        if ev.action == autocode.CREATE_ACTION:
            if any(row[1] == transcript.pk for row in data.get("segments", [])):
                target = ev
                break
            continue
        if ev.action == "segment.batch":
            covered.update(data.get("events", []))
        if data.get("transcript_id") != transcript.pk:
            continue
        target = ev
        break
    if confirm is not None and (target is None or target.pk != confirm):
        raise ValidationError(
            _("That auto-coding batch is no longer your last change here, so nothing was undone.")
        )
    if target is None:
        raise ValidationError(_("Nothing to undo on this transcript."))
    if target.action == autocode.CREATE_ACTION:
        return _batch_undo(
            access=access,
            transcript=transcript,
            batch=target,
            actor=actor,
            confirmed=confirm == target.pk,
        )
    if target.action == "segment.batch":
        ids = target.after.get("events", [])
        members = [by_pk[pk] for pk in ids if pk in by_pk]
        if len(members) != len(ids):
            members = list(AuditEvent.objects.filter(pk__in=ids))
        steps = sorted(members, key=lambda e: -e.pk)
        label = labels.shown(target.after, default="change")
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
            label = label or labels.shown({}, default=_UNDO_LABELS[step.action])
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
    created = {s.after.get("code_id") for s in steps if s.action == "segment.create" and s.after}
    note = _new_codes_note(access.study, actor, created - {None})
    what = conditional_escape(label)
    return mark_safe(escape(_("Undone: %(what)s")) % {"what": what} + conditional_escape(note))


def _new_codes_note(study, actor, code_ids: set[int]) -> str:
    """Undoing a coding leaves the codes it used; one the actor created (on the fly, from
    the picker) and that now has no segment at all stays in the codebook: say so, so a slip
    is not left unnoticed. Two queries, only when segments were created."""
    if not code_ids:
        return ""
    made = set(
        AuditEvent.objects.filter(
            study=study,
            actor=actor,
            action="code.create",
            object_type="code",
            object_id__in=sorted(code_ids),
        ).values_list("object_id", flat=True)
    )
    empty = (
        Code.objects.filter(pk__in=sorted(made), archived=False)
        .exclude(pk__in=Segment.objects.filter(code_id__in=sorted(made)).values("code_id"))
        .order_by("name")
        .values_list("name", flat=True)
    )
    names = ", ".join(f"‘{name}’" for name in empty)
    if not names:
        return ""
    return with_user_content(
        _(
            ". The new code %(names)s stays in the codebook with no segments: archive it there "
            "if it was a slip"
        ),
        names=names,
    )


def _batch_undo(*, access, transcript: Transcript, batch: AuditEvent, actor, confirmed: bool):
    """Undo an auto-coding batch as the Search page does; ask first (ConfirmBatchUndo) when
    its remaining passages are not all in ``transcript``."""
    after = batch.after
    alive = list(
        Segment.objects.filter(
            pk__in=[row[0] for row in after["segments"]], layer_id=after["layer_id"]
        ).values_list("transcript_id", flat=True)
    )
    code = Code.objects.filter(pk=after["code_id"]).values_list("name", flat=True).first()
    code = code or _("a deleted code")
    where = set(alive)
    if not confirmed and where - {transcript.pk}:
        raise ConfirmBatchUndo(batch.pk, code, len(alive), len(where))
    removed = autocode.undo(access, batch, actor=actor)
    return with_user_content(
        _("Undone: auto-coding ‘%(code)s’ (%(passages)s)"),
        code=code,
        passages=escape(_passages(removed, len(where))),
    )


_DECISION_ACTIONS = ("consensus.decide", "consensus.undo")


def _decisions_of(events: list[AuditEvent]) -> dict:
    ids = {ev.object_id for ev in events if ev.action == "consensus.decide"}
    if not ids:
        return {}
    return ConsensusDecision.objects.select_related("study", "code").in_bulk(list(ids))


def _decision_undo(*, access, decision, actor) -> str:
    """Undo a consensus decision through the decision, as the review page's undo does."""
    if not access.is_owner:
        raise PermissionDenied(_("Only the study's owners change consensus decisions."))
    consensus_services.consensus_undo(decision=decision, actor=actor)
    return with_user_content(
        _("Undone: decision ‘%(decision)s’ on ‘%(code)s’"),
        decision=decision.get_action_display(),
        code=decision.code.name,
    )


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
        raise ValidationError(_("That layer no longer exists."))
    if not access.can_write_layer(layer):
        raise PermissionDenied(_("You can no longer change that layer."))
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
            raise ValidationError(_("The code of that highlight no longer exists."))
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
        raise ValidationError(_("That highlight no longer exists."))
    if step.action == "segment.memo":
        segment_update_memo(segment=segment, memo=snap.get("memo") or "", actor=actor)
    elif step.action == "segment.update":
        code = Code.objects.filter(pk=snap["code_id"], study=access.study).first()
        if code is None:
            raise ValidationError(_("The earlier code of that highlight no longer exists."))
        segment_update(
            segment=segment,
            code=code,
            start=snap["start"],
            end=snap["end"],
            quote=transcript.text[snap["start"] : snap["end"]],
            actor=actor,
        )
