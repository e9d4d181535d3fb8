from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import openpyxl
import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from coding.jobs import storage as job_storage
from coding.jobs import worker as job_worker
from coding.models import Code, Job, JobKind, JobStatus, Segment
from coding.retrieval.exports import EXPORT_HEADER
from coding.retrieval.selectors import RetrievalFilters
from studies.models import Membership
from tests import factories
from tests.coding.test_retrieval import build_world

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture(autouse=True)
def job_files(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "jobs": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "jobs")},
        },
    }
    return tmp_path / "jobs"


@pytest.fixture
def background(settings):
    """Every export is big enough for a job."""
    settings.WORKBENCH_JOB_MIN_SEGMENTS = 0


@pytest.fixture
def world(study, owner, coder, coder2, viewer):
    return build_world(study, owner, coder, coder2)


def export_url(study, fmt, **params):
    base = reverse("coding:retrieval_export", args=[study.pk, fmt])
    return base + "?" + RetrievalFilters(**params).query()


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def the_job(user) -> Job:
    return Job.objects.filter(user=user).latest("pk")


def download(client, job) -> bytes:
    response = client.get(reverse("coding:job_download", args=[job.study_id, job.pk]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert job.filename in response["Content-Disposition"]
    return body(response)


def code_path(code: Code) -> str:
    names = []
    while code is not None:
        names.append(code.name)
        code = code.parent
    return " > ".join(reversed(names))


def expected_csv_rows(segments) -> list[list[str]]:
    """The export's rows computed from the segments one by one, as the CSV writes cells."""
    rows = []
    for seg in segments:
        t = seg.transcript
        p = t.participant
        layer = seg.layer
        rows.append(
            [
                code_path(seg.code),
                p.group.name if p and p.group else "",
                t.wave.name if t.wave else "",
                p.pseudonym if p else "",
                t.title,
                layer.user.username if layer.user else (layer.name or "consensus"),
                str(seg.start),
                str(seg.end),
                seg.quote,
                seg.memo,
                str(seg.pk),
                timezone.localtime(seg.created_at).replace(microsecond=0).isoformat(),
                "yes" if seg.needs_review else "no",
                seg.quote_at_coding,
                "",  # codebook_version: no version frozen in this world
            ]
        )
    return rows


def read_csv(raw: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))


def test_the_all_segments_csv_matches_the_raw_segments(world, owner_client, study):
    rows = read_csv(body(owner_client.get(export_url(study, "csv"))))
    assert rows[0] == EXPORT_HEADER
    segments = Segment.objects.filter(transcript__study=study).order_by("pk")
    expected = expected_csv_rows(segments)
    # The layer column of the consensus layer reads "Consensus"; others as computed.
    got = sorted(rows[1:], key=lambda r: int(r[10]))
    assert len(got) == len(expected) == segments.count()
    for row, want in zip(got, expected, strict=True):
        if want[5] == "consensus":
            want[5] = row[5]
            assert row[5].lower().startswith("consensus")
        assert row == want


def test_a_big_csv_export_runs_as_a_job_and_downloads_the_same_file(
    world, owner_client, owner, study, background, settings
):
    response = owner_client.get(export_url(study, "csv"))
    job = the_job(owner)
    assert response.status_code == 302
    assert response["Location"] == reverse("coding:job_detail", args=[study.pk, job.pk])
    assert job.kind == JobKind.RETRIEVAL_CSV
    assert job.status == JobStatus.DONE
    assert job.done == job.total == Segment.objects.filter(transcript__study=study).count()
    page = owner_client.get(response["Location"])
    assert "Ready" in page.content.decode()
    assert reverse("coding:job_download", args=[study.pk, job.pk]) in page.content.decode()
    assert 'hx-trigger="every 1s"' not in page.content.decode()  # polling stops
    from_job = download(owner_client, job)
    settings.WORKBENCH_JOB_MIN_SEGMENTS = 10**9
    assert from_job == body(owner_client.get(export_url(study, "csv")))


def test_a_job_keeps_the_filters(world, owner_client, owner, study, background):
    owner_client.get(export_url(study, "csv", code=world.codes.shame.pk, layer="bob"))
    rows = read_csv(download(owner_client, the_job(owner)))
    ids = {int(r[10]) for r in rows[1:]}
    layer = world.layers["bob"]
    assert ids == set(
        Segment.objects.filter(code=world.codes.shame, layer=layer).values_list("pk", flat=True)
    )


def test_a_big_xlsx_export_runs_as_a_job(world, owner_client, owner, study, background):
    response = owner_client.get(export_url(study, "xlsx"))
    assert response.status_code == 302
    job = the_job(owner)
    assert job.status == JobStatus.DONE and job.filename.endswith(".xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(download(owner_client, job)))
    sheet = list(wb["Segments"].iter_rows(values_only=True))
    assert list(sheet[0]) == EXPORT_HEADER
    ids = {row[10] for row in sheet[1:]}
    assert ids == set(Segment.objects.filter(transcript__study=study).values_list("pk", flat=True))
    about = dict(wb["About"].iter_rows(values_only=True))
    assert about["Exported by"] == "alice"


def test_a_big_qdpx_export_runs_as_a_job(world, owner_client, owner, study, background):
    response = owner_client.get(reverse("coding:qdpx_export", args=[study.pk]))
    assert response.status_code == 302
    job = the_job(owner)
    assert job.kind == JobKind.QDPX_EXPORT and job.status == JobStatus.DONE
    with zipfile.ZipFile(io.BytesIO(download(owner_client, job))) as archive:
        project = archive.read("project.qde").decode("utf-8")
    assert (
        project.count("<PlainTextSelection ")
        == Segment.objects.filter(transcript__study=study).count()
    )


def test_a_blind_coders_job_holds_their_own_layer_only(
    world, coder_client, coder, study, background
):
    study.blind_coding = True
    study.save()
    coder_client.get(export_url(study, "csv"))
    rows = read_csv(download(coder_client, the_job(coder)))
    assert rows[1:]
    assert {r[5] for r in rows[1:]} == {"bob"}
    coder_client.get(reverse("coding:qdpx_export", args=[study.pk]))
    with zipfile.ZipFile(io.BytesIO(download(coder_client, the_job(coder)))) as archive:
        project = archive.read("project.qde").decode("utf-8")
    assert "erin memo" not in project and "consensus memo" not in project
    assert "bob memo" in project


def test_nobody_else_sees_the_job_or_its_file(
    world, owner_client, owner, persona_clients, study, background, client
):
    owner_client.get(export_url(study, "csv"))
    job = the_job(owner)
    for name in ("coder", "viewer", "outsider"):
        other = persona_clients[name]
        for view in ("coding:job_detail", "coding:job_download"):
            assert other.get(reverse(view, args=[study.pk, job.pk])).status_code == 404, name
    response = client.get(reverse("coding:job_download", args=[study.pk, job.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_member_who_left_cannot_download(world, owner_client, owner, study, background):
    owner_client.get(export_url(study, "csv"))
    job = the_job(owner)
    Membership.objects.filter(study=study, user=owner).delete()
    assert (
        owner_client.get(reverse("coding:job_download", args=[study.pk, job.pk])).status_code == 404
    )


def test_the_file_is_not_under_a_public_url(
    world, owner_client, owner, study, background, job_files, settings
):
    owner_client.get(export_url(study, "csv"))
    job = the_job(owner)
    assert (job_files / job.file).is_file()
    assert (
        not (job_files / job.file)
        .resolve()
        .is_relative_to(__import__("django.conf").conf.settings.BASE_DIR / "static")
    )


def test_an_expired_file_is_gone_and_pruned(
    world, owner_client, owner, study, background, job_files
):
    owner_client.get(export_url(study, "csv"))
    job = the_job(owner)
    path = job_files / job.file
    Job.objects.filter(pk=job.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert (
        owner_client.get(reverse("coding:job_download", args=[study.pk, job.pk])).status_code == 404
    )
    assert (
        "expired"
        in owner_client.get(reverse("coding:job_detail", args=[study.pk, job.pk])).content.decode()
    )
    assert job_storage.jobs_prune() == 1
    assert not path.exists()
    assert not Job.objects.filter(pk=job.pk).exists()


def test_a_failed_job_says_why_and_changes_nothing(
    world, owner_client, owner, study, background, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("coding.jobs.runners.retrieval_export", broken)
    before = Segment.objects.count()
    response = owner_client.get(export_url(study, "csv"))
    job = the_job(owner)
    assert job.status == JobStatus.FAILED
    assert "unexpected error (RuntimeError)" in job.message
    page = owner_client.get(response["Location"]).content.decode()
    assert "The export failed" in page and "Nothing in the study was changed" in page
    assert (
        owner_client.get(reverse("coding:job_download", args=[study.pk, job.pk])).status_code == 404
    )
    assert Segment.objects.count() == before


# The worker closes stale connections between tasks, as it does in production: outside a
# test transaction (on PostgreSQL that would close the test's own).
@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DATABASE_TASKS)
def test_the_database_queue_runs_the_job_in_the_worker(
    world, owner_client, owner, study, background
):
    response = owner_client.get(export_url(study, "csv"))
    job = the_job(owner)
    assert job.status == JobStatus.QUEUED
    task = DBTaskResult.objects.get()
    assert task.task_path == "coding.jobs.tasks.run_job"
    page = owner_client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in page
    assert "Waiting to start" in page and 'hx-trigger="every 1s"' in page
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
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    task.refresh_from_db()
    assert task.status == "SUCCESSFUL"
    rows = read_csv(download(owner_client, job))
    assert len(rows) - 1 == Segment.objects.filter(transcript__study=study).count()


@override_settings(TASKS=DATABASE_TASKS)
def test_a_filter_that_vanished_before_the_worker_ran_fails_clearly(
    world, owner_client, owner, study, background
):
    code = world.codes.hope
    code_id = code.pk
    owner_client.get(export_url(study, "csv", code=code_id))
    Segment.objects.filter(code=code).delete()
    code.delete()
    job_worker.job_run(the_job(owner).pk)
    job = the_job(owner)
    assert job.status == JobStatus.FAILED
    assert job.message == f"There is no code “{code_id}” in this study."


def test_a_small_export_is_answered_at_once(world, owner_client, owner, study):
    response = owner_client.get(export_url(study, "csv"))
    assert response.status_code == 200
    assert not Job.objects.exists()


def test_job_page_query_count(
    world, owner_client, owner, study, background, django_assert_num_queries
):
    owner_client.get(export_url(study, "csv"))
    job = the_job(owner)
    url = reverse("coding:job_detail", args=[study.pk, job.pk])
    # session, user, membership, job.
    with django_assert_num_queries(4):
        owner_client.get(url, headers={"HX-Request": "true"})


# --- REFI-QDA import as a job ----------------------------------------------------------

S1 = "40000000-0000-0000-0000-000000000001"


@pytest.fixture
def import_in_background(settings):
    settings.WORKBENCH_JOB_MIN_IMPORT_BYTES = 0


def a_qdpx() -> bytes:
    from tests.coding.test_refi_import import U1, project, qdpx, text_source

    qde = project(text_source(S1, "Interview 1.txt", [(0, 4, "Diet", U1)]))
    return qdpx(qde, {f"sources/{S1}.txt": "Diet and health 𠝹".encode()})


def post_import(client, study):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("coding:qdpx_import", args=[study.pk]),
        {"file": SimpleUploadedFile("p.qdpx", a_qdpx())},
    )


def test_a_big_import_runs_as_a_job_and_shows_its_report(
    study, owner, owner_client, import_in_background, job_files
):
    response = post_import(owner_client, study)
    job = the_job(owner)
    assert response.status_code == 302
    assert response["Location"] == reverse("coding:job_detail", args=[study.pk, job.pk])
    assert job.kind == JobKind.QDPX_IMPORT and job.status == JobStatus.DONE
    segment = Segment.objects.get(transcript__study=study)
    assert segment.quote == "Diet" and segment.transcript.text == "Diet and health 𠝹"
    page = owner_client.get(response["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert "Imported project" in text and "Transcripts created" in text
    # The finished job's poll sends the browser to the report page.
    poll = owner_client.get(response["Location"], headers={"HX-Request": "true"})
    assert poll["HX-Redirect"] == response["Location"]
    # The uploaded file is not kept, and there is nothing to download.
    assert not list(job_files.rglob("upload-*"))
    assert (
        owner_client.get(reverse("coding:job_download", args=[study.pk, job.pk])).status_code == 404
    )


def test_a_refused_import_job_lists_the_problems_and_imports_nothing(
    study, owner, owner_client, import_in_background
):
    factories.make_transcript(study, title="Interview 1", text="Different text.")
    response = post_import(owner_client, study)
    job = the_job(owner)
    assert job.status == JobStatus.FAILED
    assert job.message == "Nothing was imported: 1 problem found."
    page = owner_client.get(response["Location"])
    assert page.status_code == 400
    assert "already exists in this study with different text" in page.content.decode()
    assert study.transcripts.count() == 1 and not Segment.objects.exists()


@override_settings(TASKS=DATABASE_TASKS)
def test_an_owner_who_became_a_viewer_before_the_worker_ran_imports_nothing(
    study, owner, owner_client, import_in_background, job_files
):
    post_import(owner_client, study)
    job = the_job(owner)
    assert job.status == JobStatus.QUEUED
    Membership.objects.filter(study=study, user=owner).update(role="viewer")
    job_worker.job_run(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.message == "Only the study's owners can do this."
    assert not study.transcripts.exists()
    assert not list(job_files.rglob("upload-*"))


def test_a_small_import_is_answered_at_once(study, owner_client):
    response = post_import(owner_client, study)
    assert response.status_code == 200 and not Job.objects.exists()
