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

from tests.i18n.english import english_on_page, english_words
from tests.test_crawl import ROUTES, _client, build_crawl

FEATURES = (
    "agreement",
    "calibration",
    "consensus",
    "compare",
    "search",
    "retrieval",
    "words",
    "themes",
    "exemplars",
    "methods",
    "assignments",
)


def _feature(view) -> str | None:
    module = getattr(view, "__module__", "") or ""
    parts = module.split(".")
    if len(parts) >= 2 and parts[0] == "coding" and parts[1] in FEATURES:
        return parts[1]
    return None


def _our_pages(ctx):
    for name, route in ROUTES.items():
        for get in route.gets:
            url = reverse(name, kwargs=get.kwargs(ctx))
            if _feature(resolve(url).func) is None:
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


@pytest.mark.parametrize("persona", ["owner", "coder_blind", "viewer"])
def test_analysis_pages_have_no_english_interface_string(persona, db):
    ctx = build_crawl(blind=True)
    client = _client(ctx, persona)
    problems = []
    for name, url, both in _our_pages(ctx):
        for htmx in (False, True) if both else (False,):
            headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
            for line in _english(client, url, headers):
                problems.append(f"{name} {url}{' (htmx)' if htmx else ''}: {line}")
    assert not problems, f"{len(problems)} English strings as {persona}:\n" + "\n".join(
        sorted(set(problems))
    )


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
    untranslated = [h for h in chinese if english_words(h)]
    assert not untranslated, f"English headers in zh-hant: {untranslated}"
    assert chinese != english
