"""A layer with no segments is listed nowhere: not in the coders' union, the agreement
report's layer choices, the comparison's layer choices, coded retrieval's choices or the
coding page's layer switcher (except the requester's own "Mine")."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from coding.models import Layer, Segment
from coding.segments import selectors as segment_selectors
from studies.access import study_access
from tests import factories

TEXT = "P01: At first I did not know my role.\nP01: Later the team trusted me."


@pytest.fixture
def transcript(study):
    return factories.make_transcript(study, text=TEXT, title="P01 T1")


@pytest.fixture
def shame(study):
    return factories.make_code(study, name="Shame")


@pytest.fixture
def coded(study, transcript, shame, coder, coder2):
    for user, at in ((coder, 0), (coder2, 5)):
        factories.make_segment(transcript, shame, factories.make_layer(study, user), at, at + 10)


@pytest.fixture
def owner_coded_and_undid(owner, owner_client, transcript, shame, coded):
    """The owner codes a passage in Mine, then undoes it: their layer exists, empty."""
    start = TEXT.index("At first")
    r = owner_client.post(
        reverse("coding:segment_create", args=[transcript.study_id, transcript.pk]),
        {
            "code_ids": [shame.pk],
            "start": start,
            "end": start + 8,
            "quote": "At first",
            "version": transcript.version,
            "layer": "mine",
            "view": "mine",
        },
    )
    assert r.status_code == 302
    assert Segment.objects.filter(layer__user=owner).count() == 1
    r = owner_client.post(
        reverse("coding:segment_undo", args=[transcript.study_id, transcript.pk]),
        {"view": "mine"},
    )
    assert r.status_code == 302
    layer = Layer.objects.get(user=owner)
    assert not layer.segments.exists()
    return layer


def test_the_selector_lists_only_layers_with_segments(study, owner, owner_coded_and_undid):
    access = study_access(owner, study.pk)
    keys = [layer.key for layer in segment_selectors.listed_layers(access)]
    assert keys == ["bob", "erin"]
    keys = [layer.key for layer in segment_selectors.listed_layers(access, keep_own=True)]
    assert keys == ["alice", "bob", "erin"]


def test_the_coders_union_in_retrieval_leaves_the_empty_layer_out(
    owner_client, study, owner_coded_and_undid
):
    url = reverse("coding:retrieval", args=[study.pk])
    html = owner_client.get(url + "?layer=union").content.decode()
    assert '<option value="alice"' not in html
    assert '<option value="bob"' in html and '<option value="erin"' in html
    export = reverse("coding:retrieval_export", args=[study.pk, "xlsx"])
    r = owner_client.get(export + "?layer=union")
    assert r.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    about = {row[0]: row[1] for row in book["About"].iter_rows(values_only=True) if row}
    assert about["Layer"] == "Coders' union: bob, erin"


def test_the_agreement_report_offers_no_empty_layer(owner_client, study, owner_coded_and_undid):
    html = owner_client.get(reverse("coding:agreement_report", args=[study.pk])).content.decode()
    assert 'value="alice"' not in html
    assert 'value="bob"' in html and 'value="erin"' in html


def test_the_comparison_offers_no_empty_layer(owner_client, study, owner_coded_and_undid):
    html = owner_client.get(
        reverse("coding:compare_matrix", args=[study.pk]) + "?layer=union"
    ).content.decode()
    assert '<option value="alice"' not in html
    assert '<option value="bob"' in html
    assert 'Coders\' union: <span translate="no">bob, erin</span>.' in html


def test_the_layer_switcher_lists_no_empty_layer_but_keeps_mine(
    owner_client, coder_client, transcript, owner_coded_and_undid
):
    url = reverse("coding:transcript_code", args=[transcript.study_id, transcript.pk])
    html = coder_client.get(url + "?layer=all").content.decode()
    assert "layer=alice" not in html and "layer=erin" in html
    html = owner_client.get(url + "?layer=all").content.decode()
    assert ">Mine</a>" in html and "layer=alice" not in html
