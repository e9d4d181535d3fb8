"""The form that sets up a calibration round."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from coding.agreement.loading import report_layers
from coding.models import Code
from studies.access import StudyAccess
from studies.models import Role, Transcript


class RoundForm(forms.Form):
    name = forms.CharField(
        max_length=200, label=_("Name"), widget=forms.TextInput(attrs={"translate": "no"})
    )
    instructions = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "translate": "no"}),
        required=False,
        label=_("Instructions"),
    )
    single_code = forms.BooleanField(required=False, label=_("One code per excerpt (nominal data)"))
    codes = forms.ModelMultipleChoiceField(
        queryset=Code.objects.none(),
        required=False,
        label=_("Codes"),
        help_text=_("None chosen: every active code."),
        widget=forms.SelectMultiple(attrs={"translate": "no"}),
    )
    coders = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"translate": "no"}),
        label=_("Coders"),
    )
    source = forms.ChoiceField(
        choices=[
            ("layer", _("Take one layer's segments as excerpts")),
            ("spans", _("List the spans by hand")),
        ],
        widget=forms.RadioSelect,
        initial="layer",
        label=_("Source"),
    )
    layer = forms.ChoiceField(
        required=False, label=_("Layer"), widget=forms.Select(attrs={"translate": "no"})
    )
    transcripts = forms.ModelMultipleChoiceField(
        queryset=Transcript.objects.none(),
        required=False,
        label=_("Transcripts"),
        help_text=_("None chosen: all transcripts."),
        widget=forms.SelectMultiple(attrs={"translate": "no"}),
    )
    limit = forms.IntegerField(
        min_value=1,
        max_value=500,
        initial=20,
        label=_("At most this many excerpts (spread evenly)"),
    )
    spans = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        label=_("Spans"),
        help_text=_(
            "One excerpt per line: transcript number, start and end offsets, e.g. "
            "“12 340 512”. Transcript numbers are shown in the list above."
        ),
    )

    def __init__(self, *args: Any, access: StudyAccess, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        study = access.study
        self.layer_objects = {la.key: la for la in report_layers(access)}
        self.fields["codes"].queryset = Code.objects.filter(study=study, archived=False)
        self.fields["coders"].queryset = (
            get_user_model()
            .objects.filter(
                memberships__study=study, memberships__role__in=[Role.OWNER, Role.CODER]
            )
            .order_by("username")
        )
        self.fields["layer"].choices = [(k, la.label) for k, la in self.layer_objects.items()]
        self.fields["transcripts"].queryset = Transcript.objects.filter(study=study).defer("text")
        self.fields["transcripts"].label_from_instance = lambda t: f"{t.title} (#{t.pk})"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("source") == "spans":
            parsed = []
            for n, line in enumerate((data.get("spans") or "").splitlines(), start=1):
                if not line.strip():
                    continue
                try:
                    tid, start, end = (int(v) for v in line.replace(",", " ").split())
                except ValueError:
                    self.add_error(
                        "spans",
                        gettext("Line %(n)s: write the transcript number, start, end.") % {"n": n},
                    )
                    continue
                parsed.append((tid, start, end))
            data["parsed_spans"] = parsed
        elif data.get("source") == "layer" and data.get("layer") not in self.layer_objects:
            self.add_error("layer", gettext("Choose the layer whose segments become the excerpts."))
        return data
