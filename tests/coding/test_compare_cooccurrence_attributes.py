"""Co-occurrence restricted by attributes (``attribute:<name>=<value>``), a participant one
(gender) or a transcript one (interviewer), like the other comparisons: the counts and the
passages behind a cell against pairs found in the raw segments."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from html import unescape

import lxml.html
import pytest
from django.urls import reverse

from coding.models import Segment
from tests.coding import test_compare_attributes as matrix_by_attribute

data = matrix_by_attribute.data  # the same study: gender, age, interviewer (transcripts)
value_of = matrix_by_attribute.value_of


def expected_pairs(layer, name, value):
    """(code a, code b) -> overlapping pairs in the layer's transcripts under that value
    (both orders; the diagonal once per pair), found by comparing every two segments."""
    by_transcript = defaultdict(list)
    for tid, pid, code, start, end in Segment.objects.filter(layer=layer).values_list(
        "transcript_id", "transcript__participant_id", "code_id", "start", "end"
    ):
        if pid is not None and str(value_of(name, pid, tid)) == value:
            by_transcript[tid].append((start, end, code))
    counts = Counter()
    for spans in by_transcript.values():
        for i, (s1, e1, c1) in enumerate(spans):
            for s2, e2, c2 in spans[i + 1 :]:
                if s1 < e2 and s2 < e1:
                    counts[(c1, c2)] += 1
                    if c1 != c2:
                        counts[(c2, c1)] += 1
    return counts


def page_counts(html, codes):
    """The matrix on the page: (row code, column code) -> count."""
    names = {c.name: c.pk for c in codes}
    table = lxml.html.fromstring(html).xpath('//table[@id="cooccurrence-matrix"]')[0]
    cols = [names[th.text_content().strip()] for th in table.xpath("./thead/tr/th")[1:]]
    out = {}
    for row in table.xpath("./tbody/tr"):
        code = names[row.xpath("./th")[0].text_content().strip()]
        for col, td in zip(cols, row.xpath("./td"), strict=True):
            out[(code, col)] = int(td.text_content().split()[0])
    return out


@pytest.mark.parametrize(("name", "value"), [("gender", "female"), ("interviewer", "KL")])
def test_counts_restricted_by_an_attribute_are_the_raw_pairs(
    owner_client, study, data, coder, name, value
):
    layer = data["layer"]
    url = reverse("coding:compare_cooccurrence", args=[study.pk])
    html = owner_client.get(url, {"layer": coder.username, f"attribute:{name}": value}).text
    assert f"{name} = {value}" in html
    want = expected_pairs(layer, name, value)
    got = page_counts(html, data["codes"].values())
    assert got, html[:2000]
    for key, n in got.items():
        assert n == want.get(key, 0), key
    assert sum(want.values()) == sum(got.values())
    # every cell's passages are that many pairs, all under the value
    links = re.findall(r'<td class="heat-cell num"[^>]*><a href="([^"]+)"[^>]*>(\d+)</a>', html)
    assert links
    for href, n in links[:4]:
        href = unescape(href)
        assert f"attribute%3A{name}={value}" in href or f"attribute:{name}={value}" in href
        passages = owner_client.get(href).text
        assert f"{n} overlapping pair" in passages, href
