from __future__ import annotations

from django.urls import path

from coding.exchange.views import exchange, qdc_export, qdpx_export, qdpx_import

urlpatterns = [
    path("studies/<int:study_id>/exchange/", exchange, name="exchange"),
    path("studies/<int:study_id>/export/project.qdpx", qdpx_export, name="qdpx_export"),
    path("studies/<int:study_id>/export/codebook.qdc", qdc_export, name="qdc_export"),
    path("studies/<int:study_id>/import/qdpx/", qdpx_import, name="qdpx_import"),
]
