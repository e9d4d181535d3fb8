"""Trajectories and the framework matrix cut by an attribute (``by=attribute:<name>``): a
chart line and a block of participant rows per value instead of per stakeholder group,
with the same denominators, hatching and click-through, against counts made from the raw
segments; participant attributes (gender) and transcript ones (interviewer) alike."""

from __future__ import annotations

from collections import defaultdict
from html import unescape
from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coding.models import Segment
from studies.models import Transcript
from tests.coding import test_compare_attributes as matrix_by_attribute

data = matrix_by_attribute.data  # the same study: gender, age, interviewer (transcripts)
value_of = matrix_by_attribute.value_of

WAVES = ["T1", "T2", "T3"]


def expected(study, layers, name, code_id):
    """value -> wave -> (participants with the code, participants interviewed), and value ->
    participants listed: straight from the transcripts and segments."""
    interviewed = defaultdict(lambda: defaultdict(set))
    for tid, pid, wave in Transcript.objects.filter(study=study).values_list(
        "pk", "participant_id", "wave__name"
    ):
        if pid is None or wave is None:
            continue
        value = value_of(name, pid, tid)
        if value is not None:
            interviewed[value][wave].add(pid)
    present = defaultdict(lambda: defaultdict(set))
    for tid, pid, wave in Segment.objects.filter(layer__in=layers, code_id=code_id).values_list(
        "transcript_id", "transcript__participant_id", "transcript__wave__name"
    ):
        if pid is None or wave is None:
            continue
        value = value_of(name, pid, tid)
        if value is not None:
            present[value][wave].add(pid)
    return {
        value: {w: (len(present[value][w]), len(waves[w])) for w in WAVES}
        for value, waves in interviewed.items()
    }


def summary(html):
    """The chart's data table: {row label: [cell text per wave]}."""
    doc = lxml.html.fromstring(html)
    rows = doc.xpath('//table[@id="trajectory-summary"]/tbody/tr')
    return {
        r.xpath("./th")[0].text_content().strip(): [
            " ".join(td.text_content().split()) for td in r.xpath("./td")
        ]
        for r in rows
    }


def cell_text(present, interviewed):
    if not interviewed:
        return "—not interviewed"  # hatched: the mark and the words for screen readers
    return f"{present}/{interviewed} · {round(100 * present / interviewed)}%"


@pytest.mark.parametrize("name", ["gender", "interviewer"])
def test_trajectories_by_an_attribute_count_as_the_raw_segments_do(owner_client, study, data, name):
    code = data["codes"]["B"]
    url = reverse("coding:compare_trajectory", args=[study.pk])
    response = owner_client.get(
        url, {"code": code.pk, "subtree": 0, "layer": "union", "by": f"attribute:{name}"}
    )
    assert response.status_code == 200
    got = summary(response.text)
    want = expected(study, data["layers"], name, code.pk)
    assert set(got) == set(want)
    for value, waves in want.items():
        assert got[value] == [cell_text(*waves[w]) for w in WAVES], value
    assert f'<span translate="no">{name}</span>' in response.text


def test_a_trajectory_by_gender_lists_each_value_with_its_participants(owner_client, study, data):
    code = data["codes"]["A"]
    url = reverse("coding:compare_trajectory", args=[study.pk])
    html = owner_client.get(url, {"code": code.pk, "by": "attribute:gender"}).text
    doc = lxml.html.fromstring(html)
    blocks = {}
    for body in doc.xpath('//table[@id="trajectory-grid"]/tbody'):
        head = body.xpath('./tr[@class="group-row"]/th')[0].text_content().strip()
        blocks[head] = [th.text_content().strip() for th in body.xpath('./tr/th[@scope="row"]')]
    # male: P2, S1; female: P1, P3, S2 (S3 has no gender: in no block)
    assert {k: sorted(v) for k, v in blocks.items()} == {
        "male": ["P2", "S1"],
        "female": ["P1", "P3", "S2"],
    }


def test_a_point_opens_the_retrieval_of_that_value(owner_client, study, data, coder):
    code = data["codes"]["B"]
    url = reverse("coding:compare_trajectory", args=[study.pk])
    html = owner_client.get(
        url,
        {"code": code.pk, "subtree": 0, "layer": coder.username, "by": "attribute:interviewer"},
    ).text
    doc = lxml.html.fromstring(html)
    links = doc.xpath('//table[@id="trajectory-grid"]//td[contains(@class, "traj-present")]/a')
    assert links
    for a in links:
        href = unescape(a.get("href"))
        params = parse_qs(urlsplit(href).query)
        assert params["attribute:interviewer"][0] in ("KL", "MW")
        page = owner_client.get(href).text
        n = int(a.text_content().split()[1])  # "● 3 segments"
        assert f"<strong>{n} segment" in page, href


def test_the_framework_matrix_groups_its_rows_by_an_attribute(owner_client, study, data):
    url = reverse("coding:compare_framework", args=[study.pk])
    html = owner_client.get(url, {"by": "attribute:gender"}).text
    doc = lxml.html.fromstring(html)
    heads = [th.text_content().strip() for th in doc.xpath('//tr[@class="group-row"]/th')]
    assert heads == ["male", "female"]


def test_the_trajectory_query_count_does_not_grow_with_values(owner_client, study, data):
    code = data["codes"]["A"]
    url = reverse("coding:compare_trajectory", args=[study.pk])

    def count(by):
        with CaptureQueriesContext(connection) as ctx:
            assert owner_client.get(url, {"code": code.pk, "by": by}).status_code == 200
        return len(ctx.captured_queries)

    assert count("attribute:gender") == count("attribute:interviewer")
