from __future__ import annotations

from django.urls import path

from coding.search import views

urlpatterns = [
    path("studies/<int:study_id>/search/", views.search_page, name="search"),
]
