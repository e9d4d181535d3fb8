"""JSON API for assignments and the double-coding sampler, mounted by workbench/api.py:

* ``GET /studies/{id}/assignments``: every member; a blind coder gets only their own.
* ``POST /studies/{id}/assignments``: owners; assign and unassign (a coded transcript is kept).
* ``POST /studies/{id}/assignments/sample``: owners; preview (the default) or apply a draw.

Errors and authentication are the API's (workbench/api.py): 404 for non-members, 403 for
members who may not write, 400 with ``detail`` for what a service refuses.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext
from ninja import Router, Schema, Status
from pydantic import Field

from coding.assignments import selectors, services
from studies.access import StudyAccess, study_access
from studies.models import Membership, Role
from workbench.api_common import READ_ERRORS, WRITE_ERRORS, Id

router = Router()


def _access(request, study_id: int) -> StudyAccess:
    try:
        return study_access(request.auth, study_id)
    except Http404:
        raise Http404(gettext("No such study.")) from None


def _user_ids(study, usernames: list[str]) -> dict[str, int]:
    """Username -> user id of the study's coders and owners; ValidationError naming the
    others. One query."""
    found = dict(
        Membership.objects.filter(
            study=study, role__in=(Role.CODER, Role.OWNER), user__username__in=usernames
        ).values_list("user__username", "user_id")
    )
    unknown = sorted(set(usernames) - set(found))
    if unknown:
        raise ValidationError(
            gettext("Not a coder or owner of this study: %(names)s.")
            % {"names": ", ".join(unknown)}
        )
    return found


class AssignmentOut(Schema):
    transcript_id: int
    title: str
    participant: str | None
    group: str | None
    wave: str | None
    coder: str
    done: bool
    segments: int = Field(description="The coder's segments on the transcript so far.")


class AssignmentsOut(Schema):
    coders: list[str] = Field(description="The coders you may see (blind coding: yourself).")
    assignments: list[AssignmentOut]


@router.get(
    "/studies/{study_id}/assignments",
    response={200: AssignmentsOut, **READ_ERRORS},
    url_name="study_assignments",
)
def assignments_list(request, study_id: Id):
    """Who is assigned which transcript, with done and segments so far. Under blind coding
    a coder sees only their own assignments."""
    grid = selectors.grid(_access(request, study_id))
    rows = [
        {
            "transcript_id": row.pk,
            "title": row.title,
            "participant": row.participant or None,
            "group": row.group or None,
            "wave": row.wave or None,
            "coder": cell.username,
            "done": cell.done,
            "segments": cell.segments,
        }
        for row in grid.rows
        for cell in row.cells
        if cell.assigned
    ]
    return {"coders": [c.username for c in grid.columns], "assignments": rows}


class PairIn(Schema):
    transcript_id: Id
    coder: str = Field(description="The coder's username.")


class AssignmentsIn(Schema):
    assign: list[PairIn] = []
    unassign: list[PairIn] = []


class KeptOut(Schema):
    transcript_id: int
    coder: str
    segments: int


class AssignmentsChangedOut(Schema):
    assigned: int
    unassigned: int
    kept: list[KeptOut] = Field(
        description="Unassignments refused because the coder has segments there (kept)."
    )


@router.post(
    "/studies/{study_id}/assignments",
    response={200: AssignmentsChangedOut, **WRITE_ERRORS},
    url_name="study_assignments_write",
)
def assignments_write(request, study_id: Id, payload: AssignmentsIn):
    """Assign and unassign transcripts (owners). Unassigning a transcript the coder has
    coded is refused for that pair and listed in `kept`; nothing is deleted."""
    access = _access(request, study_id)
    access.require_owner()
    pairs = [*payload.assign, *payload.unassign]
    ids = _user_ids(access.study, sorted({p.coder for p in pairs}))
    layers = {name: services.coder_layer(study=access.study, user_id=u) for name, u in ids.items()}
    changed = services.assignment_update(
        study=access.study,
        actor=request.auth,
        add=[(p.transcript_id, layers[p.coder]) for p in payload.assign],
        remove=[(p.transcript_id, layers[p.coder]) for p in payload.unassign],
    )
    return {
        "assigned": len(changed.added),
        "unassigned": len(changed.removed),
        "kept": [
            {"transcript_id": k.transcript_id, "coder": k.layer.label, "segments": k.segments}
            for k in changed.kept
        ],
    }


class SampleIn(Schema):
    coders: list[str] = Field([], description="Two usernames: coder A and coder B.")
    percent: float | None = Field(None, description="A share of the transcripts (0-100].")
    count: int | None = Field(None, description="Or a number of transcripts.")
    seed: int | None = Field(None, ge=0, le=2**63 - 1, description="Required.")
    groups: list[int] = Field([], description="Only these groups' transcripts (default all).")
    waves: list[int] = Field([], description="Only these waves' transcripts (default all).")
    apply: bool = Field(False, description="false: a preview that writes nothing.")


class CellOut(Schema):
    group_id: int | None
    wave_id: int | None
    transcripts: int
    share: float = Field(description="The cell's exact share of the sample.")
    drawn: int


class SampleOut(Schema):
    draw_id: int | None = Field(description="The recorded draw (null in a preview).")
    seed: int
    target: int
    added_by_rule: int = Field(description="Transcripts the at-least-one-per-cell rule adds.")
    transcript_ids: list[int]
    cells: list[CellOut]


@router.post(
    "/studies/{study_id}/assignments/sample",
    response={200: SampleOut, 201: SampleOut, **WRITE_ERRORS},
    url_name="study_assignments_sample",
)
def assignments_sample(request, study_id: Id, payload: SampleIn):
    """The double-coding sampler (owners): a stratified `percent` % (or `count`) of the
    transcripts, at least one per group x wave cell, by largest remainder;
    `random.Random(seed)` over each cell's transcripts sorted by id. `apply=true` assigns
    them to both coders and records the draw (201)."""
    access = _access(request, study_id)
    access.require_owner()
    if len(payload.coders) != 2:
        raise ValidationError(gettext("coders: name two coders."))
    if payload.seed is None:
        raise ValidationError(gettext("seed: give the seed of the draw (any whole number from 0)."))
    ids = _user_ids(access.study, payload.coders)
    sample = services.SampleRequest(
        user_ids=[ids[name] for name in payload.coders],
        seed=payload.seed,
        percent=payload.percent,
        count=payload.count,
        groups=payload.groups,
        waves=payload.waves,
    )
    cells = selectors.sampler_cells(access.study, groups=sample.groups, waves=sample.waves)
    drawn = services.sample_preview(study=access.study, request=sample, cells=cells)
    draw_id = None
    if payload.apply:
        draw_id = services.sample_apply(study=access.study, actor=request.auth, request=sample).pk
    out = {
        "draw_id": draw_id,
        "seed": payload.seed,
        "target": drawn.plan.target,
        "added_by_rule": drawn.plan.added_by_rule,
        "transcript_ids": drawn.chosen,
        "cells": [
            {
                "group_id": g or None,
                "wave_id": w or None,
                "transcripts": len(cells[(g, w)]),
                "share": float(drawn.plan.quotas[(g, w)]),
                "drawn": n,
            }
            for (g, w), n in sorted(drawn.plan.counts.items())
        ],
    }
    return Status(201 if payload.apply else 200, out)
