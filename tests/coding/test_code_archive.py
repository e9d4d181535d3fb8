from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from coding.codebook import services as codebook_services
from coding.models import AuditEvent, Code, Segment
from coding.segments import services as segment_services
from tests import factories

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "code-detail"}


def archive_url(code) -> str:
    return reverse("coding:code_archive", args=[code.study_id, code.pk])


@pytest.fixture
def codes(study):
    stigma = factories.make_code(study, name="Stigma")
    shame = factories.make_code(study, name="Shame", parent=stigma)
    hope = factories.make_code(study, name="Hope")
    return {"stigma": stigma, "shame": shame, "hope": hope}


def archived(study) -> set[str]:
    return set(Code.objects.filter(study=study, archived=True).values_list("name", flat=True))


def test_archiving_hides_the_code_and_its_subcodes_and_keeps_segments(study, codes, owner, coder):
    transcript = factories.make_transcript(study)
    factories.make_segment(transcript, codes["shame"], factories.make_layer(study, coder), 0, 5)
    ids = codebook_services.code_archive(code=codes["stigma"], actor=owner)
    assert sorted(ids) == sorted([codes["stigma"].pk, codes["shame"].pk])
    assert archived(study) == {"Stigma", "Shame"}
    assert Segment.objects.filter(code=codes["shame"]).count() == 1


def test_archived_codes_are_left_out_of_the_code_picker(coder_client, study, codes, coder):
    codebook_services.code_archive(code=codes["stigma"], actor=None)
    transcript = factories.make_transcript(study)
    url = reverse("coding:transcript_code", args=[study.pk, transcript.pk])
    html = coder_client.get(url).content.decode()
    # The coding page's codebook column lists one row per code it offers (data-code).
    assert f'data-code="{codes["hope"].pk}"' in html
    assert f'data-code="{codes["stigma"].pk}"' not in html
    assert f'data-code="{codes["shame"].pk}"' not in html


def test_new_segments_refuse_an_archived_code(study, codes, coder):
    codebook_services.code_archive(code=codes["hope"], actor=None)
    codes["hope"].refresh_from_db()
    transcript = factories.make_transcript(study)
    with pytest.raises(ValidationError, match="archived"):
        segment_services.segment_create(
            transcript=transcript,
            code=codes["hope"],
            layer=factories.make_layer(study, coder),
            start=0,
            end=5,
        )


def test_restoring_brings_back_the_subtree(study, codes, owner):
    codebook_services.code_archive(code=codes["stigma"], actor=owner)
    codebook_services.code_archive(code=codes["stigma"], archived=False, actor=owner)
    assert archived(study) == set()


def test_restoring_a_subcode_of_an_archived_code_is_refused(study, codes, owner):
    codebook_services.code_archive(code=codes["stigma"], actor=owner)
    with pytest.raises(ValidationError, match="restore it first"):
        codebook_services.code_archive(code=codes["shame"], archived=False, actor=owner)


def test_it_records_the_ids_that_changed(study, codes, owner):
    codebook_services.code_archive(code=codes["shame"], actor=owner)
    codebook_services.code_archive(code=codes["stigma"], actor=owner)
    event = AuditEvent.objects.filter(action="code.archive").first()  # newest first
    assert event.object_id == codes["stigma"].pk
    assert event.before == {"archived": False, "ids": [codes["stigma"].pk]}
    assert event.after == {"archived": True, "ids": [codes["stigma"].pk]}


def test_archiving_twice_changes_and_records_nothing(study, codes, owner):
    codebook_services.code_archive(code=codes["hope"], actor=owner)
    assert codebook_services.code_archive(code=codes["hope"], actor=owner) == []
    assert AuditEvent.objects.filter(action="code.archive").count() == 1


def test_the_tree_marks_archived_codes_in_words(owner_client, study, codes):
    codebook_services.code_archive(code=codes["hope"], actor=None)
    html = owner_client.get(reverse("coding:codebook", args=[study.pk])).content.decode()
    assert '<span class="badge">archived</span>' in html


def test_an_owner_archives_with_htmx_and_sees_the_panel_and_tree(owner_client, study, codes):
    response = owner_client.post(archive_url(codes["stigma"]), {"archived": "1"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="code-detail"')
    assert "Archived “Stigma” and 1 subcode: hidden from the code picker, segments kept." in html
    assert 'Restore “<span translate="no">Stigma</span>”' in html
    assert 'hx-swap-oob="true"' in html


def test_an_owner_restores_without_htmx_and_is_redirected(owner_client, study, codes):
    codebook_services.code_archive(code=codes["hope"], actor=None)
    response = owner_client.post(archive_url(codes["hope"]), {"archived": "0"})
    assert response.status_code == 302
    assert archived(study) == set()


def test_a_refused_restore_is_explained_in_the_panel(owner_client, study, codes):
    codebook_services.code_archive(code=codes["stigma"], actor=None)
    response = owner_client.post(archive_url(codes["shame"]), {"archived": "0"}, **HTMX)
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "“Stigma” is archived too" in html


@pytest.mark.parametrize(
    ("persona", "status"), [("coder", 403), ("viewer", 403), ("outsider", 404)]
)
def test_only_owners_may_archive(persona_clients, study, codes, persona, status):
    response = persona_clients[persona].post(archive_url(codes["hope"]), {"archived": "1"})
    assert response.status_code == status
    assert archived(study) == set()
