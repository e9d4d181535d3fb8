"""Where each line of a transcript's text starts, per text version, cached (issue 12).

A write through the coding page re-renders only the lines it touched
(:func:`coding.segments.runs.render_lines`); each line's markup carries its index and its
number among the non-empty lines, which counting newlines in the text before it would
find in time growing with the transcript. :class:`LineIndex` holds, in code points, the
start offset of every line and how many non-empty lines precede it, so both are a binary
search away; :func:`for_transcript` builds it once per transcript text version (one scan
of the text) and keeps it in a bounded in-process cache.

The key is ``(transcript id, version, length)``: every text edit bumps the version
(``studies.services.transcript_text_update``). :meth:`LineIndex.position` also checks the
line start it finds against the offset asked for, so an index that does not fit the text
given is never used silently (the caller falls back to counting).
"""

from __future__ import annotations

from array import array
from bisect import bisect_right

from workbench.lib.lru import SizedLRU

#: Bytes kept per process for line indexes (two 8-byte integers a line: a 60,000-character
#: transcript of 1,000 lines takes 16 kB).
MAX_BYTES = 8 << 20


class LineIndex:
    """``starts[i]``: the offset of line ``i``'s first code point (``starts[0] == 0``);
    ``before[i]``: how many of lines ``0 … i-1`` are non-empty."""

    __slots__ = ("starts", "before", "length")

    def __init__(self, text: str) -> None:
        starts = array("q", [0])
        before = array("q", [0])
        find, nonempty, pos = text.find, 0, 0
        while (nl := find("\n", pos)) != -1:
            nonempty += nl > pos
            pos = nl + 1
            starts.append(pos)
            before.append(nonempty)
        self.starts, self.before, self.length = starts, before, len(text)

    def position(self, text: str, a: int) -> tuple[int, int] | None:
        """``(index, non-empty lines before it)`` of the line starting at ``a`` in ``text``,
        or None when ``a`` is not a line start of this index or the index does not fit
        ``text`` (another version)."""
        if len(text) != self.length or not 0 <= a <= self.length:
            return None
        i = bisect_right(self.starts, a) - 1
        if self.starts[i] != a or (a and text[a - 1] != "\n"):
            return None
        return i, self.before[i]

    def nbytes(self) -> int:
        return 16 * len(self.starts)


#: The indexes by ``(transcript id, version, length)`` (one cache per process).
INDEXES = SizedLRU(MAX_BYTES, lambda key, value: value.nbytes() + 64)


def for_transcript(transcript) -> LineIndex:
    """The line index of ``transcript``'s current text (built on the first call per text
    version, then from the cache)."""
    text = transcript.text
    key = (transcript.pk, transcript.version, len(text))
    index = INDEXES.get(key)
    if index is None:
        index = LineIndex(text)
        INDEXES.put(key, index)
    return index
