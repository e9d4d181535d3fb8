"""Writes for assignments: by hand (a grid's ticks), in bulk, and the double-coding sampler.

Every write is one audit event. Unassigning never touches coding: a coder who has segments
on a transcript keeps the assignment (the refusal says how many segments), since the
agreement report counts a layer as present where it has segments anyway.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from coding.assignments import sampler
from coding.assignments.selectors import segments_on
from coding.audit import audit
from coding.models import Assignment, Layer, LayerKind, SamplerDraw
from studies.models import Membership, Role, Study


def coder_layer(*, study: Study, user_id: int) -> Layer:
    """The coder layer of a member who may code (made on first use); ValidationError for
    anyone else (a viewer, a non-member)."""
    member = (
        Membership.objects.filter(study=study, user_id=user_id, role__in=(Role.CODER, Role.OWNER))
        .select_related("user")
        .first()
    )
    if member is None:
        raise ValidationError("Only the study's coders and owners can be assigned transcripts.")
    layer, _ = Layer.objects.get_or_create(study=study, kind=LayerKind.CODER, user=member.user)
    layer.user = member.user
    return layer


@dataclass
class Kept:
    transcript_id: int
    layer: Layer
    segments: int


@dataclass
class Changed:
    added: list[tuple[int, int]] = field(default_factory=list)  # (transcript id, layer id)
    removed: list[tuple[int, int]] = field(default_factory=list)
    kept: list[Kept] = field(default_factory=list)  # unassignments refused: coded there


def assignment_update(
    *,
    study: Study,
    actor,
    add: list[tuple[int, Layer]] = (),
    remove: list[tuple[int, Layer]] = (),
) -> Changed:
    """Assign and unassign ``(transcript id, layer)`` pairs of ``study``. Pairs already in
    that state are skipped; an unassignment where the layer has segments is refused and
    listed in ``kept``. One audit event ``assignment.update`` when anything changed."""
    tids = {t for t, _ in [*add, *remove]}
    known = set(study.transcripts.filter(pk__in=tids).values_list("pk", flat=True))
    if tids - known:
        raise ValidationError("Some of these transcripts are not in this study.")
    layers = {la.pk: la for _, la in [*add, *remove]}
    if any(la.study_id != study.pk or la.kind != LayerKind.CODER for la in layers.values()):
        raise ValidationError("Assignments are for coders' layers of this study.")
    out = Changed()
    with transaction.atomic():
        existing = {
            (t, la): (pk, done)
            for pk, t, la, done in Assignment.objects.select_for_update()
            .filter(transcript_id__in=tids, layer_id__in=list(layers))
            .values_list("pk", "transcript_id", "layer_id", "done_at")
        }
        new = sorted({(t, la.pk) for t, la in add} - set(existing))
        Assignment.objects.bulk_create(
            [Assignment(transcript_id=t, layer_id=la) for t, la in new], ignore_conflicts=True
        )
        out.added = new
        wanted_off = sorted({(t, la.pk) for t, la in remove} & set(existing))
        coded = segments_on(list(layers), set(wanted_off))
        before = []
        for t, la in wanted_off:
            if coded.get((t, la)):
                out.kept.append(Kept(t, layers[la], coded[(t, la)]))
                continue
            pk, done = existing[(t, la)]
            out.removed.append((t, la))
            before.append({"id": pk, "transcript_id": t, "layer_id": la, "done_at": done})
        if before:
            Assignment.objects.filter(pk__in=[b["id"] for b in before]).delete()
        if out.added or out.removed:
            audit(
                study=study,
                actor=actor,
                action="assignment.update",
                object_type="assignment",
                before={"removed": [{**b, "done_at": _iso(b["done_at"])} for b in before]},
                after={"added": [list(p) for p in out.added]},
            )
    return out


def _iso(value):
    return value.isoformat() if value is not None else None


@dataclass
class SampleRequest:
    user_ids: list[int]  # the two (or more) coders (their layers are made on apply)
    seed: int
    percent: float | None = None
    count: int | None = None
    groups: list[int] = field(default_factory=list)
    waves: list[int] = field(default_factory=list)


def sample_preview(*, study: Study, request: SampleRequest, cells=None) -> sampler.Draw:
    """The draw the request makes, written nowhere. ValueError/ValidationError for a bad
    size. One query (the cells)."""
    from coding.assignments.selectors import sampler_cells

    if len(set(request.user_ids)) < 2:
        raise ValidationError("Choose two different coders for double coding.")
    if cells is None:
        cells = sampler_cells(study, groups=request.groups, waves=request.waves)
    if not cells:
        raise ValidationError("There are no transcripts to draw from.")
    try:
        return sampler.draw(cells, seed=request.seed, percent=request.percent, count=request.count)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


def sample_apply(*, study: Study, actor, request: SampleRequest) -> SamplerDraw:
    """Draw (as :func:`sample_preview`), assign every chosen transcript to every layer of the
    request, and record the draw (a SamplerDraw row and one ``sampler.draw`` audit event)."""
    drawn = sample_preview(study=study, request=request)
    with transaction.atomic():
        layers = [coder_layer(study=study, user_id=u) for u in request.user_ids]
        changed = assignment_update(
            study=study, actor=actor, add=[(t, la) for t in drawn.chosen for la in layers]
        )
        params = {
            "percent": request.percent,
            "count": request.count,
            "groups": request.groups,
            "waves": request.waves,
            "layer_ids": [la.pk for la in layers],
            "coders": [la.label for la in layers],
            "target": drawn.plan.target,
            "added_by_rule": drawn.plan.added_by_rule,
            "cells": [[g, w, n] for (g, w), n in sorted(drawn.plan.counts.items())],
            "newly_assigned": len(changed.added),
        }
        row = SamplerDraw(
            study=study,
            params=params,
            seed=request.seed,
            transcript_ids=drawn.chosen,
            created_by=actor,
        )
        row.full_clean()
        row.save()
        audit(
            study=study,
            actor=actor,
            action="sampler.draw",
            obj=row,
            after={"params": params, "seed": request.seed, "transcript_ids": drawn.chosen},
        )
    return row
