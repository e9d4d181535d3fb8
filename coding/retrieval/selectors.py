"""Coded retrieval: the segments of some codes, with a little of the text around each.

:func:`retrieve` is the one read used by the retrieval page, its CSV/XLSX exports and the
comparison pages that link a cell (code x group x wave) to the segments behind it;
:func:`retrieval_state` resolves a page's filters against what the requester may see.

Context is cut in code points, the unit of our offsets. The page
(:meth:`Retrieval.passages`) reads the text of each of its transcripts once, with its first
passage, and cuts it in Python: a page of 100 passages shows a few transcripts, and cutting
by character position in the database walks the UTF-8 text from its start for every row
(about 3 ms a page on SQLite, ten times that on PostgreSQL, in texts of 60,000
characters). Iterating a :class:`Retrieval` (whole results, in chunks) cuts in the database
with ``SUBSTR`` (:func:`contexts`), so that whole texts are not read chunk after chunk.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, connections
from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext

from coding.codebook import selectors as codebook_selectors
from coding.codebook.selectors import Codebook
from coding.compare.layers import UNION as UNION_KEY
from coding.models import Code, Layer, LayerKind, Segment
from coding.segments import selectors as segment_selectors
from studies import attributes as attrs
from studies.access import StudyAccess, visible_layers
from studies.models import Attribute, Participant, StakeholderGroup, Transcript, Wave

__all__ = [
    "Passage",
    "Retrieval",
    "RetrievalFilters",
    "RetrievalState",
    "code_ids_for",
    "contexts",
    "retrieval_state",
    "retrieve",
    "segment_link",
    "state_segments",
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


ORDER = (
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
_RELATED = ("code", "layer__user", "transcript__participant__group", "transcript__wave")


@dataclass(slots=True)
class Passage:
    """One segment as the retrieval page shows it: plain values, no model instances (a
    page of 100 segments with their code, layer, transcript, participant, group and wave
    would be 800 of them). See :meth:`Retrieval.passages`."""

    pk: int
    transcript_id: int
    code_id: int
    layer_id: int
    start: int
    end: int
    quote: str
    quote_at_coding: str
    memo: str
    needs_review: bool
    code_name: str
    code_color: str
    title: str
    length: int
    pseudonym: str | None  # None: no participant
    group_name: str | None  # None: no participant or no group
    wave_name: str | None  # None: no wave
    created_at: object = None  # the database's value (a datetime, or SQLite's UTC text)
    context_before: str = ""
    context_after: str = ""


# In the order of Passage's fields.
_PASSAGE_COLUMNS = (
    "pk",
    "transcript_id",
    "code_id",
    "layer_id",
    "start",
    "end",
    "quote",
    "quote_at_coding",
    "memo",
    "needs_review",
    "code__name",
    "code__color",
    "transcript__title",
    "transcript__length",
    "transcript__participant__pseudonym",
    "transcript__participant__group__name",
    "transcript__wave__name",
    "created_at",
)


class Retrieval:
    """The result of :func:`retrieve`: a lazy, list-like sequence of segments with context.

    * ``segments``: the filtered, ordered QuerySet **without** context, for counting,
      aggregating (``segments.values("code").annotate(...)``) and exports.
    * ``count()``: one ``COUNT`` query, cached. (No ``len()``: ``list(retrieval)`` would
      call it and count before fetching.)
    * ``retrieval[a:b]``: a list of segments with ``context_before``/``context_after`` set,
      in three short queries: the page's ids (sorting narrow rows), those rows, then
      :func:`contexts` for them. With ``context_chars=0`` it is a plain slice (one query).
    * iteration: every segment with context, streamed in chunks of 500 (one query for the
      rows plus one per chunk).
    * ``passages(a, b)``: the same rows as ``retrieval[a:b]`` as :class:`Passage` values,
      with their context and the count, in one query; what the page shows.

    A :class:`django.core.paginator.Paginator` accepts it as it is.
    """

    chunk_size = 500

    def __init__(self, segments: QuerySet[Segment], context_chars: int):
        self.segments = segments
        self.context_chars = max(int(context_chars), 0)
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            self._count = self.segments.count()
        return self._count

    def _attach(self, rows: list[Segment]) -> list[Segment]:
        if self.context_chars and rows:
            found = contexts([r.pk for r in rows], self.context_chars)
            for row in rows:
                row.context_before, row.context_after = found.get(row.pk, ("", ""))
        return rows

    def __getitem__(self, index):
        if isinstance(index, int):
            rows = self[index : index + 1]
            if not rows:
                raise IndexError(index)
            return rows[0]
        if not isinstance(index, slice) or index.step not in (None, 1):
            raise TypeError("Retrieval supports an index or a slice without a step.")
        if not self.context_chars:
            return list(self.segments[index])
        # Sort narrow rows (ids) rather than whole joined rows, then load the page by id.
        ids = list(self.segments.values_list("pk", flat=True)[index])
        if not ids:
            return []
        by_id = (
            self.segments.model.objects.select_related(*_RELATED)
            .defer("transcript__text")
            .in_bulk(ids)
        )
        return self._attach([by_id[pk] for pk in ids if pk in by_id])

    def passages(self, start: int, stop: int) -> list[Passage]:
        """Rows ``start``..``stop`` as :class:`Passage` values with their context, in one
        query (:func:`_passages_sql`): the rows with their code, transcript, participant,
        group and wave names, each transcript's text once (the context is cut from it
        here), and the count of every matching segment, kept for :meth:`count` (a slice
        past the end carries none; an empty slice from the start means there are none)."""
        start = max(int(start or 0), 0)
        if stop is not None and stop <= start:
            return []
        # Ranked rather than ordered and sliced: the ORM compiles the order once.
        ranked = (
            self.segments.order_by()
            .annotate(_rank=Window(RowNumber(), order_by=ORDER), _total=Window(Count("pk")))
            .values_list("pk", "transcript_id", "_rank", "_total")
        )
        try:
            ranked_sql, ranked_params = ranked.query.get_compiler(using=ranked.db).as_sql()
        except EmptyResultSet:  # a filter that keeps nothing (``none()``, no code ids)
            rows = []
        else:
            sql, params = _passages_sql(ranked_sql, start, stop, self.context_chars)
            with connections[ranked.db].cursor() as cursor:
                cursor.execute(sql, [*ranked_params, *params])
                rows = cursor.fetchall()
        if rows:
            self._count = rows[0][0]
        elif start == 0:
            self._count = 0
        n = self.context_chars
        texts: dict[int, str] = {}  # each transcript's text comes with its first row
        out = []
        for row in rows:
            passage = Passage(*row[1:19])
            passage.needs_review = bool(passage.needs_review)
            if n:
                if row[19] is not None:
                    texts[passage.transcript_id] = row[19]
                text = texts.get(passage.transcript_id, "")
                passage.context_before = text[max(passage.start - n, 0) : passage.start]
                passage.context_after = text[passage.end : passage.end + n]
            out.append(passage)
        return out

    def __iter__(self) -> Iterator[Segment]:
        chunk: list[Segment] = []
        for row in self.segments.iterator(chunk_size=2000):
            chunk.append(row)
            if len(chunk) >= self.chunk_size:
                yield from self._attach(chunk)
                chunk = []
        yield from self._attach(chunk)


def _passages_sql(ranked_sql: str, start: int, stop: int | None, chars: int) -> tuple[str, list]:
    """The query of :meth:`Retrieval.passages` around ``ranked_sql`` (the ORM's query of
    every matching segment's id, transcript id, rank in the page's order and the count of
    all), keeping ranks ``start + 1``..``stop``; and its own parameters (after those of
    ``ranked_sql``). Columns: the count, :data:`_PASSAGE_COLUMNS`, then (with ``chars``)
    the transcript's text on the first of its rows, NULL on the others.

    The context is cut from those texts in Python: a page shows passages of a few
    transcripts, and each text read once costs less than cutting it by character position
    in the database for every row (``SUBSTR`` walks the UTF-8 text from its start, in
    SQLite and PostgreSQL alike: about 3 ms a page of 100 passages in texts of 60,000
    characters)."""
    qn = connection.ops.quote_name
    seg, tr, code = (qn(m._meta.db_table) for m in (Segment, Transcript, Code))
    part, group, wave = (qn(m._meta.db_table) for m in (Participant, StakeholderGroup, Wave))
    params: list = [start]
    until = ""
    if stop is not None:
        until = "AND rank <= %s"
        params.append(stop)
    # Which row is its transcript's first on the page is found before the texts join in
    # (a window over rows that carry a text would copy the text for each of them).
    text = f"CASE WHEN page.is_first THEN t.{qn('text')} END" if chars else "NULL"
    sql = f"""
        WITH ranked (id, transcript_id, rank, total) AS ({ranked_sql}),
        page AS (
            SELECT id, transcript_id, rank, total,
                   rank = MIN(rank) OVER (PARTITION BY transcript_id) AS is_first
            FROM ranked WHERE rank > %s {until}
        )
        SELECT page.total, s.id, s.transcript_id, s.code_id, s.layer_id, s.{qn("start")},
               s.{qn("end")}, s.quote, s.quote_at_coding, s.memo, s.needs_review, c.name,
               c.color, t.title, t.length, p.pseudonym, g.name, w.name, s.created_at, {text}
        FROM page
        JOIN {seg} s ON s.id = page.id
        JOIN {code} c ON c.id = s.code_id
        JOIN {tr} t ON t.id = s.transcript_id
        LEFT JOIN {part} p ON p.id = t.participant_id
        LEFT JOIN {group} g ON g.id = p.group_id
        LEFT JOIN {wave} w ON w.id = t.wave_id
        ORDER BY page.rank
    """
    return sql, params


def contexts(segment_ids: Iterable[int], chars: int) -> dict[int, tuple[str, str]]:
    """``{segment id: (before, after)}``: up to ``chars`` code points of the transcript's
    current text either side of each segment, cut by the database. One query.

    Both PostgreSQL and SQLite count ``SUBSTR`` positions in characters (code points), like
    our offsets. On PostgreSQL a character-indexed ``SUBSTRING`` of UTF-8 text walks the
    text character by character (and decompresses it first when it is stored compressed),
    so the query (1) decompresses each needed transcript once, in a ``MATERIALIZED`` CTE
    (``text || ''`` makes a plain copy), and (2) cuts one window per segment,
    ``text[start - chars : end + chars]``, split into before/after here by length.
    """
    ids = [int(i) for i in segment_ids]
    if not ids:
        return {}
    qn = connection.ops.quote_name
    vendor = connection.vendor
    greatest = "MAX" if vendor == "sqlite" else "GREATEST"
    materialized = "MATERIALIZED" if vendor == "postgresql" else ""
    marks = ", ".join(["%s"] * len(ids))
    seg, tr = qn(Segment._meta.db_table), qn(Transcript._meta.db_table)
    start, end, text = qn("start"), qn("end"), qn("text")
    # SUBSTR is 1-based: text[a:b] is SUBSTR(text, a + 1, b - a). Reading past the end
    # returns what there is; the window's start is clamped at 0 (SQLite would count a
    # negative position from the end).
    sql = f"""
        WITH body AS {materialized} (
            SELECT t.id AS id, t.{text} || '' AS text FROM {tr} t
            WHERE t.id IN (SELECT s0.transcript_id FROM {seg} s0 WHERE s0.id IN ({marks}))
        )
        SELECT s.id, s.{start} - {greatest}(s.{start} - %s, 0), s.{end} - s.{start},
               SUBSTR(body.text, {greatest}(s.{start} - %s, 0) + 1,
                      s.{end} + %s - {greatest}(s.{start} - %s, 0))
        FROM {seg} s JOIN body ON body.id = s.transcript_id
        WHERE s.id IN ({marks})
    """
    n = int(chars)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*ids, n, n, n, n, *ids])
        rows = cursor.fetchall()
    return {
        pk: (window[:before_len], window[before_len + span :])
        for pk, before_len, span, window in ((r[0], r[1], r[2], r[3] or "") for r in rows)
    }


def retrieve(
    access: StudyAccess,
    *,
    code_ids: Iterable[int] | None,
    group: IdFilter = None,
    wave: IdFilter = None,
    participant: IdFilter = None,
    layers: Iterable[Layer | int] | None = None,
    transcript: IdFilter = None,
    needs_review: bool = False,
    attributes: Iterable[attrs.AttributeFilter] = (),
    attribute_defs: list[Attribute] | None = None,
    context_chars: int = 120,
) -> Retrieval:
    """Segments of ``code_ids`` in the study that ``access`` may see (see :class:`Retrieval`).

    Filters compose with AND and are exact. ``group``, ``wave``, ``participant`` and
    ``transcript`` each take an id, a model instance or a list of either (a list means "any
    of these"). ``needs_review=True`` keeps only passages whose words a text edit changed
    and that nobody has marked reviewed yet. ``code_ids=None`` means every code. ``layers`` (Layer objects or ids) narrows
    the layers; it can never widen them: hidden layers (blind mode) are always excluded, in
    the SQL, whatever the caller passes. Segments of other studies are excluded too.
    ``attributes`` (``attribute:<name>=<value>`` filters, :mod:`studies.attributes`) keep
    the segments of participants and transcripts with those values; a filter naming no
    attribute keeps nothing. They cost one query per scope (plus the definitions unless
    ``attribute_defs`` is given), run here, not when the result is read.

    Each segment has ``code``, ``layer`` (with ``user``), ``transcript`` (**without** its
    text), ``transcript.participant`` (with ``group``) and ``transcript.wave`` preloaded. With
    ``context_chars > 0`` the segments read from the result carry ``context_before`` and
    ``context_after``: up to that many code points of the current text either side of
    ``[start, end)``, cut by the database.

    Order: participant's group, participant, wave, transcript title, then position in the
    text (transcripts without a participant or wave come last). Building the result runs no
    query.
    """
    study = access.study
    qs = Segment.objects.filter(transcript__study=study, layer__in=visible_layers(access))
    if code_ids is not None:
        qs = qs.filter(code_id__in=list(code_ids), code__study=study)
    if layers is not None:
        qs = qs.filter(layer_id__in=_ids(list(layers)) or [])
    if needs_review:
        qs = qs.filter(needs_review=True)
    for lookup, value in (
        ("transcript__participant__group_id__in", group),
        ("transcript__wave_id__in", wave),
        ("transcript__participant_id__in", participant),
        ("transcript_id__in", transcript),
    ):
        ids = _ids(value)
        if ids is not None:
            qs = qs.filter(Q(**{lookup: ids}))
    attributes = tuple(attributes)
    if attributes:
        pids, tids, errors = attrs.resolve(study, attributes, attribute_defs)
        if errors:
            qs = qs.none()
        if pids is not None:
            qs = qs.filter(transcript__participant_id__in=sorted(pids))
        if tids is not None:
            qs = qs.filter(transcript_id__in=sorted(tids))
    qs = qs.select_related(*_RELATED).defer("transcript__text").order_by(*ORDER)
    return Retrieval(qs, context_chars)


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
    review: bool = False
    attributes: tuple[attrs.AttributeFilter, ...] = ()

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
        if self.review:
            params["review"] = 1
        for f in self.attributes:
            params[f.param] = f.value
        params.update({k: v for k, v in extra.items() if v not in (None, "")})
        return urlencode(params)


def segment_link(study_id: int, segment: Segment) -> str:
    """The coding page of the segment's transcript, showing its layer and code, scrolled to it."""
    url = reverse("coding:transcript_code", args=[study_id, segment.transcript_id])
    query = urlencode({"layer": segment.layer.key, "code": segment.code_id, "focus": segment.pk})
    return f"{url}?{query}#seg-{segment.pk}"


@dataclass
class RetrievalState:
    """The request's filters resolved against what the requester may see (6 queries).
    ``book``: the light codebook (:data:`coding.codebook.selectors.LIGHT_COLUMNS`: paths,
    colours, archived)."""

    filters: RetrievalFilters
    book: Codebook
    layers: list[Layer]
    groups: list
    waves: list
    participants: list
    code_ids: list[int]
    chosen_layers: list[Layer] | None
    errors: list[str]
    attribute_defs: list[Attribute]

    @property
    def attribute_fields(self) -> list[dict]:
        """Each defined attribute with the filter value the request gave (the form)."""
        given = {f.name.lower(): f.value for f in self.filters.attributes}
        return [
            {"defn": d, "param": d.key, "value": given.get(d.name.lower(), "")}
            for d in self.attribute_defs
        ]

    @property
    def code_path(self) -> str:
        return self.book.path(self.filters.code) if self.filters.code else ""


def retrieval_state(
    access: StudyAccess, filters: RetrievalFilters, given: dict[str, str]
) -> RetrievalState:
    """Resolve ``filters`` (``given``: the id parameters as the request spelled them, for
    the messages) against the study: the codebook, layers, groups, waves, participants and
    attribute definitions the requester may see, and an error for each filter that names
    none of them (6 queries)."""
    study = access.study
    book = codebook_selectors.codebook_for(access, light=True)
    layers = segment_selectors.listed_layers(access)
    groups = list(study.groups.all())
    waves = list(study.waves.all())
    participants = list(Participant.objects.filter(study=study).only("pk", "pseudonym", "group_id"))
    errors: list[str] = []
    # Unknown ids are reported, never dropped: a silently ignored filter would show
    # more segments than the link that led here promised.
    for label, value, items in (
        ("code", filters.code, book.by_id),
        ("group", filters.group, {g.pk for g in groups}),
        ("wave", filters.wave, {w.pk for w in waves}),
        ("participant", filters.participant, {p.pk for p in participants}),
    ):
        if given.get(label) and (value is None or value not in items):
            errors.append(
                {
                    "code": gettext("There is no code “%(value)s” in this study."),
                    "group": gettext("There is no group “%(value)s” in this study."),
                    "wave": gettext("There is no wave “%(value)s” in this study."),
                    "participant": gettext("There is no participant “%(value)s” in this study."),
                }[label]
                % {"value": given[label]}
            )
    attribute_defs = attrs.definitions(study)
    for f in filters.attributes:
        defn = attrs.by_name(attribute_defs, f.name)
        if defn is None:
            errors.append(
                gettext("There is no attribute “%(name)s” in this study.") % {"name": f.name}
            )
        elif problem := attrs.check(defn, f.value):
            errors.append(problem)
    chosen_layers = None
    if filters.layer == UNION_KEY:
        # The coders' union, as on the comparison pages: every coder and imported layer.
        chosen_layers = [lr for lr in layers if lr.kind != LayerKind.CONSENSUS]
    elif filters.layer:
        chosen_layers = [lr for lr in layers if lr.key == filters.layer]
        if not chosen_layers:
            errors.append(
                gettext("There is no layer “%(layer)s” that you can see.")
                % {"layer": filters.layer}
            )
    code_ids = code_ids_for(book, filters.code, subtree=filters.subtree) if filters.code else []
    return RetrievalState(
        filters=filters,
        book=book,
        layers=layers,
        groups=groups,
        waves=waves,
        participants=participants,
        code_ids=code_ids,
        chosen_layers=chosen_layers,
        errors=errors,
        attribute_defs=attribute_defs,
    )


def state_segments(access: StudyAccess, state: RetrievalState, *, context: int) -> Retrieval:
    """The segments the page (``context`` > 0) or an export (``context=0``) shows: without
    a code, every visible segment matching the other filters."""
    f = state.filters
    return retrieve(
        access,
        code_ids=None if f.code is None else state.code_ids,
        group=f.group,
        wave=f.wave,
        participant=f.participant,
        layers=state.chosen_layers,
        needs_review=f.review,
        attributes=f.attributes,
        attribute_defs=state.attribute_defs,
        context_chars=context,
    )
