"""Reads for coding a transcript: which layers exist for a member, and a transcript's
segments. Each says what it preloads and how many queries it runs."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Subquery

from coding.models import Assignment, Layer, LayerKind, Segment
from studies.access import StudyAccess, visible_layers


@dataclass
class LayerOption:
    """One choice of a layer switcher: a layer's key (or ``mine``, ``consensus``,
    ``all``/``union``), what it is called, and whether it is the one shown."""

    key: str
    label: str
    current: bool = False
    user_content: bool = False  # a person's name (translate="no"), not an interface word


def layers_for(access: StudyAccess) -> list[Layer]:
    """Visible layers, ordered: the requester's own first, then consensus, then others."""
    layers = list(visible_layers(access))
    user_id = access.membership.user_id

    def order(layer: Layer):
        own = layer.kind == LayerKind.CODER and layer.user_id == user_id
        return (0 if own else 1 if layer.kind == LayerKind.CONSENSUS else 2, layer.label.lower())

    return sorted(layers, key=order)


def marked_layers(access: StudyAccess, transcript=None) -> list[Layer]:
    """Every layer ``access`` may see (:func:`studies.access.visible_layers`, user
    preloaded), each with ``has_segments``: the input of :func:`listed_layers` read ahead,
    e.g. by a write that needs its own layer and, after writing, the page's layer state
    (mark the layer written to). ``transcript``: each layer also carries ``done_at``, when
    its assignment of that transcript was marked done (None: not done, or not assigned).
    One query."""
    layers = visible_layers(access).annotate(
        has_segments=Exists(Segment.objects.filter(layer=OuterRef("pk")))
    )
    if transcript is not None:
        done = Assignment.objects.filter(layer=OuterRef("pk"), transcript=transcript)
        layers = layers.annotate(done_at=Subquery(done.values("done_at")[:1]))
    return list(layers)


def listed_layers(
    access: StudyAccess,
    *,
    keep_own: bool = False,
    marked: list[Layer] | None = None,
    transcript=None,
) -> list[Layer]:
    """The layers to offer anywhere layers are listed or pooled: the visible layers that
    hold at least one segment, ordered like :func:`layers_for`.

    This is the one rule for "which layers exist" as far as people are concerned: the
    coding page's layer switcher, the coders' union (coded retrieval, comparisons), and the
    layer choices of retrieval, comparisons and the agreement report. A layer with no
    segment (created by an undone first highlight, an assignment never started) appears in
    none of them. ``keep_own`` keeps the requester's own coder layer even when empty (the
    coding page's "Mine"). ``transcript``: each layer also carries ``done_at`` (see
    :func:`marked_layers`). One query; none when ``marked`` (:func:`marked_layers`) is given.
    """
    user_id = access.membership.user_id
    layers = marked_layers(access, transcript) if marked is None else marked

    def order(layer: Layer):
        own = layer.kind == LayerKind.CODER and layer.user_id == user_id
        return (0 if own else 1 if layer.kind == LayerKind.CONSENSUS else 2, layer.label.lower())

    return sorted(
        (
            layer
            for layer in layers
            if layer.has_segments
            or (keep_own and layer.kind == LayerKind.CODER and layer.user_id == user_id)
        ),
        key=order,
    )


def segments_for_transcript(access: StudyAccess, transcript, layers=None):
    """Segments of a transcript in the given layers, restricted to what ``access`` may see.

    Preloads code and layer (with user): one query.
    """
    if layers is None:
        layers = layers_for(access)
    allowed = [layer for layer in layers if access.can_see_layer(layer)]
    return Segment.objects.for_transcript(transcript, layers=allowed)
