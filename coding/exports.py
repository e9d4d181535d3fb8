"""Tables as CSV and XLSX downloads, shared by every export in the project.

Two entry points::

    csv_response("segments.csv", header, rows)
    xlsx_response("segments.xlsx", [Sheet("Segments", header, rows)], about=[("Code", path)])

``rows`` is any iterable of sequences (a generator is fine: CSV is streamed, XLSX is written
in openpyxl's write-only mode, so neither holds a second copy of the table).

Cell conventions, the same in both formats:

* ``None`` is an empty cell; ``bool`` is ``yes``/``no``; ``int``/``float``/``Decimal`` stay
  numbers; ``date``/``datetime`` are ISO 8601 (aware datetimes in the project's time zone).
  In XLSX dates are real date cells formatted ``yyyy-mm-dd hh:mm:ss``.
* **Formula injection** (CSV injection): a *text* cell whose first character is ``=``, ``+``,
  ``-``, ``@``, tab or carriage return is prefixed with an apostrophe, so that Excel,
  LibreOffice and Google Sheets show it as text instead of evaluating it (OWASP's advice).
  The apostrophe is part of the exported value: a quote that begins with "- well, ..." is
  exported as "'- well, ...". Numbers are never prefixed, so ``-3`` stays a number.
* CSV is for R and pandas: ``read.csv(path)`` and ``pandas.read_csv(path)`` read it with
  their default arguments. So it is UTF-8 *without* a byte-order mark (R keeps a BOM in the
  first column name), one header row of ``snake_case`` names (no comment lines: methods
  text goes to XLSX "About" sheets or a separate download), a rectangular table, RFC 4180
  quoting (fields with a comma, quote or line break are quoted, quotes doubled) and CRLF
  record separators. Line breaks inside a field are kept as they are (``\\n``). Excel
  users who need Chinese text take the XLSX download.
* **Header language.** Exports pass ``snake_case`` column names; in English they are
  written as they are; in another interface language (zh-hant) each name listed in
  :mod:`coding.export_columns` is written as the catalogue's label ("編碼路徑"), so that a research assistant who opens the
  CSV in Excel reads the headers in Chinese, and such a CSV starts with a UTF-8 byte-order
  mark (Excel needs it to read UTF-8). Scripts ask for the stable names with
  ``?headers=names`` (:func:`header_language`): English ``snake_case`` names and no BOM in
  any language. The JSON API's keys are always English.
* Code paths are joined with :data:`CODE_PATH_SEPARATOR` (" > ") in every export, CSV and
  XLSX alike (the screen shows " › "); :func:`code_paths` builds them.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext

from workbench.lib.http import attachment

__all__ = [
    "CSV_CONTENT_TYPE",
    "XLSX_CONTENT_TYPE",
    "CODE_PATH_SEPARATOR",
    "Sheet",
    "attribute_cells",
    "attribute_columns",
    "code_paths",
    "column_name",
    "csv_response",
    "csv_text",
    "csv_write",
    "safe_text",
    "unsafe_text",
    "xlsx_bytes",
    "xlsx_response",
    "xlsx_write",
]

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: The one code-path separator of every export (ASCII: survives every spreadsheet and
#: R/pandas; the codebook importer accepts it and the screen's " › ").
CODE_PATH_SEPARATOR = " > "
#: Cells a spreadsheet would run as a formula (:func:`safe_text` prefixes them with "'").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Excel refuses these control characters in cell text (openpyxl raises IllegalCharacterError).
_ILLEGAL_XLSX = {c: None for c in range(32) if c not in (9, 10, 13)}
_XLSX_MAX_CELL = 32_767
_XLSX_DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"


def code_paths(book) -> dict[int, str]:
    """Code id -> path joined with :data:`CODE_PATH_SEPARATOR` for a ``Codebook`` (no query)."""
    out: dict[int, str] = {}
    for node in book.walk():  # depth first: a parent comes before its children
        parent = out.get(node.code.parent_id)
        out[node.pk] = (
            f"{parent}{CODE_PATH_SEPARATOR}{node.code.name}" if parent else node.code.name
        )
    return out


def column_name(label: str, fallback: str) -> str:
    """``label`` as a snake_case column name (``T1 training`` -> ``t1_training``);
    ``fallback`` when nothing ASCII is left or it would not start with a letter."""
    name = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")
    return name if name and name[0].isalpha() else fallback


def attribute_columns(defs: Sequence, taken: Sequence[str] = ()) -> list[str]:
    """One snake_case column per attribute definition, in the order given (participant
    ones then transcript ones, as :func:`studies.attributes.definitions` returns them); a
    name that clashes with ``taken`` or another attribute gets the scope in front
    (``participant_group``, ``transcript_site``)."""
    used = set(taken)
    names = []
    for i, defn in enumerate(defs, start=1):
        name = column_name(defn.name, f"attribute_{i}")
        if name in used:
            name = f"{defn.scope}_{name}"
        if name in used:
            name = f"attribute_{i}"
        used.add(name)
        names.append(name)
    return names


def attribute_cells(defs: Sequence, participant: dict | None, transcript: dict | None) -> list:
    """The attribute values of one row, in the order of :func:`attribute_columns` (typed
    as stored: numbers stay numbers; text is formula-escaped by the writers)."""
    cells = []
    for defn in defs:
        values = participant if defn.scope == "participant" else transcript
        value = (values or {}).get(defn.name)
        cells.append(value if isinstance(value, int | float | str) or value is None else str(value))
    return cells


def safe_text(value: str) -> str:
    """``value`` with an apostrophe in front when a spreadsheet could read it as a formula
    (an importer strips it again with :func:`unsafe_text`)."""
    if value and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def unsafe_text(value: str) -> str:
    """A cell written by :func:`safe_text` as it was: the apostrophe in front of a formula
    trigger removed, any other cell unchanged."""
    if value.startswith("'") and value[1:2] and value[1] in FORMULA_TRIGGERS:
        return value[1:]
    return value


def _local(value: dt.datetime) -> dt.datetime:
    if timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, dt.datetime):
        return _local(value).replace(microsecond=0).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return safe_text(str(value))


class _Echo:
    """A file-like object whose ``write`` returns the line instead of storing it."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(header: Sequence[Any], rows: Iterable[Sequence[Any]]):
    writer = csv.writer(_Echo(), dialect="excel")  # RFC 4180: CRLF, minimal quoting, "" escape
    yield writer.writerow([_csv_cell(v) for v in header])
    for row in rows:
        yield writer.writerow([_csv_cell(v) for v in row])


def csv_text(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> str:
    """The whole CSV document as one string, for tests and small tables."""
    return "".join(_csv_lines(header, rows))


def csv_write(out, header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> None:
    """Write the CSV document to the binary file ``out`` as ``rows`` are consumed: the
    same bytes as :func:`csv_response` (the header in the active language, after a
    byte-order mark when it is not ASCII)."""
    header = header_text(header)
    if not all(h.isascii() for h in header):
        out.write(_BOM.encode("utf-8"))
    for line in _csv_lines(header, rows):
        out.write(line.encode("utf-8"))


#: The query parameter and value that ask for the stable English column names.
HEADERS_PARAM, HEADERS_NAMES = "headers", "names"
_BOM = "\ufeff"


def header_language(request):
    """A context manager: English column names when the request asks ``?headers=names``,
    else the interface language (headers are turned into text inside the block)."""
    if request is not None and request.GET.get(HEADERS_PARAM) == HEADERS_NAMES:
        return translation.override("en")
    return contextlib.nullcontext()


def header_text(header: Sequence[Any]) -> list[str]:
    """The header row in the active language: each known column name as its label
    (:mod:`coding.export_columns`), anything else as it is."""
    from coding.export_columns import label

    return [label(h) for h in header]


def csv_response(filename: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]):
    """A streamed CSV download; ``rows`` is consumed lazily while the response is sent.
    The header is evaluated now (the request's language); a translated, non-ASCII header
    row starts the file with a byte-order mark so that Excel reads it as UTF-8."""
    header = header_text(header)
    bom = [_BOM.encode("utf-8")] if not all(h.isascii() for h in header) else []
    response = StreamingHttpResponse(
        itertools.chain(bom, (line.encode("utf-8") for line in _csv_lines(header, rows))),
        content_type=CSV_CONTENT_TYPE,
    )
    response["Content-Disposition"] = attachment(filename)
    return response


@dataclass
class Sheet:
    """One worksheet: a title (at most 31 characters), a header row and the data rows.

    ``widths`` are column widths in characters; when absent they are estimated from the
    header and the first 200 rows (capped at 60).
    """

    title: str
    header: Sequence[Any]
    rows: Iterable[Sequence[Any]]
    widths: Sequence[float] | None = None


def _xlsx_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, dt.datetime):
        # openpyxl cannot store a time zone: write the local wall-clock time.
        return _local(value).replace(tzinfo=None, microsecond=0)
    if isinstance(value, dt.date):
        return value
    text = safe_text(str(value).translate(_ILLEGAL_XLSX))
    if len(text) > _XLSX_MAX_CELL:  # Excel's limit; longer cells corrupt the file
        text = text[: _XLSX_MAX_CELL - 1] + "…"
    return text


def _estimate_widths(header: Sequence[Any], sample: list[Sequence[Any]]) -> list[float]:
    widths = [len(str(h)) + 2 for h in header]
    for row in sample:
        for i, value in enumerate(row[: len(widths)]):
            if value is None:
                continue
            text = str(value).split("\n", 1)[0]
            widths[i] = max(widths[i], min(len(text), 60) + 2)
    return [min(max(w, 6), 62) for w in widths]


def _write_sheet(wb, sheet: Sheet) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title=str(sheet.title)[:31] or "Sheet")
    rows = iter(sheet.rows)
    sample: list[Sequence[Any]] = []
    if sheet.widths is None:
        for row in rows:
            sample.append(row)
            if len(sample) >= 200:
                break
    widths = sheet.widths or _estimate_widths(sheet.header, sample)
    # Write-only sheets take dimensions and panes before the first row is appended.
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"

    bold = Font(bold=True)
    header = []
    for value in header_text(sheet.header):
        cell = WriteOnlyCell(ws, value=_xlsx_value(value))
        cell.font = bold
        header.append(cell)
    ws.append(header)

    wrap = Alignment(wrap_text=True, vertical="top")

    def cells(row):
        out = []
        for value in row:
            converted = _xlsx_value(value)
            if isinstance(converted, dt.datetime | dt.date):
                cell = WriteOnlyCell(ws, value=converted)
                cell.number_format = _XLSX_DATE_FORMAT
                out.append(cell)
            elif isinstance(converted, str) and "\n" in converted:
                cell = WriteOnlyCell(ws, value=converted)
                cell.alignment = wrap
                out.append(cell)
            else:
                out.append(converted)
        return out

    for row in sample:
        ws.append(cells(row))
    for row in rows:
        ws.append(cells(row))


def xlsx_write(
    out, sheets: Sequence[Sheet], *, about: Sequence[tuple[str, Any]] | None = None
) -> None:
    """Write an XLSX workbook to the binary file ``out``: one worksheet per ``Sheet``, then
    an "About" sheet.

    ``about`` lists (label, value) pairs describing the export (study, filters, scope); the
    export time is added at the end. Pass ``about=None`` to leave the sheet out. The sheets
    are write-only: rows stream to temporary files, not into memory.
    """
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for sheet in sheets:
        _write_sheet(wb, sheet)
    if about is not None:
        pairs = [(str(k), str(v) if isinstance(v, Promise) else v) for k, v in about]
        pairs.append((gettext("Exported at"), timezone.now()))
        header = [gettext("Field"), gettext("Value")]
        _write_sheet(wb, Sheet(gettext("About"), header, pairs, widths=[24, 80]))
    wb.save(out)


def xlsx_bytes(sheets: Sequence[Sheet], *, about: Sequence[tuple[str, Any]] | None = None) -> bytes:
    """The workbook of :func:`xlsx_write` as bytes."""
    buffer = io.BytesIO()
    xlsx_write(buffer, sheets, about=about)
    return buffer.getvalue()


def xlsx_response(
    filename: str, sheets: Sequence[Sheet], *, about: Sequence[tuple[str, Any]] | None = ()
) -> HttpResponse:
    """An XLSX download built with :func:`xlsx_bytes` (the About sheet is on by default)."""
    response = HttpResponse(xlsx_bytes(sheets, about=about), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = attachment(filename)
    return response
