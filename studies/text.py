"""The offset contract's text side: decoding uploads and canonicalising transcript text.

Canonical text is Unicode NFC with ``\\n`` line endings and no control characters other
than tab and newline. Offsets everywhere are code points of this text (Python's indexing).
"""

from __future__ import annotations

import codecs
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff]")
_SPEAKER = re.compile(r"^([^\s:：][^:：\n]{0,39})[:：][ \t]?")
_CJK = re.compile(r"[\u3400-\u9fff\U00020000-\U0003134f]")
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
        f"{filename}: is not UTF-8 and its encoding could not be recognised "
        "(UTF-8, UTF-16 with BOM, Big5, GB18030, Windows-1252 and Latin-1 are accepted). "
        "Save it as UTF-8 and upload it again."
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
            f"{filename}: starts with a {encoding.upper()} byte-order mark but is not valid "
            f"{encoding.upper()} (byte {exc.start}). Save it again as UTF-8."
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
            f"{filename}: contains NUL bytes and is not recognisable text (a binary file?). "
            "Save it as UTF-8 text and upload it again."
        )
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise TextDecodeError(
            f"{filename}: looks like UTF-16 without a byte-order mark but does not decode "
            f"(byte {exc.start}). Save it as UTF-8 and upload it again."
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


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


class UploadTooLarge(TextDecodeError):
    """An upload (or a part of it) is over a size limit; the message names file and limit."""


_CHUNK = 64 * 1024


def read_limited(stream, limit: int, filename: str, *, what: str = "") -> bytes:
    """Read a file-like object in chunks, refusing as soon as it passes ``limit`` bytes.

    Memory stays at most ``limit`` plus one chunk whatever the stream holds (a zip member
    that unpacks far beyond its declared size, an upload of unknown length).
    """
    size = getattr(stream, "size", None)
    if isinstance(size, int) and size > limit:
        raise UploadTooLarge(
            f"{filename}: {_mb(size)} is larger than the limit of {_mb(limit)}{what}."
        )
    chunks, total = [], 0
    while True:
        chunk = stream.read(min(_CHUNK, limit + 1 - total))
        if not chunk:
            break
        total += len(chunk)
        if total > limit:
            raise UploadTooLarge(
                f"{filename}: is larger than the limit of {_mb(limit)}{what}; nothing was imported."
            )
        chunks.append(chunk)
    return b"".join(chunks)


def zip_member_bytes(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, name: str):
    """The unpacked bytes of one zip member, refused above ``limit`` (declared or actual)."""
    if info.file_size > limit:
        raise UploadTooLarge(
            f"{name}: unpacks to {_mb(info.file_size)}, more than the limit of {_mb(limit)} "
            "per file."
        )
    with archive.open(info) as handle:
        return read_limited(handle, limit, name, what=" per file (unpacked)")


_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


def check_zip_parts(
    data: bytes,
    filename: str,
    *,
    part_limit: int,
    total_limit: int,
    element_limit: int | None = None,
    kind: str = ".docx",
) -> None:
    """Refuse a zip package (.docx) whose parts unpack beyond the limits or declare a DTD.

    Declared sizes are checked first (a bomb is refused without unpacking anything), then
    every part is unpacked in chunks and counted, so a part that lies about its size is
    stopped at the limit too. Office XML never needs a DTD; entity declarations are refused.
    ``element_limit`` caps the elements of each XML part (counted as tags while unpacking),
    which bounds the time to parse a part of tiny elements that compresses to nothing.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise TextDecodeError(f"{filename}: is not a readable {kind} file ({exc}).") from exc
    if len(infos) > 10_000:
        raise UploadTooLarge(f"{filename}: holds {len(infos):,} parts; the limit is 10,000.")
    declared = 0
    for info in infos:
        declared += info.file_size
        if info.file_size > part_limit or declared > total_limit:
            raise UploadTooLarge(
                f"{filename}: its part {info.filename} unpacks to {_mb(info.file_size)} "
                f"(limit {_mb(part_limit)} per part, {_mb(total_limit)} in all); "
                "nothing was imported."
            )
    total = 0
    for info in infos:
        xml = info.filename.lower().endswith((".xml", ".rels"))
        size, tail, elements = 0, b"", 0
        try:
            with archive.open(info) as handle:
                while chunk := handle.read(_CHUNK):
                    size += len(chunk)
                    total += len(chunk)
                    if size > part_limit or total > total_limit:
                        raise UploadTooLarge(
                            f"{filename}: its part {info.filename} unpacks to more than the "
                            f"limit of {_mb(part_limit)}; nothing was imported."
                        )
                    if xml and _DTD.search(tail + chunk):
                        raise TextDecodeError(
                            f"{filename}: {info.filename} declares a DTD or entities, which "
                            f"{kind} files never contain; it was refused."
                        )
                    if xml and element_limit is not None:
                        elements += chunk.count(b"<") - chunk.count(b"</")
                        if elements > element_limit:
                            raise UploadTooLarge(
                                f"{filename}: its part {info.filename} has more than "
                                f"{element_limit:,} XML elements, the limit per part; "
                                "nothing was imported."
                            )
                    tail = chunk[-16:]
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError) as exc:
            raise TextDecodeError(f"{filename}: is not a readable {kind} file ({exc}).") from exc


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_RUN_TEXT = {
    f"{_W}tab": "\t",
    f"{_W}ptab": "\t",
    f"{_W}cr": "\n",
    f"{_W}noBreakHyphen": "-",
}


def _run_text(run) -> str:
    """A ``w:r``'s text as python-docx reads it (text, tabs, line breaks, hyphens)."""
    parts = []
    for child in run:
        tag = child.tag
        if tag == f"{_W}t":
            parts.append(child.text or "")
        elif tag == f"{_W}br":
            if child.get(f"{_W}type", "textWrapping") == "textWrapping":
                parts.append("\n")
        elif tag in _RUN_TEXT:
            parts.append(_RUN_TEXT[tag])
    return "".join(parts)


def _main_part(archive: zipfile.ZipFile) -> str:
    """The member name of the main document (``word/document.xml`` unless the package's
    relationships say otherwise)."""
    from xml.etree import ElementTree as ET

    try:
        rels = ET.fromstring(archive.read("_rels/.rels"))
    except (KeyError, ET.ParseError):
        return "word/document.xml"
    for rel in rels:
        if (rel.get("Type") or "").endswith("/officeDocument") and rel.get("Target"):
            return rel.get("Target").lstrip("/")
    return "word/document.xml"


def _row_line(cells: list[str]) -> str:
    """One table row as one line: ``Speaker: text`` for the two-column layout transcription
    services deliver (speaker | text), cells joined by tabs otherwise."""
    if len(cells) == 2 and cells[0] and cells[1]:
        speaker = cells[0].rstrip(":：").strip()
        return f"{speaker}: {cells[1]}"
    return "\t".join(cells).strip()


def docx_text(data: bytes, filename: str, *, part_limit: int | None = None) -> str:
    """Paragraphs of a .docx body in document order, one per line, tables included (each
    row one line, see :func:`_row_line`); not headers, footers, text boxes or tracked
    insertions (as python-docx's ``Document.paragraphs``).

    The package is checked first (:func:`check_zip_parts`: part sizes, no DTD), then the
    main part is read as a stream (lxml ``iterparse``), each run freed once read, so that
    memory and time stay linear and small whatever the XML's shape; the text is refused
    once it passes WORKBENCH_MAX_TEXT_CHARS. ``part_limit`` defaults to
    WORKBENCH_MAX_XML_BYTES. A damaged file raises TextDecodeError naming it.
    """
    from django.conf import settings
    from lxml import etree

    if part_limit is None:
        part_limit = settings.WORKBENCH_MAX_XML_BYTES
    max_chars = settings.WORKBENCH_MAX_TEXT_CHARS
    check_zip_parts(
        data,
        filename,
        part_limit=part_limit,
        total_limit=2 * part_limit,
        element_limit=settings.WORKBENCH_MAX_XML_ELEMENTS,
    )
    paragraphs: list[str] = []
    total = 0
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        with archive.open(_main_part(archive)) as handle:
            events = etree.iterparse(
                handle,
                events=("end",),
                resolve_entities=False,
                no_network=True,
                load_dtd=False,
                huge_tree=False,
            )
            body, p, r, link = f"{_W}body", f"{_W}p", f"{_W}r", f"{_W}hyperlink"
            tc, tr, tbl = f"{_W}tc", f"{_W}tr", f"{_W}tbl"
            current: list[str] = []  # the runs of the paragraph being read
            cell: list[str] = []  # the paragraphs of the table cell being read
            row: list[str] = []  # the cells of the table row being read
            header_row = False  # the row being read repeats as the table's header
            for _event, element in events:
                parent = element.getparent()
                if parent is None:
                    continue
                tag, parent_tag = element.tag, parent.tag
                if parent_tag == r:
                    continue  # a run's text: read when the run ends
                if tag == r:
                    paragraph = parent.getparent() if parent_tag == link else parent
                    if paragraph is not None and paragraph.tag == p:
                        outer = paragraph.getparent()
                        if outer is not None and outer.tag in (body, tc):
                            text = _run_text(element)
                            current.append(text)
                            total += len(text)
                elif tag == p and parent_tag == tc:
                    cell.append("".join(current))
                    current = []
                elif tag == tc:
                    # A cell's paragraphs stay on the row's line: a turn is one line.
                    row.append(" ".join(part.strip() for part in cell if part.strip()))
                    cell = []
                elif tag == f"{_W}tblHeader":
                    header_row = element.get(f"{_W}val", "true") not in ("false", "0", "off")
                elif tag == tr:
                    # A header row ("Speaker | Text") is kept, but not as a turn.
                    line = "\t".join(row).strip() if header_row else _row_line(row)
                    row, header_row = [], False
                    if line:
                        paragraphs.append(line)
                        total += 1  # the runs' text is counted already; this is the newline
                elif parent_tag == body:
                    if tag == p:
                        paragraphs.append("".join(current))
                        total += 1
                    current = []
                elif tag == tbl:
                    current = []
                if total > max_chars:
                    raise UploadTooLarge(
                        f"{filename}: holds more than {max_chars:,} characters of text, the "
                        "limit per transcript."
                    )
                if tag != body:
                    # Free what has been read: this element and its earlier siblings.
                    element.clear()
                    while element.getprevious() is not None:
                        del parent[0]
    except UploadTooLarge:
        raise
    except (etree.XMLSyntaxError, KeyError, zipfile.BadZipFile, OSError, ValueError) as exc:
        raise TextDecodeError(f"{filename}: is not a readable .docx file ({exc}).") from exc
    return "\n".join(paragraphs)


@dataclass(frozen=True)
class Reading:
    """A decoded upload: canonical text and, for captions (.vtt, .srt), when each turn
    starts: ``turn_times`` is ``[[offset, seconds], ...]`` with ``offset`` the code point
    where the turn's line starts in ``text``."""

    text: str
    turn_times: list[list[float | int]] = field(default_factory=list)


EXTENSIONS = (".txt", ".docx", ".odt", ".rtf", ".pdf", ".vtt", ".srt")


def read_upload(data: bytes, filename: str) -> str:
    """Decode an upload (see :data:`EXTENSIONS`) into canonical text, or raise
    TextDecodeError."""
    return read_transcript(data, filename).text


def read_transcript(data: bytes, filename: str) -> Reading:
    """Decode an upload into canonical text (and caption turn times), or raise
    TextDecodeError naming the file."""
    lower = filename.lower()
    turn_times: list[list[float | int]] = []
    if lower.endswith(".docx"):
        text = docx_text(data, filename)
    elif lower.endswith(".txt"):
        text = decode_bytes(data, filename)
    elif lower.endswith(".odt"):
        text = odt_text(data, filename)
    elif lower.endswith(".rtf"):
        text = rtf_text(data, filename)
    elif lower.endswith(".pdf"):
        text = pdf_text(data, filename)
    elif lower.endswith((".vtt", ".srt")):
        text, turn_times = caption_text(data, filename)
    else:
        raise TextDecodeError(f"{filename}: only {', '.join(EXTENSIONS)} files can be imported.")
    canonical = canonicalize(text)
    if not canonical.strip():
        raise TextDecodeError(f"{filename}: contains no text.")
    if canonical != text:  # captions are built canonical; a change would move the offsets
        turn_times = []
    return Reading(canonical, turn_times)


def _too_long(filename: str, max_chars: int) -> UploadTooLarge:
    return UploadTooLarge(
        f"{filename}: holds more than {max_chars:,} characters of text, the limit per transcript."
    )


# --- captions (.vtt, .srt) ---------------------------------------------------------------

_CUE_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def _seconds(stamp: str) -> float:
    """``hh:mm:ss.mmm`` (or ``mm:ss.mmm``, comma or point) as seconds."""
    parts = stamp.strip().replace(",", ".").split(":")
    value = 0.0
    for part in parts:
        value = value * 60 + float(part)
    return round(value, 3)


def _cues(data: bytes, filename: str) -> list[tuple[float, str | None, str]]:
    """``(start seconds, voice or None, text)`` per cue of a WebVTT or SubRip file."""
    raw = decode_bytes(data, filename).replace("\r\n", "\n").replace("\r", "\n")
    if filename.lower().endswith(".vtt"):
        import webvtt
        from webvtt.errors import MalformedFileError

        try:
            captions = webvtt.from_string(raw.lstrip("\ufeff"))
        except (MalformedFileError, ValueError) as exc:
            raise TextDecodeError(f"{filename}: is not a readable WebVTT file ({exc}).") from exc
        timings = [n for n, line in enumerate(raw.split("\n"), start=1) if "-->" in line]
        if len(captions) != len(timings):
            # webvtt-py skips a cue whose timing it cannot read: refuse rather than lose it.
            read = {c.start for c in captions}
            lines = raw.split("\n")
            bad = next(
                (n for n in timings if lines[n - 1].split("-->")[0].strip() not in read),
                timings[0] if timings else 1,
            )
            raise TextDecodeError(
                f"{filename}: line {bad} is not a readable cue timing "
                f"(“{lines[bad - 1][:60]}”); nothing was imported."
            )
        return [(_seconds(c.start), c.voice or None, _CUE_TAG.sub("", c.text)) for c in captions]
    import srt

    try:
        subtitles = list(srt.parse(raw.lstrip("\ufeff")))
    except (srt.SRTParseError, ValueError) as exc:
        raise TextDecodeError(f"{filename}: is not a readable SubRip (.srt) file ({exc}).") from exc
    return [
        (round(s.start.total_seconds(), 3), None, _CUE_TAG.sub("", s.content)) for s in subtitles
    ]


def caption_text(data: bytes, filename: str) -> tuple[str, list[list[float | int]]]:
    """A caption file as speaker turns: the speaker from ``<v Name>`` or a leading
    ``Name:``, consecutive cues of one speaker merged into one line ``Name: text``, each
    turn's start time kept as ``[offset, seconds]``. Cues without a speaker continue the
    turn before them (or stand as lines of their own at the start)."""
    max_chars = _max_chars()
    turns: list[list] = []  # [seconds, speaker, [texts]]
    total = 0
    for seconds, voice, body in _cues(data, filename):
        body = canonicalize(" ".join(line.strip() for line in body.split("\n") if line.strip()))
        if not body:
            continue
        speaker = voice.strip() if voice else None
        if speaker is None:
            label = speaker_of(body)
            if label is not None:
                speaker = label
                body = _SPEAKER.sub("", body, count=1).strip()
        if turns and (speaker is None or speaker == turns[-1][1]):
            turns[-1][2].append(body)
        else:
            turns.append([seconds, speaker, [body]])
        total += len(body) + 1
        if total > max_chars:
            raise _too_long(filename, max_chars)
    lines, times, offset = [], [], 0
    for seconds, speaker, bodies in turns:
        line = canonicalize(
            " ".join(bodies) if speaker is None else f"{speaker}: {' '.join(bodies)}"
        )
        times.append([offset, int(seconds) if seconds == int(seconds) else seconds])
        lines.append(line)
        offset += len(line) + 1
    return "\n".join(lines), times


def _max_chars() -> int:
    from django.conf import settings

    return settings.WORKBENCH_MAX_TEXT_CHARS


# --- OpenDocument text (.odt) ------------------------------------------------------------

_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


def _odf_inline(element, parts: list[str]) -> None:
    """The text of an ODF paragraph (spaces ``text:s``, tabs, line breaks; notes skipped)."""
    if element.text:
        parts.append(element.text)
    for child in element:
        tag = child.tag
        if tag == f"{_TEXT}s":
            parts.append(" " * min(int(child.get(f"{_TEXT}c", "1") or 1), 1000))
        elif tag == f"{_TEXT}tab":
            parts.append("\t")
        elif tag == f"{_TEXT}line-break":
            parts.append("\n")
        elif tag in (f"{_TEXT}note", f"{_OFFICE}annotation"):
            pass
        else:
            _odf_inline(child, parts)
        if child.tail:
            parts.append(child.tail)


def odt_text(data: bytes, filename: str) -> str:
    """Paragraphs and headings of an .odt body in document order, tables as in
    :func:`docx_text` (headers and footers live in styles.xml and are not read).

    Same bounds as .docx: the package is checked by :func:`check_zip_parts`, then
    content.xml is streamed with lxml ``iterparse``, each paragraph freed once read."""
    from django.conf import settings
    from lxml import etree

    part_limit = settings.WORKBENCH_MAX_XML_BYTES
    max_chars = settings.WORKBENCH_MAX_TEXT_CHARS
    check_zip_parts(
        data,
        filename,
        part_limit=part_limit,
        total_limit=2 * part_limit,
        element_limit=settings.WORKBENCH_MAX_XML_ELEMENTS,
        kind=".odt",
    )
    lines: list[str] = []
    cell: list[str] = []
    row: list[str] = []
    total = 0
    paragraph_tags = (f"{_TEXT}p", f"{_TEXT}h")
    cell_tag, row_tag = f"{_TABLE}table-cell", f"{_TABLE}table-row"
    skipped = {*paragraph_tags, f"{_TEXT}note", f"{_OFFICE}annotation"}
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        with archive.open("content.xml") as handle:
            events = etree.iterparse(
                handle,
                events=("end",),
                resolve_entities=False,
                no_network=True,
                load_dtd=False,
                huge_tree=False,
            )
            for _event, element in events:
                tag = element.tag
                if tag in paragraph_tags:
                    where = _ancestor_tags(element)
                    if where & skipped:
                        continue  # a note's or frame's text: read (or left out) with its paragraph
                    parts: list[str] = []
                    _odf_inline(element, parts)
                    text = "".join(parts)
                    total += len(text) + 1
                    if cell_tag in where:
                        cell.append(text)
                    else:
                        lines.append(text)
                elif tag == cell_tag:
                    row.append(" ".join(part.strip() for part in cell if part.strip()))
                    cell = []
                elif tag == row_tag:
                    holder = element.getparent()
                    if holder is not None and holder.tag == f"{_TABLE}table-header-rows":
                        line = "\t".join(row).strip()  # a header row is not a turn
                    else:
                        line = _row_line(row)
                    row = []
                    if line:
                        lines.append(line)
                else:
                    continue
                if total > max_chars:
                    raise _too_long(filename, max_chars)
                element.clear()
                parent = element.getparent()
                if parent is not None:
                    while element.getprevious() is not None:
                        del parent[0]
    except UploadTooLarge:
        raise
    except (etree.XMLSyntaxError, KeyError, zipfile.BadZipFile, OSError, ValueError) as exc:
        raise TextDecodeError(f"{filename}: is not a readable .odt file ({exc}).") from exc
    return "\n".join(lines)


def _ancestor_tags(element) -> set[str]:
    tags = set()
    parent = element.getparent()
    while parent is not None:
        tags.add(parent.tag)
        parent = parent.getparent()
    return tags


# --- RTF ---------------------------------------------------------------------------------


def rtf_text(data: bytes, filename: str) -> str:
    """An .rtf file's text (striprtf: ``\\'hh`` bytes in the declared code page, ``\\u``
    escapes, surrogate pairs joined)."""
    from striprtf.striprtf import rtf_to_text

    if not data.lstrip().startswith(b"{\\rtf"):
        raise TextDecodeError(f"{filename}: is not an RTF file (it does not start with {{\\rtf).")
    raw = data.decode("latin-1")  # RTF is 7-bit; other bytes are read as their code page
    encoding = "cp1252"
    match = re.search(r"\\ansicpg(\d+)", raw[:2000])
    if match:
        encoding = f"cp{match.group(1)}"
    try:
        text = rtf_to_text(raw, encoding=encoding, errors="replace")
    except (LookupError, ValueError, IndexError) as exc:
        raise TextDecodeError(f"{filename}: is not a readable RTF file ({exc}).") from exc
    # \u escapes of characters beyond the BMP arrive as two surrogates: join them.
    text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if len(text) > _max_chars():
        raise _too_long(filename, _max_chars())
    return text


# --- PDF ---------------------------------------------------------------------------------

MAX_PDF_PAGES = 2_000


def _pdf_content_bytes(page) -> int:
    """Unpacked size of a page's content streams (pypdf keeps each decoded stream, so
    extracting the text afterwards does not unpack it again)."""
    contents = page.get("/Contents")
    if contents is None:
        return 0
    contents = contents.get_object()
    streams = contents if isinstance(contents, list) else [contents]
    size = 0
    for stream in streams:
        stream = stream.get_object()
        if hasattr(stream, "get_data"):
            size += len(stream.get_data())
    return size


def pdf_text(data: bytes, filename: str) -> str:
    """The text layer of a PDF, page by page (pypdf). A PDF without one (a scan) is refused
    with a message saying so; pages and characters are bounded."""
    from django.conf import settings
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError, PyPdfError

    # pypdf itself refuses a stream that unpacks beyond 75 MB (its Configuration).
    max_chars = _max_chars()
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise TextDecodeError(
                f"{filename}: is password-protected; save it without a password and upload it "
                "again."
            )
        pages = reader.pages
        if len(pages) > MAX_PDF_PAGES:
            raise UploadTooLarge(
                f"{filename}: has {len(pages):,} pages; the limit is {MAX_PDF_PAGES:,}."
            )
        texts, total, work = [], 0, 0
        work_limit = settings.WORKBENCH_MAX_XML_BYTES
        for number, page in enumerate(pages, start=1):
            # Bound the work, not just the text: content streams (each page's, counted every
            # time a page uses one) may unpack to at most WORKBENCH_MAX_XML_BYTES in all.
            work += _pdf_content_bytes(page)
            if work > work_limit:
                raise UploadTooLarge(
                    f"{filename}: its pages' content unpacks to more than {_mb(work_limit)} "
                    f"(by page {number:,}), the limit; nothing was imported."
                )
            text = page.extract_text() or ""
            total += len(text)
            if total > max_chars:
                raise _too_long(filename, max_chars)
            texts.append(text.strip("\n"))
    except TextDecodeError:
        raise
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise TextDecodeError(f"{filename}: is not a readable PDF file ({exc}).") from exc
    text = "\n".join(t for t in texts if t.strip())
    if not text.strip():
        raise TextDecodeError(
            f"{filename}: this PDF has no text layer (a scanned image?); run it through OCR "
            "or export the transcript as text, then upload it again."
        )
    return text


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
            f"{filename}: line {line} contains a NUL character (U+0000); save the file as "
            "plain UTF-8 text and upload it again."
        )
    reader = csv.reader(io.StringIO(raw, newline=""), **reader_options)
    rows: list[list[str]] = []
    try:
        for cells in reader:
            if len(rows) > max_rows:
                raise TextDecodeError(
                    f"{filename}: has more than {max_rows:,} rows, the limit per file; "
                    "split it and import the parts."
                )
            for cell in cells:
                if len(cell) > max_cell_chars:
                    raise TextDecodeError(
                        f"{filename}: line {reader.line_num} has a cell of {len(cell):,} "
                        f"characters; the limit is {max_cell_chars:,}."
                    )
            rows.append(cells)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise TextDecodeError(
                f"{filename}: line {reader.line_num} has a cell longer than the limit of "
                f"{max_cell_chars:,} characters."
            ) from exc
        raise TextDecodeError(
            f"{filename}: line {reader.line_num} is not valid CSV ({exc})."
        ) from exc
    return rows


def speaker_of(line: str) -> str | None:
    """The speaker label of a turn (``Interviewer:``, ``P03:``, ``訪問員：``) or None."""
    match = _SPEAKER.match(line)
    if not match:
        return None
    label = match.group(1).strip()
    # A label is short and not a sentence: no sentence punctuation, few words.
    if len(label.split()) > 4 or any(ch in label for ch in ".?!。？！,，"):
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


class OffsetMap:
    """Maps code-point offsets of an old text to a new text (DESIGN: text edits after coding).

    ``blocks`` are ``(old_start, old_end, new_start, new_end, equal)`` covering both texts in
    order. The diff is built to stay fast on any input, including long texts of repeated
    lines: the common prefix and suffix are matched first (C-speed slice comparisons), then
    the changed middle is diffed on lines (anchored on lines that occur once in both,
    patience-style, with Myers' O((N+M)D) diff between anchors), and on characters only inside
    changed line blocks. All of it draws on one work budget: where it runs out, or a block is
    too large for a character diff, the block is taken as replaced whole, so its segments are
    flagged for review rather than guessed (``exhausted`` then says so).
    """

    def __init__(self, old: str, new: str, *, budget: int | None = None):
        self.old, self.new = old, new
        self._meter = _Meter(DIFF_BUDGET if budget is None else budget)
        blocks: list[tuple[int, int, int, int, bool]] = []
        prefix = _common_prefix(old, 0, new, 0, min(len(old), len(new)))
        suffix = _common_suffix(old, len(old), new, len(new), min(len(old), len(new)) - prefix)
        # Whole lines only, so that the line diff sees the lines as they are.
        prefix = old.rfind("\n", 0, prefix) + 1
        newline = old.find("\n", len(old) - suffix) if suffix else -1
        suffix = len(old) - newline - 1 if newline != -1 else 0
        blocks.append((0, prefix, 0, prefix, True))
        self._line_blocks(blocks, prefix, len(old) - suffix, prefix, len(new) - suffix)
        blocks.append((len(old) - suffix, len(old), len(new) - suffix, len(new), True))
        self.blocks = _merged(blocks)
        self._starts = [b[0] for b in self.blocks]
        self.exhausted = self._meter.exhausted

    def _line_blocks(self, blocks: list, a1: int, a2: int, b1: int, b2: int) -> None:
        if a1 == a2 or b1 == b2:
            blocks.append((a1, a2, b1, b2, a1 == a2 and b1 == b2))
            return
        old_lines = self.old[a1:a2].splitlines(keepends=True)
        new_lines = self.new[b1:b2].splitlines(keepends=True)
        old_pos = _line_starts(old_lines, a1)
        new_pos = _line_starts(new_lines, b1)
        ids: dict[str, int] = {}
        a = [ids.setdefault(line, len(ids)) for line in old_lines]
        b = [ids.setdefault(line, len(ids)) for line in new_lines]
        i = j = 0
        for mi, mj, size in [*_match(a, b, self._meter, lines=True), (len(a), len(b), 0)]:
            if i < mi or j < mj:
                self._changed_lines(blocks, old_pos, new_pos, i, mi, j, mj)
            if size:
                blocks.append(
                    (old_pos[mi], old_pos[mi + size], new_pos[mj], new_pos[mj + size], True)
                )
            i, j = mi + size, mj + size

    def _changed_lines(self, blocks, old_pos, new_pos, i1, i2, j1, j2) -> None:
        a1, a2, b1, b2 = old_pos[i1], old_pos[i2], new_pos[j1], new_pos[j2]
        if i2 - i1 > 1 and i2 - i1 == j2 - j1:
            # Line for line (e.g. every line edited a little): diff each pair of lines.
            for k in range(i2 - i1):
                self._char_blocks(
                    blocks,
                    old_pos[i1 + k],
                    old_pos[i1 + k + 1],
                    new_pos[j1 + k],
                    new_pos[j1 + k + 1],
                )
        else:
            self._char_blocks(blocks, a1, a2, b1, b2)

    def _char_blocks(self, blocks: list, a1: int, a2: int, b1: int, b2: int) -> None:
        size = _common_prefix(self.old, a1, self.new, b1, min(a2 - a1, b2 - b1))
        blocks.append((a1, a1 + size, b1, b1 + size, True))
        a1, b1 = a1 + size, b1 + size
        size = _common_suffix(self.old, a2, self.new, b2, min(a2 - a1, b2 - b1))
        tail = (a2 - size, a2, b2 - size, b2, True)
        a2, b2 = a2 - size, b2 - size
        self._char_diff(blocks, a1, a2, b1, b2)
        blocks.append(tail)

    def _char_diff(self, blocks: list, a1: int, a2: int, b1: int, b2: int) -> None:
        if a1 == a2 or b1 == b2 or (a2 - a1) + (b2 - b1) > MAX_CHAR_DIFF:
            blocks.append((a1, a2, b1, b2, a1 == a2 and b1 == b2))
            if a1 != a2 and b1 != b2:
                self._meter.exhausted = True
            return
        i = j = 0
        matches = _match(self.old[a1:a2], self.new[b1:b2], self._meter, lines=False)
        for mi, mj, size in [*matches, (a2 - a1, b2 - b1, 0)]:
            if i < mi or j < mj:
                blocks.append((a1 + i, a1 + mi, b1 + j, b1 + mj, False))
            if size:
                blocks.append((a1 + mi, a1 + mi + size, b1 + mj, b1 + mj + size, True))
            i, j = mi + size, mj + size

    def _block(self, position: int, prefer_end: bool):
        from bisect import bisect_right

        index = bisect_right(self._starts, position) - 1
        if prefer_end:
            # An end boundary belongs to the block that ends there.
            while index > 0 and self.blocks[index][0] == position:
                index -= 1
        return self.blocks[max(index, 0)] if self.blocks else None

    def position(self, position: int, *, is_end: bool) -> int:
        block = self._block(position, prefer_end=is_end)
        if block is None:
            return 0
        a1, a2, b1, b2, equal = block
        if position > a2:  # past the last block (end of text)
            return len(self.new)
        if equal:
            return b1 + (position - a1)
        return b2 if is_end else b1

    def span(self, start: int, end: int) -> tuple[int, int, bool]:
        """New ``(start, end)`` and whether the passage itself changed."""
        new_start = self.position(start, is_end=False)
        new_end = self.position(end, is_end=True)
        changed = self.old[start:end] != self.new[new_start:new_end]
        return new_start, new_end, changed


# Work units (about a microsecond each) one OffsetMap may spend on diffs beyond the common
# prefix and suffix; past it, remaining changed blocks are taken as replaced whole.
DIFF_BUDGET = 3_000_000
# Larger changed blocks get no character diff (pairs of lines still do).
MAX_CHAR_DIFF = 20_000
# Regions of at most this many tokens go straight to Myers' diff; larger ones are first
# split at lines unique in both (patience), which is cheap when D is large.
_SMALL_REGION = 200


class _Meter:
    def __init__(self, budget: int):
        self.left = budget
        self.exhausted = False

    def spend(self, units: int) -> bool:
        self.left -= units
        if self.left < 0:
            self.exhausted = True
        return self.left >= 0


def _common_prefix(a, i: int, b, j: int, limit: int) -> int:
    """Length of the common run of ``a[i:]`` and ``b[j:]`` (at most ``limit``), found by
    galloping then bisecting with slice comparisons, so long runs cost C time."""
    if limit <= 0 or a[i] != b[j]:
        return 0
    low, step = 1, 1
    while low < limit:
        high = min(low + step, limit)
        if a[i + low : i + high] != b[j + low : j + high]:
            break
        low, step = high, step * 2
    else:
        return limit
    high = min(low + step, limit)  # a[i:i+low] matches; the mismatch is before i+high
    while high - low > 1:
        middle = (low + high) // 2
        if a[i + low : i + middle] == b[j + low : j + middle]:
            low = middle
        else:
            high = middle
    return low


def _common_suffix(a, i: int, b, j: int, limit: int) -> int:
    """Length of the common run ending just before ``a[i]`` and ``b[j]``."""
    if limit <= 0 or a[i - 1] != b[j - 1]:
        return 0
    low, step = 1, 1
    while low < limit:
        high = min(low + step, limit)
        if a[i - high : i - low] != b[j - high : j - low]:
            break
        low, step = high, step * 2
    else:
        return limit
    high = min(low + step, limit)
    while high - low > 1:
        middle = (low + high) // 2
        if a[i - middle : i - low] == b[j - middle : j - low]:
            low = middle
        else:
            high = middle
    return low


def _match(a, b, meter: _Meter, *, lines: bool) -> list[tuple[int, int, int]]:
    """Matching runs ``(i, j, size)`` of two sequences, in order.

    Each region is trimmed of its common prefix and suffix; a large region of lines is split
    at the lines unique in both (their longest increasing run, as patience diff does); what
    remains goes to Myers' diff within the meter's budget. A region the budget cannot pay for
    has no matches (replaced whole) or, for lines of equal count, matches line for line.
    """
    out: list[tuple[int, int, int]] = []
    stack = [(0, len(a), 0, len(b))]
    while stack:
        alo, ahi, blo, bhi = stack.pop()
        size = _common_prefix(a, alo, b, blo, min(ahi - alo, bhi - blo))
        if size:
            out.append((alo, blo, size))
            alo, blo = alo + size, blo + size
        size = _common_suffix(a, ahi, b, bhi, min(ahi - alo, bhi - blo))
        if size:
            out.append((ahi - size, bhi - size, size))
            ahi, bhi = ahi - size, bhi - size
        if alo == ahi or blo == bhi:
            continue
        if lines and (ahi - alo) + (bhi - blo) > _SMALL_REGION:
            if not meter.spend((ahi - alo) + (bhi - blo)):
                continue
            anchors = _unique_anchors(a, alo, ahi, b, blo, bhi)
            if anchors:
                edges = [(alo - 1, blo - 1), *anchors, (ahi, bhi)]
                for (i1, j1), (i2, j2) in zip(edges, edges[1:], strict=False):
                    if (i2, j2) != (ahi, bhi):
                        out.append((i2, j2, 1))
                    if i1 + 1 < i2 or j1 + 1 < j2:
                        stack.append((i1 + 1, i2, j1 + 1, j2))
                continue
        found = _myers(a, alo, ahi, b, blo, bhi, meter)
        if found is not None:
            out.extend(found)
        elif lines and ahi - alo == bhi - blo:
            out.extend((alo + k, blo + k, 1) for k in range(ahi - alo) if a[alo + k] == b[blo + k])
    out.sort()
    return out


def _unique_anchors(a, alo, ahi, b, blo, bhi) -> list[tuple[int, int]]:
    """Pairs ``(i, j)`` of tokens that occur once in each region, longest increasing chain."""
    from bisect import bisect_left
    from collections import Counter

    count_a = Counter(a[alo:ahi])
    count_b = Counter(b[blo:bhi])
    where_b = {b[j]: j for j in range(blo, bhi) if count_b[b[j]] == 1 and count_a[b[j]] == 1}
    pairs = [(i, where_b[a[i]]) for i in range(alo, ahi) if a[i] in where_b]
    # Longest increasing subsequence of the j's (patience sorting), kept with back links.
    tails: list[int] = []
    tail_index: list[int] = []
    back = [-1] * len(pairs)
    for index, (_, j) in enumerate(pairs):
        k = bisect_left(tails, j)
        if k == len(tails):
            tails.append(j)
            tail_index.append(index)
        else:
            tails[k] = j
            tail_index[k] = index
        back[index] = tail_index[k - 1] if k else -1
    chain = []
    index = tail_index[-1] if tail_index else -1
    while index != -1:
        chain.append(pairs[index])
        index = back[index]
    return chain[::-1]


def _myers(a, alo, ahi, b, blo, bhi, meter: _Meter) -> list[tuple[int, int, int]] | None:
    """Myers' greedy shortest edit script; ``None`` when it would overrun the budget.

    Costs O((N+M)·D) time and O(D²) memory for D differences, so it is only run while the
    meter can pay: large D (unrelated texts, shuffled repeated lines) gives up early.
    """
    n, m = ahi - alo, bhi - blo
    offset = n + m + 1
    v = [0] * (2 * offset + 1)
    trace: list[list[int]] = []
    spent = 0
    budget = meter.left
    for d in range(n + m + 1):
        trace.append(v[offset - d - 1 : offset + d + 2])
        for k in range(-d, d + 1, 2):
            if k == -d or (k != d and v[offset + k - 1] < v[offset + k + 1]):
                x = v[offset + k + 1]
            else:
                x = v[offset + k - 1] + 1
            y = x - k
            run = _common_prefix(a, alo + x, b, blo + y, min(n - x, m - y))
            x += run
            v[offset + k] = x
            spent += 2 + run // 16
            if x >= n and x - k >= m:
                meter.spend(spent)
                return [(alo + i, blo + j, size) for i, j, size in _myers_path(trace, d, n, m)]
        spent += 2 * d + 3  # the trace slice
        if spent > budget:
            meter.spend(spent)
            return None
    return None  # not reached: d = n + m always ends the search


def _myers_path(trace: list[list[int]], d_end: int, n: int, m: int) -> list[tuple[int, int, int]]:
    """The matching runs of the path found by :func:`_myers`, in order."""
    runs = []
    x, y = n, m
    for d in range(d_end, 0, -1):
        saved = trace[d]  # v before step d, for k in -d-1 .. d+1

        def reach(k, saved=saved, d=d):
            return saved[k + d + 1]

        k = x - y
        if k == -d or (k != d and reach(k - 1) < reach(k + 1)):
            prev_k = k + 1
            prev_x = reach(prev_k)
            mid_x = prev_x
        else:
            prev_k = k - 1
            prev_x = reach(prev_k)
            mid_x = prev_x + 1
        if x > mid_x:
            runs.append((mid_x, mid_x - k, x - mid_x))
        x, y = prev_x, prev_x - prev_k
    if x > 0:
        runs.append((0, 0, x))
    return runs[::-1]


def _merged(blocks: list[tuple[int, int, int, int, bool]]) -> list:
    """Drop empty blocks and join neighbours of the same kind."""
    out: list[tuple[int, int, int, int, bool]] = []
    for block in blocks:
        a1, a2, b1, b2, equal = block
        if a1 == a2 and b1 == b2:
            continue
        if out and out[-1][4] == equal and out[-1][1] == a1 and out[-1][3] == b1:
            out[-1] = (out[-1][0], a2, out[-1][2], b2, equal)
        else:
            out.append(block)
    return out


def _line_starts(lines: list[str], base: int = 0) -> list[int]:
    positions = [base]
    for line in lines:
        positions.append(positions[-1] + len(line))
    return positions
