"""An import's report (REFI-QDA project or codebook, participants CSV) reads Chinese to a zh-HK
owner: its notes, what it skipped and why it refused, with only the file's own names and
identifiers left as they are (tests/i18n/english.py)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import lxml.html
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests import factories
from tests.i18n.english import english_strings

DATA = Path(__file__).resolve().parent.parent / "coding" / "data" / "refi"
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-HK"}


def _zip_folder(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def _import(client, study, name: str, data: bytes):
    url = reverse("coding:qdpx_import", args=[study.pk])
    return client.post(url, {"file": SimpleUploadedFile(name, data)}, **ZH)


def _english_in_main(html: str, study) -> list[str]:
    main = lxml.html.fromstring(html).find(".//main")
    names = list(study.transcripts.values_list("title", flat=True))
    names += list(study.codes.values_list("name", flat=True))
    names += list(study.participants.values_list("pseudonym", flat=True))
    names += list(study.groups.values_list("name", flat=True))
    names.append(study.name)
    return english_strings(
        lxml.html.tostring(main, encoding="unicode"),
        user_content=sorted(set(names), key=len, reverse=True),
    )


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("hand_authored.qdpx", lambda: _zip_folder(DATA / "hand_authored")),
        ("example_codebook.qdc", lambda: (DATA / "example_codebook.qdc").read_bytes()),
        ("nvivo_project.qdpx", lambda: (DATA / "nvivo_project.qdpx").read_bytes()),
    ],
)
def test_a_refi_import_report_reads_chinese(study, owner_client, name, data):
    response = _import(owner_client, study, name, data())

    page = response.content.decode()
    assert "<li>" in page or '<th scope="row">' in page  # the report has notes or counts
    assert _english_in_main(page, study) == []


def test_a_refused_refi_import_reads_chinese(study, owner_client):
    response = _import(owner_client, study, "broken.qdpx", b"PK\x03\x04 not a zip at all")

    assert response.status_code == 400
    assert _english_in_main(response.content.decode(), study) == []


def test_a_participants_csv_report_reads_chinese(study, owner_client):
    factories.make_group(study, name="Peer workers")
    csv = b"pseudonym,group\n,Peer workers\nP02,Nobody\n"
    url = reverse("studies:participant_import", args=[study.pk])
    response = owner_client.post(url, {"file": SimpleUploadedFile("p.csv", csv)}, **ZH)

    assert _english_in_main(response.content.decode(), study) == []


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("bad.txt", b"d\x81\x81\x81 vu\x9d"),
        ("empty.txt", b"   \n"),
        ("notes.rtf", b"plain text"),
        ("binary.txt", b"\x00\xff\x00\xfe\x01\x00\xfe\xff" * 40),
    ],
)
def test_a_refused_transcript_upload_reads_chinese(study, owner_client, name, data):
    response = owner_client.post(
        reverse("studies:transcript_upload", args=[study.pk]),
        {"files": [SimpleUploadedFile(name, data)]},
        **ZH,
    )

    assert response.status_code == 400
    assert name in response.content.decode()
    assert _english_in_main(response.content.decode(), study) == []
