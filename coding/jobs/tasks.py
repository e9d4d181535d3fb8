"""The one task of the worker: run a job (see :func:`coding.jobs.worker.job_run`)."""

from __future__ import annotations

from django_tasks import task

from coding.jobs import worker


@task()
def run_job(job_id: int) -> str:
    return worker.job_run(job_id)
