"""What the API's modules share (:mod:`workbench.api`, :mod:`workbench.api_themes`): the id
type, the error schema and the study access of a request."""

from __future__ import annotations

from typing import Annotated

from django.http import Http404
from ninja import Schema
from pydantic import Field

from studies.access import StudyAccess, study_access

# Ids are bigint columns: larger numbers cannot name a row (and would overflow the query).
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class ErrorOut(Schema):
    detail: str


READ_ERRORS = {401: ErrorOut, 404: ErrorOut}
WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


def _access(request, study_id: int, *, missing: str) -> StudyAccess:
    """The requester's access to a study; a 404 saying ``missing`` for non-members."""
    try:
        return study_access(request.auth, study_id)
    except Http404:
        raise Http404(missing) from None
