from __future__ import annotations

from django.urls import path

from coding.search import autocode_views, views

urlpatterns = [
    path("studies/<int:study_id>/search/", views.search_page, name="search"),
    path("studies/<int:study_id>/search/autocode/", autocode_views.autocode_page, name="autocode"),
    path(
        "studies/<int:study_id>/search/autocode/<int:batch_id>/undo/",
        autocode_views.autocode_undo,
        name="autocode_undo",
    ),
]
