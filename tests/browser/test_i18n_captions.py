"""The matrix cut by an attribute and the attribute form, in Traditional Chinese (Hong Kong)
in Chromium: the caption names the attribute in one sentence ("片段（按gender及時間點）"), the
form's scope field reads 適用於, and no English interface string is on screen."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.test_compare_attributes import setup  # noqa: F401  (fixture)
from tests.i18n.english import english_strings
from tests.i18n.test_crawl_zh_hant import user_content

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots-i18n15"))


def test_a_pi_reads_the_matrix_by_gender_and_the_attribute_form_in_zh_hk(
    page,
    login_as,
    setup,  # noqa: F811
):
    study, pi, _data = setup
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.context.set_extra_http_headers({"Accept-Language": "zh-HK,zh;q=0.9,en;q=0.5"})
    login_as(pi)

    page.goto(f"/studies/{study.pk}/compare/?layer=consensus&measure=segments&by=attribute:gender")
    caption = page.locator("#matrix-caption")
    caption.wait_for()
    assert caption.inner_text().startswith("片段（按gender及時間點）")
    assert caption.locator('span[translate="no"]', has_text="gender").count() == 1
    page.screenshot(path=str(SHOTS / "matrix-by-gender-zh.png"), full_page=False)
    assert english_strings(page.content(), user_content(), frozenset({"pi"})) == []

    page.goto(f"/studies/{study.pk}/participants/")
    scope = page.get_by_label("適用於", exact=False)
    scope.first.wait_for()
    scope.first.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "attribute-form-zh.png"), full_page=False)
    assert english_strings(page.content(), user_content(), frozenset({"pi"})) == []
