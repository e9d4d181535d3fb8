"""Starting background jobs: which exports become jobs, and the job row handed to the
queue (the worker's side is :mod:`coding.jobs.worker`, files :mod:`coding.jobs.storage`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone, translation

from coding.jobs import tasks
from coding.models import Job
from studies.access import StudyAccess


def runs_in_background(segment_count: int) -> bool:
    """True when an export of ``segment_count`` segments should be a job."""
    return segment_count > settings.WORKBENCH_JOB_MIN_SEGMENTS


def job_start(
    *, access: StudyAccess, kind: str, filename: str, params: dict[str, Any] | None = None
) -> Job:
    """Create a job for the requester of ``access`` and hand it to the task backend.

    The request's language is kept on the job: the worker writes the file in it.
    The job runs later in the worker (at once, in this thread, under the test settings'
    ImmediateBackend). Its row is committed before it is enqueued (views run in autocommit),
    so a worker never looks for a job that is not there yet."""
    job = Job(
        study=access.study,
        user=access.user,
        kind=kind,
        params=params or {},
        filename=filename,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        expires_at=timezone.now() + dt.timedelta(hours=settings.WORKBENCH_JOB_FILE_HOURS),
    )
    job.full_clean()
    job.save()
    tasks.run_job.enqueue(job.pk)
    job.refresh_from_db()
    return job
