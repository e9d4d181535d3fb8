"""A transcript's recording: attach or replace it, remove it (owners), and play it (every
member who may read the transcript: studies/access.py ``get_transcript_media``).

Played through the app only. On local disk the view streams the file with single-range
support (206, Content-Range, Accept-Ranges; 416 outside the file; HEAD); with S3 storage it
answers, after the same access check, a redirect to a presigned URL valid for
WORKBENCH_MEDIA_URL_SECONDS (the bucket stays private; nothing has a public URL).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from studies.access import get_study_for_user, get_transcript, get_transcript_media
from studies.media import Unsatisfiable, attach_media, byte_range, media_storage, remove_media

CHUNK = 64 * 1024


@login_required
@require_POST
def transcript_media_upload(request: HttpRequest, study_id: int, pk: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, owner=True)
    transcript = get_transcript(access, pk, with_text=False, related=False)
    upload = request.FILES.get("media")
    if upload is None:
        messages.error(request, _("Choose an audio or video file to attach."))
    else:
        try:
            media = attach_media(transcript=transcript, upload=upload, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("Recording “%(name)s” attached.") % {"name": media.original_name}
            )
    return redirect("studies:transcript_edit", access.study.pk, transcript.pk)


@login_required
@require_POST
def transcript_media_remove(request: HttpRequest, study_id: int, pk: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, owner=True)
    transcript = get_transcript(access, pk, with_text=False, related=False)
    if remove_media(transcript=transcript, actor=request.user):
        messages.success(request, _("Recording removed. The audit log records which file it was."))
    return redirect("studies:transcript_edit", access.study.pk, transcript.pk)


def _file_chunks(handle, remaining: int):
    try:
        while remaining > 0:
            data = handle.read(min(CHUNK, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data
    finally:
        handle.close()


def _local(storage) -> bool:
    """Whether the storage keeps files on this machine's disk: then the view streams them
    itself; any other (S3) answers a redirect to its own, presigned, URL."""
    from django.core.files.storage import FileSystemStorage

    return isinstance(storage, FileSystemStorage)


@login_required
@require_http_methods(["GET", "HEAD"])
def transcript_media_file(request: HttpRequest, study_id: int, pk: int) -> HttpResponse:
    access = get_study_for_user(request, study_id)
    media = get_transcript_media(access, pk)
    storage = media_storage()
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": "inline",
    }
    if not _local(storage):  # object storage: a short-lived presigned URL
        response = HttpResponseRedirect(storage.url(media.file.name), headers=headers)
        response["Cache-Control"] = "private, no-store"
        return response
    size = media.size
    headers["Accept-Ranges"] = "bytes"
    try:
        span = byte_range(request.headers.get("Range"), size)
    except Unsatisfiable:
        response = HttpResponse(status=416, headers=headers)
        response["Content-Range"] = f"bytes */{size}"
        return response
    first, last = span if span else (0, size - 1)
    length = last - first + 1 if size else 0
    headers["Content-Length"] = str(length)
    if span:
        headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    status = 206 if span else 200
    if request.method == "HEAD":
        response = HttpResponse(status=status, content_type=media.content_type, headers=headers)
    else:
        handle = storage.open(media.file.name, "rb")
        handle.seek(first)
        response = StreamingHttpResponse(
            _file_chunks(handle, length),
            status=status,
            content_type=media.content_type,
            headers=headers,
        )
    response["Cache-Control"] = "private"
    return response
