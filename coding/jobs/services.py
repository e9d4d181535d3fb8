"""Starting, running and pruning background jobs (see :mod:`coding.jobs`)."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import storages
from django.http import Http404
from django.utils import timezone

from coding.models import Job, JobKind, JobStatus
from studies.access import StudyAccess, study_access

logger = logging.getLogger(__name__)

#: Progress is written to the database at most this often (seconds).
PROGRESS_INTERVAL = 0.5

Progress = Callable[[int, int], None]
# A runner writes the job's file into ``out`` (binary) for ``access``, calling
# ``progress(done, total)`` as it goes; an import returns its report (a dict) instead.
Runner = Callable[[Job, StudyAccess, IO[bytes], Progress], dict | None]


def job_storage():
    return storages["jobs"]


def runs_in_background(segment_count: int) -> bool:
    """True when an export of ``segment_count`` segments should be a job."""
    return segment_count > settings.WORKBENCH_JOB_MIN_SEGMENTS


def job_start(
    *, access: StudyAccess, kind: str, filename: str, params: dict[str, Any] | None = None
) -> Job:
    """Create a job for the requester of ``access`` and hand it to the task backend.

    The job runs later in the worker (at once, in this thread, under the test settings'
    ImmediateBackend). Its row is committed before it is enqueued (views run in autocommit),
    so a worker never looks for a job that is not there yet."""
    from coding.jobs import tasks

    job = Job(
        study=access.study,
        user=access.user,
        kind=kind,
        params=params or {},
        filename=filename,
        expires_at=timezone.now() + dt.timedelta(hours=settings.WORKBENCH_JOB_FILE_HOURS),
    )
    job.full_clean()
    job.save()
    tasks.run_job.enqueue(job.pk)
    job.refresh_from_db()
    return job


def _runner(kind: str) -> Runner:
    # Imported here: the runners live beside the views they share filters with.
    from coding.jobs import runners

    return {
        JobKind.QDPX_EXPORT: runners.qdpx_export,
        JobKind.RETRIEVAL_CSV: runners.retrieval_export,
        JobKind.RETRIEVAL_XLSX: runners.retrieval_export,
        JobKind.QDPX_IMPORT: runners.qdpx_import,
    }[kind]


class _Progress:
    """``progress(done, total)``, written to the job row at most every PROGRESS_INTERVAL."""

    def __init__(self, job: Job):
        self.job = job
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_INTERVAL and done < total:
            return
        self.last = now
        Job.objects.filter(pk=self.job.pk).update(done=done, total=total)


def counted(rows: Iterable[Any], total: int, progress: Progress) -> Iterator[Any]:
    """``rows`` unchanged, reporting ``progress(n, total)`` as they are consumed."""
    n = 0
    progress(0, total)
    for row in rows:
        yield row
        n += 1
        if n % 500 == 0:
            progress(n, total)
    progress(n, max(total, n))


class JobRefused(Exception):
    """Raised by a runner when the work was refused as a whole (an import with errors):
    the job fails with ``message`` and keeps ``result`` (the report) for the job page."""

    def __init__(self, message: str, result: dict):
        super().__init__(message)
        self.message = message
        self.result = result


def job_run(job_id: int) -> str:
    """Run a queued job: write its file to the jobs storage and mark it done or failed.

    The requester's access is rebuilt from their membership now, so the file holds what
    they may see when it is made (a blind coder's export, their own layer). Errors are
    kept on the job as a message for the person who asked; an export writes nothing to the
    study and an import is all or nothing. An import's uploaded file is deleted once it has
    been read, whatever the outcome. Returns the job's final status."""
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING
    )
    if not claimed:
        return "skipped"
    job = Job.objects.select_related("study", "user").get(pk=job_id)
    storage = job_storage()
    stored, size = "", 0
    try:
        access = study_access(job.user, job.study_id)
        with tempfile.TemporaryFile() as out:
            result = _runner(job.kind)(job, access, out, _Progress(job))
            if result is None:
                size = out.tell()
                out.seek(0)
                name = f"{job.study_id}/{job.pk}-{secrets.token_hex(8)}-{job.filename}"
                stored = storage.save(name, File(out, name=job.filename))
    except Http404:
        return _fail(job, "You are no longer a member of this study, so nothing was done.")
    except PermissionDenied as exc:
        return _fail(job, str(exc) or "You may no longer do this in this study.")
    except JobRefused as exc:
        return _fail(job, exc.message, result=exc.result)
    except ValidationError as exc:
        return _fail(job, " ".join(exc.messages))
    except Exception as exc:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        what = "import" if job.kind == JobKind.QDPX_IMPORT else "export"
        return _fail(
            job,
            f"The {what} stopped with an unexpected error ({type(exc).__name__}). Nothing in "
            "the study was changed. Please try again; if it fails again, tell the "
            "administrator the time it happened.",
        )
    finally:
        if job.params.get("upload"):
            storage.delete(job.params["upload"])
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.DONE,
        file=stored,
        size=size,
        result=result or {},
        finished_at=timezone.now(),
    )
    return JobStatus.DONE


def _fail(job: Job, message: str, *, result: dict | None = None) -> str:
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.FAILED, message=message, result=result or {}, finished_at=timezone.now()
    )
    return JobStatus.FAILED


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
