"""The user's profile: password link and personal API tokens."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from studies.models import ApiToken, TokenScope
from workbench import tokens
from workbench.lib.http import add_form_errors

LIFETIMES = [
    ("30", gettext_lazy("30 days")),
    ("90", gettext_lazy("90 days")),
    ("365", gettext_lazy("1 year")),
    ("never", gettext_lazy("Never expires")),
]


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        label=gettext_lazy("Name"),
        help_text=gettext_lazy("What the token is for, e.g. “R on my laptop”."),
    )
    scope = forms.ChoiceField(
        choices=TokenScope.choices,
        initial=TokenScope.READ,
        required=False,
        widget=forms.RadioSelect,
        label=gettext_lazy("Access"),
        help_text=gettext_lazy("Read only is enough to pull data into R or pandas."),
    )
    lifetime = forms.ChoiceField(
        choices=LIFETIMES, initial="90", required=False, label=gettext_lazy("Expires after")
    )

    def clean_scope(self) -> str:
        return self.cleaned_data["scope"] or TokenScope.READ  # least privilege by default

    def days(self) -> int | None:
        value = self.cleaned_data["lifetime"] or "90"
        return None if value == "never" else int(value)


def _render(request, *, form: TokenForm, new_key: str = "", new_token=None, status: int = 200):
    context = {
        "tokens": ApiToken.objects.filter(user=request.user),
        "now": timezone.now(),
        "form": form,
        "new_key": new_key,
        "new_token": new_token,
        "api_url": request.build_absolute_uri(reverse("api:study_list")),
        "docs_url": reverse("api:openapi-view"),
    }
    return render(request, "account/profile.html", context, status=status)


@never_cache
@login_required
def profile(request):
    return _render(request, form=TokenForm())


@never_cache
@login_required
@require_POST
def token_create(request):
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _render(request, form=form)
    try:
        token, key = tokens.token_create(
            user=request.user,
            name=form.cleaned_data["name"],
            scope=form.cleaned_data["scope"],
            days=form.days(),
        )
    except ValidationError as exc:
        add_form_errors(form, exc)
        return _render(request, form=form)
    # The key is shown in this answer only (it is never stored), hence no redirect.
    return _render(request, form=TokenForm(), new_key=key, new_token=token)


@login_required
@require_POST
def token_revoke(request, token_id: int):
    if not tokens.token_revoke(user=request.user, token_id=token_id):
        raise Http404(_("No such token."))
    messages.success(request, _("Token revoked: scripts using it can no longer sign in."))
    return redirect("profile")
