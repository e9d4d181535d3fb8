"""``{% sentence_space %}``: a space in English, none in Chinese (workbench/lib/spacing.py)."""

from __future__ import annotations

from django import template

from workbench.lib.spacing import sentence_space

register = template.Library()


@register.simple_tag(name="sentence_space")
def sentence_space_tag() -> str:
    return sentence_space()
