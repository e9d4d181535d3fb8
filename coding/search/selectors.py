"""Corpus search over the transcripts of a study (reads only).

Every member may read every transcript of their study, so search needs no layer rule; it
shows nothing of anyone's codes or memos. The database narrows the transcripts first (on
PostgreSQL a trigram index on ``UPPER(text)`` serves ``icontains``; see
``studies/migrations/0006``), then :mod:`coding.search.engine` finds the exact offsets in
Python. A term the database cannot decide exactly (a cased letter outside ASCII, or
letters that case folding could have produced from one character, "ss" from "ß") does not
narrow the candidates, so the result is the same on every database.

Queries: the groups and waves (2), the transcripts searched without their text (1), the
texts (1; on PostgreSQL first the candidates through the index, when it narrows: 1 more and
a ``SET LOCAL`` in a transaction), and with an attribute filter the study's participants (1),
the transcripts holding that attribute themselves (1) and the attribute definitions (1).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from django.db import connection, transaction
from django.db.models import F, Q

from coding.search import engine
from studies import attributes as attrs
from studies.access import StudyAccess
from studies.models import StakeholderGroup, Transcript, Wave


@dataclass(frozen=True)
class SearchFilters:
    group: int | None = None
    wave: int | None = None
    participant: int | None = None
    transcript: int | None = None
    #: Only the words of each transcript's own participant (their turns, labelled with
    #: their pseudonym), not the interviewer's.
    participant_speech: bool = False
    #: (attribute name, value as text) of the participant, or None.
    attribute: tuple[str, str] | None = None


@dataclass(frozen=True)
class TranscriptInfo:
    pk: int
    title: str
    participant_id: int | None
    pseudonym: str | None
    group_id: int | None
    wave_id: int | None


@dataclass
class Cell:
    hits: int = 0
    transcripts: int = 0  # with at least one hit
    searched: int = 0  # transcripts searched in the cell


@dataclass
class SearchResult:
    terms: list[str]
    hits: list[engine.Hit]
    transcripts: dict[int, TranscriptInfo]
    texts: dict[int, str]
    groups: list[StakeholderGroup]
    waves: list[Wave]
    cells: dict[tuple[int | None, int | None], Cell] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.hits)

    def cell(self, group_id: int | None, wave_id: int | None) -> Cell:
        return self.cells.get((group_id, wave_id), Cell())


@dataclass(frozen=True)
class HitRow:
    hit: engine.Hit
    transcript: TranscriptInfo
    context: engine.Context


# --- Database candidates ------------------------------------------------------------------


@lru_cache(maxsize=1)
def _expansions() -> frozenset[str]:
    """Every string of two or more characters that case folding makes of one character.

    Every such character is in the Basic Multilingual Plane (the last is U+FB17); the test
    suite checks the whole range, so a Unicode update that adds one elsewhere fails there."""
    found = set()
    for cp in range(0x10000):
        folded = chr(cp).casefold()
        if len(folded) > 1:
            found.add(folded)
    return frozenset(found)


def _exact_in_database(word: str) -> bool:
    """True when ``UPPER(text) LIKE UPPER('%word%')`` finds every text the engine matches:
    the word's letters are ASCII (case rules the same everywhere, whatever the collation)
    or have no case (Han), and no letters in it could come from folding one character."""
    if any(not ch.isascii() and ch.lower() != ch.upper() for ch in word):
        return False
    folded = word.casefold()
    return not any(expansion in folded for expansion in _expansions())


_SPLIT = re.compile(r"\s+")


def _term_q(term: str, options: engine.Options) -> Q | None:
    """What a transcript holding ``term`` satisfies, or None when nothing narrows it."""
    q = None
    for word in _SPLIT.split(term):
        # pg_trgm takes no trigram from fewer than 3 characters ("朋輩"): the index cannot
        # narrow them, and LIKE would only re-read every text.
        if len(word) < 3 or (not options.match_case and not _exact_in_database(word)):
            continue
        # icontains is what the index on UPPER(text) serves; a case-sensitive search also
        # asks for the exact word (checked only on the index's candidates).
        lookups = (
            ["text__icontains", "text__contains"] if options.match_case else ["text__icontains"]
        )
        forms = engine.variant_forms(word) if options.variants else [word]
        if forms is None:
            continue
        word_q = Q()
        for form in forms:
            form_q = Q()
            for lookup in lookups:
                form_q &= Q(**{lookup: form})
            word_q |= form_q
        q = word_q if q is None else q & word_q
    return q


def candidates_q(terms: list[str], options: engine.Options) -> Q:
    """A filter every transcript with a hit passes (all terms: each term's; any: one's)."""
    qs = [_term_q(term, options) for term in terms]
    if options.mode == "any":
        if any(q is None for q in qs):
            return Q()
        combined = Q()
        for q in qs:
            combined |= q
        return combined
    combined = Q()
    for q in qs:
        if q is not None:
            combined &= q
    return combined


def narrows_in_database() -> bool:
    """The trigram index exists on PostgreSQL only; elsewhere reading every text once and
    scanning in Python is as fast as a ``LIKE`` without index and simpler."""
    return connection.vendor == "postgresql"


# --- The search -----------------------------------------------------------------------------


def _participant_ids_with(participants, name: str, value: str, defn=None) -> list[int]:
    """Participants (or transcripts: pairs ``(pk, attributes)``) whose attribute ``name``
    reads ``value``: through its definition ``defn`` when the study defines it (so a number
    takes a range ``lo..hi``, both ends included), else compared as text,
    case-insensitively, so 42 and "42" are the same; a list matches any of its items."""
    wanted = value.strip().casefold()
    key = defn.name if defn is not None else name
    found = []
    for pk, attributes in participants:
        raw = (attributes or {}).get(key) if isinstance(attributes, dict) else None
        values = raw if isinstance(raw, list) else [raw]
        if defn is not None:
            hit = any(v is not None and attrs.matches(defn, v, value) for v in values)
        else:
            hit = any(v is not None and str(v).strip().casefold() == wanted for v in values)
        if hit:
            found.append(pk)
    return found


def search(
    access: StudyAccess,
    query: str,
    options: engine.Options,
    filters: SearchFilters,
    *,
    groups: list[StakeholderGroup] | None = None,
    waves: list[Wave] | None = None,
    participants: list[tuple[int, dict]] | None = None,
    attribute_defs: list | None = None,
    whole_turns: bool = False,
) -> SearchResult:
    """Every hit of ``query`` in the transcripts of ``access.study`` that ``filters`` keep,
    transcript by transcript (in title order), left to right; counts per group and wave.

    ``groups``, ``waves`` and ``participants`` (``(pk, attributes)`` pairs) are read when
    not given (a page that lists them for its filters passes its own), as are the study's
    ``attribute_defs`` (participant and transcript ones) with an attribute filter.

    ``whole_turns`` with no query and a speaker (or the participant's speech): every turn of
    that speaker is a hit (auto-coding a speaker's turns)."""
    study = access.study
    terms = engine.parse_query(query)
    groups = list(study.groups.all()) if groups is None else groups
    waves = list(study.waves.all()) if waves is None else waves
    result = SearchResult(terms, [], {}, {}, groups, waves)
    transcripts = study.transcripts.all()
    if filters.group is not None:
        transcripts = transcripts.filter(participant__group_id=filters.group)
    if filters.wave is not None:
        transcripts = transcripts.filter(wave_id=filters.wave)
    if filters.participant is not None:
        transcripts = transcripts.filter(participant_id=filters.participant)
    if filters.transcript is not None:
        transcripts = transcripts.filter(pk=filters.transcript)
    if filters.attribute is not None:
        if participants is None:
            participants = list(study.participants.values_list("pk", "attributes"))
        name, value = filters.attribute
        if attribute_defs is None:
            attribute_defs = attrs.definitions(study)
        defn = attrs.by_name(attribute_defs, name)
        if defn is not None:
            name = defn.name
        ids = _participant_ids_with(participants, name, value, defn)
        # A transcript attribute (site, interviewer, language...) is the transcript's own
        # value; a transcript without it counts under its participant's.
        own = list(
            study.transcripts.filter(attributes__has_key=name).values_list("pk", "attributes")
        )
        transcripts = transcripts.filter(
            Q(pk__in=_participant_ids_with(own, name, value, defn))
            | (Q(participant_id__in=ids) & ~Q(pk__in=[pk for pk, _ in own]))
        )
    if filters.participant_speech:
        transcripts = transcripts.filter(participant__isnull=False)
    whole_turns = whole_turns and not terms and bool(options.speaker or filters.participant_speech)
    if not terms and not whole_turns:
        return result
    fields = ("pk", "title", "participant_id", "participant__pseudonym")
    fields += ("participant__group_id", "wave_id")
    transcripts = transcripts.order_by("title", "pk")
    for row in transcripts.values_list(*fields):
        info = TranscriptInfo(*row)
        result.transcripts[info.pk] = info
        result.cells.setdefault((info.group_id, info.wave_id), Cell()).searched += 1
    narrowing = candidates_q(terms, options) if terms and narrows_in_database() else Q()
    rows = _few_candidates(study, narrowing) if narrowing else None
    if rows is None:
        rows = list(transcripts.values_list("pk", "text"))
    matchers: dict[str, engine.Matcher] = {}
    for pk, text in rows:
        info = result.transcripts.get(pk)
        if info is None:  # a candidate the other filters leave out
            continue
        cell = result.cells[(info.group_id, info.wave_id)]
        pseudonym = info.pseudonym
        speaker = pseudonym if filters.participant_speech else options.speaker
        if whole_turns:
            found = [
                (a, b, 0) for a, b in engine.speaker_spans(text, speaker or "") if text[a:b].strip()
            ]
        else:
            matcher = matchers.get(speaker or "")
            if matcher is None:
                matcher = engine.Matcher(terms, _with_speaker(options, speaker or ""))
                matchers[speaker or ""] = matcher
            found = matcher.find(text)
        if not found:
            continue
        result.texts[pk] = text
        cell.hits += len(found)
        cell.transcripts += 1
        result.hits.extend(engine.Hit(pk, start, end, term) for start, end, term in found)
    return result


#: On PostgreSQL, a term in more than this many transcripts is found faster by reading
#: every text once than through the index (whose every candidate PostgreSQL re-reads and
#: upper-cases to check it).
FEW_CANDIDATES = 16


def _few_candidates(study, narrowing: Q) -> list[tuple[int, str]] | None:
    """The study's transcripts that can hold a hit, with their text, read through the
    trigram index when there are at most :data:`FEW_CANDIDATES`; else None (reading every
    text once is then faster). The other filters are applied by the caller.

    The planner prefers the study's B-tree index (or a scan: the table is small, the text is
    out of line in TOAST) and would upper-case every text of the study; ``study_id + 0``
    cannot use that index and ``enable_seqscan = off`` rules out the scan, so it reads the
    trigram index and re-checks only the texts it gives."""
    rows = (
        Transcript.objects.alias(study_plus=F("study_id") + 0)
        .filter(narrowing, study_plus=study.pk)
        .order_by()
        .values_list("pk", "text")
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        found = list(rows[: FEW_CANDIDATES + 1])
    return found if len(found) <= FEW_CANDIDATES else None


def _with_speaker(options: engine.Options, speaker: str) -> engine.Options:
    if speaker == options.speaker:
        return options
    return engine.Options(
        match_case=options.match_case,
        variants=options.variants,
        whole_word=options.whole_word,
        mode=options.mode,
        speaker=speaker,
    )


def hit_rows(result: SearchResult, hits: list[engine.Hit]) -> list[HitRow]:
    """Keyword-in-context rows for some of ``result.hits`` (a page)."""
    return [
        HitRow(
            hit,
            result.transcripts[hit.key],
            engine.keyword_in_context(result.texts[hit.key], hit.start, hit.end),
        )
        for hit in hits
    ]


def cell_table(result: SearchResult) -> list[tuple[str, list[Cell], Cell]]:
    """The counts table: one row per group (and "No group" when a transcript has none),
    one cell per wave (and "No wave"), the row's total last."""
    group_ids: list[int | None] = [g.pk for g in result.groups]
    wave_ids: list[int | None] = [w.pk for w in result.waves]
    if any(g is None for g, _ in result.cells):
        group_ids.append(None)
    if any(w is None for _, w in result.cells):
        wave_ids.append(None)
    names = {g.pk: g.name for g in result.groups}
    table = []
    for group_id in group_ids:
        cells = [result.cell(group_id, wave_id) for wave_id in wave_ids]
        total = Cell(
            sum(c.hits for c in cells),
            sum(c.transcripts for c in cells),
            sum(c.searched for c in cells),
        )
        table.append((names.get(group_id, "No group"), cells, total))
    return table


def wave_headers(result: SearchResult) -> list[str]:
    names = [w.name for w in result.waves]
    if any(w is None for _, w in result.cells):
        names.append("No wave")
    return names


def totals_by_wave(result: SearchResult) -> list[Cell]:
    sums: dict[int | None, Cell] = defaultdict(Cell)
    for (_, wave_id), cell in result.cells.items():
        total = sums[wave_id]
        total.hits += cell.hits
        total.transcripts += cell.transcripts
        total.searched += cell.searched
    wave_ids: list[int | None] = [w.pk for w in result.waves]
    if None in sums:
        wave_ids.append(None)
    return [sums.get(w, Cell()) for w in wave_ids]
