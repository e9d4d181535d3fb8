from __future__ import annotations

from django.urls import path

from coding.exemplars import views

urlpatterns = [
    path("studies/<int:study_id>/exemplars/", views.exemplar_list, name="exemplar_list"),
    path("studies/<int:study_id>/exemplars/new/", views.exemplar_create, name="exemplar_create"),
    path(
        "studies/<int:study_id>/exemplars/<int:exemplar_id>/delete/",
        views.exemplar_delete,
        name="exemplar_delete",
    ),
    path("studies/<int:study_id>/results/themes/", views.theme_report, name="theme_report"),
    path("studies/<int:study_id>/results/portraits/", views.portrait_list, name="portrait_list"),
    path(
        "studies/<int:study_id>/results/portraits/<int:participant_id>/",
        views.portrait_detail,
        name="portrait_detail",
    ),
]
