"""Writes of the framework matrix: a cell's summary memo (participant × wave)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from coding.audit import audit, memo_snapshot
from coding.compare.framework import framework_memo_filter
from coding.models import FRAMEWORK_KEY, Code, Memo
from studies.models import Study

SUMMARY_MAX_LENGTH = 2000


def framework_summary_save(
    *, study: Study, participant, code: Code, wave, body: str, author
) -> Memo | None:
    """The framework matrix: write the summary of one framework cell (a Memo on the code whose ``extra`` names
    the participant and wave); an empty body deletes it. Returns the memo or None.

    Raises ValidationError for a body that is too long or objects of another study.
    """
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
                **framework_memo_filter(study, wave.pk),
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
