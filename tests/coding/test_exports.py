from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
from django.utils import timezone

from coding import exports


def parse_csv(text: str) -> list[list[str]]:
    assert not text.startswith("\ufeff")  # R's read.csv would keep a BOM in the first name
    return list(csv.reader(io.StringIO(text, newline="")))


def test_safe_text_prefixes_formula_triggers_only():
    for risky in ("=1+1", "+1", "-1", "@A1", "\tx", "\rx"):
        assert exports.safe_text(risky) == "'" + risky
    for fine in ("", "plain", " =not first", "'already", "中文"):
        assert exports.safe_text(fine) == fine


def test_csv_is_rfc_4180_without_bom_and_with_crlf():
    text = exports.csv_text(["a", "b"], [["x,y", 'say "hi"'], ["line\nbreak", ""]])
    assert text == 'a,b\r\n"x,y","say ""hi"""\r\n"line\nbreak",\r\n'


def test_csv_round_trips_types_chinese_and_guards_formulas():
    when = dt.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=dt.UTC)
    rows = [
        [
            "我唔知自己嘅角色 𠝹",
            3,
            -2,
            1.5,
            Decimal("2.50"),
            None,
            True,
            when,
            dt.date(2024, 1, 2),
            "=cmd|' /C calc'!A0",
            "-- dash",
        ]
    ]
    parsed = parse_csv(exports.csv_text(list("abcdefghijk"), rows))
    assert parsed[1] == [
        "我唔知自己嘅角色 𠝹",
        "3",
        "-2",
        "1.5",
        "2.50",
        "",
        "yes",
        timezone.localtime(when).replace(microsecond=0).isoformat(),
        "2024-01-02",
        "'=cmd|' /C calc'!A0",
        "'-- dash",
    ]


def test_csv_response_streams_utf8_with_attachment_name():
    response = exports.csv_response("研究 data.csv", ["h"], iter([["中"], ["=x"]]))
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert "filename*=utf-8''" in response["Content-Disposition"]
    raw = b"".join(response.streaming_content)
    assert raw == "h\r\n中\r\n'=x\r\n".encode()


def test_xlsx_has_bold_frozen_header_widths_and_about_sheet():
    response = exports.xlsx_response(
        "report.xlsx",
        [
            exports.Sheet("Agreement", ["code", "kappa"], [["Stigma › Shame", 0.8]]),
            exports.Sheet("Counts", ["n"], ({"n": i}["n"] for i in [[1], [2]]), widths=[12]),
        ],
        about=[("Layers", "bob, erin")],
    )
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["Agreement", "Counts", "About"]
    ws = wb["Agreement"]
    assert ws["A1"].font.b and ws["B1"].font.b
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["A"].width >= len("Stigma › Shame")
    assert [[c.value for c in r] for r in ws.iter_rows()] == [
        ["code", "kappa"],
        ["Stigma › Shame", 0.8],
    ]
    assert wb["Counts"].column_dimensions["A"].width == 12
    about = list(wb["About"].iter_rows(values_only=True))
    assert about[0] == ("Field", "Value")
    assert about[1] == ("Layers", "bob, erin")
    assert about[2][0] == "Exported at" and isinstance(about[2][1], dt.datetime)


def test_xlsx_cells_guard_formulas_and_keep_types():
    when = timezone.now()
    data = exports.xlsx_bytes(
        [
            exports.Sheet(
                "S",
                ["a", "b", "c", "d", "e", "f"],
                [["=1+2", -3, None, when, "中文 𠝹\nline", "bad\x07char"]],
            )
        ],
        about=None,
    )
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["S"]
    row = list(wb["S"][2])
    assert row[0].value == "'=1+2" and row[0].data_type == "s"
    assert row[1].value == -3
    assert row[2].value is None
    assert row[3].value == timezone.localtime(when).replace(tzinfo=None, microsecond=0)
    assert row[3].number_format == "yyyy-mm-dd hh:mm:ss"
    assert row[4].value == "中文 𠝹\nline"
    assert row[5].value == "badchar"


def test_xlsx_truncates_cells_beyond_excel_limit():
    data = exports.xlsx_bytes([exports.Sheet("S", ["a"], [["x" * 40_000]])], about=None)
    value = openpyxl.load_workbook(io.BytesIO(data))["S"]["A2"].value
    assert len(value) == 32_767 and value.endswith("…")
