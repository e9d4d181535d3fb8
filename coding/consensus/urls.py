from __future__ import annotations

from django.urls import path

from coding.consensus import views

urlpatterns = [
    path(
        "studies/<int:study_id>/agreement/transcripts/<int:transcript_id>/codes/<int:code_id>/",
        views.disagreements,
        name="disagreements",
    ),
    path(
        "studies/<int:study_id>/consensus/decide/", views.consensus_decide, name="consensus_decide"
    ),
    path(
        "studies/<int:study_id>/consensus/copy-agreed/",
        views.consensus_copy_agreed,
        name="consensus_copy_agreed",
    ),
    path(
        "studies/<int:study_id>/consensus/decisions/<int:decision_id>/undo/",
        views.consensus_undo,
        name="consensus_undo",
    ),
    path(
        "studies/<int:study_id>/consensus/progress/",
        views.consensus_progress,
        name="consensus_progress",
    ),
]
