"""The retrieval page's query string, read leniently.

The fields never fail: an id that is not a number becomes ``None`` and
:func:`coding.retrieval.selectors.retrieval_state` reports it as unknown (with the value as
given), so a link that promised a filter never silently shows more segments.
"""

from __future__ import annotations

from django import forms

from coding.retrieval.selectors import RetrievalFilters
from studies import attributes as attrs
from workbench.lib.http import int_param

_TRUE = ("1", "on", "true")


class _IdField(forms.Field):
    """An id, or None for an empty or non-numeric value."""

    def to_python(self, value):
        return int_param(value)


class _FlagField(forms.Field):
    """True for ``1``, ``on`` or ``true`` (a ticked checkbox or a link's ``=1``)."""

    def to_python(self, value):
        return value in _TRUE


class _KeyField(forms.Field):
    def to_python(self, value):
        return (value or "").strip()


class RetrievalForm(forms.Form):
    code = _IdField(required=False)
    subtree = _FlagField(required=False)
    group = _IdField(required=False)
    wave = _IdField(required=False)
    participant = _IdField(required=False)
    layer = _KeyField(required=False)  # a layer key, "union" or "" for all visible layers
    review = _FlagField(required=False)

    def filters(self) -> RetrievalFilters:
        self.full_clean()  # the fields never fail
        return RetrievalFilters(**self.cleaned_data, attributes=attrs.filters_from(self.data))

    def given(self) -> dict[str, str]:
        """The id parameters as the request gave them (for "There is no code “x”")."""
        return {
            name: self.data.get(name) or "" for name in ("code", "group", "wave", "participant")
        }
