"""What each kind of job writes (see :data:`coding.jobs.worker.Runner`)."""

from __future__ import annotations

from typing import IO

from django.utils.translation import ngettext

from coding.exchange.export import DEFAULT_TARGET, write_qdpx
from coding.exchange.importer import refi_import
from coding.exchange.report import RefiImportReport
from coding.jobs.storage import job_storage
from coding.models import Job
from studies.access import StudyAccess


class JobRefused(Exception):
    """Raised by a runner when the work was refused as a whole (an import with errors):
    the job fails with ``message`` and keeps ``result`` (the report) for the job page."""

    def __init__(self, message: str, result: dict):
        super().__init__(message)
        self.message = message
        self.result = result


def qdpx_export(job: Job, access: StudyAccess, out: IO[bytes], progress) -> None:
    """The QDPX project of what ``access`` may see, for the tool the user chose, streamed
    to ``out`` (progress after each transcript)."""
    target = job.params.get("target") or DEFAULT_TARGET
    write_qdpx(access, out, target=target, progress=progress)


def retrieval_export(job: Job, access: StudyAccess, out: IO[bytes], progress) -> None:
    from coding.retrieval.exports import export_write

    export_write(
        access, job.params.get("query", ""), job.params.get("fmt", "csv"), out, progress=progress
    )


def qdpx_import(job: Job, access: StudyAccess, out: IO[bytes], progress) -> dict:
    """Import the uploaded REFI-QDA file (all or nothing); returns the report as a dict.

    The owner's right to import is checked again now (PermissionDenied otherwise)."""
    from dataclasses import asdict

    from studies.imports import ImportRefused

    access.require_owner()
    progress(0, 1)
    with job_storage().open(job.params["upload"], "rb") as upload:
        try:
            report = refi_import(
                study=access.study, data=upload, filename=job.filename, actor=access.user
            )
        except ImportRefused as refused:
            n = len(refused.report.errors)
            raise JobRefused(
                ngettext(
                    "Nothing was imported: %(n)d problem found.",
                    "Nothing was imported: %(n)d problems found.",
                    n,
                )
                % {"n": n},
                asdict(refused.report),
            ) from None
    progress(1, 1)
    return asdict(report)


def import_report(result: dict) -> RefiImportReport:
    """The import report a job kept (:func:`qdpx_import`) as the object the page shows."""
    from studies.imports import RowError

    fields = dict(result)
    fields["errors"] = [RowError(**e) for e in fields.get("errors", [])]
    return RefiImportReport(**fields)
