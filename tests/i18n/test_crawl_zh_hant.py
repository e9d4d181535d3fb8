"""Every page of the crawl table (tests/test_crawl.py ROUTES), in Traditional Chinese.

The browser asks for zh-HK (as a Hong Kong researcher's does); the owner, a blind coder and
the viewer each GET every page and htmx fragment they may read, and no HTML answer may hold
an English interface string by the shared rule (tests/i18n/english.py).
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.urls import reverse

from tests.i18n.english import english_strings
from tests.test_crawl import ROUTES, _client, build_crawl

PERSONAS = ("owner", "coder_blind", "viewer")


def user_content() -> list[str]:
    """Every text the crawl's study holds (names, titles, texts): never interface strings."""
    values = set(get_user_model().objects.values_list("username", flat=True))
    for label in ("studies", "coding"):
        for model in apps.get_app_config(label).get_models():
            fields = [
                f.name
                for f in model._meta.concrete_fields
                if isinstance(f, (models.CharField, models.TextField)) and not f.choices
            ]
            for row in model.objects.values_list(*fields) if fields else ():
                values.update(v for v in row if isinstance(v, str) and len(v) > 1)
    return sorted(values, key=len, reverse=True)


def _pages(ctx, persona):
    client = _client(ctx, persona)
    for name, route in ROUTES.items():
        if name.startswith("api:"):  # JSON, and ninja's own Swagger UI page
            continue
        for get in route.gets:
            url = reverse(name, kwargs=get.kwargs(ctx))
            if get.query:
                url += "?" + ctx.fill(get.query)
            for htmx in (False, True) if route.both else (False,):
                headers = {"HTTP_ACCEPT_LANGUAGE": "zh-HK,zh;q=0.9,en;q=0.5"}
                if htmx:
                    headers["HTTP_HX_REQUEST"] = "true"
                response = client.get(url, **headers)
                kind = response.get("Content-Type", "")
                if response.streaming or not kind.startswith("text/html"):
                    continue
                yield name, f"{url}{' (htmx)' if htmx else ''}", response


def test_the_rule_finds_english():
    """The rule itself: English outside user content is found, user content and names are not."""
    html = (
        '<html lang="zh-Hant-HK"><body><h1>編碼簿</h1><p>Save changes</p>'
        '<span translate="no">Role confusion</span><button title="Undo">復原</button>'
        "<p>匯出 CSV、QDPX（REFI-QDA）<kbd>Ctrl</kbd>+<kbd>Enter</kbd></p>"
        "<script>var x = 'English';</script></body></html>"
    )
    found = english_strings(html)
    assert len(found) == 2 and "Save changes" in found[0] and "Undo" in found[1]
    # A name quoted back 「…」 and a user name are user content; English around them is not.
    quoted = "<p>「Role confusion」的編碼</p><p>編碼層：bob</p><p>「Hope」 Merge</p>"
    found = english_strings(quoted, names=frozenset({"bob"}))
    assert len(found) == 1 and "Merge" in found[0]


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_in_zh_hant_has_no_english_interface_string(persona, db):
    ctx = build_crawl(blind=True)
    content = user_content()
    names = frozenset(get_user_model().objects.values_list("username", flat=True))
    problems, seen = [], 0
    for _name, where, response in _pages(ctx, persona):
        body = response.content.decode()
        if not body.strip():
            continue
        seen += 1
        assert response["Content-Language"] == "zh-hant", where
        if "<html" in body:
            assert '<html lang="zh-Hant-HK">' in body, where
        for found in english_strings(body, content, names):
            problems.append(f"{where}: {found}")
    assert seen > 20
    assert not problems, f"{len(problems)} English strings as {persona}:\n" + "\n".join(
        sorted(set(problems))
    )
