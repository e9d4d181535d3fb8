"""Writes of memos (study, transcript, code and segment memos, and the framework matrix's cell
summaries). Every function validates on the server and records an audit event."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from coding.audit import audit, memo_snapshot
from coding.models import (
    MEMO_MAX_CHARS,
    Code,
    Memo,
    Segment,
)
from studies.models import Study, Transcript


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
            raise ValidationError(_("That memo's subject belongs to another study."))
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
