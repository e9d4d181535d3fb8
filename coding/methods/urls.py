from __future__ import annotations

from django.urls import path

from coding.methods import views

urlpatterns = [
    path("studies/<int:study_id>/methods/", views.methods_appendix, name="methods_appendix"),
    path("studies/<int:study_id>/methods/export/", views.methods_export, name="methods_export"),
]
