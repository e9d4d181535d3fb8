"""Restore destructive changes from the audit log (owners, from the study's audit page).

Each restorer reads the event's ``before`` (what the change removed), checks that the
study still has what the restored rows point to, puts them back (with their old ids) and
records a ``<type>.restore`` event whose ``restores`` is the original. A restore is done
once; when later changes make it impossible (the code a memo was about has been merged
away, a new transcript took the title, the text was edited again) it is refused with a
ValidationError that says why and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext as _

from coding.audit import audit
from coding.models import (
    FRAMEWORK_KEY,
    Assignment,
    AuditEvent,
    CalibrationAnswer,
    CalibrationRound,
    CalibrationSubmission,
    CalibrationUnit,
    Code,
    ConsensusDecision,
    Layer,
    Memo,
    Segment,
)
from studies.models import Participant, StakeholderGroup, Transcript, Wave

# What each restorable action is called on the audit page.
RESTORABLE = {
    "memo.delete": gettext_lazy("Restore the memo"),
    "code.archive": gettext_lazy("Restore the codes"),
    "code.merge": gettext_lazy("Undo the merge"),
    "transcript.text": gettext_lazy("Restore the text before this edit"),
    "transcript.delete": gettext_lazy("Restore the transcript"),
    "participant.delete": gettext_lazy("Restore the participant and their transcripts"),
}


def event_restore(*, event: AuditEvent, actor) -> AuditEvent:
    """Undo ``event``'s change; returns the restore's own audit event.

    Raises ValidationError when the event cannot be restored (not a destructive change,
    already restored, or later changes conflict), naming the reason.
    """
    restorer = _RESTORERS.get(event.action)
    if restorer is None or event.study_id is None:
        raise ValidationError(
            _("A “%(action)s” change cannot be restored.") % {"action": event.action}
        )
    with transaction.atomic():
        # Lock the event so that two owners pressing Restore at once restore it once.
        event = (
            AuditEvent.objects.select_for_update(of=("self",))
            .select_related("study")
            .get(pk=event.pk)
        )
        if AuditEvent.objects.filter(restores=event).exists():
            raise ValidationError(_("This change was already restored."))
        try:
            with transaction.atomic():
                return restorer(event, actor)
        except IntegrityError:
            # A check above missed a conflict: the database refused, nothing was written.
            raise ValidationError(
                _("Later changes conflict with this restore (the database refused it).")
            ) from None


_TIMES = ("created_at", "updated_at", "submitted_at")


def _create(model, rows: list[dict]) -> list:
    """Insert ``rows`` with their old ids, then put back their old timestamps (which
    ``auto_now``/``auto_now_add`` replaced on insert; ``bulk_update`` leaves them alone)."""
    objs = model.objects.bulk_create([model(**row) for row in rows])
    names = {f.name for f in model._meta.fields}
    fields = [f for f in _TIMES if f in names and any(row.get(f) for row in rows)]
    for obj, row in zip(objs, rows, strict=True):
        for f in fields:
            value = row.get(f)
            if value:
                setattr(obj, f, parse_datetime(value) if isinstance(value, str) else value)
    if fields and objs:
        model.objects.bulk_update(objs, fields, batch_size=500)
    return objs


def _users(rows, *keys) -> None:
    """Clear references to accounts deleted since (those columns are nullable)."""
    ids = {row[k] for row in rows for k in keys if row.get(k) is not None}
    known = set(get_user_model().objects.filter(pk__in=ids).values_list("pk", flat=True))
    for row in rows:
        for k in keys:
            if row.get(k) is not None and row[k] not in known:
                row[k] = None


def _memo(event: AuditEvent, actor) -> AuditEvent:
    data = event.before or {}
    study = event.study
    if "id" not in data or "body" not in data:
        raise ValidationError(_("This memo was deleted before the log kept whole memos."))
    if Memo.objects.filter(pk=data["id"]).exists():
        raise ValidationError(_("This memo exists again."))
    refs = (
        ("transcript_id", Transcript, "transcript"),
        ("code_id", Code, "code"),
        ("segment_id", Segment, "coded passage"),
    )
    for key, model, label in refs:
        pk = data.get(key)
        if pk is not None and not model.objects.filter(pk=pk).exists():
            raise ValidationError(
                _("The %(label)s it was about no longer exists.") % {"label": label}
            )
    data = dict(data)
    _users([data], "author_id")
    extra = data.get("extra") or {}
    row = {
        "id": data["id"],
        "study_id": study.pk,
        "author_id": data.get("author_id"),
        "transcript_id": data.get("transcript_id"),
        "code_id": data.get("code_id"),
        "segment_id": data.get("segment_id"),
        "title": data.get("title", ""),
        "body": data["body"],
        "extra": extra,
        "created_at": data.get("created_at"),
    }
    if extra.get("framework"):
        from coding.compare.framework import framework_memo_filter

        cell = extra[FRAMEWORK_KEY]
        taken = Memo.objects.filter(
            **framework_memo_filter(study, cell["wave"]),
            code_id=data.get("code_id"),
            **{f"extra__{FRAMEWORK_KEY}__participant": cell["participant"]},
        )
        if taken.exists():
            raise ValidationError(_("That framework cell has a newer summary."))
    (memo,) = _create(Memo, [row])
    return audit(
        study=study,
        actor=actor,
        action="memo.restore",
        obj=memo,
        after={"title": memo.title, "body": memo.body},
        restores=event,
    )


def _code_archive(event: AuditEvent, actor) -> AuditEvent:
    ids = (event.before or {}).get("ids") or []
    codes = {c.pk: c for c in Code.objects.filter(study=event.study, pk__in=ids)}
    top = codes.get(event.object_id)
    if top is None:
        raise ValidationError(_("The code no longer exists (it was merged or deleted since)."))
    if top.parent_id and Code.objects.filter(pk=top.parent_id, archived=True).exists():
        parent = Code.objects.get(pk=top.parent_id)
        raise ValidationError(
            _("“%(name)s” is archived: restore it first.") % {"name": parent.name}
        )
    changed = sorted(pk for pk, code in codes.items() if code.archived)
    if not changed:
        raise ValidationError(_("These codes are not archived any more."))
    Code.objects.filter(pk__in=changed).update(archived=False)
    return audit(
        study=event.study,
        actor=actor,
        action="code.restore",
        obj=top,
        before={"archived": True, "ids": changed},
        after={"archived": False, "ids": changed},
        restores=event,
    )


def _text(event: AuditEvent, actor) -> AuditEvent:
    from studies import services as studies_services

    transcript = Transcript.objects.filter(pk=event.object_id, study=event.study).first()
    if transcript is None:
        raise ValidationError(_("The transcript no longer exists."))
    version = (event.after or {}).get("version")
    if transcript.version != version:
        raise ValidationError(
            _(
                "The text was edited again since (it is at version %(version)s): restore the later edits first, newest first."
            )
            % {"version": transcript.version}
        )
    studies_services.transcript_text_update(
        transcript=transcript,
        text=event.before["text"],
        expected_version=transcript.version,
        actor=actor,
    )
    # transcript_text_update recorded the edit; mark it as this restore.
    done = AuditEvent.objects.filter(
        study=event.study, action="transcript.text", object_id=transcript.pk
    ).latest("pk")
    done.restores = event
    done.save(update_fields=["restores"])
    return done


def _check_refs(rows, key, model, label) -> None:
    ids = {row[key] for row in rows if row.get(key) is not None}
    found = set(model.objects.filter(pk__in=ids).values_list("pk", flat=True))
    missing = ids - found
    if missing:
        raise ValidationError(
            _("%(label)s no longer exists: restore it first.")
            % {"label": label(sorted(missing)[0])}
        )


def _insert_transcript(study, snapshot: dict, *, participant_id=None) -> Transcript:
    """Put a :func:`studies.services.transcript_snapshot` back, with its old ids."""
    row = dict(snapshot["transcript"])
    row.pop("participant", None)
    wave_name = row.pop("wave", None)
    if participant_id is not None:
        row["participant_id"] = participant_id
    title = row["title"]
    if Transcript.objects.filter(pk=row["id"]).exists():
        raise ValidationError(_("The transcript “%(title)s” exists again.") % {"title": title})
    if Transcript.objects.filter(study=study, title__iexact=title).exists():
        raise ValidationError(
            _("A transcript titled “%(title)s” exists now: rename it, then restore this one.")
            % {"title": title}
        )
    if (
        row.get("participant_id")
        and not Participant.objects.filter(pk=row["participant_id"], study=study).exists()
    ):
        raise ValidationError(
            _("The participant of “%(title)s” no longer exists: restore them first.")
            % {"title": title}
        )
    if row.get("wave_id") and not Wave.objects.filter(pk=row["wave_id"], study=study).exists():
        raise ValidationError(
            _("The wave “%(wave_name)s” of “%(title)s” no longer exists.")
            % {"wave_name": wave_name, "title": title}
        )
    codes = snapshot.get("codes", {})
    layers = snapshot.get("layers", {})
    _check_refs(
        snapshot["segments"] + snapshot["decisions"],
        "code_id",
        Code,
        lambda pk: gettext("The code “%(name)s”") % {"name": codes.get(str(pk), pk)},
    )
    _check_refs(
        snapshot["segments"] + snapshot["assignments"],
        "layer_id",
        Layer,
        lambda pk: gettext("The layer “%(name)s”") % {"name": layers.get(str(pk), pk)},
    )
    _check_refs(
        snapshot["memos"],
        "code_id",
        Code,
        lambda pk: gettext("The code “%(name)s” of a memo") % {"name": codes.get(str(pk), pk)},
    )
    _check_refs(
        snapshot["calibration_units"],
        "round_id",
        CalibrationRound,
        lambda pk: gettext("Calibration round %(pk)s") % {"pk": pk},
    )
    segments = [dict(r) for r in snapshot["segments"]]
    memos = [dict(r) for r in snapshot["memos"]]
    decisions = [dict(r) for r in snapshot["decisions"]]
    _users(segments, "created_by_id")
    _users(memos, "author_id")
    _users(decisions, "decided_by_id")
    (transcript,) = _create(Transcript, [row])
    _create(Segment, segments)
    _create(Memo, memos)
    present = set(
        Segment.objects.filter(
            pk__in=[d["result_id"] for d in decisions if d["result_id"]]
        ).values_list("pk", flat=True)
    )
    for d in decisions:
        if d["result_id"] not in present:
            d["result_id"] = None
    _create(ConsensusDecision, decisions)
    _create(Assignment, snapshot["assignments"])
    _create(CalibrationUnit, snapshot["calibration_units"])
    _create(CalibrationAnswer, snapshot["calibration_answers"])
    _create(CalibrationSubmission, snapshot["calibration_submissions"])
    return transcript


def _transcript(event: AuditEvent, actor) -> AuditEvent:
    transcript = _insert_transcript(event.study, event.before)
    return audit(
        study=event.study,
        actor=actor,
        action="transcript.restore",
        obj=transcript,
        after={"title": transcript.title, "segments": len(event.before["segments"])},
        restores=event,
    )


def _participant(event: AuditEvent, actor) -> AuditEvent:
    study = event.study
    row = dict(event.before["participant"])
    group_name = row.pop("group", None)
    if Participant.objects.filter(pk=row["id"]).exists():
        raise ValidationError(_("%(pseudonym)s exists again.") % {"pseudonym": row["pseudonym"]})
    if Participant.objects.filter(study=study, pseudonym__iexact=row["pseudonym"]).exists():
        raise ValidationError(
            _("A participant called %(pseudonym)s exists now: rename them, then restore.")
            % {"pseudonym": row["pseudonym"]}
        )
    if (
        row.get("group_id")
        and not StakeholderGroup.objects.filter(pk=row["group_id"], study=study).exists()
    ):
        raise ValidationError(
            _("The group “%(group_name)s” no longer exists: add it back first.")
            % {"group_name": group_name}
        )
    (participant,) = _create(Participant, [row])
    for snapshot in event.before["transcripts"]:
        _insert_transcript(study, snapshot, participant_id=participant.pk)
    return audit(
        study=study,
        actor=actor,
        action="participant.restore",
        obj=participant,
        after={"pseudonym": participant.pseudonym, "transcripts": len(event.before["transcripts"])},
        restores=event,
    )


def _merge(event: AuditEvent, actor) -> AuditEvent:
    before, study = event.before, event.study
    source = dict(before["source"])
    target_id = (event.after or {}).get("target_id")
    if not Code.objects.filter(pk=target_id, study=study).exists():
        raise ValidationError(_("The code it was merged into no longer exists."))
    if Code.objects.filter(pk=source["id"]).exists():
        raise ValidationError(_("“%(name)s” exists again.") % {"name": source["name"]})
    parent_id = source.get("parent_id")
    if parent_id and not Code.objects.filter(pk=parent_id, study=study).exists():
        raise ValidationError(
            _("The parent of “%(name)s” no longer exists.") % {"name": source["name"]}
        )
    if Code.objects.filter(study=study, parent_id=parent_id, name__iexact=source["name"]).exists():
        raise ValidationError(
            _("A code named “%(name)s” exists there now: rename it first.")
            % {"name": source["name"]}
        )
    name2 = source.get("name2") or ""
    if (
        name2
        and Code.objects.filter(study=study, parent_id=parent_id, name2__iexact=name2).exists()
    ):
        raise ValidationError(
            _("A code named “%(name)s” exists there now: rename it first.") % {"name": name2}
        )
    _users([source], "created_by_id")
    (code,) = _create(Code, [{**source, "study_id": study.pk}])
    # Segments moved to the target go back (those deleted since are simply gone).
    moved = Segment.objects.filter(pk__in=before["moved_segment_ids"], code_id=target_id)
    moved_count = moved.update(code=code)
    collapsed = []
    for snap in before["collapsed_segments"]:
        row = {k: v for k, v in snap.items() if k != "kept_id"}
        row["code_id"] = code.pk
        collapsed.append(Segment(**row))
    present = set(
        Segment.objects.filter(transcript_id__in={s.transcript_id for s in collapsed}).values_list(
            "pk", flat=True
        )
    )
    Segment.objects.bulk_create([s for s in collapsed if s.pk not in present])
    kept = before.get("kept_segments") or {}
    for segment in Segment.objects.filter(pk__in=[int(pk) for pk in kept]):
        old = kept[str(segment.pk)]
        segment.memo, segment.needs_review = old["memo"], old["needs_review"]
        segment.save(update_fields=["memo", "needs_review", "updated_at"])
    for memo_id, segment_id in before.get("segment_memos") or []:
        Memo.objects.filter(pk=memo_id).update(segment_id=segment_id)
    Memo.objects.filter(pk__in=before.get("code_memo_ids") or [], code_id=target_id).update(
        code=code
    )
    for child_id, old in (before.get("children") or {}).items():
        Code.objects.filter(pk=int(child_id), parent_id=target_id).update(
            parent=code, position=old["position"]
        )
    return audit(
        study=study,
        actor=actor,
        action="code.restore",
        obj=code,
        after={"name": code.name, "segments": moved_count + len(collapsed)},
        restores=event,
    )


_RESTORERS: dict[str, Callable[[AuditEvent, object], AuditEvent]] = {
    "memo.delete": _memo,
    "code.archive": _code_archive,
    "code.merge": _merge,
    "transcript.text": _text,
    "transcript.delete": _transcript,
    "participant.delete": _participant,
}


def restore_preview(event: AuditEvent) -> list[tuple[str, str]]:
    """What a restore would bring back, as (what, value) lines for the confirmation page."""
    before, after = event.before or {}, event.after or {}
    lines: list[tuple[str, str]] = []
    if event.action == "memo.delete":
        lines = [
            (gettext("Title"), before.get("title") or gettext("(none)")),
            (gettext("Memo"), before.get("body", "")),
        ]
    elif event.action == "code.archive":
        lines = [(gettext("Codes to un-archive"), str(len(before.get("ids") or [])))]
    elif event.action == "code.merge":
        source = before.get("source") or {}
        lines = [
            (gettext("Code"), source.get("name", "")),
            (gettext("Segments moved back"), str(len(before.get("moved_segment_ids") or []))),
            (gettext("Segments recreated"), str(len(before.get("collapsed_segments") or []))),
            (gettext("Subcodes moved back"), str(len(before.get("children") or {}))),
        ]
    elif event.action == "transcript.text":
        text = before.get("text", "")
        lines = [
            (
                gettext("Version"),
                gettext("%(now)s back to the text of version %(then)s")
                % {"now": after.get("version"), "then": before.get("version")},
            ),
            (gettext("Text before the edit"), text[:600] + ("…" if len(text) > 600 else "")),
        ]
    elif event.action == "transcript.delete":
        lines = [
            (gettext("Transcript"), (before.get("transcript") or {}).get("title", "")),
            (gettext("Segments"), str(len(before.get("segments") or []))),
            (gettext("Memos"), str(len(before.get("memos") or []))),
            (gettext("Consensus decisions"), str(len(before.get("decisions") or []))),
        ]
    elif event.action == "participant.delete":
        transcripts = before.get("transcripts") or []
        lines = [
            (gettext("Participant"), (before.get("participant") or {}).get("pseudonym", "")),
            (
                gettext("Transcripts"),
                ", ".join(t["transcript"]["title"] for t in transcripts) or gettext("none"),
            ),
            (gettext("Segments"), str(sum(len(t["segments"]) for t in transcripts))),
        ]
    return lines
