"""The codebook page's forms: create, edit, move (by keyboard action or place), merge, import."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext as _

from coding.codebook import services
from coding.models import COLOR_RE

KEYBOARD_ACTIONS = {
    "up": gettext_lazy("Move up"),
    "down": gettext_lazy("Move down"),
    "indent": gettext_lazy("Indent (make it a subcode of the code above)"),
    "outdent": gettext_lazy("Outdent (move it up one level)"),
}


def _clean_color(value: str) -> str:
    value = (value or "").strip()
    if not COLOR_RE.fullmatch(value):
        raise ValidationError(_("Colour must look like #RRGGBB, e.g. #0072B2."))
    return value.upper()


class CodeFieldsForm(forms.Form):
    name = forms.CharField(
        max_length=120,
        label=gettext_lazy("Name"),
        widget=forms.TextInput(attrs={"translate": "no"}),
    )
    color = forms.CharField(
        label=gettext_lazy("Colour"),
        max_length=7,
        initial="#0072B2",
        widget=forms.TextInput(attrs={"type": "color", "list": "code-palette"}),
    )
    description = forms.CharField(
        label=gettext_lazy("Definition"),
        required=False,
        max_length=services.CODE_TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3, "translate": "no"}),
    )
    inclusion = forms.CharField(
        label=gettext_lazy("Include when"),
        required=False,
        max_length=services.CODE_TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2, "translate": "no"}),
    )
    exclusion = forms.CharField(
        label=gettext_lazy("Exclude when"),
        required=False,
        max_length=services.CODE_TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2, "translate": "no"}),
    )
    example = forms.CharField(
        label=gettext_lazy("Example"),
        required=False,
        max_length=services.CODE_TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2, "translate": "no"}),
    )

    name2 = forms.CharField(max_length=120, required=False)
    description2 = forms.CharField(
        required=False,
        max_length=services.CODE_TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    inclusion2 = forms.CharField(
        required=False,
        max_length=services.CODE_TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    exclusion2 = forms.CharField(
        required=False,
        max_length=services.CODE_TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    example2 = forms.CharField(
        required=False,
        max_length=services.CODE_TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    field_order = [
        "name",
        "name2",
        "color",
        "description",
        "description2",
        "inclusion",
        "inclusion2",
        "exclusion",
        "exclusion2",
        "example",
        "example2",
    ]

    def __init__(self, *args, languages=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.bilingual_setup(languages)

    def bilingual_setup(self, languages) -> None:
        """Label each field with its language (``studies.languages.CodebookLanguages``);
        without a second language its fields are left out (the code keeps their values)."""
        second = languages is not None and languages.bilingual
        for name in list(self.fields):
            if not name.endswith("2"):
                if second and name + "2" in self.fields:
                    field = self.fields[name]
                    field.label = f"{field.label or name.capitalize()} ({languages.name})"
                continue
            if not second:
                del self.fields[name]
                continue
            first = self.fields.get(name[:-1])
            base = first.label.rsplit(" (", 1)[0] if first and first.label else name[:-1]
            field = self.fields[name]
            field.label = f"{base} ({languages.name2})"
            field.widget.attrs["lang"] = languages.tag2
            if first is not None:
                first.widget.attrs["lang"] = languages.tag

    def clean_color(self) -> str:
        return _clean_color(self.cleaned_data["color"])


class CodeCreateForm(CodeFieldsForm):
    parent = forms.TypedChoiceField(
        label=gettext_lazy("Under"), coerce=int, required=False, empty_value=None
    )
    # The colour the page suggested: posted back unchanged, the server picks again for the
    # parent actually chosen (the suggestion was for the parent preselected on the page).
    auto_color = forms.CharField(required=False, max_length=7, widget=forms.HiddenInput)
    field_order = ["name", "name2", "parent", "color", "description", "description2"]

    def __init__(self, *args, parent_choices=(), **kwargs):
        kwargs.setdefault("auto_id", "create_%s")
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [("", gettext("Top level")), *parent_choices]
        self.fields["parent"].widget.attrs["translate"] = "no"
        # A new code gets a name, a place, a colour and a definition; the rest can follow.
        for name in ("inclusion", "exclusion", "example"):
            del self.fields[name]
            self.fields.pop(name + "2", None)


def reason_field() -> forms.CharField:
    """The optional reason asked for with every change to the codebook (kept in the audit
    log, shown in the diff between codebook versions, editable there later)."""
    return forms.CharField(
        label=gettext_lazy("Reason for the change"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "translate": "no"}),
        help_text=gettext_lazy("Optional; shown in the codebook's change log and version diffs."),
    )


class CodeEditForm(CodeFieldsForm):
    is_codable = forms.BooleanField(
        label=gettext_lazy("Can be applied to text"),
        required=False,
        help_text=gettext_lazy(
            "Untick for a category: it holds codes but is not applied to text "
            "(NVivo and MAXQDA folders, QualCoder categories)."
        ),
    )
    # Rendered with the checkbox: a post without it (an unticked box sends nothing) leaves
    # the code as it is only when the checkbox was not on the form at all.
    codable_shown = forms.CharField(required=False, widget=forms.HiddenInput, initial="1")
    reason = reason_field()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "edit_%s")
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if not data.pop("codable_shown", ""):
            data["is_codable"] = None
        return data


class CodeMoveForm(forms.Form):
    """A keyboard ``action``, or a new ``parent`` ("" = top level) and 1-based ``position``."""

    action = forms.ChoiceField(required=False, choices=[("", ""), *KEYBOARD_ACTIONS.items()])
    parent = forms.TypedChoiceField(
        label=gettext_lazy("Move under"), coerce=int, required=False, empty_value=None
    )
    position = forms.IntegerField(
        label=gettext_lazy("Position among its new siblings"),
        min_value=1,
        required=False,
        help_text=gettext_lazy("1 puts it first; leave empty to put it last."),
    )
    reason = reason_field()

    def __init__(self, *args, parent_choices=(), **kwargs):
        kwargs.setdefault("auto_id", "move_%s")
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [("", gettext("Top level")), *parent_choices]
        self.fields["parent"].widget.attrs["translate"] = "no"

    def clean(self):
        data = super().clean()
        if not data.get("action") and "parent" not in self.data:
            raise ValidationError(_("Choose where to move the code."))
        return data


class CodeMergeForm(forms.Form):
    target = forms.TypedChoiceField(label=gettext_lazy("Merge into"), coerce=int)
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "I understand: its segments and subcodes move to the target and this code is "
            "deleted. Identical segments collapse into one."
        ),
    )
    reason = reason_field()

    def __init__(self, *args, target_choices=(), **kwargs):
        kwargs.setdefault("auto_id", "merge_%s")
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [("", gettext("Choose a code…")), *target_choices]
        self.fields["target"].widget.attrs["translate"] = "no"


class CodebookImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Codebook CSV"))
