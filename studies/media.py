"""Transcripts' recordings: what a file is (by its content), storing and replacing one, and
the byte ranges the serving view answers (studies/media_views.py).

A recording is one :class:`studies.models.TranscriptMedia` per transcript. Its type is read
from the first bytes, never from the name or the browser's claim: MP3 (an ID3 tag or an
MPEG audio frame), M4A/MP4 (an ISO-BMFF ``ftyp`` box), WAV (RIFF/WAVE), WebM (EBML with
the ``webm`` doctype). Uploads stream to the storage in chunks (Django spools files over
FILE_UPLOAD_MAX_MEMORY_SIZE to disk); the size limit is WORKBENCH_MAX_MEDIA_BYTES.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from studies.models import Transcript, TranscriptMedia

#: name ending → the family the content must be.
EXTENSIONS = {
    ".mp3": "mp3",
    ".m4a": "mp4",
    ".mp4": "mp4",
    ".wav": "wav",
    ".webm": "webm",
}
ACCEPT = ",".join(EXTENSIONS) + ",audio/*,video/*"

_FAMILY_WORDS = {
    "mp3": gettext_lazy("MP3 audio"),
    "mp4": "MP4/M4A",
    "wav": gettext_lazy("WAV audio"),
    "webm": "WebM",
}


@dataclass(frozen=True)
class Sniffed:
    family: str  # mp3, mp4, wav, webm
    content_type: str
    kind: str  # audio, video


def sniff(head: bytes, filename: str) -> Sniffed | None:
    """The media type of a file from its first bytes (at least 64), or None."""
    audio_name = filename.lower().endswith(".m4a")
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return Sniffed("mp3", "audio/mpeg", "audio")
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if audio_name or brand in (b"M4A ", b"M4B ", b"M4P "):
            return Sniffed("mp4", "audio/mp4", "audio")
        return Sniffed("mp4", "video/mp4", "video")
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return Sniffed("wav", "audio/wav", "audio")
    if head[:4] == b"\x1a\x45\xdf\xa3" and b"webm" in head[:64]:
        return Sniffed("webm", "video/webm", "video")
    return None


def check_upload(upload) -> Sniffed:
    """The type of an uploaded recording, or ValidationError with what to do."""
    name = upload.name or "recording"
    suffix = PurePosixPath(name.lower()).suffix
    limit = settings.WORKBENCH_MAX_MEDIA_BYTES
    if upload.size > limit:
        raise ValidationError(
            _(
                "%(name)s: %(size).1f MB is larger than the limit of %(limit).0f MB for a "
                "recording. Nothing was changed."
            )
            % {"name": name, "size": upload.size / 1e6, "limit": limit / 1e6}
        )
    if suffix not in EXTENSIONS:
        raise ValidationError(
            _("%(name)s: only %(kinds)s recordings can be attached. Nothing was changed.")
            % {"name": name, "kinds": ", ".join(EXTENSIONS)}
        )
    upload.seek(0)
    head = upload.read(64)
    upload.seek(0)
    found = sniff(head, name)
    if found is None:
        raise ValidationError(
            _(
                "%(name)s: is not an audio or video file this page can play (its content is "
                "not %(kinds)s). Nothing was changed."
            )
            % {"name": name, "kinds": ", ".join(str(w) for w in _FAMILY_WORDS.values())}
        )
    if found.family != EXTENSIONS[suffix]:
        raise ValidationError(
            _(
                "%(name)s: its name ends %(suffix)s but its content is %(kind)s: rename it to "
                "match, or export it again. Nothing was changed."
            )
            % {"name": name, "suffix": suffix, "kind": _FAMILY_WORDS[found.family]}
        )
    return found


def media_storage():
    """The ``media`` storage of settings.STORAGES, looked up at each use (the model field's
    own storage is fixed when the model loads, so it would miss a changed setting)."""
    from django.core.files.storage import storages

    return storages["media"]


def _stored_name(transcript: Transcript, suffix: str) -> str:
    return f"study-{transcript.study_id}/transcript-{transcript.pk}{suffix}"


def attach_media(*, transcript: Transcript, upload, actor) -> TranscriptMedia:
    """Store ``upload`` as the transcript's recording (replacing the one before, whose file
    is deleted once the change is committed). Audited as ``transcript.media``."""
    from coding.audit import audit

    found = check_upload(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    suffix = PurePosixPath(upload.name.lower()).suffix
    storage = media_storage()
    stored = storage.save(_stored_name(transcript, suffix), upload)  # in chunks
    try:
        with transaction.atomic():
            old = TranscriptMedia.objects.filter(transcript=transcript).first()
            before = _snapshot(old) if old else None
            media = old or TranscriptMedia(transcript=transcript)
            old_name = old.file.name if old else None
            media.file.name = stored
            media.kind = found.kind
            media.content_type = found.content_type
            media.original_name = upload.name[:255]
            media.size = upload.size
            media.sha256 = digest.hexdigest()
            media.uploaded_by = actor
            media.save()
            audit(
                study=transcript.study,
                actor=actor,
                action="transcript.media",
                obj=transcript,
                before=before,
                after=_snapshot(media),
            )
            if old_name and old_name != stored:
                transaction.on_commit(lambda: storage.delete(old_name))
    except Exception:
        storage.delete(stored)
        raise
    return media


def remove_media(*, transcript: Transcript, actor) -> bool:
    """Detach and delete the transcript's recording (audited); False when there was none."""
    from coding.audit import audit

    media = TranscriptMedia.objects.filter(transcript=transcript).first()
    if media is None:
        return False
    with transaction.atomic():
        audit(
            study=transcript.study,
            actor=actor,
            action="transcript.media_remove",
            obj=transcript,
            before=_snapshot(media),
            after=None,
        )
        media.delete()  # the file goes once committed (_delete_file)
    return True


@receiver(post_delete, sender=TranscriptMedia)
def _delete_file(sender, instance: TranscriptMedia, **kwargs) -> None:
    """A recording's row deleted (removed, or its transcript, participant or study deleted):
    its file goes too, once the deletion is committed (a rolled-back one keeps it)."""
    name = instance.file.name
    if name:
        transaction.on_commit(lambda: media_storage().delete(name))


def _snapshot(media: TranscriptMedia) -> dict:
    return {
        "name": media.original_name,
        "content_type": media.content_type,
        "size": media.size,
        "sha256": media.sha256,
    }


# --- byte ranges --------------------------------------------------------------------------

_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$")


class Unsatisfiable(Exception):
    """A Range header no byte of the file satisfies (answered 416)."""


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """``(first, last)`` inclusive for a single-range ``Range`` header, None to answer the
    whole file (no header, another unit, several ranges, or a malformed one, which RFC 9110
    lets a server ignore); Unsatisfiable when the range lies outside the file."""
    if not header:
        return None
    match = _RANGE.match(header)
    if match is None:
        return None
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":  # suffix: the last N bytes
        n = int(last)
        if n == 0 or size == 0:
            raise Unsatisfiable
        return max(0, size - n), size - 1
    start = int(first)
    end = size - 1 if last == "" else min(int(last), size - 1)
    if last != "" and int(last) < start:
        return None  # invalid: ignored
    if start >= size:
        raise Unsatisfiable
    return start, end
