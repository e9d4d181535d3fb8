"""REFI-QDA exchange pages: QDPX project and QDC codebook export, QDPX import.

Exports contain only what the requester may see (:func:`studies.access.visible_layers`):
a blind coder's export holds their own layer only. Import is for owners.
"""

from __future__ import annotations

import tempfile

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods

from coding.exchange.export import DEFAULT_TARGET, TARGETS, EmptyCodebook, codebook_qdc, write_qdpx
from coding.exchange.forms import ExportTargetForm, RefiImportForm
from coding.exchange.importer import refi_import
from coding.exchange.report import (
    COUNT_LABELS,
    RefiImportReport,
    convention_rows,
    skipped_rows,
)
from coding.jobs import services as job_services
from coding.jobs import storage as job_storage
from coding.models import JobKind, Segment
from studies.access import StudyAccess, get_study_for_user, visible_layers
from studies.imports import ImportRefused

EXCHANGE_TEMPLATE = "coding/exchange/exchange.html"
REPORT_TEMPLATE = "coding/exchange/qdpx_import_report.html"


# Above this the export is spooled to a file on disk, not held in memory.
SPOOL_MAX_BYTES = 8 * 1024 * 1024


def _filename(study, suffix: str) -> str:
    return f"{slugify(study.name) or f'study-{study.pk}'}{suffix}"


def _download(data: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@login_required
@require_GET
def exchange(request: HttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id)
    return render(
        request,
        EXCHANGE_TEMPLATE,
        {
            "study": access.study,
            "access": access,
            "tab": "exchange",
            "layers": [layer.label for layer in visible_layers(access)],
            "form": RefiImportForm() if access.is_owner else None,
            "target_form": ExportTargetForm(),
            "targets": TARGETS.values(),
        },
    )


@login_required
@require_GET
def qdpx_export(request: HttpRequest, study_id: int) -> HttpResponse:
    """``?target=`` one of :data:`coding.TARGETS` (default: code points, LF). Written
    to a spooled temporary file and streamed from it, never held whole in memory."""
    access = get_study_for_user(request, study_id)
    form = ExportTargetForm(request.GET)
    if not form.is_valid():
        return HttpResponse(
            "Unknown export target: choose one of " + ", ".join(TARGETS) + ".",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    target = form.cleaned_data["target"] or DEFAULT_TARGET
    suffix = ".qdpx" if target == DEFAULT_TARGET else f"-{target}.qdpx"
    filename = _filename(access.study, suffix)
    segments = Segment.objects.filter(
        transcript__study=access.study, layer__in=visible_layers(access)
    )
    if job_services.runs_in_background(segments.count()):
        job = job_services.job_start(
            access=access, kind=JobKind.QDPX_EXPORT, filename=filename, params={"target": target}
        )
        return redirect("coding:job_detail", access.study.pk, job.pk)
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_BYTES)  # noqa: SIM115 (closed by FileResponse)
    try:
        write_qdpx(access, spool, target=target)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return FileResponse(
        spool, as_attachment=True, filename=filename, content_type="application/zip"
    )


@login_required
@require_GET
def qdc_export(request: HttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id)
    try:
        data = codebook_qdc(access.study, access=access)
    except EmptyCodebook as exc:
        messages.error(request, str(exc))
        return redirect("coding:exchange", access.study.pk)
    return _download(data, _filename(access.study, "-codebook.qdc"), "application/xml")


@login_required
@require_http_methods(["GET", "POST"])
def qdpx_import(request: HttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, owner=True)
    study = access.study
    if request.method == "GET":
        return redirect(reverse("coding:exchange", args=[study.pk]) + "#import")
    form = RefiImportForm(request.POST, request.FILES)
    report, status = None, 400
    if form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > settings.WORKBENCH_JOB_MIN_IMPORT_BYTES:
            job = job_services.job_start(
                access=access,
                kind=JobKind.QDPX_IMPORT,
                filename=upload.name,
                params={"upload": job_storage.job_upload(study_id=study.pk, upload=upload)},
            )
            return redirect("coding:job_detail", study.pk, job.pk)
        try:
            report = refi_import(study=study, data=upload, filename=upload.name, actor=request.user)
            status = 200
        except ImportRefused as refused:
            report = refused.report
    # The report page on success too: it lists what was dropped (REFI asks importers to
    # say so). Posting the same file again is harmless: the import skips what it holds.
    return render(request, REPORT_TEMPLATE, report_context(access, report, form), status=status)


def report_context(
    access: StudyAccess, report: RefiImportReport | None, form: RefiImportForm | None = None
) -> dict:
    """What the import report page shows (also for an import run as a background job)."""
    study = access.study
    return {
        "study": study,
        "access": access,
        "tab": "exchange",
        "form": form,
        "report": report,
        "counts": [
            (label, report.counts.get(key, 0))
            for key, label in COUNT_LABELS.items()
            if report is not None and report.counts.get(key)
        ],
        "skipped": skipped_rows(report),
        "conventions": convention_rows(report),
        "back": reverse("coding:exchange", args=[study.pk]),
    }
