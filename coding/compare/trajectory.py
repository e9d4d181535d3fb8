"""Trajectories: each participant's presence of one code wave after wave, and the
changes (gained, kept, lost) between consecutive waves per stakeholder group (or, in a
frame cut by an attribute, per value of it: :mod:`coding.compare.cuts`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext, ngettext

from coding.codebook import selectors as codebook_selectors
from coding.compare.frame import Frame, counts_by_code_transcript, percent, study_frame
from coding.compare.layers import LayerChoice
from studies.models import Attribute, Participant, StakeholderGroup, Wave

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
            return gettext("not interviewed")
        if self.status == NOT_CODED:
            return gettext("not coded")
        return ngettext("%(n)s segment", "%(n)s segments", self.segments) % {"n": self.segments}


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
    attribute: Attribute | None = None  # the groups are its values (a cut by an attribute)


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
    rows = counts_by_code_transcript(
        choice.layer_ids, distinct_spans=len(choice.layers) > 1, code_id__in=codes
    )
    per_pw: dict[tuple[int, int, int], int] = defaultdict(int)
    for _code_id, transcript_id, n in rows:
        where = frame.transcripts.get(transcript_id)
        if where is not None:  # (participant, group or attribute value, wave)
            per_pw[where] += n

    waves = frame.waves
    by_group = frame.members()
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
                n = per_pw.get((participant.pk, group.pk, wave.pk), 0)
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
    return Trajectory(
        code=node, subtree=subtree, waves=waves, groups=result, attribute=frame.attribute
    )
