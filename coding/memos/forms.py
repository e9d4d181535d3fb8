"""Forms of the memo pages (memos on segments are written on the coding page)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy, pgettext_lazy

from studies.access import StudyAccess, visible_codes
from studies.models import Transcript
from workbench.lib.http import int_param

# The memo list's kind filter: (value of ``?kind=``, label).
MEMO_KINDS = [
    ("", pgettext_lazy("memos", "All")),
    ("study", gettext_lazy("Study")),
    ("transcript", gettext_lazy("Transcripts")),
    ("code", gettext_lazy("Codes")),
    ("segment", gettext_lazy("Segments")),
]


def memo_kind(value: str | None) -> str:
    """The ``?kind=`` filter, or ``""`` (all memos) for anything unknown."""
    return value if value in dict(MEMO_KINDS) else ""


class MemoForm(forms.Form):
    title = forms.CharField(max_length=200, required=False)
    body = forms.CharField(max_length=20_000, widget=forms.Textarea(attrs={"rows": 3}))


class MemoCreateForm(MemoForm):
    # "study", "transcript-<id>" or "code-<id>"; segment memos belong to the coding page.
    about = forms.CharField(max_length=40, initial="study")

    def target(self, access: StudyAccess) -> dict[str, Any]:
        """What the valid form's memo is about, as keyword arguments for ``memo_create``
        (``{}``, ``{"transcript": ...}`` or ``{"code": ...}``, one query).

        Raises ValidationError on ``about`` for anything the requester cannot see.
        """
        about = self.cleaned_data["about"]
        if about in ("", "study"):
            return {}
        kind, _, raw = about.partition("-")
        pk = int_param(raw)
        if kind == "transcript" and pk is not None:
            transcript = Transcript.objects.filter(study=access.study, pk=pk).defer("text").first()
            if transcript is not None:
                return {"transcript": transcript}
        if kind == "code" and pk is not None:
            code = visible_codes(access).filter(pk=pk).first()
            if code is not None:
                return {"code": code}
        raise ValidationError(
            {"about": "Choose the study, one of its transcripts or one of its codes."}
        )
