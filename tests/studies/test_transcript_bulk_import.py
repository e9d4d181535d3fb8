from __future__ import annotations

import codecs

import pytest
from django.urls import reverse

from studies import bulk_import, imports
from studies.models import Participant, Transcript
from tests import factories
from tests.studies.helpers import docx_bytes, manifest, zip_bytes

CHINESE = "我覺得自己嘅角色唔清楚，𠝹 好難講。"


@pytest.fixture
def design(study, owner):
    groups = {
        name: factories.make_group(study, name=name)
        for name in ("Peer support workers", "Service users")
    }
    waves = {
        name: factories.make_wave(study, name=name) for name in ("T1 Training", "T2 Work placement")
    }
    factories.make_participant(study, pseudonym="PSW01", group=groups["Peer support workers"])
    return {"groups": groups, "waves": waves}


def good_zip():
    files = {
        "a.txt": f"Interviewer: Hello\r\nPSW01: {CHINESE}\r\n".encode(),
        "b.txt": codecs.BOM_UTF16_LE + "Interviewer: Hi\nSU01: Fine, thanks.\n".encode("utf-16-le"),
        "sub/c.docx": docx_bytes(["Interviewer: First", "SU02: Second", "Interviewer: Third"]),
        "d.txt": "Interviewer: 你好\nSU02: 家人好支持我。\n".encode("big5hkscs"),
    }
    rows = [
        ("a.txt", "PSW01", "Peer support workers", "T1 Training", "PSW01 T1"),
        ("b.txt", "SU01", "Service users", "T1 Training", ""),
        ("c.docx", "SU02", "Service users", "T1 Training", "SU02 T1"),
        ("d.txt", "SU02", "Service users", "T2 Work placement", "SU02 T2"),
    ]
    return files, rows


def run(study, owner, files, rows=None, **kwargs):
    data = zip_bytes(files)
    return bulk_import.transcripts_bulk_import(
        study=study,
        zip_data=data,
        manifest=manifest(rows) if rows is not None else None,
        actor=owner,
        **kwargs,
    )


def test_it_imports_files_of_every_supported_kind(study, owner, design):
    files, rows = good_zip()
    report = run(study, owner, files, rows)
    assert report.created == 4
    titles = set(study.transcripts.values_list("title", flat=True))
    assert titles == {"PSW01 T1", "b", "SU02 T1", "SU02 T2"}
    a = Transcript.objects.get(title="PSW01 T1")
    assert a.text == f"Interviewer: Hello\nPSW01: {CHINESE}"
    assert a.length == len(a.text)
    assert a.checksum == Transcript.checksum_of(a.text)
    assert (
        Transcript.objects.get(title="SU02 T1").text
        == "Interviewer: First\nSU02: Second\nInterviewer: Third"
    )
    assert "家人好支持我" in Transcript.objects.get(title="SU02 T2").text
    su02 = Participant.objects.get(study=study, pseudonym="SU02")
    assert su02.group == design["groups"]["Service users"]
    assert su02.transcripts.count() == 2


def test_it_reads_a_manifest_inside_the_zip(study, owner, design):
    files, rows = good_zip()
    files["manifest.csv"] = manifest(rows)
    assert run(study, owner, files).created == 4


def assert_refused(study, owner, files, rows, expected: list[tuple[int, str]]):
    before = (Transcript.objects.count(), Participant.objects.count())
    with pytest.raises(imports.ImportRefused) as refused:
        run(study, owner, files, rows)
    errors = [(e.row, e.message) for e in refused.value.report.errors]
    for row, fragment in expected:
        assert any(r == row and fragment in m for r, m in errors), (row, fragment, errors)
    assert (Transcript.objects.count(), Participant.objects.count()) == before
    return errors


def test_it_reports_every_bad_row_and_writes_nothing(study, owner, design):
    files, rows = good_zip()
    files["latin1.txt"] = b"Caf\x81 cr\x8dme br\x9dl\x90e vu"
    rows = [
        *rows,
        ("missing.txt", "SU03", "Service users", "T1 Training", "x1"),
        ("latin1.txt", "SU04", "Service users", "T1 Training", "x2"),
        ("a.txt", "SU05", "Nobody", "T9", "x3"),
        ("b.txt", "SU06", "", "T1 Training", "PSW01 T1"),
    ]
    errors = assert_refused(
        study,
        owner,
        files,
        rows,
        [
            (6, "“missing.txt” is not in the zip"),
            (7, "latin1.txt: is not UTF-8"),
            (8, "Unknown group “Nobody”"),
            (8, "Unknown wave “T9”"),
            (8, "already listed on line 2"),
            (9, "new participant: give their group"),
            (9, "also used on line 2"),
        ],
    )
    assert len(errors) >= 7


def test_it_refuses_a_participant_in_another_group(study, owner, design):
    files, rows = good_zip()
    rows[0] = ("a.txt", "PSW01", "Service users", "T1 Training", "PSW01 T1")
    assert_refused(study, owner, files, rows, [(2, "is in group “Peer support workers”")])


def test_it_refuses_files_missing_from_the_manifest(study, owner, design):
    files, rows = good_zip()
    files["extra.txt"] = b"Interviewer: unlisted"
    assert_refused(
        study, owner, files, rows, [(0, "“extra.txt” is in the zip but not in the manifest")]
    )


def test_it_refuses_a_title_that_exists(study, owner, design):
    factories.make_transcript(study, title="SU02 T1")
    files, rows = good_zip()
    assert_refused(study, owner, files, rows, [(4, "already exists in this study")])


def test_it_refuses_what_is_not_a_zip(study, owner, design):
    with pytest.raises(imports.ImportRefused) as refused:
        bulk_import.transcripts_bulk_import(
            study=study, zip_data=b"not a zip", manifest=b"file\n", actor=owner
        )
    assert "not a readable zip" in refused.value.report.errors[0].message


def test_it_needs_a_manifest(study, owner, design):
    files, _ = good_zip()
    with pytest.raises(imports.ImportRefused) as refused:
        run(study, owner, files)
    assert "No manifest" in refused.value.report.errors[0].message


def test_it_names_the_missing_manifest_columns(study, owner, design):
    files, _ = good_zip()
    with pytest.raises(imports.ImportRefused) as refused:
        bulk_import.transcripts_bulk_import(
            study=study, zip_data=zip_bytes(files), manifest=b"name,who\na.txt,PSW01\n", actor=owner
        )
    assert "file, participant, wave" in refused.value.report.errors[0].message


def test_it_enforces_the_size_and_count_limits(study, owner, design, settings):
    files, rows = good_zip()
    settings.WORKBENCH_MAX_FILES = 3
    with pytest.raises(imports.ImportRefused) as refused:
        run(study, owner, files, rows)
    assert "the limit is 3" in refused.value.report.errors[0].message
    settings.WORKBENCH_MAX_FILES = 500
    settings.WORKBENCH_MAX_UPLOAD_BYTES = 40
    assert_refused(study, owner, files, rows, [(4, "larger than the limit")])


def test_the_view_redirects_to_the_dashboard_after_import(study, owner, owner_client, design):
    files, rows = good_zip()
    response = owner_client.post(
        reverse("studies:transcript_bulk_import", args=[study.pk]),
        {
            "archive": _upload("t.zip", zip_bytes(files)),
            "manifest": _upload("m.csv", manifest(rows)),
        },
    )
    assert response.status_code == 302
    assert study.transcripts.count() == 4


def test_the_view_shows_the_report_with_rows(study, owner, owner_client, design):
    files, rows = good_zip()
    rows.append(("nope.txt", "SU09", "Service users", "T1 Training", ""))
    response = owner_client.post(
        reverse("studies:transcript_bulk_import", args=[study.pk]),
        {
            "archive": _upload("t.zip", zip_bytes(files)),
            "manifest": _upload("m.csv", manifest(rows)),
        },
    )
    assert response.status_code == 400
    assert "Nothing was imported" in response.text
    assert "“nope.txt” is not in the zip" in response.text
    assert study.transcripts.count() == 0


def _upload(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)
