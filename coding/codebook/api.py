"""The codebook versions endpoints (a router added to :mod:`workbench.api` under
``/studies/``): the list, one version's snapshot, the diff, and freezing a version.

Members read (blind coders without other coders' proposals); owners create."""

from __future__ import annotations

from typing import Annotated

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext
from ninja import Schema, Status
from pydantic import Field

from coding.codebook import versions
from coding.models import CodebookVersion
from studies.access import StudyAccess, study_access

Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class Error(Schema):
    detail: str


class VersionOut(Schema):
    id: int
    name: str
    note: str
    created_by: str | None
    created_at: str
    codes: int = Field(description="Codes in the snapshot you may see, archived ones included.")


class SnapshotCodeOut(Schema):
    id: int
    parent_id: int | None
    path: str
    name: str
    description: str
    inclusion: str
    exclusion: str
    example: str
    name2: str = Field("", description="The name in the study's second codebook language.")
    description2: str = ""
    inclusion2: str = ""
    exclusion2: str = ""
    example2: str = ""
    color: str
    archived: bool
    is_codable: bool
    position: int


class VersionDetailOut(VersionOut):
    snapshot: list[SnapshotCodeOut]


class ChangeOut(Schema):
    kind: str = Field(
        description="added, renamed, moved, merged, deleted, archived, restored or definition."
    )
    code_id: int
    path: str
    old: str
    new: str
    field: str = Field(
        description="For `definition`: description, inclusion, exclusion, example (with a 2: "
        "the second codebook language); for `renamed`: name2 when the second-language name changed."
    )
    words: list[list[str]] = Field(
        description="For `definition`: [op, text], op equal/delete/insert."
    )
    target_id: int | None = Field(description="For `merged`: the code it was merged into.")
    events: list[int] = Field(description="The audit events that made the change.")
    reason: str


class DiffOut(Schema):
    from_: str = Field(alias="from")
    to: str
    changes: list[ChangeOut]


class VersionIn(Schema):
    name: str
    note: str = ""


READ = {401: Error, 404: Error}


def _access(request, study_id: int) -> StudyAccess:
    try:
        return study_access(request.auth, study_id)
    except Http404:
        raise Http404(gettext("No such study.")) from None


def _out(access, version: CodebookVersion, snapshot=None) -> dict:
    rows = versions.visible_snapshot(access, version.snapshot) if snapshot is None else snapshot
    return {
        "id": version.pk,
        "name": version.name,
        "note": version.note,
        "created_by": version.created_by.username if version.created_by else None,
        "created_at": version.created_at.isoformat(),
        "codes": len(rows),
    }


def register(api) -> None:
    """Add the endpoints to ``api`` (before its catch-all 404 route)."""

    @api.get(
        "/studies/{study_id}/codebook/versions",
        response={200: list[VersionOut], **READ},
        url_name="codebook_versions",
    )
    def version_list(request, study_id: Id):
        """The study's codebook versions, oldest first."""
        access = _access(request, study_id)
        items = CodebookVersion.objects.filter(study=access.study).select_related("created_by")
        return [_out(access, v) for v in items.order_by("created_at", "pk")]

    @api.post(
        "/studies/{study_id}/codebook/versions",
        response={201: VersionOut, 400: Error, 403: Error, **READ},
        url_name="codebook_versions",
    )
    def version_create(request, study_id: Id, payload: VersionIn):
        """Freeze the codebook as it is now under `name` (unique in the study). Owners only."""
        access = _access(request, study_id)
        access.require_owner()
        version = versions.version_create(
            study=access.study, name=payload.name, note=payload.note, actor=request.auth
        )
        return Status(201, _out(access, version))

    @api.get(
        "/studies/{study_id}/codebook/versions/diff",
        response={200: DiffOut, 400: Error, **READ},
        url_name="codebook_version_diff",
        by_alias=True,
    )
    def version_diff(request, study_id: Id, to: str = versions.CURRENT):
        """The changes from version `from` (an id) to `to` (an id or `current`, the default),
        each with the audit events behind it and its reason. A merge is read from the audit
        log (a code gone without a merge is `deleted`)."""
        access = _access(request, study_id)
        from_key = request.GET.get("from") or ""
        if not from_key:
            raise ValidationError(gettext("from: choose a version."))
        old, new = versions.side(access, from_key), versions.side(access, to)
        changes = versions.diff(access, old, new)
        return {"from": old.key, "to": new.key, "changes": [c.as_dict() for c in changes]}

    @api.get(
        "/studies/{study_id}/codebook/versions/{version_id}",
        response={200: VersionDetailOut, **READ},
        url_name="codebook_version",
    )
    def version_detail(request, study_id: Id, version_id: Id):
        """One version with its snapshot: every code (archived ones too) in tree order."""
        access = _access(request, study_id)
        version = (
            CodebookVersion.objects.filter(study=access.study, pk=version_id)
            .select_related("created_by")
            .first()
        )
        if version is None:
            raise Http404(gettext("No such version."))
        rows = versions.visible_snapshot(access, version.snapshot)
        return {**_out(access, version, rows), "snapshot": rows}
