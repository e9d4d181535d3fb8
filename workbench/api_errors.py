"""The JSON API's errors (:mod:`workbench.api`): always ``{"detail": "<message>", "code":
"<code>"}``, the message in the requester's language, the code a stable English word
(:data:`workbench.api_common.STATUS_CODES`, or the error's own)."""

from __future__ import annotations

import logging

from django.core import signals
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext, gettext_lazy, pgettext
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError

from workbench.api_common import error_code

logger = logging.getLogger("django.request")

_API: NinjaAPI | None = None


def _error(
    request: HttpRequest, status: int, detail: str, exc: Exception | None = None
) -> HttpResponse:
    body = {"detail": str(detail), "code": error_code(exc, status)}
    return _API.create_response(request, body, status=status)


NOT_AUTHENTICATED = gettext_lazy(
    "Authentication required: send `Authorization: Bearer <token>` (create a token on "
    "your profile page) or sign in."
)


def _http_error(request, exc: HttpError):
    if exc.status_code != 401:
        return _error(request, exc.status_code, str(exc), exc)
    # ninja's own AuthenticationError says only "Unauthorized" when no method applied.
    detail = NOT_AUTHENTICATED if str(exc) == "Unauthorized" else str(exc)
    response = _error(request, 401, detail, exc)
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def _not_found(request, exc: Http404):
    return _error(request, 404, str(exc) or gettext("Not found."), exc)


def _forbidden(request, exc: PermissionDenied):
    return _error(request, 403, str(exc) or gettext("You do not have permission to do this."), exc)


def _invalid(request, exc: DjangoValidationError):
    return _error(request, 400, " ".join(exc.messages), exc)


# What a request's field got wrong, by pydantic's error type (its own messages are English).
FIELD_ERRORS = {
    "missing": gettext_lazy("this field is required"),
    "int_type": gettext_lazy("give a whole number"),
    "int_parsing": gettext_lazy("give a whole number"),
    "int_from_float": gettext_lazy("give a whole number"),
    "float_type": gettext_lazy("give a number"),
    "float_parsing": gettext_lazy("give a number"),
    "bool_type": gettext_lazy("give true or false"),
    "bool_parsing": gettext_lazy("give true or false"),
    "string_type": gettext_lazy("give a text"),
    "list_type": gettext_lazy("give a list"),
    "dict_type": gettext_lazy("give an object"),
    "model_attributes_type": gettext_lazy("give an object"),
    "greater_than_equal": gettext_lazy("the number is too small"),
    "greater_than": gettext_lazy("the number is too small"),
    "less_than_equal": gettext_lazy("the number is too large"),
    "less_than": gettext_lazy("the number is too large"),
    "string_too_long": gettext_lazy("the text is too long"),
    "string_too_short": gettext_lazy("the text is too short"),
    "json_invalid": gettext_lazy("the body is not valid JSON"),
    "literal_error": gettext_lazy("not one of the allowed values"),
    "enum": gettext_lazy("not one of the allowed values"),
    "extra_forbidden": gettext_lazy("not a field of this request"),
}


def _invalid_request(request, exc: NinjaValidationError):
    if any(error.get("loc", ("",))[0] == "path" for error in exc.errors):
        return _error(request, 404, gettext("Not found."))
    messages = []
    for error in exc.errors:
        loc = tuple(error.get("loc", ()))
        # ("body", "payload", "code_id"): the body's field is "code_id" to the client.
        parts = loc[2:] if loc[:1] == ("body",) and len(loc) > 2 else loc[1:]
        where = ".".join(str(part) for part in parts)
        what = str(FIELD_ERRORS.get(error.get("type", ""), gettext_lazy("invalid value")))
        messages.append(
            gettext("%(field)s: %(problem)s") % {"field": where, "problem": what} if where else what
        )
    separator = pgettext("between the problems of a request", "; ")
    return _error(request, 400, separator.join(messages) or gettext("Invalid request."))


def _server_error(request, exc: Exception):
    logger.exception("API error on %s %s", request.method, request.path)
    # As Django's own handler does: error reporters (and the test client) listen to this.
    signals.got_request_exception.send(sender=None, request=request)
    return _error(request, 500, gettext("Server error."))


def install(api: NinjaAPI) -> None:
    """Answer every error of ``api`` as above."""
    global _API
    _API = api
    api.add_exception_handler(HttpError, _http_error)
    api.add_exception_handler(Http404, _not_found)
    api.add_exception_handler(PermissionDenied, _forbidden)
    api.add_exception_handler(DjangoValidationError, _invalid)
    api.add_exception_handler(NinjaValidationError, _invalid_request)
    api.add_exception_handler(Exception, _server_error)
