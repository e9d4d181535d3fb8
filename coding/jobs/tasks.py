"""The one task of the worker: run a job (see :func:`coding.jobs.services.job_run`)."""

from __future__ import annotations

from django_tasks import task

from coding.jobs import services


@task()
def run_job(job_id: int) -> str:
    return services.job_run(job_id)
