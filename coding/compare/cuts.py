"""Cutting the comparisons by an attribute instead of the stakeholder group.

``by=attribute:<name>`` makes the matrix's column groups the attribute's values (or, for a
number with ``bins`` edges, its ranges): a transcript counts under the value of its
participant (participant attributes) or its own (transcript attributes), and a cell's
denominator is the participants with that value interviewed at that wave. Transcripts with
no participant, no wave or no value have no cell (``Frame.unplaced``).

A filter ``attribute:<name>=<value>`` (see :mod:`studies.attributes`) restricts a frame to
the participants and transcripts that have it (:func:`restricted`): trajectories and the
matrix then count only them, with denominators restricted alike.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

from django.utils.translation import gettext

from coding.compare.frame import Frame
from studies import attributes as attrs
from studies.models import Attribute, AttributeScope, Participant, Transcript

BY_GROUP = "group"


@dataclass(frozen=True)
class AttributeGroup:
    """One value (or range) of the attribute a frame is cut by, in place of a group."""

    pk: int  # its position in the cut
    name: str
    value: str  # the attribute:<name>=<value> that selects it

    @property
    def position(self) -> int:
        return self.pk


def parse_by(raw: str | None, defs: list[Attribute]) -> tuple[Attribute | None, str]:
    """The attribute named by ``by=attribute:<name>`` (None for the stakeholder group) and
    an error line when it names no attribute of the study."""
    raw = (raw or "").strip()
    if not raw or raw == BY_GROUP:
        return None, ""
    name = raw[len(attrs.PREFIX) :] if raw.startswith(attrs.PREFIX) else raw
    defn = attrs.by_name(defs, name)
    if defn is None:
        return None, gettext("There is no attribute “%(name)s” in this study: showing groups.") % {
            "name": name
        }
    return defn, ""


def parse_bins(raw: str | None, defn: Attribute | None) -> tuple[list, str]:
    """Bin edges for a number attribute (``18,30,45,65``) and an error line."""
    if defn is None or not (raw or "").strip():
        return [], ""
    if defn.kind != "number":
        return [], gettext("Only number attributes can be binned; “%(name)s” is not a number.") % {
            "name": defn.name
        }
    try:
        return attrs.parse_edges(raw), ""
    except ValueError as exc:
        return [], gettext("Bins: %(error)s") % {"error": exc}


def attribute_frame(study, defn: Attribute, edges: list | None = None) -> Frame:
    """The frame with ``defn``'s values (or ``edges``' ranges) as its groups: 3 queries
    (waves, participants, transcripts)."""
    waves = list(study.waves.all())
    participants = list(
        Participant.objects.filter(study=study).only("pk", "pseudonym", "group_id", "attributes")
    )
    rows = list(
        Transcript.objects.filter(study=study).values_list(
            "pk", "participant_id", "wave_id", "attributes"
        )
    )
    by_participant = defn.scope == AttributeScope.PARTICIPANT
    p_values = {p.pk: (p.attributes or {}).get(defn.name) for p in participants}
    stored = p_values.values() if by_participant else [(a or {}).get(defn.name) for *_, a in rows]
    bins, place = attrs.categories(defn, stored, edges)
    groups = [AttributeGroup(pk=i, name=b.label, value=b.value) for i, b in enumerate(bins)]
    placed: dict[int, tuple[int, int, int]] = {}
    interviewed: dict[tuple[int, int], set[int]] = defaultdict(set)
    counts: dict[tuple[int, int], int] = defaultdict(int)
    unplaced = 0
    for tid, pid, wid, t_attrs in rows:
        value = p_values.get(pid) if by_participant else (t_attrs or {}).get(defn.name)
        index = place(value) if pid is not None and wid is not None else None
        if index is None:
            unplaced += 1
            continue
        placed[tid] = (pid, index, wid)
        interviewed[(index, wid)].add(pid)
        counts[(index, wid)] += 1
    participants.sort(key=lambda p: (p.pseudonym.lower(), p.pk))
    return Frame(
        groups=groups,
        waves=waves,
        participants=participants,
        transcripts=placed,
        interviewed=dict(interviewed),
        transcript_counts=dict(counts),
        unplaced=unplaced,
        attribute=defn,
    )


def restricted(frame: Frame, participants: set[int] | None, transcripts: set[int] | None) -> Frame:
    """``frame`` with only the given participants' and transcripts' placements (None: no
    restriction of that kind); denominators recounted. No query."""
    if participants is None and transcripts is None:
        return frame
    placed: dict[int, tuple[int, int, int]] = {}
    interviewed: dict[tuple[int, int], set[int]] = defaultdict(set)
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for tid, (pid, gid, wid) in frame.transcripts.items():
        if (participants is not None and pid not in participants) or (
            transcripts is not None and tid not in transcripts
        ):
            continue
        placed[tid] = (pid, gid, wid)
        interviewed[(gid, wid)].add(pid)
        counts[(gid, wid)] += 1
    kept = {pid for pid, _, _ in placed.values()}
    return replace(
        frame,
        participants=[p for p in frame.participants if p.pk in kept],
        transcripts=placed,
        interviewed=dict(interviewed),
        transcript_counts=dict(counts),
    )


@dataclass
class Cut:
    """A comparison request's attribute parameters, resolved: the attribute the columns
    are grouped by (None: stakeholder groups), its bin edges, the restricting filters and
    the error lines for what could not be used."""

    defs: list[Attribute]
    by: Attribute | None
    edges: list
    restrict: tuple[attrs.AttributeFilter, ...]
    participants: set[int] | None
    transcripts: set[int] | None
    errors: list[str]

    def frame(self, study, base: Frame | None = None) -> Frame:
        """The frame to count on (``base``: the stakeholder-group frame when already read)."""
        from coding.compare.frame import study_frame

        if self.by is not None:
            frame = attribute_frame(study, self.by, self.edges)
        else:
            frame = base if base is not None else study_frame(study)
        return restricted(frame, self.participants, self.transcripts)

    def params(self) -> dict[str, str]:
        """The parameters to carry into a page's other links and downloads."""
        out = {}
        if self.by is not None:
            out["by"] = self.by.key
            if self.edges:
                out["bins"] = ",".join(attrs.display(e) for e in self.edges)
        for f in self.restrict:
            out[f.param] = f.value
        return out


def cut_from(study, params, *, allow_by: bool = True) -> Cut:
    """Read ``by``, ``bins`` and ``attribute:<name>=<value>`` from ``params`` (a query dict).

    Queries: the definitions, plus one per scope of restricting filters."""
    defs = attrs.definitions(study)
    errors = []
    by, error = parse_by(params.get("by"), defs) if allow_by else (None, "")
    errors += [error] if error else []
    edges, error = parse_bins(params.get("bins"), by)
    errors += [error] if error else []
    restrict = attrs.filters_from(params)
    pids, tids, problems = attrs.resolve(study, restrict, defs)
    errors += problems
    if problems:
        restrict = ()
        pids = tids = None
    return Cut(defs, by, edges, restrict, pids, tids, errors)
