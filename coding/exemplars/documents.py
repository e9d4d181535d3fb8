"""The theme report and the participant portraits as DOCX (python-docx) and Markdown, ready
to paste into a results section: quotes in their original language, exactly the segments'
text, each tagged "(PSW03, peer support worker, T2)"."""

from __future__ import annotations

import io
from datetime import date

from docx import Document

from coding.exemplars.report import ReportUnit, ThemeReport, cell_text
from coding.methods.render import add_table, new_document
from coding.themes.selectors import PrevalenceCell

ALL_GROUPS = "All participants"


def _caption(report: ThemeReport, unit: ReportUnit) -> str:
    kind = report.kind
    return (
        f"{unit.name}: participants with the {kind} by stakeholder group and wave "
        f"(n with the {kind} / n interviewed, %)."
    )


def _table(report: ThemeReport, unit: ReportUnit) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a unit's prevalence table: one row per group in the study's order,
    then all participants (a participant is in one group: the cells add up)."""
    header = ["Group", *report.wave_headers]
    rows = []
    totals = [[0, 0] for _ in report.frame.waves]
    for group in report.frame.groups:
        cells = unit.row(group.pk)
        rows.append([group.name, *(cell_text(c) for c in cells)])
        for total, cell in zip(totals, cells, strict=True):
            total[0] += cell.present if cell.interviewed else 0
            total[1] += cell.denominator
    if len(report.frame.groups) > 1:
        rows.append(
            [
                ALL_GROUPS,
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
    return "Themes" if report.kind == "theme" else "Codes (no themes yet)"


def report_markdown(report: ThemeReport) -> str:
    out = [
        f"# Theme report: {report.study.name}",
        "",
        f"{report.layer_sentence} Prevalence: participants with the "
        f"{report.kind} / participants of the group interviewed at the wave.",
        "",
        f"## {_heading(report)}",
    ]
    for number, unit in enumerate(report.units, start=1):
        out += ["", f"### {unit.name}" + (f" ({unit.status})" if unit.status else ""), ""]
        if unit.about:
            out += [unit.about, ""]
        header, rows = _table(report, unit)
        out += [f"**Table {number}.** {_caption(report, unit)}", ""]
        out.append("| " + " | ".join(_md_cell(h) for h in header) + " |")
        out.append("|---|" + "--:|" * (len(header) - 1))
        for row in rows:
            out.append("| " + " | ".join(_md_cell(c) for c in row) + " |")
        out.append("")
        if unit.quotes:
            for row in unit.quotes:
                out += _md_quote(row.quote, row.tag)
                if row.exemplar.note:
                    out += [">", f"> *Note: {row.exemplar.note}*"]
                out.append("")
        else:
            out += ["No exemplar quotes marked.", ""]
    return "\n".join(out).rstrip() + "\n"


def report_docx(report: ThemeReport) -> bytes:
    doc = new_document(f"Theme report: {report.study.name}")
    doc.add_paragraph(
        f"{report.layer_sentence} Prevalence: participants with the {report.kind} / "
        f"participants of the group interviewed at the wave. {date.today().isoformat()}."
    )
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
                    doc.add_paragraph().add_run(f"Note: {row.exemplar.note}").italic = True
        else:
            doc.add_paragraph("No exemplar quotes marked.")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def portraits_markdown(study, cases, stored: dict[int, str]) -> str:
    out = [f"# Participant portraits: {study.name}", "", f"Counted in: {cases.choice.label}.", ""]
    for case in cases.portraits:
        out += [f"## {case.participant.pseudonym}", ""]
        text = stored.get(case.participant.pk) or case.summary
        for para in text.strip().split("\n\n"):
            out += [para.strip("\n"), ""]
    return "\n".join(out).rstrip() + "\n"


def portraits_docx(study, cases, stored: dict[int, str]) -> bytes:
    doc = Document()
    doc.add_heading(f"Participant portraits: {study.name}", level=0)
    doc.add_paragraph(f"Counted in: {cases.choice.label}. {date.today().isoformat()}.")
    for case in cases.portraits:
        doc.add_heading(case.participant.pseudonym, level=1)
        text = stored.get(case.participant.pk) or case.summary
        for para in text.strip().split("\n\n"):
            doc.add_paragraph(para.strip("\n"))
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
