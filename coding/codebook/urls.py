from __future__ import annotations

from django.urls import path

from coding.codebook.views import (
    code_adopt,
    code_archive,
    code_create,
    code_merge,
    code_move,
    code_update,
    codebook,
    codebook_export,
    codebook_import,
)

urlpatterns = [
    path("studies/<int:study_id>/codes/", codebook, name="codebook"),
    path("studies/<int:study_id>/codes/new/", code_create, name="code_create"),
    path("studies/<int:study_id>/codes/export.csv", codebook_export, name="codebook_export"),
    path("studies/<int:study_id>/codes/import/", codebook_import, name="codebook_import"),
    # One URL: GET shows the code (detail panel), POST saves it.
    path("studies/<int:study_id>/codes/<int:code_id>/", code_update, name="code_update"),
    path("studies/<int:study_id>/codes/<int:code_id>/", code_update, name="code_detail"),
    path("studies/<int:study_id>/codes/<int:code_id>/move/", code_move, name="code_move"),
    path("studies/<int:study_id>/codes/<int:code_id>/merge/", code_merge, name="code_merge"),
    path("studies/<int:study_id>/codes/<int:code_id>/archive/", code_archive, name="code_archive"),
    path("studies/<int:study_id>/codes/<int:code_id>/adopt/", code_adopt, name="code_adopt"),
]
