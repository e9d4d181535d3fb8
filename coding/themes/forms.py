"""Forms of the theme board and the journal. Choices are limited to what the member may see
(codes of :func:`studies.access.visible_codes`, the study's themes and transcripts)."""

from __future__ import annotations

from django import forms

from coding.models import Code, Theme, ThemeStatus
from studies.access import StudyAccess, visible_codes
from studies.languages import for_study as languages_for_study


def _codes(access: StudyAccess):
    return visible_codes(access).order_by("name", "pk")


def _themes(access: StudyAccess):
    return access.study.themes.order_by("position", "name", "pk")


class CodeChoice(forms.ModelMultipleChoiceField):
    """A code by its name in the reader's codebook language (studies.languages)."""

    langs = None

    def label_from_instance(self, obj: Code) -> str:
        return self.langs.shown(obj) if self.langs is not None else obj.name


REASON = forms.CharField(
    label="Reason", widget=forms.Textarea(attrs={"rows": 2}), required=True, max_length=20_000
)


class ThemeCreateForm(forms.Form):
    name = forms.CharField(max_length=200)
    concept = forms.CharField(
        label="Central organising concept", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    codes = CodeChoice(queryset=Code.objects.none(), required=False)

    def __init__(self, *args, access: StudyAccess, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["codes"].queryset = _codes(access)
        self.fields["codes"].langs = languages_for_study(access.study)


class ThemeEditForm(forms.Form):
    name = forms.CharField(max_length=200)
    concept = forms.CharField(
        label="Central organising concept", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    reason = REASON


class ThemeStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ThemeStatus.choices)
    reason = REASON


class ThemeCodesForm(forms.Form):
    codes = CodeChoice(queryset=Code.objects.none(), required=False)
    reason = REASON

    def __init__(self, *args, access: StudyAccess, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["codes"].queryset = _codes(access)
        self.fields["codes"].langs = languages_for_study(access.study)


class ThroughLineForm(forms.Form):
    through_line = forms.CharField(
        label="Through-line", required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    reason = forms.CharField(label="Note on this version (optional)", required=False)


class ThemeSplitForm(forms.Form):
    """One or two new themes taking some of the theme's codes."""

    name_1 = forms.CharField(label="New theme", max_length=200)
    codes_1 = CodeChoice(queryset=Code.objects.none(), label="Codes it takes")
    name_2 = forms.CharField(label="Second new theme (optional)", max_length=200, required=False)
    codes_2 = CodeChoice(queryset=Code.objects.none(), label="Codes it takes", required=False)
    reason = REASON

    def __init__(self, *args, theme: Theme, access: StudyAccess, **kwargs):
        super().__init__(*args, **kwargs)
        mine = _codes(access).filter(themes=theme)
        self.fields["codes_1"].queryset = mine
        self.fields["codes_2"].queryset = mine

    def parts(self) -> list[dict]:
        data = self.cleaned_data
        out = [{"name": data["name_1"], "codes": list(data["codes_1"])}]
        if data.get("name_2") or data.get("codes_2"):
            out.append({"name": data.get("name_2", ""), "codes": list(data.get("codes_2") or [])})
        return out


class ThemeMergeForm(forms.Form):
    target = forms.ModelChoiceField(queryset=Theme.objects.none(), label="Keep", empty_label=None)
    others = forms.ModelMultipleChoiceField(queryset=Theme.objects.none(), label="Merge into it")
    reason = REASON

    def __init__(self, *args, access: StudyAccess, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = _themes(access).exclude(status=ThemeStatus.DISCARDED)
        self.fields["others"].queryset = _themes(access).exclude(status=ThemeStatus.DISCARDED)


class JournalEntryForm(forms.Form):
    title = forms.CharField(max_length=200, required=False)
    body = forms.CharField(label="Entry", widget=forms.Textarea(attrs={"rows": 5}))
    shared = forms.BooleanField(label="Share with the team", required=False)
    transcripts = forms.ModelMultipleChoiceField(queryset=Code.objects.none(), required=False)
    codes = CodeChoice(queryset=Code.objects.none(), required=False)
    themes = forms.ModelMultipleChoiceField(queryset=Theme.objects.none(), required=False)

    def __init__(self, *args, access: StudyAccess, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["transcripts"].queryset = access.study.transcripts.defer("text").order_by(
            "title", "pk"
        )
        self.fields["transcripts"].label_from_instance = lambda t: t.title
        self.fields["codes"].queryset = _codes(access)
        self.fields["codes"].langs = languages_for_study(access.study)
        self.fields["themes"].queryset = _themes(access)
        self.fields["themes"].label_from_instance = lambda t: t.name
