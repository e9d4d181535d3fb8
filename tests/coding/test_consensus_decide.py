from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from coding.consensus import services as consensus
from coding.models import AuditEvent, ConsensusDecision, LayerKind, Segment
from tests import factories
from tests.coding.test_disagreements_page import TEXT


@pytest.fixture
def setup(study, owner, coder, coder2):
    t = factories.make_transcript(study, title="Interview", text=TEXT)
    code = factories.make_code(study, name="Role")
    bob, erin = factories.make_layer(study, coder), factories.make_layer(study, coder2)
    factories.make_segment(t, code, bob, 55, 70)
    factories.make_segment(t, code, erin, 60, 75)
    factories.make_segment(t, code, bob, 90, 100)
    return {"t": t, "code": code, "layers": [bob, erin]}


def consensus_spans(study):
    return list(
        Segment.objects.filter(layer__study=study, layer__kind=LayerKind.CONSENSUS)
        .order_by("start")
        .values_list("start", "end")
    )


def post(client, study, setup, action, start=55, end=75, **extra):
    data = {
        "transcript": setup["t"].pk,
        "code": setup["code"].pk,
        "layers": ["bob", "erin"],
        "start": start,
        "end": end,
        "action": action,
        **extra,
    }
    return client.post(reverse("coding:consensus_decide", args=[study.pk]), data)


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("accept_a", [(55, 70)]),
        ("accept_b", [(60, 75)]),
        ("union", [(55, 75)]),
        ("intersection", [(60, 70)]),
        ("reject", []),
    ],
)
def test_each_decision_puts_its_span_into_consensus(
    study, setup, owner, owner_client, action, expected
):
    response = post(owner_client, study, setup, action)
    assert response.status_code == 302
    assert consensus_spans(study) == expected
    decision = ConsensusDecision.objects.get()
    assert decision.action == action and decision.decided_by == owner
    assert decision.layers == [la.pk for la in setup["layers"]]
    assert sorted((s["start"], s["end"]) for s in decision.sources) == [(55, 70), (60, 75)]
    if expected:
        assert decision.result.provenance["decision"] == decision.pk
        assert decision.result.layer.kind == LayerKind.CONSENSUS
    assert AuditEvent.objects.filter(action="consensus.decide", object_id=decision.pk).exists()


def test_edit_takes_the_given_span_and_the_rationale(study, setup, owner_client):
    post(
        owner_client, study, setup, "edit", edit_start=57, edit_end=72, rationale="Ends at the turn"
    )
    assert consensus_spans(study) == [(57, 72)]
    assert ConsensusDecision.objects.get().rationale == "Ends at the turn"


def test_a_double_submit_records_one_decision(study, setup, owner_client):
    post(owner_client, study, setup, "union")
    post(owner_client, study, setup, "union")
    assert ConsensusDecision.objects.count() == 1
    assert consensus_spans(study) == [(55, 75)]


def test_a_new_decision_replaces_the_previous_one(study, setup, owner_client):
    post(owner_client, study, setup, "union")
    post(owner_client, study, setup, "accept_a")
    assert consensus_spans(study) == [(55, 70)]
    active = ConsensusDecision.objects.filter(undone_at__isnull=True)
    assert list(active.values_list("action", flat=True)) == ["accept_a"]
    assert ConsensusDecision.objects.filter(undone_at__isnull=False).count() == 1


def test_a_stale_unit_is_refused_and_nothing_is_saved(study, setup, owner):
    with pytest.raises(ValidationError) as err:
        consensus.consensus_decide(
            study=study,
            transcript=setup["t"],
            code=setup["code"],
            layers=setup["layers"],
            start=50,
            end=75,
            action="union",
            actor=owner,
        )
    assert "changed since the page was loaded" in str(err.value)
    assert not ConsensusDecision.objects.exists()


def test_it_refuses_an_unknown_action(study, setup, owner):
    with pytest.raises(ValidationError):
        consensus.consensus_decide(
            study=study,
            transcript=setup["t"],
            code=setup["code"],
            layers=setup["layers"],
            start=55,
            end=75,
            action="agreed",
            actor=owner,
        )


def test_htmx_gets_the_updated_review_with_the_unit_settled(study, setup, owner_client):
    response = owner_client.post(
        reverse("coding:consensus_decide", args=[study.pk]),
        {
            "transcript": setup["t"].pk,
            "code": setup["code"].pk,
            "layers": ["bob", "erin"],
            "start": 55,
            "end": 75,
            "action": "union",
        },
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "1 of 2 settled" in html and "Saved: Union" in html
    assert "consensus-changed" in response["HX-Trigger"]


def test_an_htmx_error_is_shown_in_the_fragment(study, setup, owner_client):
    response = owner_client.post(
        reverse("coding:consensus_decide", args=[study.pk]),
        {
            "transcript": setup["t"].pk,
            "code": setup["code"].pk,
            "layers": ["bob", "erin"],
            "start": 1,
            "end": 75,
            "action": "union",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "status"), [("coder", 403), ("viewer", 403), ("outsider", 404)]
)
def test_only_owners_decide(study, setup, persona_clients, persona, status):
    assert post(persona_clients[persona], study, setup, "union").status_code == status
    assert not ConsensusDecision.objects.exists()


def test_a_corrected_span_is_checked_against_the_quote_the_page_showed(study, setup, owner_client):
    text = setup["t"].text
    post(owner_client, study, setup, "edit", edit_start=57, edit_end=72, edit_quote="stale words")
    assert consensus_spans(study) == []
    assert not ConsensusDecision.objects.exists()
    post(owner_client, study, setup, "edit", edit_start=57, edit_end=72, edit_quote=text[57:72])
    assert consensus_spans(study) == [(57, 72)]
    assert ConsensusDecision.objects.get().result.quote == text[57:72]


def test_a_corrected_span_must_hold_text(study, setup, owner_client):
    post(owner_client, study, setup, "edit", edit_start=72, edit_end=72, edit_quote="")
    post(owner_client, study, setup, "edit", edit_start=70, edit_end=9999)
    assert consensus_spans(study) == [] and not ConsensusDecision.objects.exists()
