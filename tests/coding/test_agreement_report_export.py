from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests import factories
from tests.coding.test_agreement_report import TEXT_A, TEXT_B, oracle


@pytest.fixture
def data(study, owner, coder, coder2):
    t1 = factories.make_transcript(study, title="First", text=TEXT_A)
    t2 = factories.make_transcript(study, title="Second", text=TEXT_B)
    code = factories.make_code(study, name="=Role")  # a name a spreadsheet could evaluate
    bob, erin = factories.make_layer(study, coder), factories.make_layer(study, coder2)
    spans = {
        (t1, bob): [(30, 60)],
        (t1, erin): [(35, 65)],
        (t2, bob): [(40, 55)],
        (t2, erin): [(20, 30)],
    }
    for (t, layer), ss in spans.items():
        for s, e in ss:
            factories.make_segment(t, code, layer, s, e)
    return {"t": [t1, t2], "code": code, "spans": spans, "layers": [bob, erin]}


def export_url(study, fmt, extra=""):
    return reverse("coding:agreement_export", args=[study.pk]) + f"?format={fmt}{extra}"


def rows_of(response):
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_the_csv_states_definitions_layers_scope_and_date(study, data, owner_client):
    response = owner_client.get(export_url(study, "csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = rows_of(response)
    meta = {r[0]: r[1] for r in rows if r and r[0].startswith("# ") and len(r) > 1}
    assert meta["# Layers compared"] == "bob, erin"
    assert meta["# Scope"] == "All transcripts"
    assert meta["# Study"] == study.name
    assert "# Date" in meta
    assert "chance" in meta["# Percent agreement"]
    assert "missing" in meta["# Missing layers"]


def test_the_csv_numbers_match_a_per_character_computation(study, data, owner_client):
    rows = rows_of(owner_client.get(export_url(study, "csv")))
    header_at = next(i for i, r in enumerate(rows) if r and r[0] == "Transcript")
    header = rows[header_at]
    table = [dict(zip(header, r, strict=True)) for r in rows[header_at + 1 :]]
    bob, erin = data["layers"]
    t1, t2 = data["t"]
    pooled = next(r for r in table if r["Transcript"] == "(pooled)")
    exp = oracle([(t.length, data["spans"][(t, bob)], data["spans"][(t, erin)]) for t in (t1, t2)])
    assert pooled["Code"] == "'=Role"  # formula injection neutralised
    assert float(pooled["Krippendorff alpha (binary, characters)"]) == pytest.approx(
        float(exp["alpha"]), abs=1e-6
    )
    assert float(pooled["Cohen kappa (NVivo)"]) == pytest.approx(float(exp["kappa"]), abs=1e-6)
    assert int(pooled["Characters coded by both"]) == exp["n11"]
    first = next(r for r in table if r["Transcript"] == "First")
    exp1 = oracle([(t1.length, data["spans"][(t1, bob)], data["spans"][(t1, erin)])])
    assert float(first["Percent agreement"]) == pytest.approx(float(exp1["pa"]), abs=1e-6)


def test_the_xlsx_has_pooled_and_per_transcript_sheets_and_an_about_sheet(
    study, data, owner_client
):
    response = owner_client.get(export_url(study, "xlsx", "&expert=1"))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["Pooled", "Per transcript", "About"]
    pooled = list(wb["Pooled"].values)
    assert "Unitizing alpha (aU)" in pooled[0]
    assert len(list(wb["Per transcript"].values)) == 1 + 2  # header + two transcripts
    about = {r[0]: r[1] for r in wb["About"].values}
    assert about["Layers compared"] == "bob, erin"
    assert "Segment matching" in about


def test_a_coder_without_access_cannot_export(study, data, coder_client, outsider_client):
    assert coder_client.get(export_url(study, "csv")).status_code == 403
    assert outsider_client.get(export_url(study, "csv")).status_code == 404


def test_an_unknown_format_is_404(study, data, owner_client):
    assert owner_client.get(export_url(study, "pdf")).status_code == 404
