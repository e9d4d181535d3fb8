from __future__ import annotations

import re

import pytest
from django.urls import reverse

from coding.consensus.review import units_for
from tests import factories

TEXT = "Interviewer: How was it?\nP01: At first I did not know my role, then it got better.\nP01: Later the team trusted me and it helped others.\n"


@pytest.fixture
def setup(study, owner, coder, coder2):
    t = factories.make_transcript(study, title="Interview", text=TEXT)
    role = factories.make_code(study, name="Role")
    other = factories.make_code(study, name="Doubt")
    bob, erin = factories.make_layer(study, coder), factories.make_layer(study, coder2)
    factories.make_segment(t, role, bob, 30, 50)  # unit 1: agreed
    factories.make_segment(t, role, erin, 30, 50)
    factories.make_segment(t, role, bob, 55, 70)  # unit 2: span differs
    factories.make_segment(t, role, erin, 60, 75)
    factories.make_segment(t, role, bob, 90, 100)  # unit 3: only A, erin used another code
    factories.make_segment(t, other, erin, 92, 99)
    factories.make_segment(t, role, erin, 110, 120)  # unit 4: only B
    return {"t": t, "code": role, "layers": [bob, erin]}


def page_url(study, setup, **extra):
    base = reverse("coding:disagreements", args=[study.pk, setup["t"].pk, setup["code"].pk])
    q = "layers=bob&layers=erin" + "".join(f"&{k}={v}" for k, v in extra.items())
    return f"{base}?{q}"


def test_units_are_classified_in_words(study, setup, owner_client):
    html = owner_client.get(page_url(study, setup)).content.decode()
    states = re.findall(r'<li id="unit-(\d+)" class="unit state-(\w+)', html)
    assert states == [("1", "agreed"), ("2", "span_differs"), ("3", "code_differs"), ("4", "only")]
    assert "span differs" in html and "code differs" in html and "only B" in html
    assert 'B coded this as: <span translate="no">Doubt</span>' in html
    assert "0 of 4 settled" in html


def test_the_columns_show_both_layers_and_consensus_aligned_by_turn(study, setup, owner_client):
    html = owner_client.get(page_url(study, setup)).content.decode()
    assert '<th scope="col">A: <span translate="no">bob</span></th>' in html
    assert '<th scope="col">B: <span translate="no">erin</span></th>' in html
    assert ">Consensus</th>" in html
    rows = re.findall(r'<tr><th scope="row" class="turn-no">(\d+)</th>', html)
    assert rows == ["1", "2", "3"]
    # Disagreeing regions are marked; the agreed one is not.
    assert 'class="diff' in html
    assert 'id="t-unit-2"' in html


def test_previous_and_next_walk_the_units(study, setup, owner_client):
    html = owner_client.get(page_url(study, setup, unit=2)).content.decode()
    assert "unit=1#unit-1" in html and "unit=3#unit-3" in html


def test_the_unsettled_filter_hides_agreed_and_settled_units(study, setup, owner_client):
    html = owner_client.get(page_url(study, setup, show="unsettled")).content.decode()
    assert 'id="unit-1"' not in html and 'id="unit-2"' in html


def test_a_viewer_reads_it_without_decision_buttons(study, setup, viewer_client):
    study.share_agreement_with_coders = True
    study.save()
    html = viewer_client.get(page_url(study, setup)).content.decode()
    assert "Accept A" not in html
    assert "span differs" in html


def test_an_outsider_gets_404(study, setup, outsider_client):
    assert outsider_client.get(page_url(study, setup)).status_code == 404


def test_htmx_gets_the_review_fragment(study, setup, owner_client):
    response = owner_client.get(page_url(study, setup), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and 'id="review"' in html


def test_an_unknown_layer_is_404(study, setup, owner_client):
    base = reverse("coding:disagreements", args=[study.pk, setup["t"].pk, setup["code"].pk])
    assert owner_client.get(base + "?layers=bob&layers=nobody").status_code == 404


@pytest.mark.parametrize("n", [1, 5])
def test_its_query_count_is_constant(study, setup, owner_client, n, django_assert_max_num_queries):
    bob, erin = setup["layers"]
    for i in range(n):
        factories.make_segment(setup["t"], setup["code"], bob, 125 + i * 2, 126 + i * 2)
    # session, user, membership, layers, codebook, transcript, consensus layer, segments,
    # decisions: 9
    with django_assert_max_num_queries(9):
        assert owner_client.get(page_url(study, setup)).status_code == 200


def test_units_for_merges_layers_into_maximal_regions():
    units = units_for([[(0, 5), (5, 8), (20, 30)], [(2, 10), (40, 50)]])
    assert [(u.start, u.end) for u in units] == [(0, 10), (20, 30), (40, 50)]
    assert units[0].coverage == [[(0, 8)], [(2, 10)]]
    assert units[0].result_spans("intersection") == [(2, 8)]
    assert units[0].result_spans("union") == [(0, 10)]
    assert units[1].result_spans("accept_b") == []


def unit_html(html, number):
    return html.split(f'<li id="unit-{number}"', 1)[1].split('<li id="unit-', 1)[0]


def test_each_unit_quotes_what_each_side_coded(study, setup, owner_client):
    html = owner_client.get(page_url(study, setup)).content.decode()
    unit = unit_html(html, 2)
    # A coded 55–70, B coded 60–75: each side's own words, not offsets alone.
    assert re.search(
        r'A</span>\s*<span translate="no">bob</span>:\s*<q[^>]*>y role, then it</q>', unit
    )
    assert re.search(
        r'B</span>\s*<span translate="no">erin</span>:\s*<q[^>]*>e, then it got </q>', unit
    )
    only_b = unit_html(html, 4)
    assert re.search(
        r'A</span>\s*<span translate="no">bob</span>:\s*<span class="muted">nothing</span>', only_b
    )
    assert re.search(
        r'B</span>\s*<span translate="no">erin</span>:\s*<q[^>]*> me and it</q>', only_b
    )


def test_the_passage_marks_what_only_a_and_only_b_cover_with_context(study, setup, owner_client):
    html = owner_client.get(page_url(study, setup)).content.decode()
    unit = unit_html(html, 2)
    passage = re.search(r'<p class="passage"[^>]*>(.*?)</p>', unit, re.S).group(1)
    # Context before and after the unit, from its own line only.
    assert re.search(
        r'<span class="r" data-start="25" data-end="55">P01: At first I did not know m</span>',
        passage,
    )
    assert re.search(r'<del class="r" data-start="55" data-end="60"[^>]*>y rol</del>', passage)
    assert re.search(
        r'<mark class="r both" data-start="60" data-end="70"[^>]*>e, then it</mark>', passage
    )
    assert re.search(r'<ins class="r" data-start="70" data-end="75"[^>]*> got </ins>', passage)
    assert "better." in passage and "P01: Later" not in passage
    # The marks are explained in words (not colour alone).
    assert "struck through: only A" in unit and "underlined: only B" in unit
