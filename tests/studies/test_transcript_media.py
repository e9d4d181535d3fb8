"""A transcript's recording: attached by owners, checked by content, streamed only to
members with byte ranges (issue 15)."""

from __future__ import annotations

import io
import wave

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from coding.models import AuditEvent
from studies.media import Unsatisfiable, byte_range, media_storage, sniff
from studies.models import Role, TranscriptMedia
from tests import factories


def wav_bytes(seconds: float = 1.0, rate: int = 8000) -> bytes:
    """A real mono 16-bit WAV: a rising ramp, so every byte range differs."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        frames = int(seconds * rate)
        w.writeframes(b"".join((i % 30000).to_bytes(2, "little") for i in range(frames)))
    return out.getvalue()


@pytest.fixture(autouse=True)
def _media_dir(media_in_tmp):
    """Recordings go to this test's own folder (tests/conftest.py)."""


@pytest.fixture
def transcript(study):
    return factories.make_transcript(study, title="Interview 1", text="Interviewer: 你好\n")


def upload_url(t):
    return reverse("studies:transcript_media_upload", args=[t.study_id, t.pk])


def file_url(t):
    return reverse("studies:transcript_media_file", args=[t.study_id, t.pk])


def attach(client, t, data: bytes, name: str = "interview.wav"):
    return client.post(upload_url(t), {"media": SimpleUploadedFile(name, data)})


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_owner_attaches_a_wav_and_it_is_stored_audited_and_typed_by_content(
    owner_client, transcript, tmp_path
):
    data = wav_bytes()
    response = attach(owner_client, transcript, data)
    assert response.status_code == 302
    media = TranscriptMedia.objects.get(transcript=transcript)
    assert (media.kind, media.content_type, media.size) == ("audio", "audio/wav", len(data))
    with media_storage().open(media.file.name, "rb") as f:
        assert f.read() == data
    # In the private folder the settings name, not under STATIC_ROOT.
    assert media_storage().path(media.file.name).startswith(str(tmp_path / "media"))
    event = AuditEvent.objects.get(action="transcript.media")
    assert event.after["size"] == len(data) and event.before is None


def test_replacing_keeps_one_recording_deletes_the_old_file_and_audits_both(
    owner_client, transcript, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        attach(owner_client, transcript, wav_bytes(0.5), "first.wav")
    first = TranscriptMedia.objects.get(transcript=transcript)
    storage, old_name = media_storage(), first.file.name
    mp3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 400
    with django_capture_on_commit_callbacks(execute=True):
        attach(owner_client, transcript, mp3, "second.mp3")
    media = TranscriptMedia.objects.get(transcript=transcript)
    assert (media.original_name, media.content_type) == ("second.mp3", "audio/mpeg")
    assert not storage.exists(old_name)
    event = AuditEvent.objects.filter(action="transcript.media").order_by("-pk").first()
    assert event.before["name"] == "first.wav" and event.after["name"] == "second.mp3"


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("notes.wav", b"just some text, not audio at all" * 4, "not an audio or video file"),
        ("interview.mp3", None, "its name ends .mp3 but its content is WAV audio"),
        ("interview.ogg", None, "only .mp3, .m4a, .mp4, .wav, .webm"),
    ],
)
def test_a_wrong_file_is_refused_with_a_clear_message_and_the_old_recording_kept(
    owner_client, transcript, name, data, words
):
    attach(owner_client, transcript, wav_bytes(0.2), "kept.wav")
    response = attach(owner_client, transcript, data or wav_bytes(0.2), name)
    page = owner_client.get(response["Location"]).content.decode()
    assert words in page
    assert TranscriptMedia.objects.get(transcript=transcript).original_name == "kept.wav"


def test_a_recording_over_the_media_limit_is_refused(owner_client, transcript, settings):
    settings.WORKBENCH_MAX_MEDIA_BYTES = 1000
    response = attach(owner_client, transcript, wav_bytes(0.5))
    assert "larger than the limit" in owner_client.get(response["Location"]).content.decode()
    assert not TranscriptMedia.objects.exists()


def test_the_request_size_limit_lets_a_recording_through_up_to_the_media_limit(
    owner_client, transcript, settings
):
    settings.WORKBENCH_MAX_REQUEST_BYTES = 1000
    settings.WORKBENCH_MAX_MEDIA_BYTES = 100_000
    assert attach(owner_client, transcript, wav_bytes(0.5)).status_code == 302  # 8 kB
    assert TranscriptMedia.objects.filter(transcript=transcript).exists()
    # Other uploads keep the request limit.
    other = owner_client.post(
        reverse("studies:transcript_upload", args=[transcript.study_id]),
        {"file": SimpleUploadedFile("a.txt", b"x" * 5000)},
    )
    assert other.status_code == 413
    # Over the media limit (and its form overhead): refused before the body is read.
    assert attach(owner_client, transcript, wav_bytes(12.5)).status_code == 413  # 200 kB


def test_coders_and_viewers_cannot_attach_or_remove(coder_client, viewer_client, transcript):
    for client in (coder_client, viewer_client):
        assert attach(client, transcript, wav_bytes(0.1)).status_code == 403
        remove = reverse(
            "studies:transcript_media_remove", args=[transcript.study_id, transcript.pk]
        )
        assert client.post(remove).status_code == 403
    assert not TranscriptMedia.objects.exists()


def test_owner_removes_the_recording(owner_client, transcript, django_capture_on_commit_callbacks):
    attach(owner_client, transcript, wav_bytes(0.1))
    media = TranscriptMedia.objects.get()
    storage, name = media_storage(), media.file.name
    remove = reverse("studies:transcript_media_remove", args=[transcript.study_id, transcript.pk])
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(remove)
    assert not TranscriptMedia.objects.exists() and not storage.exists(name)
    assert AuditEvent.objects.filter(action="transcript.media_remove").count() == 1


# --- serving -------------------------------------------------------------------------------


@pytest.fixture
def recorded(owner_client, transcript):
    data = wav_bytes(1.0)  # 16,044 bytes
    attach(owner_client, transcript, data)
    return transcript, data


def test_members_play_the_whole_file_with_private_nosniff_headers(
    recorded, owner_client, coder_client, viewer_client
):
    t, data = recorded
    for client in (owner_client, coder_client, viewer_client):
        response = client.get(file_url(t))
        assert response.status_code == 200
        assert body(response) == data
        assert response["Content-Type"] == "audio/wav"
        assert response["Accept-Ranges"] == "bytes"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "private" in response["Cache-Control"]
        assert response["Content-Length"] == str(len(data))


def test_outsiders_and_members_of_another_study_get_404(recorded, outsider_client, db):
    t, _ = recorded
    assert outsider_client.get(file_url(t)).status_code == 404
    other = factories.make_study(name="Other study")
    someone = factories.make_user(username="frank")
    factories.add_member(other, someone, Role.VIEWER)
    client = Client()
    client.force_login(someone)
    assert client.get(file_url(t)).status_code == 404
    # Their own study's id with this transcript: still not found.
    url = reverse("studies:transcript_media_file", args=[other.pk, t.pk])
    assert client.get(url).status_code == 404
    assert Client().get(file_url(t)).status_code == 302  # anonymous: to the login page


def test_a_transcript_without_recording_is_404(owner_client, transcript):
    assert owner_client.get(file_url(transcript)).status_code == 404


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-99", 0, 99),  # first bytes
        ("bytes=1000-4999", 1000, 4999),  # middle
        ("bytes=-500", None, None),  # suffix: the last 500
        ("bytes=15000-", 15000, None),  # open-ended
        ("bytes=16000-999999", 16000, None),  # past the end: clipped
    ],
)
def test_byte_ranges_are_exact(recorded, coder_client, header, first, last):
    t, data = recorded
    size = len(data)
    if first is None:
        first = size - 500
    if last is None:
        last = size - 1
    response = coder_client.get(file_url(t), HTTP_RANGE=header)
    assert response.status_code == 206
    assert body(response) == data[first : last + 1]
    assert response["Content-Range"] == f"bytes {first}-{last}/{size}"
    assert response["Content-Length"] == str(last - first + 1)


@pytest.mark.parametrize("header", ["bytes=99999-", "bytes=16044-16050", "bytes=-0"])
def test_an_unsatisfiable_range_is_416(recorded, coder_client, header):
    t, data = recorded
    response = coder_client.get(file_url(t), HTTP_RANGE=header)
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(data)}"


def test_head_answers_the_headers_without_the_body(recorded, viewer_client):
    t, data = recorded
    response = viewer_client.head(file_url(t), HTTP_RANGE="bytes=10-19")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 10-19/{len(data)}"
    assert body(response) == b""
    assert viewer_client.head(file_url(t))["Content-Length"] == str(len(data))


def test_range_parsing_against_the_rfc_rules():
    assert byte_range(None, 100) is None
    assert byte_range("items=0-5", 100) is None  # another unit: the whole file
    assert byte_range("bytes=0-5,10-20", 100) is None  # several ranges: the whole file
    assert byte_range("bytes=5-2", 100) is None  # invalid: ignored
    assert byte_range("bytes=-500", 100) == (0, 99)  # suffix longer than the file
    with pytest.raises(Unsatisfiable):
        byte_range("bytes=100-", 100)


def test_sniffing_recognises_each_format_by_its_first_bytes():
    m4a = b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00" + b"\x00" * 48
    mp4 = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00" + b"\x00" * 48
    webm = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm" + b"\0" * 40
    assert sniff(m4a, "a.m4a").content_type == "audio/mp4"
    assert sniff(mp4, "a.mp4").content_type == "video/mp4"
    assert sniff(mp4, "a.m4a").content_type == "audio/mp4"
    assert sniff(webm, "a.webm").content_type == "video/webm"
    assert sniff(b"\xff\xfb\x90\x00" + b"\0" * 60, "a.mp3").content_type == "audio/mpeg"
    assert sniff(wav_bytes(0.01)[:64], "a.wav").content_type == "audio/wav"
    assert sniff(b"<html><body>" + b"\0" * 60, "a.mp3") is None


def test_object_storage_answers_a_redirect_only_after_the_access_check(
    settings, owner_client, coder_client, outsider_client, transcript
):
    """A storage that is not on this machine's disk (S3 in production; in memory here)
    is played from the URL the storage gives (a presigned one for S3), never without the
    membership check."""
    settings.STORAGES = {
        **settings.STORAGES,
        "media": {
            "BACKEND": "django.core.files.storage.InMemoryStorage",
            "OPTIONS": {"base_url": "https://bucket.example/"},
        },
    }
    attach(owner_client, transcript, wav_bytes(0.1))
    assert outsider_client.get(file_url(transcript)).status_code == 404
    response = coder_client.get(file_url(transcript))
    assert response.status_code == 302
    assert response["Location"].startswith("https://bucket.example/study-")
    assert "no-store" in response["Cache-Control"]


def test_deleting_the_transcript_deletes_its_recording_file(
    owner, transcript, django_capture_on_commit_callbacks
):
    from studies import services
    from studies.media import attach_media

    attach_media(
        transcript=transcript, upload=SimpleUploadedFile("a.wav", wav_bytes(0.1)), actor=owner
    )
    name = TranscriptMedia.objects.get().file.name
    assert media_storage().exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        services.transcript_delete(transcript=transcript, confirm="Interview 1", actor=owner)
    assert not TranscriptMedia.objects.exists()
    assert not media_storage().exists(name)


def test_the_transcript_list_marks_transcripts_with_a_recording(
    owner_client, coder_client, transcript, study
):
    factories.make_transcript(study, title="Without", text="A: hi")
    attach(owner_client, transcript, wav_bytes(0.1))
    html = coder_client.get(reverse("studies:transcript_list", args=[study.pk])).content.decode()
    assert html.count('title="Has a recording') == 1
    row = html[html.index("Interview 1") : html.index("Interview 1") + 300]
    assert "Recording</span>" in row
