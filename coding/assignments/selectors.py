"""Reads for assignments: the transcripts x coders grid, the sampler's cells, a coder's own
list and the per-cell progress.

Blind coding: a member sees the assignments of the layers :meth:`StudyAccess.can_see_layer`
allows (a blind coder: their own), so nobody learns who else codes a transcript.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count

from coding.models import Assignment, Layer, LayerKind, SamplerDraw, Segment
from studies.access import StudyAccess
from studies.models import Membership, Role, Transcript


@dataclass
class Column:
    """A member who may code: their layer once it exists (it is made on the first write)."""

    user_id: int
    username: str
    role: str
    layer: Layer | None


@dataclass
class Cell:
    user_id: int
    username: str = ""
    assigned: bool = False
    done: bool = False
    segments: int = 0


@dataclass
class Row:
    pk: int
    title: str
    participant: str
    group_id: int | None
    group: str
    wave_id: int | None
    wave: str
    cells: list[Cell] = field(default_factory=list)


@dataclass
class Grid:
    columns: list[Column]
    rows: list[Row]
    groups: list
    waves: list

    @property
    def assigned(self) -> int:
        return sum(c.assigned for r in self.rows for c in r.cells)


def columns(access: StudyAccess) -> list[Column]:
    """Members who may code (coders, then owners, by name) whose layer the requester may
    see: under blind coding a coder gets only their own column. Two queries."""
    members = (
        Membership.objects.filter(study=access.study, role__in=(Role.CODER, Role.OWNER))
        .select_related("user")
        .order_by("user__username")
    )
    layers = {
        la.user_id: la
        for la in Layer.objects.filter(study=access.study, kind=LayerKind.CODER).select_related(
            "user"
        )
    }
    out = []
    for m in sorted(members, key=lambda m: (m.role != Role.CODER, m.user.username.lower())):
        if access.blind and m.user_id != access.membership.user_id:
            continue
        out.append(Column(m.user_id, m.user.username, m.role, layers.get(m.user_id)))
    return out


def _transcripts(study, groups=(), waves=()):
    qs = Transcript.objects.filter(study=study)
    if groups:
        qs = qs.filter(participant__group_id__in=list(groups))
    if waves:
        qs = qs.filter(wave_id__in=list(waves))
    return qs


def grid(access: StudyAccess, *, groups=(), waves=()) -> Grid:
    """Transcripts (filtered by group and wave) x the visible coders: assigned, done and
    segments so far per cell. Queries: members, layers, groups, waves, transcripts (values,
    no text), assignments, segment counts: 7, whatever the size of the study."""
    study = access.study
    cols = columns(access)
    layer_user = {c.layer.pk: c.user_id for c in cols if c.layer is not None}
    base = _transcripts(study, groups, waves)
    rows = [
        Row(pk, title, p or "", g, gname or "", w, wname or "")
        for pk, title, p, g, gname, w, wname in base.order_by(
            "participant__group__position", "wave__position", "title", "pk"
        ).values_list(
            "pk",
            "title",
            "participant__pseudonym",
            "participant__group_id",
            "participant__group__name",
            "wave_id",
            "wave__name",
        )
    ]
    state: dict[tuple[int, int], Cell] = {}
    for tid, lid, done_at in Assignment.objects.filter(
        layer_id__in=list(layer_user), transcript__in=base.values("pk")
    ).values_list("transcript_id", "layer_id", "done_at"):
        state[(tid, layer_user[lid])] = Cell(layer_user[lid], "", True, done_at is not None)
    for tid, lid, n in (
        Segment.objects.filter(layer_id__in=list(layer_user), transcript__in=base.values("pk"))
        .order_by()
        .values("transcript_id", "layer_id")
        .annotate(n=Count("pk"))
        .values_list("transcript_id", "layer_id", "n")
    ):
        state.setdefault((tid, layer_user[lid]), Cell(layer_user[lid])).segments = n
    for row in rows:
        row.cells = [state.get((row.pk, c.user_id)) or Cell(c.user_id) for c in cols]
        for cell, col in zip(row.cells, cols, strict=True):
            cell.username = col.username
    return Grid(cols, rows, list(study.groups.all()), list(study.waves.all()))


def sampler_cells(study, *, groups=(), waves=()) -> dict[tuple[int, int], list[int]]:
    """The design's cells for the sampler: (group id, wave id) -> transcript ids, 0 for a
    transcript with no participant group or no wave. One query."""
    cells: dict[tuple[int, int], list[int]] = defaultdict(list)
    for pk, g, w in _transcripts(study, groups, waves).values_list(
        "pk", "participant__group_id", "wave_id"
    ):
        cells[(g or 0, w or 0)].append(pk)
    return dict(cells)


def segments_on(layer_ids, pairs) -> dict[tuple[int, int], int]:
    """(transcript id, layer id) -> segments, for the pairs given. One query."""
    tids = sorted({t for t, _ in pairs})
    found = (
        Segment.objects.filter(layer_id__in=list(layer_ids), transcript_id__in=tids)
        .order_by()
        .values("transcript_id", "layer_id")
        .annotate(n=Count("pk"))
        .values_list("transcript_id", "layer_id", "n")
    )
    return {(t, la): n for t, la, n in found if (t, la) in pairs}


@dataclass
class MyAssignment:
    pk: int
    title: str
    participant: str
    wave: str
    done: bool
    segments: int


def my_assignments(access: StudyAccess) -> list[MyAssignment]:
    """The requester's own assignments with done and segments so far. Three queries (the
    layer, its assignments, its segment counts); one when they have no layer yet."""
    layer = Layer.objects.filter(
        study=access.study, kind=LayerKind.CODER, user_id=access.membership.user_id
    ).first()
    if layer is None:
        return []
    rows = (
        Assignment.objects.filter(layer=layer)
        .values_list(
            "transcript_id",
            "transcript__title",
            "transcript__participant__pseudonym",
            "transcript__wave__name",
            "done_at",
        )
        .order_by("transcript__wave__position", "transcript__title", "transcript_id")
    )
    rows = list(rows)
    counts = dict(
        Segment.objects.filter(layer=layer, transcript_id__in=[r[0] for r in rows])
        .order_by()
        .values("transcript_id")
        .annotate(n=Count("pk"))
        .values_list("transcript_id", "n")
    )
    return [
        MyAssignment(tid, title, p or "", w or "", done is not None, counts.get(tid, 0))
        for tid, title, p, w, done in rows
    ]


def draws(study, limit: int = 20):
    """The study's recorded sampler draws, newest first, with who drew them."""
    return SamplerDraw.objects.filter(study=study).select_related("created_by")[:limit]
