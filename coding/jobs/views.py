"""The job page (status with a progress bar, polled by htmx; a finished import's report)
and the job's download.

A job belongs to the member who started it: anyone else, and that member once they have
left the study, gets a 404, for the page and for the file alike.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseClientRedirect

from coding.jobs import runners
from coding.jobs.storage import job_storage
from coding.models import Job, JobKind, JobStatus
from studies.access import StudyAccess, get_study_for_user

JOB_TEMPLATE = "coding/jobs/job_detail.html"


def _get_job_for_user(request: HttpRequest, study_id: int, job_id: int) -> tuple[StudyAccess, Job]:
    access = get_study_for_user(request, study_id)
    job = Job.objects.filter(pk=job_id, study=access.study, user=request.user).first()
    if job is None:
        raise Http404(gettext("No such export."))
    return access, job


@login_required
@require_GET
def job_detail(request: HttpRequest, study_id: int, job_id: int) -> HttpResponse:
    access, job = _get_job_for_user(request, study_id, job_id)
    htmx = getattr(request, "htmx", None)
    if job.kind == JobKind.QDPX_IMPORT and job.finished and job.result:
        # A finished import shows its report, the page a small import answers with.
        if htmx:
            return HttpResponseClientRedirect(request.get_full_path())
        from coding.exchange.views import REPORT_TEMPLATE, report_context

        report = runners.import_report(job.result)
        status = 200 if job.status == JobStatus.DONE else 400
        return render(request, REPORT_TEMPLATE, report_context(access, report), status=status)
    ctx = {
        "study": access.study,
        "access": access,
        "job": job,
        "expired": job.expires_at <= timezone.now(),
    }
    if htmx and not htmx.history_restore_request:
        return render(request, f"{JOB_TEMPLATE}#job-status", ctx)
    return render(request, JOB_TEMPLATE, ctx)


@login_required
@require_GET
def job_download(request: HttpRequest, study_id: int, job_id: int) -> FileResponse:
    _, job = _get_job_for_user(request, study_id, job_id)
    if job.status != JobStatus.DONE or not job.file or job.expires_at <= timezone.now():
        raise Http404(gettext("This export has no file (any more)."))
    storage = job_storage()
    try:
        handle = storage.open(job.file, "rb")
    except FileNotFoundError:
        raise Http404(gettext("This export has no file (any more).")) from None
    return FileResponse(handle, as_attachment=True, filename=job.filename)


urlpatterns = [
    path("studies/<int:study_id>/jobs/<int:job_id>/", job_detail, name="job_detail"),
    path("studies/<int:study_id>/jobs/<int:job_id>/download", job_download, name="job_download"),
]
