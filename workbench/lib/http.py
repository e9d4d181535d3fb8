"""Request and response helpers shared by the views of every app.

* :class:`HtmxHttpRequest`: the request type of views that read ``request.htmx``
  (``django_htmx.middleware.HtmxMiddleware`` sets it on every request).
* :func:`add_form_errors`: a service's ``ValidationError`` onto the form that sent it;
  :func:`form_errors_text`: a form's errors on one line.
* :func:`int_param`, :func:`int_params`, :func:`flag_param`: query and form parameters.
* :func:`render_fragments`, :func:`render_page_or_partial`: htmx answers.
* :func:`attachment_name`, :func:`attachment`, :func:`download`: files to save.
* :func:`maybe_url`: a URL that may not exist (a page of an optional feature).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext
from django_htmx.middleware import HtmxDetails

from workbench.lib.spacing import join_sentences

#: Longest slug of a study name in a download's file name.
FILENAME_STEM_LENGTH = 40
FALSE_WORDS = ("0", "false", "no", "off")


class HtmxHttpRequest(HttpRequest):
    """An ``HttpRequest`` with django-htmx's ``htmx`` details (falsy unless sent by htmx)."""

    htmx: HtmxDetails


# --- forms ---------------------------------------------------------------------------------


def add_form_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ``ValidationError`` on ``form``: a message about a field of the form
    goes on that field, any other message (or one naming no field) above the form."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def form_errors_text(form: forms.Form, *, labels: bool = False) -> str:
    """A bound form's errors on one line (for an alert or a JSON answer): each field's
    messages after ``<field>: `` (its label, in the reader's language, with ``labels``),
    the form's own messages as they are."""
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if labels and name in form.fields else None
        for e in errors:
            if name == "__all__":
                parts.append(str(e))
            else:  # 編碼員甲：必須填寫此欄。 with the full-width colon, no space
                parts.append(gettext("%(field)s: %(error)s") % {"field": label or name, "error": e})
    return join_sentences(*parts)


# --- parameters ----------------------------------------------------------------------------


def int_param(value: object) -> int | None:
    """``value`` as an integer (surrounding spaces allowed), None when missing or not one."""
    if value is None or value == "":
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def int_params(values: Iterable[object]) -> list[int]:
    """The integers among ``values`` (e.g. ``request.GET.getlist("code")``), in order."""
    return [n for n in (int_param(v) for v in values) if n is not None]


def flag_param(value: str | None, default: bool = True) -> bool:
    """A checkbox-like parameter: missing or empty gives ``default``; 0/false/no/off is
    False, anything else True."""
    if value in (None, ""):
        return default
    return value not in FALSE_WORDS


# --- htmx answers --------------------------------------------------------------------------


def render_fragments(
    request: HttpRequest,
    template: str,
    context: Mapping[str, Any],
    *names: str,
    oob: Iterable[str] = (),
) -> str:
    """The partials ``names`` of ``template``, then each partial of ``oob`` rendered with
    ``oob=True`` in its context (the partial marks itself ``hx-swap-oob``)."""
    main = {**context, "oob": False}
    parts = [render_to_string(f"{template}#{name}", main, request=request) for name in names]
    out_of_band = {**context, "oob": True}
    parts += [render_to_string(f"{template}#{name}", out_of_band, request=request) for name in oob]
    return "".join(parts)


def render_page_or_partial(
    request: HttpRequest, template: str, partial: str, context: Mapping[str, Any]
) -> HttpResponse:
    """The partial for an htmx request, the whole page otherwise.

    A history restore (back button after ``hx-push-url`` with the page gone from htmx's
    cache) needs the whole page too. The answer varies on ``HX-Request`` so that a
    cache never serves a fragment for a page.
    """
    htmx = getattr(request, "htmx", None)
    fragment = bool(htmx) and not htmx.history_restore_request
    response = render(request, f"{template}#{partial}" if fragment else template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


# --- files ---------------------------------------------------------------------------------


def attachment_name(study, what: str, ext: str) -> str:
    """``<study slug>-<what>.<ext>``: the slug of the study's name (at most 40 characters;
    ``study-<id>`` when the name has no ASCII letter or digit, e.g. a Chinese name), e.g.
    ``mobility-matrix.csv``; without ``what``, ``<study slug>.<ext>``."""
    stem = slugify(study.name)[:FILENAME_STEM_LENGTH] or f"study-{study.pk}"
    return f"{stem}-{what}.{ext}" if what else f"{stem}.{ext}"


def clipped_slug(text: str, limit: int, *, allow_unicode: bool = False) -> str:
    """``text`` slugified and cut to at most ``limit`` characters at a word (hyphen) boundary
    when there is one, never ending or starting with a hyphen ("" when nothing is left).
    ``allow_unicode`` keeps letters of any script, Chinese and astral characters included."""
    slug = slugify(text, allow_unicode=allow_unicode).strip("-")
    if len(slug) <= limit:
        return slug
    head = slug[: limit + 1]
    cut = head.rsplit("-", 1)[0] if "-" in head else slug[:limit]
    return cut.strip("-")


def attachment(filename: str) -> str:
    """The ``Content-Disposition`` value that makes a browser save the answer as ``filename``
    (RFC 6266, UTF-8 names encoded)."""
    return content_disposition_header(as_attachment=True, filename=filename)


def download(data: bytes | str, filename: str, content_type: str) -> HttpResponse:
    """``data`` as a file to save under ``filename``."""
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = attachment(filename)
    return response


# --- URLs ----------------------------------------------------------------------------------


def maybe_url(name: str, *args: Any) -> str | None:
    """``reverse(name, args=args)``, or None when no such URL is installed."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None
