"""Comparison across stakeholder groups and waves: reads and pure computation.

Four analyses share one vocabulary:

* **Frame**: the study's groups and waves in order, which participant was interviewed at
  which wave, and the denominators (participants of a group interviewed at a wave).
  Transcripts without a participant, a group or a wave have no cell and are left out.
* **Layer choice**: ``consensus``, ``union`` (every coder and imported layer the
  requester may see) or one layer's key (a username or ``layer-<id>``). Blind coders
  see only their own layer: asking for anything else gives their own layer.
* **Measures** of a (code, group, wave) cell:

  - ``segments``: coded passages. In the union, identical spans (same transcript, code,
    start and end) coded by several coders count once: *distinct passages*.
  - ``participants``: distinct participants with at least one segment, out of the
    participants of that group interviewed at that wave (the denominator).
  - ``transcripts``: distinct transcripts with at least one segment.

  A participant coded by two coders counts once in the union, as does a transcript.
* **Rollup**: a parent's cell covers its whole subtree. Participants and transcripts are
  counted distinct over the subtree (not summed over children); segments are summed,
  since a segment has one code.

Every selector here runs a fixed number of queries whatever the number of codes and
segments; the docstrings list them.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import BigIntegerField, Count, F, Q, Value
from django.db.models.functions import Cast

from coding.codebook import selectors as codebook_selectors
from coding.models import FRAMEWORK_KEY, ConsensusDecision, Layer, LayerKind, Memo, Segment
from coding.segments import selectors as segment_selectors
from studies.access import StudyAccess
from studies.models import Participant, StakeholderGroup, Transcript, Wave

MEASURES: dict[str, str] = {
    "segments": "Segments",
    "participants": "Participants coded",
    "transcripts": "Transcripts coded",
}
UNION = "union"
CONSENSUS = "consensus"
NO_CONSENSUS_NOTE = "No consensus yet: showing coders' union."
#: The transcripts a view can place in a (group, wave) cell: the matrix's and the
#: trajectories' scope (the framework adds its wave).
PLACED = Q(participant__isnull=False, participant__group__isnull=False, wave__isnull=False)
BLIND_NOTE = (
    "Blind coding is on: only your own layer is counted; other coders' layers and the "
    "consensus layer are hidden until the study's owner turns it off."
)

# Offsets are code points of one transcript; 2**32 exceeds any transcript length, so
# ``start * 2**32 + end`` names a span uniquely (and fits in a 64-bit integer).
_SPAN_BASE = 2**32


def _span_key():
    return Cast(F("start"), BigIntegerField()) * Value(_SPAN_BASE) + F("end")


# --- Layer choice ----------------------------------------------------------------------


@dataclass
class LayerOption:
    key: str
    label: str
    current: bool = False


@dataclass(frozen=True)
class Coverage:
    """How many of a view's transcripts the consensus layer covers: a transcript is covered
    when it has a consensus segment or an active (not undone) consensus decision."""

    covered: int
    total: int

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.covered == self.total

    @property
    def sentence(self) -> str:
        if self.complete:
            n = self.total
            return f"Consensus covers all {n} transcript{'s' if n != 1 else ''} of this view."
        return f"Consensus covers {self.covered} of {self.total} transcripts"


def consensus_coverage(study, consensus: Layer | None, scope: dict | Q | None) -> Coverage:
    """One query: the transcripts in ``scope`` (filters on ``Transcript``) and how many of
    them have a consensus segment or an active consensus decision."""
    transcripts = Transcript.objects.filter(study=study)
    if isinstance(scope, Q):
        transcripts = transcripts.filter(scope)
    elif scope:
        transcripts = transcripts.filter(**scope)
    settled = Q(
        pk__in=ConsensusDecision.objects.filter(study=study, undone_at__isnull=True).values(
            "transcript_id"
        )
    )
    if consensus is not None:
        settled |= Q(pk__in=Segment.objects.filter(layer=consensus).values("transcript_id"))
    counts = transcripts.order_by().aggregate(
        total=Count("pk"), covered=Count("pk", filter=settled)
    )
    return Coverage(covered=counts["covered"] or 0, total=counts["total"] or 0)


@dataclass
class LayerChoice:
    """The layers a comparison counts, resolved from the request against access rules."""

    key: str  # "consensus", "union" or a layer's key
    label: str
    layers: list[Layer]
    options: list[LayerOption]
    note: str = ""  # shown on the page, e.g. NO_CONSENSUS_NOTE
    blind: bool = False
    coverage: Coverage | None = None  # of the consensus layer, over the view's scope

    @property
    def layer_ids(self) -> list[int]:
        return [layer.pk for layer in self.layers]

    @property
    def is_union(self) -> bool:
        return self.key == UNION

    @property
    def retrieval_key(self) -> str | None:
        """The ``layer`` parameter of coded retrieval (``union`` = every coder layer)."""
        if self.key == UNION:
            return self.layers[0].key if len(self.layers) == 1 else UNION
        return self.key


def layer_choice(
    access: StudyAccess, requested: str | None, *, scope: dict | Q | None = None
) -> LayerChoice:
    """Resolve ``requested`` (consensus | union | layer key | None) for this member.

    ``scope`` filters the study's transcripts down to the view's (e.g. :data:`PLACED`, or
    ``{"wave_id": 3}``); consensus *coverage* is counted over them. Default: consensus when
    it covers every transcript of the scope, else the coders' union, and the note says how
    much consensus covers (consensus is used only where it exists). A blind coder gets
    their own layer (for None, "union" or their own key). Queries: 1 (visible layers), plus
    1 (coverage) unless blind. Raises LookupError for a key that names no layer the member
    may see.
    """
    # Only layers with segments: an empty layer is in no union and no list.
    visible = segment_selectors.listed_layers(access)
    own_user = access.membership.user_id
    consensus = next((lr for lr in visible if lr.kind == LayerKind.CONSENSUS), None)
    coders = sorted(
        (lr for lr in visible if lr.kind != LayerKind.CONSENSUS),
        key=lambda lr: (lr.kind != LayerKind.CODER, lr.label.lower()),
    )
    if access.blind:
        own = [lr for lr in coders if lr.user_id == own_user]
        if requested not in (None, "", UNION, *(lr.key for lr in own)):
            raise LookupError("No such layer.")
        label = "Your layer"
        option = LayerOption(own[0].key if own else UNION, label, current=True)
        return LayerChoice(
            key=option.key, label=label, layers=own, options=[option], note=BLIND_NOTE, blind=True
        )

    coverage = consensus_coverage(access.study, consensus, scope)
    consensus_label = "Consensus"
    if coverage.covered and not coverage.complete:
        consensus_label = f"Consensus ({coverage.covered} of {coverage.total} transcripts)"
    options = [LayerOption(CONSENSUS, consensus_label), LayerOption(UNION, "Coders' union")]
    options += [LayerOption(lr.key, lr.label) for lr in coders]
    by_key = {lr.key: lr for lr in coders}
    note = ""
    if requested in (None, ""):
        requested = CONSENSUS if coverage.complete else UNION
        if not coverage.covered:
            note = NO_CONSENSUS_NOTE
        elif not coverage.complete:
            note = f"{coverage.sentence}: showing coders' union until consensus covers them all."
    if requested == CONSENSUS:
        key, label, layers = CONSENSUS, "Consensus", [consensus] if consensus else []
        if coverage.complete:
            note = coverage.sentence
        elif coverage.covered:
            rest = coverage.total - coverage.covered
            note = f"{coverage.sentence}: the other {rest} count as not coded."
    elif requested == UNION:
        key, label, layers = UNION, "Coders' union", coders
    elif requested in by_key:
        layer = by_key[requested]
        key, label, layers = requested, layer.label, [layer]
    else:
        raise LookupError("No such layer.")
    for option in options:
        option.current = option.key == key
    return LayerChoice(
        key=key, label=label, layers=layers, options=options, note=note, coverage=coverage
    )


def parse_measure(raw: str | None) -> str:
    return raw if raw in MEASURES else "participants"


def parse_flag(raw: str | None, default: bool = True) -> bool:
    if raw in (None, ""):
        return default
    return raw not in ("0", "false", "no", "off")


# --- Frame: groups, waves, who was interviewed when ---------------------------------------


@dataclass(frozen=True)
class Column:
    group: StakeholderGroup
    wave: Wave
    participants: int  # interviewed: the denominator
    transcripts: int

    @property
    def key(self) -> tuple[int, int]:
        return (self.group.pk, self.wave.pk)

    @property
    def interviewed(self) -> bool:
        return self.participants > 0


@dataclass
class Frame:
    groups: list[StakeholderGroup]
    waves: list[Wave]
    participants: list[Participant]  # ordered by group position then pseudonym
    # transcript id -> (participant id, group id, wave id), placed transcripts only
    transcripts: dict[int, tuple[int, int, int]]
    interviewed: dict[tuple[int, int], set[int]]  # (group, wave) -> participant ids
    transcript_counts: dict[tuple[int, int], int]
    unplaced: int  # transcripts without participant, group or wave

    @property
    def columns(self) -> list[Column]:
        return [
            Column(
                group=g,
                wave=w,
                participants=len(self.interviewed.get((g.pk, w.pk), ())),
                transcripts=self.transcript_counts.get((g.pk, w.pk), 0),
            )
            for g in self.groups
            for w in self.waves
        ]

    def denominator(self, group_id: int, wave_id: int) -> int:
        return len(self.interviewed.get((group_id, wave_id), ()))


def study_frame(study) -> Frame:
    """Groups, waves, participants and the placement of every transcript: 4 queries."""
    groups = list(study.groups.all())
    waves = list(study.waves.all())
    group_pos = {g.pk: i for i, g in enumerate(groups)}
    participants = sorted(
        Participant.objects.filter(study=study, group__isnull=False).only(
            "pk", "pseudonym", "group_id"
        ),
        key=lambda p: (group_pos.get(p.group_id, 0), p.pseudonym.lower(), p.pk),
    )
    placed: dict[int, tuple[int, int, int]] = {}
    interviewed: dict[tuple[int, int], set[int]] = defaultdict(set)
    counts: dict[tuple[int, int], int] = defaultdict(int)
    unplaced = 0
    rows = Transcript.objects.filter(study=study).values_list(
        "pk", "participant_id", "participant__group_id", "wave_id"
    )
    for tid, pid, gid, wid in rows:
        if pid is None or gid is None or wid is None:
            unplaced += 1
            continue
        placed[tid] = (pid, gid, wid)
        interviewed[(gid, wid)].add(pid)
        counts[(gid, wid)] += 1
    return Frame(
        groups=groups,
        waves=waves,
        participants=participants,
        transcripts=placed,
        interviewed=dict(interviewed),
        transcript_counts=dict(counts),
        unplaced=unplaced,
    )


# --- Heat scale ------------------------------------------------------------------------

# One hue (ColorBrewer "Blues"), light to dark; readable by the common colour-vision
# deficiencies because only lightness varies. Text colour per bin keeps >= 4.5:1.
HEAT_COLOURS = ("#f7fbff", "#deebf7", "#9ecae1", "#6baed6", "#2171b5", "#08306b")
DARK_TEXT = "#1b1f24"
LIGHT_TEXT = "#ffffff"


def _luminance(hex_colour: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_colour(background: str) -> str:
    """Dark or light text, whichever contrasts more with ``background``."""
    return max((DARK_TEXT, LIGHT_TEXT), key=lambda fg: contrast(background, fg))


@dataclass(frozen=True)
class Bin:
    index: int
    label: str
    background: str
    foreground: str


@dataclass(frozen=True)
class HeatScale:
    """Bins for percentages (fixed) or counts (relative to the largest value)."""

    percent: bool
    maximum: int
    uppers: tuple[int, ...]  # inclusive upper bound of bins 1..5 (counts only)

    @classmethod
    def for_percent(cls) -> HeatScale:
        return cls(percent=True, maximum=100, uppers=())

    @classmethod
    def for_counts(cls, values: Iterable[int]) -> HeatScale:
        maximum = max(values, default=0)
        uppers = tuple(math.ceil(maximum * k / 5) for k in range(1, 6)) if maximum else ()
        return cls(percent=False, maximum=maximum, uppers=uppers)

    def bin_of(self, value: int, denominator: int = 0) -> int:
        if value <= 0:
            return 0
        if self.percent:
            share = value / denominator if denominator else 0
            return min(5, 1 + int(share * 5)) if share < 1 else 5
        for k, upper in enumerate(self.uppers, start=1):
            if value <= upper:
                return k
        return 5

    def bins(self) -> list[Bin]:
        def make(i: int, label: str) -> Bin:
            return Bin(i, label, HEAT_COLOURS[i], text_colour(HEAT_COLOURS[i]))

        if self.percent:
            labels = ["0%", "1–19%", "20–39%", "40–59%", "60–79%", "80–100%"]
            return [make(i, label) for i, label in enumerate(labels)]
        result = [make(0, "0")]
        lower = 1
        for k, upper in enumerate(self.uppers, start=1):
            if upper >= lower:
                result.append(make(k, str(lower) if upper == lower else f"{lower}–{upper}"))
                lower = upper + 1
        return result


def percent(value: int, denominator: int) -> int | None:
    """Whole percent, halves rounded up (as people do by hand); None without denominator."""
    if not denominator:
        return None
    return int(value * 100 / denominator + 0.5)


# --- Group x wave matrix --------------------------------------------------------------


@dataclass
class MatrixCell:
    code_id: int
    group_id: int
    wave_id: int
    segments: int | None  # None unless the measure is segments (not counted)
    participants: int
    transcripts: int
    denominator: int  # participants of the group interviewed at the wave
    transcript_denominator: int
    measure: str

    @property
    def interviewed(self) -> bool:
        return self.denominator > 0

    @property
    def value(self) -> int:
        return getattr(self, self.measure)

    @property
    def percent(self) -> int | None:
        if self.measure != "participants":
            return None
        return percent(self.participants, self.denominator)

    @property
    def text(self) -> str:
        """The cell as printed on the page and in exports."""
        if not self.interviewed:
            return "—"
        if self.measure == "participants":
            return f"{self.participants}/{self.denominator} · {self.percent}%"
        return str(self.value)


@dataclass
class MatrixRow:
    node: codebook_selectors.CodeNode
    cells: list[MatrixCell]
    has_children: bool


@dataclass
class Matrix:
    measure: str
    rollup: bool
    frame: Frame
    columns: list[Column]
    rows: list[MatrixRow]
    scale: HeatScale

    def cell(self, code_id: int, group_id: int, wave_id: int) -> MatrixCell | None:
        for row in self.rows:
            if row.node.pk == code_id:
                for cell in row.cells:
                    if (cell.group_id, cell.wave_id) == (group_id, wave_id):
                        return cell
        return None


def _counts_by_code_transcript(
    layer_ids: Sequence[int], *, count: bool = True, distinct_spans: bool = False, **filters
):
    """One aggregate query: (code id, transcript id, segments) for the given layers.

    With ``distinct_spans`` a span coded identically in several layers counts once.
    Without ``count`` the rows are the distinct (code, transcript) pairs and the third
    item is None (cheaper: enough for participants and transcripts).
    """
    if not layer_ids:
        return []
    qs = Segment.objects.filter(layer_id__in=list(layer_ids), **filters).order_by()
    if not count:
        return ((c, t, None) for c, t in qs.values_list("code_id", "transcript_id").distinct())
    counter = Count(_span_key(), distinct=True) if distinct_spans else Count("pk")
    return qs.values_list("code_id", "transcript_id").annotate(n=counter)


def _ancestors(book: codebook_selectors.Codebook) -> dict[int, tuple[int, ...]]:
    """Code id -> itself and its ancestors."""
    result: dict[int, tuple[int, ...]] = {}

    def visit(node: codebook_selectors.CodeNode, chain: tuple[int, ...]):
        chain = (*chain, node.pk)
        result[node.pk] = chain
        for child in node.children:
            visit(child, chain)

    for root in book.roots:
        visit(root, ())
    return result


def matrix(
    study,
    choice: LayerChoice,
    *,
    measure: str = "participants",
    rollup: bool = True,
    book: codebook_selectors.Codebook | None = None,
    frame: Frame | None = None,
) -> Matrix:
    """The group x wave matrix of every code.

    Queries: codebook (1) and frame (4) unless given, then one aggregate over segments
    grouped by (code, transcript) (the distinct pairs only, unless the measure is
    segments). Participants and transcripts are then counted distinct per cell in
    memory, so a parent's rollup never double-counts. ``segments`` of the cells is None
    unless ``measure`` is "segments".
    """
    book = book if book is not None else codebook_selectors.codebook(study)
    frame = frame if frame is not None else study_frame(study)
    targets = _ancestors(book) if rollup else {pk: (pk,) for pk in book.by_id}

    segs: dict[tuple[int, int, int], int] = defaultdict(int)
    parts: dict[tuple[int, int, int], set[int]] = defaultdict(set)
    trans: dict[tuple[int, int, int], set[int]] = defaultdict(set)
    placement = frame.transcripts
    with_segments = measure == "segments"
    rows = _counts_by_code_transcript(
        choice.layer_ids, count=with_segments, distinct_spans=len(choice.layers) > 1
    )
    for code_id, transcript_id, n in rows:
        where = placement.get(transcript_id)
        if where is None:
            continue
        pid, gid, wid = where
        for target in targets.get(code_id, ()):
            key = (target, gid, wid)
            if with_segments:
                segs[key] += n
            parts[key].add(pid)
            trans[key].add(transcript_id)

    columns = frame.columns
    matrix_rows = []
    for node in book.walk():
        cells = []
        for col in columns:
            key = (node.pk, col.group.pk, col.wave.pk)
            cells.append(
                MatrixCell(
                    code_id=node.pk,
                    group_id=col.group.pk,
                    wave_id=col.wave.pk,
                    segments=segs.get(key, 0) if with_segments else None,
                    participants=len(parts.get(key, ())),
                    transcripts=len(trans.get(key, ())),
                    denominator=col.participants,
                    transcript_denominator=col.transcripts,
                    measure=measure,
                )
            )
        matrix_rows.append(MatrixRow(node=node, cells=cells, has_children=bool(node.children)))
    if measure == "participants":
        scale = HeatScale.for_percent()
    else:
        scale = HeatScale.for_counts(c.value for r in matrix_rows for c in r.cells)
    return Matrix(
        measure=measure,
        rollup=rollup,
        frame=frame,
        columns=columns,
        rows=matrix_rows,
        scale=scale,
    )


# --- Trajectories ------------------------------------------------------------------------

ABSENT = "absent"  # not interviewed at that wave
NOT_CODED = "none"  # interviewed, no segment of the code
PRESENT = "present"


@dataclass
class TrajectoryPoint:
    wave: Wave
    status: str
    segments: int = 0

    @property
    def text(self) -> str:
        if self.status == ABSENT:
            return "not interviewed"
        if self.status == NOT_CODED:
            return "not coded"
        return f"{self.segments} segment{'s' if self.segments != 1 else ''}"


@dataclass
class TrajectoryRow:
    participant: Participant
    points: list[TrajectoryPoint]


@dataclass
class Transition:
    """Between two consecutive waves, among participants interviewed at both."""

    before: Wave
    after: Wave
    gained: int = 0
    kept: int = 0
    lost: int = 0
    never: int = 0
    missing: int = 0  # not interviewed at one of the two waves

    @property
    def both(self) -> int:
        return self.gained + self.kept + self.lost + self.never


@dataclass
class GroupTrajectory:
    group: StakeholderGroup
    rows: list[TrajectoryRow]
    present: list[int]  # per wave, participants with the theme
    interviewed: list[int]  # per wave, the denominator
    transitions: list[Transition]

    @property
    def percents(self) -> list[int | None]:
        return [percent(p, n) for p, n in zip(self.present, self.interviewed, strict=True)]

    @property
    def waves(self) -> list[tuple[int, int, int | None]]:
        return list(zip(self.present, self.interviewed, self.percents, strict=True))


@dataclass
class Trajectory:
    code: codebook_selectors.CodeNode
    subtree: bool
    waves: list[Wave]
    groups: list[GroupTrajectory]


def trajectory(
    study,
    choice: LayerChoice,
    code_id: int,
    *,
    subtree: bool = True,
    book: codebook_selectors.Codebook | None = None,
    frame: Frame | None = None,
) -> Trajectory:
    """Each participant's presence and number of segments of one code per wave.

    Queries: codebook (1) and frame (4) unless given, then one aggregate over the code's
    segments grouped by transcript. Raises LookupError for a code not in the study.
    """
    book = book if book is not None else codebook_selectors.codebook(study)
    frame = frame if frame is not None else study_frame(study)
    node = book.by_id.get(code_id)
    if node is None:
        raise LookupError("No such code.")
    codes = book.subtree_ids(code_id) if subtree else {code_id}
    per_pw: dict[tuple[int, int], int] = defaultdict(int)
    rows = _counts_by_code_transcript(
        choice.layer_ids, distinct_spans=len(choice.layers) > 1, code_id__in=codes
    )
    for _code_id, transcript_id, n in rows:
        where = frame.transcripts.get(transcript_id)
        if where is not None:
            per_pw[(where[0], where[2])] += n

    waves = frame.waves
    by_group: dict[int, list[Participant]] = defaultdict(list)
    for p in frame.participants:
        by_group[p.group_id].append(p)
    result = []
    for group in frame.groups:
        interviewed_sets = [frame.interviewed.get((group.pk, w.pk), set()) for w in waves]
        rows_out = []
        present = [0] * len(waves)
        transitions = [
            Transition(before=a, after=b) for a, b in zip(waves, waves[1:], strict=False)
        ]
        for participant in by_group.get(group.pk, []):
            points = []
            for i, wave in enumerate(waves):
                if participant.pk not in interviewed_sets[i]:
                    points.append(TrajectoryPoint(wave, ABSENT))
                    continue
                n = per_pw.get((participant.pk, wave.pk), 0)
                points.append(TrajectoryPoint(wave, PRESENT if n else NOT_CODED, n))
                if n:
                    present[i] += 1
            for t, (a, b) in zip(transitions, zip(points, points[1:], strict=False), strict=True):
                if ABSENT in (a.status, b.status):
                    t.missing += 1
                elif a.status == PRESENT and b.status == PRESENT:
                    t.kept += 1
                elif a.status == PRESENT:
                    t.lost += 1
                elif b.status == PRESENT:
                    t.gained += 1
                else:
                    t.never += 1
            rows_out.append(TrajectoryRow(participant=participant, points=points))
        result.append(
            GroupTrajectory(
                group=group,
                rows=rows_out,
                present=present,
                interviewed=[len(s) for s in interviewed_sets],
                transitions=transitions,
            )
        )
    return Trajectory(code=node, subtree=subtree, waves=waves, groups=result)


# --- Co-occurrence -----------------------------------------------------------------------


def overlap_pairs(spans: Sequence[tuple]) -> Iterable[tuple]:
    """Pairs of overlapping spans among ``spans`` of ONE transcript and layer.

    Each span is a tuple whose items 0 and 1 are ``start`` and ``end`` (half-open); the
    spans must be sorted by start. A sweep keeps the spans still open at each start, so
    the cost is O(n + pairs), not O(n²). Touching spans (a.end == b.start) do not
    overlap. Yields each unordered pair once, earlier start first.
    """
    active: list[tuple] = []
    for span in spans:
        start = span[0]
        if active:
            active = [a for a in active if a[1] > start]
            for a in active:
                yield a, span
        active.append(span)


@dataclass
class CooccurrenceMatrix:
    codes: list[codebook_selectors.CodeNode]  # rows and columns: codes with at least one pair
    counts: dict[tuple[int, int], int]  # (code a, code b), both orders
    scale: HeatScale
    segments: int  # segments swept

    def count(self, a: int, b: int) -> int:
        return self.counts.get((a, b), 0)


def _segment_filters(group_id: int | None, wave_id: int | None) -> dict:
    filters: dict = {}
    if group_id is not None:
        filters["transcript__participant__group_id"] = group_id
    if wave_id is not None:
        filters["transcript__wave_id"] = wave_id
    return filters


def cooccurrence(
    study,
    choice: LayerChoice,
    *,
    group_id: int | None = None,
    wave_id: int | None = None,
    book: codebook_selectors.Codebook | None = None,
) -> CooccurrenceMatrix:
    """Code x code counts of overlapping segment pairs in the same layer and transcript.

    A pair of segments that overlap by at least one character counts once for (A, B)
    and once for (B, A); the diagonal counts overlapping pairs of the same code. In the
    union, pairs are found within each coder's layer and summed. Queries: codebook (1)
    unless given, then one over the segments' spans, ordered by the
    (transcript, layer, start) index.
    """
    book = book if book is not None else codebook_selectors.codebook(study)
    counts: dict[tuple[int, int], int] = defaultdict(int)
    swept = 0
    if choice.layer_ids:
        rows = (
            Segment.objects.filter(
                layer_id__in=choice.layer_ids, **_segment_filters(group_id, wave_id)
            )
            .order_by("transcript_id", "layer_id", "start")
            .values_list("transcript_id", "layer_id", "start", "end", "code_id")
        )
        # The sweep of overlap_pairs, inlined: this loop runs once per segment of the
        # study, and a generator per (transcript, layer) costs more than the counting.
        ordered: dict[tuple[int, int], int] = defaultdict(int)
        current = None
        active: list[tuple[int, int]] = []  # (end, code) of the spans still open
        for transcript_id, layer_id, start, end, code_id in rows:
            swept += 1
            if (transcript_id, layer_id) != current:
                current = (transcript_id, layer_id)
                active = []
            elif active:
                active = [a for a in active if a[0] > start]
                for _, other in active:
                    ordered[(other, code_id)] += 1
            active.append((end, code_id))
        for (a, b), n in ordered.items():
            counts[(a, b)] += n
            if a != b:
                counts[(b, a)] += n
    used = {a for a, _ in counts}
    codes = [node for node in book.walk() if node.pk in used]
    scale = HeatScale.for_counts(counts.values())
    return CooccurrenceMatrix(codes=codes, counts=dict(counts), scale=scale, segments=swept)


@dataclass
class OverlapPassage:
    transcript_id: int
    transcript_title: str
    participant: str
    group: str
    wave: str
    layer: Layer
    a: Segment
    b: Segment
    start: int
    end: int

    @property
    def overlap(self) -> str:
        """The shared text, cut from the quote of the segment that starts first."""
        first = self.a if self.a.start <= self.b.start else self.b
        return first.quote[self.start - first.start : self.end - first.start]


def overlap_passages(
    study,
    choice: LayerChoice,
    code_a: int,
    code_b: int,
    *,
    group_id: int | None = None,
    wave_id: int | None = None,
) -> list[OverlapPassage]:
    """The overlapping pairs behind one co-occurrence cell, in transcript order.

    One query: the segments of the two codes (with transcript, participant, group,
    wave and layer preloaded, transcript text deferred).
    """
    if not choice.layer_ids:
        return []
    segments = list(
        Segment.objects.filter(
            layer_id__in=choice.layer_ids,
            code_id__in={code_a, code_b},
            **_segment_filters(group_id, wave_id),
        )
        .select_related("transcript__participant__group", "transcript__wave", "layer__user")
        .defer("transcript__text")
        .order_by("transcript__title", "transcript_id", "layer_id", "start", "end", "pk")
    )
    result = []
    buckets: dict[tuple[int, int], list[tuple]] = defaultdict(list)
    for seg in segments:
        buckets[(seg.transcript_id, seg.layer_id)].append((seg.start, seg.end, seg))
    for spans in buckets.values():
        for a, b in overlap_pairs(spans):
            sa, sb = a[2], b[2]
            if {sa.code_id, sb.code_id} != {code_a, code_b} or (
                code_a != code_b and sa.code_id == sb.code_id
            ):
                continue
            t = sa.transcript
            participant = t.participant
            result.append(
                OverlapPassage(
                    transcript_id=t.pk,
                    transcript_title=t.title,
                    participant=participant.pseudonym if participant else "",
                    group=participant.group.name if participant and participant.group else "",
                    wave=t.wave.name if t.wave else "",
                    layer=sa.layer,
                    a=sa if sa.code_id == code_a else sb,
                    b=sb if sa.code_id == code_a else sa,
                    start=max(sa.start, sb.start),
                    end=min(sa.end, sb.end),
                )
            )
    return result


# --- Framework matrix ----------------------------------------------------------------------

QUOTES_PER_CELL = 5


@dataclass
class FrameworkCell:
    participant_id: int
    code_id: int
    interviewed: bool
    code_name: str = ""
    quotes: list[dict] = field(default_factory=list)  # all quotes, in text order
    summary: Memo | None = None

    @property
    def shown(self) -> list[dict]:
        return self.quotes[:QUOTES_PER_CELL]

    @property
    def more(self) -> int:
        return max(0, len(self.quotes) - QUOTES_PER_CELL)


@dataclass
class FrameworkRow:
    participant: Participant
    cells: list[FrameworkCell]


@dataclass
class FrameworkGroup:
    group: StakeholderGroup
    rows: list[FrameworkRow]


@dataclass
class Framework:
    wave: Wave | None
    codes: list[codebook_selectors.CodeNode]
    subtree: bool
    groups: list[FrameworkGroup]


def framework_memo_filter(study, wave_id: int) -> dict:
    return {"study": study, f"extra__{FRAMEWORK_KEY}__wave": wave_id}


def framework(
    study,
    choice: LayerChoice,
    *,
    wave_id: int | None,
    code_ids: Sequence[int],
    subtree: bool = True,
    with_summaries: bool = True,
    book: codebook_selectors.Codebook | None = None,
    frame: Frame | None = None,
) -> Framework:
    """Participants x codes at one wave, each cell the quotes and the cell's summary memo.

    A cell lists each coded passage (transcript, start, end) once, in text order, even
    when several coders or several codes of the column's subtree coded it.

    Queries: codebook (1) and frame (4) unless given; one for the segments (quote,
    offsets, transcript id); one for the summaries (skipped when ``with_summaries`` is
    false, e.g. for blind coders).
    """
    book = book if book is not None else codebook_selectors.codebook(study)
    frame = frame if frame is not None else study_frame(study)
    wave = next((w for w in frame.waves if w.pk == wave_id), None)
    nodes = [book.by_id[c] for c in code_ids if c in book.by_id]
    column_of: dict[int, list[int]] = defaultdict(list)  # coded id -> column code ids
    for node in nodes:
        for member in book.subtree_ids(node.pk) if subtree else {node.pk}:
            column_of[member].append(node.pk)

    quotes: dict[tuple[int, int], list[dict]] = defaultdict(list)
    if wave is not None and nodes and choice.layer_ids:
        rows = (
            Segment.objects.filter(
                layer_id__in=choice.layer_ids,
                code_id__in=list(column_of),
                transcript__wave_id=wave.pk,
            )
            .order_by("transcript_id", "start", "end", "layer_id", "pk")
            .values_list("pk", "transcript_id", "code_id", "layer_id", "start", "end", "quote")
        )
        seen: set[tuple[int, int, int, int]] = set()
        for pk, tid, code_id, layer_id, start, end, quote in rows:
            where = frame.transcripts.get(tid)
            if where is None:
                continue
            for column in column_of[code_id]:
                # One quote per passage: coded by several coders, or with several
                # codes of the column's subtree, it is still one passage.
                if (column, tid, start, end) in seen:
                    continue
                seen.add((column, tid, start, end))
                quotes[(where[0], column)].append(
                    {
                        "id": pk,
                        "transcript_id": tid,
                        "code_id": code_id,
                        "layer_id": layer_id,
                        "start": start,
                        "end": end,
                        "quote": quote,
                    }
                )
    summaries: dict[tuple[int, int], Memo] = {}
    if with_summaries and wave is not None and nodes:
        memos = Memo.objects.filter(
            **framework_memo_filter(study, wave.pk), code_id__in=[n.pk for n in nodes]
        ).order_by("updated_at", "pk")
        for memo in memos:
            pid = (memo.extra.get(FRAMEWORK_KEY) or {}).get("participant")
            summaries[(pid, memo.code_id)] = memo

    groups = []
    by_group: dict[int, list[Participant]] = defaultdict(list)
    for p in frame.participants:
        by_group[p.group_id].append(p)
    for group in frame.groups:
        interviewed = frame.interviewed.get((group.pk, wave.pk), set()) if wave else set()
        rows_out = []
        for participant in by_group.get(group.pk, []):
            cells = [
                FrameworkCell(
                    participant_id=participant.pk,
                    code_id=node.pk,
                    interviewed=participant.pk in interviewed,
                    code_name=node.code.name,
                    quotes=quotes.get((participant.pk, node.pk), []),
                    summary=summaries.get((participant.pk, node.pk)),
                )
                for node in nodes
            ]
            rows_out.append(FrameworkRow(participant=participant, cells=cells))
        groups.append(FrameworkGroup(group=group, rows=rows_out))
    return Framework(wave=wave, codes=nodes, subtree=subtree, groups=groups)
