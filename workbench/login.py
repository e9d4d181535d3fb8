"""The login page: Django's, told whether the demo study is there (then it names the demo's
logins; otherwise only how a person gets an account)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views

from studies.models import Study


class LoginView(auth_views.LoginView):
    def get_context_data(self, **kwargs):
        from workbench.demo.build import DEMO_STUDY_NAME  # the demo's code only when asked

        context = super().get_context_data(**kwargs)
        context["demo"] = Study.objects.filter(name=DEMO_STUDY_NAME).exists()
        return context
