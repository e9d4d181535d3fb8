"""Word frequency over the transcripts of a study (reads only).

Every member reads every transcript's text and the counts come from the text alone
(nothing of anyone's codes or memos), so blind coding changes nothing here.

The columns are those of the comparison matrix (:mod:`coding.compare.frame`, or an
attribute's values with ``by=attribute:<name>``, :mod:`coding.compare.cuts`): each group
(or value) at each wave, in the same order and with the same names. Each column carries its
denominators: the transcripts counted and the words in them. A transcript without a
participant, group or wave (or without the attribute's value) counts only in the total.

Queries: the frame (4 for groups, 3 for an attribute; :mod:`coding.compare.cuts` adds the
attribute definitions, 1, and one per scope of attribute filter), the transcripts without
their text (1); for transcripts not in the process's cache their stored counts (1), and
for those not stored either their texts (1) and the upsert of their counts (1 per 100).
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse

from coding.compare.cuts import Cut
from coding.models import TranscriptWords
from coding.words import tokens
from coding.words.cache import COUNTS, TOTALS
from coding.words.forms import WordParams
from studies import attributes as attrs
from studies.models import AttributeScope, Transcript

SPEECH_MAX = 60  # TranscriptWords.speech


@dataclass(frozen=True)
class WordColumn:
    group_id: int
    group: str
    wave_id: int
    wave: str
    transcripts: int = 0
    words: int = 0

    @property
    def words_shown(self) -> str:
        return f"{self.words:,}"


@dataclass
class WordRow:
    kind: str  # "word" or "phrase"
    rank: int
    text: str  # as shown, and as searched
    total: int
    counts: list[int]  # one per column
    link: str  # the Search page for it, same filters
    columns: list[WordColumn] = field(default_factory=list, repr=False)

    @property
    def han(self) -> bool:
        return tokens.is_han(self.text)

    @property
    def total_shown(self) -> str:
        return f"{self.total:,}"

    @property
    def cells(self) -> list[tuple[int, str, WordColumn]]:
        """(count, count as shown, its column) of each column."""
        return [(n, f"{n:,}", c) for n, c in zip(self.counts, self.columns, strict=True)]


@dataclass
class WordTable:
    columns: list[WordColumn]
    groups: list[tuple[str, int]]  # (group name, number of its columns) for the header
    transcripts: int  # counted, in every column and outside them
    words_total: int
    unplaced: int  # counted but in no column
    words: list[WordRow] = field(default_factory=list)
    phrases: list[WordRow] = field(default_factory=list)
    segmenters: dict[str, int] = field(default_factory=dict)  # transcripts per segmenter

    @property
    def words_total_shown(self) -> str:
        return f"{self.words_total:,}"

    @property
    def empty(self) -> bool:
        return not self.words and not self.phrases


def _spans(text: str, params: WordParams, pseudonym: str | None):
    if params.participant_speech:
        return tokens.speaker_turn_spans(text, pseudonym or "")
    if params.speaker:
        return tokens.speaker_turn_spans(text, params.speaker)
    return tokens.spoken_spans(text)


@dataclass(frozen=True)
class Totals:
    """The words and phrases of a set of transcripts, most frequent first (then in
    alphabetical order), cached for the same transcripts at the same versions."""

    words: list[tuple[str, int]]
    phrases: list[tuple[tokens.Phrase, int]]

    @property
    def size(self) -> int:
        return len(self.words) + len(self.phrases)


def _ranked(counter: Counter) -> list:
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))


def transcript_counts(rows, params: WordParams) -> dict[int, tuple[tokens.TextCounts, str, tuple]]:
    """Counts of each transcript (rows ``(pk, version, checksum, pseudonym, language,
    attributes)``), from the process's cache, else from the stored counts
    (:class:`coding.models.TranscriptWords`, one query), else counted after reading their
    texts (one query) and stored (one upsert per batch). Returns pk -> (counts, segmenter,
    cache key)."""
    out: dict[int, tuple[tokens.TextCounts, str, tuple]] = {}
    missing: dict[int, tuple] = {}
    for pk, version, checksum, pseudonym, language, t_attrs in rows:
        segmenter = tokens.segmenter_for(language, t_attrs)
        speech = params.speech_key
        if params.participant_speech:
            speech = f"speaker:{(pseudonym or '').casefold()}"
        speech = speech[:SPEECH_MAX]
        key = (pk, version, checksum, speech, segmenter, tokens.VERSION)
        found = COUNTS.get(key)
        if found is None:
            missing[pk] = (key, segmenter, pseudonym)
        else:
            out[pk] = (found, segmenter, key)
    if not missing:
        return out
    stored = TranscriptWords.objects.filter(
        transcript_id__in=list(missing),
        speech__in={key[3] for key, _, _ in missing.values()},
        counter_version=tokens.VERSION,
    ).values_list("transcript_id", "speech", "segmenter", "version", "checksum", "total",
                  "words", "phrases")  # fmt: skip
    for pk, speech, segmenter, version, checksum, total, words, phrases in stored:
        key = missing[pk][0]
        if (key[1], key[2], key[3], key[4]) != (version, checksum, speech, segmenter):
            continue
        intern = sys.intern
        counts = tokens.TextCounts(
            Counter({intern(w): n for w, n in words.items()}),
            Counter({(intern(a), sep, intern(b)): n for a, sep, b, n in phrases}),
            total,
        )
        COUNTS.put(key, counts)
        out[pk] = (counts, segmenter, key)
        del missing[pk]
    if not missing:
        return out
    texts = Transcript.objects.filter(pk__in=list(missing)).values_list("pk", "text")
    new = []
    for pk, text in texts:
        key, segmenter, pseudonym = missing[pk]
        counts = tokens.count(text, _spans(text, params, pseudonym), segmenter)
        COUNTS.put(key, counts)
        out[pk] = (counts, segmenter, key)
        new.append(
            TranscriptWords(
                transcript_id=pk,
                speech=key[3],
                segmenter=segmenter,
                counter_version=tokens.VERSION,
                version=key[1],
                checksum=key[2],
                total=counts.total,
                words=dict(counts.words),
                phrases=[[a, sep, b, n] for (a, sep, b), n in counts.phrases.items()],
            )
        )
    # Another request may have stored the same counts meanwhile: the last one wins (they
    # are the same, or of a newer version that the next reader counts again).
    TranscriptWords.objects.bulk_create(
        new,
        update_conflicts=True,
        unique_fields=["transcript", "speech", "segmenter", "counter_version"],
        update_fields=["version", "checksum", "total", "words", "phrases"],
        batch_size=100,
    )
    return out


def _search_link(study_id: int, text: str, params: WordParams, cut: Cut) -> str:
    query = f'"{text}"' if " " in text else text
    pairs: list[tuple[str, str]] = [("q", query)]
    if not tokens.is_han(text[0]) and not tokens.is_han(text[-1]):
        pairs.append(("word", "1"))
    if params.participant_speech:
        pairs.append(("speech", "participant"))
    elif params.speaker:
        pairs.append(("speaker", params.speaker))
    for key in ("group", "wave"):
        if getattr(params, key) is not None:
            pairs.append((key, str(getattr(params, key))))
    for f in cut.restrict:
        defn = attrs.by_name(cut.defs, f.name)
        if defn is not None and defn.scope == AttributeScope.PARTICIPANT:
            pairs.append((f.param, f.value))  # the search takes one participant attribute
            break
    return reverse("coding:search", args=[study_id]) + "?" + urlencode(pairs)


def word_table(study, params: WordParams, cut: Cut) -> WordTable:
    """The top ``params.top`` words and phrases of the transcripts ``params`` and ``cut``
    keep, counted per column (see the module for the queries)."""
    frame = cut.frame(study)
    groups = list(frame.groups)
    waves = list(frame.waves)
    by_group = cut.by is None
    if by_group and params.group is not None:
        groups = [g for g in groups if g.pk == params.group]
    if params.wave is not None:
        waves = [w for w in waves if w.pk == params.wave]
    transcripts = study.transcripts.all()
    if params.group is not None:
        transcripts = transcripts.filter(participant__group_id=params.group)
    if params.wave is not None:
        transcripts = transcripts.filter(wave_id=params.wave)
    if cut.participants is not None:
        transcripts = transcripts.filter(participant_id__in=cut.participants)
    if cut.transcripts is not None:
        transcripts = transcripts.filter(pk__in=cut.transcripts)
    if params.participant_speech:
        transcripts = transcripts.filter(participant__isnull=False)
    rows = list(
        transcripts.order_by("pk").values_list(
            "pk", "version", "checksum", "participant__pseudonym", "language", "attributes"
        )
    )
    counted = transcript_counts(rows, params)
    col_index = {(g.pk, w.pk): i for i, (g, w) in enumerate((g, w) for g in groups for w in waves)}
    col_transcripts = [0] * len(col_index)
    col_totals = [0] * len(col_index)
    placed_counts: list[tuple[int, tokens.TextCounts]] = []  # (column, counts)
    # The totals over every word are the costly part (every distinct word of every
    # transcript): the same transcripts at the same versions give the same totals.
    totals_key = ("totals", *(counted[pk][2] for pk, *_ in rows))
    totals = TOTALS.get(totals_key)
    all_words: Counter = Counter()
    all_phrases: Counter = Counter()
    words_total = 0
    unplaced = 0
    segmenters: Counter = Counter()
    for pk, *_ in rows:
        counts, segmenter, _ = counted[pk]
        segmenters[segmenter] += 1
        if totals is None:
            all_words.update(counts.words)
            all_phrases.update(counts.phrases)
        words_total += counts.total
        placed = frame.transcripts.get(pk)
        i = col_index.get((placed[1], placed[2])) if placed else None
        if i is None:
            unplaced += 1
            continue
        placed_counts.append((i, counts))
        col_transcripts[i] += 1
        col_totals[i] += counts.total
    if totals is None:
        totals = Totals(_ranked(all_words), _ranked(all_phrases))
        TOTALS.put(totals_key, totals)
    columns = [
        WordColumn(g.pk, g.name, w.pk, w.name, col_transcripts[i], col_totals[i])
        for (g, w), i in zip(
            ((g, w) for g in groups for w in waves), range(len(col_index)), strict=True
        )
    ]
    table = WordTable(
        columns=columns,
        groups=[(g.name, len(waves)) for g in groups] if waves else [],
        transcripts=len(rows),
        words_total=words_total,
        unplaced=unplaced,
        segmenters=dict(segmenters),
    )
    extra = params.extra_stop_words

    def keep(word: str) -> bool:
        if len(word) < params.min_length or word in extra:
            return False
        if extra and tokens.is_han(word) and tokens.fold(word) in extra:
            return False
        return params.keep_stop_words or not tokens.is_stop_word(word)

    def ranked(items: list, ok) -> list:
        """The first ``params.top`` forms that ``ok`` keeps (``items`` are in order); ``ok``
        is asked only until enough are found."""
        found = []
        for form, n in items:
            if ok(form):
                found.append((form, n))
                if len(found) == params.top:
                    break
        return found

    def per_column(forms: list, which: str) -> dict:
        """Column counts of the chosen forms only (not of every word: cheaper)."""
        out = {form: [0] * len(columns) for form in forms}
        for i, counts in placed_counts:
            source = getattr(counts, which)
            for form in forms:
                n = source.get(form)
                if n:
                    out[form][i] += n
        return out

    top_words = ranked(totals.words, keep)
    word_cells = per_column([form for form, _ in top_words], "words")
    for rank, (form, n) in enumerate(top_words, start=1):
        link = _search_link(study.pk, form, params, cut)
        table.words.append(WordRow("word", rank, form, n, word_cells[form], link, columns))
    top_phrases = ranked(totals.phrases, lambda p: keep(p[0]) and keep(p[2]))
    phrase_cells = per_column([form for form, _ in top_phrases], "phrases")
    for rank, (form, n) in enumerate(top_phrases, start=1):
        text = tokens.phrase_text(form)
        link = _search_link(study.pk, text, params, cut)
        table.phrases.append(WordRow("phrase", rank, text, n, phrase_cells[form], link, columns))
    return table
