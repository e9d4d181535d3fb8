"""Writes for the coding app. Every function validates on the server and records an audit event."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from coding.models import AuditEvent, Code, Layer, LayerKind, Segment
from studies.models import Study, Transcript


def audit(*, study: Study, actor, action: str, obj=None, object_type: str = "",
          object_id: int | None = None, before=None, after=None) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj._meta.model_name
        object_id = obj.pk if object_id is None else object_id
    return AuditEvent.objects.create(
        study=study,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        before=before,
        after=after,
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


def check_span(*, transcript: Transcript, start, end, quote: str | None = None) -> str:
    """Validate half-open code-point offsets against the canonical text; return the quote.

    When ``quote`` is given (what the browser saw), it must equal ``text[start:end]``:
    otherwise the page is stale or the browser counted in another unit.
    """
    if isinstance(start, bool) or isinstance(end, bool) or not isinstance(start, int) or not isinstance(end, int):
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


def segment_create(*, transcript: Transcript, code: Code, layer: Layer, start: int, end: int,
                   quote: str | None = None, memo: str = "", actor=None,
                   provenance: dict | None = None) -> tuple[Segment, bool]:
    """Create a segment, or return the identical one that exists (a double submit).

    Returns ``(segment, created)``. Raises ValidationError for bad offsets, a stale quote,
    a code or layer of another study, or an archived code.
    """
    if code.study_id != transcript.study_id:
        raise ValidationError("That code belongs to another study.", code="code")
    if layer.study_id != transcript.study_id:
        raise ValidationError("That layer belongs to another study.", code="layer")
    if code.archived:
        raise ValidationError(f"The code “{code.name}” is archived.", code="archived")
    text = check_span(transcript=transcript, start=start, end=end, quote=quote)
    memo = (memo or "").strip()
    existing = Segment.objects.filter(
        transcript=transcript, code=code, layer=layer, start=start, end=end
    ).first()
    if existing is not None:
        return existing, False
    segment = Segment(
        transcript=transcript, code=code, layer=layer, start=start, end=end, quote=text,
        memo=memo, created_by=actor if getattr(actor, "is_authenticated", False) else None,
        provenance=provenance or {},
    )
    segment.full_clean(exclude=["transcript", "code", "layer", "created_by"], validate_unique=False)
    try:
        with transaction.atomic():
            segment.save()
            audit(study=transcript.study, actor=actor, action="segment.create", obj=segment,
                  after=segment_snapshot(segment))
    except IntegrityError:
        # A concurrent identical submit won the race: return its segment.
        existing = Segment.objects.filter(
            transcript=transcript, code=code, layer=layer, start=start, end=end
        ).first()
        if existing is None:
            raise
        return existing, False
    return segment, True


def segment_delete(*, segment: Segment, actor=None) -> None:
    with transaction.atomic():
        audit(study=segment.transcript.study, actor=actor, action="segment.delete",
              obj=segment, before=segment_snapshot(segment))
        segment.delete()


def segment_update_memo(*, segment: Segment, memo: str, actor=None) -> Segment:
    before = segment_snapshot(segment)
    segment.memo = (memo or "").strip()
    segment.full_clean(exclude=["transcript", "code", "layer", "created_by"], validate_unique=False)
    with transaction.atomic():
        segment.save(update_fields=["memo", "updated_at"])
        audit(study=segment.transcript.study, actor=actor, action="segment.memo", obj=segment,
              before=before, after=segment_snapshot(segment))
    return segment


def code_create(*, study: Study, name: str, parent: Code | None = None, description: str = "",
                inclusion: str = "", exclusion: str = "", example: str = "",
                color: str = "#0072B2", actor=None) -> Code:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "A code needs a name."})
    if parent is not None and parent.study_id != study.pk:
        raise ValidationError({"parent": "The parent code belongs to another study."})
    siblings = Code.objects.filter(study=study, parent=parent)
    if siblings.filter(name__iexact=name).exists():
        where = f"under “{parent.name}”" if parent else "at the top level"
        raise ValidationError({"name": f"A code named “{name}” already exists {where}."})
    position = siblings.count()
    code = Code(study=study, parent=parent, name=name, description=description,
                inclusion=inclusion, exclusion=exclusion, example=example, color=color,
                position=position)
    code.full_clean(exclude=["study", "parent"], validate_constraints=False)
    with transaction.atomic():
        code.save()
        audit(study=study, actor=actor, action="code.create", obj=code,
              after={"name": name, "parent_id": parent.pk if parent else None})
    return code
