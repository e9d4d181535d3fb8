"""The α-per-code table of Agreement over time as a reader sees it: a period with no
compared units shows "—" with the reason (title and accessible label), not the word
"undefined"; a column names a period once when it is its codebook version's name."""

from __future__ import annotations

import datetime as dt
import re

from django.urls import reverse

from tests.coding.test_agreement_over_time import T2, freeze, world  # noqa: F401


def code_table(client, study) -> str:
    url = reverse("coding:agreement_over_time", args=[study.pk])
    html = client.get(url, {"layers": ["bob", "erin"], "bootstrap": "0"}).content.decode()
    return html.split('class="data agreement-table over-time-codes"', 1)[1].split("</table>", 1)[0]


def test_a_period_without_compared_units_shows_a_dash_with_its_reason(
    study,
    owner,
    owner_client,
    world,  # noqa: F811
):
    # A version frozen after the last coding: its period compares nothing.
    freeze(study, "v3 unused", T2 + dt.timedelta(days=30), owner)
    table = code_table(owner_client, study)
    seen = re.sub(r"<[^>]+>", " ", re.sub(r'<span class="sr-only">.*?</span>', "", table))
    assert "undefined" not in seen
    role = world["codes"][0]
    row = re.search(rf'<tr data-code="{role.pk}">.*?</tr>', table, re.S).group(0)
    cells = re.findall(r"<td [^>]*>.*?</td>", row, re.S)
    empty = [c for c in cells if "—" in c]
    assert empty, row
    cell = empty[-1]
    assert 'title="0 units' in cell
    label = cell.split('class="sr-only">', 1)[1].split("</span>", 1)[0]
    assert label == "α is undefined (no characters rated by two or more of the compared layers)"
    assert "undefined agreement" not in cell
    assert '<span aria-hidden="true" class="muted">—</span>' in cell


def test_a_column_names_a_period_once_when_it_is_its_versions_name(
    study,
    owner_client,
    world,  # noqa: F811
):
    head = code_table(owner_client, study).split("</thead>", 1)[0]
    for th in re.findall(r"<th scope=\"col\" class=\"num\">(.*?)</th>", head, re.S):
        words = re.findall(r'<span[^>]*translate="no">([^<]*)</span>', th)
        assert len(words) == len(set(words)), th
    assert head.count("v1 after calibration") == 1
