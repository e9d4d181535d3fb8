"""Every CSV download of the app reads cleanly with default arguments in pandas and R.

``pandas.read_csv(path)`` and R's ``read.csv(path)``: no comment lines, no byte-order mark
(R keeps it in the first column name), one rectangular table, snake_case column names, and
code paths joined with one separator (``exports.CODE_PATH_SEPARATOR``) everywhere.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse
from django.utils.http import urlencode

from coding import exports
from tests import factories
from tests.coding.test_compare_matrix import build_compare_study

try:
    import pandas
except ImportError:  # pragma: no cover - pandas comes with scikit-learn/statsmodels
    pandas = None

SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")


@pytest.fixture
def data(study, owner, coder, coder2):
    made = build_compare_study(study, owner, [coder, coder2], per_layer=8)
    # A quote a spreadsheet would evaluate, in a path column and a text column.
    a1 = made["codes"]["A1"]
    t = made["transcripts"][("P1", "T1")]
    factories.make_code(study, name="=Sum", parent=a1)
    made["t"] = t
    return made


def csv_urls(study, data):
    """(label, url) of every CSV export: grep for csv_response and text/csv to add more."""
    s = study.pk
    a = data["codes"]["A"].pk
    t1 = data["waves"][0].pk

    def u(name, *args, **params):
        base = reverse(name, args=[s, *args])
        return f"{base}?{urlencode(params, doseq=True)}" if params else base

    urls = [
        ("retrieval all codes", u("coding:retrieval_export", "csv")),
        ("retrieval one code", u("coding:retrieval_export", "csv", code=a, subtree=1)),
        ("agreement", u("coding:agreement_export", format="csv")),
        ("agreement expert", u("coding:agreement_export", format="csv", expert=1)),
        ("codebook", u("coding:codebook_export")),
        ("cooccurrence", u("coding:compare_cooccurrence", format="csv", layer="union")),
        (
            "framework",
            u("coding:compare_framework", format="csv", layer="union", wave=t1, codes=[a]),
        ),
    ]
    for measure in ("segments", "participants", "transcripts"):
        urls.append(
            (f"matrix {measure}", u("coding:compare_matrix", format="csv", measure=measure))
        )
    for table in ("grid", "segments", "changes", "chart"):
        urls.append(
            (
                f"trajectory {table}",
                u("coding:compare_trajectory", format="csv", code=a, table=table),
            )
        )
    return urls


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def test_every_csv_export_reads_with_default_arguments(study, data, owner_client):
    separators = set()
    for label, url in csv_urls(study, data):
        response = owner_client.get(url)
        assert response.status_code == 200, label
        assert response["Content-Type"].startswith("text/csv"), label
        raw = _body(response)
        assert not raw.startswith(b"\xef\xbb\xbf"), f"{label}: R keeps a BOM in the first name"
        text = raw.decode("utf-8")  # what R and Python's csv module read by default
        rows = list(csv.reader(io.StringIO(text)))
        header, body = rows[0], rows[1:]
        assert body, f"{label}: no data rows"
        for name in header:
            assert SNAKE.match(name), f"{label}: column {name!r} is not snake_case"
        assert len(set(header)) == len(header), f"{label}: duplicate columns"
        widths = {len(r) for r in rows}
        assert widths == {len(header)}, f"{label}: not rectangular ({widths})"
        assert not any(r and r[0].startswith("#") for r in rows), f"{label}: comment lines"
        paths = [
            row[i] for row in body for i, n in enumerate(header) if n.endswith("path") and row[i]
        ]
        for path in paths:
            assert " › " not in path, f"{label}: {path!r} uses the screen separator"
            if exports.CODE_PATH_SEPARATOR.strip() in path:
                separators.add(exports.CODE_PATH_SEPARATOR)
        if pandas is not None:
            frame = pandas.read_csv(io.BytesIO(raw))
            assert list(frame.columns) == header, label
            assert len(frame) == len(body), label
    assert separators == {exports.CODE_PATH_SEPARATOR}


def test_one_path_separator_everywhere(study, data, owner_client):
    child = "A > A1 > =Sum"  # a cell starting with a letter needs no escaping
    for label, url in csv_urls(study, data):
        if label not in ("codebook", "agreement"):
            continue
        text = _body(owner_client.get(url)).decode("utf-8")
        assert child in text, label


def test_formula_injection_is_still_escaped(study, data, owner_client):
    factories.make_segment(data["t"], data["codes"]["B"], data["layers"][0], 2, 9)
    factories.make_code(study, name="+Plus")
    text = _body(owner_client.get(csv_urls(study, data)[0][1])).decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and all(not r["code_path"].startswith(("=", "+", "-", "@")) for r in rows)
    codebook = _body(owner_client.get(reverse("coding:codebook_export", args=[study.pk])))
    assert b"'+Plus" in codebook


def test_the_agreement_methods_text_is_a_download_of_its_own(study, data, owner_client):
    url = reverse("coding:agreement_export", args=[study.pk]) + "?format=methods"
    response = owner_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert "Krippendorff" in text and "Layers compared" in text
    assert "Unit of analysis: character" in text
