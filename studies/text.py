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
    raise TextDecodeError(
        f"{filename}: is not UTF-8 and its encoding could not be recognised "
        "(UTF-8, UTF-16 with BOM, Big5 and GB18030 are accepted). Save it as UTF-8 and upload "
        "it again."
    )


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
        raise TextDecodeError(f"{filename}: is not a readable .docx file ({exc}).") from exc
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
                            "Word files never contain; it was refused."
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
            raise TextDecodeError(f"{filename}: is not a readable .docx file ({exc}).") from exc


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


def docx_text(data: bytes, filename: str, *, part_limit: int | None = None) -> str:
    """Paragraphs of a .docx body in document order, one per line (as python-docx's
    ``Document.paragraphs``: not those in tables or tracked changes).

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
            current: list[str] = []  # the runs of the body-level paragraph being read
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
                        if outer is not None and outer.tag == body:
                            text = _run_text(element)
                            current.append(text)
                            total += len(text)
                elif parent_tag == body:
                    if tag == p:
                        paragraphs.append("".join(current))
                        total += 1
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


def read_upload(data: bytes, filename: str) -> str:
    """Decode a .txt or .docx upload into canonical text, or raise TextDecodeError."""
    lower = filename.lower()
    if lower.endswith(".docx"):
        text = docx_text(data, filename)
    elif lower.endswith(".txt"):
        text = decode_bytes(data, filename)
    else:
        raise TextDecodeError(f"{filename}: only .txt and .docx files can be imported.")
    text = canonicalize(text)
    if not text.strip():
        raise TextDecodeError(f"{filename}: contains no text.")
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

    The diff runs on lines first and on characters only inside changed line blocks, so a
    50,000-character transcript with a few edits maps in milliseconds. ``blocks`` are
    ``(old_start, old_end, new_start, new_end, equal)`` covering both texts in order.
    """

    def __init__(self, old: str, new: str):
        from difflib import SequenceMatcher

        self.old, self.new = old, new
        old_lines = old.splitlines(keepends=True)
        new_lines = new.splitlines(keepends=True)
        old_pos = _line_starts(old_lines)
        new_pos = _line_starts(new_lines)
        blocks: list[tuple[int, int, int, int, bool]] = []
        matcher = SequenceMatcher(None, old_lines, new_lines, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            a1, a2, b1, b2 = old_pos[i1], old_pos[i2], new_pos[j1], new_pos[j2]
            if tag == "equal":
                blocks.append((a1, a2, b1, b2, True))
            elif tag == "replace" and i2 - i1 == j2 - j1:
                # Line for line (e.g. every line edited a little): diff each pair of lines.
                for k in range(i2 - i1):
                    _char_blocks(
                        blocks,
                        old,
                        new,
                        old_pos[i1 + k],
                        old_pos[i1 + k + 1],
                        new_pos[j1 + k],
                        new_pos[j1 + k + 1],
                    )
            else:
                _char_blocks(blocks, old, new, a1, a2, b1, b2)
        self.blocks = [b for b in blocks if b[0] != b[1] or b[2] != b[3]]
        self._starts = [b[0] for b in self.blocks]

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


# A character diff is quadratic in the worst case: larger changed blocks are taken as
# replaced whole (their segments are flagged for review rather than guessed).
MAX_CHAR_DIFF = 20_000


def _char_blocks(blocks: list, old: str, new: str, a1: int, a2: int, b1: int, b2: int) -> None:
    from difflib import SequenceMatcher

    if (a2 - a1) + (b2 - b1) > MAX_CHAR_DIFF:
        blocks.append((a1, a2, b1, b2, False))
        return
    inner = SequenceMatcher(None, old[a1:a2], new[b1:b2], autojunk=False)
    for tag, k1, k2, m1, m2 in inner.get_opcodes():
        blocks.append((a1 + k1, a1 + k2, b1 + m1, b1 + m2, tag == "equal"))


def _line_starts(lines: list[str]) -> list[int]:
    positions = [0]
    for line in lines:
        positions.append(positions[-1] + len(line))
    return positions
