from __future__ import annotations

from django.urls import path

from coding.history import views

urlpatterns = [
    path("studies/<int:study_id>/audit/", views.audit_page, name="audit"),
    path("studies/<int:study_id>/audit/export.<str:fmt>", views.audit_export, name="audit_export"),
    path(
        "studies/<int:study_id>/audit/<int:event_id>/restore/",
        views.audit_restore,
        name="audit_restore",
    ),
]
