from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from coding.retrieval.exports import EXPORT_HEADER
from coding.retrieval.selectors import RetrievalFilters
from tests import factories
from tests.coding.test_retrieval import build_world


@pytest.fixture
def world(study, owner, coder, coder2, viewer):
    return build_world(study, owner, coder, coder2)


def export_url(study, fmt, **params):
    base = reverse("coding:retrieval_export", args=[study.pk, fmt])
    return base + "?" + RetrievalFilters(**params).query()


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def read_csv(response) -> list[list[str]]:
    raw = body(response)
    assert not raw.startswith(b"\xef\xbb\xbf"), "no BOM: R keeps it in the first column name"
    text = raw.decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline="")))


def read_xlsx(response):
    return openpyxl.load_workbook(io.BytesIO(body(response)))


def test_csv_parses_back_to_the_rows(world, owner_client, study):
    response = owner_client.get(export_url(study, "csv", code=world.codes.shame.pk, layer="bob"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert ".csv" in response["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0] == EXPORT_HEADER
    by_id = {int(r[10]): r for r in rows[1:]}
    assert len(by_id) == 5
    seg = world.segs[("bob", "p1t1", "shame")]
    row = by_id[seg.pk]
    assert row[:10] == [
        "Stigma > Shame",
        "Peer support workers",
        "T1",
        "P01",
        "P01 T1",
        "bob",
        str(seg.start),
        str(seg.end),
        "我唔知自己嘅角色",
        "bob memo",
    ]
    assert row[11].startswith(seg.created_at.date().isoformat() + "T")  # ISO 8601
    assert row[12] == "no"
    focus = by_id[world.segs[("bob", "focus", "shame")].pk]
    assert focus[1:4] == ["", "", ""]
    assert focus[4] == "Focus group"


def test_csv_keeps_quotes_commas_and_line_breaks(world, owner_client, study, owner):
    transcript = factories.make_transcript(study, text='He said "no, never"\nthen left, 𠝹 done')
    layer = factories.make_layer(study, owner)
    seg = factories.make_segment(transcript, world.codes.hope, layer, 0, 30, memo="a,b\r\nc")
    rows = read_csv(
        owner_client.get(export_url(study, "csv", code=world.codes.hope.pk, layer="alice"))
    )
    (row,) = [r for r in rows[1:] if r[10] == str(seg.pk)]
    assert row[8] == 'He said "no, never"\nthen left,'
    assert row[9] == "a,b\r\nc"
    assert (
        body(
            owner_client.get(export_url(study, "csv", code=world.codes.hope.pk, layer="alice"))
        ).count(b'""no, never""')
        == 1
    )


def test_xlsx_reads_back_with_header_about_sheet_and_chinese(world, owner_client, study):
    g1 = world.groups[0]
    response = owner_client.get(
        export_url(study, "xlsx", code=world.codes.stigma.pk, subtree=True, group=g1.pk)
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    wb = read_xlsx(response)
    assert wb.sheetnames == ["Segments", "About"]
    ws = wb["Segments"]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[0] == EXPORT_HEADER
    assert ws["A1"].font.b is True
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["I"].width > 10
    # Group 1: P01 (two transcripts) and P03, shame in 4 layers + self in 4 layers.
    assert len(values) - 1 == 4 * 3 + 4
    seg = world.segs[("consensus", "p1t1", "shame")]
    (row,) = [r for r in values[1:] if r[10] == seg.pk]
    assert row[:10] == [
        "Stigma > Shame",
        "Peer support workers",
        "T1",
        "P01",
        "P01 T1",
        "Consensus",
        seg.start,
        seg.end,
        "我唔知自己嘅角色",
        "consensus memo",
    ]
    about = dict(wb["About"].iter_rows(min_row=2, values_only=True))
    assert about["Code"] == "Stigma"
    assert about["Subcodes included"] == "yes"
    assert about["Group"] == "Peer support workers"
    assert about["Wave"] == "All"
    assert about["Study"] == study.name
    assert about["Exported at"] is not None


def test_formula_like_cells_are_neutralised_in_both_formats(world, owner_client, study, owner):
    transcript = factories.make_transcript(study, text='=HYPERLINK("http://x")+ rest of it')
    layer = factories.make_layer(study, owner)
    seg = factories.make_segment(transcript, world.codes.hope, layer, 0, 22, memo="@SUM(A1)")
    params = {"code": world.codes.hope.pk, "layer": "alice"}
    rows = read_csv(owner_client.get(export_url(study, "csv", **params)))
    (row,) = [r for r in rows[1:] if r[10] == str(seg.pk)]
    assert row[8] == '\'=HYPERLINK("http://x")'
    assert row[9] == "'@SUM(A1)"
    wb = read_xlsx(owner_client.get(export_url(study, "xlsx", **params)))
    (xrow,) = [r for r in wb["Segments"].iter_rows(values_only=True) if r[10] == seg.pk]
    assert xrow[8] == '\'=HYPERLINK("http://x")'
    assert xrow[9] == "'@SUM(A1)"
    cell = next(c for c in wb["Segments"]["I"] if c.value == xrow[8])
    assert cell.data_type == "s"  # text, not a formula


def test_blind_coder_exports_only_own_layer(world, coder_client, study):
    study.blind_coding = True
    study.save()
    rows = read_csv(coder_client.get(export_url(study, "csv", code=world.codes.shame.pk)))
    assert {r[5] for r in rows[1:]} == {"bob"}
    assert len(rows) - 1 == 5
    wb = read_xlsx(coder_client.get(export_url(study, "xlsx")))
    layers = {r[5] for r in wb["Segments"].iter_rows(min_row=2, values_only=True)}
    assert layers == {"bob"}
    about = dict(wb["About"].iter_rows(min_row=2, values_only=True))
    assert "only your own layer" in about["Scope"]
    response = coder_client.get(export_url(study, "csv", code=world.codes.shame.pk, layer="erin"))
    assert response.status_code == 400


def test_without_a_code_it_exports_every_visible_segment(world, viewer_client, study):
    rows = read_csv(viewer_client.get(export_url(study, "csv")))
    assert len(rows) - 1 == len(world.segs)


@pytest.mark.parametrize(
    "persona,status", [("owner", 200), ("coder", 200), ("viewer", 200), ("outsider", 404)]
)
def test_export_access(world, persona_clients, study, persona, status):
    response = persona_clients[persona].get(export_url(study, "xlsx", code=world.codes.hope.pk))
    assert response.status_code == status


def test_unknown_format_is_404(world, owner_client, study):
    response = owner_client.get(export_url(study, "pdf", code=world.codes.hope.pk))
    assert response.status_code == 404


def test_export_query_count_is_constant(world, owner_client, study, django_assert_num_queries):
    # session, user, membership, codebook, layers, groups, waves, participants, attribute
    # definitions, the count
    # that decides between answering now and a background job, the codebook versions
    # (codebook_version column), segments.
    with django_assert_num_queries(12):
        response = owner_client.get(export_url(study, "xlsx"))
    assert response.status_code == 200
