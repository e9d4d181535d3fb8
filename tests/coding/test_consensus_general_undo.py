"""The general Undo (toast, Ctrl+Z, the undo endpoint) when the last action was a decision.

Undo of a decision goes through the decision: it is marked undone, the unit is unsettled
again and the consensus segments it made are gone, exactly as the review page's own undo.
"""

from __future__ import annotations

from django.urls import reverse

from coding.models import ConsensusDecision, LayerKind, Segment
from tests import factories
from tests.coding.test_consensus_decide import consensus_spans, post, setup  # noqa: F401
from tests.coding.test_consensus_undo import undo as review_undo
from tests.coding.test_disagreements_page import page_url

HX = {"HTTP_HX_REQUEST": "true"}


def general_undo(client, transcript):
    return client.post(
        reverse("coding:segment_undo", args=[transcript.study_id, transcript.pk]), **HX
    )


def unsettled_units(client, study, setup):  # noqa: F811
    html = client.get(page_url(study, setup, show="unsettled")).content.decode()
    return html.count('<li id="unit-')


def test_undo_right_after_a_decision_undoes_the_decision(study, setup, owner_client):  # noqa: F811
    post(owner_client, study, setup, "union")
    assert unsettled_units(owner_client, study, setup) == 1
    response = general_undo(owner_client, setup["t"])
    assert response.status_code == 200 and "Undone" in response.content.decode()
    decision = ConsensusDecision.objects.get()
    assert decision.undone_at is not None
    assert consensus_spans(study) == []
    assert unsettled_units(owner_client, study, setup) == 2


def test_undo_of_a_decision_that_put_nothing_into_consensus(study, setup, owner_client):  # noqa: F811
    post(owner_client, study, setup, "reject")
    general_undo(owner_client, setup["t"])
    assert ConsensusDecision.objects.get().undone_at is not None
    assert unsettled_units(owner_client, study, setup) == 2


def test_undo_after_the_review_pages_undo_does_not_bring_back_an_orphan_segment(
    study,
    setup,  # noqa: F811
    owner_client,
):
    post(owner_client, study, setup, "union")
    review_undo(owner_client, study, ConsensusDecision.objects.get())
    response = general_undo(owner_client, setup["t"])
    assert "Nothing to undo" in response.content.decode()
    assert consensus_spans(study) == []
    assert ConsensusDecision.objects.get().undone_at is not None


def test_undoing_a_replacing_decision_leaves_no_segment_of_either(study, setup, owner_client):  # noqa: F811
    post(owner_client, study, setup, "accept_a")
    post(owner_client, study, setup, "union")
    general_undo(owner_client, setup["t"])
    assert consensus_spans(study) == []
    assert not ConsensusDecision.objects.filter(undone_at__isnull=True).exists()
    general_undo(owner_client, setup["t"])
    assert consensus_spans(study) == []
    assert not ConsensusDecision.objects.filter(undone_at__isnull=True).exists()


def test_undo_walks_back_past_the_decision_to_the_owners_own_coding(
    study,
    setup,  # noqa: F811
    owner_client,
):
    t = setup["t"]
    start = t.text.index("Later")
    owner_client.post(
        reverse("coding:segment_create", args=[study.pk, t.pk]),
        {
            "code_ids": [setup["code"].pk],
            "start": start,
            "end": start + 5,
            "quote": "Later",
            "layer": "consensus",
            "version": 1,
        },
        **HX,
    )
    assert (start, start + 5) in consensus_spans(study)
    post(owner_client, study, setup, "union")
    general_undo(owner_client, t)
    assert consensus_spans(study) == [(start, start + 5)]
    assert ConsensusDecision.objects.get().undone_at is not None
    general_undo(owner_client, t)
    assert consensus_spans(study) == []
    assert ConsensusDecision.objects.get().undone_at is not None


def test_a_decision_on_another_transcript_is_not_undone_here(study, setup, owner_client):  # noqa: F811
    other = factories.make_transcript(study, title="Other")
    post(owner_client, study, setup, "union")
    general_undo(owner_client, other)
    assert ConsensusDecision.objects.get().undone_at is None
    assert Segment.objects.filter(layer__kind=LayerKind.CONSENSUS).count() == 1


def test_a_coders_undo_never_touches_the_owners_decision(study, setup, owner_client, coder_client):  # noqa: F811
    post(owner_client, study, setup, "union")
    general_undo(coder_client, setup["t"])
    assert ConsensusDecision.objects.get().undone_at is None
    assert consensus_spans(study) == [(55, 75)]
