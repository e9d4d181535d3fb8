from __future__ import annotations

import pytest
from django.urls import reverse

from coding.consensus import services as consensus
from coding.models import AuditEvent, ConsensusDecision
from tests import factories
from tests.coding.test_consensus_decide import consensus_spans, post, setup  # noqa: F401


def undo(client, study, decision):
    return client.post(
        reverse("coding:consensus_undo", args=[study.pk, decision.pk]),
        {"layers": ["bob", "erin"]},
    )


def test_undo_removes_the_consensus_segment_and_keeps_the_record(study, setup, owner_client):  # noqa: F811
    post(owner_client, study, setup, "union")
    decision = ConsensusDecision.objects.get()
    assert undo(owner_client, study, decision).status_code == 302
    decision.refresh_from_db()
    assert decision.undone_at is not None
    assert consensus_spans(study) == []
    assert AuditEvent.objects.filter(action="consensus.undo", object_id=decision.pk).exists()
    assert AuditEvent.objects.filter(action="segment.delete").count() == 1


def test_undoing_twice_does_nothing_more(study, setup, owner, owner_client):  # noqa: F811
    post(owner_client, study, setup, "union")
    decision = ConsensusDecision.objects.get()
    undo(owner_client, study, decision)
    first = ConsensusDecision.objects.get().undone_at
    consensus.consensus_undo(decision=decision, actor=owner)
    assert ConsensusDecision.objects.get().undone_at == first
    assert AuditEvent.objects.filter(action="consensus.undo").count() == 1


def test_undo_keeps_a_consensus_segment_that_existed_before(study, setup, owner_client):  # noqa: F811
    existing = factories.make_segment(
        setup["t"], setup["code"], factories.make_layer(study), 55, 75
    )
    post(owner_client, study, setup, "union")
    decision = ConsensusDecision.objects.get()
    assert decision.result == existing
    undo(owner_client, study, decision)
    assert consensus_spans(study) == [(55, 75)]


def test_the_unit_is_unsettled_again_after_undo(study, setup, owner_client):  # noqa: F811
    post(owner_client, study, setup, "accept_b")
    decision = ConsensusDecision.objects.get()
    response = owner_client.post(
        reverse("coding:consensus_undo", args=[study.pk, decision.pk]),
        {"layers": ["bob", "erin"]},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert "0 of 2 settled" in html and "Undone: Accept B" in html


@pytest.mark.parametrize(
    ("persona", "status"), [("coder", 403), ("viewer", 403), ("outsider", 404)]
)
def test_only_owners_undo(study, setup, owner_client, persona_clients, persona, status):  # noqa: F811
    post(owner_client, study, setup, "union")
    decision = ConsensusDecision.objects.get()
    assert undo(persona_clients[persona], study, decision).status_code == status
    assert ConsensusDecision.objects.get().undone_at is None


def test_a_decision_of_another_study_is_404(study, setup, owner_client, owner):  # noqa: F811
    other = factories.make_study()
    factories.add_member(other, owner, "owner")
    post(owner_client, study, setup, "union")
    decision = ConsensusDecision.objects.get()
    response = owner_client.post(reverse("coding:consensus_undo", args=[other.pk, decision.pk]))
    assert response.status_code == 404
