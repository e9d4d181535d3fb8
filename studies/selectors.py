"""Reads for the studies app."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from html import escape

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from coding.models import Assignment, Layer, LayerKind, Segment
from studies.access import StudyAccess
from studies.models import Invitation, Membership, Participant, Study, Transcript


def _count(model, **outer):
    """A correlated COUNT(*) subquery on ``model`` filtered by ``study = OuterRef("pk")``."""
    return Coalesce(
        Subquery(
            model.objects.filter(study=OuterRef("pk"))
            .order_by()
            .values("study")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
        0,
    )


def studies_for_user(user):
    """The user's studies with ``my_role`` and counts: one query whatever their size."""
    return (
        Study.objects.filter(memberships__user=user)
        .annotate(
            my_role=F("memberships__role"),
            n_transcripts=_count(Transcript),
            n_participants=_count(Participant),
            n_members=_count(Membership),
        )
        .order_by("name", "pk")
    )


@dataclass
class GridRow:
    participant: Participant
    cells: list[list[Transcript]]

    @property
    def cells_html(self) -> str:
        """The row's wave cells. Built in Python: at 10x the grid has over a thousand cells
        and per-cell template tags were most of the dashboard's time."""
        parts = []
        for cell in self.cells:
            if cell:
                # translate="no": the title attribute is the transcript's own title.
                links = "<br>".join(
                    f'<a href="{escape(t.code_url)}" title="{escape(t.title)}" translate="no">'
                    f"{escape(t.size_label)}</a>"
                    for t in cell
                )
                parts.append(f'<td class="grid-cell-present">{links}</td>')
            else:
                parts.append(not_interviewed_cell())
        return mark_safe("".join(parts))  # every value above is escaped


def not_interviewed_cell() -> str:
    return (
        '<td class="grid-cell-missing"><span aria-hidden="true">—</span>'
        f'<span class="sr-only">{escape(_("not interviewed"))}</span></td>'
    )


@dataclass
class GroupGrid:
    name: str
    rows: list[GridRow] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)  # transcripts per wave

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass
class CoderProgress:
    label: str
    is_me: bool
    coded: int
    done: int


@dataclass
class MyAssignment:
    transcript: Transcript
    done: bool
    segments: int


@dataclass
class AssignmentCell:
    transcripts: int = 0  # in the cell
    assigned: int = 0  # transcripts with at least one coder assigned
    double: int = 0  # transcripts with two coders or more
    assignments: int = 0  # (transcript, coder) pairs
    done: int = 0  # of those, marked done


@dataclass
class AssignmentRow:
    name: str
    cells: list[AssignmentCell]


@dataclass
class Dashboard:
    waves: list
    grids: list[GroupGrid]
    unassigned: list[Transcript]
    totals: list[int]
    total: int
    coders: list[CoderProgress]
    n_participants: int
    needs_review: int = 0
    mine: list[MyAssignment] = field(default_factory=list)
    by_cell: list[AssignmentRow] = field(default_factory=list)


def dashboard(access: StudyAccess) -> Dashboard:
    """Participants × waves per group, counts, coder progress.

    Queries (constant in the number of participants and transcripts): waves, groups,
    participants, transcripts (text deferred), layers, segment counts per layer, assignment
    done counts per layer, passages that need review (in the layers the requester sees),
    assignments of the visible coder layers, the requester's segments per transcript.
    """
    study = access.study
    waves = list(study.waves.all())
    wave_index = {w.pk: i for i, w in enumerate(waves)}
    groups = list(study.groups.all())
    participants = list(study.participants.all())
    transcripts = list(
        Transcript.objects.filter(study=study)
        .only("pk", "title", "participant_id", "wave_id", "length", "language")
        .order_by("title")
    )
    # Links and labels are built once here (see GridRow.cells_html).
    link_prefix = reverse("coding:transcript_code", args=[study.pk, 0])[: -len("0/")]
    chars = _("%(count)s chars")
    for t in transcripts:
        t.code_url = f"{link_prefix}{t.pk}/"
        t.size_label = chars % {"count": number_format(t.length, force_grouping=True)}
    by_participant: dict[int, list[list[Transcript]]] = defaultdict(lambda: [[] for _ in waves])
    unassigned = []
    totals = [0] * len(waves)
    for t in transcripts:
        if t.participant_id is None or t.wave_id is None:
            unassigned.append(t)
            continue
        by_participant[t.participant_id][wave_index[t.wave_id]].append(t)
        totals[wave_index[t.wave_id]] += 1
    grids = {g.pk: GroupGrid(name=g.name, counts=[0] * len(waves)) for g in groups}
    no_group = GroupGrid(name=_("(no group)"), counts=[0] * len(waves))
    for p in participants:
        grid = grids.get(p.group_id, no_group)
        cells = by_participant.get(p.pk) or [[] for _ in waves]
        grid.rows.append(GridRow(participant=p, cells=cells))
        for i, cell in enumerate(cells):
            grid.counts[i] += len(cell)
    ordered = [grids[g.pk] for g in groups]
    if no_group.rows:
        ordered.append(no_group)

    layers = [
        layer
        for layer in Layer.objects.filter(study=study).select_related("user")
        if access.can_see_layer(layer)
    ]
    layer_ids = [layer.pk for layer in layers]
    # Transcripts each layer has coded: one EXISTS probe per (transcript, layer) on the
    # segment index, so the cost follows the number of transcripts, not of segments.
    coded = (
        Transcript.objects.filter(study=study).aggregate(
            **{
                f"layer_{layer_id}": Count(
                    "pk",
                    filter=Q(
                        Exists(Segment.objects.filter(transcript=OuterRef("pk"), layer_id=layer_id))
                    ),
                )
                for layer_id in layer_ids
            }
        )
        if layer_ids
        else {}
    )
    done_counts = dict(
        Assignment.objects.filter(layer_id__in=layer_ids)
        .values("layer_id")
        .annotate(n=Count("pk", filter=Q(done_at__isnull=False)))
        .values_list("layer_id", "n")
    )
    needs_review = (
        Segment.objects.filter(layer_id__in=layer_ids, needs_review=True).count()
        if layer_ids
        else 0
    )
    coders = []
    for layer in sorted(layers, key=lambda la: (la.kind != LayerKind.CODER, la.label.lower())):
        coders.append(
            CoderProgress(
                label=layer.label,
                is_me=layer.kind == LayerKind.CODER and layer.user_id == access.membership.user_id,
                coded=coded.get(f"layer_{layer.pk}", 0),
                done=done_counts.get(layer.pk, 0),
            )
        )
    mine, by_cell = _assignments(access, layers, transcripts, participants, groups, waves)
    return Dashboard(
        mine=mine,
        by_cell=by_cell,
        waves=waves,
        grids=ordered,
        unassigned=unassigned,
        totals=totals,
        total=len(transcripts),
        coders=coders,
        n_participants=len(participants),
        needs_review=needs_review,
    )


def _assignments(access, layers, transcripts, participants, groups, waves):
    """The requester's own assignments (transcript, done, segments so far) and, for members
    who are not blind, assignments and completion per group x wave cell. Two queries."""
    from coding.models import LayerKind as Kind

    coder_layers = [la.pk for la in layers if la.kind == Kind.CODER]
    mine_layer = next(
        (
            la.pk
            for la in layers
            if la.kind == Kind.CODER and la.user_id == access.membership.user_id
        ),
        None,
    )
    rows = list(
        Assignment.objects.filter(layer_id__in=coder_layers).values_list(
            "transcript_id", "layer_id", "done_at"
        )
    )
    by_pk = {t.pk: t for t in transcripts}
    mine_rows = [(t, done) for t, la, done in rows if la == mine_layer and t in by_pk]
    mine = []
    if mine_rows:
        counts = dict(
            Segment.objects.filter(layer_id=mine_layer, transcript_id__in=[t for t, _ in mine_rows])
            .order_by()
            .values("transcript_id")
            .annotate(n=Count("pk"))
            .values_list("transcript_id", "n")
        )
        mine = [MyAssignment(by_pk[t], done is not None, counts.get(t, 0)) for t, done in mine_rows]
        mine.sort(key=lambda m: (m.done, m.transcript.title))
    if access.blind or not rows:
        return mine, []
    group_of = {p.pk: p.group_id for p in participants}
    cells = {(g.pk, w.pk): AssignmentCell() for g in groups for w in waves}
    cell_of = {}
    for t in transcripts:
        key = (group_of.get(t.participant_id), t.wave_id)
        if key in cells:
            cells[key].transcripts += 1
            cell_of[t.pk] = cells[key]
    coders_on: dict[int, int] = defaultdict(int)
    for t, _la, done in rows:
        cell = cell_of.get(t)
        if cell is None:
            continue
        coders_on[t] += 1
        cell.assignments += 1
        cell.done += done is not None
    for t, n in coders_on.items():
        cell_of[t].assigned += 1
        cell_of[t].double += n >= 2
    by_cell = [AssignmentRow(g.name, [cells[(g.pk, w.pk)] for w in waves]) for g in groups]
    return mine, by_cell


@dataclass
class DeletionSummary:
    """What goes with a transcript (or a participant's transcripts) when it is deleted."""

    transcripts: list[Transcript]
    segments: int
    layers: list[str]
    memos: int
    decisions: int
    assignments: int
    calibration_excerpts: int


def deletion_summary(transcripts) -> DeletionSummary:
    """Counts of everything deleted with ``transcripts`` (a QuerySet): six queries."""
    from coding.models import CalibrationUnit, ConsensusDecision, Memo

    transcripts = list(transcripts.defer("text").order_by("wave__position", "title"))
    ids = [t.pk for t in transcripts]
    per_layer = dict(
        Segment.objects.filter(transcript_id__in=ids)
        .order_by()
        .values("layer")
        .annotate(n=Count("pk"))
        .values_list("layer", "n")
    )
    layers = Layer.objects.filter(pk__in=per_layer).select_related("user")
    return DeletionSummary(
        transcripts=transcripts,
        segments=sum(per_layer.values()),
        layers=sorted(layer.label for layer in layers),
        memos=Memo.objects.filter(
            Q(transcript_id__in=ids) | Q(segment__transcript_id__in=ids)
        ).count(),
        decisions=ConsensusDecision.objects.filter(transcript_id__in=ids).count(),
        assignments=Assignment.objects.filter(transcript_id__in=ids).count(),
        calibration_excerpts=CalibrationUnit.objects.filter(transcript_id__in=ids).count(),
    )


def pending_invitations_for_user(user):
    """Invitations waiting for ``user``'s answer, with study and inviter preloaded."""
    return (
        Invitation.objects.pending()
        .filter(invited_user=user)
        .select_related("study", "created_by")
        .order_by("-created_at")
    )


def pending_invitations_for_study(study):
    """The study's pending invitations, with the invited user preloaded."""
    return study.invitations.pending().select_related("invited_user", "created_by")
