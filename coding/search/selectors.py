"""Corpus search over the transcripts of a study (reads only).

Every member may read every transcript of their study, so search needs no layer rule; it
shows nothing of anyone's codes or memos.

How a search runs (the result is the same on every database and on every path):

* **Counting in the database** (the common case: words, several terms that cannot overlap,
  with or without case or variants): each transcript's hits are counted in SQL on its
  folded copy (:class:`studies.models.TranscriptSearchText`) as ``(bytes(f) -
  bytes(replace(f, term, ''))) / bytes(term)``, left to right and non-overlapping like the
  engine, without sending the texts. The counts make the group × wave table and the total;
  :class:`Hits` then reads only the texts of the transcripts a page shows and finds their
  exact offsets with :mod:`coding.search.engine`. A transcript without a folded copy (its
  folding changes its length, "ß" → "ss") is read and scanned in Python in the same query.
* **Scanning in Python** when SQL cannot say exactly what the engine would find (whole
  words, a speaker's words only, phrases, several terms that can overlap, the few Han
  characters whose variants chain): the database sends only the texts that contain every
  word of the query (or of one term, for "any"), and the engine finds the hits.
* On PostgreSQL a trigram index on ``UPPER(text)`` (``studies/migrations/0008``) first picks
  the candidates of a rare term (at most :data:`FEW_CANDIDATES`), read and scanned at once.
  A term the index cannot decide exactly (a cased letter outside ASCII, or letters case
  folding could have made of one character, "ss" from "ß") does not narrow there.

Queries: the groups and waves (2), the transcripts searched with their counts or candidate
texts (1), the texts of the page's transcripts when counted in SQL (1, on slicing
:attr:`SearchResult.hits`); on PostgreSQL the index's few candidates first (when a term can
narrow: 1 more and a ``SET LOCAL`` in a transaction); with an attribute filter the study's
participants (1), the transcripts holding that attribute themselves (1) and the attribute
definitions (1, unless given).
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from django.db import connection, transaction
from django.db.models import Case, F, Func, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce, Replace, StrIndex
from django.db.models.lookups import GreaterThan

from coding.search import engine
from studies import attributes as attrs
from studies import folding
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
    """``counts``: hits per transcript with at least one, in the order of the hits (title
    order); ``texts``: the texts read so far (every transcript with a hit once
    :attr:`hits` was iterated; those of the slices taken otherwise)."""

    terms: list[str]
    transcripts: dict[int, TranscriptInfo]
    texts: dict[int, str]
    groups: list[StakeholderGroup]
    waves: list[Wave]
    cells: dict[tuple[int | None, int | None], Cell] = field(default_factory=dict)
    counts: dict[int, int] = field(default_factory=dict)
    #: Hits found so far, per transcript (all of them for those scanned in Python).
    found: dict[int, list[engine.Hit]] = field(default_factory=dict)
    #: What finds the hits of a transcript counted in SQL, when its text is read.
    matcher: engine.Matcher | None = None

    @property
    def count(self) -> int:
        return sum(self.counts.values())

    @property
    def matched(self) -> int:
        """Transcripts with at least one hit."""
        return len(self.counts)

    @cached_property
    def hits(self) -> Hits:
        return Hits(self)

    def cell(self, group_id: int | None, wave_id: int | None) -> Cell:
        return self.cells.get((group_id, wave_id), Cell())


class Hits(Sequence):
    """Every hit of a result, left to right, transcript by transcript. Slicing reads the
    texts of the transcripts in the slice that were counted in SQL (1 query) and finds
    their hits; iterating reads every such text at once."""

    def __init__(self, result: SearchResult):
        self.result = result
        self._keys = list(result.counts)
        self._ends = list(itertools.accumulate(result.counts.values()))

    def __len__(self) -> int:
        return self._ends[-1] if self._ends else 0

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            return self._between(start, stop)[::step] if start < stop else []
        n = len(self)
        i = index + n if index < 0 else index
        if not 0 <= i < n:
            raise IndexError("hit index out of range")
        return self._between(i, i + 1)[0]

    def __iter__(self) -> Iterator[engine.Hit]:
        return iter(self._between(0, len(self)))

    def _between(self, start: int, stop: int) -> list[engine.Hit]:
        first = bisect.bisect_right(self._ends, start)
        last = bisect.bisect_left(self._ends, stop)
        keys = self._keys[first : last + 1]
        self._read([k for k in keys if k not in self.result.found])
        hits = []
        for k in keys:
            hits.extend(self.result.found.get(k, ()))
        offset = self._ends[first - 1] if first else 0
        return hits[start - offset : stop - offset]

    def _read(self, keys: list[int]) -> None:
        if not keys:
            return
        result = self.result
        assert result.matcher is not None
        for pk, text in Transcript.objects.filter(pk__in=keys).values_list("pk", "text"):
            result.texts[pk] = text
            # If the text was edited since it was counted, these are the hits of the text
            # as now read (its rows are exact; the page holds a few more or fewer).
            result.found[pk] = [engine.Hit(pk, *hit) for hit in result.matcher.find(text)]


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
    every_hit: bool = False,
) -> SearchResult:
    """Every hit of ``query`` in the transcripts of ``access.study`` that ``filters`` keep,
    transcript by transcript (in title order), left to right; counts per group and wave.

    ``groups``, ``waves`` and ``participants`` (``(pk, attributes)`` pairs) are read when
    not given (a page that lists them for its filters passes its own), as are the study's
    ``attribute_defs`` (participant and transcript ones) with an attribute filter.

    ``whole_turns`` with no query and a speaker (or the participant's speech): every turn of
    that speaker is a hit (auto-coding a speaker's turns). ``every_hit``: read every text
    with a hit in the one query that counts them (auto-coding needs them all, as they were
    when counted), instead of counting in SQL and reading a page's texts later."""
    study = access.study
    terms = engine.parse_query(query)
    groups = list(study.groups.all()) if groups is None else groups
    waves = list(study.waves.all()) if waves is None else waves
    result = SearchResult(terms, {}, {}, groups, waves)
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
    fields = ["pk", "title", "participant_id", "participant__pseudonym"]
    fields += ["participant__group_id", "wave_id"]
    transcripts = transcripts.order_by("title", "pk")
    # The index's probe costs a common word a few rechecks (bounded), and saves a rare one
    # the scan of every folded copy (which grows with the corpus): always worth it.
    narrowing = candidates_q(terms, options) if terms and narrows_in_database() else Q()
    candidates = _few_candidates(study, narrowing) if narrowing else None
    counted = None
    if candidates is None:
        counted = None if every_hit or filters.participant_speech else countable(terms, options)
        if counted is not None:
            column = _column(options)
            counts = {f"c{i}": _count(column, term) for i, term in enumerate(counted)}
            transcripts = transcripts.annotate(**counts)
            fields += list(counts)
            if not options.match_case:  # texts without a folded copy are read at once
                transcripts = transcripts.annotate(
                    unfolded=Case(When(search_text__folded__isnull=True, then=F("text")))
                )
                fields.append("unfolded")
        else:
            may_hold = _may_hold(terms, options)
            text = F("text") if may_hold is None else Case(When(may_hold, then=F("text")))
            transcripts = transcripts.annotate(candidate=text)
            fields.append("candidate")
    texts = dict(candidates or ())
    matchers: dict[str, engine.Matcher] = {}
    n = len(counted or ())
    for row in transcripts.values_list(*fields):
        info = TranscriptInfo(*row[:6])
        result.transcripts[info.pk] = info
        cell = result.cells.setdefault((info.group_id, info.wave_id), Cell())
        cell.searched += 1
        if counted is not None and row[6] is not None:
            hits = _combine(row[6 : 6 + n], options.mode)
            if hits:
                result.counts[info.pk] = hits
                cell.hits += hits
                cell.transcripts += 1
            continue
        text = texts.get(info.pk) if candidates is not None else row[-1]
        if text is None:  # not a candidate: holds no hit
            continue
        speaker = info.pseudonym if filters.participant_speech else options.speaker
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
        result.texts[info.pk] = text
        result.found[info.pk] = [
            engine.Hit(info.pk, start, end, term) for start, end, term in found
        ]
        result.counts[info.pk] = len(found)
        cell.hits += len(found)
        cell.transcripts += 1
    if counted is not None:
        result.matcher = engine.Matcher(terms, options)
    return result


# --- Counting in SQL --------------------------------------------------------------------


class _Bytes(Func):
    """The length of a text in bytes: constant time for a stored text, where PostgreSQL's
    ``LENGTH`` counts its characters (whole matches are removed, so bytes divide exactly;
    texts are UTF-8 in both databases)."""

    function = "OCTET_LENGTH"
    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        template = "LENGTH(CAST(%(expressions)s AS BLOB))"
        return self.as_sql(compiler, connection, template=template, **extra)


def _column(options: engine.Options):
    """The text the database counts on: the text itself when case matters, else its folded
    copy (with variants folded too when asked)."""
    if options.match_case:
        return F("text")
    if options.variants:
        return Coalesce(F("search_text__variants"), F("search_text__folded"))
    return F("search_text__folded")


def _count(column, term: str):
    """Occurrences of ``term`` in ``column``, left to right and non-overlapping (what
    ``replace`` removes); NULL where the column is."""
    removed = _Bytes(column) - _Bytes(Replace(column, Value(term), Value("")))
    return removed / Value(len(term.encode("utf-8")))


def _fold_term(term: str, options: engine.Options) -> str | None:
    """``term`` as it reads in the column the database counts on, or None when that would
    not find exactly what the engine finds: a Han character whose Simplified form has a
    Simplified form of its own (著 → 著 → 着: the engine matches the middle one itself)."""
    if not options.match_case:
        term = term.casefold()
    if options.variants:
        fold = folding.variant_tables()[0]
        if any(fold.get(ch, ch) in fold for ch in term):
            return None
        term = folding.fold_variants(term)
    return term


def _can_overlap(a: str, b: str) -> bool:
    """Whether an occurrence of ``a`` and one of ``b`` can share a character."""
    if a in b or b in a:
        return True
    return any(a.endswith(b[:k]) or b.endswith(a[:k]) for k in range(1, min(len(a), len(b))))


def countable(terms: list[str], options: engine.Options) -> list[str] | None:
    """The terms as the database counts them, or None when counting them in SQL would not
    give exactly the engine's hits: whole words, one speaker's words, phrases (white space
    matches any run of it), case and variants together (there is no such copy), or several
    terms that can overlap (the engine takes the longest at one place, then goes on after
    it; counted apart they would count twice)."""
    if not terms or options.whole_word or options.speaker:
        return None
    if options.match_case and options.variants:
        return None
    folded = []
    for term in terms:
        if any(ch.isspace() for ch in term):
            return None
        term = _fold_term(term, options)
        if term is None:
            return None
        folded.append(term)
    if any(_can_overlap(a, b) for a, b in itertools.combinations(folded, 2)):
        return None
    return folded


def _combine(counts, mode: engine.Mode) -> int:
    """A transcript's hits from its count per term: each term's hits (none overlap), or
    none when all terms must occur and one does not."""
    if mode == "all" and not all(counts):
        return 0
    return sum(counts)


def _may_hold(terms: list[str], options: engine.Options) -> Q | None:
    """What a transcript that can hold a hit satisfies in the database, when scanned in
    Python: its folded copy (or the text, when case matters) contains every word of the
    query (of one term, for "any"), or it has no folded copy. None: every transcript."""
    if not terms or (options.match_case and options.variants):
        return None
    column = _column(options)
    per_term = []
    for term in terms:
        q = None
        for word in _SPLIT.split(term):
            word = _fold_term(word, options)
            if not word:
                continue
            has = Q(GreaterThan(StrIndex(column, Value(word)), 0))
            q = has if q is None else q & has
        per_term.append(q)
    if options.mode == "any":
        if any(q is None for q in per_term):
            return None
        combined = per_term[0]
        for q in per_term[1:]:
            combined |= q
    else:
        known = [q for q in per_term if q is not None]
        if not known:
            return None
        combined = known[0]
        for q in known[1:]:
            combined &= q
    if options.match_case:
        return combined
    return combined | Q(search_text__folded__isnull=True)


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
    """Keyword-in-context rows for some of ``result.hits`` (a page, sliced from it, so
    their texts were read)."""
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
