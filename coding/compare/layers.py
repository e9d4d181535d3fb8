"""Which layers a comparison counts: consensus, the coders' union or one layer.

``layer_choice`` resolves the ``layer`` parameter of every comparison page, export and
the API's matrix against the member's access (blind coders count only their own layer)
and measures how much of the view's transcripts the consensus layer covers.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils.translation import gettext, gettext_lazy, ngettext

from coding.models import ConsensusDecision, Layer, LayerKind, Segment
from coding.segments import selectors as segment_selectors
from coding.segments.selectors import LayerOption
from studies.access import StudyAccess
from studies.models import Transcript

UNION = "union"
CONSENSUS = "consensus"
NO_CONSENSUS_NOTE = gettext_lazy("No consensus yet: showing coders' union.")
#: The transcripts a view can place in a (group, wave) cell: the matrix's and the
#: trajectories' scope (the framework adds its wave).
PLACED = Q(participant__isnull=False, participant__group__isnull=False, wave__isnull=False)
BLIND_NOTE = gettext_lazy(
    "Blind coding is on: only your own layer is counted; other coders' layers and the "
    "consensus layer are hidden until the study's owner turns it off."
)


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
            return ngettext(
                "Consensus covers all %(n)s transcript of this view.",
                "Consensus covers all %(n)s transcripts of this view.",
                n,
            ) % {"n": n}
        return gettext("Consensus covers %(covered)s of %(total)s transcripts") % {
            "covered": self.covered,
            "total": self.total,
        }


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
        label = gettext("Your layer")
        option = LayerOption(own[0].key if own else UNION, label, current=True)
        return LayerChoice(
            key=option.key, label=label, layers=own, options=[option], note=BLIND_NOTE, blind=True
        )

    coverage = consensus_coverage(access.study, consensus, scope)
    consensus_label = gettext("Consensus")
    if coverage.covered and not coverage.complete:
        consensus_label = gettext("Consensus (%(covered)s of %(total)s transcripts)") % {
            "covered": coverage.covered,
            "total": coverage.total,
        }
    union_label = gettext("Coders' union")
    options = [LayerOption(CONSENSUS, consensus_label), LayerOption(UNION, union_label)]
    options += [LayerOption(lr.key, lr.label) for lr in coders]
    by_key = {lr.key: lr for lr in coders}
    note = ""
    if requested in (None, ""):
        requested = CONSENSUS if coverage.complete else UNION
        if not coverage.covered:
            note = NO_CONSENSUS_NOTE
        elif not coverage.complete:
            note = gettext(
                "%(coverage)s: showing coders' union until consensus covers them all."
            ) % {"coverage": coverage.sentence}
    if requested == CONSENSUS:
        key, label, layers = CONSENSUS, gettext("Consensus"), [consensus] if consensus else []
        if coverage.complete:
            note = coverage.sentence
        elif coverage.covered:
            rest = coverage.total - coverage.covered
            note = gettext("%(coverage)s: the other %(rest)s count as not coded.") % {
                "coverage": coverage.sentence,
                "rest": rest,
            }
    elif requested == UNION:
        key, label, layers = UNION, gettext("Coders' union"), coders
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
