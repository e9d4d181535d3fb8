"""Duplicate content is refused, naming the transcript it duplicates, unless confirmed."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from studies import bulk_import, imports
from studies.models import Transcript
from tests import factories
from tests.studies.helpers import manifest, zip_bytes

TEXT = "Interviewer: 你覺得點？\nSU01: 我覺得好好，𠝹 family helps."


@pytest.fixture
def design(study, owner):
    group = factories.make_group(study, name="Service users")
    t1 = factories.make_wave(study, name="T1")
    t2 = factories.make_wave(study, name="T2")
    su01 = factories.make_participant(study, pseudonym="SU01", group=group)
    existing = factories.make_transcript(
        study, title="SU01 at T1", text=TEXT, participant=su01, wave=t1
    )
    return {"group": group, "t1": t1, "t2": t2, "su01": su01, "existing": existing}


def upload(client, study, files, **data):
    return client.post(
        reverse("studies:transcript_upload", args=[study.pk]),
        {"files": [SimpleUploadedFile(name, content) for name, content in files], **data},
    )


def test_uploading_the_same_text_again_is_refused_naming_the_existing_transcript(
    study, owner_client, design
):
    response = upload(owner_client, study, [("again.txt", TEXT.encode())], wave=design["t2"].pk)
    assert response.status_code == 400
    assert "again.txt: the same text is already in this study as “SU01 at T1”" in response.text
    assert "Upload anyway" in response.text
    assert study.transcripts.count() == 1


def test_a_second_transcript_for_the_same_participant_and_wave_is_refused(
    study, owner_client, design
):
    response = upload(
        owner_client,
        study,
        [("other.txt", b"Interviewer: A different interview.")],
        participant=design["su01"].pk,
        wave=design["t1"].pk,
    )
    assert response.status_code == 400
    assert "SU01 already has a transcript at T1: “SU01 at T1”" in response.text
    assert study.transcripts.count() == 1


def test_the_same_file_twice_in_one_upload_is_refused(study, owner):
    with pytest.raises(ValidationError) as refused:
        imports.transcripts_upload(
            study=study,
            files=[("a.txt", b"A: same words"), ("b.txt", b"A: same words")],
            participant=None,
            wave=None,
            actor=owner,
        )
    assert "b.txt: the same text as a.txt in this upload." in refused.value.messages
    assert study.transcripts.count() == 0


def test_the_owner_can_upload_a_duplicate_after_ticking_upload_anyway(study, owner_client, design):
    response = upload(
        owner_client,
        study,
        [("again.txt", TEXT.encode())],
        participant=design["su01"].pk,
        wave=design["t1"].pk,
        allow_duplicates="on",
    )
    assert response.status_code == 302
    copy = study.transcripts.exclude(pk=design["existing"].pk).get()
    assert copy.text == TEXT
    assert copy.checksum == design["existing"].checksum


def test_other_problems_are_refused_even_with_upload_anyway(study, owner_client, design):
    response = upload(
        owner_client,
        study,
        [("again.txt", TEXT.encode()), ("bad.txt", b"d\x81\x81\x81 vu\x9d")],
        allow_duplicates="on",
    )
    assert response.status_code == 400
    assert "bad.txt: is not UTF-8" in response.text
    assert study.transcripts.count() == 1


# --- bulk import --------------------------------------------------------------------------


def bulk(study, owner, files, rows, **kwargs):
    return bulk_import.transcripts_bulk_import(
        study=study, zip_data=zip_bytes(files), manifest=manifest(rows), actor=owner, **kwargs
    )


def zip_with_duplicates():
    files = {
        "a.txt": TEXT.encode(),  # same text as the study's SU01 at T1
        "b.txt": b"Interviewer: New words\nSU02: Mine.",
        "c.txt": b"Interviewer: New words\nSU02: Mine.",  # same as b.txt
        "d.txt": b"Interviewer: Third\nSU01: Other.",  # SU01 at T1 exists
        "e.txt": b"Interviewer: Fourth\nSU02: Again.",  # SU02 at T2 twice in the zip
    }
    rows = [
        ("a.txt", "SU03", "Service users", "T2", "A"),
        ("b.txt", "SU02", "Service users", "T1", "B"),
        ("c.txt", "SU04", "Service users", "T1", "C"),
        ("d.txt", "SU01", "Service users", "T1", "D"),
        ("e.txt", "SU02", "Service users", "T1", "E"),
    ]
    return files, rows


def test_bulk_import_reports_duplicate_rows_and_writes_nothing(study, owner, design):
    files, rows = zip_with_duplicates()
    with pytest.raises(imports.ImportRefused) as refused:
        bulk(study, owner, files, rows)
    errors = [(e.row, e.message) for e in refused.value.report.errors]
    assert (2, "a.txt: the same text is already in this study as “SU01 at T1”.") in errors
    assert (4, "c.txt: the same text as b.txt on line 3.") in errors
    assert (5, "SU01 already has a transcript at T1: “SU01 at T1”.") in errors
    assert (6, "SU02 at T1 is also on line 3.") in errors
    assert refused.value.report.only_duplicates
    assert study.transcripts.count() == 1
    assert study.participants.count() == 1


def test_bulk_import_writes_duplicates_when_confirmed(study, owner, design):
    files, rows = zip_with_duplicates()
    report = bulk(study, owner, files, rows, allow_duplicates=True)
    assert report.created == 5
    assert Transcript.objects.get(title="A").text == TEXT


def test_the_bulk_import_page_offers_import_anyway(study, owner_client, design):
    files, rows = zip_with_duplicates()
    response = owner_client.post(
        reverse("studies:transcript_bulk_import", args=[study.pk]),
        {
            "archive": SimpleUploadedFile("t.zip", zip_bytes(files)),
            "manifest": SimpleUploadedFile("m.csv", manifest(rows)),
        },
    )
    assert response.status_code == 400
    assert "c.txt: the same text as b.txt on line 3." in response.text
    assert "Import anyway" in response.text
    response = owner_client.post(
        reverse("studies:transcript_bulk_import", args=[study.pk]),
        {
            "archive": SimpleUploadedFile("t.zip", zip_bytes(files)),
            "manifest": SimpleUploadedFile("m.csv", manifest(rows)),
            "allow_duplicates": "on",
        },
    )
    assert response.status_code == 302
    assert study.transcripts.count() == 6


def test_upload_anyway_gives_the_copy_a_free_title(study, owner_client, design):
    existing = design["existing"]
    existing.title = "su01-t1"
    existing.save(update_fields=["title"])
    factories.make_transcript(study, title="SU01 – T1", text="A: other")
    response = upload(
        owner_client,
        study,
        [("su01-t1.txt", TEXT.encode())],
        participant=design["su01"].pk,
        wave=design["t1"].pk,
        allow_duplicates="on",
    )
    assert response.status_code == 302
    assert sorted(study.transcripts.values_list("title", flat=True)) == [
        "SU01 – T1",
        "su01-t1",
        "su01-t1 (2)",
    ]
