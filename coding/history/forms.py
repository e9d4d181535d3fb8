"""The audit page's filters."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from coding.history.log import AuditFilters


class AuditFilterForm(forms.Form):
    actor = forms.ChoiceField(label=gettext_lazy("Person"), required=False)
    action = forms.ChoiceField(label=gettext_lazy("Kind of change"), required=False)
    object_type = forms.ChoiceField(label=gettext_lazy("Object"), required=False)
    object_id = forms.IntegerField(label=gettext_lazy("Object id"), required=False, min_value=0)
    date_from = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, choices: dict, **kwargs):
        """``choices``: :func:`coding.history.log.filter_choices` of the study."""
        super().__init__(*args, **kwargs)
        self.fields["actor"].choices = [("", "Anyone"), *choices["actors"]]
        kinds = sorted({a.split(".")[0] for _, a in choices["actions"]})
        self.fields["action"].choices = [
            ("", "Any change"),
            ("Every change to", [(k, f"any {k} change") for k in kinds]),
            ("Exactly", choices["actions"]),
        ]
        self.fields["object_type"].choices = [("", "Any object"), *choices["object_types"]]

    def filters(self) -> AuditFilters:
        """The filters of a valid bound form; none (every event) otherwise."""
        if not self.is_bound or not self.is_valid():
            return AuditFilters()
        data = self.cleaned_data
        return AuditFilters(
            actor_id=int(data["actor"]) if data.get("actor") else None,
            action=data.get("action") or "",
            object_type=data.get("object_type") or "",
            object_id=data.get("object_id"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
