"""Issue 15: a transcript's recording in the .qdpx as a REFI-QDA AudioSource/VideoSource
whose Transcript is the transcript's text, synchronised by SyncPoints at the turn times."""

from __future__ import annotations

import io
import wave

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from coding.exchange.export import project_qdpx
from coding.exchange.importer import refi_import
from studies.access import study_access
from studies.media import attach_media
from studies.readers import marker_times
from tests import factories
from tests.coding.test_refi_export import DATA, NS, check_qdpx, read_qdpx

TEXT = "[00:00:01] 訪問員：𠮷野家😀點樣？\n[00:00:04.25] 受訪者：幾好。\n[00:01:00] 訪問員：多謝。"


def wav_bytes() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(bytes(range(256)) * 40)
    return out.getvalue()


@pytest.fixture(scope="module")
def project_schema():
    import xmlschema

    return xmlschema.XMLSchema(str(DATA / "Project-mrt2019.xsd"))


@pytest.fixture(autouse=True)
def _media_dir(media_in_tmp):
    """Recordings go to this test's own folder (tests/conftest.py)."""


@pytest.fixture
def recorded(study, owner):
    t = factories.make_transcript(study, title="HK01", text=TEXT)
    t.turn_times = marker_times(TEXT)
    t.save(update_fields=["turn_times"])
    factories.make_transcript(study, title="No recording", text="A: hi")
    data = wav_bytes()
    attach_media(transcript=t, upload=SimpleUploadedFile("hk01.wav", data), actor=owner)
    return t, data


def utf16(text: str, offset: int) -> int:
    return len(text[:offset].encode("utf-16-le")) // 2


@pytest.mark.parametrize("target", ["default", "nvivo"])
def test_the_recording_is_an_audio_source_synchronised_with_its_transcript(
    recorded,
    owner,
    project_schema,
    target,
):
    t, data = recorded
    qdpx = project_qdpx(study_access(owner, t.study_id), target=target)
    root = check_qdpx(qdpx, project_schema)
    _root, files, _qde = read_qdpx(qdpx)
    audio = root.findall(".//q:AudioSource", NS)
    assert len(audio) == 1 and audio[0].get("name") == "hk01.wav"
    path = audio[0].get("path")
    assert path.startswith("internal://") and path.endswith(".wav")
    assert files["sources/" + path[len("internal://") :]] == data
    text_source = root.find(".//q:TextSource[@name='HK01']", NS)
    transcript = audio[0].find("q:Transcript", NS)
    assert transcript.get("plainTextPath") == text_source.get("plainTextPath")
    points = [
        (int(p.get("position")), int(p.get("timeStamp")))
        for p in transcript.iterfind("q:SyncPoint", NS)
    ]
    second = TEXT.index("[00:00:04.25]")
    third = TEXT.index("[00:01:00]")
    convert = (lambda o: utf16(TEXT, o)) if target == "nvivo" else (lambda o: o)
    assert points == [(0, 1000), (convert(second), 4250), (convert(third), 60000)]
    if target == "nvivo":
        assert convert(second) == second + 2  # 𠮷 and 😀 are two UTF-16 units each


def test_importing_such_a_project_keeps_the_text_and_brings_the_recording(recorded, owner, db):
    t, data = recorded
    qdpx = project_qdpx(study_access(owner, t.study_id))
    other = factories.make_study(name="Elsewhere")
    report = refi_import(study=other, data=qdpx, filename="hk.qdpx", actor=owner)
    copy = other.transcripts.get(title="HK01")
    assert copy.text == TEXT and copy.turn_times == t.turn_times
    assert copy.media.size == len(data) and copy.media.content_type == "audio/wav"
    assert report.counts["recordings_imported"] == 1
