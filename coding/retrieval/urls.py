from __future__ import annotations

from django.urls import path

from coding.retrieval import views

urlpatterns = [
    path("studies/<int:study_id>/retrieval/", views.retrieval, name="retrieval"),
    path(
        "studies/<int:study_id>/retrieval/export.<str:fmt>",
        views.retrieval_export,
        name="retrieval_export",
    ),
    path(
        "studies/<int:study_id>/segments/<int:segment_id>/reviewed/",
        views.segment_reviewed,
        name="segment_reviewed",
    ),
]
