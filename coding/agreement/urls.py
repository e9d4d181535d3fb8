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
    path(
        "studies/<int:study_id>/agreement/over-time/",
        views.agreement_over_time,
        name="agreement_over_time",
    ),
    path(
        "studies/<int:study_id>/agreement/over-time/export/",
        views.agreement_over_time_export,
        name="agreement_over_time_export",
    ),
]
