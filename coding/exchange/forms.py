"""Forms of the REFI-QDA exchange pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from coding.exchange.export import DEFAULT_TARGET, TARGETS


class RefiImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("REFI-QDA file"),
        help_text=gettext_lazy(
            "A .qdpx project (or a .qdc codebook) exported by NVivo, ATLAS.ti, MAXQDA, "
            "QualCoder or this workbench."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".qdpx,.qdc,.qde"}),
    )


class ExportTargetForm(forms.Form):
    target = forms.ChoiceField(
        label=gettext_lazy("Export for"),
        choices=[(key, target.label) for key, target in TARGETS.items()],
        initial=DEFAULT_TARGET,
        required=False,
    )
