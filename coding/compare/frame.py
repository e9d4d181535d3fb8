"""Comparison across stakeholder groups and waves: the frame every analysis shares.

Four analyses, one module each (:mod:`~coding.compare.matrix`,
:mod:`~coding.compare.trajectory`, :mod:`~coding.compare.cooccurrence`,
:mod:`~coding.compare.framework`), share one vocabulary:

* **Frame**: the study's groups and waves in order, which participant was interviewed at
  which wave, and the denominators (participants of a group interviewed at a wave).
  Transcripts without a participant, a group or a wave have no cell and are left out.
* **Layer choice** (:mod:`coding.compare.layers`): ``consensus``, ``union`` (every coder and imported layer the
  requester may see) or one layer's key (a username or ``layer-<id>``). Blind coders
  see only their own layer: asking for anything else gives their own layer.
* **Measures** (:data:`coding.compare.matrix.MEASURES`) of a (code, group, wave) cell:

  - ``segments``: coded passages. In the union, identical spans (same transcript, code,
    start and end) coded by several coders count once: *distinct passages*.
  - ``participants``: distinct participants with at least one segment, out of the
    participants of that group interviewed at that wave (the denominator).
  - ``transcripts``: distinct transcripts with at least one segment.

  A participant coded by two coders counts once in the union, as does a transcript.
* **Rollup**: a parent's cell covers its whole subtree. Participants and transcripts are
  counted distinct over the subtree (not summed over children); segments are summed,
  since a segment has one code.

Every selector of the package runs a fixed number of queries whatever the number of
codes and segments; the docstrings list them. This module holds the frame (groups, waves,
who was interviewed when), the percent rule and the one segment-count query the matrix
and the trajectories share.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import BigIntegerField, Count, F, Value
from django.db.models.functions import Cast

from coding.models import Segment
from studies.models import Attribute, Participant, StakeholderGroup, Transcript, Wave

# Offsets are code points of one transcript; 2**32 exceeds any transcript length, so
# ``start * 2**32 + end`` names a span uniquely (and fits in a 64-bit integer).
_SPAN_BASE = 2**32


def _span_key():
    return Cast(F("start"), BigIntegerField()) * Value(_SPAN_BASE) + F("end")


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
    # Set when the column groups are an attribute's values (coding.compare.cuts), not the
    # stakeholder groups: ``groups`` are then AttributeGroup rows.
    attribute: Attribute | None = None

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

    def members(self, wave_id: int | None = None) -> dict[int, list[Participant]]:
        """Each group's participants (rows of trajectories and the framework), in the
        frame's order: by stakeholder group; in an attribute cut, those interviewed under
        that value at some wave (at ``wave_id`` only, when given, for transcript attributes,
        whose value can change from one interview to the next). No query."""
        out: dict[int, list[Participant]] = defaultdict(list)
        if self.attribute is None:
            for p in self.participants:
                out[p.group_id].append(p)
            return out
        if self.attribute.scope != "transcript":
            wave_id = None
        waves = [w.pk for w in self.waves if wave_id is None or w.pk == wave_id]
        for g in self.groups:
            seen = set().union(*(self.interviewed.get((g.pk, w), set()) for w in waves))
            out[g.pk] = [p for p in self.participants if p.pk in seen]
        return out


def study_frame(study) -> Frame:
    """Groups, waves, participants and the placement of every transcript: 4 queries."""
    groups = list(study.groups.all())
    waves = list(study.waves.all())
    group_pos = {g.pk: i for i, g in enumerate(groups)}
    participants = sorted(
        Participant.objects.filter(study=study, group__isnull=False).only(
            "pk", "pseudonym", "group_id", "attributes"
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


def percent(value: int, denominator: int) -> int | None:
    """Whole percent, halves rounded up (as people do by hand); None without denominator."""
    if not denominator:
        return None
    return int(value * 100 / denominator + 0.5)


def counts_by_code_transcript(
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
