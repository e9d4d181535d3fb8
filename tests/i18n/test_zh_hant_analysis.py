"""The analysis pages in Traditional Chinese: no English interface string, Chinese export headers.

Every page of the agreement, calibration, consensus, comparison, search, retrieval, words,
themes, exemplars, methods and assignments features is crawled (from ``tests/test_crawl.py``'s
table) in zh-hant as the owner, a blind coder and a viewer. Only the page's ``<main>`` is read,
without the study header (base and study pages are the other catalogue's and are crawled
by their own test).
"""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import resolve, reverse

from coding import exports
from studies import attributes as attrs
from tests.i18n.analysis_rule import english_on_page, english_words
from tests.test_crawl import ROUTES, _client, build_crawl

#: The features whose pages are translated (zh-hant): every page must be clean.
FEATURES = (
    "agreement",
    "consensus",
    "compare",
    "search",
    "retrieval",
    "words",
    "methods",
    "calibration",
    "themes",
    "exemplars",
    "assignments",
)


def _feature(view) -> str | None:
    module = getattr(view, "__module__", "") or ""
    parts = module.split(".")
    if len(parts) >= 2 and parts[0] == "coding":
        return parts[1]
    return None


def _our_pages(ctx, features=FEATURES):
    for name, route in ROUTES.items():
        for get in route.gets:
            url = reverse(name, kwargs=get.kwargs(ctx))
            if _feature(resolve(url).func) not in features:
                continue
            if get.query:
                url += "?" + ctx.fill(get.query)
            yield name, url, route.both


def _english(client, url, headers) -> list[str]:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-HK", **headers)
    if response.status_code != 200:
        return []
    if "text/html" not in response.get("Content-Type", ""):
        return []
    html = response.content.decode()
    within = "//main" if "<main" in html else "."
    return english_on_page(html, within=within, exclude=".//*[@class='study-header']")


def _problems(ctx, persona, features) -> list[str]:
    client = _client(ctx, persona)
    problems = []
    pages = 0
    for name, url, both in _our_pages(ctx, features):
        for htmx in (False, True) if both else (False,):
            headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
            pages += 1
            for line in _english(client, url, headers):
                problems.append(f"{name} {url}{' (htmx)' if htmx else ''}: {line}")
    assert pages, "no page of these features was crawled"
    return sorted(set(problems))


@pytest.mark.parametrize("persona", ["owner", "coder_blind", "viewer"])
def test_analysis_pages_have_no_english_interface_string(persona, db):
    ctx = build_crawl(blind=True)
    problems = _problems(ctx, persona, FEATURES)
    assert not problems, f"{len(problems)} English strings as {persona}:\n" + "\n".join(problems)


def test_the_check_finds_english(db):
    """The check would find an English string: the same pages in English are full of them."""
    ctx = build_crawl(blind=True)
    client = _client(ctx, "owner")
    url = reverse("coding:agreement_report", kwargs={"study_id": ctx.study.pk})
    html = client.get(url + "?layers=bob&layers=erin", HTTP_ACCEPT_LANGUAGE="en").content
    found = english_on_page(html.decode(), exclude=".//*[@class='study-header']")
    assert any("Agreement per code" in line for line in found)
    zh = client.get(url + "?layers=bob&layers=erin", HTTP_ACCEPT_LANGUAGE="zh-HK")
    assert "按編碼的一致性" in zh.content.decode()


def _header_row(response) -> list[str]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body[:2] == b"PK":
        import openpyxl

        sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
        return [str(c) for c in next(sheet.iter_rows(values_only=True)) if c is not None]
    text = body.decode("utf-8-sig")
    return next(csv.reader(io.StringIO(text)))


EXPORTS = [
    ("coding:agreement_export", {}, "format=csv&layers=bob&layers=erin"),
    ("coding:agreement_export", {}, "format=xlsx&layers=bob&layers=erin"),
    ("coding:retrieval_export", {"fmt": "csv"}, ""),
    ("coding:retrieval_export", {"fmt": "xlsx"}, ""),
]


@pytest.mark.parametrize(("name", "kwargs", "query"), EXPORTS)
def test_export_headers_follow_the_interface_language(name, kwargs, query, db):
    ctx = build_crawl(blind=False)
    client = _client(ctx, "owner")
    url = reverse(name, kwargs={"study_id": ctx.study.pk, **kwargs}) + "?" + query
    chinese = _header_row(client.get(url, HTTP_ACCEPT_LANGUAGE="zh-HK"))
    english = _header_row(client.get(url, HTTP_ACCEPT_LANGUAGE="en"))
    assert chinese and len(chinese) == len(english)
    # The study's attribute columns are named from its attributes (user content).
    attributes = set(exports.attribute_columns(attrs.definitions(ctx.study)))
    untranslated = [h for h in chinese if english_words(h) and h not in attributes]
    assert not untranslated, f"English headers in zh-hant: {untranslated}"
    assert "編碼路徑" in chinese and "code_path" in english
    # Scripts ask for the stable names: English snake_case whatever the language.
    names = _header_row(client.get(url + "&headers=names", HTTP_ACCEPT_LANGUAGE="zh-HK"))
    assert names == english


def test_a_chinese_csv_opens_in_excel_and_a_script_csv_has_no_bom(db):
    """Excel reads UTF-8 only after a byte-order mark; R keeps a BOM in the first name."""
    ctx = build_crawl(blind=False)
    client = _client(ctx, "owner")
    url = reverse("coding:retrieval_export", kwargs={"study_id": ctx.study.pk, "fmt": "csv"})

    def body(query, language):
        response = client.get(url + query, HTTP_ACCEPT_LANGUAGE=language)
        return b"".join(response.streaming_content)

    assert body("", "zh-HK").startswith("\ufeff編碼路徑".encode())
    assert body("", "en").startswith(b"code_path,")
    assert body("?headers=names", "zh-HK").startswith(b"code_path,")
