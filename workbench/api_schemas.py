"""Schemas every part of the JSON API shares (workbench/api.py and the routers it mounts)."""

from __future__ import annotations

from typing import Annotated

from ninja import Schema
from pydantic import Field

# Ids are bigint columns: larger numbers cannot name a row (and would overflow the query).
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class ErrorOut(Schema):
    detail: str


READ_ERRORS = {401: ErrorOut, 404: ErrorOut}
WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
