"""Writes of segments: create, change, delete, memo, review, batches of them, done marks.

Every function validates on the server and records an audit event."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from coding.audit import audit, audit_many, event_for, recorded, segment_snapshot
from coding.codebook import services as codebook_services
from coding.memos.services import clean_memo_text
from coding.models import (
    Assignment,
    AuditEvent,
    Code,
    Layer,
    LayerKind,
    Segment,
)
from coding.segments import labels
from studies.models import Study, Transcript
from workbench.i18n import with_user_content
from workbench.lib import rows


def coder_layer(*, study: Study, user) -> Layer:
    """The user's own layer in the study, created on first use."""
    layer, _ = Layer.objects.get_or_create(study=study, kind=LayerKind.CODER, user=user)
    return layer


def consensus_layer(*, study: Study) -> Layer:
    layer, _ = Layer.objects.get_or_create(study=study, kind=LayerKind.CONSENSUS)
    return layer


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
            gettext(
                "The code “%(name)s” was just merged into “%(name2)s”: reload the page and code with “%(name2)s”. Nothing was saved."
            )
            % {"name": code.name, "name2": target.name},
            code="merged",
        )
    return ValidationError(
        gettext("The code “%(name)s” no longer exists: reload the page. Nothing was saved.")
        % {"name": code.name},
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
        raise ValidationError(gettext("Offsets must be whole numbers."), code="offsets")
    length = transcript.length if transcript.length else len(transcript.text)
    if start < 0 or end > length:
        raise ValidationError(
            gettext("Offsets %(start)s–%(end)s are outside the transcript (0–%(length)s).")
            % {"start": start, "end": end, "length": length},
            code="bounds",
        )
    if start >= end:
        raise ValidationError(
            gettext("A segment must contain at least one character."), code="empty"
        )
    actual = transcript.text[start:end]
    if quote is not None and quote != actual:
        raise ValidationError(
            gettext(
                "The selected text does not match the transcript at these offsets: the page is "
                "out of date. Reload the transcript; nothing was saved."
            ),
            code="stale",
        )
    if not actual.strip():
        raise ValidationError(gettext("A segment cannot be only white space."), code="blank")
    return actual


STALE_VERSION = gettext_lazy(
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
    # Written out: building this through the ORM cost more than running it (issue 12).
    table = connection.ops.quote_name(Transcript._meta.db_table)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "version" FROM {table} WHERE "id" = %s{lock}', [transcript.pk])
        row = cursor.fetchone()
    if row is None:
        raise Transcript.DoesNotExist("The transcript was deleted.")
    current = row[0]
    if "version" in transcript.__dict__ and current != transcript.version:
        fresh = Transcript.objects.only("text", "length", "version").get(pk=transcript.pk)
        transcript.text, transcript.length = fresh.text, fresh.length
        transcript.version = fresh.version
    if expected_version is not None and current != expected_version:
        raise ValidationError(
            STALE_VERSION.format(expected=expected_version, current=current), code="stale"
        )


def lock_codes(ids: list[int]) -> set[int]:
    """Lock the codes ``ids`` (``FOR NO KEY UPDATE``, in primary-key order: one lock order
    for every writer) until the transaction ends; return those that exist. On SQLite,
    which serialises writers itself, only the look-up. One query, written out."""
    table = connection.ops.quote_name(Code._meta.db_table)
    lock = ""
    if connection.features.has_select_for_update:
        no_key = connection.features.has_select_for_no_key_update
        lock = " FOR NO KEY UPDATE" if no_key else " FOR UPDATE"
    marks = ", ".join(["%s"] * len(ids))
    sql = f'SELECT "id" FROM {table} WHERE "id" IN ({marks}) ORDER BY "id"{lock}'
    with connection.cursor() as cursor:
        cursor.execute(sql, list(ids))
        return {row[0] for row in cursor.fetchall()}


def _refuse_category(code: Code) -> None:
    """A category (``is_codable`` off) holds codes but is not applied to text."""
    if not code.is_codable:
        raise ValidationError(
            gettext(
                "“%(name)s” is a category: it holds codes but cannot be applied to text. Choose one of its codes, or tick “Can be applied to text” in the codebook."
            )
            % {"name": code.name},
            code="not_codable",
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
        raise ValidationError(gettext("That code belongs to another study."), code="code")
    if layer.study_id != transcript.study_id:
        raise ValidationError(gettext("That layer belongs to another study."), code="layer")
    if code.archived:
        raise ValidationError(
            gettext("The code “%(name)s” is archived.") % {"name": code.name}, code="archived"
        )
    _refuse_category(code)
    memo = clean_memo_text(memo)
    try:
        with transaction.atomic():
            # The transcript first (a text edit waits, or has committed and we re-check
            # against its new text), then the code (a merge either waits for this segment and
            # moves it, or has already deleted the code and we refuse).
            lock_transcript(transcript, expected_version=expected_version)
            if not lock_codes([code.pk]):
                raise _code_gone(code)
            text = check_span(transcript=transcript, start=start, end=end, quote=quote)
            # No look-up of the same span first: a double submit breaks the unique span
            # constraint, rolls back and is answered below.
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
            # No constraint is checked in the database (three queries): check_span has
            # checked 0 <= start < end <= length, and the database keeps spans unique.
            segment.full_clean(
                exclude=["transcript", "code", "layer", "created_by"],
                validate_unique=False,
                validate_constraints=False,
            )
            rows.insert([segment])  # segment.save(), written out (issue 12)
            audit(
                study=transcript.study,
                actor=actor,
                action="segment.create",
                obj=segment,
                after=segment_snapshot(segment),
            )
    except IntegrityError:
        # The same span has this code in this layer already (a double submit, or a
        # concurrent identical one won the race): return that segment.
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


def _collapse_into(segment: Segment, twin: Segment, *, before: dict, actor) -> Segment:
    """Write step of :func:`segment_update` when the change makes ``segment`` identical to
    ``twin``: memos joined into the twin, memos about it re-pointed, ``segment`` deleted
    (audited as ``segment.delete`` with ``collapsed_into``). Returns the twin."""
    if segment.memo and segment.memo not in twin.memo:
        twin.memo = f"{twin.memo}\n{segment.memo}".strip()
        twin.save(update_fields=["memo", "updated_at"])
    segment.memos.update(segment=twin)
    audit(
        study=segment.transcript.study,
        actor=actor,
        action="segment.delete",
        obj=segment,
        before=before,
        after={"collapsed_into": twin.pk},
    )
    segment.delete()
    return twin


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
        raise ValidationError(gettext("That code belongs to another study."), code="code")
    if code.archived and code.pk != segment.code_id:
        raise ValidationError(
            gettext("The code “%(name)s” is archived.") % {"name": code.name}, code="archived"
        )
    if code.pk != segment.code_id:
        _refuse_category(code)
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
            return _collapse_into(segment, twin, before=before, actor=actor)
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


def segment_batch(
    *, study: Study, actor, transcript: Transcript, events: list[AuditEvent], label: dict
) -> None:
    """Group the undoable events of one write (``events``, as :func:`coding.audit.recorded`
    lists them) so that one undo reverts them all; a single event needs no group. ``label``
    is :func:`coding.segments.labels.stored`'s (shown in each reader's language)."""
    ids = [event.pk for event in events if event.action in UNDOABLE_SEGMENT_ACTIONS]
    if len(ids) > 1:
        audit(
            study=study,
            actor=actor,
            action="segment.batch",
            object_type="segment",
            after={"transcript_id": transcript.pk, "events": ids, **label},
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


@dataclass
class Applied:
    """What :func:`segment_apply_codes` did: every code applied (a new one last) and the
    segments it created (a code already on the span creates none)."""

    codes: list[Code]
    created: list[Segment]

    @property
    def names(self) -> str:
        return ", ".join(f"‘{code.name}’" for code in self.codes)


def segment_apply_codes(
    *,
    transcript: Transcript,
    layer: Layer,
    codes: list[Code],
    start: int,
    end: int,
    quote: str | None,
    expected_version: int | None,
    memo: str = "",
    new_code_name: str = "",
    new_code_parent: Code | None = None,
    new_code_proposed: bool = False,
    actor=None,
) -> Applied:
    """The coding page's write: code one span with ``codes`` and, when ``new_code_name`` is
    given, with a code created for it under ``new_code_parent`` (a proposal when
    ``new_code_proposed``), all or nothing in one transaction; then group the segments
    made into one batch (``segment.batch``) so that a single undo reverts them.

    Raises ValidationError as :func:`segment_create` and
    :func:`coding.codebook.services.code_create` do; nothing is saved then.
    """
    applied = Applied(codes=list(codes), created=[])
    span = {"start": start, "end": end, "quote": quote, "expected_version": expected_version}
    if len(applied.codes) + bool(new_code_name) == 1 and not new_code_name:
        # One code is one segment_create, atomic by itself (an outer transaction would only
        # add a savepoint around it), and one event needs no batch.
        segment, is_new = segment_create(
            transcript=transcript,
            code=applied.codes[0],
            layer=layer,
            memo=memo,
            actor=actor,
            **span,
        )
        if is_new:
            applied.created.append(segment)
        return applied
    new_code = {
        "name": new_code_name,
        "parent": new_code_parent,
        "proposed": new_code_proposed,
    }
    try:
        with recorded() as events, transaction.atomic():
            if new_code_name:
                applied.codes.append(_new_code(transcript, new_code, actor))
            applied.created = _segments_create_on_span(
                transcript=transcript,
                layer=layer,
                codes=applied.codes,
                memo=memo,
                actor=actor,
                **span,
            )
            _batch(transcript, actor, events, applied)
    except IntegrityError:
        # A writer that does not take the transcript's lock stored one of these spans
        # meanwhile: code them one by one (each one answers a double submit by itself).
        applied = Applied(codes=list(codes), created=[])
        with recorded() as events, transaction.atomic():
            if new_code_name:
                applied.codes.append(_new_code(transcript, new_code, actor))
            for code in sorted(applied.codes, key=lambda c: c.pk):
                segment, is_new = segment_create(
                    transcript=transcript, code=code, layer=layer, memo=memo, actor=actor, **span
                )
                if is_new:
                    applied.created.append(segment)
            _batch(transcript, actor, events, applied)
    return applied


def _new_code(transcript: Transcript, new_code: dict, actor) -> Code:
    return codebook_services.code_create(study=transcript.study, actor=actor, **new_code)


def _batch(transcript: Transcript, actor, events: list[AuditEvent], applied: Applied) -> None:
    segment_batch(
        study=transcript.study,
        actor=actor,
        transcript=transcript,
        events=events,
        label=labels.stored(labels.CODED, names=applied.names),
    )


def _segments_create_on_span(
    *,
    transcript: Transcript,
    layer: Layer,
    codes: list[Code],
    start: int,
    end: int,
    quote: str | None,
    expected_version: int | None,
    memo: str,
    actor,
) -> list[Segment]:
    """Several codes on one span, inside the caller's transaction, in a constant number of
    queries: the transcript's lock, the codes' locks (one query, by primary key: one lock
    order for every writer), the codes the span has already in this layer (a double
    submit: no segment, as :func:`segment_create` answers), one insert for the segments
    made and one audit event each. The checks and what is stored are
    :func:`segment_create`'s. Returns the segments made, ordered by code id."""
    codes = sorted(codes, key=lambda c: c.pk)
    for code in codes:
        if code.study_id != transcript.study_id:
            raise ValidationError("That code belongs to another study.", code="code")
        if code.archived:
            raise ValidationError(f"The code “{code.name}” is archived.", code="archived")
        _refuse_category(code)
    if layer.study_id != transcript.study_id:
        raise ValidationError("That layer belongs to another study.", code="layer")
    memo = clean_memo_text(memo)
    ids = [code.pk for code in codes]
    lock_transcript(transcript, expected_version=expected_version)
    locked = lock_codes(ids)
    for code in codes:
        if code.pk not in locked:
            raise _code_gone(code)
    text = check_span(transcript=transcript, start=start, end=end, quote=quote)
    # Under the transcript's lock no other segment writer runs on this transcript.
    there = _codes_on_span(transcript.pk, layer.pk, start, end, ids)
    created_by = actor if getattr(actor, "is_authenticated", False) else None
    made = []
    for code in codes:
        if code.pk in there:
            continue
        segment = Segment(
            transcript=transcript,
            code=code,
            layer=layer,
            start=start,
            end=end,
            quote=text,
            memo=memo,
            created_by=created_by,
            provenance={},
        )
        segment.full_clean(
            exclude=["transcript", "code", "layer", "created_by"],
            validate_unique=False,
            validate_constraints=False,
        )
        made.append(segment)
    # One INSERT for the segments, one for their events (written out: issue 12).
    rows.insert(made)
    audit_many(
        [
            event_for(
                study=transcript.study,
                actor=actor,
                action="segment.create",
                obj=segment,
                after=segment_snapshot(segment),
            )
            for segment in made
        ]
    )
    return made


def _codes_on_span(transcript_id: int, layer_id: int, start: int, end: int, ids) -> set[int]:
    """The codes of ``ids`` the span has already in the layer. One query, written out."""
    table = connection.ops.quote_name(Segment._meta.db_table)
    marks = ", ".join(["%s"] * len(ids))
    sql = (
        f'SELECT "code_id" FROM {table} WHERE "transcript_id" = %s AND "layer_id" = %s '
        f'AND "start" = %s AND "end" = %s AND "code_id" IN ({marks})'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [transcript_id, layer_id, start, end, *ids])
        return {row[0] for row in cursor.fetchall()}


def segment_change(
    *,
    segment: Segment,
    code: Code,
    memo: str,
    span: dict | None = None,
    expected_version: int | None = None,
    actor=None,
) -> str:
    """The coding page's edit of one segment: its memo, its code and (``span``: ``start``,
    ``end``, ``quote``) its extent, in one transaction and one undo batch. Returns what was
    done, in words ("Memo saved", "Changed to ‘…’", "Span adjusted").

    Raises ValidationError as :func:`segment_update` does; nothing is saved then.
    """
    with recorded() as events:
        if code.pk == segment.code_id and span is None:
            segment_update_memo(segment=segment, memo=memo, actor=actor)
            return gettext("Memo saved")
        if code.pk != segment.code_id:
            label = labels.stored(labels.CHANGED_TO, code=code.name)
            text = with_user_content(gettext("Changed to ‘%(code)s’"), code=code.name)
        else:
            label = labels.stored(labels.SPAN_ADJUSTED)
            text = gettext("Span adjusted")
        with transaction.atomic():
            if memo != segment.memo:
                segment_update_memo(segment=segment, memo=memo, actor=actor)
            if span is not None:
                segment_update(
                    segment=segment,
                    code=code,
                    **span,
                    expected_version=expected_version,
                    actor=actor,
                )
            else:
                segment_update(segment=segment, code=code, actor=actor)
    segment_batch(
        study=segment.transcript.study,
        actor=actor,
        transcript=segment.transcript,
        events=events,
        label=label,
    )
    return text
