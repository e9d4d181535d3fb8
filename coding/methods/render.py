"""The methods appendix as Markdown and as a Word document (python-docx)."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _

from coding.methods.appendix import Appendix, Table

REFERENCES = (
    "O'Brien BC, Harris IB, Beckman TJ, Reed DA, Cook DA. Standards for reporting qualitative "
    "research: a synthesis of recommendations. Acad Med. 2014;89(9):1245-1251.",
    "O'Connor C, Joffe H. Intercoder reliability in qualitative research: debates and "
    "practical guidelines. Int J Qual Methods. 2020;19:1-13.",
    "Tong A, Sainsbury P, Craig J. Consolidated criteria for reporting qualitative research "
    "(COREQ): a 32-item checklist for interviews and focus groups. Int J Qual Health Care. "
    "2007;19(6):349-357.",
)


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_table(table: Table) -> list[str]:
    out = [f"*{table.caption}*", "", "| " + " | ".join(map(_cell, table.header)) + " |"]
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
    for i, section in enumerate(appendix.sections, start=1):
        out += [f"## {i}. {section.title}", ""]
        for p in section.paragraphs:
            if p:
                out += [p, ""]
        for table in section.tables:
            out += _md_table(table)
        if section.notes:
            out += ["**" + _("Procedure notes.") + "** " + section.notes.strip(), ""]
    out += ["## " + _("Reporting checklists"), ""]
    out += _md_table(appendix.checklist)
    out += ["## " + _("References"), ""]
    out += [f"- {r}" for r in REFERENCES]
    return "\n".join(out) + "\n"


def _docx_table(doc, table: Table) -> None:
    doc.add_paragraph(table.caption, style="Caption")
    t = doc.add_table(rows=1, cols=len(table.header))
    t.style = "Table Grid"
    for cell, text in zip(t.rows[0].cells, table.header, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in table.rows:
        cells = t.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = str(text)


def docx_bytes(appendix: Appendix) -> bytes:
    from docx import Document

    doc = Document()
    doc.add_heading(_("Methods appendix: %(study)s") % {"study": appendix.study_name}, level=0)
    doc.add_paragraph(_("Generated %(date)s.") % {"date": appendix.date})
    for i, section in enumerate(appendix.sections, start=1):
        doc.add_heading(f"{i}. {section.title}", level=1)
        for p in section.paragraphs:
            if p:
                doc.add_paragraph(p)
        for table in section.tables:
            _docx_table(doc, table)
        if section.notes:
            para = doc.add_paragraph()
            para.add_run(_("Procedure notes.") + " ").bold = True
            para.add_run(section.notes.strip())
    doc.add_heading(_("Reporting checklists"), level=1)
    _docx_table(doc, appendix.checklist)
    doc.add_heading(_("References"), level=1)
    for r in REFERENCES:
        doc.add_paragraph(r, style="List Bullet")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
