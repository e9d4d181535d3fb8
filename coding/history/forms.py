"""The audit page's filters."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext, gettext_lazy, pgettext

from coding.history.log import AuditFilters


class AuditFilterForm(forms.Form):
    actor = forms.ChoiceField(
        label=gettext_lazy("Person"), required=False, widget=forms.Select(attrs={"translate": "no"})
    )
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
        self.fields["actor"].choices = [("", gettext("Anyone")), *choices["actors"]]
        kinds = sorted({a.split(".")[0] for _, a in choices["actions"]})
        every = gettext("any %(kind)s change")
        self.fields["action"].choices = [
            ("", gettext("Any change")),
            (gettext("Every change to"), [(k, every % {"kind": kind_word(k)}) for k in kinds]),
            (gettext("Exactly"), choices["actions"]),
        ]
        self.fields["object_type"].choices = [
            ("", gettext("Any object")),
            *[(value, kind_word(value)) for value, _label in choices["object_types"]],
        ]

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


def kind_word(kind: str) -> str:
    """An audit object type (``segment``, ``code``…) in the interface's language."""
    words = {
        "segment": pgettext("audit object", "segment"),
        "code": pgettext("audit object", "code"),
        "memo": pgettext("audit object", "memo"),
        "transcript": pgettext("audit object", "transcript"),
        "participant": pgettext("audit object", "participant"),
        "study": pgettext("audit object", "study"),
        "group": pgettext("audit object", "group"),
        "wave": pgettext("audit object", "wave"),
        "attribute": pgettext("audit object", "attribute"),
        "consensus": pgettext("audit object", "consensus"),
        "layer": pgettext("audit object", "layer"),
        "invitation": pgettext("audit object", "invitation"),
        "membership": pgettext("audit object", "membership"),
        "member": pgettext("audit object", "member"),
        "codebook": pgettext("audit object", "codebook"),
        "calibration": pgettext("audit object", "calibration"),
        "theme": pgettext("audit object", "theme"),
        "journal": pgettext("audit object", "journal"),
        "exemplar": pgettext("audit object", "exemplar"),
        "portrait": pgettext("audit object", "portrait"),
        "assignment": pgettext("audit object", "assignment"),
        "framework": pgettext("audit object", "framework"),
        "autocode": pgettext("audit object", "autocode"),
        "job": pgettext("audit object", "job"),
        "journalentry": pgettext("audit object", "journal entry"),
        "codebookversion": pgettext("audit object", "codebook version"),
        "user": pgettext("audit object", "user"),
        "token": pgettext("audit object", "token"),
    }
    return words.get(kind, kind)
