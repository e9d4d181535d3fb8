from __future__ import annotations

import io

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from studies import bulk_import, imports, limits, readers, services
from studies import text as textlib
from studies.models import Transcript
from tests.studies.helpers import manifest, zip_bytes

# --- files made by the programs' own libraries ------------------------------------------


def docx_with_table() -> bytes:
    document = docx.Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = "CONFIDENTIAL header"
    section.footer.paragraphs[0].text = "Page footer"
    document.add_paragraph("Interview 3, 12 May")
    table = document.add_table(rows=3, cols=2)
    rows = [("Interviewer", "How was 培訓?"), ("訪問員", "你好 𠝹"), ("P03:", "It was fine.")]
    for row, (speaker, said) in zip(table.rows, rows, strict=True):
        row.cells[0].text = speaker
        row.cells[1].text = said
    table.rows[2].cells[1].add_paragraph("Really fine.")
    document.add_paragraph("End of interview")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def odt_bytes() -> bytes:
    from odf.opendocument import OpenDocumentText
    from odf.style import Footer, Header, MasterPage, PageLayout
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import H, P, S

    document = OpenDocumentText()
    layout = PageLayout(name="pm1")
    document.automaticstyles.addElement(layout)
    master = MasterPage(name="Standard", pagelayoutname=layout)
    header, footer = Header(), Footer()
    header.addElement(P(text="Header text"))
    footer.addElement(P(text="Footer text"))
    master.addElement(header)
    master.addElement(footer)
    document.masterstyles.addElement(master)
    document.text.addElement(H(outlinelevel=1, text="Focus group 1"))
    paragraph = P(text="Interviewer: two")
    paragraph.addElement(S(c=2))
    paragraph.addText("spaces")
    document.text.addElement(paragraph)
    table = Table(name="Turns")
    table.addElement(TableColumn(numbercolumnsrepeated=2))
    for speaker, said in [("SU01", "我覺得 𠝹 好"), ("Interviewer", "Thanks")]:
        row = TableRow()
        for value in (speaker, said):
            cell = TableCell()
            cell.addElement(P(text=value))
            row.addElement(cell)
        table.addElement(row)
    document.text.addElement(table)
    document.text.addElement(P(text="Closing."))
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


# \'93 \'94 are cp1252 curly quotes; \u escapes are signed 16-bit, 𠝹 (U+20779) a surrogate
# pair; the ? after each is the fallback a reader without Unicode would show.
RTF = (
    rb"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Calibri;}}"
    rb"{\header {\pard Header text\par}}"
    rb"\pard Interviewer: \'93Ready?\'94\par"
    rb"\pard \u35370?\u21839?\u21729?\u65306?\u20320?\u22909? \u-10175?\u-8327?\par"
    rb"}"
)


def pdf_bytes(lines: list[str]) -> bytes:
    """A minimal one-page PDF; with ``lines`` it has a text layer, without it none (as a
    scan, whose page is only an image)."""
    content = (
        "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({line}) Tj T*" for line in lines) + " ET"
        if lines
        else "0 0 1 rg 72 72 200 200 re f"
    )
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


VTT = """WEBVTT

1
00:00:01.000 --> 00:00:03.500
<v Interviewer>How was the training?

2
00:00:03.600 --> 00:00:05.000
<v Interviewer>Tell me more.

3
00:01:02.250 --> 00:01:04.000
<v 陳大文>我覺得好 𠝹

4
00:01:04.000 --> 00:01:06.000
<v.loud 陳大文><i>真係</i>好

5
01:00:00.000 --> 01:00:02.000
<v Interviewer>Thanks
"""

SRT = """1
00:00:00,500 --> 00:00:02,000
訪問員：你好嗎？

2
00:00:02,000 --> 00:00:04,000
P01: Fine, 𠝹
thanks.

3
00:00:04,100 --> 00:00:05,000
more from me

4
00:00:10,000 --> 00:00:12,000
訪問員: 好
"""


# --- .docx -------------------------------------------------------------------------------


def test_docx_tables_are_read_in_order_as_turns_without_header_or_footer():
    text = readers.read_upload(docx_with_table(), "turns.docx")
    assert text == (
        "Interview 3, 12 May\n"
        "Interviewer: How was 培訓?\n"
        "訪問員: 你好 𠝹\n"
        "P03: It was fine. Really fine.\n"
        "End of interview"
    )
    lines = text.split("\n")
    assert [textlib.speaker_of(line) for line in lines[1:4]] == ["Interviewer", "訪問員", "P03"]


def test_docx_table_text_counts_towards_the_character_limit_once(settings):
    settings.WORKBENCH_MAX_TEXT_CHARS = 102  # exactly the text's length
    assert len(readers.read_upload(docx_with_table(), "turns.docx")) == 102
    settings.WORKBENCH_MAX_TEXT_CHARS = 60
    with pytest.raises(limits.UploadTooLarge, match="turns.docx: holds more than 60 characters"):
        readers.read_upload(docx_with_table(), "turns.docx")


# --- .odt --------------------------------------------------------------------------------


def test_odt_is_read_with_headings_spaces_and_tables_but_no_header():
    assert readers.read_upload(odt_bytes(), "fg.odt") == (
        "Focus group 1\nInterviewer: two  spaces\nSU01: 我覺得 𠝹 好\nInterviewer: Thanks\nClosing."
    )


def test_odt_keeps_the_xml_element_limit(settings):
    settings.WORKBENCH_MAX_XML_ELEMENTS = 20
    with pytest.raises(limits.UploadTooLarge, match="fg.odt: its part .* more than 20 XML"):
        readers.read_upload(odt_bytes(), "fg.odt")


def test_a_broken_odt_is_refused_naming_the_file():
    with pytest.raises(textlib.TextDecodeError, match="bad.odt: is not a readable .odt file"):
        readers.read_upload(zip_bytes({"mimetype": b"x"}), "bad.odt")


# --- .rtf --------------------------------------------------------------------------------


def test_rtf_decodes_code_page_quotes_and_unicode_escapes():
    text = readers.read_upload(RTF, "notes.rtf")
    assert text == "Interviewer: “Ready?”\n訪問員：你好 𠝹"
    assert [textlib.speaker_of(line) for line in text.split("\n")] == ["Interviewer", "訪問員"]


def test_a_file_that_is_not_rtf_is_refused():
    with pytest.raises(textlib.TextDecodeError, match="x.rtf: is not an RTF file"):
        readers.read_upload(b"plain words", "x.rtf")


# --- .pdf --------------------------------------------------------------------------------


def test_pdf_text_layer_is_read():
    data = pdf_bytes(["Interviewer: How was it?", "P01: Fine."])
    assert readers.read_upload(data, "i.pdf") == "Interviewer: How was it?\nP01: Fine."


def test_a_scanned_pdf_is_refused_naming_the_file():
    with pytest.raises(textlib.TextDecodeError, match="scan.pdf: this PDF has no text layer"):
        readers.read_upload(pdf_bytes([]), "scan.pdf")


def test_a_broken_pdf_is_refused_naming_the_file():
    with pytest.raises(textlib.TextDecodeError, match="bad.pdf: is not a readable PDF"):
        readers.read_upload(b"%PDF-1.4 nothing here", "bad.pdf")


def test_pdf_text_keeps_the_character_limit(settings):
    settings.WORKBENCH_MAX_TEXT_CHARS = 10
    with pytest.raises(limits.UploadTooLarge, match="i.pdf: holds more than 10 characters"):
        readers.read_upload(pdf_bytes(["Interviewer: How was it?"]), "i.pdf")


# --- captions (.vtt, .srt) ---------------------------------------------------------------


def test_vtt_voices_become_turns_with_start_times():
    reading = readers.read_transcript(VTT.encode(), "zoom.vtt")
    assert reading.text == (
        "Interviewer: How was the training? Tell me more.\n"
        "陳大文: 我覺得好 𠝹 真係好\n"
        "Interviewer: Thanks"
    )
    starts = [offset for offset, *_seconds in reading.turn_times]
    assert [reading.text[o:].split("\n")[0].split(":")[0] for o in starts] == [
        "Interviewer",
        "陳大文",
        "Interviewer",
    ]
    assert reading.turn_times == [[0, 1, 5], [49, 62.25, 66], [65, 3600, 3602]]
    assert [textlib.speaker_of(line) for line in reading.text.split("\n")] == [
        "Interviewer",
        "陳大文",
        "Interviewer",
    ]


def test_srt_name_prefixes_become_turns_and_unlabelled_cues_continue_the_turn():
    reading = readers.read_transcript(SRT.encode(), "otter.srt")
    assert reading.text == ("訪問員: 你好嗎？\nP01: Fine, 𠝹 thanks. more from me\n訪問員: 好")
    assert reading.turn_times == [[0, 0.5, 2], [10, 2, 5], [44, 10, 12]]


def test_a_broken_caption_file_is_refused_naming_the_file():
    with pytest.raises(textlib.TextDecodeError, match="bad.vtt: is not a readable WebVTT"):
        readers.read_upload(b"not a caption file", "bad.vtt")
    with pytest.raises(textlib.TextDecodeError, match="bad.srt: is not a readable SubRip"):
        readers.read_upload(b"1\nnonsense --> here\n", "bad.srt")


def test_captions_keep_the_character_limit(settings):
    settings.WORKBENCH_MAX_TEXT_CHARS = 20
    with pytest.raises(limits.UploadTooLarge, match="zoom.vtt: holds more than 20 characters"):
        readers.read_upload(VTT.encode(), "zoom.vtt")


# --- Windows-1252 / Latin-1 --------------------------------------------------------------


def test_a_windows_1252_text_with_curly_quotes_is_decoded():
    text = "Interviewer: She said “I don’t know” – and left…\r\nP01: Café, naïve ‘résumé’ €5."
    assert readers.read_upload(text.encode("cp1252"), "word.txt") == text.replace("\r\n", "\n")


def test_latin_1_text_is_decoded():
    text = "SU02: Ça coûte très cher, déjà vu à côté."
    assert readers.read_upload(text.encode("latin-1"), "fr.txt") == text


def test_chinese_legacy_encodings_still_win_over_windows_1252():
    text = "訪問員：你覺得培訓點樣？\n參加者：我覺得自己嘅角色唔清楚，但係同事好支持我。"
    assert readers.read_upload(text.encode("big5hkscs"), "t.txt") == text


# --- through the upload view and the bulk import ------------------------------------------


def test_uploading_captions_and_documents_stores_text_and_turn_times(study, owner_client):
    response = owner_client.post(
        reverse("studies:transcript_upload", args=[study.pk]),
        {
            "files": [
                SimpleUploadedFile("zoom.vtt", VTT.encode()),
                SimpleUploadedFile("turns.docx", docx_with_table()),
                SimpleUploadedFile("notes.rtf", RTF),
            ]
        },
    )
    assert response.status_code == 302
    zoom = study.transcripts.get(title="zoom")
    assert zoom.text.startswith("Interviewer: How was the training? Tell me more.\n陳大文:")
    assert zoom.turn_times == [[0, 1, 5], [49, 62.25, 66], [65, 3600, 3602]]
    assert zoom.source_name == "zoom.vtt"
    assert study.transcripts.get(title="turns").text.split("\n")[2] == "訪問員: 你好 𠝹"
    assert study.transcripts.get(title="notes").turn_times == []


def test_uploading_a_scan_refuses_everything_with_the_reason(study, owner_client):
    response = owner_client.post(
        reverse("studies:transcript_upload", args=[study.pk]),
        {
            "files": [
                SimpleUploadedFile("zoom.vtt", VTT.encode()),
                SimpleUploadedFile("scan.pdf", pdf_bytes([])),
            ]
        },
    )
    assert response.status_code == 400
    assert "scan.pdf: this PDF has no text layer" in response.text
    assert Transcript.objects.filter(study=study).count() == 0


def test_the_upload_form_accepts_the_new_extensions(study, owner_client):
    response = owner_client.get(reverse("studies:transcript_list", args=[study.pk]))
    assert 'accept=".txt,.docx,.odt,.rtf,.pdf,.vtt,.srt"' in response.text


def test_bulk_import_reads_captions_and_odt_with_turn_times(study, owner):
    from tests import factories

    factories.make_group(study, name="Service users")
    factories.make_wave(study, name="T1")
    archive = zip_bytes(
        {
            "a.srt": SRT.encode(),
            "b.odt": odt_bytes(),
            "manifest.csv": manifest(
                [
                    ("a.srt", "SU01", "Service users", "T1", ""),
                    ("b.odt", "SU02", "Service users", "T1", ""),
                ]
            ),
        }
    )
    bulk_import.transcripts_bulk_import(study=study, zip_data=archive, actor=owner)
    a = study.transcripts.get(source_name="a.srt")
    assert a.turn_times == [[0, 0.5, 2], [10, 2, 5], [44, 10, 12]]
    assert a.text.endswith("訪問員: 好")
    assert study.transcripts.get(source_name="b.odt").text.startswith("Focus group 1\n")


def test_odt_footnotes_are_left_out_not_read_as_lines():
    from odf.opendocument import OpenDocumentText
    from odf.text import Note, NoteBody, NoteCitation, P

    document = OpenDocumentText()
    paragraph = P(text="P01: I started in May")
    note = Note(id="ftn1", noteclass="footnote")
    note.addElement(NoteCitation(text="1"))
    body = NoteBody()
    body.addElement(P(text="Month checked with the site."))
    note.addElement(body)
    paragraph.addElement(note)
    paragraph.addText(" and stayed.")
    document.text.addElement(paragraph)
    buffer = io.BytesIO()
    document.write(buffer)
    assert readers.read_upload(buffer.getvalue(), "n.odt") == "P01: I started in May and stayed."


def test_pdf_content_streams_are_bounded_before_text_is_extracted(settings):
    settings.WORKBENCH_MAX_XML_BYTES = 200  # the page's content stream is longer than this
    data = pdf_bytes([f"Interviewer: line {i}" for i in range(20)])
    with pytest.raises(limits.UploadTooLarge, match="i.pdf: its pages' content unpacks to more"):
        readers.read_upload(data, "i.pdf")


def test_a_text_edit_moves_the_turn_start_times_with_the_text(study, owner):
    (transcript,) = imports.transcripts_upload(
        study=study, files=[("zoom.vtt", VTT.encode())], participant=None, wave=None, actor=owner
    )
    transcript.refresh_from_db()
    new_text = "Recorded on Zoom.\n" + transcript.text.replace("Tell me more.", "More?")
    services.transcript_text_update(
        transcript=transcript, text=new_text, expected_version=transcript.version, actor=owner
    )
    transcript.refresh_from_db()
    starts = [offset for offset, *_seconds in transcript.turn_times]
    assert [transcript.text[o:].split(":")[0] for o in starts] == [
        "Interviewer",
        "陳大文",
        "Interviewer",
    ]
    assert [times for _offset, *times in transcript.turn_times] == [
        [1, 5],
        [62.25, 66],
        [3600, 3602],
    ]


def test_a_docx_table_header_row_is_kept_but_not_as_a_turn():
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    for row, (speaker, said) in zip(table.rows, [("Speaker", "Text"), ("P01", "Hi")], strict=True):
        row.cells[0].text, row.cells[1].text = speaker, said
    properties = table.rows[0]._tr.get_or_add_trPr()
    properties.append(OxmlElement("w:tblHeader"))
    assert properties.find(qn("w:tblHeader")) is not None
    buffer = io.BytesIO()
    document.save(buffer)
    text = readers.read_upload(buffer.getvalue(), "h.docx")
    assert text == "Speaker\tText\nP01: Hi"
    assert textlib.speaker_of(text.split("\n")[0]) is None


def test_an_odt_table_header_row_is_kept_but_not_as_a_turn():
    from odf.opendocument import OpenDocumentText
    from odf.table import Table, TableCell, TableColumn, TableHeaderRows, TableRow
    from odf.text import P

    document = OpenDocumentText()
    table = Table(name="Turns")
    table.addElement(TableColumn(numbercolumnsrepeated=2))
    header = TableHeaderRows()
    for rows, values in ((header, ("Speaker", "Text")), (table, ("P01", "Hi"))):
        row = TableRow()
        for value in values:
            cell = TableCell()
            cell.addElement(P(text=value))
            row.addElement(cell)
        rows.addElement(row)
        if rows is header:
            table.addElement(header)
    document.text.addElement(table)
    buffer = io.BytesIO()
    document.write(buffer)
    assert readers.read_upload(buffer.getvalue(), "h.odt") == "Speaker\tText\nP01: Hi"


def test_a_vtt_cue_with_a_broken_time_is_refused_not_dropped():
    data = VTT.replace("00:01:02.250 --> 00:01:04.000", "00:01:xx.250 --> 00:01:04.000").encode()
    with pytest.raises(textlib.TextDecodeError, match=r"zoom.vtt: line 12 .*00:01:xx.250"):
        readers.read_upload(data, "zoom.vtt")
