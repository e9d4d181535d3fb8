"""The jobs' private file storage: results and uploads waiting for a worker, and their expiry.

Never under a static or media URL: files are served only by :func:`coding.jobs.views.job_download`."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core.files.storage import storages
from django.utils import timezone

from coding.models import Job


def job_storage():
    return storages["jobs"]


def job_upload(*, study_id: int, upload) -> str:
    """Keep an uploaded file in the jobs storage for a job to read; returns its name."""
    name = f"{study_id}/upload-{secrets.token_hex(8)}"
    return job_storage().save(name, upload)


def jobs_prune(*, now: dt.datetime | None = None) -> int:
    """Delete expired jobs and their files; returns how many jobs were deleted.

    Files in the storage that no job names any more (their study was deleted, say) are
    deleted too once they are older than the expiry time."""
    now = now or timezone.now()
    storage = job_storage()
    expired = Job.objects.filter(expires_at__lte=now)
    for name in expired.exclude(file="").values_list("file", flat=True):
        storage.delete(name)
    count, _ = expired.delete()
    known = set(Job.objects.exclude(file="").values_list("file", flat=True))
    cutoff = now - dt.timedelta(hours=settings.WORKBENCH_JOB_FILE_HOURS)
    try:
        folders, _ = storage.listdir("")
    except FileNotFoundError:
        return count
    for folder in folders:
        for name in storage.listdir(folder)[1]:
            path = f"{folder}/{name}"
            if path not in known and storage.get_modified_time(path) <= cutoff:
                storage.delete(path)
    return count
