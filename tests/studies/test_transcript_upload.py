from __future__ import annotations

import codecs

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from studies import imports, readers
from studies import text as textlib
from tests import factories
from tests.studies.helpers import docx_bytes

TEXT = "Interviewer: 你覺得點？\nSU01: 我覺得好好，𠝹 family helps. Café"


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        codecs.BOM_UTF8 + TEXT.encode("utf-8"),
        codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"),
        TEXT.replace("\n", "\r\n").encode("utf-8"),
    ],
    ids=["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom", "crlf"],
)
def test_it_decodes_unicode_files_to_the_same_canonical_text(data):
    assert readers.read_upload(data, "x.txt") == TEXT


def test_it_normalises_to_nfc():
    decomposed = "Cafe\u0301 and caf\u00e9"
    assert readers.read_upload(decomposed.encode(), "x.txt") == "Caf\u00e9 and caf\u00e9"


def test_it_recognises_big5_and_gb18030():
    traditional = "訪問員：你覺得培訓點樣？\n參加者：我覺得自己嘅角色唔清楚，但係同事好支持我。" * 3
    simplified = (
        "访问员：你觉得培训怎么样？\n参加者：我觉得自己的角色不清楚，但是同事很支持我。" * 3
    )
    assert readers.read_upload(traditional.encode("big5hkscs"), "t.txt") == traditional
    plain_big5 = "訪問員：你覺得培訓怎樣？\n參加者：我覺得自己的角色不清楚，但是同事很支持我。" * 3
    assert readers.read_upload(plain_big5.encode("big5"), "b.txt") == plain_big5
    assert readers.read_upload(simplified.encode("gb18030"), "s.txt") == simplified


def test_it_refuses_an_unknown_encoding_naming_the_file():
    # Not UTF-8, not Chinese, and bytes Windows-1252 leaves undefined (C1 controls in Latin-1).
    with pytest.raises(textlib.TextDecodeError, match="notes.txt: is not UTF-8"):
        readers.read_upload(b"d\x81\x81\x81 vu\x9d", "notes.txt")


def test_it_reads_utf16_without_bom_and_refuses_binary():
    assert readers.read_upload("Hello 𠝹 there".encode("utf-16-le"), "le.txt") == "Hello 𠝹 there"
    assert readers.read_upload("Hello there".encode("utf-16-be"), "be.txt") == "Hello there"
    with pytest.raises(textlib.TextDecodeError, match="b.txt: contains NUL bytes"):
        readers.read_upload(bytes(range(256)) * 4, "b.txt")


def test_it_reads_docx_paragraphs_in_order():
    data = docx_bytes(["Interviewer: one", "P01: two 𠝹", "Interviewer: three"])
    assert (
        readers.read_upload(data, "i.docx") == "Interviewer: one\nP01: two 𠝹\nInterviewer: three"
    )


def test_it_refuses_a_broken_docx_and_other_kinds():
    with pytest.raises(textlib.TextDecodeError, match="bad.docx: is not a readable .docx"):
        readers.read_upload(b"PK\x03\x04 nonsense", "bad.docx")
    with pytest.raises(
        textlib.TextDecodeError, match="only .txt, .docx, .odt, .rtf, .pdf, .vtt, .srt files"
    ):
        readers.read_upload(b"<pages/>", "paper.pages")
    with pytest.raises(textlib.TextDecodeError, match="contains no text"):
        readers.read_upload(b"\n\n  \n", "empty.txt")


def test_upload_creates_transcripts_for_participant_and_wave(study, owner, owner_client):
    participant = factories.make_participant(study, pseudonym="SU01")
    wave = factories.make_wave(study, name="T1")
    response = owner_client.post(
        reverse("studies:transcript_upload", args=[study.pk]),
        {
            "files": [
                SimpleUploadedFile("su01-t1.txt", TEXT.encode()),
                SimpleUploadedFile("extra.docx", docx_bytes(["A: b"])),
            ],
            "participant": participant.pk,
            "wave": wave.pk,
        },
    )
    assert response.status_code == 302
    assert sorted(study.transcripts.values_list("title", "participant_id", "wave_id")) == [
        ("extra", participant.pk, wave.pk),
        ("su01-t1", participant.pk, wave.pk),
    ]


def test_upload_writes_nothing_if_one_file_is_bad(study, owner, owner_client):
    response = owner_client.post(
        reverse("studies:transcript_upload", args=[study.pk]),
        {
            "files": [
                SimpleUploadedFile("good.txt", TEXT.encode()),
                SimpleUploadedFile("bad.txt", b"d\x81\x81\x81 vu\x9d"),
            ]
        },
    )
    assert response.status_code == 400
    assert "bad.txt: is not UTF-8" in response.text
    assert study.transcripts.count() == 0


def test_upload_refuses_files_over_the_limit(study, owner, settings):
    settings.WORKBENCH_MAX_UPLOAD_BYTES = 10
    with pytest.raises(ValidationError, match="big.txt"):
        imports.transcripts_upload(
            study=study, files=[("big.txt", b"x" * 11)], participant=None, wave=None, actor=owner
        )


def test_upload_refuses_a_participant_of_another_study(study, owner):
    other = factories.make_study()
    stranger = factories.make_participant(other)
    with pytest.raises(ValidationError, match="another study"):
        imports.transcripts_upload(
            study=study, files=[("a.txt", b"A: b")], participant=stranger, wave=None, actor=owner
        )
