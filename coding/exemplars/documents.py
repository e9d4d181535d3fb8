"""The theme report and the participant portraits as DOCX (python-docx) and Markdown, ready
to paste into a results section: quotes in their original language, exactly the segments'
text, each tagged "(PSW03, peer support worker, T2)"."""

from __future__ import annotations

import io
from datetime import date

from django.utils.translation import gettext as _
from docx import Document

from coding.exemplars.report import ReportUnit, ThemeReport, cell_text
from coding.methods.render import add_table, new_document
from coding.themes.selectors import PrevalenceCell


def _caption(report: ThemeReport, unit: ReportUnit) -> str:
    if report.kind == "theme":
        return _(
            "%(name)s: participants with the theme by stakeholder group and wave "
            "(n with the theme / n interviewed, %%)."
        ) % {"name": unit.name}
    return _(
        "%(name)s: participants with the code by stakeholder group and wave "
        "(n with the code / n interviewed, %%)."
    ) % {"name": unit.name}


def _table(report: ThemeReport, unit: ReportUnit) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a unit's prevalence table: one row per group in the study's order,
    then all participants (a participant is in one group: the cells add up)."""
    header = [_("Group"), *report.wave_headers]
    rows = []
    totals = [[0, 0] for _wave in report.frame.waves]
    for group in report.frame.groups:
        cells = unit.row(group.pk)
        rows.append([group.name, *(cell_text(c) for c in cells)])
        for total, cell in zip(totals, cells, strict=True):
            total[0] += cell.present if cell.interviewed else 0
            total[1] += cell.denominator
    if len(report.frame.groups) > 1:
        rows.append(
            [
                _("All participants"),
                *(cell_text(PrevalenceCell(0, 0, n, 0, d)) for n, d in totals),
            ]
        )
    return header, rows


def _md_cell(text: str) -> str:
    return (text or "").replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _md_quote(quote: str, tag: str) -> list[str]:
    lines = quote.split("\n")
    lines[0] = "“" + lines[0]
    lines[-1] = lines[-1] + "” " + tag
    return ["> " + line if line else ">" for line in lines]


def _heading(report: ThemeReport) -> str:
    return _("Themes") if report.kind == "theme" else _("Codes (no themes yet)")


def _prevalence(report: ThemeReport) -> str:
    if report.kind == "theme":
        return _(
            "Prevalence: participants with the theme / participants of the group interviewed "
            "at the wave."
        )
    return _(
        "Prevalence: participants with the code / participants of the group interviewed at "
        "the wave."
    )


def report_markdown(report: ThemeReport) -> str:
    out = [
        "# " + _("Theme report: %(study)s") % {"study": report.study.name},
        "",
        f"{report.layer_sentence} {_prevalence(report)}",
        "",
        f"## {_heading(report)}",
    ]
    for number, unit in enumerate(report.units, start=1):
        out += ["", f"### {unit.name}" + (f" ({unit.status})" if unit.status else ""), ""]
        if unit.about:
            out += [unit.about, ""]
        header, rows = _table(report, unit)
        out += [
            "**" + _("Table %(number)s.") % {"number": number} + "** " + _caption(report, unit),
            "",
        ]
        out.append("| " + " | ".join(_md_cell(h) for h in header) + " |")
        out.append("|---|" + "--:|" * (len(header) - 1))
        for row in rows:
            out.append("| " + " | ".join(_md_cell(c) for c in row) + " |")
        out.append("")
        if unit.quotes:
            for row in unit.quotes:
                out += _md_quote(row.quote, row.tag)
                if row.exemplar.note:
                    out += [">", "> *" + _("Note: %(note)s") % {"note": row.exemplar.note} + "*"]
                out.append("")
        else:
            out += [_("No exemplar quotes marked."), ""]
    return "\n".join(out).rstrip() + "\n"


def report_docx(report: ThemeReport) -> bytes:
    doc = new_document(_("Theme report: %(study)s") % {"study": report.study.name})
    doc.add_paragraph(f"{report.layer_sentence} {_prevalence(report)} {date.today().isoformat()}.")
    doc.add_heading(_heading(report), level=1)
    for number, unit in enumerate(report.units, start=1):
        doc.add_heading(unit.name + (f" ({unit.status})" if unit.status else ""), level=2)
        if unit.about:
            doc.add_paragraph(unit.about)
        header, rows = _table(report, unit)
        add_table(doc, number, _caption(report, unit), header, rows)
        if unit.quotes:
            for row in unit.quotes:
                p = doc.add_paragraph(style="Quote")
                p.add_run(f"“{row.quote}” ")
                p.add_run(row.tag).italic = False
                if row.exemplar.note:
                    note = _("Note: %(note)s") % {"note": row.exemplar.note}
                    doc.add_paragraph().add_run(note).italic = True
        else:
            doc.add_paragraph(_("No exemplar quotes marked."))
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def portraits_markdown(study, cases, stored: dict[int, str]) -> str:
    out = [
        "# " + _("Participant portraits: %(study)s") % {"study": study.name},
        "",
        _("Counted in: %(layer)s.") % {"layer": cases.choice.label},
        "",
    ]
    for case in cases.portraits:
        out += [f"## {case.participant.pseudonym}", ""]
        text = stored.get(case.participant.pk) or case.summary
        for para in text.strip().split("\n\n"):
            out += [para.strip("\n"), ""]
    return "\n".join(out).rstrip() + "\n"


def portraits_docx(study, cases, stored: dict[int, str]) -> bytes:
    doc = Document()
    doc.add_heading(_("Participant portraits: %(study)s") % {"study": study.name}, level=0)
    counted = _("Counted in: %(layer)s.") % {"layer": cases.choice.label}
    doc.add_paragraph(f"{counted} {date.today().isoformat()}.")
    for case in cases.portraits:
        doc.add_heading(case.participant.pseudonym, level=1)
        text = stored.get(case.participant.pk) or case.summary
        for para in text.strip().split("\n\n"):
            doc.add_paragraph(para.strip("\n"))
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
