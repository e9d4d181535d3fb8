"""Trajectories of one code: participants x waves, gained/kept/lost, the SVG chart."""

from __future__ import annotations

import re
from collections import defaultdict
from xml.etree import ElementTree

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coding.codebook import selectors as codebook_selectors
from coding.compare.frame import study_frame
from coding.compare.layers import layer_choice
from coding.compare.svg import Series, line_chart
from coding.compare.trajectory import ABSENT, NOT_CODED, PRESENT, trajectory
from coding.models import Code, Layer, Segment
from studies.access import study_access
from tests import factories
from tests.coding.test_compare_matrix import build_compare_study


@pytest.fixture
def data(study, owner, coder, coder2):
    return build_compare_study(study, owner, [coder, coder2])


@pytest.fixture
def story(study, owner, coder):
    """X: coded at T1 only; Y: gains it at T2 and keeps it; Z: missed T2."""
    g = factories.make_group(study, name="Workers")
    waves = [factories.make_wave(study, name=n) for n in ("T1", "T2", "T3")]
    code = factories.make_code(study, name="Hope")
    child = factories.make_code(study, name="Hope for work", parent=code)
    layer = factories.make_layer(study, coder)
    people = {}
    for name, present in (("X", (0, 1, 2)), ("Y", (0, 1, 2)), ("Z", (0, 2))):
        p = factories.make_participant(study, pseudonym=name, group=g)
        people[name] = {
            w: factories.make_transcript(study, participant=p, wave=waves[w]) for w in present
        }
        people[name]["p"] = p
    factories.make_segment(people["X"][0], code, layer, 0, 10)
    factories.make_segment(people["Y"][1], child, layer, 0, 10)
    factories.make_segment(people["Y"][1], code, layer, 20, 30)
    factories.make_segment(people["Y"][2], code, layer, 0, 10)
    factories.make_segment(people["Z"][0], child, layer, 0, 10)
    factories.make_segment(people["Z"][2], code, layer, 0, 10)
    return {"group": g, "waves": waves, "code": code, "child": child, "people": people}


def _traj(study, user, code, layer="union", subtree=True):
    choice = layer_choice(study_access(user, study), layer)
    return trajectory(study, choice, code.pk, subtree=subtree)


def test_it_counts_presence_and_changes_between_waves(study, owner, story):
    t = _traj(study, owner, story["code"])
    (g,) = t.groups
    grid = {row.participant.pseudonym: [p.text for p in row.points] for row in g.rows}
    assert grid == {
        "X": ["1 segment", "not coded", "not coded"],
        "Y": ["not coded", "2 segments", "1 segment"],
        "Z": ["1 segment", "not interviewed", "1 segment"],
    }
    assert g.present == [2, 1, 2] and g.interviewed == [3, 2, 3]
    assert g.percents == [67, 50, 67]
    t12, t23 = g.transitions
    assert (t12.gained, t12.kept, t12.lost, t12.never, t12.missing) == (1, 0, 1, 0, 1)
    assert (t23.gained, t23.kept, t23.lost, t23.never, t23.missing) == (0, 1, 0, 1, 1)
    assert t12.both == 2


def test_without_subcodes_only_the_code_itself_counts(study, owner, story):
    t = _traj(study, owner, story["code"], subtree=False)
    grid = {r.participant.pseudonym: [p.status for p in r.points] for r in t.groups[0].rows}
    assert grid["Y"] == ["none", "present", "present"]
    assert grid["Z"] == ["none", "absent", "present"]
    y = next(r for r in t.groups[0].rows if r.participant.pseudonym == "Y")
    assert y.points[1].segments == 1


def test_it_matches_raw_segments_for_every_participant(study, owner, data):
    code = data["codes"]["A"]
    ids = {code.pk, data["codes"]["A1"].pk, data["codes"]["A2"].pk, data["codes"]["A2a"].pk}
    t = _traj(study, owner, code)
    spans = defaultdict(set)
    for tid, pid, wid, c, s, e in Segment.objects.filter(
        layer__in=data["layers"], code_id__in=ids
    ).values_list(
        "transcript_id",
        "transcript__participant_id",
        "transcript__wave_id",
        "code_id",
        "start",
        "end",
    ):
        spans[(pid, wid)].add((tid, c, s, e))
    interviewed = set(
        study.transcripts.filter(participant__isnull=False).values_list("participant_id", "wave_id")
    )
    for g in t.groups:
        for row in g.rows:
            for point in row.points:
                key = (row.participant.pk, point.wave.pk)
                if key not in interviewed:
                    assert point.status == ABSENT
                else:
                    assert point.segments == len(spans[key])
                    assert point.status == (PRESENT if spans[key] else NOT_CODED)


def test_one_query_for_the_segments(study, owner, data):
    choice = layer_choice(study_access(owner, study), "union")
    book, frame = codebook_selectors.codebook(study), study_frame(study)
    with CaptureQueriesContext(connection) as ctx:
        trajectory(study, choice, data["codes"]["A"].pk, book=book, frame=frame)
    assert len(ctx.captured_queries) == 1


def test_unknown_code_raises(study, owner, data):
    choice = layer_choice(study_access(owner, study), "union")
    with pytest.raises(LookupError):
        trajectory(study, choice, 10**9)


# --- the SVG chart ----------------------------------------------------------------------


def test_chart_is_accessible_and_escaped():
    markup = line_chart(
        title="Hope <script>alert(1)</script> & more",
        description="A & B",
        x_labels=["T1", "T2 <b>", "T3"],
        series=[
            Series('Peer "workers" <&>', [10, None, 80]),
            Series("Service users", [0, 50, 100]),
            Series("Co-workers", [None, None, None]),
        ],
        standalone=True,
    )
    root = ElementTree.fromstring(markup.split("?>", 1)[1])  # well-formed XML
    ns = "{http://www.w3.org/2000/svg}"
    assert root.get("role") == "img"
    assert root.find(f"{ns}title").text == "Hope <script>alert(1)</script> & more"
    assert root.find(f"{ns}desc").text == "A & B"
    assert "<script>" not in markup
    labels = [t.text for t in root.iter(f"{ns}text")]
    assert 'Peer "workers" <&>' in labels and "Service users" in labels  # direct labels
    groups = root.findall(f"{ns}g")
    shapes = [
        {child.tag for child in g if child.tag != f"{ns}title" and child.tag != f"{ns}polyline"}
        for g in groups
    ]
    assert shapes[0] != shapes[1]  # distinct markers


def test_chart_breaks_lines_at_missing_waves():
    markup = line_chart(
        title="t",
        description="d",
        x_labels=["T1", "T2", "T3"],
        series=[Series("G", [10, None, 80])],
    )
    assert "<polyline" not in markup  # no line drawn across the gap
    assert markup.count("<circle") == 2 + 1  # two points and the label's marker


# --- the page -------------------------------------------------------------------------------


def _url(study, **params):
    from django.utils.http import urlencode

    return reverse("coding:compare_trajectory", args=[study.pk]) + "?" + urlencode(params)


def test_page_shows_grid_changes_and_chart(owner_client, study, story):
    html = owner_client.get(_url(study, code=story["code"].pk)).content.decode()
    assert "<svg" in html and 'role="img"' in html
    assert "2/3 · 67%" in html and "1/2 · 50%" in html
    assert "not coded" in html and "not interviewed" in html
    # A present cell links to that participant's segments at that wave.
    y = story["people"]["Y"]["p"]
    link = (
        reverse("coding:retrieval", args=[study.pk])
        + f"?code={story['code'].pk}&amp;subtree=1&amp;wave={story['waves'][1].pk}&amp;participant={y.pk}"
    )
    assert link in html


def test_htmx_gets_the_fragment(owner_client, study, story):
    response = owner_client.get(_url(study, code=story["code"].pk), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and 'id="trajectory-region"' in html


def test_unknown_code_falls_back_with_a_message(owner_client, study, story):
    html = owner_client.get(_url(study, code="nope")).content.decode()
    assert "There is no such code" in html


def test_svg_download_has_the_same_numbers(owner_client, study, story):
    response = owner_client.get(_url(study, code=story["code"].pk, format="svg"))
    assert response["Content-Type"] == "image/svg+xml"
    assert "attachment" in response["Content-Disposition"]
    body = response.content.decode()
    assert body.startswith("<?xml")
    assert "67% (2 of 3)" in body and "50% (1 of 2)" in body
    ElementTree.fromstring(body.split("?>", 1)[1])


@pytest.mark.parametrize("blind", [False, True])
def test_personas(persona_clients, study, data, coder, blind):
    study.blind_coding = blind
    study.save()
    code = data["codes"]["A"]
    for name in ("owner", "coder", "viewer"):
        assert persona_clients[name].get(_url(study, code=code.pk)).status_code == 200, name
    assert persona_clients["outsider"].get(_url(study, code=code.pk)).status_code == 404
    html = (
        persona_clients["coder"].get(_url(study, code=code.pk, layer="consensus")).content.decode()
    )
    if blind:
        own = Layer.objects.get(study=study, user=coder)
        expected = trajectory(study, layer_choice(study_access(coder, study), None), code.pk)
        assert "Blind coding is on" in html and "Consensus</option>" not in html
        assert f"layer={own.key}" in html
        for g in expected.groups:
            for p, n, pct in g.waves:
                if n:
                    assert f"{p}/{n} · {pct}%" in html
    else:
        assert re.search(r'<option value="consensus" selected>', html)


def test_query_count_is_constant(owner_client, study, data):
    code = data["codes"]["A"]

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert owner_client.get(_url(study, code=code.pk)).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    layer, transcript = data["layers"][0], data["transcripts"][("P1", "T2")]
    for i in range(10):
        extra = Code.objects.create(study=study, name=f"Sub {i}", parent=code)
        factories.make_segment(transcript, extra, layer, i, i + 4)
    assert count() == before
