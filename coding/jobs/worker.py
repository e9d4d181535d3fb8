"""What the worker does with a queued job (:func:`job_run`, called by the task in
:mod:`coding.jobs.tasks`): rebuild the requester's access, run the job's runner, keep its file."""

from __future__ import annotations

import logging
import secrets
import tempfile
import time
from collections.abc import Callable
from typing import IO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext

from coding.jobs import runners
from coding.jobs.progress import Progress
from coding.jobs.runners import JobRefused
from coding.jobs.storage import job_storage
from coding.models import Job, JobKind, JobStatus
from studies.access import StudyAccess, study_access

logger = logging.getLogger(__name__)

#: Progress is written to the database at most this often (seconds).
PROGRESS_INTERVAL = 0.5

# A runner writes the job's file into ``out`` (binary) for ``access``, calling
# ``progress(done, total)`` as it goes; an import returns its report (a dict) instead.
Runner = Callable[[Job, StudyAccess, IO[bytes], Progress], dict | None]


def _runner(kind: str) -> Runner:
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


def job_run(job_id: int) -> str:
    """Run a queued job in its requester's language (:attr:`Job.language`, else the
    default): its file's headers and text, and a failure's message, read as they would on
    the requester's own page."""
    language = Job.objects.filter(pk=job_id).values_list("language", flat=True).first()
    with translation.override(language or settings.LANGUAGE_CODE):
        return _job_run(job_id)


def _job_run(job_id: int) -> str:
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
        return _fail(job, gettext("You are no longer a member of this study, so nothing was done."))
    except PermissionDenied as exc:
        return _fail(job, str(exc) or gettext("You may no longer do this in this study."))
    except JobRefused as exc:
        return _fail(job, exc.message, result=exc.result)
    except ValidationError as exc:
        return _fail(job, " ".join(exc.messages))
    except Exception as exc:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        if job.kind == JobKind.QDPX_IMPORT:
            message = gettext(
                "The import stopped with an unexpected error (%(error)s). Nothing in the "
                "study was changed. Please try again; if it fails again, tell the "
                "administrator the time it happened."
            )
        else:
            message = gettext(
                "The export stopped with an unexpected error (%(error)s). Nothing in the "
                "study was changed. Please try again; if it fails again, tell the "
                "administrator the time it happened."
            )
        return _fail(job, message % {"error": type(exc).__name__})
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
