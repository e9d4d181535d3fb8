"""Group x wave matrix: counts against an independent computation over raw segments."""

from __future__ import annotations

import random
import re
from collections import defaultdict

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coding.codebook import selectors as codebook_selectors
from coding.compare.frame import study_frame
from coding.compare.heat import HEAT_COLOURS, HeatScale, text_colour
from coding.compare.layers import NO_CONSENSUS_NOTE, layer_choice
from coding.compare.matrix import MEASURES, matrix
from coding.models import Code, Layer, Segment
from studies.access import study_access
from studies.models import Transcript
from tests import factories
from workbench.lib.colour import contrast

# (pseudonym, group index, wave indexes): attrition as in the reference study.
PEOPLE = (
    ("P1", 0, (0, 1, 2)),
    ("P2", 0, (0, 1)),
    ("P3", 0, (0, 2)),
    ("S1", 1, (0,)),
    ("S2", 1, (0, 1)),
    ("S3", 1, (0, 1)),
)


def build_compare_study(study, owner, coders, *, seed: int = 7, per_layer: int = 6):
    """Groups PSW/SU, waves T1-T3 (nobody of SU at T3), codes A(A1, A2(A2a)), B, C,
    layers for each coder and consensus, random segments plus planted identical spans.

    Returns a dict of the created objects by name.
    """
    made: dict = {"groups": [], "waves": [], "participants": {}, "transcripts": {}}
    for name in ("Peer support workers", "Service users"):
        made["groups"].append(factories.make_group(study, name=name))
    for name in ("T1", "T2", "T3"):
        made["waves"].append(factories.make_wave(study, name=name))
    for pseudonym, g, waves in PEOPLE:
        p = factories.make_participant(study, pseudonym=pseudonym, group=made["groups"][g])
        made["participants"][pseudonym] = p
        for w in waves:
            wave = made["waves"][w]
            made["transcripts"][(pseudonym, wave.name)] = factories.make_transcript(
                study, title=f"{pseudonym} {wave.name}", participant=p, wave=wave
            )
    made["transcripts"][("focus", "")] = factories.make_transcript(study, title="Focus group")
    a = factories.make_code(study, name="A", position=0)
    a1 = factories.make_code(study, name="A1", parent=a, position=0)
    a2 = factories.make_code(study, name="A2", parent=a, position=1)
    a2a = factories.make_code(study, name="A2a", parent=a2, position=0)
    b = factories.make_code(study, name="B", position=1)
    c = factories.make_code(study, name="C", position=2)
    made["codes"] = {"A": a, "A1": a1, "A2": a2, "A2a": a2a, "B": b, "C": c}
    layers = [factories.make_layer(study, user) for user in coders]
    consensus = factories.make_layer(study)
    made["layers"] = layers
    made["consensus"] = consensus
    rng = random.Random(seed)
    codes = list(made["codes"].values())
    seen = set()
    for transcript in made["transcripts"].values():
        length = len(transcript.text)
        for layer in [*layers, consensus]:
            for _ in range(per_layer):
                start = rng.randrange(0, length - 20)
                end = start + rng.randrange(3, 60)
                code = rng.choice(codes)
                key = (transcript.pk, code.pk, layer.pk, start, min(end, length))
                if key in seen or not transcript.text[start : min(end, length)].strip():
                    continue
                seen.add(key)
                factories.make_segment(transcript, code, layer, start, min(end, length))
    # Planted: both coders code P1 at T1 with A1 on the same span (union counts it once),
    # and S1 at T1 with A2a by one coder only.
    t = made["transcripts"][("P1", "T1")]
    for layer in layers:
        if (t.pk, a1.pk, layer.pk, 0, 12) not in seen:
            factories.make_segment(t, a1, layer, 0, 12)
    return made


def expected_cells(study, layers, *, rollup: bool) -> dict:
    """Straight from the rows, with nothing shared with coding.compare."""
    parent = dict(Code.objects.filter(study=study).values_list("pk", "parent_id"))

    def covers(ancestor, code):
        while code is not None:
            if code == ancestor:
                return True
            code = parent[code]
        return False

    rows = list(
        Segment.objects.filter(layer__in=layers).values_list(
            "code_id",
            "transcript_id",
            "transcript__participant_id",
            "transcript__participant__group_id",
            "transcript__wave_id",
            "start",
            "end",
        )
    )
    interviewed = defaultdict(set)
    for pid, gid, wid in Transcript.objects.filter(study=study).values_list(
        "participant_id", "participant__group_id", "wave_id"
    ):
        if pid and gid and wid:
            interviewed[(gid, wid)].add(pid)
    out = {}
    groups = list(study.groups.values_list("pk", flat=True))
    waves = list(study.waves.values_list("pk", flat=True))
    for code in parent:
        for g in groups:
            for w in waves:
                hits = [
                    r
                    for r in rows
                    if r[3] == g and r[4] == w and (covers(code, r[0]) if rollup else r[0] == code)
                ]
                out[(code, g, w)] = {
                    "segments": len({(r[1], r[0], r[5], r[6]) for r in hits}),
                    "participants": len({r[2] for r in hits}),
                    "transcripts": len({r[1] for r in hits}),
                    "denominator": len(interviewed[(g, w)]),
                }
    return out


@pytest.fixture
def data(study, owner, coder, coder2):
    return build_compare_study(study, owner, [coder, coder2])


def _access(user, study):
    return study_access(user, study.pk)


def _check(study, choice, expected):
    for measure in MEASURES:
        for rollup in (True, False):
            exp = expected[rollup]
            m = matrix(study, choice, measure=measure, rollup=rollup)
            seen = 0
            for row in m.rows:
                for cell in row.cells:
                    e = exp[(cell.code_id, cell.group_id, cell.wave_id)]
                    assert cell.value == e[measure], (measure, rollup, cell)
                    assert cell.denominator == e["denominator"]
                    seen += 1
            assert seen == len(exp)


def test_counts_match_raw_segments_in_every_layer_choice(study, owner, data):
    access = _access(owner, study)
    for key, layers in (
        ("consensus", [data["consensus"]]),
        ("union", data["layers"]),
        (data["layers"][0].key, [data["layers"][0]]),
    ):
        choice = layer_choice(access, key)
        assert sorted(lr.pk for lr in choice.layers) == sorted(lr.pk for lr in layers)
        expected = {r: expected_cells(study, layers, rollup=r) for r in (True, False)}
        _check(study, choice, expected)


def test_denominators_follow_attrition(study, owner, data):
    m = matrix(study, layer_choice(_access(owner, study), "union"))
    n = {(c.group.name, c.wave.name): c.participants for c in m.columns}
    assert n == {
        ("Peer support workers", "T1"): 3,
        ("Peer support workers", "T2"): 2,
        ("Peer support workers", "T3"): 2,
        ("Service users", "T1"): 3,
        ("Service users", "T2"): 2,
        ("Service users", "T3"): 0,
    }
    su, t3 = data["groups"][1], data["waves"][2]
    cell = m.cell(data["codes"]["A"].pk, su.pk, t3.pk)
    assert not cell.interviewed and cell.text == "—"
    assert m.frame.unplaced == 1  # the focus group


def test_union_counts_a_participant_coded_by_two_coders_once(study, owner, coder, coder2):
    g = factories.make_group(study, name="G")
    w = factories.make_wave(study, name="T1")
    p = factories.make_participant(study, pseudonym="P9", group=g)
    t = factories.make_transcript(study, participant=p, wave=w)
    code = factories.make_code(study, name="Hope")
    bob, erin = factories.make_layer(study, coder), factories.make_layer(study, coder2)
    factories.make_segment(t, code, bob, 0, 12)
    factories.make_segment(t, code, erin, 0, 12)  # the same passage
    factories.make_segment(t, code, erin, 20, 30)
    access = _access(owner, study)
    union = layer_choice(access, "union")
    for measure, value in (("participants", 1), ("transcripts", 1), ("segments", 2)):
        cell = matrix(study, union, measure=measure).cell(code.pk, g.pk, w.pk)
        assert cell.value == value, measure
    cell = matrix(study, union, measure="participants").cell(code.pk, g.pk, w.pk)
    assert cell.text == "1/1 · 100%"


def test_rollup_counts_distinct_participants_over_the_subtree(study, owner, coder):
    g = factories.make_group(study, name="G")
    w = factories.make_wave(study, name="T1")
    parent = factories.make_code(study, name="Parent")
    child = factories.make_code(study, name="Child", parent=parent)
    grandchild = factories.make_code(study, name="Grandchild", parent=child)
    layer = factories.make_layer(study, coder)
    people = [factories.make_participant(study, pseudonym=f"Q{i}", group=g) for i in range(4)]
    ts = [factories.make_transcript(study, participant=p, wave=w) for p in people]
    factories.make_segment(ts[0], child, layer, 0, 10)
    factories.make_segment(ts[0], grandchild, layer, 5, 15)  # same participant again
    factories.make_segment(ts[1], grandchild, layer, 0, 10)
    factories.make_segment(ts[2], parent, layer, 0, 10)
    choice = layer_choice(_access(coder, study), "union")
    rolled = matrix(study, choice, measure="participants", rollup=True)
    own = matrix(study, choice, measure="participants", rollup=False)
    assert rolled.cell(parent.pk, g.pk, w.pk).participants == 3  # not 1 + 2 + 2 = 5
    assert rolled.cell(child.pk, g.pk, w.pk).participants == 2
    assert own.cell(parent.pk, g.pk, w.pk).participants == 1
    assert own.cell(child.pk, g.pk, w.pk).participants == 1
    assert rolled.cell(parent.pk, g.pk, w.pk).text == "3/4 · 75%"
    segs = matrix(study, choice, measure="segments", rollup=True)
    assert segs.cell(parent.pk, g.pk, w.pk).segments == 4


def test_default_layer_is_consensus_when_it_has_segments(study, owner, data):
    access = _access(owner, study)
    assert layer_choice(access, None).key == "consensus"
    Segment.objects.filter(layer=data["consensus"]).delete()
    choice = layer_choice(access, None)
    assert choice.key == "union" and choice.note == NO_CONSENSUS_NOTE


def test_blind_coder_counts_only_their_own_layer(study, owner, coder, data):
    study.blind_coding = True
    study.save()
    access = _access(coder, study)
    own = Layer.objects.get(study=study, user=coder)
    for requested in (None, "union", own.key):
        choice = layer_choice(access, requested)
        assert [lr.pk for lr in choice.layers] == [own.pk]
    for hidden in ("consensus", data["layers"][1].key):
        with pytest.raises(LookupError):
            layer_choice(access, hidden)
    expected = {r: expected_cells(study, [own], rollup=r) for r in (True, False)}
    _check(study, layer_choice(access, None), expected)


def test_heat_scale_text_keeps_contrast():
    for colour in HEAT_COLOURS:
        assert contrast(colour, text_colour(colour)) >= 4.5, colour
    scale = HeatScale.for_percent()
    assert [scale.bin_of(v, 5) for v in (0, 1, 2, 3, 4, 5)] == [0, 2, 3, 4, 5, 5]
    counts = HeatScale.for_counts([0, 1, 10])
    assert counts.bin_of(10) == 5 and counts.bin_of(1) == 1
    assert [b.label for b in counts.bins()] == ["0", "1–2", "3–4", "5–6", "7–8", "9–10"]


# --- the page --------------------------------------------------------------------------


def _url(study, **params):
    from django.utils.http import urlencode

    url = reverse("coding:compare_matrix", args=[study.pk])
    return f"{url}?{urlencode(params)}" if params else url


def test_page_shows_cells_with_denominators_and_links(owner_client, study, data):
    response = owner_client.get(_url(study, layer="union", measure="participants"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<table" in html and "<caption" in html
    assert (
        'Participants coded by stakeholder group and wave · layer: <span translate="no">Coders&#x27; union</span>'
        in html
    )
    assert '<span translate="no">T1</span> <span class="denominator">(n=3)</span>' in html
    assert "heat-missing" in html  # Service users at T3
    # Every cell of A links to retrieval with exactly the cell's filters.
    a, psw, t1 = data["codes"]["A"], data["groups"][0], data["waves"][0]
    href = reverse("coding:retrieval", args=[study.pk]) + (
        f"?code={a.pk}&amp;subtree=1&amp;group={psw.pk}&amp;wave={t1.pk}"
    )
    assert href in html
    m = matrix(study, layer_choice(study_access(data["layers"][0].user, study), "union"))
    assert m.cell(a.pk, psw.pk, t1.pk).text in html


def test_page_with_one_layer_links_with_its_key(owner_client, study, data):
    key = data["layers"][0].key
    html = owner_client.get(_url(study, layer=key, measure="segments", rollup=0)).content.decode()
    assert f"layer={key}" in html
    assert "subtree=1" not in html


def test_page_says_when_there_is_no_consensus(owner_client, study, data):
    Segment.objects.filter(layer=data["consensus"]).delete()
    html = owner_client.get(_url(study)).content.decode()
    assert "No consensus yet: showing coders&#x27; union." in html


def test_htmx_request_gets_the_fragment(owner_client, study, data):
    response = owner_client.get(_url(study, measure="segments"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="matrix-region"' in html


@pytest.mark.parametrize("blind", [False, True])
def test_personas(persona_clients, study, data, owner, coder, viewer, blind):
    study.blind_coding = blind
    study.save()
    url = _url(study)
    for name in ("owner", "coder", "viewer"):
        response = persona_clients[name].get(url)
        assert response.status_code == 200, name
    assert persona_clients["outsider"].get(url).status_code == 404
    coder_html = persona_clients["coder"].get(_url(study, layer="consensus")).content.decode()
    if blind:
        assert "Blind coding is on" in coder_html
        assert "Consensus</option>" not in coder_html
        assert "There is no layer" in coder_html
        own = Layer.objects.get(study=study, user=coder)
        m = matrix(study, layer_choice(study_access(coder, study), None))
        a, psw, t1 = data["codes"]["A"], data["groups"][0], data["waves"][0]
        assert f"layer={own.key}" in coder_html
        assert m.cell(a.pk, psw.pk, t1.pk).text in coder_html
    else:
        assert "Consensus</option>" in coder_html


def test_anonymous_is_sent_to_login(client, study):
    response = client.get(_url(study))
    assert response.status_code == 302


def test_query_count_does_not_grow_with_codes_or_segments(owner_client, study, data, coder):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert owner_client.get(_url(study, layer="union")).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    # Queries: session, user, membership+study; layers; consensus coverage (one
    # aggregate); codebook; attribute definitions; groups; waves; participants;
    # transcripts; the one segment aggregate.
    assert before <= 12
    layer = data["layers"][0]
    transcript = data["transcripts"][("P1", "T1")]
    for i in range(15):
        code = factories.make_code(study, name=f"Extra {i}", parent=data["codes"]["B"])
        factories.make_segment(transcript, code, layer, i, i + 5)
    assert count() == before


@pytest.mark.parametrize("measure", list(MEASURES))
def test_matrix_runs_one_segment_query(study, owner, data, measure):
    choice = layer_choice(_access(owner, study), "union")
    book, frame = codebook_selectors.codebook(study), study_frame(study)
    with CaptureQueriesContext(connection) as ctx:
        matrix(study, choice, measure=measure, book=book, frame=frame)
    # The only query: segments grouped by (code, transcript).
    assert len(ctx.captured_queries) == 1
    sql = ctx.captured_queries[0]["sql"]
    assert "coding_segment" in sql
    assert re.search(r"GROUP BY|DISTINCT", sql, re.I)


def test_history_restore_gets_the_whole_page(owner_client, study, data):
    response = owner_client.get(
        _url(study), HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in response.content.decode()
    assert "HX-Request" in response["Vary"]
