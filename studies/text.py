"""The offset contract's text side: decoding uploads and canonicalising transcript text.

Canonical text is Unicode NFC with ``\\n`` line endings and no control characters other
than tab and newline. Offsets everywhere are code points of this text (Python's indexing).
"""

from __future__ import annotations

import codecs
import io
import re
import unicodedata

from django.utils.translation import gettext

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff]")
# A label, after an optional time marker ("[00:01:02] Interviewer: ..."; studies/readers.py).
SPEAKER_LABEL = re.compile(
    r"^(?:\[(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?\][ \t]*)?"
    r"(?!\[\d{1,2}:)([^\s:：][^:：\n]{0,39})[:：][ \t]?"
)
_CJK = re.compile(r"[\u3400-\u9fff\U00020000-\U0003134f]")
_SENTENCE_PUNCT = re.compile(r"[.?!。？！,，]")
_CJK_OR_PUNCT = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef\U00020000-\U0003134f]")


class TextDecodeError(ValueError):
    """Raised with a message that names the file and says what to do."""


def canonicalize(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub("", text)
    return text.strip("\n")


def decode_bytes(data: bytes, filename: str) -> str:
    """Decode a plain-text upload.

    Accepts UTF-8 (with or without BOM) and UTF-16 with a BOM. Text that is not UTF-8 but
    decodes cleanly as Big5 or GB18030 (common for Chinese transcripts) is accepted when
    the detector is confident; otherwise the file is refused with a message naming it.
    """
    if data.startswith(codecs.BOM_UTF8):
        return _decode(data[len(codecs.BOM_UTF8) :], "utf-8", filename)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode(data, "utf-16", filename)
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return _decode(data, "utf-32", filename)
    if b"\x00" in data:
        return _decode_nul_bytes(data, filename)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    encoding = _detect_chinese(data)
    if encoding:
        return data.decode(encoding)
    western = _western(data)
    if western is not None:
        return western
    raise TextDecodeError(
        gettext(
            "%(filename)s: is not UTF-8 and its encoding could not be recognised (UTF-8, "
            "UTF-16 with BOM, Big5, GB18030, Windows-1252 and Latin-1 are accepted). Save it "
            "as UTF-8 and upload it again."
        )
        % {"filename": filename}
    )


# Characters Windows-1252 / Latin-1 text plausibly holds beyond ASCII: Latin letters,
# typographic punctuation (curly quotes, dashes, ellipsis, bullet) and common signs.
_WESTERN = re.compile(
    r"[\u00a0-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
    r"\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030"
    r"\u2039\u203a\u20ac\u2122]"
)


def _western(data: bytes) -> str | None:
    """Windows-1252 (a superset of Latin-1's printable range) when the result is plausible
    text: mostly ASCII, no C1 control characters, and every other character a Latin letter
    or typographic sign standing alone or in pairs (not the long runs that mis-decoded
    multi-byte text gives)."""
    try:
        decoded = data.decode("cp1252")
    except UnicodeDecodeError:
        return None  # bytes 0x81, 0x8d, 0x8f, 0x90, 0x9d: C1 controls in Latin-1, not text
    non_ascii = [ch for ch in decoded if ord(ch) > 127]
    if not non_ascii or len(non_ascii) > 0.3 * len(decoded):
        return None
    if not all(_WESTERN.match(ch) for ch in non_ascii):
        return None
    if re.search(r"[^\x00-\x7f]{4,}", decoded):
        return None
    return decoded


def _decode(data: bytes, encoding: str, filename: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise TextDecodeError(
            gettext(
                "%(filename)s: starts with a %(encoding)s byte-order mark but is not valid "
                "%(encoding)s (byte %(byte)s). Save it again as UTF-8."
            )
            % {"filename": filename, "encoding": encoding.upper(), "byte": exc.start}
        ) from exc


def _decode_nul_bytes(data: bytes, filename: str) -> str:
    """UTF-16 without a byte-order mark (zero high bytes of Latin text), or refuse."""
    even, odd = data[0::2], data[1::2]
    if odd and odd.count(0) / len(odd) > 0.3 and even.count(0) < len(even) * 0.05:
        encoding = "utf-16-le"
    elif even and even.count(0) / len(even) > 0.3 and odd.count(0) < len(odd) * 0.05:
        encoding = "utf-16-be"
    else:
        raise TextDecodeError(
            gettext(
                "%(filename)s: contains NUL bytes and is not recognisable text (a binary "
                "file?). Save it as UTF-8 text and upload it again."
            )
            % {"filename": filename}
        )
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise TextDecodeError(
            gettext(
                "%(filename)s: looks like UTF-16 without a byte-order mark but does not decode "
                "(byte %(byte)s). Save it as UTF-8 and upload it again."
            )
            % {"filename": filename, "byte": exc.start}
        ) from exc


def _detect_chinese(data: bytes) -> str | None:
    """Big5 or GB18030 when the bytes decode cleanly and mostly as CJK text."""
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=["big5", "gb18030", "big5hkscs"]).best()
    candidates = [best.encoding] if best is not None else []
    candidates += ["big5hkscs", "gb18030"]
    for encoding in candidates:
        try:
            decoded = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        cjk = len(_CJK_OR_PUNCT.findall(decoded))
        non_ascii = sum(1 for ch in decoded if ord(ch) > 127)
        if non_ascii and cjk / non_ascii >= 0.9:
            # Big5-HKSCS is a superset of Big5 that has the Cantonese characters (嘅, 咗).
            return "big5hkscs" if encoding.startswith("big5") else "gb18030"
    return None


def csv_rows(
    raw: str, filename: str, *, max_rows: int, max_cell_chars: int, **reader_options
) -> list[list[str]]:
    """The rows of decoded CSV text (header included), refused with the line and the limit.

    Refuses more than ``max_rows`` data rows, a cell over ``max_cell_chars`` characters
    (also beyond the csv module's own field limit), malformed quoting, and NUL characters
    (which no database text column can store).
    """
    import csv

    if "\x00" in raw:
        line = raw.count("\n", 0, raw.index("\x00")) + 1
        raise TextDecodeError(
            gettext(
                "%(filename)s: line %(line)s contains a NUL character (U+0000); save the file "
                "as plain UTF-8 text and upload it again."
            )
            % {"filename": filename, "line": line}
        )
    reader = csv.reader(io.StringIO(raw, newline=""), **reader_options)
    rows: list[list[str]] = []
    try:
        for cells in reader:
            if len(rows) > max_rows:
                raise TextDecodeError(
                    gettext(
                        "%(filename)s: has more than %(max)s rows, the limit per file; split it "
                        "and import the parts."
                    )
                    % {"filename": filename, "max": f"{max_rows:,}"}
                )
            for cell in cells:
                if len(cell) > max_cell_chars:
                    raise TextDecodeError(
                        gettext(
                            "%(filename)s: line %(line)s has a cell of %(n)s characters; the "
                            "limit is %(max)s."
                        )
                        % {
                            "filename": filename,
                            "line": reader.line_num,
                            "n": f"{len(cell):,}",
                            "max": f"{max_cell_chars:,}",
                        }
                    )
            rows.append(cells)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise TextDecodeError(
                gettext(
                    "%(filename)s: line %(line)s has a cell longer than the limit of %(max)s "
                    "characters."
                )
                % {"filename": filename, "line": reader.line_num, "max": f"{max_cell_chars:,}"}
            ) from exc
        raise TextDecodeError(
            gettext("%(filename)s: line %(line)s is not valid CSV (%(error)s).")
            % {"filename": filename, "line": reader.line_num, "error": exc}
        ) from exc
    return rows


def speaker_of(line: str) -> str | None:
    """The speaker label of a turn (``Interviewer:``, ``P03:``, ``訪問員：``) or None."""
    match = SPEAKER_LABEL.match(line)
    if not match:
        return None
    label = match.group(1).strip()
    # A label is short and not a sentence: no sentence punctuation, few words.
    if _SENTENCE_PUNCT.search(label) or len(label.split()) > 4:
        return None
    return label


def guess_language(text: str) -> str:
    sample = text[:20000]
    cjk = len(_CJK.findall(sample))
    letters = sum(1 for ch in sample if ch.isalpha())
    if not letters:
        return ""
    share = cjk / letters
    if share > 0.6:
        return "zh-Hant"
    if share > 0.02:
        return "en+zh"
    return "en"
