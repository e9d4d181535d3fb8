"""Word frequency: words and two-word phrases of one text (pure Python, no database).

* **Latin and other spaced scripts**: a word is a run of letters (apostrophes inside it
  kept: "don't", "family’s"), counted in lower case. Digits are not words.
* **Chinese** has no spaces: each run of Han characters is cut into words by a segmenter.
  Written Chinese goes to jieba, whose dictionary is Simplified: it segments a copy of the
  run folded character by character to Simplified (OpenCC's tables, as the search's
  variant folding), so every word keeps its offsets and is counted and shown in the
  original characters (朋輩 stays 朋輩). Cantonese transcripts go to PyCantonese, whose
  dictionary (HKCanCor and rime-cantonese) is Traditional and knows 我哋, 唔 and 嘢.
  Both segmenters load once per process, on first use.
* **Phrases** are two words in a row with nothing between them but spaces (no punctuation,
  no line break): "peer support", 朋輩支援, "family 支援". A phrase is shown with a space
  where the text has one.
* **Speech**: only the words of the spans given (each turn's words after its speaker
  label; or one speaker's turns, :func:`coding.search.engine.speaker_spans`). Speaker
  labels themselves are never words.
* **Stop words**: English function words (:data:`ENGLISH_STOP_WORDS`), stopwords-iso's
  Chinese list and PyCantonese's Cantonese list; a Chinese word is a stop word when it or
  its Simplified folding is listed.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from studies.text import SPEAKER_LABEL, speaker_of

Segmenter = Literal["jieba", "pycantonese"]
SEGMENTERS: tuple[Segmenter, ...] = ("jieba", "pycantonese")
#: Goes into every cache key: change it when counting changes.
VERSION = 1  # of the counts; stop words apply after the cache

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_TOKEN = re.compile(rf"(?P<han>[{_HAN}]+)|(?P<word>[^\W\d_{_HAN}]+(?:['’][^\W\d_{_HAN}]+)*)")
_SPACES = re.compile(r"[ \t\u00a0\u3000]*")
_HAN_CHAR = re.compile(rf"[{_HAN}]")

Phrase = tuple[str, str, str]  # (first word, "" or " ", second word)


@dataclass
class TextCounts:
    """The words and phrases of one text's spans: counts by form, and the number of words."""

    words: Counter
    phrases: Counter
    total: int

    @property
    def size(self) -> int:
        return len(self.words) + len(self.phrases)


# --- Segmenters (lazy, once per process) --------------------------------------------------

_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    with _LOCK:
        tokenizer.initialize()
    return tokenizer


@lru_cache(maxsize=1)
def _pycantonese_segment():
    import pycantonese

    return pycantonese.segment


def fold(run: str) -> str:
    """``run`` with each Han character in its Simplified form (same length)."""
    from coding.search.engine import variant_fold

    return "".join(variant_fold(ch) for ch in run)


def segment(run: str, segmenter: Segmenter = "jieba") -> list[str]:
    """The words of a run of Han characters, in the run's own characters; their
    concatenation is ``run``."""
    if segmenter == "pycantonese":
        words = list(_pycantonese_segment()(run))
    else:
        words = list(_jieba().cut(fold(run), HMM=True))
    # Map back to the original characters by length (folding keeps every length); a
    # segmenter that dropped or changed characters gets one word per character instead.
    if sum(len(w) for w in words) != len(run):
        return list(run)
    out, pos = [], 0
    for word in words:
        out.append(run[pos : pos + len(word)])
        pos += len(word)
    if segmenter == "pycantonese" and "".join(out) != run:  # pragma: no cover - defensive
        return list(run)
    return out


# --- Spans of speech ----------------------------------------------------------------------


def spoken_spans(text: str) -> list[tuple[int, int]]:
    """Every line's words, without the speaker label of a turn's first line."""
    spans = []
    pos = 0
    for line in text.split("\n"):
        body = pos
        if speaker_of(line) is not None:
            match = SPEAKER_LABEL.match(line)
            body = pos + (match.end() if match else 0)
        if body < pos + len(line):
            spans.append((body, pos + len(line)))
        pos += len(line) + 1
    return spans


# --- Counting -----------------------------------------------------------------------------


def tokens(text: str, start: int, end: int, segmenter: Segmenter = "jieba"):
    """``(start, end, form)`` of every word in ``text[start:end]``: Latin words in lower
    case, Chinese words as written."""
    for match in _TOKEN.finditer(text, start, end):
        if match.group("han"):
            pos = match.start()
            for word in segment(match.group(), segmenter):
                yield pos, pos + len(word), word
                pos += len(word)
        else:
            yield match.start(), match.end(), match.group().lower()


def count(
    text: str, spans: Iterable[tuple[int, int]], segmenter: Segmenter = "jieba"
) -> TextCounts:
    """Words and phrases of ``text`` within ``spans`` (half-open code-point offsets)."""
    words: Counter = Counter()
    phrases: Counter = Counter()
    total = 0
    for lo, hi in spans:
        previous = None
        for start, end, form in tokens(text, lo, hi, segmenter):
            form = sys.intern(form)  # one string per word for every transcript's counts
            words[form] += 1
            total += 1
            if previous is not None:
                p_end, p_form = previous
                gap = text[p_end:start]
                if not gap or _SPACES.fullmatch(gap):
                    phrases[(p_form, " " if gap else "", form)] += 1
            previous = (end, form)
    return TextCounts(words, phrases, total)


def phrase_text(phrase: Phrase) -> str:
    return "".join(phrase)


def is_han(word: str) -> bool:
    return bool(_HAN_CHAR.match(word))


# --- Stop words ---------------------------------------------------------------------------


#: English function words only (pronouns, articles, auxiliaries, prepositions, conjunctions)
#: and fillers of speech (um, ah, actually), written for this project: the broad lists
#: (stopwords-iso's English one holds "work", "help", "need", "home", "problem") drop words
#: an interview study is about.
ENGLISH_STOP_WORDS = frozenset(
    """
    a about above after again against all also am an and any are aren't as at be because
    been before being below between both but by can can't cannot could couldn't did didn't
    do does doesn't doing don't down during each either else even ever every few for from
    further had hadn't has hasn't have haven't having he he'd he'll he's her here here's
    hers herself him himself his how how's i i'd i'll i'm i've if in into is isn't it it's
    its itself just let's like me might more most much must mustn't my myself no nor not
    now of off oh okay ok on once one only or other ought our ours ourselves out over own
    quite rather really said same say says shan't she she'd she'll she's should shouldn't
    so some such than that that's the their theirs them themselves then there there's these
    they they'd they'll they're they've this those though through to too um uh under until
    up upon us very was wasn't we we'd we'll we're we've well were weren't what what's when
    when's where where's whether which while who who's whom why why's will with won't would
    wouldn't yeah yes yet you you'd you'll you're you've your yours yourself yourselves
    ah er erm hmm mm mhm actually anyway basically
    """.split()  # noqa: SIM905 - a word list reads better as text
)


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """English (:data:`ENGLISH_STOP_WORDS`) and Chinese stop words: stopwords-iso's Chinese
    list (Simplified) and PyCantonese's Cantonese one (Traditional), lower case."""
    import pycantonese
    import stopwordsiso

    found = set(ENGLISH_STOP_WORDS) | set(stopwordsiso.stopwords("zh"))
    found |= set(pycantonese.stop_words())
    # Apostrophes: the list spells "don't" with U+0027; texts often with U+2019.
    found |= {w.replace("'", "’") for w in found if "'" in w}
    return frozenset(w.lower() for w in found)


def parse_user_stop_words(raw: str) -> frozenset[str]:
    """A user's extra stop words: separated by commas, spaces, 、 or line breaks."""
    return frozenset(w.lower() for w in re.split(r"[\s,，、;；]+", raw or "") if w)


def is_stop_word(word: str, extra: frozenset[str] = frozenset()) -> bool:
    lists = stop_words()
    if word in lists or word in extra:
        return True
    if is_han(word):
        folded = fold(word)
        return folded in lists or folded in extra
    return False


def segmenter_for(language: str, attributes: dict | None) -> Segmenter:
    """PyCantonese for a transcript whose language (its field or its ``language``
    attribute) names Cantonese (``yue``, ``zh-HK``, "Cantonese and English"), jieba
    otherwise."""
    values = [language or ""]
    for key, value in (attributes or {}).items():
        if str(key).strip().lower() == "language" and value is not None:
            values.append(str(value))
    for value in values:
        lowered = value.strip().lower()
        if "cantonese" in lowered or "粵" in value or "廣東" in value:
            return "pycantonese"
        if lowered in ("yue", "zh-hk", "zh-yue", "yue-hant") or lowered.startswith("yue-"):
            return "pycantonese"
    return "jieba"


def speaker_turn_spans(text: str, speaker: str) -> list[tuple[int, int]]:
    """One speaker's words (their turns after the label), line by line."""
    from coding.search.engine import speaker_spans

    out = []
    for lo, hi in speaker_spans(text, speaker):
        pos = lo
        for line in text[lo:hi].split("\n"):
            if line:
                out.append((pos, pos + len(line)))
            pos += len(line) + 1
    return out
