"""Coded retrieval: the segments of some codes, with a little of the text around each.

:func:`retrieve` is the one read used by the retrieval page, its CSV/XLSX exports and the
comparison pages that link a cell (code x group x wave) to the segments behind it.

Context is cut in the database with ``SUBSTR``/``SUBSTRING`` on ``Transcript.text``: both
PostgreSQL and SQLite count characters as Unicode code points, the unit of our offsets, so a
transcript's 50,000 characters never travel to Python just to show 240 of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import F, IntegerField, Q, QuerySet, Value
from django.db.models.functions import Greatest, Substr
from django.urls import reverse
from django.utils.http import urlencode

from coding.models import Layer, Segment
from coding.selectors import Codebook
from studies.access import StudyAccess, visible_layers

__all__ = [
    "EXPORT_HEADER",
    "RetrievalFilters",
    "code_ids_for",
    "export_rows",
    "retrieve",
    "segment_link",
]

# An id, a model instance, or an iterable of either; None means "no filter".
IdFilter = Any


def _ids(value: IdFilter) -> list[int] | None:
    """Normalise a filter value (an id, a model instance, or several of them) to ids."""
    if value is None or value == "":
        return None
    if isinstance(value, str | int) or hasattr(value, "pk"):
        value = [value]
    ids = []
    for item in value:
        pk = getattr(item, "pk", item)
        ids.append(int(pk))
    return ids


def code_ids_for(book: Codebook, code_id: int, *, subtree: bool = False) -> list[int]:
    """The code itself, or the code and all its descendants (no query: uses the codebook)."""
    if code_id not in book.by_id:
        return []
    if not subtree:
        return [code_id]
    return sorted(book.subtree_ids(code_id))


def retrieve(
    access: StudyAccess,
    *,
    code_ids: Iterable[int] | None,
    group: IdFilter = None,
    wave: IdFilter = None,
    participant: IdFilter = None,
    layers: Iterable[Layer | int] | None = None,
    transcript: IdFilter = None,
    context_chars: int = 120,
) -> QuerySet[Segment]:
    """Segments of ``code_ids`` in the study that ``access`` may see, as a lazy QuerySet.

    Filters compose with AND and are exact. ``group``, ``wave``, ``participant`` and
    ``transcript`` each take an id, a model instance or a list of either (a list means "any
    of these"). ``code_ids=None`` means every code. ``layers`` (Layer objects or ids) narrows
    the layers; it can never widen them: hidden layers (blind mode) are always excluded, in
    the SQL, whatever the caller passes. Segments of other studies are excluded too.

    Each segment has ``code``, ``layer`` (with ``user``), ``transcript`` (**without** its
    text), ``transcript.participant`` (with ``group``) and ``transcript.wave`` preloaded. With
    ``context_chars > 0`` it is annotated with ``context_before`` and ``context_after``: up to
    that many code points of the current text either side of ``[start, end)``.

    Order: participant's group, participant, wave, transcript title, then position in the
    text (transcripts without a participant or wave come last). Building the QuerySet runs
    no query; evaluating or slicing it runs one (``select_related``), counting one more.
    """
    study = access.study
    qs = Segment.objects.filter(transcript__study=study, layer__in=visible_layers(access))
    if code_ids is not None:
        qs = qs.filter(code_id__in=list(code_ids), code__study=study)
    if layers is not None:
        qs = qs.filter(layer_id__in=_ids(list(layers)) or [])
    for lookup, value in (
        ("transcript__participant__group_id__in", group),
        ("transcript__wave_id__in", wave),
        ("transcript__participant_id__in", participant),
        ("transcript_id__in", transcript),
    ):
        ids = _ids(value)
        if ids is not None:
            qs = qs.filter(Q(**{lookup: ids}))

    qs = qs.select_related(
        "code", "layer__user", "transcript__participant__group", "transcript__wave"
    ).defer("transcript__text")
    if context_chars > 0:
        qs = qs.annotate(**_context_annotations(context_chars))
    return qs.order_by(
        F("transcript__participant__group__position").asc(nulls_last=True),
        F("transcript__participant__pseudonym").asc(nulls_last=True),
        F("transcript__wave__position").asc(nulls_last=True),
        "transcript__title",
        "transcript_id",
        "start",
        "end",
        "layer_id",
        "pk",
    )


def _context_annotations(chars: int) -> dict[str, Any]:
    n = Value(int(chars), output_field=IntegerField())
    # SQL SUBSTR is 1-based: text[a:b] is SUBSTR(text, a + 1, b - a).
    # SUBSTR past the end of the text returns what there is, so "after" needs no clamp;
    # "before" must not start below 1 (PostgreSQL would shorten it, SQLite count from the end).
    before_from = Greatest(F("start") - n, Value(0), output_field=IntegerField())
    return {
        "context_before": Substr("transcript__text", before_from + 1, F("start") - before_from),
        "context_after": Substr("transcript__text", F("end") + 1, n),
    }


@dataclass(frozen=True)
class RetrievalFilters:
    """A retrieval request as plain values (what a page or a cell link carries).

    ``layer`` is a layer key (username, ``consensus``, ``layer-<id>``) or ``""`` for all
    visible layers.
    """

    code: int | None = None
    subtree: bool = False
    group: int | None = None
    wave: int | None = None
    participant: int | None = None
    layer: str = ""

    def query(self, **extra: Any) -> str:
        """The filters as a URL query string (empty values left out)."""
        params: dict[str, Any] = {}
        if self.code is not None:
            params["code"] = self.code
        if self.subtree:
            params["subtree"] = 1
        for name in ("group", "wave", "participant"):
            if getattr(self, name) is not None:
                params[name] = getattr(self, name)
        if self.layer:
            params["layer"] = self.layer
        params.update({k: v for k, v in extra.items() if v not in (None, "")})
        return urlencode(params)


def segment_link(study_id: int, segment: Segment) -> str:
    """The coding page of the segment's transcript, showing its layer and code, scrolled to it."""
    url = reverse("coding:transcript_code", args=[study_id, segment.transcript_id])
    query = urlencode(
        {"layer": segment.layer.key, "code": segment.code_id, "focus": segment.pk}
    )
    return f"{url}?{query}#seg-{segment.pk}"


EXPORT_HEADER = [
    "code path",
    "group",
    "wave",
    "participant",
    "transcript",
    "layer",
    "start",
    "end",
    "quote",
    "memo",
    "segment id",
    "coded at",
    "needs review",
]


def export_rows(segments: Iterable[Segment], book: Codebook) -> Iterator[list[Any]]:
    """One row per segment, in :data:`EXPORT_HEADER` order (no query beyond ``segments``)."""
    for seg in segments:
        transcript = seg.transcript
        participant = transcript.participant
        group = participant.group if participant is not None else None
        yield [
            book.path(seg.code_id) or seg.code.name,
            group.name if group is not None else None,
            transcript.wave.name if transcript.wave is not None else None,
            participant.pseudonym if participant is not None else None,
            transcript.title,
            seg.layer.label,
            seg.start,
            seg.end,
            seg.quote,
            seg.memo,
            seg.pk,
            seg.created_at,
            seg.needs_review,
        ]
