"""A number range ``attribute:age=lo..hi`` holds both ends, as the filter's hint "e.g. 30 or
18..30" reads, wherever the syntax is taken: the retrieval (page and API), the comparison
matrix, the agreement report's scope and the search. A matrix bin keeps its half-open edges
(its label says "to under"), and its cell link selects exactly the bin's rows."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.http import QueryDict
from django.urls import reverse

from coding.agreement.forms import ReportForm
from coding.codebook.selectors import codebook
from coding.models import Segment
from studies import attributes as attrs
from studies.models import Participant, Transcript
from tests.coding.test_compare_attributes import AGE, data  # noqa: F401  (fixture)

# AGE: P1 18, P2 29, P3 30, S1 45, S2 64, S3 70


def ages_between(lo, hi):
    """Participant ids whose stored age is within [lo, hi], read from the rows."""
    return {
        pk
        for pk, a in Participant.objects.values_list("pk", "attributes")
        if "age" in (a or {}) and lo <= float(a["age"]) <= hi
    }


def segments_of(participant_ids, layers):
    return set(
        Segment.objects.filter(
            layer__in=layers, transcript__participant_id__in=participant_ids
        ).values_list("pk", flat=True)
    )


def api_retrieval(client, study, value):
    ids, offset = set(), 0
    while True:
        response = client.get(
            f"/api/v1/studies/{study.pk}/retrieval",
            {"attribute:age": value, "offset": offset, "limit": 500},
        )
        assert response.status_code == 200, response.content
        body = response.json()
        ids |= {s["id"] for s in body["segments"]}
        offset += 500
        if offset >= body["count"]:
            return ids, body["count"]


@pytest.mark.parametrize(("value", "lo", "hi"), [("29..45", 29, 45), ("30..30", 30, 30)])
def test_the_retrieval_api_keeps_both_ends_of_a_range(owner_client, study, data, value, lo, hi):  # noqa: F811
    ids, count = api_retrieval(owner_client, study, value)
    want = segments_of(ages_between(lo, hi), [*data["layers"], data["consensus"]])
    assert want and ids == want and count == len(want)


def test_a_range_of_one_value_is_the_value(owner_client, study, data):  # noqa: F811
    assert api_retrieval(owner_client, study, "30..30") == api_retrieval(owner_client, study, "30")


def test_open_ends_keep_their_edge(owner_client, study, data):  # noqa: F811
    layers = [*data["layers"], data["consensus"]]
    assert api_retrieval(owner_client, study, "..29")[0] == segments_of(ages_between(0, 29), layers)
    assert api_retrieval(owner_client, study, "64..")[0] == segments_of(
        ages_between(64, 999), layers
    )


def test_the_retrieval_page_counts_the_upper_end(owner_client, study, data):  # noqa: F811
    url = reverse("coding:retrieval", args=[study.pk])
    b = data["codes"]["B"]
    html = owner_client.get(url, {"code": b.pk, "attribute:age": "18..30"}).text
    found = re.search(r"<strong>(\d+) segments?</strong>", html)
    want = segments_of(ages_between(18, 30), [*data["layers"], data["consensus"]])
    want = set(Segment.objects.filter(pk__in=want, code=b).values_list("pk", flat=True))
    assert want and found and int(found.group(1)) == len(want)


def test_the_matrix_filter_counts_the_upper_end(owner_client, study, data):  # noqa: F811
    response = owner_client.get(f"/api/v1/studies/{study.pk}/matrix?attribute:age=18..30")
    assert response.status_code == 200
    by_cell = {(c["group"], c["wave"]): c["denominator"] for c in response.json()["cells"]}
    # Peer support workers P1 (18), P2 (29), P3 (30) all at T1; P3 is the upper end.
    assert by_cell[("Peer support workers", "T1")] == 3


def test_the_agreement_scope_counts_the_upper_end(study, data):  # noqa: F811
    form = ReportForm(
        QueryDict("attribute:age=29..45"),
        layers=data["layers"],
        study=study,
        book=codebook(study),
    )
    assert form.is_valid(), form.errors
    want = set(
        Transcript.objects.filter(participant_id__in=ages_between(29, 45)).values_list(
            "pk", flat=True
        )
    )
    assert want and set(form.cleaned_data["attribute_transcripts"]) == want


def test_the_search_takes_a_range(owner_client, study, data):  # noqa: F811
    response = owner_client.get(
        f"/api/v1/studies/{study.pk}/search",
        {"q": "the", "attribute:age": "29..45", "page_size": 500},
    )
    assert response.status_code == 200, response.content
    got = {h["transcript_id"] for h in response.json()["hits"]}
    people = ages_between(29, 45)
    want = {
        pk
        for pk, pid, text in Transcript.objects.values_list("pk", "participant_id", "text")
        if pid in people and "the" in text.lower()
    }
    assert want and got == want


def test_a_bin_link_selects_the_bin_and_not_its_upper_edge(owner_client, study, data):  # noqa: F811
    url = reverse("coding:compare_matrix", args=[study.pk])
    html = owner_client.get(
        url,
        {
            "by": "attribute:age",
            "bins": "18,30",
            "measure": "segments",
            "layer": data["layers"][0].key,
        },
    ).text
    assert "18 to under 30" in html
    links = re.findall(r'<td class="heat-cell num"[^>]*><a href="([^"]+)"[^>]*>([^<]+)</a>', html)
    values = set()
    for href, text in links:
        params = parse_qs(urlsplit(unescape(href)).query)
        value = params["attribute:age"][0]
        values.add(value)
        page = owner_client.get(unescape(href)).text
        found = re.search(r"<strong>(\d+) segments?</strong>", page)
        assert found and int(found.group(1)) == int(text), (href, text)
    # Each bin's filter holds exactly the ages its label names.
    defn = attrs.Attribute(name="age", kind="number")
    for value in values:
        holds = {age for age in AGE.values() if attrs.matches(defn, age, value)}
        if value.startswith(".."):
            assert holds == {a for a in AGE.values() if a < 18}
        elif value.endswith(".."):
            assert holds == {a for a in AGE.values() if a >= 30}
        else:
            assert holds == {18, 29}, value


def test_a_bin_label_and_its_filter_agree_for_any_value():
    defn = attrs.Attribute(name="age", kind="number")
    bins = attrs.bins_for([18, 30, 45])
    for age in (17, 17.5, 18, 29, 29.9, 30, 44, 45, 90):
        index = attrs.bin_index(bins, age)
        holding = [i for i, b in enumerate(bins) if attrs.matches(defn, age, b.value)]
        assert holding == [index], (age, [b.value for b in bins])
