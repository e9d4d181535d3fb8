from __future__ import annotations

from django.urls import path

from coding.themes import views

urlpatterns = [
    path("studies/<int:study_id>/themes/", views.theme_board, name="theme_board"),
    path("studies/<int:study_id>/themes/new/", views.theme_create, name="theme_create"),
    path("studies/<int:study_id>/themes/merge/", views.theme_merge, name="theme_merge"),
    path("studies/<int:study_id>/themes/<int:theme_id>/", views.theme_detail, name="theme_detail"),
    path(
        "studies/<int:study_id>/themes/<int:theme_id>/edit/",
        views.theme_update,
        name="theme_update",
    ),
    path(
        "studies/<int:study_id>/themes/<int:theme_id>/status/",
        views.theme_status,
        name="theme_status",
    ),
    path(
        "studies/<int:study_id>/themes/<int:theme_id>/codes/",
        views.theme_codes,
        name="theme_codes",
    ),
    path(
        "studies/<int:study_id>/themes/<int:theme_id>/through-line/",
        views.theme_through_line,
        name="theme_through_line",
    ),
    path(
        "studies/<int:study_id>/themes/<int:theme_id>/split/",
        views.theme_split,
        name="theme_split",
    ),
    path("studies/<int:study_id>/journal/", views.journal, name="journal"),
    path("studies/<int:study_id>/journal/new/", views.journal_create, name="journal_create"),
]
