"""Exports of the comparison tables (CSV, XLSX) and chart (SVG): same numbers as on screen."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse
from django.utils.http import urlencode
from openpyxl import load_workbook

from coding.compare.cooccurrence import cooccurrence
from coding.compare.framework import framework
from coding.compare.layers import layer_choice
from coding.compare.matrix import MEASURES, matrix
from coding.models import Memo
from studies.access import study_access
from tests.coding.test_compare_matrix import build_compare_study


@pytest.fixture
def data(study, owner, coder, coder2):
    return build_compare_study(study, owner, [coder, coder2], per_layer=10)


def _get(client, study, name, **params):
    pairs = []
    for k, v in params.items():
        pairs += [(k, x) for x in v] if isinstance(v, list) else [(k, v)]
    return client.get(reverse(name, args=[study.pk]) + "?" + urlencode(pairs))


def _csv(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(text)))


def _xlsx(response):
    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    return load_workbook(io.BytesIO(response.content))


def _screen_cells(html):
    """(code title, cell text) of the matrix as printed."""
    return re.findall(r'<a href="[^"]*" title="([^"]*)">([^<]*)</a></td>', html)


@pytest.mark.parametrize("measure", list(MEASURES))
def test_matrix_exports_equal_the_screen(owner_client, study, data, measure):
    params = {"layer": "union", "measure": measure, "rollup": 1}
    html = _get(owner_client, study, "coding:compare_matrix", **params).content.decode()
    screen = {title.replace("&#x27;", "'"): text for title, text in _screen_cells(html)}
    assert screen
    rows = _csv(_get(owner_client, study, "coding:compare_matrix", format="csv", **params))
    header, body = rows[0], rows[1:]
    assert header[:5] == ["code_id", "code_path", "depth", "group", "wave"]
    exported = {}
    for row in body:
        exported[f"{row[1]}, {row[3]}, {row[4]}"] = row
    for label, text in screen.items():
        label = label.replace(" › ", " > ")  # the screen's separator; exports use " > "
        row = exported[label]
        assert row[8] == text  # "cell as shown"
        if measure == "participants":
            assert text == f"{row[5]}/{row[6]} · {row[7]}%"
        else:
            assert text == row[5]
    # Not interviewed: empty value, denominator 0, shown as "—".
    missing = [r for r in body if r[6] == "0"]
    assert missing and all(r[5] == "" and r[8] == "—" for r in missing)

    wb = _xlsx(_get(owner_client, study, "coding:compare_matrix", format="xlsx", **params))
    sheet = wb["Matrix"]
    xrows = list(sheet.iter_rows(values_only=True))
    assert list(xrows[0][:5]) == header[:5]
    assert len(xrows) == len(rows)
    for xrow, crow in zip(xrows[1:], body, strict=True):
        assert ("" if xrow[5] is None else str(xrow[5])) == crow[5]
        assert xrow[8] == crow[8]
    about = dict(wb["About"].iter_rows(min_row=2, values_only=True))
    assert about["Measure"] == MEASURES[measure]
    assert "Coders' union" in about["Layer"]


def test_matrix_export_of_a_blind_coder_counts_only_their_layer(coder_client, study, data, coder):
    study.blind_coding = True
    study.save()
    choice = layer_choice(study_access(coder, study), None)
    m = matrix(study, choice, measure="segments")
    rows = _csv(
        _get(
            coder_client,
            study,
            "coding:compare_matrix",
            format="csv",
            measure="segments",
            layer="consensus",
        )
    )
    values = [r[5] for r in rows[1:]]
    expected = [str(c.value) if c.interviewed else "" for r in m.rows for c in r.cells]
    assert values == expected


def test_trajectory_exports(owner_client, study, data):
    code = data["codes"]["A"]
    params = {"layer": "union", "code": code.pk, "subtree": 1}
    html = _get(owner_client, study, "coding:compare_trajectory", **params).content.decode()
    chart = _csv(
        _get(
            owner_client, study, "coding:compare_trajectory", format="csv", table="chart", **params
        )
    )
    assert chart[0] == [
        "group",
        "wave",
        "participants_with_code",
        "participants_interviewed",
        "percent",
    ]
    for _group, _wave, p, n, pct in chart[1:]:
        if n != "0":
            assert f"{p}/{n} · {pct}%" in html
    grid = _csv(_get(owner_client, study, "coding:compare_trajectory", format="csv", **params))
    assert grid[0] == ["group", "participant", "t1", "t2", "t3"]
    assert ["Service users", "S1", grid[-3][2], "not interviewed", "not interviewed"] == grid[-3]
    changes = _csv(
        _get(
            owner_client,
            study,
            "coding:compare_trajectory",
            format="csv",
            table="changes",
            **params,
        )
    )
    assert changes[0][:6] == ["group", "from_wave", "to_wave", "gained", "kept", "lost"]
    assert len(changes) == 1 + 2 * 2
    wb = _xlsx(_get(owner_client, study, "coding:compare_trajectory", format="xlsx", **params))
    assert wb.sheetnames == ["Participants", "Segments", "Changes", "Chart data", "About"]
    xchart = [
        [("" if v is None else str(v)) for v in r]
        for r in wb["Chart data"].iter_rows(values_only=True)
    ]
    assert xchart == chart
    svg = _get(owner_client, study, "coding:compare_trajectory", format="svg", **params)
    assert svg["Content-Type"] == "image/svg+xml"
    body = svg.content.decode()
    for _group, wave, p, n, pct in chart[1:]:
        if n != "0":
            assert f"{wave}: {pct}% ({p} of {n})" in body


def test_cooccurrence_exports_equal_the_screen(owner_client, study, data):
    choice = layer_choice(study_access(data["layers"][0].user, study), "union")
    co = cooccurrence(study, choice)
    rows = _csv(
        _get(owner_client, study, "coding:compare_cooccurrence", format="csv", layer="union")
    )
    # Long form for R and pandas: one row per ordered pair of codes.
    assert rows[0] == ["code_a_id", "code_a_path", "code_b_id", "code_b_path", "pairs"]
    got = {(int(a), int(b)): int(n) for a, _, b, _, n in rows[1:]}
    assert got == {(a.pk, b.pk): co.count(a.pk, b.pk) for a in co.codes for b in co.codes}
    paths = {int(a): p for a, p, *_ in rows[1:]}
    assert paths == {n.pk: n.path.replace(" › ", " > ") for n in co.codes}
    html = _get(owner_client, study, "coding:compare_cooccurrence", layer="union").content.decode()
    shown = [int(n) for n in re.findall(r'title="[^"]*">(\d+)</a></td>', html)]
    assert sorted(shown) == sorted(v for v in co.counts.values())
    wb = _xlsx(
        _get(owner_client, study, "coding:compare_cooccurrence", format="xlsx", layer="union")
    )
    xrows = [list(r) for r in wb["Co-occurrence"].iter_rows(values_only=True)]
    assert xrows[0] == ["code", *(n.path.replace(" › ", " > ") for n in co.codes)]
    for node, row in zip(co.codes, xrows[1:], strict=True):
        assert row[1:] == [co.count(node.pk, other.pk) for other in co.codes]
    xpairs = [[str(v) for v in r] for r in wb["Pairs"].iter_rows(values_only=True)]
    assert xpairs == rows


def test_framework_exports_quotes_and_summaries(owner_client, study, data):
    a = data["codes"]["A"]
    t1 = data["waves"][0]
    Memo.objects.create(
        study=study,
        code=a,
        body="=SUM(A1) is not a formula here",
        extra={"framework": {"participant": data["participants"]["P1"].pk, "wave": t1.pk}},
    )
    params = {"layer": "consensus", "wave": t1.pk, "codes": [a.pk]}
    rows = _csv(_get(owner_client, study, "coding:compare_framework", format="csv", **params))
    assert rows[0] == [
        "group",
        "participant",
        "wave",
        "code_path",
        "interviewed",
        "segments",
        "summary",
        "quotes",
    ]
    p1 = next(r for r in rows if r[1] == "P1")
    assert p1[6] == "'=SUM(A1) is not a formula here"  # formula injection neutralised
    fw = framework(
        study,
        layer_choice(study_access(data["layers"][0].user, study), "consensus"),
        wave_id=t1.pk,
        code_ids=[a.pk],
    )
    cell = next(
        c for g in fw.groups for r in g.rows for c in r.cells if r.participant.pseudonym == "P1"
    )
    assert p1[5] == str(len(cell.quotes))
    wb = _xlsx(_get(owner_client, study, "coding:compare_framework", format="xlsx", **params))
    assert wb.sheetnames == ["Framework", "About"]


@pytest.mark.parametrize(
    "name", ["coding:compare_matrix", "coding:compare_cooccurrence", "coding:compare_framework"]
)
def test_outsiders_cannot_export(outsider_client, study, data, name):
    assert _get(outsider_client, study, name, format="csv").status_code == 404


def test_framework_exports_carry_the_participants_attribute_columns(owner_client, study, data):
    from studies.models import Attribute

    Attribute.objects.create(study=study, name="gender", kind="choice", choices=["f", "m"])
    Attribute.objects.create(study=study, name="group", position=1)  # clashes with a column
    Attribute.objects.create(study=study, name="interviewer", scope="transcript")
    p1 = data["participants"]["P1"]
    p1.attributes = {"gender": "f", "group": "=cmd"}
    p1.save(update_fields=["attributes"])
    params = {"layer": "consensus", "wave": data["waves"][0].pk, "codes": [data["codes"]["A"].pk]}
    rows = _csv(_get(owner_client, study, "coding:compare_framework", format="csv", **params))
    assert rows[0][-2:] == ["gender", "participant_group"]
    row = next(r for r in rows if r[1] == "P1")
    assert row[-2:] == ["f", "'=cmd"]
    assert next(r for r in rows if r[1] == "P2")[-2:] == ["", ""]
