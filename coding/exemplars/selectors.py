"""Reads of exemplars: the ones a member may see (blind coders: only those on segments of
their own layer, as everything else of theirs), the segment a member may mark, and the
rows of the exemplar list."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404
from django.utils.translation import gettext

from coding.exemplars.tags import transcript_tag
from coding.models import Exemplar, LayerKind, Segment
from studies.access import StudyAccess


def visible_exemplars(access: StudyAccess):
    """The study's exemplars whose segment is in a layer the member may see, with segment,
    its layer and user, transcript (text deferred) with participant, group and wave, code
    and theme preloaded (one query when evaluated)."""
    qs = (
        Exemplar.objects.filter(segment__layer__study=access.study)
        .select_related(
            "segment__layer__user",
            "segment__code",
            "segment__transcript__participant__group",
            "segment__transcript__wave",
            "code",
            "theme",
            "created_by",
        )
        .defer("segment__transcript__text")
    )
    if access.blind:
        qs = qs.filter(
            segment__layer__kind=LayerKind.CODER, segment__layer__user=access.membership.user
        )
    return qs.order_by("segment__transcript__participant__pseudonym", "segment__start", "pk")


def segment_to_mark(access: StudyAccess, pk) -> Segment:
    """A segment of the study in a layer the member may see (Http404 otherwise), with code,
    layer and transcript (text deferred; participant, group, wave) preloaded. One query."""
    try:
        segment = (
            Segment.objects.select_related(
                "code", "layer__user", "transcript__participant__group", "transcript__wave"
            )
            .defer("transcript__text")
            .get(pk=pk, layer__study=access.study)
        )
    except (Segment.DoesNotExist, ValueError, TypeError):
        raise Http404("No such highlight.") from None
    if not access.can_see_layer(segment.layer):
        raise Http404("No such highlight.")
    return segment


def can_unmark(access: StudyAccess, exemplar: Exemplar) -> bool:
    """Owners unmark any exemplar; coders the ones they marked."""
    return access.is_owner or (
        access.can_code and exemplar.created_by_id == access.membership.user_id
    )


@dataclass(frozen=True)
class ExemplarRow:
    exemplar: Exemplar
    target: str  # "Code: Belonging" or "Theme: Joining"
    quote: str
    tag: str
    can_unmark: bool


def exemplar_rows(access: StudyAccess, exemplars=None) -> list[ExemplarRow]:
    """Rows of the exemplar list. One query."""
    exemplars = visible_exemplars(access) if exemplars is None else exemplars
    out = []
    for ex in exemplars:
        target = (
            gettext("Theme: %(name)s") % {"name": ex.theme.name}
            if ex.theme_id
            else gettext("Code: %(name)s") % {"name": ex.code.name}
        )
        out.append(
            ExemplarRow(
                exemplar=ex,
                target=target,
                quote=ex.segment.quote,
                tag=transcript_tag(ex.segment.transcript),
                can_unmark=can_unmark(access, ex),
            )
        )
    return out
