"""Issue 9 §1: QDPX/QDC import checks XML part sizes, sources and text while reading."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coding.models import Code
from studies.models import Transcript
from tests.coding.test_refi_import import U1, project, qdpx, text_source


def post(study, client, name, data):
    return client.post(
        reverse("coding:qdpx_import", args=[study.pk]), {"file": SimpleUploadedFile(name, data)}
    )


def refused(response, *fragments):
    assert response.status_code == 400
    page = response.content.decode()
    for fragment in fragments:
        assert fragment in page, (fragment, page[page.find("<main") :][:2000])
    assert not Transcript.objects.exists() and not Code.objects.exists()


def guid(i: int) -> str:
    return f"40000000-0000-0000-0000-{i:012}"


def test_a_project_qde_that_unpacks_over_the_xml_limit_is_refused(study, owner_client, settings):
    settings.WORKBENCH_MAX_XML_BYTES = 100_000
    qde = project(text_source(guid(1), "One.txt", [(0, 4, "Diet", U1)]), extra=" " * 200_000)
    response = post(study, owner_client, "big.qdpx", qdpx(qde, {f"sources/{guid(1)}.txt": b"Diet"}))
    refused(
        response,
        "big.qdpx is not a readable .qdpx archive",
        "project.qde is 0.2 MB unpacked (limit 0.1 MB)",
    )


def test_a_qdc_over_the_xml_limit_is_refused(study, owner_client, settings):
    settings.WORKBENCH_MAX_XML_BYTES = 100_000
    data = b'<?xml version="1.0"?><CodeBook>' + b" " * 200_000 + b"</CodeBook>"
    response = post(study, owner_client, "book.qdc", data)
    refused(response, "book.qdc is 0.2 MB of XML; the limit is 0.1 MB")


def test_a_project_with_too_many_sources_is_refused(study, owner_client, settings):
    settings.WORKBENCH_MAX_FILES = 3
    sources = "".join(text_source(guid(i), f"S{i}.txt", []) for i in range(4))
    files = {f"sources/{guid(i)}.txt": b"text" for i in range(4)}
    response = post(study, owner_client, "many.qdpx", qdpx(project(sources), files))
    refused(response, "The project holds 4 sources; the limit for one import is 3")


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("WORKBENCH_MAX_IMPORT_BYTES", 2_500, "the limit for one import"),
        ("WORKBENCH_MAX_IMPORT_CHARS", 2_500, "more than 2,500 characters of text"),
    ],
)
def test_a_project_whose_sources_pass_the_import_totals_is_refused(
    study, owner_client, settings, setting, value, message
):
    setattr(settings, setting, value)
    sources = "".join(text_source(guid(i), f"S{i}.txt", []) for i in range(3))
    files = {f"sources/{guid(i)}.txt": b"Interviewer: " + b"a" * 1000 for i in range(3)}
    response = post(study, owner_client, "p.qdpx", qdpx(project(sources), files))
    refused(response, message)


def test_a_qdpx_whose_project_qde_unpacks_huge_is_refused_at_once(study, owner_client):
    from workbench.bench import uploads as bombs

    data = bombs.qdpx_bomb(90)  # under the 100 MB zip limit: the old code parsed it
    response, figures = bombs.post_measured(
        owner_client, reverse("coding:qdpx_import", args=[study.pk]), "file", "bomb.qdpx", data
    )
    refused(response, "bomb.qdpx is not a readable .qdpx archive", "(limit 20.0 MB)")
    assert figures["peak_mb"] < 50, figures


def test_a_huge_codebook_csv_is_refused_at_once(study, owner_client):
    from workbench.bench import uploads as bombs

    response, figures = bombs.post_measured(
        owner_client,
        reverse("coding:codebook_import", args=[study.pk]),
        "file",
        "book.csv",
        bombs.csv_bomb(20),
    )
    assert response.status_code == 400
    assert "book.csv is 19.9 MB; a codebook CSV may be at most 2 MB" in response.content.decode()
    assert figures["peak_mb"] < 50, figures
