"""The picker quotes a code's name as the reader's language does: 「希望」 in Traditional
Chinese (the glossary's quotation marks), ‘Hope’ in English; the quotes come from the JS
catalogue (djangojs.po "‘%(name)s’"), the name stays user content (translate="no").

Screenshots: /tmp/shots-zhspace/ (looked at while writing the test).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from studies.models import Role
from tests import factories
from tests.browser.coding_helpers import drag_select

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("ZH_SHOTS", "/tmp/shots-zhspace"))
TEXT = "訪問員：培訓初期你覺得點樣？\nP01：起初我唔知自己嘅角色。"


@pytest.fixture
def study(db):
    study = factories.make_study(name="朋輩支援研究")
    coder = factories.make_user(username="ka-yan", password="s3cret-pass")
    factories.add_member(study, coder, Role.OWNER)
    transcript = factories.make_transcript(study, text=TEXT, title="P01 T1")
    factories.make_code(study, name="角色混淆", color="#D55E00")
    return {"study": study, "t": transcript}


@pytest.mark.parametrize(
    ("locale", "login", "password", "button", "heading", "expected"),
    [
        ("zh-HK", "用戶名稱", "密碼", "登入", "你的研究", "「希望」"),
        ("en-GB", "Username", "Password", "Log in", "Your studies", "‘希望’"),
    ],
)
def test_the_picker_quotes_a_new_codes_name_as_the_language_does(
    study, browser, live_server, locale, login, password, button, heading, expected
):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1400, "height": 900}, locale=locale
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label(login).fill("ka-yan")
    page.get_by_label(password).fill("s3cret-pass")
    page.get_by_role("button", name=button).click()
    page.get_by_role("heading", name=heading).wait_for()
    page.goto(f"/studies/{study['study'].pk}/transcripts/{study['t'].pk}/?layer=mine")
    drag_select(page, "起初我唔知自己嘅角色")
    page.locator("#picker-input").fill("希望")
    row = page.locator("#picker-list").get_by_text("希望")
    row.first.wait_for()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"picker_quotes_{locale}.png"))
    text = page.locator("#picker").inner_text()
    assert expected in text, text
    assert ("‘" in text) == (locale != "zh-HK")
    context.close()
