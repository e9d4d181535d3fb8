"""A Hong Kong coder's browser asks for Traditional Chinese (Accept-Language zh-HK): she logs
in, opens a transcript, codes a passage with the picker by mouse and by keyboard, opens a
highlight's popover and the shortcut dialog, undoes, and meets no English interface string
(tests/i18n/english.py, on the page as Chromium renders it, scripts' strings included).
The switcher then changes the interface to English and back, and the choice is kept with
her account: after logging out, with no cookie left, she logs in and gets her language,
not her browser's.

Screenshots: /tmp/shots-i18n/ (looked at while writing the test).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from coding.models import Segment
from studies.models import Role, UserPreferences
from tests import factories
from tests.browser.coding_helpers import drag_select, span_of
from tests.i18n.english import english_strings
from tests.i18n.test_crawl_zh_hant import user_content

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("I18N_SHOTS", "/tmp/shots-i18n"))

TEXT = (
    "訪問員：培訓初期你覺得點樣？\n"
    "P01：起初我唔知自己嘅角色，同事都唔明朋輩支援工作員做乜。\n"
    "Interviewer: And later?\n"
    "P01: Later the team trusted me 𠝹 and my lived experience helped others."
)
ROLE = "起初我唔知自己嘅角色"
LATER = "Later the team trusted me 𠝹 and my lived experience helped others."


@pytest.fixture
def study(db):
    study = factories.make_study(name="Peer support study 朋輩支援研究")
    coder = factories.make_user(username="ka-yan", password="s3cret-pass")
    factories.add_member(study, coder, Role.CODER)
    transcript = factories.make_transcript(study, text=TEXT, title="P01 T1 培訓")
    factories.make_code(study, name="Role confusion", color="#D55E00")
    factories.make_code(study, name="同路人經驗", color="#0072B2")
    return {"study": study, "coder": coder, "t": transcript}


@pytest.fixture
def hk_page(browser, live_server):
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


def no_english(page, what: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{what}.png"), full_page=False)
    found = english_strings(page.content(), user_content())
    assert not found, f"{what}: English on screen:\n" + "\n".join(found)


def log_in(page, username="ka-yan", password="s3cret-pass"):
    page.goto("/accounts/login/")
    page.get_by_label("用戶名稱").fill(username)
    page.get_by_label("密碼").fill(password)
    page.get_by_role("button", name="登入").click()
    page.get_by_role("heading", name="你的研究").wait_for()


def test_a_hong_kong_coder_codes_in_chinese_and_keeps_her_language(study, hk_page):
    page, s = hk_page, study
    page.goto("/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "zh-Hant-HK"
    no_english(page, "01-login")
    log_in(page)
    no_english(page, "02-studies")

    page.get_by_role("link", name=s["study"].name).click()
    page.get_by_role("link", name="轉錄稿").first.click()
    page.get_by_role("link", name="P01 T1 培訓").click()
    page.get_by_role("heading", name="P01 T1 培訓").wait_for()
    no_english(page, "03-coding-page")

    # The mouse: select a passage, the picker opens in Chinese; type, Apply.
    drag_select(page, ROLE)
    picker = page.get_by_role("dialog", name="將編碼套用於選取的文段")
    picker.wait_for()
    picker.get_by_role("combobox", name="編碼").press_sequentially("role")
    no_english(page, "04-picker-mouse")
    picker.get_by_role("button", name="套用").click()
    page.get_by_role("status").filter(has_text="已編碼").wait_for()
    no_english(page, "05-toast")
    stored = list(Segment.objects.values_list("code__name", "start", "end", "quote"))
    assert stored == [("Role confusion", *span_of(TEXT, ROLE), ROLE)]

    # The keyboard: the skip link, the fourth turn, Enter selects it, C opens the picker.
    page.goto(page.url)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "跳至轉錄稿"
    page.keyboard.press("Enter")
    for _ in range(4):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.keyboard.press("c")
    picker.wait_for()
    page.keyboard.type("同路")
    no_english(page, "06-picker-keyboard")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('.stripe').length === 2")
    assert ("同路人經驗", LATER) in Segment.objects.values_list("code__name", "quote")

    # A highlight's popover, then the shortcut dialog.
    page.locator("mark.r").filter(has_text="Later").first.click()
    page.get_by_role("dialog", name="這裏的編碼").wait_for()
    no_english(page, "07-popover")
    page.keyboard.press("Escape")
    page.locator("#transcript").focus()
    page.keyboard.press("?")
    page.get_by_role("heading", name="鍵盤快捷鍵").wait_for()
    no_english(page, "08-shortcuts")
    page.get_by_role("button", name="關閉").click()

    # Undo the keyboard's coding.
    page.locator("#transcript").focus()
    page.keyboard.press("Control+z")
    page.get_by_role("status").filter(has_text="已復原").wait_for()
    page.wait_for_function("document.querySelectorAll('.stripe').length === 1")
    no_english(page, "09-undone")
    assert Segment.objects.count() == 1

    # The switcher: English, then back; the choice is the account's, not the browser's.
    page.get_by_role("button", name="English").click()
    page.get_by_role("button", name="Log out").wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    assert UserPreferences.objects.get(user=s["coder"]).language == "en"
    page.get_by_role("button", name="Log out").click()
    page.context.clear_cookies()  # no language cookie: only the account remembers
    page.goto("/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "zh-Hant-HK"  # the browser's
    log_in_english = page.get_by_label("用戶名稱")
    log_in_english.fill("ka-yan")
    page.get_by_label("密碼").fill("s3cret-pass")
    page.get_by_role("button", name="登入").click()
    page.get_by_role("heading", name="Your studies").wait_for()  # hers
    page.get_by_role("button", name="繁體中文（香港）").click()
    page.get_by_role("heading", name="你的研究").wait_for()
    assert UserPreferences.objects.get(user=s["coder"]).language == "zh-hant"
    no_english(page, "10-back-in-chinese")
