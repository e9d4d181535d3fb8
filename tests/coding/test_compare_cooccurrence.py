"""Co-occurrence: overlapping segments of two codes in the same layer and transcript."""

from __future__ import annotations

import random
from collections import defaultdict
from itertools import combinations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.http import urlencode

from coding.codebook import selectors as codebook_selectors
from coding.compare.cooccurrence import cooccurrence, overlap_pairs, overlap_passages
from coding.compare.layers import layer_choice
from coding.models import Layer, Segment
from studies.access import study_access
from tests import factories
from tests.coding.test_compare_matrix import build_compare_study


@pytest.fixture
def data(study, owner, coder, coder2):
    return build_compare_study(study, owner, [coder, coder2], per_layer=12)


def brute_force(layers, *, group=None, wave=None):
    """Every pair of segments compared: O(n²), fine for a test."""
    qs = Segment.objects.filter(layer__in=layers)
    if group is not None:
        qs = qs.filter(transcript__participant__group=group)
    if wave is not None:
        qs = qs.filter(transcript__wave=wave)
    by_tl = defaultdict(list)
    for t, lr, c, s, e in qs.values_list("transcript_id", "layer_id", "code_id", "start", "end"):
        by_tl[(t, lr)].append((c, s, e))
    counts = defaultdict(int)
    for segs in by_tl.values():
        for (c1, s1, e1), (c2, s2, e2) in combinations(segs, 2):
            if s1 < e2 and s2 < e1:
                counts[(c1, c2)] += 1
                if c1 != c2:
                    counts[(c2, c1)] += 1
    return dict(counts)


def test_overlap_pairs_sweep_equals_all_pairs():
    rng = random.Random(3)
    for _ in range(200):
        spans = []
        for _ in range(rng.randrange(0, 25)):
            s = rng.randrange(0, 100)
            spans.append((s, s + rng.randrange(1, 30), len(spans)))
        spans.sort()
        swept = {frozenset((a[2], b[2])) for a, b in overlap_pairs(spans)}
        brute = {
            frozenset((a[2], b[2]))
            for a, b in combinations(spans, 2)
            if a[0] < b[1] and b[0] < a[1]
        }
        assert swept == brute


def test_touching_spans_do_not_overlap():
    assert list(overlap_pairs([(0, 5, "a"), (5, 9, "b")])) == []
    assert len(list(overlap_pairs([(0, 5, "a"), (4, 9, "b")]))) == 1


@pytest.mark.parametrize("key", ["union", "consensus", "first"])
def test_counts_equal_a_brute_force_over_all_pairs(study, owner, data, key):
    access = study_access(owner, study)
    layers = {
        "union": data["layers"],
        "consensus": [data["consensus"]],
        "first": [data["layers"][0]],
    }[key]
    requested = data["layers"][0].key if key == "first" else key
    co = cooccurrence(study, layer_choice(access, requested))
    expected = brute_force(layers)
    assert expected  # the data has overlaps
    assert co.counts == expected


def test_filters_by_group_and_wave(study, owner, data):
    access = study_access(owner, study)
    g, w = data["groups"][0], data["waves"][1]
    co = cooccurrence(study, layer_choice(access, "union"), group_id=g.pk, wave_id=w.pk)
    assert co.counts == brute_force(data["layers"], group=g, wave=w)


def test_pairs_in_different_layers_do_not_count(study, owner, coder, coder2):
    t = factories.make_transcript(study)
    a, b = factories.make_code(study, name="A"), factories.make_code(study, name="B")
    bob, erin = factories.make_layer(study, coder), factories.make_layer(study, coder2)
    factories.make_segment(t, a, bob, 0, 20)
    factories.make_segment(t, b, erin, 10, 30)  # overlaps, but in another layer
    factories.make_segment(t, b, bob, 19, 25)  # overlaps A by one character
    co = cooccurrence(study, layer_choice(study_access(owner, study), "union"))
    assert co.counts == {(a.pk, b.pk): 1, (b.pk, a.pk): 1}


def test_one_query_for_the_whole_matrix(study, owner, data):
    choice = layer_choice(study_access(owner, study), "union")
    book = codebook_selectors.codebook(study)
    with CaptureQueriesContext(connection) as ctx:
        cooccurrence(study, choice, book=book)
    assert len(ctx.captured_queries) == 1


def test_passages_are_exactly_the_overlapping_pairs(study, owner, data):
    access = study_access(owner, study)
    choice = layer_choice(access, "union")
    co = cooccurrence(study, choice)
    (a, b), n = max(((k, v) for k, v in co.counts.items() if k[0] != k[1]), key=lambda kv: kv[1])
    passages = overlap_passages(study, choice, a, b)
    assert len(passages) == n
    for p in passages:
        assert p.a.code_id == a and p.b.code_id == b
        assert p.a.layer_id == p.b.layer_id and p.a.transcript_id == p.b.transcript_id
        assert p.start < p.end
        text = study.transcripts.get(pk=p.transcript_id).text
        assert p.overlap == text[p.start : p.end]


# --- the pages ---------------------------------------------------------------------------


def _url(study, name="coding:compare_cooccurrence", **params):
    return reverse(name, args=[study.pk]) + "?" + urlencode(params)


def test_page_links_cells_to_the_passages(owner_client, study, data):
    html = owner_client.get(_url(study, layer="union")).content.decode()
    assert 'id="cooccurrence-matrix"' in html and "<caption" in html
    choice = layer_choice(study_access(data["layers"][0].user, study), "union")
    co = cooccurrence(study, choice)
    (a, b), n = next((k, v) for k, v in co.counts.items() if k[0] != k[1])
    href = _url(study, "coding:compare_passages", layer="union", a=a, b=b).replace("&", "&amp;")
    assert f'<a href="{href}"' in html
    passages = owner_client.get(_url(study, "coding:compare_passages", layer="union", a=a, b=b))
    assert passages.status_code == 200
    assert f"{n} overlapping pair" in passages.content.decode()


def test_page_filters_and_htmx_fragment(owner_client, study, data):
    g, w = data["groups"][1], data["waves"][0]
    response = owner_client.get(
        _url(study, layer="union", group=g.pk, wave=w.pk), HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "<html" not in html and 'id="cooccurrence-region"' in html
    assert f"· {g.name} · {w.name}" in html


def test_passages_of_unknown_code_is_404(owner_client, study, data):
    response = owner_client.get(_url(study, "coding:compare_passages", a=1, b=10**9))
    assert response.status_code == 404


@pytest.mark.parametrize("blind", [False, True])
def test_personas(persona_clients, study, data, coder, blind):
    study.blind_coding = blind
    study.save()
    a, b = data["codes"]["A1"].pk, data["codes"]["B"].pk
    for url in (_url(study), _url(study, "coding:compare_passages", a=a, b=b)):
        for name in ("owner", "coder", "viewer"):
            assert persona_clients[name].get(url).status_code == 200, (name, url)
        assert persona_clients["outsider"].get(url).status_code == 404
    if blind:
        own = Layer.objects.get(study=study, user=coder)
        co = cooccurrence(study, layer_choice(study_access(coder, study), None))
        assert co.counts == brute_force([own])
        html = persona_clients["coder"].get(_url(study, layer="consensus")).content.decode()
        assert "Blind coding is on" in html and "Consensus</option>" not in html
        passages = overlap_passages(study, layer_choice(study_access(coder, study), None), a, b)
        html = (
            persona_clients["coder"]
            .get(_url(study, "coding:compare_passages", layer="consensus", a=a, b=b))
            .content.decode()
        )
        assert f"{len(passages)} overlapping pair" in html
        assert all(p.layer.pk == own.pk for p in passages)


def test_query_count_is_constant(owner_client, study, data):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert owner_client.get(_url(study, layer="union")).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    layer, transcript = data["layers"][0], data["transcripts"][("P1", "T1")]
    for i in range(10):
        code = factories.make_code(study, name=f"More {i}")
        factories.make_segment(transcript, code, layer, i, i + 8)
    assert count() == before
