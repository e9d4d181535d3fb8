from __future__ import annotations

from functools import cache

from django import forms
from django.core.exceptions import ValidationError
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from coding.models import MEMO_MAX_CHARS


def _normalise_newlines(value: str) -> str:
    # Browsers may send line breaks as CRLF; canonical text only has "\n".
    return value.replace("\r\n", "\n").replace("\r", "\n")


class _CodeIdChoice:
    """A choice field whose valid values are the code ids in ``ids`` (set by the form):
    the forms are never rendered, and building a codebook's choices cost a write more than
    the rest of its form."""

    ids: frozenset[int] = frozenset()

    def valid_value(self, value) -> bool:
        try:
            return int(value) in self.ids
        except (TypeError, ValueError):
            return False


class CodeIdField(_CodeIdChoice, forms.TypedChoiceField):
    pass


class CodeIdsField(_CodeIdChoice, forms.TypedMultipleChoiceField):
    pass


class SpanFields(forms.Form):
    """Offsets as the page saw them: code points, half-open, with the quote and version."""

    start = forms.IntegerField(min_value=0)
    end = forms.IntegerField(min_value=1)
    quote = forms.CharField(strip=False, max_length=2_000_000)
    version = forms.IntegerField(min_value=1)

    def clean_quote(self) -> str:
        return _normalise_newlines(self.cleaned_data["quote"])

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start is not None and end is not None and start >= end:
            raise ValidationError(_("A segment must contain at least one character."))
        return data


class SegmentCreateForm(SpanFields):
    code_ids = CodeIdsField(coerce=int, required=False)
    memo = forms.CharField(required=False, max_length=MEMO_MAX_CHARS)
    # "mine" or "consensus"; anything else is refused with a 403 by the view.
    layer = forms.CharField(required=False, max_length=150)
    new_code_name = forms.CharField(required=False, max_length=120)
    new_code_parent = CodeIdField(coerce=int, required=False, empty_value=None)

    def __init__(self, *args, code_ids=(), **kwargs):
        """``code_ids``: the codes the requester may choose (their codebook's)."""
        super().__init__(*args, **kwargs)
        self.fields["code_ids"].ids = self.fields["new_code_parent"].ids = frozenset(code_ids)

    @classmethod
    def data_from_post(cls, post):
        """Accept ``code_id`` as well as ``code_ids`` (one code or several)."""
        ids = [*post.getlist("code_ids"), *post.getlist("code_id")]
        if "code_id" not in post and all(ids):
            return post  # as the page posts it: nothing to change (no copy)
        data = post.copy()
        data.setlist("code_ids", [i for i in ids if i])
        return data

    def clean(self):
        data = super().clean()
        if not data.get("code_ids") and not (data.get("new_code_name") or "").strip():
            raise ValidationError(_("Choose at least one code."))
        return data


class SegmentUpdateForm(forms.Form):
    """Change a segment: its memo, its code, or its span (with the quote check)."""

    memo = forms.CharField(required=False, max_length=MEMO_MAX_CHARS, strip=True)
    code_id = CodeIdField(coerce=int, required=False, empty_value=None)
    start = forms.IntegerField(min_value=0, required=False)
    end = forms.IntegerField(min_value=1, required=False)
    quote = forms.CharField(strip=False, required=False, max_length=2_000_000)
    version = forms.IntegerField(min_value=1, required=False)

    def __init__(self, *args, code_ids=(), **kwargs):
        """``code_ids``: the codes the requester may choose (their codebook's)."""
        super().__init__(*args, **kwargs)
        self.fields["code_id"].ids = frozenset(code_ids)

    def clean_quote(self) -> str:
        return _normalise_newlines(self.cleaned_data["quote"] or "")

    @property
    def changes_memo(self) -> bool:
        return "memo" in self.data

    @property
    def changes_span(self) -> bool:
        return "start" in self.data or "end" in self.data

    def clean(self):
        data = super().clean()
        if self.changes_span:
            missing = [f for f in ("start", "end", "quote", "version") if data.get(f) in (None, "")]
            if missing:
                raise ValidationError(
                    "To adjust a span send start, end, quote and version (missing: "
                    + ", ".join(missing)
                    + ")."
                )
            if data["start"] >= data["end"]:
                raise ValidationError(_("A segment must contain at least one character."))
        if not (self.changes_memo or self.changes_span or data.get("code_id")):
            raise ValidationError(_("Nothing to change: send a memo, a code or a span."))
        return data


class TranscriptMemoForm(forms.Form):
    body = forms.CharField(max_length=MEMO_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 3}))
    title = forms.CharField(max_length=200, required=False)


class _RenderedField(SafeString):
    """A field's widget as rendered HTML, with no errors (``{{ form.field.errors }}``)."""

    errors = ""


class RenderedBlankForm:
    """An unbound form as the coding page's template uses it (``{{ form.title }}``,
    ``{{ form.body.errors }}``, ``{{ form.non_field_errors }}``), rendered once: each
    widget and error list is a template render, a fifth of the page's template time."""

    non_field_errors = ""

    def __init__(self, form: forms.Form) -> None:
        for name in form.fields:
            setattr(self, name, _RenderedField(str(form[name])))


@cache
def blank_memo_form() -> RenderedBlankForm:
    """``TranscriptMemoForm()`` rendered (per process: an unbound form is always the same)."""
    return RenderedBlankForm(TranscriptMemoForm())
