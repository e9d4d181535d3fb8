"""Codes created by coders are proposals; owners adopt (or merge) them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coding.models import AuditEvent, Code, Segment
from tests import factories

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def proposal(study, coder2):
    study.coders_may_create_codes = True
    study.save()
    return factories.make_code(study, name="Peer pressure", proposed=True, created_by=coder2)


def adopt_url(code):
    return reverse("coding:code_adopt", args=[code.study_id, code.pk])


def test_a_code_a_coder_adds_in_the_codebook_is_a_proposal(study, coder, coder_client):
    study.coders_may_create_codes = True
    study.save()
    response = coder_client.post(
        reverse("coding:code_create", args=[study.pk]), {"name": "Burnout", "color": "#0072B2"}
    )
    assert response.status_code == 302
    code = Code.objects.get(name="Burnout")
    assert code.proposed and code.created_by == coder


def test_a_code_a_coder_creates_in_the_picker_is_a_proposal(study, coder, coder_client):
    study.coders_may_create_codes = True
    study.save()
    transcript = factories.make_transcript(study)
    quote = transcript.text[:11]
    data = {
        "start": 0,
        "end": 11,
        "quote": quote,
        "version": transcript.version,
        "layer": "mine",
        "new_code_name": "Isolation",
    }
    r = coder_client.post(
        reverse("coding:segment_create", args=[study.pk, transcript.pk]), data, **HX
    )
    assert r.status_code == 200
    code = Code.objects.get(name="Isolation")
    assert code.proposed and code.created_by == coder
    assert Segment.objects.get().code == code


def test_a_code_an_owner_creates_is_shared_at_once(study, owner, owner_client):
    owner_client.post(
        reverse("coding:code_create", args=[study.pk]), {"name": "Hope", "color": "#0072B2"}
    )
    code = Code.objects.get(name="Hope")
    assert not code.proposed and code.created_by == owner


def test_owners_see_who_proposed_a_code_with_an_adopt_button(study, owner_client, proposal):
    html = owner_client.get(reverse("coding:codebook", args=[study.pk])).content.decode()
    assert 'Proposed by <span translate="no">erin</span>' in html
    assert "1 code proposed by coders" in html
    detail = owner_client.get(
        reverse("coding:code_detail", args=[study.pk, proposal.pk])
    ).content.decode()
    assert (
        'Proposed by <span translate="no">erin</span>' in detail and adopt_url(proposal) in detail
    )
    assert ">Adopt into the shared codebook<" in detail


def test_coders_see_a_proposal_marked_when_blind_coding_is_off(study, coder_client, proposal):
    html = coder_client.get(
        reverse("coding:code_detail", args=[study.pk, proposal.pk])
    ).content.decode()
    assert 'Proposed by <span translate="no">erin</span>' in html
    assert adopt_url(proposal) not in html


def test_the_owner_adopts_a_proposal_with_an_audit_event(
    study, owner, owner_client, coder_client, proposal
):
    study.blind_coding = True
    study.save()
    codebook = reverse("coding:codebook", args=[study.pk])
    assert "Peer pressure" not in coder_client.get(codebook).content.decode()
    response = owner_client.post(adopt_url(proposal), **HX)
    assert response.status_code == 200
    assert "Adopted “Peer pressure”" in response.content.decode()
    proposal.refresh_from_db()
    assert not proposal.proposed
    event = AuditEvent.objects.get(action="code.adopt", object_id=proposal.pk)
    assert event.actor == owner and event.before == {"proposed": True}
    assert event.after == {"proposed": False}
    assert "Peer pressure" in coder_client.get(codebook).content.decode()


def test_adopting_a_subcode_adopts_its_proposed_parents(study, owner_client, coder2, proposal):
    child = factories.make_code(
        study, name="From friends", parent=proposal, proposed=True, created_by=coder2
    )
    response = owner_client.post(adopt_url(child))
    assert response.status_code == 302
    assert not Code.objects.filter(pk__in=[child.pk, proposal.pk], proposed=True).exists()


def test_the_owner_merges_a_proposal_into_a_shared_code(study, owner_client, coder2, proposal):
    shared = factories.make_code(study, name="Pressure")
    transcript = factories.make_transcript(study)
    layer = factories.make_layer(study, coder2)
    factories.make_segment(transcript, proposal, layer, 0, 11)
    response = owner_client.post(
        reverse("coding:code_merge", args=[study.pk, proposal.pk]),
        {"target": shared.pk, "confirm": "on"},
    )
    assert response.status_code == 302
    assert not Code.objects.filter(pk=proposal.pk).exists()
    assert Segment.objects.get().code == shared


def test_adopting_a_shared_code_says_so(study, owner_client):
    code = factories.make_code(study, name="Hope")
    response = owner_client.post(adopt_url(code), **HX)
    assert "already in the shared codebook" in response.content.decode()


@pytest.mark.parametrize("persona,status", [("coder", 403), ("viewer", 403), ("outsider", 404)])
def test_only_owners_adopt(persona_clients, proposal, persona, status):
    assert persona_clients[persona].post(adopt_url(proposal)).status_code == status
    proposal.refresh_from_db()
    assert proposal.proposed


def test_adopt_is_post_only(owner_client, proposal):
    assert owner_client.get(adopt_url(proposal)).status_code == 405


# A shared code under (or merged into) another coder's proposal would vanish from blind
# coders' codebooks while their segments keep it: refused, "adopt it first".


def test_a_shared_code_cannot_be_created_under_a_proposal(study, owner_client, proposal):
    response = owner_client.post(
        reverse("coding:code_create", args=[study.pk]),
        {"name": "Sub", "color": "#0072B2", "parent": proposal.pk},
    )
    assert "Adopt “Peer pressure” first" in response.content.decode()
    assert not Code.objects.filter(name="Sub").exists()


def test_a_coder_adds_a_subcode_under_their_own_proposal(study, coder2, proposal):
    from coding.codebook import services as codebook_services

    child = codebook_services.code_create(
        study=study, name="Sub", parent=proposal, actor=coder2, proposed=True
    )
    assert child.proposed and child.parent == proposal


def test_a_shared_code_cannot_move_under_a_proposal(study, owner_client, proposal):
    shared = factories.make_code(study, name="Hope")
    response = owner_client.post(
        reverse("coding:code_move", args=[study.pk, shared.pk]),
        {"parent": proposal.pk},
        follow=True,
    )
    assert "Adopt “Peer pressure” first" in response.content.decode()
    shared.refresh_from_db()
    assert shared.parent is None


def test_a_shared_code_cannot_be_merged_into_a_proposal(study, owner_client, proposal):
    shared = factories.make_code(study, name="Hope")
    response = owner_client.post(
        reverse("coding:code_merge", args=[study.pk, shared.pk]),
        {"target": proposal.pk, "confirm": "on"},
    )
    assert "Adopt “Peer pressure” first" in response.content.decode()
    assert Code.objects.filter(pk=shared.pk).exists()
