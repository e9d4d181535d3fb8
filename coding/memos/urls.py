from __future__ import annotations

from django.urls import path

from coding.memos import views

urlpatterns = [
    path("studies/<int:study_id>/memos/", views.memo_list, name="memo_list"),
    path("studies/<int:study_id>/memos/new/", views.memo_create, name="memo_create"),
    path("studies/<int:study_id>/memos/<int:memo_id>/edit/", views.memo_update, name="memo_update"),
    path(
        "studies/<int:study_id>/memos/<int:memo_id>/delete/", views.memo_delete, name="memo_delete"
    ),
]
