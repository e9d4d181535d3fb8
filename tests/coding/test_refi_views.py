from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coding.exchange.report import COUNT_LABELS
from coding.models import Segment
from tests import factories
from tests.coding.test_refi_export import (  # noqa: F401  (fixtures)
    DATA,
    check_qdc,
    check_qdpx,
    codebook_schema,
    project_schema,
    read_qdpx,
    rich,
    selections,
)
from tests.coding.test_refi_import import U1, project, qdpx, text_source

S1 = "40000000-0000-0000-0000-000000000001"


def url(name, study):
    return reverse(f"coding:{name}", args=[study.pk])


def download(response) -> bytes:
    """The body of the export, which streams from a temporary file."""
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("persona", ["owner", "coder", "viewer"])
def test_members_download_a_valid_project(study, rich, persona_clients, persona, project_schema):  # noqa: F811
    response = persona_clients[persona].get(url("qdpx_export", study))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="peer-support-study.qdpx"'
    root = check_qdpx(b"".join(response.streaming_content), project_schema)
    assert len(selections(root)) == 7


def test_blind_coder_downloads_only_their_own_layer(study, rich, coder_client, viewer_client):  # noqa: F811
    study.blind_coding = True
    study.save()
    mine = selections(read_qdpx(download(coder_client.get(url("qdpx_export", study))))[0])
    assert {s["user"] for s in mine} == {"bob"}
    everyone = selections(read_qdpx(download(viewer_client.get(url("qdpx_export", study))))[0])
    assert {s["user"] for s in everyone} == {"bob", "erin", "Consensus", "NVivo coder"}


@pytest.mark.parametrize("name", ["qdpx_export", "qdc_export", "exchange", "qdpx_import"])
def test_outsiders_get_404(study, rich, outsider_client, name):  # noqa: F811
    assert outsider_client.get(url(name, study)).status_code == 404
    assert outsider_client.post(url("qdpx_import", study)).status_code == 404


def test_anonymous_users_are_sent_to_log_in(study, client):
    response = client.get(url("qdpx_export", study))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_members_download_a_valid_codebook(study, rich, viewer_client, codebook_schema):  # noqa: F811
    response = viewer_client.get(url("qdc_export", study))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert response["Content-Disposition"].endswith('filename="peer-support-study-codebook.qdc"')
    check_qdc(response.content, codebook_schema)


def test_an_empty_codebook_leads_back_to_the_exchange_page_with_a_message(study, owner_client):
    response = owner_client.get(url("qdc_export", study), follow=True)
    assert response.redirect_chain[-1][0] == url("exchange", study)
    assert "The codebook is empty" in response.content.decode()


def test_the_exchange_page_lists_exports_and_offers_import_to_owners(study, rich, owner_client):  # noqa: F811
    page = owner_client.get(url("exchange", study)).content.decode()
    for name in ("qdpx_export", "qdc_export", "qdpx_import"):
        assert url(name, study) in page
    for tool in ("NVivo", "ATLAS.ti", "MAXQDA", "QualCoder"):
        assert tool in page
    assert 'aria-current="page">Exchange' in page


@pytest.mark.parametrize("persona", ["coder", "viewer"])
def test_the_exchange_page_offers_no_import_to_others(study, persona_clients, persona):
    page = persona_clients[persona].get(url("exchange", study)).content.decode()
    assert url("qdpx_export", study) in page and url("qdpx_import", study) not in page


def test_blind_coders_are_told_the_export_is_theirs_only(study, rich, coder_client):  # noqa: F811
    study.blind_coding = True
    study.save()
    page = coder_client.get(url("exchange", study)).content.decode()
    assert "your own coding only" in page and "erin" not in page


def _upload(study):
    qde = project(text_source(S1, "Interview 1.txt", [(0, 4, "Diet", U1)]))
    return qdpx(qde, {f"sources/{S1}.txt": "Diet and health 𠝹".encode()})


@pytest.mark.parametrize("persona", ["coder", "viewer"])
def test_only_owners_import(study, persona_clients, persona):
    response = persona_clients[persona].post(
        url("qdpx_import", study), {"file": SimpleUploadedFile("p.qdpx", _upload(study))}
    )
    assert response.status_code == 403
    assert not study.transcripts.exists()


def test_owner_imports_and_sees_the_report(study, owner_client):
    response = owner_client.post(
        url("qdpx_import", study), {"file": SimpleUploadedFile("p.qdpx", _upload(study))}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Imported project" in page and "Transcripts created" in page
    segment = Segment.objects.get(transcript__study=study)
    assert segment.quote == "Diet" and segment.layer.name == "Researcher A"
    # Posting again (a reload) adds nothing.
    again = owner_client.post(
        url("qdpx_import", study), {"file": SimpleUploadedFile("p.qdpx", _upload(study))}
    )
    assert again.status_code == 200 and Segment.objects.filter(transcript__study=study).count() == 1
    assert "Selections already in the study" in again.content.decode()


def test_a_refused_import_lists_every_problem(study, owner, owner_client):
    factories.make_transcript(study, title="Interview 1", text="Different text.")
    response = owner_client.post(
        url("qdpx_import", study), {"file": SimpleUploadedFile("p.qdpx", _upload(study))}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        "Nothing was imported" in page
        and "already exists in this study with different text" in page
    )
    assert study.transcripts.count() == 1


def test_an_import_without_a_file_is_refused(study, owner_client):
    response = owner_client.post(url("qdpx_import", study), {})
    assert response.status_code == 400 and "Nothing was imported" in response.content.decode()


def test_get_on_the_import_url_leads_to_the_form(study, owner_client):
    response = owner_client.get(url("qdpx_import", study))
    assert (
        response.status_code == 302 and response["Location"] == url("exchange", study) + "#import"
    )


def test_import_report_names_what_was_skipped(study, owner_client):
    data = (DATA / "nvivo_project.qdpx").read_bytes()
    response = owner_client.post(
        url("qdpx_import", study), {"file": SimpleUploadedFile("nvivo.qdpx", data)}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Codes created" in page and "Sources without text" in page
    assert str(COUNT_LABELS["codes_created"]) in page
