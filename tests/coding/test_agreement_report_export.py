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
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(text)))


def test_the_methods_download_states_definitions_layers_scope_and_date(study, data, owner_client):
    # The CSV is one table (R and pandas read it as is); the methods text is its own file.
    response = owner_client.get(export_url(study, "methods"))
    assert response.status_code == 200
    text = response.content.decode()
    meta = dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)
    assert meta["Layers compared"] == "bob, erin"
    assert meta["Scope"] == "All transcripts"
    assert meta["Study"] == study.name
    assert "Date" in meta
    assert "chance" in meta["Percent agreement"]
    assert "missing" in meta["Missing layers"]
    assert "double-coded by bob and erin" in text  # the summary paragraph


def test_the_csv_numbers_match_a_per_character_computation(study, data, owner_client):
    rows = rows_of(owner_client.get(export_url(study, "csv")))
    header = rows[0]
    table = [dict(zip(header, r, strict=True)) for r in rows[1:]]
    bob, erin = data["layers"]
    t1, t2 = data["t"]
    pooled = next(r for r in table if r["level"] == "pooled")
    assert pooled["transcript"] == ""
    exp = oracle([(t.length, data["spans"][(t, bob)], data["spans"][(t, erin)]) for t in (t1, t2)])
    assert pooled["code_path"] == "'=Role"  # formula injection neutralised
    assert float(pooled["krippendorff_alpha"]) == pytest.approx(float(exp["alpha"]), abs=1e-6)
    assert float(pooled["cohen_kappa"]) == pytest.approx(float(exp["kappa"]), abs=1e-6)
    assert int(pooled["chars_coded_by_both"]) == exp["n11"]
    assert int(pooled["segments_bob"]) == 2 and int(pooled["segments_erin"]) == 2
    first = next(r for r in table if r["transcript"] == "First")
    assert first["level"] == "transcript" and int(first["transcript_id"]) == t1.pk
    exp1 = oracle([(t1.length, data["spans"][(t1, bob)], data["spans"][(t1, erin)])])
    assert float(first["percent_agreement"]) == pytest.approx(float(exp1["pa"]), abs=1e-6)


def test_the_xlsx_has_pooled_and_per_transcript_sheets_and_an_about_sheet(
    study, data, owner_client
):
    response = owner_client.get(export_url(study, "xlsx", "&expert=1"))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["Pooled", "Per transcript", "About"]
    pooled = list(wb["Pooled"].values)
    assert "unitizing_alpha" in pooled[0]
    assert len(list(wb["Per transcript"].values)) == 1 + 2  # header + two transcripts
    about = {r[0]: r[1] for r in wb["About"].values}
    assert about["Layers compared"] == "bob, erin"
    assert "double-coded" in about["Summary"]
    assert "Segment matching" in about


def test_a_coder_without_access_cannot_export(study, data, coder_client, outsider_client):
    assert coder_client.get(export_url(study, "csv")).status_code == 403
    assert outsider_client.get(export_url(study, "csv")).status_code == 404


def test_an_unknown_format_is_404(study, data, owner_client):
    assert owner_client.get(export_url(study, "pdf")).status_code == 404
