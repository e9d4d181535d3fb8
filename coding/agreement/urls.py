from __future__ import annotations

from django.urls import path

from coding.agreement import views

urlpatterns = [
    path("studies/<int:study_id>/agreement/", views.agreement_report, name="agreement_report"),
    path(
        "studies/<int:study_id>/agreement/export/",
        views.agreement_export,
        name="agreement_export",
    ),
]
