from __future__ import annotations

from django.urls import path

from coding.assignments import views

urlpatterns = [
    path("studies/<int:study_id>/assignments/", views.assignments_page, name="assignments"),
    path(
        "studies/<int:study_id>/assignments/bulk/",
        views.assignments_bulk,
        name="assignments_bulk",
    ),
    path(
        "studies/<int:study_id>/assignments/sample/",
        views.assignments_sample,
        name="assignments_sample",
    ),
]
