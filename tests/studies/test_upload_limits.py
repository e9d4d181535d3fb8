"""Issue 9 §1: every importer checks sizes while it reads; a bomb is refused quickly, with the
file and the limit named, nothing written, and little memory used."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from studies import limits
from studies.models import Participant, Transcript
from workbench.bench import uploads as bombs

# Peak Python memory of one refused request (tracemalloc), far below what the bombs
# unpack to (105 MB to 120 MB) and below the 50 MB the issue allows.
PEAK_MB = 50


def upload_url(study):
    return reverse("studies:transcript_upload", args=[study.pk])


def bulk_url(study):
    return reverse("studies:transcript_bulk_import", args=[study.pk])


def csv_url(study):
    return reverse("studies:participant_import", args=[study.pk])


def refused(response, *fragments):
    assert response.status_code == 400
    page = response.content.decode()
    for fragment in fragments:
        assert fragment in page, (fragment, page[page.find("<main") :][:3000])
    return page


def nothing_written(study):
    assert Transcript.objects.filter(study=study).count() == 0
    assert Participant.objects.filter(study=study).count() == 0


def test_a_docx_whose_document_xml_unpacks_huge_is_refused_at_once(study, owner_client):
    data = bombs.docx_bomb(105)
    assert len(data) < 1_000_000
    response, figures = bombs.post_measured(
        owner_client, upload_url(study), "files", "bomb.docx", data
    )
    refused(response, "bomb.docx", "word/document.xml", "20.0 MB per part")
    nothing_written(study)
    assert figures["peak_mb"] < PEAK_MB, figures


def test_a_zip_of_many_compressible_texts_is_refused_before_unpacking(study, owner_client):
    data = bombs.zip_bomb(60)
    response, figures = bombs.post_measured(
        owner_client, bulk_url(study), "archive", "bomb.zip", data
    )
    refused(response, "bomb.zip", "120.0 MB", "the limit for one import is 50.0 MB")
    nothing_written(study)
    assert figures["peak_mb"] < PEAK_MB, figures


def test_a_zip_within_the_declared_limit_stops_at_the_character_limit(
    study, owner_client, settings
):
    # 25 x 2 M characters pass the unpacked-size limit but not the 20 M characters of text.
    response, figures = bombs.post_measured(
        owner_client, bulk_url(study), "archive", "b.zip", bombs.zip_bomb(25)
    )
    refused(response, "t010.txt", "more than 20,000,000 characters")
    nothing_written(study)
    assert figures["peak_mb"] < PEAK_MB, figures


def _lie_about_sizes(data: bytes, name: bytes, size: int) -> bytes:
    """Rewrite the uncompressed size that the zip headers declare for member ``name``."""
    data = bytearray(data)
    for signature, offset, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        at = data.find(signature)
        while at != -1:
            if data[at + name_at : at + name_at + len(name)] == name:
                data[at + offset : at + offset + 4] = struct.pack("<I", size)
            at = data.find(signature, at + 4)
    return bytes(data)


def test_a_zip_member_that_unpacks_beyond_its_declared_size_is_refused(study, owner_client):
    data = _lie_about_sizes(bombs.zip_bomb(1, 3_000_000), b"t000.txt", 1000)
    assert zipfile.ZipFile(io.BytesIO(data)).getinfo("t000.txt").file_size == 1000
    response, figures = bombs.post_measured(owner_client, bulk_url(study), "archive", "l.zip", data)
    refused(response, "t000.txt: cannot be read from the zip")
    nothing_written(study)
    assert figures["peak_mb"] < PEAK_MB, figures


def test_read_limited_stops_at_the_limit_on_an_endless_stream():
    class Endless:
        read_bytes = 0

        def read(self, n):
            self.read_bytes += n
            return b"a" * n

    stream = Endless()
    with pytest.raises(limits.UploadTooLarge, match=r"x\.txt.*limit of 1\.0 MB"):
        limits.read_limited(stream, 1_000_000, "x.txt")
    assert stream.read_bytes <= 1_000_001


def test_a_huge_participants_csv_is_refused(study, owner_client):
    data = bombs.csv_bomb(20)
    response, figures = bombs.post_measured(owner_client, csv_url(study), "file", "p.csv", data)
    refused(response, "p.csv", "larger than the limit of 5.2 MB")
    nothing_written(study)
    assert figures["peak_mb"] < PEAK_MB, figures


def test_a_participants_csv_with_too_many_rows_is_refused(study, owner_client, settings):
    settings.WORKBENCH_MAX_CSV_ROWS = 100
    rows = "".join(f"P{i:04},,\n" for i in range(101))
    upload = SimpleUploadedFile("many.csv", ("pseudonym,group,site\n" + rows).encode())
    response = owner_client.post(csv_url(study), {"file": upload})
    refused(response, "many.csv", "more than 100 rows")
    nothing_written(study)


def test_an_uploaded_txt_over_the_limit_is_refused(study, owner_client):
    response, figures = bombs.post_measured(
        owner_client, upload_url(study), "files", "big.txt", bombs.txt_bomb(6)
    )
    refused(response, "big.txt", "larger than the limit of 5.2 MB")
    nothing_written(study)
    assert figures["peak_mb"] < PEAK_MB, figures


def test_several_files_together_over_the_import_limit_are_refused(study, owner_client, settings):
    settings.WORKBENCH_MAX_IMPORT_CHARS = 100
    files = [SimpleUploadedFile(f"f{i}.txt", b"Interviewer: " + b"a" * 60) for i in range(3)]
    response = owner_client.post(upload_url(study), {"files": files})
    refused(response, "f1.txt", "more than 100 characters")
    nothing_written(study)


def test_files_at_the_limits_are_still_imported(study, owner_client, settings):
    settings.WORKBENCH_MAX_UPLOAD_BYTES = 2_000
    settings.WORKBENCH_MAX_IMPORT_CHARS = 4_000
    # Two different texts (the same text twice would be a duplicate).
    files = [
        SimpleUploadedFile(f"g{i}.txt", b"Interviewer: " + b"a" * 1986 + str(i).encode())
        for i in range(2)
    ]
    response = owner_client.post(upload_url(study), {"files": files})
    assert response.status_code == 302
    assert Transcript.objects.filter(study=study).count() == 2


def test_django_spools_large_uploads_to_disk_and_accepts_a_whole_transcript_form(settings):
    from django.conf import settings as live

    assert live.FILE_UPLOAD_MAX_MEMORY_SIZE <= 2_621_440
    # A transcript of WORKBENCH_MAX_TEXT_CHARS CJK characters, URL-encoded, fits in a form.
    assert live.DATA_UPLOAD_MAX_MEMORY_SIZE >= 9 * live.WORKBENCH_MAX_TEXT_CHARS


def test_a_request_body_over_the_request_limit_is_refused_unread(study, owner_client, settings):
    settings.WORKBENCH_MAX_REQUEST_BYTES = 10_000
    files = [SimpleUploadedFile("big.txt", b"Interviewer: " + b"a" * 20_000)]
    response = owner_client.post(upload_url(study), {"files": files})
    assert response.status_code == 413
    assert "limit of 0.0 MB" not in response.content.decode()
    assert "larger than the limit of 10 kB" in response.content.decode()
    nothing_written(study)


@pytest.mark.parametrize(
    "body",
    [b"<w:p/>" * 600_000, b"<w:p>" + b"<w:r/>" * 600_000 + b"</w:p>"],
    ids=["empty-paragraphs", "empty-runs"],
)
def test_a_docx_of_tiny_elements_within_the_byte_limit_is_refused(study, owner_client, body):
    # 3.6 MB of XML that compresses to a few KB: python-docx took minutes and 1 GB on 20 MB.
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    xml = f'<w:document xmlns:w="{w}"><w:body>'.encode() + body + b"</w:body></w:document>"
    response, figures = bombs.post_measured(
        owner_client, upload_url(study), "files", "tiny.docx", bombs.docx_package(xml)
    )
    refused(response, "tiny.docx", "more than 500,000 XML elements")
    nothing_written(study)
    assert figures["peak_mb"] < PEAK_MB, figures
