from __future__ import annotations

from django.apps import AppConfig


class WorkbenchConfig(AppConfig):
    """The project package: signal receivers for sessions and API tokens (no models)."""

    name = "workbench"
    verbose_name = "Workbench"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_save, pre_save

        from workbench import i18n, middleware, tokens

        user_model = get_user_model()
        user_logged_in.connect(middleware.mark_seen_at_login, dispatch_uid="workbench-seen")
        user_logged_in.connect(i18n.apply_at_login, dispatch_uid="workbench-language")
        pre_save.connect(
            tokens.note_password_change, sender=user_model, dispatch_uid="workbench-pw-pre"
        )
        post_save.connect(
            tokens.revoke_after_password_change,
            sender=user_model,
            dispatch_uid="workbench-pw-post",
        )
