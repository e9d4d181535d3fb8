"""The methods appendix preview writes its cells as the downloads do (thousands grouped)."""

from __future__ import annotations

from django import template

from coding.methods.render import number_text

register = template.Library()


@register.filter
def appendix_cell(value) -> str:
    """A table cell as the DOCX and Markdown write it: "30,722,775", not "30722775"."""
    return number_text(value)
