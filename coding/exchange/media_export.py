"""A transcript's recording in the project export: an ``AudioSource``/``VideoSource`` whose
``Transcript`` is the transcript's own text file, synchronised by one ``SyncPoint`` per turn
time, and the recording's file copied into the archive."""

from __future__ import annotations

import zipfile

from coding.exchange.xmlout import _clean, _timestamp, _XmlStream
from studies.media import media_storage
from studies.models import TranscriptMedia


def study_media(study) -> dict[int, TranscriptMedia]:
    """The study's recordings by transcript id, with the turn times (one query; the files are
    copied after ``project.qde``)."""
    return {
        m.transcript_id: m
        for m in TranscriptMedia.objects.filter(transcript__study=study)
        .select_related("transcript")
        .only(
            "transcript_id",
            "file",
            "kind",
            "original_name",
            "uploaded_at",
            "transcript__turn_times",
            "transcript__created_at",
        )
    }


def sync_points(media: TranscriptMedia, position, text: str) -> list[tuple[int, int]]:
    """``(position, milliseconds)`` per turn time inside the text, ``position`` counted as the
    selections count; a turn whose end is known (captions) has a second point where its line
    ends (the newline, or the end of the text), at its end time, so that a reader knows
    nothing is said between that and the next turn's start."""
    length = len(text)
    points = []
    for offset, *seconds in media.transcript.turn_times or []:
        if not 0 <= offset <= length or not seconds:
            continue
        points.append((position(offset), round(float(seconds[0]) * 1000)))
        if len(seconds) > 1:
            line_end = text.find("\n", offset)
            line_end = length if line_end < 0 else line_end
            if line_end > offset:
                points.append((position(line_end), round(float(seconds[1]) * 1000)))
    return points


def media_path(make_guid, media: TranscriptMedia) -> str:
    guid = make_guid("media", media.transcript_id)
    suffix = media.file.name.rsplit(".", 1)[-1].lower() if "." in media.file.name else "bin"
    return f"{guid}.{suffix}"


def write_media_source(
    xml: _XmlStream, make_guid, media: TranscriptMedia, title: str, text_guid: str, points
) -> None:
    """The recording as an ``AudioSource``/``VideoSource`` (``path`` in the archive);
    its ``Transcript`` is the transcript's own text file (``text_guid``), synchronised by one
    ``SyncPoint`` per turn time (``timeStamp`` ms, ``position`` as the selections count).
    The coding stays on the ``TextSource``: tools read text codings there."""
    tid = media.transcript_id
    tag = "VideoSource" if media.kind == TranscriptMedia.Kind.VIDEO else "AudioSource"
    xml.start(
        tag,
        {
            "guid": make_guid("media", tid),
            "name": _clean(media.original_name or title),
            "path": f"internal://{media_path(make_guid, media)}",
            "creationDateTime": _timestamp(media.uploaded_at),
        },
    )
    xml.start(
        "Transcript",
        {
            "guid": make_guid("media-transcript", tid),
            "name": _clean(title),
            "plainTextPath": f"internal://{text_guid}.txt",
            "creationDateTime": _timestamp(media.transcript.created_at),
        },
    )
    for n, (position, millis) in enumerate(points):
        xml.leaf(
            "SyncPoint",
            {
                "guid": make_guid("sync", f"{tid}:{n}"),
                "timeStamp": str(millis),
                "position": str(position),
            },
        )
    xml.end("Transcript")
    xml.end(tag)


def copy_media(archive: zipfile.ZipFile, make_guid, media: TranscriptMedia) -> None:
    """The recording's file, stored (not deflated: audio and video are compressed), in
    chunks from the storage."""
    info = zipfile.ZipInfo(f"sources/{media_path(make_guid, media)}")
    info.compress_type = zipfile.ZIP_STORED
    with (
        media_storage().open(media.file.name, "rb") as src,
        archive.open(info, "w", force_zip64=True) as dst,
    ):
        while chunk := src.read(1024 * 1024):
            dst.write(chunk)
