"""Corpus search: the matching engine (pure Python, no database).

Given texts and a query, :func:`find` returns every occurrence, left to right and
non-overlapping, as half-open offsets in code points of the text given, so that
``text[start:end]`` is the match (the offset contract of docs/DESIGN.md). Auto-coding takes
these hits as they are.

* **Case**: letters match case-insensitively by Unicode full case folding
  (``str.casefold``), so "STRASSE" finds "Straße" and "İstanbul" finds "i̇stanbul". Folding
  can make a text longer ("ß" → "ss"); matching runs on the folded text and every offset is
  mapped back to the original, and a match that would begin or end inside one original
  character's folding ("s" inside "ß") is not a match.
* **Han**: Chinese has no spaces, so a query of Han characters matches as a substring.
  With ``variants`` every Han character of the query also matches its Traditional and
  Simplified forms (OpenCC's character tables, folded character by character so offsets
  never move): 朋輩 finds 朋辈 and the reverse.
* **Terms**: the query is split at spaces into terms, a "quoted phrase" is one term (any run
  of white space in it matches any run in the text). ``mode="all"``: a text's hits count
  only when every term occurs in it; ``"any"``: any term.
* **Whole words** (``whole_word``) for Latin and other spaced scripts: a term that begins
  (ends) with a letter or digit must not be preceded (followed) by one. Han, kana and hangul
  are never word neighbours, so "family" is a whole word in "family支援".
* **Speaker**: only the words of one speaker's turns count. A line ``Label: words`` starts a
  turn (:func:`studies.text.speaker_of`); lines without a label continue the turn above.
  The label itself is never searched; offsets stay those of the whole text.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from studies import folding
from studies.text import SPEAKER_LABEL, speaker_of

Mode = Literal["all", "any"]
MODES: tuple[Mode, ...] = ("all", "any")
MAX_TERMS = 10
MAX_TERM_CHARS = 200

# Han (CJK ideographs, extensions and compatibility forms), kana and hangul: scripts that do
# not separate words with spaces, so they never make a word boundary fail.
_UNSPACED = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
_WORD_CHAR = re.compile(rf"[^\W{_UNSPACED}]")
_WORD_NEIGHBOUR = rf"[^\W{_UNSPACED}]"
_QUERY_TOKEN = re.compile(r'"([^"]*)"?|(\S+)')


@dataclass(frozen=True, slots=True)
class Options:
    match_case: bool = False
    variants: bool = False
    whole_word: bool = False
    mode: Mode = "all"
    #: Only this speaker's words (label compared case-insensitively); "" for everyone.
    speaker: str = ""


@dataclass(frozen=True, slots=True)
class Hit:
    key: object  # what the caller passed with the text (a transcript id)
    start: int
    end: int
    term: int  # index into the query's terms


def parse_query(query: str) -> list[str]:
    """The terms of a query: words, and "quoted phrases" (an unclosed quote runs to the
    end). Duplicates and empty terms are dropped; order is kept."""
    terms: list[str] = []
    for match in _QUERY_TOKEN.finditer(query or ""):
        term = " ".join((match.group(1) if match.group(1) is not None else match.group(2)).split())
        if term and term not in terms:
            terms.append(term[:MAX_TERM_CHARS])
    return terms[:MAX_TERMS]


# --- Traditional / Simplified folding ---------------------------------------------------


# The tables live in studies/folding.py: the transcript model stores texts folded with them.
_variant_tables = folding.variant_tables


def variant_fold(ch: str) -> str:
    """The Simplified form of one Han character (itself if it has none)."""
    return _variant_tables()[0].get(ch, ch)


def variant_forms(term: str, limit: int = 64) -> list[str] | None:
    """Every spelling of ``term`` its variant folding matches (each character in each of its
    forms), or None when there are more than ``limit``. For database candidates."""
    fold, members = _variant_tables()
    forms = [""]
    for ch in term:
        folded = fold.get(ch, ch)
        options = members[folded][1:-1] if folded in members else ch
        forms = [f + o for f in forms for o in options]
        if len(forms) > limit:
            return None
    return forms


# --- Matching ---------------------------------------------------------------------------


def _term_pattern(term: str, options: Options) -> str:
    if not options.match_case:
        term = term.casefold()
    pieces: list[str] = []
    if options.whole_word and _WORD_CHAR.match(term[0]):
        pieces.append(f"(?<!{_WORD_NEIGHBOUR})")
    members = _variant_tables()[1] if options.variants else {}
    previous_space = False
    for ch in term:
        if ch.isspace():
            if not previous_space:
                pieces.append(r"\s+")
            previous_space = True
            continue
        previous_space = False
        if members:
            folded = variant_fold(ch)
            if folded in members:
                pieces.append(members[folded])
                continue
        pieces.append(re.escape(ch))
    if options.whole_word and _WORD_CHAR.match(term[-1]):
        pieces.append(f"(?!{_WORD_NEIGHBOUR})")
    return "".join(pieces)


class _Folded:
    """A text as matched (case-folded unless case matters) and the map back to offsets of
    the original text. ``starts[i]`` is where original character ``i`` begins in the folded
    text (``starts[len(text)]`` its length); None when folding kept every length."""

    __slots__ = ("text", "starts")

    def __init__(self, text: str, match_case: bool):
        if match_case:
            self.text, self.starts = text, None
            return
        folded = text.casefold()
        self.text = folded
        self.starts = None
        if len(folded) != len(text):
            starts = [0] * (len(text) + 1)
            pos = 0
            for i, ch in enumerate(text):
                starts[i] = pos
                pos += len(ch.casefold())
            starts[len(text)] = pos
            self.starts = starts

    def to_folded(self, offset: int) -> int:
        return offset if self.starts is None else self.starts[offset]

    def to_original(self, start: int, end: int) -> tuple[int, int] | None:
        """Original offsets of a folded span, or None if it cuts into a character."""
        if self.starts is None:
            return start, end
        i = bisect.bisect_left(self.starts, start)
        j = bisect.bisect_left(self.starts, end)
        if self.starts[i] != start or self.starts[j] != end:
            return None
        return i, j


def speaker_spans(text: str, speaker: str) -> list[tuple[int, int]]:
    """The parts of ``text`` that ``speaker`` says: each of their turns after the label
    (with the unlabelled lines that continue it), as half-open code-point offsets."""
    wanted = speaker.strip().casefold()
    spans: list[tuple[int, int]] = []
    current = False
    pos = 0
    for line in text.split("\n"):
        end = pos + len(line)
        label = speaker_of(line)
        body = pos
        if label is not None:
            current = label.casefold() == wanted
            match = SPEAKER_LABEL.match(line)
            body = pos + (match.end() if match else 0)
        if current and body < end:
            if spans and spans[-1][1] == pos - 1:  # a continuation line: one span
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((body, end))
        pos = end + 1
    return spans


class Matcher:
    """One query compiled with its options; :meth:`find` applies it to one text."""

    def __init__(self, query: str | list[str], options: Options | None = None):
        self.options = options or Options()
        self.terms = parse_query(query) if isinstance(query, str) else list(query)
        if not self.terms:
            self.pattern = None
            return
        # Longer terms first, so at one position the longest term wins (re takes the first
        # alternative that matches); group i + 1 is term i.
        order = sorted(range(len(self.terms)), key=lambda i: -len(self.terms[i]))
        groups = [f"({_term_pattern(term, self.options)})" for term in self.terms]
        self.pattern = re.compile("|".join(groups[i] for i in order))
        # Group numbers follow the alternation's order: map them back to term indexes.
        self._term_of_group = {n + 1: i for n, i in enumerate(order)}

    def _iter(self, folded: _Folded, windows: Iterable[tuple[int, int]]):
        assert self.pattern is not None
        for lo, hi in windows:
            for match in self.pattern.finditer(folded.text, lo, hi):
                if match.end() == match.start():
                    continue
                span = folded.to_original(match.start(), match.end())
                if span is not None:
                    yield span[0], span[1], self._term_of_group[match.lastindex]

    def find(self, text: str) -> list[tuple[int, int, int]]:
        """Every hit in ``text`` as ``(start, end, term index)``, left to right."""
        if self.pattern is None or not text:
            return []
        folded = _Folded(text, self.options.match_case)
        if self.options.speaker:
            windows = [
                (folded.to_folded(a), folded.to_folded(b))
                for a, b in speaker_spans(text, self.options.speaker)
            ]
        else:
            windows = [(0, len(folded.text))]
        hits = list(self._iter(folded, windows))
        several = self.options.mode == "all" and len(self.terms) > 1
        if several and len({term for _, _, term in hits}) < len(self.terms):
            return []
        return hits


def find(texts: Iterable[tuple[object, str]], query: str, options: Options | None = None):
    """Every hit of ``query`` in ``texts`` (pairs ``(key, text)``), text by text, left to
    right: an iterator of :class:`Hit`."""
    matcher = Matcher(query, options)
    return _hits(matcher, texts)


def _hits(matcher: Matcher, texts: Iterable[tuple[object, str]]) -> Iterator[Hit]:
    for key, text in texts:
        for start, end, term in matcher.find(text):
            yield Hit(key, start, end, term)


# --- Keyword in context -----------------------------------------------------------------

CONTEXT_WORDS = 8
CONTEXT_HAN = 24
_WINDOW = 240
_BEFORE_WORDS = re.compile(rf"(?:\S+\s+){{0,{CONTEXT_WORDS}}}\S*$")
_AFTER_WORDS = re.compile(rf"^\S*(?:\s+\S+){{0,{CONTEXT_WORDS}}}")
_UNSPACED_CHAR = re.compile(rf"[{_UNSPACED}\u3000-\u303f\uff00-\uffef]")


@dataclass(frozen=True, slots=True)
class Context:
    before: str
    match: str
    after: str
    cut_before: bool  # more of the turn precedes ``before``
    cut_after: bool


def keyword_in_context(text: str, start: int, end: int) -> Context:
    """A few words each side of ``text[start:end]`` (:data:`CONTEXT_HAN` characters when the
    neighbouring text is Chinese), never crossing a line (a turn)."""
    line_start = text.rfind("\n", max(0, start - _WINDOW), start) + 1
    if line_start == 0:
        line_start = max(0, start - _WINDOW)
    line_end = text.find("\n", end, end + _WINDOW)
    if line_end < 0:
        line_end = min(len(text), end + _WINDOW)
    left = text[line_start:start]
    right = text[end:line_end]
    if left and _UNSPACED_CHAR.match(left[-1]):
        before = left[-CONTEXT_HAN:]
    else:
        found = _BEFORE_WORDS.search(left)
        before = found.group(0) if found else ""
    if right and _UNSPACED_CHAR.match(right[0]):
        after = right[:CONTEXT_HAN]
    else:
        found = _AFTER_WORDS.match(right)
        after = found.group(0) if found else ""
    cut_before = len(before) < start - (text.rfind("\n", 0, start) + 1)
    next_break = text.find("\n", end)
    cut_after = len(after) < (next_break if next_break >= 0 else len(text)) - end
    return Context(before, text[start:end], after, cut_before, cut_after)
