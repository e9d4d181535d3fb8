from __future__ import annotations

from django.urls import path

from coding.codebook.version_views import (
    codebook_change_decision,
    codebook_change_reason,
    codebook_version_create,
    codebook_version_diff,
    codebook_version_export,
    codebook_versions,
)
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
    path("studies/<int:study_id>/codes/versions/", codebook_versions, name="codebook_versions"),
    path(
        "studies/<int:study_id>/codes/versions/new/",
        codebook_version_create,
        name="codebook_version_create",
    ),
    path(
        "studies/<int:study_id>/codes/versions/diff/",
        codebook_version_diff,
        name="codebook_version_diff",
    ),
    path(
        "studies/<int:study_id>/codes/versions/<int:version_id>/export.<str:fmt>",
        codebook_version_export,
        name="codebook_version_export",
    ),
    path(
        "studies/<int:study_id>/codes/changes/<int:event_id>/reason/",
        codebook_change_reason,
        name="codebook_change_reason",
    ),
    path(
        "studies/<int:study_id>/codes/changes/<int:event_id>/decision/",
        codebook_change_decision,
        name="codebook_change_decision",
    ),
]
