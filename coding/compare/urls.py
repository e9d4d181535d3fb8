"""URLs of the comparison pages: the matrix, trajectories, co-occurrence and framework."""

from __future__ import annotations

from django.urls import path

from coding.compare.views import (
    compare_cooccurrence,
    compare_framework,
    compare_framework_summary,
    compare_matrix,
    compare_passages,
    compare_trajectory,
)

urlpatterns = [
    path("studies/<int:study_id>/compare/", compare_matrix, name="compare_matrix"),
    path(
        "studies/<int:study_id>/compare/trajectories/",
        compare_trajectory,
        name="compare_trajectory",
    ),
    path(
        "studies/<int:study_id>/compare/cooccurrence/",
        compare_cooccurrence,
        name="compare_cooccurrence",
    ),
    path(
        "studies/<int:study_id>/compare/cooccurrence/passages/",
        compare_passages,
        name="compare_passages",
    ),
    path(
        "studies/<int:study_id>/compare/framework/",
        compare_framework,
        name="compare_framework",
    ),
    path(
        "studies/<int:study_id>/compare/framework/summary/",
        compare_framework_summary,
        name="compare_framework_summary",
    ),
]
