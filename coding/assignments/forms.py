"""Forms of the Assignments page: the filter, the bulk assignment and the sampler."""

from __future__ import annotations

import secrets

from django import forms
from django.utils.translation import gettext_lazy

from coding.assignments.selectors import Column

MAX_SEED = 2**63 - 1


def _coder_choices(cols: list[Column]):
    return [(c.user_id, c.username) for c in cols]


class FilterForm(forms.Form):
    group = forms.TypedMultipleChoiceField(coerce=int, required=False)
    wave = forms.TypedMultipleChoiceField(coerce=int, required=False)

    def __init__(self, data, *, study) -> None:
        super().__init__(data)
        self.fields["group"].choices = list(study.groups.values_list("pk", "name"))
        self.fields["wave"].choices = list(study.waves.values_list("pk", "name"))

    def chosen(self) -> tuple[list[int], list[int]]:
        if not self.is_valid():
            return [], []
        return self.cleaned_data["group"], self.cleaned_data["wave"]


class BulkForm(forms.Form):
    """Assign every transcript of a group and a wave (either may be "any") to one coder."""

    group = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    wave = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    coder = forms.TypedChoiceField(coerce=int)

    def __init__(self, data, *, study, cols: list[Column]) -> None:
        super().__init__(data)
        self.fields["group"].choices = [("", "Any group"), *study.groups.values_list("pk", "name")]
        self.fields["wave"].choices = [("", "Any wave"), *study.waves.values_list("pk", "name")]
        self.fields["coder"].choices = _coder_choices(cols)


class SampleForm(forms.Form):
    """The double-coding sampler: a size (percent or number), two coders and a seed."""

    percent = forms.DecimalField(
        required=False,
        min_value=0.1,
        max_value=100,
        decimal_places=1,
        label=gettext_lazy("Percent of transcripts"),
    )
    count = forms.IntegerField(
        required=False, min_value=1, label=gettext_lazy("or number of transcripts")
    )
    coder_a = forms.TypedChoiceField(coerce=int, label=gettext_lazy("Coder A"))
    coder_b = forms.TypedChoiceField(coerce=int, label=gettext_lazy("Coder B"))
    seed = forms.IntegerField(min_value=0, max_value=MAX_SEED, label=gettext_lazy("Seed"))
    group = forms.TypedMultipleChoiceField(coerce=int, required=False)
    wave = forms.TypedMultipleChoiceField(coerce=int, required=False)

    def __init__(self, data, *, study, cols: list[Column]) -> None:
        super().__init__(data)
        choices = _coder_choices(cols)
        self.fields["coder_a"].choices = choices
        self.fields["coder_b"].choices = choices
        self.fields["group"].choices = list(study.groups.values_list("pk", "name"))
        self.fields["wave"].choices = list(study.waves.values_list("pk", "name"))

    @staticmethod
    def fresh_seed() -> int:
        """A seed for an empty form (recorded with the draw, so it can be repeated)."""
        return secrets.randbelow(1_000_000)

    def clean(self):
        data = super().clean()
        if (data.get("percent") is None) == (data.get("count") is None):
            self.add_error(None, "Give a percentage or a number of transcripts.")
        if data.get("coder_a") is not None and data.get("coder_a") == data.get("coder_b"):
            self.add_error(None, "Choose two different coders.")
        return data
