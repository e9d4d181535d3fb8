"""Issue 15 (gap 4): recordings in S3-compatible object storage through django-storages,
against moto's in-process S3: attached into the private bucket, played by a presigned
redirect only after the access check (outsiders 404, no URL), the presigned URL serves the
bytes (and a Range), removing the recording deletes the object."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from studies.media import attach_media, media_storage, remove_media
from studies.models import Role, TranscriptMedia
from tests import factories
from tests.studies.test_transcript_media import wav_bytes

boto3 = pytest.importorskip("boto3")
moto = pytest.importorskip("moto")
pytest.importorskip("storages")

BUCKET = "workbench-media-test"


@pytest.fixture
def s3(settings, monkeypatch):
    for name, value in (
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
    ):
        monkeypatch.setenv(name, value)
    with moto.mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        monkeypatch.setenv("WORKBENCH_MEDIA_S3_BUCKET", BUCKET)
        monkeypatch.setenv("WORKBENCH_MEDIA_S3_REGION", "us-east-1")
        from workbench.settings import _media_storage

        # The storage exactly as workbench/settings.py builds it for a named bucket.
        settings.STORAGES = {**settings.STORAGES, "media": _media_storage()}
        yield client


def keys(client) -> list[str]:
    return [o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def file_url(t) -> str:
    return reverse("studies:transcript_media_file", args=[t.study_id, t.pk])


def test_the_settings_choose_s3_when_a_bucket_is_named():
    import os
    import subprocess
    import sys

    env = {**os.environ, "WORKBENCH_MEDIA_S3_BUCKET": BUCKET, "DEBUG": "1"}
    code = (
        "import django; django.setup();"
        "from django.conf import settings; m = settings.STORAGES['media'];"
        "print(m['BACKEND'], m['OPTIONS']['bucket_name'], m['OPTIONS']['querystring_expire'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "workbench.settings"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out == ["storages.backends.s3.S3Storage", BUCKET, "300"]


def test_attach_stream_and_remove_through_s3(
    s3,
    study,
    owner,
    owner_client,
    coder_client,
    outsider_client,
    django_capture_on_commit_callbacks,
):
    from storages.backends.s3 import S3Storage

    assert isinstance(media_storage(), S3Storage)
    t = factories.make_transcript(study, title="Interview 1", text="訪問員: 你好𠮷\n")
    data = wav_bytes(0.2)
    response = owner_client.post(
        reverse("studies:transcript_media_upload", args=[study.pk, t.pk]),
        {"media": SimpleUploadedFile("interview.wav", data)},
    )
    assert response.status_code == 302
    media = TranscriptMedia.objects.get(transcript=t)
    assert keys(s3) == [f"media/{media.file.name}"]
    stored = s3.get_object(Bucket=BUCKET, Key=f"media/{media.file.name}")["Body"].read()
    assert stored == data
    # The bucket is private: no public-read ACL on the object.
    grants = s3.get_object_acl(Bucket=BUCKET, Key=f"media/{media.file.name}")["Grants"]
    assert not [g for g in grants if "AllUsers" in str(g.get("Grantee", {}))]

    # Outsiders: 404, and no URL of the object in the answer.
    denied = outsider_client.get(file_url(t))
    assert denied.status_code == 404 and "Location" not in denied
    assert BUCKET not in denied.content.decode("utf-8", "replace")

    # A coder: a redirect to a presigned URL that expires.
    played = coder_client.get(file_url(t))
    assert played.status_code == 302
    location = played["Location"]
    query = parse_qs(urlsplit(location).query)
    assert BUCKET in location and media.file.name in location, location
    assert query["X-Amz-Expires"] == ["300"] and "X-Amz-Signature" in query, location
    assert "no-store" in played["Cache-Control"]
    # The presigned URL serves the bytes, and a Range (seeking).
    import requests

    whole = requests.get(location, timeout=10)
    assert whole.status_code == 200 and whole.content == data
    part = requests.get(location, headers={"Range": "bytes=10-19"}, timeout=10)
    assert part.status_code == 206 and part.content == data[10:20]
    # An unsigned URL of the same object is refused.
    bare = location.split("?", 1)[0]
    assert requests.get(bare, timeout=10).status_code == 403

    # Replacing deletes the old object; removing deletes the last one.
    with django_capture_on_commit_callbacks(execute=True):
        attach_media(
            transcript=t, upload=SimpleUploadedFile("again.wav", wav_bytes(0.1)), actor=owner
        )
    assert keys(s3) == [f"media/{TranscriptMedia.objects.get(transcript=t).file.name}"]
    with django_capture_on_commit_callbacks(execute=True):
        assert remove_media(transcript=t, actor=owner)
    assert keys(s3) == []
    assert coder_client.get(file_url(t)).status_code == 404


def test_a_member_of_another_study_gets_no_presigned_url(s3, study, owner, db):
    t = factories.make_transcript(study, title="Interview 1", text="A: hi\n")
    attach_media(transcript=t, upload=SimpleUploadedFile("a.wav", wav_bytes(0.1)), actor=owner)
    other = factories.make_study(name="Other")
    stranger = factories.make_user(username="stranger")
    factories.add_member(other, stranger, Role.OWNER)
    from django.test import Client

    client = Client()
    client.force_login(stranger)
    response = client.get(file_url(t))
    assert response.status_code == 404 and "Location" not in response


def test_a_qdpx_recording_is_imported_into_the_bucket(s3, study, owner, settings, tmp_path):
    """The import streams the archive's recording into S3 as an upload would go."""
    from coding.exchange.export import project_qdpx
    from coding.exchange.importer import refi_import
    from studies.access import study_access

    t = factories.make_transcript(study, title="Interview 1", text="A: hi\nB: 你好𠮷")
    t.turn_times = [[0, 0, 1.5], [6, 2, 3.25]]
    t.save(update_fields=["turn_times"])
    data = wav_bytes(0.2)
    attach_media(transcript=t, upload=SimpleUploadedFile("a.wav", data), actor=owner)
    qdpx = project_qdpx(study_access(owner, study.pk))
    other = factories.make_study(name="Other")
    report = refi_import(study=other, data=qdpx, filename="a.qdpx", actor=owner)
    assert report.counts["recordings_imported"] == 1
    copy = other.transcripts.get(title="Interview 1")
    assert copy.turn_times == [[0, 0, 1.5], [6, 2, 3.25]]
    key = f"media/{copy.media.file.name}"
    assert key in keys(s3) and len(keys(s3)) == 2
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == data
