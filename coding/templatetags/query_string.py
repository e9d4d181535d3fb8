"""Query strings built in templates: a page's own query plus one parameter, without the stray
``?&`` (or ``&&``) that concatenating ``?{{ query }}&key=value`` leaves when the query is empty."""

from __future__ import annotations

from urllib.parse import urlencode

from django import template

register = template.Library()


@register.simple_tag
def query_with(base: str, key: str, value) -> str:
    """``base`` (an encoded query string, possibly empty) with ``key=value`` appended; the
    result is for an href after ``?`` (the template's autoescaping escapes the ``&``)."""
    parts = [part for part in (base or "").split("&") if part]
    parts.append(urlencode({key: value}))
    return "&".join(parts)
