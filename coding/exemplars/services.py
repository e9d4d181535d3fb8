"""Writes of exemplars: mark a segment for a code or a theme, unmark. Each an audit event."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from coding.audit import audit
from coding.memos.services import clean_memo_text
from coding.models import Code, Exemplar, Portrait, Segment, Theme


def _snapshot(ex: Exemplar) -> dict:
    return {
        "id": ex.pk,
        "segment_id": ex.segment_id,
        "code_id": ex.code_id,
        "theme_id": ex.theme_id,
        "note": ex.note,
        "created_by_id": ex.created_by_id,
    }


@transaction.atomic
def exemplar_create(
    *,
    segment: Segment,
    actor,
    code: Code | None = None,
    theme: Theme | None = None,
    note: str = "",
) -> Exemplar:
    """Mark ``segment`` as an exemplar of ``code`` or of ``theme`` (exactly one, of the
    segment's study). Raises ValidationError when neither or both are given, when they
    belong to another study, or when the segment already is that exemplar."""
    study_id = segment.transcript.study_id
    if (code is None) == (theme is None):
        raise ValidationError({"target": "Choose a code or a theme (one of them)."})
    if code is not None and code.study_id != study_id:
        raise ValidationError({"target": "No such code in this study."})
    if theme is not None and theme.study_id != study_id:
        raise ValidationError({"target": "No such theme in this study."})
    ex = Exemplar(
        segment=segment,
        code=code,
        theme=theme,
        note=clean_memo_text(note, field="note"),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    ex.full_clean(validate_constraints=False)
    duplicate = Exemplar.objects.filter(segment=segment, code=code, theme=theme).exists()
    if duplicate:
        raise ValidationError({"target": "This passage is already an exemplar of it."})
    try:
        with transaction.atomic():
            ex.save()
    except IntegrityError:
        raise ValidationError({"target": "This passage is already an exemplar of it."}) from None
    audit(
        study=segment.transcript.study,
        actor=actor,
        action="exemplar.create",
        obj=ex,
        after=_snapshot(ex),
    )
    return ex


@transaction.atomic
def exemplar_delete(*, exemplar: Exemplar, actor, study) -> None:
    """Unmark: the exemplar goes (the segment stays); the audit event keeps it."""
    before = _snapshot(exemplar)
    pk = exemplar.pk
    exemplar.delete()
    audit(
        study=study,
        actor=actor,
        action="exemplar.delete",
        object_type="exemplar",
        object_id=pk,
        before=before,
    )


@transaction.atomic
def portrait_save(*, participant, actor, text: str, generated: str) -> Portrait:
    """Store ``text`` as the participant's portrait, based on the summary ``generated``
    (kept so that a later summary can be compared with it)."""
    portrait, _ = Portrait.objects.get_or_create(participant=participant)
    before = {"text": portrait.text, "generated": portrait.generated}
    portrait.text = clean_memo_text(text, field="text")
    portrait.generated = (generated or "").strip()
    portrait.updated_by = actor if getattr(actor, "is_authenticated", False) else None
    portrait.full_clean()
    portrait.save(update_fields=["text", "generated", "updated_by", "updated_at"])
    audit(
        study=participant.study,
        actor=actor,
        action="portrait.update",
        obj=portrait,
        before=before,
        after={"text": portrait.text, "generated": portrait.generated},
    )
    return portrait


def portrait_regenerate(*, participant, actor, generated: str) -> Portrait:
    """Take the new generated summary as the portrait's base. A portrait never edited (its
    text is its old summary, or empty) becomes the new summary; an edited one keeps its
    text (the page showed what changed)."""
    portrait = Portrait.objects.filter(participant=participant).first()
    text = generated
    if portrait is not None and portrait.text and portrait.text != portrait.generated.strip():
        text = portrait.text
    return portrait_save(participant=participant, actor=actor, text=text, generated=generated)
