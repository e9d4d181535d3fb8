"""Issue 15: a .qdpx's recordings come back on import (AudioSource/VideoSource with their
Transcript and SyncPoints → transcript text, TranscriptMedia, turn times), through the
upload checks; a missing or oversized file is one line of the report and loses nothing
else. Caption ends go out as SyncPoints at the turn's end and come back."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from coding.exchange.export import project_qdpx
from coding.exchange.importer import refi_import
from studies.access import study_access
from studies.media import attach_media, media_storage
from studies.models import TranscriptMedia
from studies.readers import read_transcript
from tests import factories
from tests.coding.test_refi_export import NS, read_qdpx

FILES = Path(__file__).resolve().parent.parent / "data" / "media"
VTT = """WEBVTT

00:00:01.000 --> 00:00:03.000
<v 訪問員>你好𠮷野家😀點樣？

00:00:04.250 --> 00:00:06.500
<v 受訪者>幾好。

00:01:00.000 --> 00:01:02.000
<v 訪問員>多謝。
"""


@pytest.fixture(autouse=True)
def _media_dir(media_in_tmp):
    """Recordings go to this test's own folder (tests/conftest.py)."""


@pytest.fixture
def recorded(study, owner):
    reading = read_transcript(VTT.encode(), "hk01.vtt")
    t = factories.make_transcript(
        study, title="HK01", text=reading.text, turn_times=reading.turn_times
    )
    data = (FILES / "tiny.webm").read_bytes()
    attach_media(transcript=t, upload=SimpleUploadedFile("hk01.webm", data), actor=owner)
    return t, data


def points_of(qdpx: bytes) -> list[tuple[int, int]]:
    root, _files, _qde = read_qdpx(qdpx)
    transcript = root.find(".//q:VideoSource/q:Transcript", NS)
    return [
        (int(p.get("position")), int(p.get("timeStamp")))
        for p in transcript.iterfind("q:SyncPoint", NS)
    ]


@pytest.mark.parametrize("target", ["default", "nvivo"])
def test_a_turn_end_is_a_sync_point_where_its_line_ends(recorded, owner, target):
    t, _data = recorded
    text = t.text
    first_end = text.index("\n")
    second = first_end + 1
    second_end = text.index("\n", second)
    third = second_end + 1
    points = points_of(project_qdpx(study_access(owner, t.study_id), target=target))
    utf16 = (lambda o: len(text[:o].encode("utf-16-le")) // 2) if target == "nvivo" else None
    at = utf16 or (lambda o: o)
    assert points == [
        (0, 1000),
        (at(first_end), 3000),
        (at(second), 4250),
        (at(second_end), 6500),
        (at(third), 60000),
        (at(len(text)), 62000),
    ]


@pytest.mark.parametrize("target", ["default", "nvivo"])
def test_round_trip_brings_the_recording_and_its_turn_times(recorded, owner, target):
    t, data = recorded
    qdpx = project_qdpx(study_access(owner, t.study_id), target=target)
    other = factories.make_study(name="Elsewhere")
    report = refi_import(study=other, data=qdpx, filename="hk.qdpx", actor=owner)
    copy = other.transcripts.get(title="HK01")
    assert copy.text == t.text
    assert copy.turn_times == t.turn_times  # code points, starts and ends
    media = TranscriptMedia.objects.get(transcript=copy)
    assert media.kind == "video" and media.content_type == "video/webm"
    assert media.original_name == "hk01.webm"
    with media_storage().open(media.file.name, "rb") as handle:
        assert handle.read() == data
    assert report.counts["recordings_imported"] == 1
    assert not any("recording" in label for label in report.skipped)
    assert other.transcripts.count() == 1  # the recording's Transcript is the same text


def test_the_imported_recording_plays_for_a_member(recorded, owner, client):
    t, data = recorded
    qdpx = project_qdpx(study_access(owner, t.study_id))
    other = factories.make_study(name="Elsewhere")
    from studies.models import Role

    factories.add_member(other, owner, Role.OWNER)
    refi_import(study=other, data=qdpx, filename="hk.qdpx", actor=owner)
    copy = other.transcripts.get(title="HK01")
    client.force_login(owner)
    response = client.get(
        f"/studies/{other.pk}/transcripts/{copy.pk}/media/file/", HTTP_RANGE="bytes=0-99"
    )
    assert response.status_code == 206
    assert b"".join(response.streaming_content) == data[:100]


def rewrite(qdpx: bytes, change) -> bytes:
    """The archive with its entries changed by ``change(name, data) -> data | None``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(qdpx)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = change(info.filename, src.read(info))
            if data is not None:
                dst.writestr(info, data)
    return out.getvalue()


def test_a_missing_recording_is_one_line_of_the_report_and_the_rest_is_imported(recorded, owner):
    t, _data = recorded
    qdpx = rewrite(
        project_qdpx(study_access(owner, t.study_id)),
        lambda name, data: None if name.endswith(".webm") else data,
    )
    other = factories.make_study(name="Elsewhere")
    report = refi_import(study=other, data=qdpx, filename="hk.qdpx", actor=owner)
    copy = other.transcripts.get(title="HK01")
    assert copy.text == t.text and copy.turn_times == t.turn_times
    assert not TranscriptMedia.objects.filter(transcript=copy).exists()
    lines = [w for w in report.warnings if "hk01.webm" in w]
    assert len(lines) == 1 and "is not in the archive" in lines[0]


def test_an_oversized_or_disguised_recording_is_refused_like_an_upload(recorded, owner, settings):
    t, data = recorded
    qdpx = project_qdpx(study_access(owner, t.study_id))
    settings.WORKBENCH_MAX_MEDIA_BYTES = len(data) - 1
    other = factories.make_study(name="Elsewhere")
    report = refi_import(study=other, data=qdpx, filename="hk.qdpx", actor=owner)
    assert other.transcripts.get(title="HK01").text == t.text
    assert TranscriptMedia.objects.filter(transcript__study=other).count() == 0
    assert [w for w in report.warnings if "larger than the limit" in w]

    settings.WORKBENCH_MAX_MEDIA_BYTES = 10 * len(data)
    disguised = rewrite(
        qdpx, lambda name, d: b"MZ not a video" * 10 if name.endswith(".webm") else d
    )
    third = factories.make_study(name="Third")
    report = refi_import(study=third, data=disguised, filename="hk.qdpx", actor=owner)
    assert third.transcripts.count() == 1
    assert TranscriptMedia.objects.filter(transcript__study=third).count() == 0
    assert [w for w in report.warnings if "is not an audio or video file" in w]


FOREIGN = """<?xml version="1.0" encoding="UTF-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Other tool" origin="Other">
  <Sources>
    <AudioSource guid="40000000-0000-0000-0000-000000000004" name="interview.webm"
                 path="internal://rec.webm">
      <Transcript guid="80000000-0000-0000-0000-000000000001" name="Interview"
                  plainTextPath="internal://t.txt">
        <SyncPoint guid="90000000-0000-0000-0000-000000000001" position="0" timeStamp="0"/>
        <SyncPoint guid="90000000-0000-0000-0000-000000000002" position="9" timeStamp="5000"/>
      </Transcript>
    </AudioSource>
  </Sources>
</Project>
"""


def test_a_recording_whose_transcript_is_only_in_the_media_source_becomes_a_transcript(
    study, owner
):
    text = "A: 𠮷 hi\nB: fine"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("project.qde", FOREIGN)
        z.writestr("sources/t.txt", text.encode())
        z.writestr("sources/rec.webm", (FILES / "tiny.webm").read_bytes())
    report = refi_import(study=study, data=out.getvalue(), filename="o.qdpx", actor=owner)
    t = study.transcripts.get()
    assert t.text == text and t.title == "Interview"
    assert t.turn_times == [[0, 0], [8, 5]]  # 9 UTF-16 units: 𠮷 counts two
    assert TranscriptMedia.objects.get(transcript=t).original_name == "interview.webm"
    assert report.counts["recordings_imported"] == 1


def test_importing_the_project_into_its_own_study_again_adds_nothing(recorded, owner):
    t, data = recorded
    before = TranscriptMedia.objects.get(transcript=t).file.name
    qdpx = project_qdpx(study_access(owner, t.study_id))
    report = refi_import(study=t.study, data=qdpx, filename="hk.qdpx", actor=owner)
    assert report.counts.get("recordings_imported") is None
    assert not [w for w in report.warnings if "recording" in w]
    assert TranscriptMedia.objects.get(transcript=t).file.name == before
    assert t.study.transcripts.count() == 1


def test_a_missing_recording_is_reported_in_the_importers_language(recorded, owner):
    """A Hong Kong RA importing the project reads the report's line in Chinese."""
    from django.utils import translation

    t, _data = recorded
    qdpx = rewrite(
        project_qdpx(study_access(owner, t.study_id)),
        lambda name, data: None if name.endswith(".webm") else data,
    )
    other = factories.make_study(name="Elsewhere zh")
    with translation.override("zh-hant"):
        report = refi_import(study=other, data=qdpx, filename="hk.qdpx", actor=owner)
    lines = [w for w in report.warnings if "hk01.webm" in w]
    assert len(lines) == 1
    assert lines[0].startswith("錄音「hk01.webm」：壓縮檔內沒有其檔案「") and "沒有錄音" in lines[0]
    assert "archive" not in lines[0] and "Recording" not in lines[0]
