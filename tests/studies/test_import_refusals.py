"""Issue 9 §6 (imports): inputs that used to answer 500 are refused with a 4xx and a message
naming the file, and nothing is written."""

from __future__ import annotations

import codecs

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coding.models import Code
from studies.models import Participant, Transcript
from tests.studies.helpers import manifest, zip_bytes
from workbench.bench import uploads as bombs

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MALFORMED = f'<w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>Hi</w:body>'.encode()
ENTITIES = (
    '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    f'<w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>&b;</w:t></w:r></w:p></w:body>'
    "</w:document>"
).encode()


def refused(response, *fragments):
    assert response.status_code == 400
    page = response.content.decode()
    for fragment in fragments:
        assert fragment in page, (fragment, page[page.find("<main") :][:2000])


def nothing_written(study):
    assert not Transcript.objects.filter(study=study).exists()
    assert not Participant.objects.filter(study=study).exists()


def upload(study, client, name, data):
    return client.post(
        reverse("studies:transcript_upload", args=[study.pk]),
        {"files": SimpleUploadedFile(name, data)},
    )


def bulk(study, client, files, rows):
    return client.post(
        reverse("studies:transcript_bulk_import", args=[study.pk]),
        {
            "archive": SimpleUploadedFile("t.zip", zip_bytes(files)),
            "manifest": SimpleUploadedFile("m.csv", manifest(rows)),
        },
    )


def test_a_docx_with_malformed_xml_is_refused(study, owner_client):
    response = upload(study, owner_client, "broken.docx", bombs.docx_package(MALFORMED))
    refused(response, "broken.docx: is not a readable .docx file")
    nothing_written(study)


def test_a_docx_declaring_entities_is_refused(study, owner_client):
    response = upload(study, owner_client, "laughs.docx", bombs.docx_package(ENTITIES))
    refused(response, "laughs.docx: word/document.xml declares a DTD or entities")
    nothing_written(study)


def test_bulk_import_refuses_malformed_and_entity_laden_docx(study, owner_client):
    files = {
        "a.docx": bombs.docx_package(MALFORMED),
        "b.docx": bombs.docx_package(ENTITIES),
    }
    rows = [("a.docx", "", "", "", ""), ("b.docx", "", "", "", "")]
    response = bulk(study, owner_client, files, rows)
    refused(response, "a.docx: is not a readable .docx file", "b.docx: word/document.xml declares")
    nothing_written(study)


def participants(study, client, name, data):
    return client.post(
        reverse("studies:participant_import", args=[study.pk]),
        {"file": SimpleUploadedFile(name, data)},
    )


def test_a_participants_csv_cell_over_the_csv_field_limit_is_refused(study, owner_client):
    data = ("pseudonym,group,notes\nP01,," + "x" * 140_000 + "\n").encode()
    response = participants(study, owner_client, "long.csv", data)
    refused(response, "long.csv: line 2 has a cell", "the limit of 20,000 characters")
    nothing_written(study)


def test_a_participants_csv_cell_over_the_cell_limit_is_refused(study, owner_client):
    data = ("pseudonym,group,notes\nP01,,ok\nP02,," + "x" * 20_001 + "\n").encode()
    response = participants(study, owner_client, "long.csv", data)
    refused(response, "long.csv: line 3 has a cell of 20,001 characters")
    nothing_written(study)


def test_a_nul_character_in_a_utf16_csv_is_refused(study, owner_client):
    data = codecs.BOM_UTF16_LE + "pseudonym,group\nP0\x001,\n".encode("utf-16-le")
    response = participants(study, owner_client, "nul.csv", data)
    refused(response, "nul.csv: line 2 contains a NUL character")
    nothing_written(study)


def test_a_manifest_with_a_nul_character_is_refused(study, owner_client):
    text = "file,participant,group,wave,title\na.txt,P\x0001,,,\n"
    files = {
        "a.txt": b"Interviewer: hello",
        "manifest.csv": codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
    }
    response = owner_client.post(
        reverse("studies:transcript_bulk_import", args=[study.pk]),
        {"archive": SimpleUploadedFile("t.zip", zip_bytes(files))},
    )
    refused(response, "manifest.csv: line 2 contains a NUL character")
    nothing_written(study)


def codebook(study, client, name, data):
    return client.post(
        reverse("coding:codebook_import", args=[study.pk]),
        {"file": SimpleUploadedFile(name, data)},
    )


def test_a_codebook_csv_cell_over_the_csv_field_limit_is_refused(study, owner_client):
    data = ("path,definition\nRole," + "x" * 140_000 + "\n").encode()
    response = codebook(study, owner_client, "book.csv", data)
    refused(response, "book.csv: line 2 has a cell", "20,000")
    assert not Code.objects.filter(study=study).exists()


def test_a_nul_character_in_a_utf16_codebook_csv_is_refused(study, owner_client):
    data = codecs.BOM_UTF16_LE + "path,definition\nRo\x00le,x\n".encode("utf-16-le")
    response = codebook(study, owner_client, "book.csv", data)
    refused(response, "book.csv: line 2 contains a NUL character")
    assert not Code.objects.filter(study=study).exists()
