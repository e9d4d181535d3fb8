"""Reads of the memo list: memos and the memo fields of segments, as one list.

Permissions come from :func:`studies.access.visible_memos` and
:func:`studies.access.visible_layers`: memos on segments of hidden layers are left out, so a
fragment requested alone shows exactly what the page would.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db.models import CharField, F, QuerySet, Value
from django.urls import reverse

from coding.codebook import selectors as codebook_selectors
from coding.models import Memo, Segment
from coding.retrieval.selectors import segment_link
from studies.access import StudyAccess, can_edit_memo, visible_layers, visible_memos
from studies.models import Transcript
from workbench.lib.http import maybe_url

PAGE_SIZE = 100


@dataclass
class MemoEntry:
    """One line of the memo list: a Memo, or the memo field of a Segment."""

    source: str  # "memo" or "segment"
    pk: int
    kind: str
    title: str
    body: str
    author: Any
    created_at: dt.datetime
    updated_at: dt.datetime
    transcript: Transcript | None
    code_path: str
    segment: Segment | None
    link: str | None
    can_edit: bool

    @property
    def dom_id(self) -> str:
        return f"memo-{self.source}-{self.pk}"


def _memo_kind(transcript_id, code_id, segment_id) -> str:
    if segment_id:
        return "segment"
    if transcript_id:
        return "transcript"
    if code_id:
        return "code"
    return "study"


def memo_rows(access: StudyAccess, kind: str) -> QuerySet:
    """Memos and segment memo fields as one sortable value query (a UNION), newest first."""
    memos = visible_memos(access)
    if kind == "study":
        memos = memos.filter(transcript__isnull=True, code__isnull=True, segment__isnull=True)
    elif kind == "transcript":
        memos = memos.filter(transcript__isnull=False, segment__isnull=True)
    elif kind == "code":
        memos = memos.filter(code__isnull=False, transcript__isnull=True, segment__isnull=True)
    elif kind == "segment":
        memos = memos.filter(segment__isnull=False)
    # Only annotations, in one order on both sides: UNION matches columns by position.
    # Clear the models' default ordering: SQL forbids ORDER BY inside the UNION's parts.
    memo_values = memos.order_by().values(
        m_source=Value("memo", output_field=CharField()),
        m_id=F("pk"),
        m_title=F("title"),
        m_body=F("body"),
        m_author=F("author_id"),
        m_created=F("created_at"),
        m_updated=F("updated_at"),
        m_transcript=F("transcript_id"),
        m_code=F("code_id"),
        m_segment=F("segment_id"),
    )
    if kind not in ("", "segment"):
        return memo_values.order_by("-m_updated", "-m_id")
    segment_values = (
        Segment.objects.filter(transcript__study=access.study, layer__in=visible_layers(access))
        .exclude(memo="")
        .order_by()
        .values(
            m_source=Value("segment", output_field=CharField()),
            m_id=F("pk"),
            m_title=Value("", output_field=CharField()),
            m_body=F("memo"),
            m_author=F("created_by_id"),
            m_created=F("created_at"),
            m_updated=F("updated_at"),
            m_transcript=F("transcript_id"),
            m_code=F("code_id"),
            m_segment=F("pk"),
        )
    )
    union = memo_values.union(segment_values, all=True)
    return union.order_by("-m_updated", "-m_source", "-m_id")


def _row_of(memo: Memo) -> dict[str, Any]:
    """A memo as the row :func:`memo_rows` would give for it."""
    return {
        "m_source": "memo",
        "m_id": memo.pk,
        "m_title": memo.title,
        "m_body": memo.body,
        "m_author": memo.author_id,
        "m_created": memo.created_at,
        "m_updated": memo.updated_at,
        "m_transcript": memo.transcript_id,
        "m_code": memo.code_id,
        "m_segment": memo.segment_id,
    }


def _link(study_id: int, kind: str, row: dict, segment: Segment | None) -> str | None:
    if segment is not None:
        return segment_link(study_id, segment)
    if kind == "transcript":
        return maybe_url("coding:transcript_code", study_id, row["m_transcript"])
    if kind == "code":
        return reverse("coding:retrieval", args=[study_id]) + f"?code={row['m_code']}"
    return None


def memo_entries(
    access: StudyAccess, rows: list[dict], book: codebook_selectors.Codebook
) -> list[MemoEntry]:
    """Entries for one page of rows: authors, transcripts and segments in 3 queries."""
    study_id = access.study.pk
    user_ids = {r["m_author"] for r in rows if r["m_author"]}
    transcript_ids = {r["m_transcript"] for r in rows if r["m_transcript"]}
    segment_ids = {r["m_segment"] for r in rows if r["m_segment"]}
    users = get_user_model().objects.in_bulk(user_ids) if user_ids else {}
    transcripts = Transcript.objects.for_list().in_bulk(transcript_ids) if transcript_ids else {}
    segments = (
        Segment.objects.select_related("layer__user").defer("provenance").in_bulk(segment_ids)
        if segment_ids
        else {}
    )
    entries = []
    for r in rows:
        kind = _memo_kind(r["m_transcript"], r["m_code"], r["m_segment"])
        segment = segments.get(r["m_segment"])
        entries.append(
            MemoEntry(
                source=r["m_source"],
                pk=r["m_id"],
                kind=kind,
                title=r["m_title"] or "",
                body=r["m_body"],
                author=users.get(r["m_author"]),
                created_at=r["m_created"],
                updated_at=r["m_updated"],
                transcript=transcripts.get(r["m_transcript"]),
                code_path=book.path(segment.code_id if segment else r["m_code"]),
                segment=segment,
                link=_link(study_id, kind, r, segment),
                can_edit=r["m_source"] == "memo" and can_edit_memo(access, r["m_author"]),
            )
        )
    return entries


def memo_entry(access: StudyAccess, memo: Memo) -> MemoEntry:
    """The list entry of one memo (after an edit)."""
    return memo_entries(access, [_row_of(memo)], codebook_selectors.codebook_for(access))[0]


def memo_page(
    access: StudyAccess, *, kind: str, page: str | None, book: codebook_selectors.Codebook
) -> tuple[Page, list[MemoEntry]]:
    """One page of the memo list (``kind`` as :func:`memo_rows`) and its entries."""
    paged = Paginator(memo_rows(access, kind), PAGE_SIZE).get_page(page)
    return paged, memo_entries(access, list(paged.object_list), book)


def memo_targets(
    access: StudyAccess, book: codebook_selectors.Codebook
) -> dict[str, list[tuple[str, str]]]:
    """What a new memo can be about: the study, a transcript (title only) or a code."""
    transcripts = Transcript.objects.filter(study=access.study).only("pk", "title")
    return {
        "transcripts": [(f"transcript-{t.pk}", t.title) for t in transcripts],
        "codes": [(f"code-{n.pk}", n.path) for n in book.walk()],
    }
