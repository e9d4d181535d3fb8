"""Writes for the coding app. Every function validates on the server and records an audit event."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from coding import exports
from coding.models import (
    COLOR_RE,
    FRAMEWORK_KEY,
    MEMO_MAX_CHARS,
    Assignment,
    AuditEvent,
    Code,
    Layer,
    LayerKind,
    Memo,
    Segment,
)
from studies.models import Study, Transcript


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
    copied so that the event still says which study it was after the study is deleted."""
    if obj is not None:
        object_type = object_type or obj._meta.model_name
        object_id = obj.pk if object_id is None else object_id
    return AuditEvent.objects.create(
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


def coder_layer(*, study: Study, user) -> Layer:
    """The user's own layer in the study, created on first use."""
    layer, _ = Layer.objects.get_or_create(study=study, kind=LayerKind.CODER, user=user)
    return layer


def consensus_layer(*, study: Study) -> Layer:
    layer, _ = Layer.objects.get_or_create(study=study, kind=LayerKind.CONSENSUS)
    return layer


def clean_memo_text(text: str | None, *, field: str = "memo") -> str:
    """``text`` stripped, or ValidationError({field: ...}) when it is longer than
    MEMO_MAX_CHARS or holds what no database column stores (NUL, lone surrogates)."""
    text = (text or "").strip()
    if len(text) > MEMO_MAX_CHARS:
        raise ValidationError(
            {field: f"A memo may have at most {MEMO_MAX_CHARS:,} characters ({len(text):,} sent)."}
        )
    if "\x00" in text:
        raise ValidationError({field: "The memo contains a NUL character (U+0000)."})
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(
            {field: "The memo is not valid Unicode (it contains a lone surrogate)."}
        ) from None
    return text


def _code_gone(code: Code) -> ValidationError:
    """The refusal for a code deleted or merged away since the page was drawn."""
    merge = (
        AuditEvent.objects.filter(
            study_id=code.study_id, action="code.merge", object_type="code", object_id=code.pk
        )
        .order_by("-pk")
        .first()
    )
    target = None
    if merge is not None and merge.after:
        target = Code.objects.filter(pk=merge.after.get("target_id")).first()
    if target is not None:
        return ValidationError(
            f"The code “{code.name}” was just merged into “{target.name}”: reload the page "
            f"and code with “{target.name}”. Nothing was saved.",
            code="merged",
        )
    return ValidationError(
        f"The code “{code.name}” no longer exists: reload the page. Nothing was saved.",
        code="gone",
    )


def check_span(*, transcript: Transcript, start, end, quote: str | None = None) -> str:
    """Validate half-open code-point offsets against the canonical text; return the quote.

    When ``quote`` is given (what the browser saw), it must equal ``text[start:end]``:
    otherwise the page is stale or the browser counted in another unit.
    """
    if (
        isinstance(start, bool)
        or isinstance(end, bool)
        or not isinstance(start, int)
        or not isinstance(end, int)
    ):
        raise ValidationError("Offsets must be whole numbers.", code="offsets")
    length = transcript.length if transcript.length else len(transcript.text)
    if start < 0 or end > length:
        raise ValidationError(
            f"Offsets {start}–{end} are outside the transcript (0–{length}).", code="bounds"
        )
    if start >= end:
        raise ValidationError("A segment must contain at least one character.", code="empty")
    actual = transcript.text[start:end]
    if quote is not None and quote != actual:
        raise ValidationError(
            "The selected text does not match the transcript at these offsets: the page is "
            "out of date. Reload the transcript; nothing was saved.",
            code="stale",
        )
    if not actual.strip():
        raise ValidationError("A segment cannot be only white space.", code="blank")
    return actual


STALE_VERSION = (
    "The transcript was edited since you read it (version {expected}, now {current}): these "
    "offsets may point at other words. Fetch the transcript again; nothing was saved."
)


def lock_transcript(transcript: Transcript, *, expected_version: int | None = None) -> None:
    """Take the transcript's row lock until the transaction ends, then check the version.

    Segment writes and text edits (``studies.services.transcript_text_update``) take this
    lock first, so they happen one after the other per transcript: a segment is checked
    against the text it is stored with. When an edit committed since ``transcript`` was
    read, its text is refreshed; a stale ``expected_version`` raises ValidationError
    (code ``stale``). A no-op lock on SQLite, which serialises writers itself.
    """
    current = (
        Transcript.objects.select_for_update()
        .filter(pk=transcript.pk)
        .values_list("version", flat=True)
        .get()
    )
    if "version" in transcript.__dict__ and current != transcript.version:
        fresh = Transcript.objects.only("text", "length", "version").get(pk=transcript.pk)
        transcript.text, transcript.length = fresh.text, fresh.length
        transcript.version = fresh.version
    if expected_version is not None and current != expected_version:
        raise ValidationError(
            STALE_VERSION.format(expected=expected_version, current=current), code="stale"
        )


def segment_create(
    *,
    transcript: Transcript,
    code: Code,
    layer: Layer,
    start: int,
    end: int,
    quote: str | None = None,
    expected_version: int | None = None,
    memo: str = "",
    actor=None,
    provenance: dict | None = None,
) -> tuple[Segment, bool]:
    """Create a segment, or return the identical one that exists (a double submit).

    Offsets and quote are checked under the transcript's lock (:func:`lock_transcript`).
    Returns ``(segment, created)``. Raises ValidationError for bad offsets, a stale quote or
    version (code ``stale``), a code or layer of another study, or an archived code.
    """
    if code.study_id != transcript.study_id:
        raise ValidationError("That code belongs to another study.", code="code")
    if layer.study_id != transcript.study_id:
        raise ValidationError("That layer belongs to another study.", code="layer")
    if code.archived:
        raise ValidationError(f"The code “{code.name}” is archived.", code="archived")
    memo = clean_memo_text(memo)
    try:
        with transaction.atomic():
            # The transcript first (a text edit waits, or has committed and we re-check
            # against its new text), then the code (a merge either waits for this segment and
            # moves it, or has already deleted the code and we refuse).
            lock_transcript(transcript, expected_version=expected_version)
            if not Code.objects.select_for_update(no_key=True).filter(pk=code.pk).exists():
                raise _code_gone(code)
            text = check_span(transcript=transcript, start=start, end=end, quote=quote)
            existing = Segment.objects.filter(
                transcript=transcript, code=code, layer=layer, start=start, end=end
            ).first()
            if existing is not None:
                return existing, False
            segment = Segment(
                transcript=transcript,
                code=code,
                layer=layer,
                start=start,
                end=end,
                quote=text,
                memo=memo,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
                provenance=provenance or {},
            )
            segment.full_clean(
                exclude=["transcript", "code", "layer", "created_by"], validate_unique=False
            )
            segment.save()
            audit(
                study=transcript.study,
                actor=actor,
                action="segment.create",
                obj=segment,
                after=segment_snapshot(segment),
            )
    except IntegrityError:
        # A concurrent identical submit won the race: return its segment.
        existing = Segment.objects.filter(
            transcript=transcript, code=code, layer=layer, start=start, end=end
        ).first()
        if existing is None:
            if not Code.objects.filter(pk=code.pk).exists():
                raise _code_gone(code) from None
            raise
        return existing, False
    return segment, True


def segment_delete(*, segment: Segment, actor=None) -> None:
    with transaction.atomic():
        lock_transcript(segment.transcript)
        # An edit may have moved it since it was read: log where it is, so undo restores it.
        segment.refresh_from_db(fields=["start", "end", "quote", "memo", "needs_review"])
        audit(
            study=segment.transcript.study,
            actor=actor,
            action="segment.delete",
            obj=segment,
            before=segment_snapshot(segment),
        )
        segment.delete()


def segment_update_memo(*, segment: Segment, memo: str, actor=None) -> Segment:
    before = segment_snapshot(segment)
    segment.memo = clean_memo_text(memo)
    segment.full_clean(exclude=["transcript", "code", "layer", "created_by"], validate_unique=False)
    with transaction.atomic():
        # The lock comes first here too: a memo and a span change share one transaction on
        # the coding page, and a text edit takes the transcript before the segment rows.
        lock_transcript(segment.transcript)
        segment.save(update_fields=["memo", "updated_at"])
        audit(
            study=segment.transcript.study,
            actor=actor,
            action="segment.memo",
            obj=segment,
            before=before,
            after=segment_snapshot(segment),
        )
    return segment


def segment_mark_reviewed(*, segment: Segment, actor=None) -> Segment:
    """Clear a segment's ``needs_review`` flag: its current words (``quote``) are accepted.

    ``quote_at_coding`` is emptied too, so a later text edit keeps the words confirmed now.
    """
    before = {"needs_review": segment.needs_review, "quote_at_coding": segment.quote_at_coding}
    if not segment.needs_review:
        return segment
    segment.needs_review = False
    segment.quote_at_coding = ""
    with transaction.atomic():
        segment.save(update_fields=["needs_review", "quote_at_coding", "updated_at"])
        audit(
            study=segment.transcript.study,
            actor=actor,
            action="segment.reviewed",
            obj=segment,
            before=before,
            after={"needs_review": False, "quote": segment.quote},
        )
    return segment


def segment_update(
    *,
    segment: Segment,
    code: Code | None = None,
    start: int | None = None,
    end: int | None = None,
    quote: str | None = None,
    expected_version: int | None = None,
    actor=None,
) -> Segment:
    """Change a segment's code and/or span, keeping its id (memos and decisions stay attached).

    The new span is checked like a new segment (bounds, quote, version), under the
    transcript's lock. When the change makes it identical to another segment of the same
    layer, the two collapse into that one (memos joined) and it is returned.
    """
    transcript = segment.transcript
    code = code or segment.code
    if code.study_id != transcript.study_id:
        raise ValidationError("That code belongs to another study.", code="code")
    if code.archived and code.pk != segment.code_id:
        raise ValidationError(f"The code “{code.name}” is archived.", code="archived")
    moves = start is not None or end is not None
    with transaction.atomic():
        lock_transcript(transcript, expected_version=expected_version if moves else None)
        if moves:
            new_start = segment.start if start is None else start
            new_end = segment.end if end is None else end
        else:  # an edit may have moved the segment since it was read
            segment.refresh_from_db(fields=["start", "end", "quote", "needs_review"])
            new_start, new_end = segment.start, segment.end
        text = check_span(
            transcript=transcript, start=new_start, end=new_end, quote=quote if moves else None
        )
        before = segment_snapshot(segment)
        twin = (
            Segment.objects.select_for_update()
            .filter(
                transcript=transcript,
                code=code,
                layer_id=segment.layer_id,
                start=new_start,
                end=new_end,
            )
            .exclude(pk=segment.pk)
            .first()
        )
        if twin is not None:
            if segment.memo and segment.memo not in twin.memo:
                twin.memo = f"{twin.memo}\n{segment.memo}".strip()
                twin.save(update_fields=["memo", "updated_at"])
            segment.memos.update(segment=twin)
            audit(
                study=transcript.study,
                actor=actor,
                action="segment.delete",
                obj=segment,
                before=before,
                after={"collapsed_into": twin.pk},
            )
            segment.delete()
            return twin
        segment.code, segment.start, segment.end = code, new_start, new_end
        if moves:
            segment.quote = text
            segment.needs_review = False
            segment.quote_at_coding = ""
        segment.save(
            update_fields=[
                "code",
                "start",
                "end",
                "quote",
                "quote_at_coding",
                "needs_review",
                "updated_at",
            ]
        )
        audit(
            study=transcript.study,
            actor=actor,
            action="segment.update",
            obj=segment,
            before=before,
            after=segment_snapshot(segment),
        )
    return segment


UNDOABLE_SEGMENT_ACTIONS = ("segment.create", "segment.delete", "segment.memo", "segment.update")
_UNDO_GROUPS = ("segment.batch", "segment.undo")


def audit_mark(*, study: Study) -> int:
    """The id of the study's latest audit event (0 if none): a bookmark for segment_batch."""
    return (
        AuditEvent.objects.filter(study=study).order_by("-pk").values_list("pk", flat=True).first()
        or 0
    )


def segment_batch(*, study: Study, actor, transcript: Transcript, since: int, label: str) -> None:
    """Group the undoable events ``actor`` made since ``since`` so one undo reverts them all."""
    events = list(
        AuditEvent.objects.filter(
            study=study, actor=actor, pk__gt=since, action__in=UNDOABLE_SEGMENT_ACTIONS
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if len(events) > 1:
        audit(
            study=study,
            actor=actor,
            action="segment.batch",
            object_type="segment",
            after={"transcript_id": transcript.pk, "events": events, "label": label},
        )


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
    since = audit_mark(study=access.study)
    with transaction.atomic():
        for step in steps:
            label = label or _UNDO_LABELS[step.action]
            _undo_step(access=access, transcript=transcript, step=step, actor=actor)
        new_events = list(
            AuditEvent.objects.filter(study=access.study, actor=actor, pk__gt=since).values_list(
                "pk", flat=True
            )
        )
        audit(
            study=access.study,
            actor=actor,
            action="segment.undo",
            object_type="segment",
            object_id=target.object_id,
            after={
                "transcript_id": transcript.pk,
                "undone": [target.pk, *[s.pk for s in steps]],
                "events": new_events,
            },
        )
    return f"Undone: {label}"


_DECISION_ACTIONS = ("consensus.decide", "consensus.undo")


def _decisions_of(events: list[AuditEvent]) -> dict:
    from coding.models import ConsensusDecision

    ids = {ev.object_id for ev in events if ev.action == "consensus.decide"}
    if not ids:
        return {}
    return ConsensusDecision.objects.select_related("study", "code").in_bulk(list(ids))


def _decision_undo(*, access, decision, actor) -> str:
    """Undo a consensus decision through the decision, as the review page's undo does."""
    from django.core.exceptions import PermissionDenied

    # consensus.py builds on this module (segment_create, audit), so import it late.
    from coding import consensus

    if not access.is_owner:
        raise PermissionDenied("Only the study's owners change consensus decisions.")
    consensus.consensus_undo(decision=decision, actor=actor)
    return f"Undone: decision ‘{decision.get_action_display()}’ on ‘{decision.code.name}’"


_UNDO_LABELS = {
    "segment.create": "coding",
    "segment.delete": "removal",
    "segment.memo": "memo change",
    "segment.update": "change",
}


def _undo_step(*, access, transcript: Transcript, step: AuditEvent, actor) -> None:
    from django.core.exceptions import PermissionDenied

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


def assignment_set_done(*, layer: Layer, transcript: Transcript, done: bool, actor) -> Assignment:
    """Mark a layer's work on a transcript as done (or reopen it)."""
    with transaction.atomic():
        assignment, _ = Assignment.objects.get_or_create(layer=layer, transcript=transcript)
        assignment.done_at = timezone.now() if done else None
        assignment.save(update_fields=["done_at"])
        audit(
            study=transcript.study,
            actor=actor,
            action="assignment.done" if done else "assignment.undone",
            obj=assignment,
            after={"transcript_id": transcript.pk, "layer_id": layer.pk, "done": done},
        )
    return assignment


def memo_create(
    *,
    study: Study,
    author,
    body: str,
    title: str = "",
    transcript: Transcript | None = None,
    code: Code | None = None,
    segment: Segment | None = None,
    extra: dict | None = None,
) -> Memo:
    """A memo on the study, or on one transcript, code or segment of it."""
    for target in (transcript, code, segment):
        target_study = getattr(target, "study_id", None) or getattr(
            getattr(target, "transcript", None), "study_id", None
        )
        if target is not None and target_study != study.pk:
            raise ValidationError("That memo's subject belongs to another study.")
    memo = Memo(
        study=study,
        author=author,
        title=clean_memo_text(title, field="title"),
        body=clean_memo_text(body, field="body"),
        transcript=transcript,
        code=code,
        segment=segment,
        extra=extra or {},
    )
    if not memo.body:
        raise ValidationError({"body": "A memo needs some text."})
    memo.full_clean(exclude=["study", "transcript", "author", "code", "segment"])
    with transaction.atomic():
        memo.save()
        audit(
            study=study,
            actor=author,
            action="memo.create",
            obj=memo,
            after={
                "transcript_id": getattr(transcript, "pk", None),
                "code_id": getattr(code, "pk", None),
                "segment_id": getattr(segment, "pk", None),
                "title": memo.title,
                "body": memo.body,
            },
        )
    return memo


def memo_update(*, memo: Memo, actor, title: str, body: str) -> Memo:
    """Change a memo's title and text (audited with the text before)."""
    before = memo_snapshot(memo)
    memo.title = clean_memo_text(title, field="title")
    memo.body = clean_memo_text(body, field="body")
    memo.full_clean(exclude=["study", "author", "transcript", "code", "segment"])
    with transaction.atomic():
        memo.save(update_fields=["title", "body", "updated_at"])
        audit(
            study=memo.study,
            actor=actor,
            action="memo.update",
            obj=memo,
            before=before,
            after=memo_snapshot(memo),
        )
    return memo


def memo_delete(*, memo: Memo, actor) -> None:
    with transaction.atomic():
        audit(
            study=memo.study,
            actor=actor,
            action="memo.delete",
            obj=memo,
            before=memo_snapshot(memo),
        )
        memo.delete()


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


# --- framework matrix ----------------------------------------------------------------


SUMMARY_MAX_LENGTH = 2000


def framework_summary_save(
    *, study: Study, participant, code: Code, wave, body: str, author
) -> Memo | None:
    """The framework matrix: write the summary of one framework cell (a Memo on the code whose ``extra`` names
    the participant and wave); an empty body deletes it. Returns the memo or None.

    Raises ValidationError for a body that is too long or objects of another study.
    """
    from coding import compare

    if {participant.study_id, code.study_id, wave.study_id} != {study.pk}:
        raise ValidationError("That cell is not part of this study.")
    body = (body or "").strip()
    if len(body) > SUMMARY_MAX_LENGTH:
        raise ValidationError(
            f"A summary can be at most {SUMMARY_MAX_LENGTH} characters (this one has {len(body)})."
        )
    extra = {FRAMEWORK_KEY: {"participant": participant.pk, "wave": wave.pk}}
    with transaction.atomic():
        existing = (
            Memo.objects.select_for_update()
            .filter(
                **compare.framework_memo_filter(study, wave.pk),
                code=code,
                **{f"extra__{FRAMEWORK_KEY}__participant": participant.pk},
            )
            .order_by("pk")
        )
        memos = list(existing)
        memo = memos[0] if memos else None
        for duplicate in memos[1:]:
            duplicate.delete()
        before = {"body": memo.body} if memo else None
        if not body:
            if memo is not None:
                audit(
                    study=study,
                    actor=author,
                    action="memo.delete",
                    obj=memo,
                    before=memo_snapshot(memo),
                )
                memo.delete()
            return None
        if memo is None:
            memo = Memo(
                study=study,
                code=code,
                author=author,
                title=f"{participant.pseudonym} · {code.name} · {wave.name}",
                body=body,
                extra=extra,
            )
            memo.full_clean(exclude=["study", "author", "code", "transcript", "segment"])
            memo.save()
            action = "memo.create"
        else:
            memo.body = body
            memo.author = author
            memo.save(update_fields=["body", "author", "updated_at"])
            action = "memo.update"
        audit(
            study=study,
            actor=author,
            action=action,
            obj=memo,
            before=before,
            after={"body": body, **extra},
        )
    return memo


def _proposal_conflict(container: Code, *, proposed: bool, creator_id: int | None) -> str:
    """Why a code may not go under (or into) ``container``, or "" when it may.

    Only a proposal by the same coder may sit under a proposal: anything else would vanish
    from blind coders' codebooks (proposals are hidden with their subtrees) while their
    segments keep it.
    """
    if not container.proposed:
        return ""
    if proposed and creator_id is not None and creator_id == container.created_by_id:
        return ""
    return f"Adopt “{container.name}” first: it is still a coder's proposal."


# Okabe–Ito: distinguishable with the common colour-vision deficiencies. Strokes of pale
# colours are darkened for contrast when drawn (coding.segments.runs.stroke_color).
CODE_PALETTE = [
    ("#0072B2", "Blue"),
    ("#E69F00", "Orange"),
    ("#56B4E9", "Sky blue"),
    ("#009E73", "Bluish green"),
    ("#F0E442", "Yellow"),
    ("#D55E00", "Vermilion"),
    ("#CC79A7", "Reddish purple"),
    ("#000000", "Black"),
]


def code_next_color(*, study: Study, parent: Code | None, codes=None) -> str:
    """The colour for a new code under ``parent``: the palette colour least used among its
    future siblings, then not its parent's, then least used in the study, in palette order.

    So codes added one after another differ from their siblings and their parent while the
    palette lasts, and then cycle through it. One query (the study's code colours), none
    when ``codes`` (the study's codes, e.g. from a loaded codebook) is given.
    """
    parent_id = parent.pk if parent is not None else None
    siblings: dict[str, int] = {}
    everywhere: dict[str, int] = {}
    if codes is None:
        pairs = Code.objects.filter(study=study).values_list("parent_id", "color")
    else:
        pairs = [(code.parent_id, code.color) for code in codes]
    for code_parent_id, color in pairs:
        color = color.upper()
        everywhere[color] = everywhere.get(color, 0) + 1
        if code_parent_id == parent_id:
            siblings[color] = siblings.get(color, 0) + 1
    parent_color = parent.color.upper() if parent is not None else None

    def score(item: tuple[int, tuple[str, str]]):
        index, (color, _name) = item
        return (siblings.get(color, 0), color == parent_color, everywhere.get(color, 0), index)

    return min(enumerate(CODE_PALETTE), key=score)[1][0]


def code_create(
    *,
    study: Study,
    name: str,
    parent: Code | None = None,
    description: str = "",
    inclusion: str = "",
    exclusion: str = "",
    example: str = "",
    color: str | None = None,
    actor=None,
    proposed: bool = False,
) -> Code:
    """Create a code, last among its siblings; without ``color`` it gets
    :func:`code_next_color`. ``proposed``: a coder's proposal, shown to blind coders other
    than its creator (``actor``) only once an owner adopts it (:func:`code_adopt`)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "A code needs a name."})
    if parent is not None and parent.study_id != study.pk:
        raise ValidationError({"parent": "The parent code belongs to another study."})
    if parent is not None:
        creator_id = actor.pk if getattr(actor, "is_authenticated", False) else None
        conflict = _proposal_conflict(parent, proposed=proposed, creator_id=creator_id)
        if conflict:
            raise ValidationError({"parent": conflict})
    siblings = Code.objects.filter(study=study, parent=parent)
    if siblings.filter(name__iexact=name).exists():
        where = f"under “{parent.name}”" if parent else "at the top level"
        raise ValidationError({"name": f"A code named “{name}” already exists {where}."})
    position = siblings.count()
    if not color:
        color = code_next_color(study=study, parent=parent)
    code = Code(
        study=study,
        parent=parent,
        name=name,
        description=description,
        inclusion=inclusion,
        exclusion=exclusion,
        example=example,
        color=color,
        position=position,
        proposed=proposed,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    code.full_clean(exclude=["study", "parent", "created_by"], validate_constraints=False)
    with transaction.atomic():
        code.save()
        audit(
            study=study,
            actor=actor,
            action="code.create",
            obj=code,
            after={"name": name, "parent_id": parent.pk if parent else None, "proposed": proposed},
        )
    return code


def code_adopt(*, code: Code, actor) -> list[Code]:
    """Adopt a proposed code into the shared codebook, with its proposed ancestors (a shared
    code under a hidden proposal would stay hidden). One audit event per code adopted.

    Returns the codes adopted, the code itself last; raises ValidationError when it is
    already shared.
    """
    with transaction.atomic():
        book = _locked_codebook(code.study_id)
        node = book.by_id.get(code.pk)
        if node is None or not node.code.proposed:
            raise ValidationError(f"“{code.name}” is already in the shared codebook.")
        chain = []
        while node is not None and node.code.proposed:
            chain.append(node.code)
            node = book.by_id.get(node.code.parent_id)
        adopted = list(reversed(chain))
        for each in adopted:
            each.proposed = False
            each.save(update_fields=["proposed"])
            audit(
                study=code.study,
                actor=actor,
                action="code.adopt",
                obj=each,
                before={"proposed": True},
                after={"proposed": False},
            )
    code.proposed = False
    return adopted


# --- codebook: update, move, merge, archive, CSV import ---------------------------------
# Structural changes first lock every code of the study (select_for_update, a no-op on
# SQLite) and reload the tree, so two owners editing at once cannot build a cycle or a
# duplicate name between the check and the write.

import csv  # noqa: E402  (this appended block keeps its imports beside its functions)
import re  # noqa: E402
from dataclasses import dataclass  # noqa: E402

CODEBOOK_MAX_DEPTH = 8  # levels, counting the top level as 1
CODE_TEXT_FIELDS = ("description", "inclusion", "exclusion", "example")
CODEBOOK_CSV_COLUMNS = ("path", "definition", "inclusion", "exclusion", "example", "colour")
# Exports join paths with exports.CODE_PATH_SEPARATOR (" > "); the app shows " › ".
# Import accepts both.
CODEBOOK_CSV_SEPARATOR = exports.CODE_PATH_SEPARATOR
CODEBOOK_CSV_MAX_BYTES = 2_000_000
CODEBOOK_CSV_MAX_ROWS = 5_000
CODE_TEXT_MAX_CHARS = 20_000


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
        "color": code.color,
        "position": code.position,
        "archived": code.archived,
        "proposed": code.proposed,
        "created_by_id": code.created_by_id,
        "created_at": code.created_at.isoformat() if code.created_at else None,
    }


def _code_where(parent: Code | None) -> str:
    return f"under “{parent.name}”" if parent is not None else "at the top level"


def _locked_codebook(study_id: int):
    """Lock the study's codes until the transaction ends, then load the tree (2 queries)."""
    from coding.codebook import selectors

    list(Code.objects.select_for_update().filter(study_id=study_id).values_list("pk", flat=True))
    return selectors.codebook(study_id)


def code_update(
    *,
    code: Code,
    actor=None,
    name: str | None = None,
    description: str | None = None,
    inclusion: str | None = None,
    exclusion: str | None = None,
    example: str | None = None,
    color: str | None = None,
) -> Code:
    """Rename, describe or recolour a code; only the arguments given (not None) change.

    Raises ValidationError for an empty name, a sibling with the same name (case-insensitive)
    or a colour that is not ``#RRGGBB``. Records ``code.update`` with the changed fields
    before and after; records nothing when nothing changed.
    """
    given = {
        "name": name,
        "description": description,
        "inclusion": inclusion,
        "exclusion": exclusion,
        "example": example,
        "color": color,
    }
    changes = {key: value.strip() for key, value in given.items() if value is not None}
    if "name" in changes and not changes["name"]:
        raise ValidationError({"name": "A code needs a name."})
    changed = {key: value for key, value in changes.items() if getattr(code, key) != value}
    if not changed:
        return code
    if "name" in changed:
        clash = (
            Code.objects.filter(
                study_id=code.study_id, parent_id=code.parent_id, name__iexact=changed["name"]
            )
            .exclude(pk=code.pk)
            .first()
        )
        if clash is not None:
            raise ValidationError(
                {"name": f"A code named “{clash.name}” already exists {_code_where(code.parent)}."}
            )
    before = {key: getattr(code, key) for key in changed}
    for key, value in changed.items():
        setattr(code, key, value)
    try:
        code.full_clean(
            exclude=["study", "parent"], validate_constraints=False, validate_unique=False
        )
        with transaction.atomic():
            code.save(update_fields=list(changed))
            audit(
                study=code.study,
                actor=actor,
                action="code.update",
                obj=code,
                before=before,
                after=changed,
            )
    except IntegrityError:
        for key, value in before.items():
            setattr(code, key, value)
        raise ValidationError(
            {"name": f"A code named “{changed.get('name', code.name)}” already exists here."}
        ) from None
    except ValidationError:
        for key, value in before.items():
            setattr(code, key, value)
        raise
    return code


def code_move(*, code: Code, parent: Code | None, position: int | None = None, actor=None) -> Code:
    """Move a code, with its subtree, under ``parent`` (None: the top level).

    ``position`` is the 0-based place among the new siblings; None or past the end puts it
    last. Both the old and the new siblings are renumbered 0..n-1. Raises ValidationError
    when the new parent is the code itself or one of its descendants (a cycle), belongs to
    another study, is archived, already has a child of the same name, or when the subtree
    would go deeper than CODEBOOK_MAX_DEPTH levels. Records ``code.move`` with the parent
    and every affected sibling's position before and after; a move to where the code
    already is changes and records nothing. Returns the (reloaded) code.
    """
    if parent is not None and parent.study_id != code.study_id:
        raise ValidationError({"parent": "The new parent belongs to another study."})
    with transaction.atomic():
        book = _locked_codebook(code.study_id)
        node = book.by_id.get(code.pk)
        if node is None:
            raise ValidationError("This code no longer exists: reload the codebook.")
        current = node.code
        parent_node = None
        if parent is not None:
            if parent.pk in book.subtree_ids(code.pk):
                raise ValidationError(
                    {
                        "parent": f"“{current.name}” cannot move under itself or one of its own "
                        "subcodes."
                    }
                )
            parent_node = book.by_id.get(parent.pk)
            if parent_node is None:
                raise ValidationError({"parent": "That parent code no longer exists."})
            if parent_node.code.archived:
                raise ValidationError(
                    {
                        "parent": f"“{parent_node.code.name}” is archived: restore it before "
                        "moving codes under it."
                    }
                )
            conflict = _proposal_conflict(
                parent_node.code, proposed=current.proposed, creator_id=current.created_by_id
            )
            if conflict:
                raise ValidationError({"parent": conflict})
        new_parent_id = parent_node.pk if parent_node else None
        old_parent_node = book.by_id.get(current.parent_id) if current.parent_id else None
        old_order = [n.code for n in (old_parent_node.children if old_parent_node else book.roots)]
        siblings = [
            n.code
            for n in (parent_node.children if parent_node else book.roots)
            if n.pk != current.pk
        ]
        if new_parent_id != current.parent_id:
            clash = next((s for s in siblings if s.name.lower() == current.name.lower()), None)
            if clash is not None:
                where = _code_where(parent_node.code if parent_node else None)
                raise ValidationError(
                    {
                        "parent": f"A code named “{clash.name}” already exists {where}. Rename "
                        "one of them, or merge them."
                    }
                )
            depth = parent_node.depth + 1 if parent_node else 0
            height = max(book.by_id[i].depth for i in book.subtree_ids(current.pk)) - node.depth
            if depth + height + 1 > CODEBOOK_MAX_DEPTH:
                raise ValidationError(
                    {
                        "parent": f"The codebook has at most {CODEBOOK_MAX_DEPTH} levels: "
                        f"“{current.name}” and its subcodes would need {depth + height + 1}."
                    }
                )
        index = len(siblings) if position is None else max(0, min(int(position), len(siblings)))
        new_order = [*siblings[:index], current, *siblings[index:]]
        if new_parent_id == current.parent_id and [c.pk for c in new_order] == [
            c.pk for c in old_order
        ]:
            return current
        affected = {c.pk: c for c in [*old_order, *new_order]}
        before = {
            "parent_id": current.parent_id,
            "positions": {pk: c.position for pk, c in affected.items()},
        }
        renumbered = (
            [c for c in old_order if c.pk != current.pk]
            if new_parent_id != current.parent_id
            else []
        )
        changed: list[Code] = []
        for order in (renumbered, new_order):
            for i, sibling in enumerate(order):
                if sibling.pk != current.pk and sibling.position != i:
                    sibling.position = i
                    changed.append(sibling)
        current.parent_id = new_parent_id
        current.position = index
        try:
            with transaction.atomic():
                current.save(update_fields=["parent", "position"])
        except IntegrityError:
            # A same-named code was created there after the check (code_create takes no lock).
            raise ValidationError(
                {
                    "parent": f"A code named “{current.name}” was just added there. Reload the "
                    "codebook, then rename one of them or merge them."
                }
            ) from None
        if changed:
            Code.objects.bulk_update(changed, ["position"])
        audit(
            study=current.study,
            actor=actor,
            action="code.move",
            obj=current,
            before=before,
            after={
                "parent_id": new_parent_id,
                "positions": {pk: c.position for pk, c in affected.items()},
            },
        )
    code.parent_id, code.position = current.parent_id, current.position
    return current


def _join_memos(kept: str, dropped: str) -> str:
    kept, dropped = (kept or "").strip(), (dropped or "").strip()
    if not dropped or dropped in kept:
        return kept
    if not kept:
        return dropped
    return f"{kept}\n\n{dropped}"


@dataclass
class MergeResult:
    target: Code
    moved: int  # segments that changed code
    collapsed: int  # source segments dropped because the target had the same span
    children: int  # subcodes that moved under the target


def code_merge(*, source: Code, target: Code, actor=None) -> MergeResult:
    """Merge ``source`` into ``target``, then delete ``source``.

    * Every segment of ``source`` moves to ``target``. One that would duplicate a segment of
      ``target`` (same transcript, layer, start and end) collapses into it: the target's
      segment is kept, the memos are joined (the kept one's first, then the dropped one's,
      unless already contained), ``needs_review`` is kept if either had it, and memos
      attached to the dropped segment move to the kept one. No span is lost.
    * The subcodes of ``source`` move under ``target``, after its own subcodes.
    * Memos about ``source`` move to ``target``.
    * ``source`` is deleted, not archived: it has nothing left, and a leftover would clutter
      the tree. The ``code.merge`` AuditEvent keeps what is needed to undo the merge: the
      source's snapshot, its subcodes' parent and positions, the ids of moved segments,
      full snapshots of collapsed segments, the kept segments' previous memo and flag, and
      the ids of re-pointed memos.

    Raises ValidationError when both are the same code, belong to different studies, the
    target is archived or lies inside the source's subtree, both have a subcode of the same
    name, or the moved subcodes would go deeper than CODEBOOK_MAX_DEPTH levels.
    """
    from django.db.models import Case, Value, When
    from django.utils import timezone

    from coding.models import Memo

    if source.pk == target.pk:
        raise ValidationError({"target": "A code cannot be merged into itself."})
    if source.study_id != target.study_id:
        raise ValidationError({"target": "The target code belongs to another study."})
    with transaction.atomic():
        book = _locked_codebook(source.study_id)
        source_node, target_node = book.by_id.get(source.pk), book.by_id.get(target.pk)
        if source_node is None or target_node is None:
            raise ValidationError("One of the codes no longer exists: reload the codebook.")
        source, target = source_node.code, target_node.code
        if target.archived:
            raise ValidationError(
                {"target": f"“{target.name}” is archived: restore it before merging into it."}
            )
        conflict = _proposal_conflict(
            target, proposed=source.proposed, creator_id=source.created_by_id
        )
        if conflict:
            raise ValidationError({"target": conflict})
        if target.pk in book.subtree_ids(source.pk):
            raise ValidationError(
                {
                    "target": f"“{target.name}” is a subcode of “{source.name}”: move it out "
                    "first, or merge the other way round."
                }
            )
        target_names = {n.code.name.lower() for n in target_node.children}
        clashes = [n.code.name for n in source_node.children if n.code.name.lower() in target_names]
        if clashes:
            names = ", ".join(f"“{name}”" for name in clashes)
            raise ValidationError(
                {
                    "target": f"Both codes have a subcode named {names}: merge or rename "
                    f"{'it' if len(clashes) == 1 else 'them'} first."
                }
            )
        deepest = max(book.by_id[i].depth for i in book.subtree_ids(source.pk))
        if deepest - source_node.depth + target_node.depth + 1 > CODEBOOK_MAX_DEPTH:
            raise ValidationError(
                {
                    "target": f"The codebook has at most {CODEBOOK_MAX_DEPTH} levels: the "
                    f"subcodes of “{source.name}” would go deeper."
                }
            )

        def key(segment):
            return (segment.transcript_id, segment.layer_id, segment.start, segment.end)

        source_segments = list(Segment.objects.filter(code=source).order_by("pk"))
        target_segments = {
            key(s): s
            for s in Segment.objects.filter(code=target).only(
                "pk", "transcript_id", "layer_id", "start", "end", "memo", "needs_review"
            )
        }
        now = timezone.now()
        collapsed, kept_before, kept_changed = [], {}, []
        for segment in source_segments:
            kept = target_segments.get(key(segment))
            if kept is None:
                continue
            collapsed.append(
                {
                    **segment_snapshot(segment),
                    "needs_review": segment.needs_review,
                    "kept_id": kept.pk,
                }
            )
            kept_before[kept.pk] = {"memo": kept.memo, "needs_review": kept.needs_review}
            memo = _join_memos(kept.memo, segment.memo)
            review = kept.needs_review or segment.needs_review
            if memo != kept.memo or review != kept.needs_review:
                kept.memo, kept.needs_review, kept.updated_at = memo, review, now
                kept_changed.append(kept)
        dropped_to_kept = {c["id"]: c["kept_id"] for c in collapsed}
        moved_ids = [s.pk for s in source_segments if s.pk not in dropped_to_kept]

        segment_memos = []
        if dropped_to_kept:
            segment_memos = list(
                Memo.objects.filter(segment_id__in=dropped_to_kept).values_list("pk", "segment_id")
            )
            if segment_memos:
                Memo.objects.filter(segment_id__in=dropped_to_kept).update(
                    segment_id=Case(
                        *[When(segment_id=d, then=Value(k)) for d, k in dropped_to_kept.items()]
                    )
                )
            if kept_changed:
                Segment.objects.bulk_update(kept_changed, ["memo", "needs_review", "updated_at"])
            Segment.objects.filter(pk__in=dropped_to_kept).delete()
        if moved_ids:
            Segment.objects.filter(code=source).update(code=target, updated_at=now)

        children_before = {}
        offset = len(target_node.children)
        moved_children = []
        for i, child_node in enumerate(source_node.children):
            child = child_node.code
            children_before[child.pk] = {"parent_id": child.parent_id, "position": child.position}
            child.parent_id, child.position = target.pk, offset + i
            moved_children.append(child)
        if moved_children:
            Code.objects.bulk_update(moved_children, ["parent", "position"])

        code_memo_ids = list(Memo.objects.filter(code=source).values_list("pk", flat=True))
        if code_memo_ids:
            Memo.objects.filter(pk__in=code_memo_ids).update(code=target)

        before = {
            "source": code_snapshot(source),
            "children": children_before,
            "moved_segment_ids": moved_ids,
            "collapsed_segments": collapsed,
            "kept_segments": kept_before,
            "segment_memos": segment_memos,
            "code_memo_ids": code_memo_ids,
        }
        source_pk = source.pk
        source.delete()
        audit(
            study=target.study,
            actor=actor,
            action="code.merge",
            object_type="code",
            object_id=source_pk,
            before=before,
            after={
                "target_id": target.pk,
                "moved": len(moved_ids),
                "collapsed": len(collapsed),
                "children": list(children_before),
            },
        )
    return MergeResult(
        target=target, moved=len(moved_ids), collapsed=len(collapsed), children=len(moved_children)
    )


def code_archive(*, code: Code, archived: bool = True, actor=None) -> list[int]:
    """Archive a code with its whole subtree, or restore them; segments are never touched.

    Archived codes are hidden from the code picker (and new segments refuse them) but keep
    their segments and counts. Archiving marks the code and every descendant not yet
    archived; restoring un-archives the code and its whole subtree, and is refused while
    the parent is archived (restore the parent first). Records ``code.archive`` or
    ``code.unarchive`` with the ids that changed; returns them (empty: nothing to do).
    """
    with transaction.atomic():
        book = _locked_codebook(code.study_id)
        node = book.by_id.get(code.pk)
        if node is None:
            raise ValidationError("This code no longer exists: reload the codebook.")
        parent = book.by_id.get(node.code.parent_id) if node.code.parent_id else None
        if not archived and parent is not None and parent.code.archived:
            raise ValidationError(
                f"“{parent.code.name}” is archived too: restore it first, which restores "
                f"its subcodes with it."
            )
        ids = sorted(
            i for i in book.subtree_ids(code.pk) if book.by_id[i].code.archived != archived
        )
        if not ids:
            return []
        Code.objects.filter(pk__in=ids).update(archived=archived)
        code.archived = archived
        audit(
            study=node.code.study,
            actor=actor,
            action="code.archive" if archived else "code.unarchive",
            obj=code,
            before={"archived": not archived, "ids": ids},
            after={"archived": archived, "ids": ids},
        )
    return ids


# A separator is ">" or "›" with white space (or the end) on both sides; "A>B" is one name.
_CODE_PATH_SPLIT = re.compile(r"(?:^|\s)[>›](?=\s|$)")
_CSV_ALIASES = {
    "path": "path",
    "definition": "description",
    "description": "description",
    "inclusion": "inclusion",
    "exclusion": "exclusion",
    "example": "example",
    "colour": "color",
    "color": "color",
}
# Cells a spreadsheet would run as a formula; the export prefixes them with "'".
CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def split_code_path(path: str) -> list[str]:
    """Names along a path written with " > " (CSV) or " › " (the app), spaces around."""
    return [part.strip() for part in _CODE_PATH_SPLIT.split(path.strip())]


def csv_cell_unescape(value: str) -> str:
    if value.startswith("'") and value[1:2] and value[1] in CSV_FORMULA_START:
        return value[1:]
    return value


def codebook_import_csv(*, study: Study, data: bytes, filename: str, actor=None):
    """Import a codebook CSV: ``path`` plus optional definition, inclusion, exclusion,
    example, colour (``description``/``color`` accepted too).

    Codes are matched by path, case-insensitively; missing codes along every path are
    created (a new code without a colour takes its parent's). For existing codes the
    non-empty cells replace the current text or colour; an empty cell keeps what is there.
    Every row is checked first; on any problem :class:`studies.services.ImportRefused`
    carries the row-by-row report (row 1 is the header) and nothing is written. Returns the
    :class:`studies.services.ImportReport` (``created``, ``updated``). Records one
    ``codebook.import`` event with the created ids and the updated codes' previous values.
    """
    from studies import text as textlib
    from studies.services import ImportRefused, ImportReport, RowError

    report = ImportReport()

    def refuse(row: int, message: str, column: str = ""):
        report.errors.append(RowError(row, message, column))
        raise ImportRefused(report)

    size = len(data) if isinstance(data, bytes) else data.size
    if size > CODEBOOK_CSV_MAX_BYTES:
        refuse(
            0,
            f"{filename} is {size / 1e6:.1f} MB; a codebook CSV may be at most "
            f"{CODEBOOK_CSV_MAX_BYTES / 1e6:.0f} MB.",
        )
    try:
        if not isinstance(data, bytes):  # an uploaded file: read in chunks, within the limit
            data = textlib.read_limited(data, CODEBOOK_CSV_MAX_BYTES, filename)
        raw = textlib.decode_bytes(data, filename).lstrip("\ufeff")
    except textlib.TextDecodeError as exc:
        refuse(0, str(exc))
    first_line = raw.split("\n", 1)[0]
    delimiter = ","
    for candidate in (",", ";", "\t"):
        cells = next(csv.reader([first_line], delimiter=candidate), [])
        if "path" in [c.strip().lower() for c in cells]:
            delimiter = candidate
            break
    try:
        rows = textlib.csv_rows(
            raw,
            filename,
            max_rows=CODEBOOK_CSV_MAX_ROWS,
            max_cell_chars=CODE_TEXT_MAX_CHARS,
            delimiter=delimiter,
        )
    except textlib.TextDecodeError as exc:
        refuse(0, str(exc))
    if not rows or not any(cell.strip() for cell in rows[0]):
        refuse(
            1,
            f"{filename} is empty: the first row must be the header "
            f"{','.join(CODEBOOK_CSV_COLUMNS)}.",
        )
    header = [cell.strip().lower() for cell in rows[0]]
    columns: list[str] = []
    for name in header:
        field_name = _CSV_ALIASES.get(name)
        if field_name is None:
            report.errors.append(
                RowError(
                    1,
                    f"Unknown column “{name}” (expected {', '.join(CODEBOOK_CSV_COLUMNS)}).",
                    name,
                )
            )
        elif field_name in columns:
            report.errors.append(RowError(1, f"The column “{name}” appears twice.", name))
        columns.append(field_name or "")
    if "path" not in columns:
        report.errors.append(RowError(1, "The header needs a “path” column.", "path"))
    if report.errors:
        raise ImportRefused(report)
    if len(rows) - 1 > CODEBOOK_CSV_MAX_ROWS:
        refuse(0, f"The file has {len(rows) - 1} rows; the limit is {CODEBOOK_CSV_MAX_ROWS}.")

    column_label = {"description": "definition", "color": "colour"}
    planned: dict[tuple[str, ...], dict] = {}  # lower-case path -> {"row", "names", "fields"}
    for line, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(columns):
            report.errors.append(
                RowError(
                    line,
                    f"The row has {len(cells)} cells but the header "
                    f"has {len(columns)}: quote cells that contain "
                    f"“{delimiter}”.",
                )
            )
            continue
        values = {columns[i]: csv_cell_unescape(cell) for i, cell in enumerate(cells)}
        path = values.pop("path", "").strip()
        if not path:
            report.errors.append(RowError(line, "The path is empty.", "path"))
            continue
        names = split_code_path(path)
        problem = ""
        if any(not name for name in names):
            problem = f"The path “{path}” has an empty name: write names joined by “ > ”."
        elif len(names) > CODEBOOK_MAX_DEPTH:
            problem = (
                f"The path “{path}” has {len(names)} levels; the codebook has at most "
                f"{CODEBOOK_MAX_DEPTH}."
            )
        elif any(len(name) > 120 for name in names):
            problem = "A code name is longer than 120 characters."
        if problem:
            report.errors.append(RowError(line, problem, "path"))
            continue
        key = tuple(name.lower() for name in names)
        if key in planned:
            report.errors.append(
                RowError(line, f"“{path}” also appears on row {planned[key]['row']}.", "path")
            )
            continue
        fields = {}
        for field_name, value in values.items():
            value = value.strip()
            if not value:
                continue
            label = column_label.get(field_name, field_name)
            if field_name == "color" and not COLOR_RE.fullmatch(value):
                report.errors.append(
                    RowError(
                        line, f"The colour “{value}” must look like #RRGGBB, e.g. #0072B2.", label
                    )
                )
                fields = None
                break
            if len(value) > CODE_TEXT_MAX_CHARS:
                report.errors.append(
                    RowError(
                        line, f"The {label} is longer than {CODE_TEXT_MAX_CHARS} characters.", label
                    )
                )
                fields = None
                break
            fields[field_name] = value
        if fields is None:
            continue
        planned[key] = {"row": line, "names": names, "fields": fields}
    if not planned and not report.errors:
        refuse(1, "The file has a header but no codes.")
    if report.errors:
        raise ImportRefused(report)

    try:
        _codebook_import_write(
            study=study, planned=planned, report=report, filename=filename, actor=actor
        )
    except IntegrityError:
        # A code created by someone else between the checks and the writes.
        report.errors.append(
            RowError(
                0,
                "The codebook changed while importing; nothing was "
                "imported. Upload the file again.",
            )
        )
        raise ImportRefused(report) from None
    return report


def _codebook_import_write(*, study: Study, planned: dict, report, filename: str, actor) -> None:
    """The writes of :func:`codebook_import_csv`, in one transaction (see there)."""
    from studies.services import ImportRefused, RowError

    with transaction.atomic():
        book = _locked_codebook(study.pk)
        key_of: dict[int, tuple[str, ...]] = {}
        existing: dict[tuple[str, ...], Code] = {}
        for node in book.walk():  # parents before children
            parent_key = key_of.get(node.code.parent_id, ())
            key_of[node.pk] = (*parent_key, node.code.name.lower())
            existing[key_of[node.pk]] = node.code
        # Every prefix of every planned path, parents before children.
        wanted: dict[tuple[str, ...], list[str]] = {}
        origin_row: dict[tuple[str, ...], int] = {}
        for key, plan in planned.items():
            for depth in range(1, len(key) + 1):
                wanted.setdefault(key[:depth], plan["names"][:depth])
                origin_row.setdefault(key[:depth], plan["row"])
        created: list[Code] = []
        updated: dict[int, dict] = {}
        changed_codes: list[Code] = []
        next_position: dict[int | None, int] = {}
        for node in book.walk():
            parent_id = node.code.parent_id
            next_position[parent_id] = max(next_position.get(parent_id, 0), node.code.position + 1)
        by_key: dict[tuple[str, ...], Code] = dict(existing)
        for key in sorted(wanted, key=len):
            plan = planned.get(key)
            fields = plan["fields"] if plan else {}
            code = by_key.get(key)
            if code is not None:
                diff = {f: v for f, v in fields.items() if getattr(code, f) != v}
                if diff:
                    updated[code.pk] = {f: getattr(code, f) for f in diff}
                    for f, v in diff.items():
                        setattr(code, f, v)
                    changed_codes.append(code)
                continue
            parent = by_key.get(key[:-1]) if len(key) > 1 else None
            parent_id = parent.pk if parent is not None else None
            code = Code(
                study=study,
                parent=parent,
                name=wanted[key][-1],
                color=fields.get("color") or code_next_color(study=study, parent=parent),
                position=next_position.get(parent_id, 0),
                **{f: fields.get(f, "") for f in CODE_TEXT_FIELDS},
            )
            try:
                code.full_clean(
                    exclude=["study", "parent"], validate_constraints=False, validate_unique=False
                )
            except ValidationError as exc:
                report.errors.append(RowError(origin_row[key], "; ".join(exc.messages), "path"))
                continue
            code.save()
            next_position[parent_id] = code.position + 1
            by_key[key] = code
            created.append(code)
        if report.errors:
            raise ImportRefused(report)
        if changed_codes:
            fields_changed = sorted({f for before in updated.values() for f in before})
            Code.objects.bulk_update(changed_codes, fields_changed)
        report.created, report.updated = len(created), len(changed_codes)
        audit(
            study=study,
            actor=actor,
            action="codebook.import",
            object_type="codebook",
            before={"updated": updated},
            after={
                "file": filename,
                "created_ids": [c.pk for c in created],
                "created": report.created,
                "updated": report.updated,
            },
        )
