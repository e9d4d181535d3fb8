"""The matrix cut by an attribute (page and API): counts against raw segments, denominators,
bins, click-through to the retrieval, blind mode and constant queries."""

from __future__ import annotations

import re
from collections import defaultdict
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coding.models import Segment
from studies.models import Attribute, Participant, Transcript
from tests import factories
from tests.coding.test_compare_matrix import build_compare_study

GENDER = {"P1": "female", "P2": "male", "P3": "female", "S1": "male", "S2": "female"}  # S3: none
AGE = {"P1": 18, "P2": 29, "P3": 30, "S1": 45, "S2": 64, "S3": 70}
INTERVIEWER = {"T1": "KL", "T2": "MW", "T3": "KL"}


@pytest.fixture
def data(study, owner, coder, coder2):
    made = build_compare_study(study, owner, [coder, coder2])
    for pseudonym, p in made["participants"].items():
        values = {"age": AGE[pseudonym]}
        if pseudonym in GENDER:
            values["gender"] = GENDER[pseudonym]
        p.attributes = values
        p.save(update_fields=["attributes"])
    for (_pseudonym, wave), t in made["transcripts"].items():
        if wave:
            t.attributes = {"interviewer": INTERVIEWER[wave]}
            t.save(update_fields=["attributes"])
    Attribute.objects.create(study=study, name="gender", kind="choice", choices=["male", "female"])
    Attribute.objects.create(study=study, name="age", kind="number", position=1)
    Attribute.objects.create(study=study, name="interviewer", scope="transcript")
    made["layer"] = made["layers"][0]
    return made


def value_of(name, pid, tid):
    """The attribute value a transcript counts under, read straight from the rows."""
    if name == "interviewer":
        return Transcript.objects.get(pk=tid).attributes.get("interviewer")
    return Participant.objects.get(pk=pid).attributes.get(name)


def expected(study, layers, name, *, bin_of=lambda v: v):
    """(code, value, wave name) -> participants, transcripts, segments, denominator: from the
    segments and transcripts themselves, codes counted on their own (no rollup)."""
    denominators = defaultdict(set)
    for tid, pid, wave in Transcript.objects.filter(study=study).values_list(
        "pk", "participant_id", "wave__name"
    ):
        if pid is None or wave is None:
            continue
        value = value_of(name, pid, tid)
        if value is not None:
            denominators[(bin_of(value), wave)].add(pid)
    cells = defaultdict(lambda: {"participants": set(), "transcripts": set(), "segments": set()})
    for code, tid, pid, wave, start, end in Segment.objects.filter(layer__in=layers).values_list(
        "code_id",
        "transcript_id",
        "transcript__participant_id",
        "transcript__wave__name",
        "start",
        "end",
    ):
        if pid is None or wave is None:
            continue
        value = value_of(name, pid, tid)
        if value is None:
            continue
        cell = cells[(code, bin_of(value), wave)]
        cell["participants"].add(pid)
        cell["transcripts"].add(tid)
        cell["segments"].add((tid, start, end))
    return cells, {k: len(v) for k, v in denominators.items()}


def api(client, study, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    response = client.get(f"/api/v1/studies/{study.pk}/matrix?{query}")
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize("measure", ["participants", "transcripts", "segments"])
def test_the_api_cuts_the_matrix_by_gender_as_the_raw_segments_count(
    owner_client, study, data, measure
):
    body = api(owner_client, study, layer="union", measure=measure, rollup=0, by="attribute:gender")
    cells, denominators = expected(study, data["layers"], "gender")

    assert body["by"] == "attribute:gender"
    assert body["groups"] == ["male", "female"]  # the choices' order
    assert {c["group"] for c in body["cells"]} == {"male", "female"}
    for c in body["cells"]:
        n = denominators.get((c["group"], c["wave"]), 0)
        assert c["denominator"] == n
        if not n:
            assert c["value"] is None
            continue
        got = cells.get((c["code_id"], c["group"], c["wave"]))
        assert c["value"] == (len(got[measure]) if got else 0), c


def test_denominators_are_the_participants_with_the_value_interviewed_at_the_wave(
    owner_client, study, data
):
    body = api(owner_client, study, by="attribute:gender")
    by_cell = {(c["group"], c["wave"]): c["denominator"] for c in body["cells"]}
    # female: P1 (T1 T2 T3), P3 (T1 T3), S2 (T1 T2); male: P2 (T1 T2), S1 (T1). S3 has none.
    assert by_cell == {
        ("male", "T1"): 2,
        ("male", "T2"): 1,
        ("male", "T3"): 0,
        ("female", "T1"): 3,
        ("female", "T2"): 2,
        ("female", "T3"): 2,
    }


def test_numeric_attributes_are_binned_at_the_edges_given(owner_client, study, data):
    body = api(
        owner_client,
        study,
        by="attribute:age",
        bins="18,30,45,65",
        measure="transcripts",
        layer="union",
        rollup=0,
    )
    assert body["groups"] == [
        "under 18",
        "18 to under 30",
        "30 to under 45",
        "45 to under 65",
        "65 and over",
    ]
    edges = [18, 30, 45, 65]

    def bin_of(age):
        labels = body["groups"]
        return labels[sum(age >= e for e in edges)]

    cells, denominators = expected(study, data["layers"], "age", bin_of=bin_of)
    by_cell = {(c["group"], c["wave"]): c["denominator"] for c in body["cells"]}
    # P3 is exactly 30: the upper edge is left out of "18 to under 30".
    assert by_cell[("30 to under 45", "T1")] == 1
    assert by_cell[("18 to under 30", "T1")] == 2
    assert by_cell[("under 18", "T1")] == 0
    for c in body["cells"]:
        assert c["denominator"] == denominators.get((c["group"], c["wave"]), 0)
        got = cells.get((c["code_id"], c["group"], c["wave"]))
        if c["denominator"]:
            assert c["value"] == (len(got["transcripts"]) if got else 0)


def test_a_transcript_attribute_groups_by_each_transcripts_own_value(owner_client, study, data):
    body = api(
        owner_client, study, by="attribute:interviewer", measure="segments", rollup=0, layer="union"
    )
    cells, denominators = expected(study, data["layers"], "interviewer")
    assert body["groups"] == ["KL", "MW"]
    for c in body["cells"]:
        assert c["denominator"] == denominators.get((c["group"], c["wave"]), 0)
        got = cells.get((c["code_id"], c["group"], c["wave"]))
        if c["denominator"]:
            assert c["value"] == (len(got["segments"]) if got else 0)


def test_a_filter_restricts_the_counts_and_the_denominators(owner_client, study, data):
    body = api(owner_client, study, **{"attribute:gender": "female"})
    by_cell = {(c["group"], c["wave"]): c["denominator"] for c in body["cells"]}
    # Stakeholder groups, only women: P1 and P3 (group 0), S2 (group 1).
    assert by_cell[("Peer support workers", "T1")] == 2
    assert by_cell[("Service users", "T1")] == 1
    assert by_cell[("Service users", "T3")] == 0


def test_the_api_refuses_an_unknown_attribute_or_bad_bins(owner_client, study, data):
    url = f"/api/v1/studies/{study.pk}/matrix"
    assert owner_client.get(url + "?by=attribute:nosuch").status_code == 400
    assert owner_client.get(url + "?by=attribute:age&bins=30,18").status_code == 400
    assert owner_client.get(url + "?attribute:age=old").status_code == 400


def _cells(html):
    return re.findall(r'<td class="heat-cell num"[^>]*><a href="([^"]+)"[^>]*>([^<]+)</a>', html)


def test_a_cell_of_the_page_opens_the_retrieval_filtered_by_its_value(
    owner_client, study, data, coder
):
    url = reverse("coding:compare_matrix", args=[study.pk])
    html = owner_client.get(
        url, {"by": "attribute:gender", "measure": "segments", "layer": coder.username, "rollup": 0}
    ).text
    assert 'Segments by <span translate="no">gender</span> and wave' in html
    links = _cells(html)
    assert links
    for href, text in links[:6]:
        href = unescape(href)
        params = parse_qs(urlsplit(href).query)
        assert "group" not in params
        assert params["attribute:gender"][0] in ("male", "female")
        page = owner_client.get(href).text
        found = re.search(r"<strong>(\d+) segments?</strong>", page)
        assert found, href
        assert int(found.group(1)) == int(text)


def test_empty_cells_are_hatched_not_zero(owner_client, study, data):
    url = reverse("coding:compare_matrix", args=[study.pk])
    html = owner_client.get(url, {"by": "attribute:gender"}).text
    # Nobody male was interviewed at T3: one hatched cell per code in that column.
    assert html.count('class="heat-missing num"') == len(data["codes"])


def test_a_blind_coder_counts_only_their_own_layer_when_cut_by_attribute(
    coder_client, study, data, coder
):
    study.blind_coding = True
    study.save(update_fields=["blind_coding"])
    body = api(
        coder_client, study, layer="union", measure="segments", rollup=0, by="attribute:gender"
    )
    cells, _ = expected(study, [data["layer"]], "gender")
    assert body["layer"] == coder.username
    for c in body["cells"]:
        if c["value"] is None:
            continue
        got = cells.get((c["code_id"], c["group"], c["wave"]))
        assert c["value"] == (len(got["segments"]) if got else 0)


def _page_queries(client, study):
    url = reverse("coding:compare_matrix", args=[study.pk])
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, {"by": "attribute:gender", "layer": "union"}).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("by", ["attribute:gender", "attribute:interviewer"])
def test_the_query_count_is_the_same_for_2_and_20_participants(owner_client, study, owner, by):
    group = factories.make_group(study, name="G")
    wave = factories.make_wave(study, name="T1")
    code = factories.make_code(study, name="A")
    layer = factories.make_layer(study, owner)
    Attribute.objects.create(study=study, name="gender")
    Attribute.objects.create(study=study, name="interviewer", scope="transcript")

    def add(n):
        for _ in range(n):
            p = factories.make_participant(study, group=group, attributes={"gender": "female"})
            t = factories.make_transcript(
                study, participant=p, wave=wave, attributes={"interviewer": "KL"}
            )
            factories.make_segment(t, code, layer, 0, 5)

    url = reverse("coding:compare_matrix", args=[study.pk])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert owner_client.get(url, {"by": by, "layer": "union"}).status_code == 200
        return len(ctx.captured_queries)

    add(2)
    few = count()
    add(18)
    assert count() == few
