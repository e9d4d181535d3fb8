from __future__ import annotations

from django.urls import path

from coding.calibration import views

urlpatterns = [
    path("studies/<int:study_id>/calibration/", views.calibration_list, name="calibration_list"),
    path(
        "studies/<int:study_id>/calibration/new/",
        views.calibration_create,
        name="calibration_create",
    ),
    path(
        "studies/<int:study_id>/calibration/<int:round_id>/code/",
        views.calibration_code,
        name="calibration_code",
    ),
    path(
        "studies/<int:study_id>/calibration/<int:round_id>/",
        views.calibration_results,
        name="calibration_results",
    ),
    path(
        "studies/<int:study_id>/calibration/<int:round_id>/close/",
        views.calibration_close,
        name="calibration_close",
    ),
]
