"""The methods appendix as Markdown and as a Word document (python-docx).

Tables are laid out as a journal prints them (:func:`add_table`, also used by the theme
report): numbered captions above the table ("Table 3. ..."), three rules (above the
header, below it, below the last row) and no others, a smaller type, column widths by what
they hold, numbers right-aligned and with thousands separators, the header repeated on
every page.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

from django.utils.translation import gettext as _
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from coding.methods.appendix import Appendix, Table
from workbench.lib.spacing import FULL_WIDTH_ENDS

TABLE_FONT = Pt(9)
BODY_FONT = Pt(11)
TEXT_WIDTH = Cm(16)
BLACK = RGBColor(0, 0, 0)
# A cell that is a number, a count with its denominator, a percentage or an interval.
_NUMERIC = re.compile(r"^[\d.,%/()\[\]\s–−-]+$")
_WHOLE = re.compile(r"^[1-9]\d{4,}$")
_DATE = re.compile(r"^\d{4}-\d\d-\d\d")

REFERENCES = (
    "O'Brien BC, Harris IB, Beckman TJ, Reed DA, Cook DA. Standards for reporting qualitative "
    "research: a synthesis of recommendations. Acad Med. 2014;89(9):1245-1251.",
    "O'Connor C, Joffe H. Intercoder reliability in qualitative research: debates and "
    "practical guidelines. Int J Qual Methods. 2020;19:1-13.",
    "Tong A, Sainsbury P, Craig J. Consolidated criteria for reporting qualitative research "
    "(COREQ): a 32-item checklist for interviews and focus groups. Int J Qual Health Care. "
    "2007;19(6):349-357.",
)


def number_text(value) -> str:
    """A cell's text: whole numbers of five digits or more with thousands separators."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    text = "" if value is None else str(value)
    return f"{int(text):,}" if _WHOLE.match(text) else text


def _cell(text) -> str:
    return number_text(text).replace("|", "\\|").replace("\n", " ")


def table_label(number: int) -> str:
    """ "Table 3. " before a caption: the space only where the language writes one (not
    after a full-width full stop, "表 3。")."""
    label = _("Table %(number)s.") % {"number": number}
    return label if label.endswith(FULL_WIDTH_ENDS) else label + " "


def _md_table(table: Table, number: int) -> list[str]:
    # Markdown keeps the space after the bold label in every language: "**表 3。**每"
    # would not close the bold (CommonMark's flanking rule after punctuation).
    out = ["**" + table_label(number).rstrip() + "** " + table.caption, ""]
    out.append("| " + " | ".join(map(_cell, table.header)) + " |")
    out.append("|" + "---|" * len(table.header))
    out += ["| " + " | ".join(map(_cell, row)) + " |" for row in table.rows]
    return [*out, ""]


def markdown(appendix: Appendix) -> str:
    out = [
        "# " + _("Methods appendix: %(study)s") % {"study": appendix.study_name},
        "",
        _("Generated %(date)s.") % {"date": appendix.date},
        "",
    ]
    number = 0
    for i, section in enumerate(appendix.sections, start=1):
        out += [f"## {i}. {section.title}", ""]
        for p in section.paragraphs:
            if p:
                out += [p, ""]
        for table in section.tables:
            number += 1
            out += _md_table(table, number)
        if section.notes:
            out += ["**" + _("Procedure notes.") + "** " + section.notes.strip(), ""]
    out += ["## " + _("Reporting checklists"), ""]
    out += _md_table(appendix.checklist, number + 1)
    out += ["## " + _("References"), ""]
    out += [f"- {r}" for r in REFERENCES]
    return "\n".join(out) + "\n"


def _border(cell, edge: str, size: int) -> None:
    borders = cell._tc.get_or_add_tcPr().first_child_found_in("w:tcBorders")
    if borders is None:
        borders = OxmlElement("w:tcBorders")
        cell._tc.get_or_add_tcPr().append(borders)
    element = OxmlElement(f"w:{edge}")
    element.set(qn("w:val"), "single")
    element.set(qn("w:sz"), str(size))
    element.set(qn("w:color"), "000000")
    borders.append(element)


def _repeat_header(row) -> None:
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(flag)


def _widths(header: Sequence[str], rows: Sequence[Sequence[str]], total) -> list[int]:
    """Column widths (EMU): each column at least as wide as its longest word (so no word is
    broken, the bold header's included), the rest of the text width shared in proportion
    to how much longer each column's texts run."""
    floors, wants = [], []
    for j, head in enumerate(header):
        texts = [(head, 1.1), *((row[j], 1.0) for row in rows)]
        # a number, a count or an interval is never broken, whatever its spaces
        longest = max(
            (len(t) if _NUMERIC.match(t) else max((len(w) for w in t.split()), default=1)) * k
            for t, k in texts
        )
        floors.append(Cm(0.19 * longest + 0.45))
        wants.append(max(min(len(t), 60) * k for t, k in texts))
    room = total - sum(floors)
    if room <= 0:
        return [int(total * f / sum(floors)) for f in floors]
    extra = [max(0.0, w - f / Cm(0.19)) for w, f in zip(wants, floors, strict=True)]
    whole = sum(extra) or 1.0
    return [int(f + room * e / whole) for f, e in zip(floors, extra, strict=True)]


def add_table(doc, number: int, caption: str, header: Sequence, rows: Sequence[Sequence]):
    """A results table: "Table <number>. <caption>" above it, three rules, 9 pt type."""
    para = doc.add_paragraph(style="Caption")
    para.paragraph_format.space_before = Pt(10)
    para.paragraph_format.space_after = Pt(4)
    para.paragraph_format.keep_with_next = True
    for text, bold in ((table_label(number), True), (caption, False)):
        run = para.add_run(text)
        run.bold, run.italic = bold, False
        run.font.size = Pt(10)
        run.font.color.rgb = BLACK
    header = [number_text(h) for h in header]
    rows = [[number_text(c) for c in row] for row in rows]
    numeric = [
        bool(column)
        and all((_NUMERIC.match(t) and not _DATE.match(t)) or t in ("", "—") for t in column)
        for column in ([row[j] for row in rows] for j in range(len(header)))
    ]
    t = doc.add_table(rows=1 + len(rows), cols=len(header))
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    widths = _widths(header, rows, TEXT_WIDTH)
    for column, width in zip(t.columns, widths, strict=True):
        column.width = width  # the grid (LibreOffice reads it), and each cell below (Word)
    for i, values in enumerate([header, *rows]):
        row = t.rows[i]
        for j, (cell, text) in enumerate(zip(row.cells, values, strict=True)):
            cell.width = widths[j]
            paragraph = cell.paragraphs[0]
            paragraph.paragraph_format.space_after = Pt(1)
            run = paragraph.add_run(text)
            run.font.size = TABLE_FONT
            if i == 0:
                run.bold = True
                _border(cell, "top", 8)
                _border(cell, "bottom", 4)
            if i == len(rows) or (i == 0 and not rows):
                _border(cell, "bottom", 8)
            if numeric[j] and j > 0:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _repeat_header(t.rows[0])
    doc.add_paragraph().paragraph_format.space_after = Pt(2)
    return t


def new_document(title: str):
    """A Word document with the body type set and the title as its first heading."""
    from docx import Document

    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.size = BODY_FONT
    normal.paragraph_format.space_after = Pt(6)
    doc.add_heading(title, level=0)
    return doc


def docx_bytes(appendix: Appendix) -> bytes:
    doc = new_document(_("Methods appendix: %(study)s") % {"study": appendix.study_name})
    doc.add_paragraph(_("Generated %(date)s.") % {"date": appendix.date})
    number = 0
    for i, section in enumerate(appendix.sections, start=1):
        doc.add_heading(f"{i}. {section.title}", level=1)
        for p in section.paragraphs:
            if p:
                doc.add_paragraph(p)
        for table in section.tables:
            number += 1
            add_table(doc, number, table.caption, table.header, table.rows)
        if section.notes:
            para = doc.add_paragraph()
            para.add_run(_("Procedure notes.") + " ").bold = True
            para.add_run(section.notes.strip())
    doc.add_heading(_("Reporting checklists"), level=1)
    number += 1
    checklist = appendix.checklist
    add_table(doc, number, checklist.caption, checklist.header, checklist.rows)
    doc.add_heading(_("References"), level=1)
    for r in REFERENCES:
        doc.add_paragraph(r, style="List Bullet")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
