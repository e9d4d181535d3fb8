from __future__ import annotations

from django.urls import path

from coding.words import views

urlpatterns = [
    path("studies/<int:study_id>/words/", views.words_page, name="words"),
]
