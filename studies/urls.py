from __future__ import annotations

from django.urls import path, register_converter

from studies import attribute_views, media_views, views

app_name = "studies"


class KindConverter:
    regex = "group|wave"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(KindConverter, "kind")

urlpatterns = [
    path("studies/", views.study_list, name="study_list"),
    path("studies/new/", views.study_create, name="study_create"),
    path("studies/<int:study_id>/", views.study_dashboard, name="study_dashboard"),
    path("studies/<int:study_id>/setup/", views.study_setup, name="study_setup"),
    path("studies/<int:study_id>/delete/", views.study_delete, name="study_delete"),
    path("studies/<int:study_id>/setup/<kind:kind>/", views.ordered_create, name="ordered_create"),
    path(
        "studies/<int:study_id>/setup/<kind:kind>/<int:pk>/<str:action>/",
        views.ordered_action,
        name="ordered_action",
    ),
    path("studies/<int:study_id>/members/", views.member_add, name="member_add"),
    path(
        "studies/<int:study_id>/invitations/",
        views.invitation_create,
        name="invitation_create",
    ),
    path(
        "studies/<int:study_id>/invitations/<int:pk>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path(
        "invitations/<int:pk>/<str:action>/",
        views.invitation_respond,
        name="invitation_respond",
    ),
    path(
        "studies/<int:study_id>/members/<int:pk>/<str:action>/",
        views.member_action,
        name="member_action",
    ),
    path("studies/<int:study_id>/participants/", views.participant_list, name="participant_list"),
    path(
        "studies/<int:study_id>/attributes/",
        attribute_views.attribute_create,
        name="attribute_create",
    ),
    path(
        "studies/<int:study_id>/attributes/<int:pk>/",
        attribute_views.attribute_update,
        name="attribute_update",
    ),
    path(
        "studies/<int:study_id>/attributes/<int:pk>/delete/",
        attribute_views.attribute_delete,
        name="attribute_delete",
    ),
    path(
        "studies/<int:study_id>/participants/import/",
        views.participant_import,
        name="participant_import",
    ),
    path(
        "studies/<int:study_id>/participants/<int:pk>/",
        views.participant_edit,
        name="participant_edit",
    ),
    path(
        "studies/<int:study_id>/participants/<int:pk>/delete/",
        views.participant_delete,
        name="participant_delete",
    ),
    path("studies/<int:study_id>/transcripts/", views.transcript_list, name="transcript_list"),
    path(
        "studies/<int:study_id>/transcripts/upload/",
        views.transcript_upload,
        name="transcript_upload",
    ),
    path(
        "studies/<int:study_id>/transcripts/import/",
        views.transcript_bulk_import,
        name="transcript_bulk_import",
    ),
    path(
        "studies/<int:study_id>/transcripts/<int:pk>/edit/",
        views.transcript_edit,
        name="transcript_edit",
    ),
    path(
        "studies/<int:study_id>/transcripts/<int:pk>/delete/",
        views.transcript_delete,
        name="transcript_delete",
    ),
    path(
        "studies/<int:study_id>/transcripts/<int:pk>/text/",
        views.transcript_text,
        name="transcript_text",
    ),
    path(
        "studies/<int:study_id>/transcripts/<int:pk>/media/",
        media_views.transcript_media_upload,
        name="transcript_media_upload",
    ),
    path(
        "studies/<int:study_id>/transcripts/<int:pk>/media/remove/",
        media_views.transcript_media_remove,
        name="transcript_media_remove",
    ),
    path(
        "studies/<int:study_id>/transcripts/<int:pk>/media/file/",
        media_views.transcript_media_file,
        name="transcript_media_file",
    ),
]
