"""What each kind of job writes (see :data:`coding.jobs.services.Runner`)."""

from __future__ import annotations

from typing import IO

from coding import refi
from coding.models import Job
from studies.access import StudyAccess


def _qdpx_job(access: StudyAccess, out: IO[bytes], progress) -> None:
    """The QDPX project of what ``access`` may see, written to ``out``.

    The one place that calls the exporter for a job; it becomes
    ``refi.write_qdpx(access, out, progress=progress)`` once that streaming writer exists."""
    progress(0, 1)
    out.write(refi.project_qdpx(access))
    progress(1, 1)


def qdpx_export(job: Job, access: StudyAccess, out: IO[bytes], progress) -> None:
    _qdpx_job(access, out, progress)


def retrieval_export(job: Job, access: StudyAccess, out: IO[bytes], progress) -> None:
    from coding.views.retrieval import retrieval_export_write

    retrieval_export_write(
        access, job.params.get("query", ""), job.params.get("fmt", "csv"), out, progress=progress
    )
