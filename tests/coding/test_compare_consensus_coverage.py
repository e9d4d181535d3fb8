"""Comparison views use the consensus layer only where it exists (issue 8, defect 3).

A transcript is *covered* by consensus when it has a consensus segment or an active
consensus decision. Each view says how much of its scope consensus covers and defaults to
the coders' union until consensus covers the whole scope.
"""

from __future__ import annotations

import html as html_lib

import pytest
from django.urls import reverse
from django.utils.http import urlencode

from coding.compare.layers import NO_CONSENSUS_NOTE, layer_choice
from coding.models import ConsensusDecision, Decision, Segment
from studies.access import study_access
from tests import factories
from tests.coding.test_compare_matrix import build_compare_study

# build_compare_study: 12 transcripts with participant, group and wave; one focus group.
PLACED = 12
ALL = 13
AT_T1 = 6


@pytest.fixture
def data(study, owner, coder, coder2):
    return build_compare_study(study, owner, [coder, coder2])


def settle_only_one(data):
    """Consensus on P1 T1 only, as after settling a few units of one transcript."""
    keep = data["transcripts"][("P1", "T1")]
    Segment.objects.filter(layer=data["consensus"]).exclude(transcript=keep).delete()
    assert Segment.objects.filter(layer=data["consensus"], transcript=keep).exists()


def settle_all(data):
    """Every transcript covered: a consensus segment, or (focus group) a 'Neither' decision."""
    for key, t in data["transcripts"].items():
        if key[0] == "focus":
            Segment.objects.filter(layer=data["consensus"], transcript=t).delete()
            ConsensusDecision.objects.create(
                study=t.study,
                transcript=t,
                code=data["codes"]["B"],
                start=0,
                end=5,
                action=Decision.REJECT,
            )
        elif not Segment.objects.filter(layer=data["consensus"], transcript=t).exists():
            factories.make_segment(t, data["codes"]["C"], data["consensus"], 0, 5)


def pages(study, data):
    s = study.pk
    return {
        "matrix": (reverse("coding:compare_matrix", args=[s]), PLACED),
        "trajectory": (
            reverse("coding:compare_trajectory", args=[s])
            + "?"
            + urlencode({"code": data["codes"]["A"].pk}),
            PLACED,
        ),
        "cooccurrence": (reverse("coding:compare_cooccurrence", args=[s]), ALL),
        "framework": (
            reverse("coding:compare_framework", args=[s])
            + "?"
            + urlencode({"wave": data["waves"][0].pk}),
            AT_T1,
        ),
    }


@pytest.mark.parametrize("page", ["matrix", "trajectory", "cooccurrence", "framework"])
def test_partial_consensus_defaults_to_the_union_and_says_its_coverage(
    owner_client, study, data, page
):
    settle_only_one(data)
    url, total = pages(study, data)[page]
    html = html_lib.unescape(owner_client.get(url).content.decode())
    assert '<option value="union" selected>' in html
    assert f"Consensus covers 1 of {total} transcripts" in html
    assert "showing coders' union" in html


@pytest.mark.parametrize("page", ["matrix", "trajectory", "cooccurrence", "framework"])
def test_complete_consensus_is_the_default(owner_client, study, data, page):
    settle_all(data)
    url, total = pages(study, data)[page]
    html = html_lib.unescape(owner_client.get(url).content.decode())
    assert '<option value="consensus" selected>' in html
    assert f"Consensus covers all {total} transcripts" in html


def test_choosing_partial_consensus_says_what_is_left_out(owner_client, study, data):
    settle_only_one(data)
    url = reverse("coding:compare_matrix", args=[study.pk]) + "?layer=consensus"
    html = html_lib.unescape(owner_client.get(url).content.decode())
    assert '<option value="consensus" selected>' in html
    assert f"Consensus covers 1 of {PLACED} transcripts" in html
    assert f"the other {PLACED - 1} count as not coded" in html


def test_coverage_counts_only_the_views_scope(owner, study, data):
    settle_only_one(data)
    access = study_access(owner, study)
    t1 = data["waves"][0]
    at_t1 = layer_choice(access, None, scope={"wave_id": t1.pk})
    assert (at_t1.coverage.covered, at_t1.coverage.total) == (1, AT_T1)
    at_t2 = layer_choice(access, None, scope={"wave_id": data["waves"][1].pk})
    assert at_t2.coverage.covered == 0 and at_t2.key == "union"
    assert at_t2.note == NO_CONSENSUS_NOTE


def test_an_undone_decision_covers_nothing(owner, study, data):
    Segment.objects.filter(layer=data["consensus"]).delete()
    t = data["transcripts"][("P2", "T1")]
    from django.utils import timezone

    ConsensusDecision.objects.create(
        study=study,
        transcript=t,
        code=data["codes"]["B"],
        start=0,
        end=5,
        action=Decision.REJECT,
        undone_at=timezone.now(),
    )
    choice = layer_choice(study_access(owner, study), None)
    assert choice.coverage.covered == 0 and choice.key == "union"


def test_the_api_matrix_defaults_like_the_page(owner_client, study, data):
    settle_only_one(data)
    response = owner_client.get(f"/api/v1/studies/{study.pk}/matrix")
    assert response.status_code == 200
    assert response.json()["layer"] == "union"
