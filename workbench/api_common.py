"""What the API's modules share (:mod:`workbench.api`, :mod:`workbench.api_themes`): the id
type, the error schema and the study access of a request."""

from __future__ import annotations

from typing import Annotated

from django.http import Http404
from ninja import Schema
from ninja.errors import HttpError
from pydantic import Field

from studies.access import StudyAccess, study_access

# Ids are bigint columns: larger numbers cannot name a row (and would overflow the query).
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class ErrorOut(Schema):
    detail: str = Field(description="What went wrong, in the requester's language.")
    code: str = Field(
        description="What went wrong, for scripts: a stable English word that does not "
        "change with the language or the wording (`not_found`, `invalid`, `stale` …)."
    )


#: The ``code`` of an error that names none of its own, by HTTP status.
STATUS_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    429: "too_many_requests",
    500: "server_error",
}


def error_code(exc: Exception | None, status: int) -> str:
    """The machine-readable code of an error: its own (``api_code``, or a Django
    ValidationError's ``code``), else the status's."""
    code = getattr(exc, "api_code", None)
    if code is None and exc is not None:
        for error in getattr(exc, "error_list", ()) or ():
            if getattr(error, "code", None):
                code = error.code
                break
    return code or STATUS_CODES.get(status, "error")


def api_error(exc: Exception, code: str) -> Exception:
    """``exc`` (an HttpError, Http404, ValidationError …) with its own machine ``code``."""
    exc.api_code = code
    return exc


def http_error(status: int, message: str, code: str) -> HttpError:
    return api_error(HttpError(status, message), code)


READ_ERRORS = {401: ErrorOut, 404: ErrorOut}
WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


def _access(request, study_id: int, *, missing: str) -> StudyAccess:
    """The requester's access to a study; a 404 saying ``missing`` for non-members."""
    try:
        return study_access(request.auth, study_id)
    except Http404:
        raise Http404(missing) from None
