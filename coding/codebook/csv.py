"""The codebook as CSV: import (parse → validate → plan → write) and export."""

from __future__ import annotations

import csv
import io
import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from coding import exports
from coding.audit import audit
from coding.codebook.services import (
    CODE_TEXT_FIELDS,
    CODE_TEXT_MAX_CHARS,
    CODEBOOK_MAX_DEPTH,
    code_next_color,
    locked_codebook,
)
from coding.models import (
    COLOR_RE,
    Code,
)
from studies import text as textlib
from studies.imports import ImportRefused, ImportReport, RowError
from studies.limits import read_limited
from studies.models import Study

CODEBOOK_CSV_COLUMNS = (
    "path",
    "definition",
    "inclusion",
    "exclusion",
    "example",
    "colour",
    "codable",
)
# ``codable`` cells: can the code be applied to text (no = a category).
_CSV_YES = ("yes", "y", "true", "1")
_CSV_NO = ("no", "n", "false", "0")
# Exports join paths with exports.CODE_PATH_SEPARATOR (" > "); the app shows " › ".
# Import accepts both.
CODEBOOK_CSV_SEPARATOR = exports.CODE_PATH_SEPARATOR
CODEBOOK_CSV_MAX_BYTES = 2_000_000
CODEBOOK_CSV_MAX_ROWS = 5_000


# A separator is ">" or "›" with white space (or the end) on both sides; "A>B" is one name.
_CODE_PATH_SPLIT = re.compile(r"(?:^|\s)[>›](?=\s|$)")
_CSV_ALIASES = {
    "path": "path",
    "definition": "description",
    "description": "description",
    "inclusion": "inclusion",
    "exclusion": "exclusion",
    "example": "example",
    "colour": "color",
    "color": "color",
    "codable": "is_codable",
}


#: The second codebook language's columns: ``<prefix>_<tag>`` (the tag in snake case, e.g.
#: ``name_zh_hant_hk``; the importer also reads ``name_zh-Hant-HK``), after the others.
SECOND_LANGUAGE_COLUMNS = (
    ("name", "name2"),
    ("definition", "description2"),
    ("inclusion", "inclusion2"),
    ("exclusion", "exclusion2"),
    ("example", "example2"),
)
_SECOND_ALIASES = {"description": "description2"}


def tag_column_suffix(tag: str) -> str:
    """``zh-Hant-HK`` → ``zh_hant_hk``: a snake_case column name part."""
    return re.sub(r"[^0-9a-z]+", "_", (tag or "").lower()).strip("_")


def second_language_header(tag2: str) -> list[str]:
    suffix = tag_column_suffix(tag2)
    return [f"{prefix}_{suffix}" for prefix, _field in SECOND_LANGUAGE_COLUMNS] if tag2 else []


def _second_language_alias(name: str, tag2: str) -> str | None:
    """The Code field a ``<prefix>_<tag>`` header fills, when ``tag`` is ``tag2``."""
    if not tag2 or "_" not in name:
        return None
    prefix, _, tag = name.partition("_")
    if tag_column_suffix(tag) != tag_column_suffix(tag2):
        return None
    fields = dict(SECOND_LANGUAGE_COLUMNS)
    return fields.get(prefix) or _SECOND_ALIASES.get(prefix)


def split_code_path(path: str) -> list[str]:
    """Names along a path written with " > " (CSV) or " › " (the app), spaces around."""
    return [part.strip() for part in _CODE_PATH_SPLIT.split(path.strip())]


def _refuse(report, row: int, message: str, column: str = ""):
    report.errors.append(RowError(row, message, column))
    raise ImportRefused(report)


def _read_text(data, filename: str, report) -> str:
    """Parse, step 1: the file's text (size limit, encoding, BOM dropped)."""
    size = len(data) if isinstance(data, bytes) else data.size
    if size > CODEBOOK_CSV_MAX_BYTES:
        _refuse(
            report,
            0,
            f"{filename} is {size / 1e6:.1f} MB; a codebook CSV may be at most "
            f"{CODEBOOK_CSV_MAX_BYTES / 1e6:.0f} MB.",
        )
    try:
        if not isinstance(data, bytes):  # an uploaded file: read in chunks, within the limit
            data = read_limited(data, CODEBOOK_CSV_MAX_BYTES, filename)
        return textlib.decode_bytes(data, filename).lstrip("\ufeff")
    except textlib.TextDecodeError as exc:
        _refuse(report, 0, str(exc))


def _read_rows(raw: str, filename: str, report) -> tuple[list[list[str]], str]:
    """Parse, step 2: the rows and the delimiter (",", ";" or tab: the one that splits out a
    "path" header cell)."""
    first_line = raw.split("\n", 1)[0]
    delimiter = ","
    for candidate in (",", ";", "\t"):
        cells = next(csv.reader([first_line], delimiter=candidate), [])
        if "path" in [c.strip().lower() for c in cells]:
            delimiter = candidate
            break
    try:
        rows = textlib.csv_rows(
            raw,
            filename,
            max_rows=CODEBOOK_CSV_MAX_ROWS,
            max_cell_chars=CODE_TEXT_MAX_CHARS,
            delimiter=delimiter,
        )
    except textlib.TextDecodeError as exc:
        _refuse(report, 0, str(exc))
    if not rows or not any(cell.strip() for cell in rows[0]):
        _refuse(
            report,
            1,
            f"{filename} is empty: the first row must be the header "
            f"{','.join(CODEBOOK_CSV_COLUMNS)}.",
        )
    return rows, delimiter


def _read_xlsx_rows(data: bytes, filename: str, report) -> list[list[str]]:
    """Parse an XLSX codebook (as :func:`codebook_xlsx_export` writes it): the first sheet's
    rows as text, within the row and cell limits of the CSV."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable workbook is refused alike
        _refuse(report, 0, f"{filename} is not a readable XLSX workbook.")
    rows: list[list[str]] = []
    try:
        sheet = book.worksheets[0]
        for cells in sheet.iter_rows(values_only=True):
            if len(rows) > CODEBOOK_CSV_MAX_ROWS:
                _refuse(report, 0, f"{filename} has more than {CODEBOOK_CSV_MAX_ROWS} rows.")
            row = ["" if cell is None else str(cell) for cell in cells]
            if any(len(cell) > CODE_TEXT_MAX_CHARS for cell in row):
                _refuse(
                    report,
                    len(rows) + 1,
                    f"A cell is longer than {CODE_TEXT_MAX_CHARS} characters.",
                )
            rows.append(row)
    finally:
        book.close()
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    if not rows or not any(cell.strip() for cell in rows[0]):
        _refuse(report, 1, f"{filename} is empty: the first row must be the header.")
    # Trailing empty header cells (a sheet's used range) are not columns.
    width = max(i + 1 for i, cell in enumerate(rows[0]) if cell.strip())
    return [row[:width] for row in rows]


def _read_columns(rows: list[list[str]], report, tag2: str = "") -> list[str]:
    """Validate the header: the field each column fills, every problem reported at once.
    ``tag2``: the study's second codebook language (its ``name_<tag>``… columns)."""
    header = [cell.strip().lower() for cell in rows[0]]
    columns: list[str] = []
    expected = ", ".join([*CODEBOOK_CSV_COLUMNS, *second_language_header(tag2)])
    for name in header:
        field_name = _CSV_ALIASES.get(name) or _second_language_alias(name, tag2)
        if field_name is None:
            report.errors.append(
                RowError(
                    1,
                    f"Unknown column “{name}” (expected {expected}).",
                    name,
                )
            )
        elif field_name in columns:
            report.errors.append(RowError(1, f"The column “{name}” appears twice.", name))
        columns.append(field_name or "")
    if "path" not in columns:
        report.errors.append(RowError(1, "The header needs a “path” column.", "path"))
    if report.errors:
        raise ImportRefused(report)
    if len(rows) - 1 > CODEBOOK_CSV_MAX_ROWS:
        _refuse(
            report, 0, f"The file has {len(rows) - 1} rows; the limit is {CODEBOOK_CSV_MAX_ROWS}."
        )
    return columns


def _plan_rows(rows, columns: list[str], delimiter: str, report) -> dict:
    """Validate every row and plan it: lower-case path -> ``{"row", "names", "fields"}``;
    row problems are collected in ``report``."""
    column_label = {"description": "definition", "color": "colour"}
    column_label.update({f: f"{f[:-1]} (second language)" for _p, f in SECOND_LANGUAGE_COLUMNS})
    column_label["description2"] = "definition (second language)"
    planned: dict[tuple[str, ...], dict] = {}  # lower-case path -> {"row", "names", "fields"}
    for line, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(columns):
            report.errors.append(
                RowError(
                    line,
                    f"The row has {len(cells)} cells but the header "
                    f"has {len(columns)}: quote cells that contain "
                    f"“{delimiter}”.",
                )
            )
            continue
        values = {columns[i]: exports.unsafe_text(cell) for i, cell in enumerate(cells)}
        path = values.pop("path", "").strip()
        if not path:
            report.errors.append(RowError(line, "The path is empty.", "path"))
            continue
        names = split_code_path(path)
        problem = ""
        if any(not name for name in names):
            problem = f"The path “{path}” has an empty name: write names joined by “ > ”."
        elif len(names) > CODEBOOK_MAX_DEPTH:
            problem = (
                f"The path “{path}” has {len(names)} levels; the codebook has at most "
                f"{CODEBOOK_MAX_DEPTH}."
            )
        elif any(len(name) > 120 for name in names):
            problem = "A code name is longer than 120 characters."
        if problem:
            report.errors.append(RowError(line, problem, "path"))
            continue
        key = tuple(name.lower() for name in names)
        if key in planned:
            report.errors.append(
                RowError(line, f"“{path}” also appears on row {planned[key]['row']}.", "path")
            )
            continue
        fields = {}
        for field_name, value in values.items():
            value = value.strip()
            if not value:
                continue
            label = column_label.get(field_name, field_name)
            if field_name == "is_codable":
                if value.lower() not in _CSV_YES + _CSV_NO:
                    report.errors.append(
                        RowError(line, f"“{value}” in codable must be yes or no.", "codable")
                    )
                    fields = None
                    break
                fields[field_name] = value.lower() in _CSV_YES
                continue
            if field_name == "color" and not COLOR_RE.fullmatch(value):
                report.errors.append(
                    RowError(
                        line, f"The colour “{value}” must look like #RRGGBB, e.g. #0072B2.", label
                    )
                )
                fields = None
                break
            if field_name == "name2" and len(value) > 120:
                report.errors.append(
                    RowError(line, "A code name is longer than 120 characters.", label)
                )
                fields = None
                break
            if len(value) > CODE_TEXT_MAX_CHARS:
                report.errors.append(
                    RowError(
                        line, f"The {label} is longer than {CODE_TEXT_MAX_CHARS} characters.", label
                    )
                )
                fields = None
                break
            fields[field_name] = value
        if fields is None:
            continue
        planned[key] = {"row": line, "names": names, "fields": fields}
    return planned


def codebook_import_csv(*, study: Study, data: bytes, filename: str, actor=None):
    """Import a codebook CSV: ``path`` plus optional definition, inclusion, exclusion,
    example, colour (``description``/``color`` accepted too), codable (yes/no; no = a
    category that is not applied to text).

    Codes are matched by path, case-insensitively; missing codes along every path are
    created (a new code without a colour takes its parent's). For existing codes the
    non-empty cells replace the current text or colour; an empty cell keeps what is there.
    Every row is checked first; on any problem :class:`studies.services.ImportRefused`
    carries the row-by-row report (row 1 is the header) and nothing is written. Returns the
    :class:`studies.services.ImportReport` (``created``, ``updated``). Records one
    ``codebook.import`` event with the created ids and the updated codes' previous values.
    """
    report = ImportReport()
    if not isinstance(data, bytes):
        size = data.size
        if size <= CODEBOOK_CSV_MAX_BYTES:
            data = read_limited(data, CODEBOOK_CSV_MAX_BYTES, filename)
    if isinstance(data, bytes) and data.startswith(b"PK\x03\x04"):
        rows, delimiter = _read_xlsx_rows(data, filename, report), ","
    else:
        raw = _read_text(data, filename, report)
        rows, delimiter = _read_rows(raw, filename, report)
    columns = _read_columns(rows, report, study.codebook_language2)
    planned = _plan_rows(rows, columns, delimiter, report)
    if not planned and not report.errors:
        _refuse(report, 1, "The file has a header but no codes.")
    if report.errors:
        raise ImportRefused(report)

    try:
        _codebook_import_write(
            study=study, planned=planned, report=report, filename=filename, actor=actor
        )
    except IntegrityError:
        # A code created by someone else between the checks and the writes.
        report.errors.append(
            RowError(
                0,
                "The codebook changed while importing; nothing was "
                "imported. Upload the file again.",
            )
        )
        raise ImportRefused(report) from None
    return report


def _codebook_import_write(*, study: Study, planned: dict, report, filename: str, actor) -> None:
    """The writes of :func:`codebook_import_csv`, in one transaction (see there)."""
    with transaction.atomic():
        book = locked_codebook(study.pk)
        key_of: dict[int, tuple[str, ...]] = {}
        existing: dict[tuple[str, ...], Code] = {}
        for node in book.walk():  # parents before children
            parent_key = key_of.get(node.code.parent_id, ())
            key_of[node.pk] = (*parent_key, node.code.name.lower())
            existing[key_of[node.pk]] = node.code
        # Every prefix of every planned path, parents before children.
        wanted: dict[tuple[str, ...], list[str]] = {}
        origin_row: dict[tuple[str, ...], int] = {}
        for key, plan in planned.items():
            for depth in range(1, len(key) + 1):
                wanted.setdefault(key[:depth], plan["names"][:depth])
                origin_row.setdefault(key[:depth], plan["row"])
        created: list[Code] = []
        updated: dict[int, dict] = {}
        changed_codes: list[Code] = []
        next_position: dict[int | None, int] = {}
        for node in book.walk():
            parent_id = node.code.parent_id
            next_position[parent_id] = max(next_position.get(parent_id, 0), node.code.position + 1)
        by_key: dict[tuple[str, ...], Code] = dict(existing)
        # Second-language names stay unique per parent too (lower case -> the code's key).
        name2_taken: dict[tuple, tuple[str, ...]] = {
            (key[:-1], code.name2.lower()): key for key, code in existing.items() if code.name2
        }
        for key in sorted(wanted, key=len):
            plan = planned.get(key)
            fields = plan["fields"] if plan else {}
            code = by_key.get(key)
            name2 = fields.get("name2", "")
            if name2:
                holder = name2_taken.get((key[:-1], name2.lower()))
                if holder is not None and holder != key:
                    report.errors.append(
                        RowError(
                            origin_row[key],
                            f"Another code at this level is already named “{name2}” in the "
                            "second language.",
                            "name (second language)",
                        )
                    )
                    continue
                if code is not None and code.name2:
                    name2_taken.pop((key[:-1], code.name2.lower()), None)
                name2_taken[(key[:-1], name2.lower())] = key
            if code is not None:
                diff = {f: v for f, v in fields.items() if getattr(code, f) != v}
                if diff:
                    updated[code.pk] = {f: getattr(code, f) for f in diff}
                    for f, v in diff.items():
                        setattr(code, f, v)
                    changed_codes.append(code)
                continue
            parent = by_key.get(key[:-1]) if len(key) > 1 else None
            parent_id = parent.pk if parent is not None else None
            code = Code(
                study=study,
                parent=parent,
                name=wanted[key][-1],
                color=fields.get("color") or code_next_color(study=study, parent=parent),
                is_codable=fields.get("is_codable", True),
                position=next_position.get(parent_id, 0),
                **{f: fields.get(f, "") for f in CODE_TEXT_FIELDS},
                **{f: fields.get(f, "") for _p, f in SECOND_LANGUAGE_COLUMNS},
            )
            try:
                code.full_clean(
                    exclude=["study", "parent"], validate_constraints=False, validate_unique=False
                )
            except ValidationError as exc:
                report.errors.append(RowError(origin_row[key], "; ".join(exc.messages), "path"))
                continue
            code.save()
            next_position[parent_id] = code.position + 1
            by_key[key] = code
            created.append(code)
        if report.errors:
            raise ImportRefused(report)
        if changed_codes:
            fields_changed = sorted({f for before in updated.values() for f in before})
            Code.objects.bulk_update(changed_codes, fields_changed)
        report.created, report.updated = len(created), len(changed_codes)
        audit(
            study=study,
            actor=actor,
            action="codebook.import",
            object_type="codebook",
            before={"updated": updated},
            after={
                "file": filename,
                "created_ids": [c.pk for c in created],
                "created": report.created,
                "updated": report.updated,
            },
        )


def codebook_table(book, *, include_archived: bool = False, tag2: str = ""):
    """The codebook's export table: (header, rows) with :data:`CODEBOOK_CSV_COLUMNS` and,
    when the study has a second codebook language ``tag2``, its columns
    (:func:`second_language_header`); paths joined with ``exports.CODE_PATH_SEPARATOR``,
    parents before children. Cells are raw text (the writers escape formulas)."""
    header = [*CODEBOOK_CSV_COLUMNS, *second_language_header(tag2)]
    rows = []
    paths: dict[int, str] = {}
    for node in book.walk(include_archived=include_archived):
        code = node.code
        parent = paths.get(code.parent_id)
        paths[code.pk] = (
            f"{parent}{exports.CODE_PATH_SEPARATOR}{code.name}" if parent else code.name
        )
        row = [
            paths[code.pk],
            code.description,
            code.inclusion,
            code.exclusion,
            code.example,
            code.color,
            "yes" if code.is_codable else "no",
        ]
        if tag2:
            row += [getattr(code, f, "") or "" for _p, f in SECOND_LANGUAGE_COLUMNS]
        rows.append(row)
    return header, rows


def codebook_csv_export(book, *, include_archived: bool = False, tag2: str = "") -> bytes:
    """The codebook as CSV in UTF-8 without a BOM, read as is by R and pandas (the importer
    accepts a BOM, so a file saved by Excel comes back in): :func:`codebook_table`. Archived
    codes (and their subcodes) are left out unless ``include_archived``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    header, rows = codebook_table(book, include_archived=include_archived, tag2=tag2)
    writer.writerow(header)
    for row in rows:
        writer.writerow([exports.safe_text(cell) if i != 5 else cell for i, cell in enumerate(row)])
    return buffer.getvalue().encode("utf-8")


def codebook_xlsx_export(book, *, include_archived: bool = False, tag2: str = "") -> bytes:
    """The same table as :func:`codebook_csv_export`, as an XLSX workbook (sheet "Codebook")."""
    header, rows = codebook_table(book, include_archived=include_archived, tag2=tag2)
    return exports.xlsx_bytes([exports.Sheet("Codebook", header, rows)])
