"""A background export is written in the language of the person who asked for it: the job
keeps the request's language and the worker (django-tasks ``db_worker``) writes under it."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.test import override_settings
from django.utils import translation
from django_tasks_db.management.commands.db_worker import Worker

from coding.models import Job, JobStatus
from coding.retrieval.exports import EXPORT_HEADER
from studies.models import UserPreferences
from tests.coding.test_jobs import DATABASE_TASKS, download, export_url, job_files  # noqa: F401
from tests.coding.test_retrieval import build_world

ZH = {"Accept-Language": "zh-HK"}

# The worker closes stale connections between tasks, as it does in production: outside a
# test transaction (on PostgreSQL that would close the test's own), as in tests/coding/test_jobs.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(study, owner, coder, coder2, viewer):
    return build_world(study, owner, coder, coder2)


def _run_worker() -> None:
    """The worker's process: its own language is the default (English), whoever asked."""
    translation.activate("en")
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    ).run()


def _csv_header(raw: bytes) -> list[str]:
    return next(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


@override_settings(TASKS=DATABASE_TASKS, WORKBENCH_JOB_MIN_SEGMENTS=0)
def test_each_job_writes_its_requesters_language(
    world, owner, coder, owner_client, coder_client, study
):
    owner_client.get(export_url(study, "csv"), headers=ZH)
    coder_client.get(export_url(study, "csv"))
    zh_job = Job.objects.get(user=owner)
    en_job = Job.objects.get(user=coder)
    assert zh_job.language == "zh-hant" and en_job.language == "en"

    _run_worker()

    zh_job.refresh_from_db()
    en_job.refresh_from_db()
    assert zh_job.status == en_job.status == JobStatus.DONE
    zh_header = _csv_header(download(owner_client, zh_job))
    en_header = _csv_header(download(coder_client, en_job))
    assert en_header == EXPORT_HEADER
    with translation.override("zh-hant"):
        from coding.exports import header_text

        assert zh_header == header_text(EXPORT_HEADER)
    assert "編碼路徑" in zh_header and "code_path" not in zh_header


@override_settings(TASKS=DATABASE_TASKS, WORKBENCH_JOB_MIN_SEGMENTS=0)
def test_an_xlsx_job_of_a_user_who_chose_chinese_is_chinese_throughout(
    world, owner, owner_client, study
):
    UserPreferences.objects.create(user=owner, language="zh-hant")
    owner_client.post("/i18n/language/", {"language": "zh-hant", "next": "/"})
    owner_client.get(export_url(study, "xlsx"))
    job = Job.objects.get(user=owner)

    _run_worker()

    job.refresh_from_db()
    wb = openpyxl.load_workbook(io.BytesIO(download(owner_client, job)))
    assert "Segments" not in wb.sheetnames and "About" not in wb.sheetnames
    first = wb[wb.sheetnames[0]]
    header = list(next(first.iter_rows(values_only=True)))
    assert "編碼路徑" in header
    about = wb[wb.sheetnames[-1]]
    labels = [row[0] for row in about.iter_rows(values_only=True) if row and row[0]]
    assert labels and "Exported by" not in labels


@override_settings(TASKS=DATABASE_TASKS, WORKBENCH_JOB_MIN_SEGMENTS=0)
def test_a_failed_jobs_message_is_in_the_requesters_language(world, owner, owner_client, study):
    from studies.models import Membership

    owner_client.get(export_url(study, "csv"), headers=ZH)
    job = Job.objects.get(user=owner)
    Membership.objects.filter(study=study, user=owner).delete()

    _run_worker()

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "member" not in job.message and any("\u4e00" <= ch <= "\u9fff" for ch in job.message)


@override_settings(TASKS=DATABASE_TASKS, WORKBENCH_JOB_MIN_SEGMENTS=0)
def test_a_job_that_asked_for_the_column_names_keeps_them(world, owner, owner_client, study):
    owner_client.get(export_url(study, "csv") + "&headers=names", headers=ZH)
    job = Job.objects.get(user=owner)

    _run_worker()

    job.refresh_from_db()
    raw = download(owner_client, job)
    assert not raw.startswith("\ufeff".encode())
    assert _csv_header(raw) == EXPORT_HEADER
