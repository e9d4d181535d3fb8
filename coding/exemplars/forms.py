"""The exemplar form: one target (``code:<id>`` or ``theme:<id>``) among what the member
may see, and a note."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext, gettext_lazy

from coding.codebook import selectors as codebook_selectors
from studies.access import StudyAccess


def target_choices(access: StudyAccess, segment) -> list:
    """Themes first (those fed by the segment's code listed first), then codes: the
    segment's own code first, then the rest of the visible codebook."""
    themes = list(access.study.themes.prefetch_related("codes").order_by("position", "name"))
    own = [t for t in themes if any(c.pk == segment.code_id for c in t.codes.all())]
    rest = [t for t in themes if t not in own]
    book = codebook_selectors.codebook_for(access, light=True)
    codes = [n for n in book.walk(include_archived=False) if n.pk != segment.code_id]
    choices: list = [("", gettext("Choose…"))]
    if themes:
        choices.append((gettext("Themes"), [(f"theme:{t.pk}", t.name) for t in own + rest]))
    code_opts = [
        (
            f"code:{segment.code_id}",
            gettext("%(code)s (this passage's code)")
            % {"code": book.path(segment.code_id) or segment.code.name},
        )
    ]
    code_opts += [(f"code:{n.pk}", n.path) for n in codes]
    choices.append((gettext("Codes"), code_opts))
    return choices


class ExemplarForm(forms.Form):
    target = forms.ChoiceField(
        label=gettext_lazy("Exemplar of"),
        error_messages={"required": gettext_lazy("Choose a code or a theme.")},
        widget=forms.Select(attrs={"translate": "no"}),
    )
    note = forms.CharField(
        label=gettext_lazy("Note (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "translate": "no"}),
    )

    def __init__(self, *args, access: StudyAccess, segment, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = target_choices(access, segment)
        self.access = access

    def target_object(self):
        """(code, theme) of the chosen target, one of them None."""
        kind, _, pk = self.cleaned_data["target"].partition(":")
        if kind == "theme":
            return None, self.access.study.themes.get(pk=int(pk))
        return self.access.study.codes.get(pk=int(pk)), None
