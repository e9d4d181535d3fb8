"""Template filters of the analysis pages' translations."""

from __future__ import annotations

from django import template

from coding.agreement.reasons import reason_text

register = template.Library()


@register.filter
def agreement_reason(reason) -> str:
    """An agreement coefficient's reason in the reader's language."""
    return reason_text(reason)


@register.simple_tag
def decision_word(action) -> str:
    """A consensus decision's name in the reader's language."""
    from coding.consensus.page import DECISION_WORDS

    return str(DECISION_WORDS.get(action, action))
