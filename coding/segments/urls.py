from __future__ import annotations

from django.urls import path

from coding.segments.views import (
    segment_create,
    segment_delete,
    segment_undo,
    segment_update,
    transcript_code,
    transcript_done,
    transcript_memo_create,
)

urlpatterns = [
    path(
        "studies/<int:study_id>/transcripts/<int:transcript_id>/",
        transcript_code,
        name="transcript_code",
    ),
    path(
        "studies/<int:study_id>/transcripts/<int:transcript_id>/segments/",
        segment_create,
        name="segment_create",
    ),
    path(
        "studies/<int:study_id>/transcripts/<int:transcript_id>/segments/<int:segment_id>/",
        segment_update,
        name="segment_update",
    ),
    path(
        "studies/<int:study_id>/transcripts/<int:transcript_id>/segments/<int:segment_id>/delete/",
        segment_delete,
        name="segment_delete",
    ),
    path(
        "studies/<int:study_id>/transcripts/<int:transcript_id>/undo/",
        segment_undo,
        name="segment_undo",
    ),
    path(
        "studies/<int:study_id>/transcripts/<int:transcript_id>/done/",
        transcript_done,
        name="transcript_done",
    ),
    path(
        "studies/<int:study_id>/transcripts/<int:transcript_id>/memos/",
        transcript_memo_create,
        name="transcript_memo_create",
    ),
]
