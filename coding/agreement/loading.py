"""Engine input for the agreement report: which transcripts and layers, and their spans.

Everything here builds the input of the pure engine (:mod:`coding.agreement.spans`) from the
database. Rules:

* Segments are fetched with ``values_list`` (no model instances) and transcript lengths come
  from ``Transcript.length``: the report never loads a transcript's text.
* A layer *worked on* a transcript when it has an ``Assignment`` for it or at least one
  segment on it (any code). On other transcripts it is *missing*, not "coded nothing"
  (docs/agreement/DEFINITIONS.md section 2), and the report lists where each layer was counted.
* Codes are identified by their pk and layers by ``Layer.key`` inside the engine.

Query counts are constant in the number of transcripts, codes and segments (see each
function's docstring).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.http import urlencode

from coding.agreement.spans import Document, Span
from coding.models import Assignment, Layer, LayerKind, Segment
from coding.segments.selectors import listed_layers
from studies.access import StudyAccess
from studies.models import Transcript

#: The one code under which pooling over codes puts every span (each character x code a unit).
ALL_CODES = "*"


@dataclass
class Scope:
    """Which transcripts the report covers: every filter given must hold (AND)."""

    groups: list[int] = field(default_factory=list)
    waves: list[int] = field(default_factory=list)
    participants: list[int] = field(default_factory=list)
    transcripts: list[int] = field(default_factory=list)
    # attribute:<name>=<value> filters and the study's transcripts that satisfy them all
    # (resolved by the form; None without attribute filters).
    attributes: tuple = ()
    attribute_transcripts: list[int] | None = None
    # The double-coded sample (coding/assignments/scope.py): its transcripts and in words.
    sample_transcripts: list[int] | None = None
    sample_words: str = ""

    @property
    def is_all(self) -> bool:
        return not (
            self.groups
            or self.waves
            or self.participants
            or self.transcripts
            or self.attributes
            or self.sample_transcripts is not None
        )

    @property
    def narrowed(self) -> bool:
        """Attribute filters or a sample narrow the transcripts to a list of ids."""
        return bool(self.attributes) or self.sample_transcripts is not None

    @property
    def copy_transcripts(self) -> list[int]:
        """The transcripts to name when another view must cover the same scope: the chosen
        transcripts, narrowed to those with the attribute values."""
        narrowing = [
            set(ids)
            for ids in (self.attribute_transcripts, self.sample_transcripts)
            if ids is not None
        ]
        if not narrowing:
            return self.transcripts
        chosen = set.intersection(*narrowing)
        if self.transcripts:
            chosen &= set(self.transcripts)
        return sorted(chosen)

    def filter(self, qs):
        if self.groups:
            qs = qs.filter(participant__group_id__in=self.groups)
        if self.waves:
            qs = qs.filter(wave_id__in=self.waves)
        if self.participants:
            qs = qs.filter(participant_id__in=self.participants)
        if self.transcripts:
            qs = qs.filter(pk__in=self.transcripts)
        if self.attribute_transcripts is not None:
            qs = qs.filter(pk__in=self.attribute_transcripts)
        if self.sample_transcripts is not None:
            qs = qs.filter(pk__in=self.sample_transcripts)
        return qs


@dataclass
class TranscriptInfo:
    pk: int
    title: str
    length: int
    participant: str
    group_id: int | None
    group: str
    wave_id: int | None
    wave: str
    layers: tuple[str, ...] = ()  # keys of the compared layers that worked on it


@dataclass
class Loaded:
    """Engine input for one report: documents keyed by transcript pk, and the raw facts."""

    transcripts: list[TranscriptInfo]
    documents: dict[int, Document]
    segment_counts: dict[tuple[int, str], int]  # (code id, layer key) -> segments
    skipped: int  # segments outside their transcript's length (not counted)


def report_layers(access: StudyAccess) -> list[Layer]:
    """Layers the member may compare (those with segments, see
    :func:`coding.segments.selectors.listed_layers`), coder and imported layers first, consensus
    last."""
    layers = listed_layers(access)
    return sorted(layers, key=lambda la: (la.kind == LayerKind.CONSENSUS, la.label.lower()))


def default_layers(layers: Sequence[Layer]) -> list[Layer]:
    """The first two coder (or imported) layers; the consensus layer only to fill up."""
    coders = [la for la in layers if la.kind != LayerKind.CONSENSUS]
    rest = [la for la in layers if la.kind == LayerKind.CONSENSUS]
    return (coders + rest)[:2]


def layer_query(layers: Sequence[Layer]) -> str:
    """The layers chosen, as the report's and the review's query string spells them."""
    return urlencode([("layers", la.key) for la in layers])


def presence(in_scope, keys: dict[int, str]) -> dict[int, set[str]]:
    """Transcript pk -> keys of the layers (``keys``: layer pk -> key) that worked on it:
    assigned, or with at least one segment of any code. Two queries."""
    present: dict[int, set[str]] = defaultdict(set)
    for tid, lid in (
        Segment.objects.filter(transcript__in=in_scope, layer_id__in=list(keys))
        .order_by()
        .values_list("transcript_id", "layer_id")
        .distinct()
    ):
        present[tid].add(keys[lid])
    for tid, lid in Assignment.objects.filter(
        transcript__in=in_scope, layer_id__in=list(keys)
    ).values_list("transcript_id", "layer_id"):
        present[tid].add(keys[lid])
    return present


def load_documents(study, layers: Sequence[Layer], scope: Scope, code_ids: Iterable[int] | None):
    """Engine documents for the transcripts in ``scope`` and the ``layers`` compared.

    Queries: transcripts (values, no text), segments (values_list), layers present through
    segments (distinct pairs), assignments: 4, whatever the size of the study.
    """
    keys = {la.pk: la.key for la in layers}
    layer_ids = list(keys)
    base = scope.filter(Transcript.objects.filter(study=study))
    rows = base.order_by("title", "pk").values_list(
        "pk",
        "title",
        "length",
        "participant__pseudonym",
        "participant__group_id",
        "participant__group__name",
        "wave_id",
        "wave__name",
    )
    infos = [
        TranscriptInfo(pk, title, length, p or "", g, gname or "", w, wname or "")
        for pk, title, length, p, g, gname, w, wname in rows
    ]
    by_pk = {t.pk: t for t in infos}
    in_scope = base.values("pk")
    present = presence(in_scope, keys)

    segments = Segment.objects.filter(transcript__in=in_scope, layer_id__in=layer_ids)
    if code_ids is not None:
        segments = segments.filter(code_id__in=list(code_ids))
    spans: dict[int, list[Span]] = defaultdict(list)
    counts: dict[tuple[int, str], int] = defaultdict(int)
    skipped = 0
    for tid, lid, cid, start, end in segments.order_by().values_list(
        "transcript_id", "layer_id", "code_id", "start", "end"
    ):
        info = by_pk.get(tid)
        if info is None or end > info.length or start >= end:
            skipped += 1
            continue
        key = keys[lid]
        spans[tid].append(Span(key, cid, start, end))
        counts[(cid, key)] += 1
    order = [la.key for la in layers]
    documents = {}
    for info in infos:
        info.layers = tuple(k for k in order if k in present.get(info.pk, ()))
        documents[info.pk] = Document(info.length, spans.get(info.pk, ()), layers=info.layers)
    return Loaded(infos, documents, dict(counts), skipped)
