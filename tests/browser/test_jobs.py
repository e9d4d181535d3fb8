from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pytest
from django.urls import reverse
from django_tasks_db.management.commands.db_worker import Worker

from coding.models import Job, JobStatus, Segment
from studies.models import Role
from tests import factories
from tests.coding.test_retrieval import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def queued_jobs(settings, tmp_path):
    """Exports become jobs on the database queue, run when the test says (the worker)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.WORKBENCH_JOB_MIN_SEGMENTS = 0
    settings.STORAGES = {
        **settings.STORAGES,
        "jobs": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "jobs")},
        },
    }


def run_the_worker() -> None:
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="browser-test",
        excluded_queue_names=[],
    ).run()


def download_when_ready(page) -> bytes:
    link = page.get_by_role("link", name=re.compile(r"^Download "))
    link.wait_for(timeout=10_000)  # the status polls every second
    with page.expect_download() as info:
        link.click()
    with open(info.value.path(), "rb") as handle:
        return handle.read()


def test_a_pi_exports_the_project_and_the_segments_in_the_background(
    page, login_as, study, owner, coder, coder2, queued_jobs
):
    world = build_world(study, owner, coder, coder2)
    login_as(owner)

    # The PI asks for the whole project and sees the job waiting, with a progress bar.
    page.goto(reverse("coding:exchange", args=[study.pk]))
    page.get_by_role("button", name="Download project.qdpx").click()
    page.get_by_role("status").filter(has_text="Waiting to start").wait_for()
    assert page.get_by_role("progressbar", name="Progress").is_visible()
    page.screenshot(path="/tmp/jobs-qdpx-waiting.png", full_page=True)

    # The worker runs it; the page notices by itself and offers the file.
    run_the_worker()
    data = download_when_ready(page)
    page.screenshot(path="/tmp/jobs-qdpx-ready.png", full_page=True)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        project = archive.read("project.qde").decode("utf-8")
    assert project.count("<PlainTextSelection ") == Segment.objects.count()

    # The same for the XLSX of a code and its subcodes from coded retrieval.
    stigma = world.codes.stigma
    page.goto(reverse("coding:retrieval", args=[study.pk]) + f"?code={stigma.pk}&subtree=1")
    page.get_by_role("link", name="XLSX").click()
    page.get_by_role("status").filter(has_text="Waiting to start").wait_for()
    run_the_worker()
    data = download_when_ready(page)
    sheet = openpyxl.load_workbook(io.BytesIO(data))["Segments"]
    ids = {row[10] for row in sheet.iter_rows(min_row=2, values_only=True)}
    subtree = [stigma, world.codes.shame, world.codes.self_]
    assert ids == set(Segment.objects.filter(code__in=subtree).values_list("pk", flat=True))
    assert Job.objects.filter(user=owner, status=JobStatus.DONE).count() == 2

    # A viewer of another study can fetch neither the job page nor its file.
    other_study = factories.make_study(name="Another study")
    stranger = factories.make_user(username="stranger")
    factories.add_member(other_study, stranger, Role.VIEWER)
    job = Job.objects.filter(user=owner).first()
    login_as(stranger)
    for name in ("coding:job_detail", "coding:job_download"):
        response = page.request.get(reverse(name, args=[study.pk, job.pk]))
        assert response.status in (403, 404)
        response = page.request.get(reverse(name, args=[other_study.pk, job.pk]))
        assert response.status == 404
