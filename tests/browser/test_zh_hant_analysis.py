"""The agreement report and the comparison matrix in Chromium with the browser set to zh-HK,
as the PI: Chinese headings, no English interface string, mouse and keyboard both work."""

from __future__ import annotations

import os

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tests.i18n.analysis_rule import english_on_page
from tests.test_crawl import build_crawl

SHOTS = os.environ.get("SHOTS_DIR", "")


@pytest.fixture
def zh_page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 1400, "height": 900},
        locale="zh-HK",  # Accept-Language: zh-HK
        bypass_csp=True,
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def _login(page, live_server, user):
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": cookie.value,
                "url": live_server.url,
            }
        ]
    )


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, name), full_page=True)


def _no_english(page) -> list[str]:
    return english_on_page(page.content(), exclude=".//*[@class='study-header']")


@pytest.mark.django_db(transaction=True)
def test_pi_reads_the_agreement_report_and_the_matrix_in_chinese(zh_page, live_server):
    ctx = build_crawl(blind=False)
    page = zh_page
    _login(page, live_server, ctx.users["owner"])
    study = ctx.study.pk

    page.goto(f"/studies/{study}/agreement/?layers=bob&layers=erin")
    assert page.get_by_role("heading", name="按編碼的一致性").is_visible()
    assert page.get_by_role("heading", name="供研究方法章節使用的摘要").is_visible()
    summary = page.locator("#methods-summary").inner_text()
    assert "評估編碼員一致性" in summary and "Krippendorff α" in summary
    assert _no_english(page) == []
    _shot(page, "agreement-zh-HK.png")

    # Keyboard: tick the expert measures with Space, submit with Enter on the button.
    expert = page.get_by_label("進階指標（αU、uα、片段配對）")
    expert.focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="更新報告").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**expert=1**")
    assert page.get_by_role("heading", name="進階指標").is_visible()
    assert _no_english(page) == []
    _shot(page, "agreement-expert-zh-HK.png")

    # Mouse: a code's row opens its per-transcript view.
    page.locator("tr[data-code] th a").first.click()
    page.wait_for_url("**focus=**")
    assert page.get_by_role("link", name="返回所有編碼").is_visible()
    assert _no_english(page) == []

    page.goto(f"/studies/{study}/compare/?measure=segments")
    assert page.get_by_role("heading", name="組別 × 時間點矩陣").is_visible()
    assert page.locator("#matrix-caption").inner_text().startswith("片段")
    assert _no_english(page) == []
    _shot(page, "matrix-zh-HK.png")
    # Keyboard: choose the measure with the arrow keys (htmx swaps the matrix).
    page.get_by_label("有編碼的參與者").focus()
    page.keyboard.press("ArrowDown")
    page.wait_for_function(
        "() => document.querySelector('#matrix-caption').textContent.includes('有編碼的轉錄稿')"
    )
    assert _no_english(page) == []
    # A cell opens the coded segments behind it, in Chinese too.
    page.locator("#compare-matrix td.heat-cell a").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/retrieval/**")
    assert page.get_by_role("heading", name="編碼檢索").is_visible()
    assert _no_english(page) == []
    _shot(page, "retrieval-from-matrix-zh-HK.png")
