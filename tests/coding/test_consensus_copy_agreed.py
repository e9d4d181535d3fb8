from __future__ import annotations

import pytest
from django.urls import reverse

from coding.consensus import services as consensus
from coding.models import AuditEvent, ConsensusDecision, Decision
from tests import factories
from tests.coding.test_consensus_decide import consensus_spans
from tests.coding.test_disagreements_page import TEXT


@pytest.fixture
def setup(study, owner, coder, coder2):
    t1 = factories.make_transcript(study, title="One", text=TEXT)
    t2 = factories.make_transcript(study, title="Two", text=TEXT)
    code = factories.make_code(study, name="Role")
    bob, erin = factories.make_layer(study, coder), factories.make_layer(study, coder2)
    factories.make_segment(t1, code, bob, 30, 50)  # agreed
    factories.make_segment(t1, code, erin, 30, 50)
    factories.make_segment(t1, code, bob, 55, 60)  # agreed through touching spans
    factories.make_segment(t1, code, bob, 60, 70)
    factories.make_segment(t1, code, erin, 55, 70)
    factories.make_segment(t1, code, bob, 90, 100)  # disagreement
    factories.make_segment(t1, code, erin, 92, 100)
    factories.make_segment(t2, code, bob, 30, 50)  # erin missing on Two: nothing to copy
    return {"t": [t1, t2], "code": code, "layers": [bob, erin]}


def copy(client, study, **extra):
    return client.post(
        reverse("coding:consensus_copy_agreed", args=[study.pk]),
        {"layers": ["bob", "erin"], **extra},
    )


def test_it_copies_exact_agreements_only(study, setup, owner, owner_client):
    assert copy(owner_client, study).status_code == 302
    assert consensus_spans(study) == [(30, 50), (55, 70)]
    decisions = ConsensusDecision.objects.all()
    assert {d.action for d in decisions} == {Decision.AGREED}
    assert all(d.result is not None and d.decided_by == owner for d in decisions)
    assert all(d.result.provenance["decision"] == d.pk for d in decisions)
    assert AuditEvent.objects.filter(action="consensus.copy_agreed").count() == 1


def test_running_it_twice_copies_nothing_the_second_time(study, setup, owner):
    kwargs = {"study": study, "layers": setup["layers"], "actor": owner}
    assert len(consensus.consensus_copy_agreed(**kwargs)) == 2
    assert consensus.consensus_copy_agreed(**kwargs) == []
    assert ConsensusDecision.objects.count() == 2
    assert consensus_spans(study) == [(30, 50), (55, 70)]


def test_it_can_be_limited_to_one_transcript_and_code(study, setup, owner_client):
    t1 = setup["t"][0]
    other = factories.make_code(study, name="Other")
    response = copy(owner_client, study, transcript=t1.pk, code=other.pk)
    assert response.status_code == 302
    assert consensus_spans(study) == []
    copy(owner_client, study, transcript=t1.pk, code=setup["code"].pk)
    assert len(consensus_spans(study)) == 2


def test_copied_agreements_can_be_undone(study, setup, owner):
    decisions = consensus.consensus_copy_agreed(study=study, layers=setup["layers"], actor=owner)
    consensus.consensus_undo(decision=decisions[0], actor=owner)
    assert consensus_spans(study) == [(55, 70)]


@pytest.mark.parametrize(
    ("persona", "status"), [("coder", 403), ("viewer", 403), ("outsider", 404)]
)
def test_only_owners_copy(study, setup, persona_clients, persona, status):
    assert copy(persona_clients[persona], study).status_code == status
    assert not ConsensusDecision.objects.exists()


def test_the_dashboard_loads_consensus_progress(study, setup, owner, owner_client, coder_client):
    consensus.consensus_copy_agreed(study=study, layers=setup["layers"], actor=owner)
    dashboard = owner_client.get(reverse("studies:study_dashboard", args=[study.pk])).content
    progress_url = reverse("coding:consensus_progress", args=[study.pk])
    assert progress_url.encode() in dashboard
    assert (
        progress_url.encode()
        not in coder_client.get(reverse("studies:study_dashboard", args=[study.pk])).content
    )
    fragment = owner_client.get(progress_url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment
    assert "1 of 2</strong> transcripts have consensus coding; 2 decisions" in fragment
    page = coder_client.get(progress_url).content.decode()
    assert "visible to the study's owners" in page


def test_a_superscript_digit_in_the_scope_is_ignored_not_a_server_error(study, setup, owner_client):
    # "²".isdigit() is true but int("²") raises: the filter is dropped, the copy runs.
    response = copy(owner_client, study, group="²", scope_transcript=["³", setup["t"][0].pk])
    assert response.status_code == 302
    assert consensus_spans(study) == [(30, 50), (55, 70)]
