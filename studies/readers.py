"""Transcript uploads read into canonical text: .txt, .docx, .odt, .rtf, .pdf and captions
(.vtt, .srt, with each turn's start time), bounded in size and characters; :func:`read_transcript`
chooses the reader by the file's extension (:data:`EXTENSIONS`).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field

from django.utils.translation import gettext

from studies.limits import UploadTooLarge, check_zip_parts, mb
from studies.text import SPEAKER_LABEL, TextDecodeError, canonicalize, decode_bytes, speaker_of

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


def _xml_events(handle):
    """``end`` events of an XML part read as a stream, without entities, DTD or network."""
    from lxml import etree

    return etree.iterparse(
        handle,
        events=("end",),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
    )


_BODY, _P, _R, _LINK = f"{_W}body", f"{_W}p", f"{_W}r", f"{_W}hyperlink"
_TC, _TR, _TBL = f"{_W}tc", f"{_W}tr", f"{_W}tbl"


class _DocxBody:
    """The lines of a .docx main part read as a stream: :meth:`read` takes each element as
    it ends and frees it (and its earlier siblings) once read."""

    def __init__(self) -> None:
        self.paragraphs: list[str] = []
        self.total = 0  # characters read, newlines included
        self.current: list[str] = []  # the runs of the paragraph being read
        self.cell: list[str] = []  # the paragraphs of the table cell being read
        self.row: list[str] = []  # the cells of the table row being read
        self.header_row = False  # the row being read repeats as the table's header

    def read(self, element) -> None:
        parent = element.getparent()
        if parent is None:
            return
        if parent.tag == _R:
            return  # a run's text: read when the run ends
        self._take(element, parent)
        if element.tag != _BODY:
            # Free what has been read: this element and its earlier siblings.
            element.clear()
            while element.getprevious() is not None:
                del parent[0]

    def _take(self, element, parent) -> None:
        tag, parent_tag = element.tag, parent.tag
        if tag == _R:
            paragraph = parent.getparent() if parent_tag == _LINK else parent
            if paragraph is not None and paragraph.tag == _P:
                outer = paragraph.getparent()
                if outer is not None and outer.tag in (_BODY, _TC):
                    text = _run_text(element)
                    self.current.append(text)
                    self.total += len(text)
        elif tag == _P and parent_tag == _TC:
            self.cell.append("".join(self.current))
            self.current = []
        elif tag == _TC:
            # A cell's paragraphs stay on the row's line: a turn is one line.
            self.row.append(" ".join(part.strip() for part in self.cell if part.strip()))
            self.cell = []
        elif tag == f"{_W}tblHeader":
            self.header_row = element.get(f"{_W}val", "true") not in ("false", "0", "off")
        elif tag == _TR:
            # A header row ("Speaker | Text") is kept, but not as a turn.
            line = "\t".join(self.row).strip() if self.header_row else _row_line(self.row)
            self.row, self.header_row = [], False
            if line:
                self.paragraphs.append(line)
                self.total += 1  # the runs' text is counted already; this is the newline
        elif parent_tag == _BODY:
            if tag == _P:
                self.paragraphs.append("".join(self.current))
                self.total += 1
            self.current = []
        elif tag == _TBL:
            self.current = []


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
    body = _DocxBody()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        with archive.open(_main_part(archive)) as handle:
            for _event, element in _xml_events(handle):
                body.read(element)
                if body.total > max_chars:
                    raise _too_long(filename, max_chars)
    except UploadTooLarge:
        raise
    except (etree.XMLSyntaxError, KeyError, zipfile.BadZipFile, OSError, ValueError) as exc:
        raise TextDecodeError(
            gettext("%(filename)s: is not a readable %(kind)s file (%(error)s).")
            % {"filename": filename, "kind": ".docx", "error": exc}
        ) from exc
    return "\n".join(body.paragraphs)


@dataclass(frozen=True)
class Reading:
    """A decoded upload: canonical text and, for captions (.vtt, .srt), when each turn
    starts and ends: ``turn_times`` is ``[[offset, seconds], ...]`` with ``offset`` the code
    point where the turn's line starts in ``text``, and a third item, the end in seconds,
    when the source has it (captions do, ``[hh:mm:ss]`` markers do not)."""

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
        raise TextDecodeError(
            gettext("%(filename)s: only %(kinds)s files can be imported.")
            % {"filename": filename, "kinds": ", ".join(EXTENSIONS)}
        )
    canonical = canonicalize(text)
    if not canonical.strip():
        raise TextDecodeError(gettext("%(filename)s: contains no text.") % {"filename": filename})
    if canonical != text:  # captions are built canonical; a change would move the offsets
        turn_times = []
    if not lower.endswith((".vtt", ".srt")):
        turn_times = marker_times(canonical)
    return Reading(canonical, turn_times)


# ``[hh:mm:ss]``, ``[mm:ss]``, ``[hh:mm:ss.ms]`` (or ``,ms``) time markers in a transcript's
# text, as transcription tools (f4transkript, oTranscribe, Word) write them.
TIME_MARKER = re.compile(r"\[(?:(\d{1,2}):)?([0-5]?\d):([0-5]\d)(?:[.,](\d{1,3}))?\]")


def marker_times(text: str) -> list[list[float | int]]:
    """``[[offset, seconds], ...]`` for the time markers of ``text``: ``offset`` is the code
    point where the marker's line starts when the marker opens its line (after spaces, or
    after a ``Name:`` label), else where the marker is. Markers stay in the text; times that
    go backwards are left out (a typo would send playback back)."""
    times: list[list[float | int]] = []
    line_start = 0
    last = -1.0
    for match in TIME_MARKER.finditer(text):
        line_start = text.rfind("\n", 0, match.start()) + 1
        before = text[line_start : match.start()]
        hours, minutes, secs, fraction = match.groups()
        seconds = int(hours or 0) * 3600 + int(minutes) * 60 + int(secs)
        value: float | int = seconds
        if fraction:
            value = round(seconds + int(fraction) / 10 ** len(fraction), 3)
        if value < last:
            continue
        opens_line = not before.strip() or SPEAKER_LABEL.fullmatch(before.rstrip() + " ")
        offset = line_start if opens_line else match.start()
        if times and times[-1][0] == offset:
            continue
        times.append([offset, value])
        last = value
    return times


def _too_long(filename: str, max_chars: int) -> UploadTooLarge:
    return UploadTooLarge(
        gettext(
            "%(filename)s: holds more than %(max)s characters of text, the limit per transcript."
        )
        % {"filename": filename, "max": f"{max_chars:,}"}
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


def _cues(data: bytes, filename: str) -> list[tuple[float, float, str | None, str]]:
    """``(start seconds, end seconds, voice or None, text)`` per cue of a WebVTT or SubRip
    file."""
    raw = decode_bytes(data, filename).replace("\r\n", "\n").replace("\r", "\n")
    if filename.lower().endswith(".vtt"):
        import webvtt
        from webvtt.errors import MalformedFileError

        try:
            captions = webvtt.from_string(raw.lstrip("\ufeff"))
        except (MalformedFileError, ValueError) as exc:
            raise TextDecodeError(
                gettext("%(filename)s: is not a readable %(kind)s file (%(error)s).")
                % {"filename": filename, "kind": "WebVTT", "error": exc}
            ) from exc
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
                gettext(
                    "%(filename)s: line %(line)s is not a readable cue timing (“%(text)s”); "
                    "nothing was imported."
                )
                % {"filename": filename, "line": bad, "text": lines[bad - 1][:60]}
            )
        return [
            (_seconds(c.start), _seconds(c.end), c.voice or None, _CUE_TAG.sub("", c.text))
            for c in captions
        ]
    import srt

    try:
        subtitles = list(srt.parse(raw.lstrip("\ufeff")))
    except (srt.SRTParseError, ValueError) as exc:
        raise TextDecodeError(
            gettext("%(filename)s: is not a readable %(kind)s file (%(error)s).")
            % {"filename": filename, "kind": "SubRip (.srt)", "error": exc}
        ) from exc
    return [
        (
            round(s.start.total_seconds(), 3),
            round(s.end.total_seconds(), 3),
            None,
            _CUE_TAG.sub("", s.content),
        )
        for s in subtitles
    ]


def _number(seconds: float) -> float | int:
    return int(seconds) if seconds == int(seconds) else seconds


def caption_text(data: bytes, filename: str) -> tuple[str, list[list[float | int]]]:
    """A caption file as speaker turns: the speaker from ``<v Name>`` or a leading
    ``Name:``, consecutive cues of one speaker merged into one line ``Name: text``, each
    turn's start and end kept as ``[offset, start seconds, end seconds]`` (the end of its
    last cue: between two turns' cues nothing is said). Cues without a speaker continue the
    turn before them (or stand as lines of their own at the start)."""
    max_chars = _max_chars()
    turns: list[list] = []  # [seconds, speaker, [texts], end seconds]
    total = 0
    for seconds, end, voice, body in _cues(data, filename):
        body = canonicalize(" ".join(line.strip() for line in body.split("\n") if line.strip()))
        if not body:
            continue
        speaker = voice.strip() if voice else None
        if speaker is None:
            label = speaker_of(body)
            if label is not None:
                speaker = label
                body = SPEAKER_LABEL.sub("", body, count=1).strip()
        if turns and (speaker is None or speaker == turns[-1][1]):
            turns[-1][2].append(body)
            turns[-1][3] = max(turns[-1][3], end)
        else:
            turns.append([seconds, speaker, [body], end])
        total += len(body) + 1
        if total > max_chars:
            raise _too_long(filename, max_chars)
    lines, times, offset = [], [], 0
    for seconds, speaker, bodies, end in turns:
        line = canonicalize(
            " ".join(bodies) if speaker is None else f"{speaker}: {' '.join(bodies)}"
        )
        time = [offset, _number(seconds)]
        if end > seconds:
            time.append(_number(end))
        times.append(time)
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
            for _event, element in _xml_events(handle):
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
        raise TextDecodeError(
            gettext("%(filename)s: is not a readable %(kind)s file (%(error)s).")
            % {"filename": filename, "kind": ".odt", "error": exc}
        ) from exc
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
        raise TextDecodeError(
            gettext("%(filename)s: is not an RTF file (it does not start with {\\rtf).")
            % {"filename": filename}
        )
    raw = data.decode("latin-1")  # RTF is 7-bit; other bytes are read as their code page
    encoding = "cp1252"
    match = re.search(r"\\ansicpg(\d+)", raw[:2000])
    if match:
        encoding = f"cp{match.group(1)}"
    try:
        text = rtf_to_text(raw, encoding=encoding, errors="replace")
    except (LookupError, ValueError, IndexError) as exc:
        raise TextDecodeError(
            gettext("%(filename)s: is not a readable %(kind)s file (%(error)s).")
            % {"filename": filename, "kind": "RTF", "error": exc}
        ) from exc
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
                gettext(
                    "%(filename)s: is password-protected; save it without a password and upload "
                    "it again."
                )
                % {"filename": filename}
            )
        pages = reader.pages
        if len(pages) > MAX_PDF_PAGES:
            raise UploadTooLarge(
                gettext("%(filename)s: has %(n)s pages; the limit is %(max)s.")
                % {"filename": filename, "n": f"{len(pages):,}", "max": f"{MAX_PDF_PAGES:,}"}
            )
        texts, total, work = [], 0, 0
        work_limit = settings.WORKBENCH_MAX_XML_BYTES
        for number, page in enumerate(pages, start=1):
            # Bound the work, not just the text: content streams (each page's, counted every
            # time a page uses one) may unpack to at most WORKBENCH_MAX_XML_BYTES in all.
            work += _pdf_content_bytes(page)
            if work > work_limit:
                raise UploadTooLarge(
                    gettext(
                        "%(filename)s: its pages' content unpacks to more than %(limit)s (by "
                        "page %(page)s), the limit; nothing was imported."
                    )
                    % {"filename": filename, "limit": mb(work_limit), "page": f"{number:,}"}
                )
            text = page.extract_text() or ""
            total += len(text)
            if total > max_chars:
                raise _too_long(filename, max_chars)
            texts.append(text.strip("\n"))
    except TextDecodeError:
        raise
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise TextDecodeError(
            gettext("%(filename)s: is not a readable %(kind)s file (%(error)s).")
            % {"filename": filename, "kind": "PDF", "error": exc}
        ) from exc
    text = "\n".join(t for t in texts if t.strip())
    if not text.strip():
        raise TextDecodeError(
            gettext(
                "%(filename)s: this PDF has no text layer (a scanned image?); run it through "
                "OCR or export the transcript as text, then upload it again."
            )
            % {"filename": filename}
        )
    return text
