from __future__ import annotations

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from studies.languages import normalise_tag
from studies.models import AttributeKind, AttributeScope, Role, Study
from studies.readers import EXTENSIONS


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ",".join(EXTENSIONS)}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class StudyForm(forms.ModelForm):
    class Meta:
        model = Study
        fields = [
            "name",
            "description",
            "blind_coding",
            "coders_may_create_codes",
            "share_agreement_with_coders",
            "segment_overlap_threshold",
            "codebook_language",
            "codebook_language_name",
            "codebook_language2",
            "codebook_language2_name",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        labels = {
            "name": gettext_lazy("Name"),
            "description": gettext_lazy("Description"),
            "blind_coding": gettext_lazy("Blind coding"),
            "coders_may_create_codes": gettext_lazy("Coders may create codes"),
            "share_agreement_with_coders": gettext_lazy("Share agreement with coders"),
            "segment_overlap_threshold": gettext_lazy("Segment overlap threshold"),
            "codebook_language": gettext_lazy("Codebook language (BCP 47 tag)"),
            "codebook_language_name": gettext_lazy("Codebook language's display name"),
            "codebook_language2": gettext_lazy("Second codebook language (BCP 47 tag)"),
            "codebook_language2_name": gettext_lazy("Second language's display name"),
        }
        help_texts = {
            # Django's form templates print help texts as HTML: the tags are code.
            "codebook_language": gettext_lazy(
                "BCP 47 tag of the codebook's first language, e.g. <code>en</code> or "
                "<code>zh-Hant-HK</code>."
            ),
            "codebook_language2_name": gettext_lazy("As the team reads it, e.g. 繁體中文."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Left empty (or not posted): the language stays what it is.
        self.fields["codebook_language"].required = False

    def clean_codebook_language(self):
        value = normalise_tag(self.cleaned_data.get("codebook_language") or "")
        return value or self.instance.codebook_language or "en"

    def clean_codebook_language2(self):
        return normalise_tag(self.cleaned_data.get("codebook_language2", ""))

    def clean(self):
        data = super().clean()
        # A display name left empty is the tag itself.
        if data.get("codebook_language") and not data.get("codebook_language_name"):
            data["codebook_language_name"] = data["codebook_language"]
        if data.get("codebook_language2") and not data.get("codebook_language2_name"):
            data["codebook_language2_name"] = data["codebook_language2"]
        return data


class StudyCreateForm(forms.ModelForm):
    class Meta:
        model = Study
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        labels = {"name": gettext_lazy("Name"), "description": gettext_lazy("Description")}


class NameForm(forms.Form):
    name = forms.CharField(max_length=100, label=gettext_lazy("Name"))


class MemberAddForm(forms.Form):
    username = forms.CharField(max_length=150, label=gettext_lazy("Username"))
    role = forms.ChoiceField(choices=Role.choices, initial=Role.CODER, label=gettext_lazy("Role"))


class InvitationForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices, initial=Role.CODER, label=gettext_lazy("Role"))
    email = forms.EmailField(required=False, label=gettext_lazy("Email (optional)"))
    note = forms.CharField(
        max_length=200,
        required=False,
        label=gettext_lazy("Note (optional)"),
        help_text=gettext_lazy("Who it is for."),
    )


class SignupForm(UserCreationForm):
    """A new account made from an invitation link (validated here, created by a service)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_username(self):
        from studies.services import reserved_name_problem

        username = super().clean_username()
        problem = reserved_name_problem(username)
        if problem:
            raise forms.ValidationError(
                _("%(problem)s: choose another username.") % {"problem": problem}
            )
        return username


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices, label=gettext_lazy("Role"))


class AttributesField(forms.CharField):
    """``key: value`` lines as a dict (the values are typed by the service)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", gettext_lazy("Attributes"))
        kwargs.setdefault(
            "help_text", gettext_lazy("One per line, as key: value (e.g. gender: F).")
        )
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 3, "translate": "no"}))
        super().__init__(**kwargs)

    def clean(self, value) -> dict:
        result = {}
        for number, line in enumerate((super().clean(value) or "").splitlines(), start=1):
            if not line.strip():
                continue
            if ":" not in line:
                raise forms.ValidationError(
                    _("Line %(number)s is not “key: value”.") % {"number": number}
                )
            key, value = line.split(":", 1)
            if not key.strip():
                raise forms.ValidationError(_("Line %(number)s has no key.") % {"number": number})
            result[key.strip()] = value.strip()
        return result


def attribute_lines(values: dict) -> str:
    """A stored attributes dict as the ``key: value`` lines of :class:`AttributesField`."""
    return "\n".join(f"{k}: {v}" for k, v in (values or {}).items())


def _study_choice(label, empty_label) -> forms.ModelChoiceField:
    """An optional choice of one of the study's own rows (names are the study's: not
    translated); the queryset is the study's, set by the form (:class:`ParticipantWaveMixin`)."""
    return forms.ModelChoiceField(
        widget=forms.Select(attrs={"translate": "no"}),
        queryset=None,
        required=False,
        empty_label=empty_label,
        label=label,
    )


NONE = gettext_lazy("(none)")


def participant_field(empty_label=NONE) -> forms.ModelChoiceField:
    """A transcript's participant (optional: a focus group or a document has none)."""
    return _study_choice(gettext_lazy("Participant"), empty_label)


def wave_field() -> forms.ModelChoiceField:
    """A transcript's wave (optional)."""
    return _study_choice(gettext_lazy("Wave"), NONE)


class ParticipantForm(forms.Form):
    pseudonym = forms.CharField(max_length=100, label=gettext_lazy("Pseudonym"))
    group = _study_choice(gettext_lazy("Group"), gettext_lazy("(no group)"))
    attributes = AttributesField()

    def __init__(self, *args, study, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = study.groups.all()


class AttributeForm(forms.Form):
    """An attribute definition (participants page)."""

    name = forms.CharField(max_length=100, label=gettext_lazy("Name"))
    scope = forms.ChoiceField(
        choices=AttributeScope.choices,
        initial=AttributeScope.PARTICIPANT,
        label=gettext_lazy("Applies to"),
    )
    kind = forms.ChoiceField(choices=AttributeKind.choices, label=gettext_lazy("Type"))
    choices = forms.CharField(
        required=False,
        max_length=2000,
        label=gettext_lazy("Choices"),
        help_text=gettext_lazy("For a choice: the allowed values, comma-separated."),
    )
    position = forms.IntegerField(required=False, min_value=0, label=gettext_lazy("Position"))


class CsvUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


class ParticipantWaveMixin:
    """A transcript form's ``participant`` and ``wave`` choices: the study's own."""

    def __init__(self, *args, study, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participant"].queryset = study.participants.all()
        self.fields["wave"].queryset = study.waves.all()


class TranscriptUploadForm(ParticipantWaveMixin, forms.Form):
    files = MultipleFileField(
        label=gettext_lazy("Transcript files"),
        help_text=gettext_lazy(
            "Text (.txt), Word (.docx), OpenDocument (.odt), RTF, PDF with a text "
            "layer, or captions from Zoom, Teams or Otter (.vtt, .srt)."
        ),
    )
    participant = participant_field(gettext_lazy("(none: focus group or document)"))
    wave = wave_field()
    allow_duplicates = forms.BooleanField(
        required=False,
        label=gettext_lazy("Upload anyway"),
        help_text=gettext_lazy(
            "Keep a second copy even if the same text, or a transcript of this "
            "participant at this wave, is already in the study."
        ),
    )


class TranscriptEditForm(ParticipantWaveMixin, forms.Form):
    title = forms.CharField(max_length=200, label=gettext_lazy("Title"))
    participant = participant_field()
    wave = wave_field()
    attributes = AttributesField(
        help_text=gettext_lazy("One per line, as key: value (e.g. interviewer: KL).")
    )


class BulkImportForm(forms.Form):
    archive = forms.FileField(
        label=gettext_lazy("Zip of transcripts"),
        help_text=format_lazy(
            gettext_lazy("Files of the kinds {kinds}, with a manifest."),
            kinds=", ".join(EXTENSIONS),
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip"}),
    )
    manifest = forms.FileField(
        required=False,
        label=gettext_lazy("Manifest (CSV)"),
        help_text=gettext_lazy(
            "Columns file,participant,group,wave,title. Optional if the zip holds manifest.csv."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    allow_duplicates = forms.BooleanField(
        required=False,
        label=gettext_lazy("Import anyway"),
        help_text=gettext_lazy(
            "Import rows whose text is already in the study or in the zip, or whose "
            "participant already has a transcript at that wave."
        ),
    )


class TranscriptTextForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Text"),
        widget=forms.Textarea(attrs={"rows": 30, "class": "text-editor", "translate": "no"}),
        strip=False,
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class StudyDeleteForm(forms.Form):
    confirm = forms.CharField(
        label=gettext_lazy("Type the study's name to confirm"), max_length=200
    )


class ConfirmDeleteForm(forms.Form):
    confirm = forms.CharField(max_length=200)

    def __init__(self, *args, expected: str, **kwargs):
        super().__init__(*args, **kwargs)
        # The name is the study's own (translate="no"); the rest is the interface's.
        self.fields["confirm"].label = mark_safe(
            escape(_("Type “%(name)s” to confirm"))
            % {"name": format_html('<span translate="no">{}</span>', expected)}
        )
        self.fields["confirm"].widget.attrs["autocomplete"] = "off"
