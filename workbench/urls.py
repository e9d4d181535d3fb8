from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog

from studies import views as study_views
from workbench import i18n, profile
from workbench.api import api
from workbench.login import LoginView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="studies:study_list", permanent=False)),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/profile/", profile.profile, name="profile"),
    path("i18n/language/", i18n.set_language, name="set_language"),
    # gettext() for static/js: the strings of djangojs.po in the active language.
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/profile/tokens/", profile.token_create, name="profile_token_create"),
    path(
        "accounts/profile/tokens/<int:token_id>/revoke/",
        profile.token_revoke,
        name="profile_token_revoke",
    ),
    # An invitation link: opened by people who may have no account yet.
    path("invitations/<str:token>/", study_views.invitation_accept, name="invitation_accept"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("studies.urls")),
    path("", include("coding.urls")),
]
