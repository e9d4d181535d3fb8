"""A Hong Kong coder reads the coding page in Traditional Chinese as Hong Kong writes it:
marking a transcript done shows the day as 9月5日 (Django's zh_Hant would show 09月5日), and
the picker's help says 點擊 (click), not Taiwan's 點選.

Screenshots: /tmp/shots-zhreview/ (looked at while writing the test).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone

from coding.models import Assignment
from studies.models import Role
from tests import factories
from tests.browser.coding_helpers import drag_select

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("ZH_SHOTS", "/tmp/shots-zhreview"))
TEXT = "訪問員：培訓初期你覺得點樣？\nP01：起初我唔知自己嘅角色。"


@pytest.fixture
def study(db):
    study = factories.make_study(name="朋輩支援研究")
    coder = factories.make_user(username="ka-yan", password="s3cret-pass")
    factories.add_member(study, coder, Role.CODER)
    transcript = factories.make_transcript(study, text=TEXT, title="P01 T1")
    factories.make_code(study, name="角色混淆", color="#D55E00")
    return {"study": study, "t": transcript}


def test_the_done_day_and_the_pickers_help_read_as_hong_kong_writes_them(
    study, browser, live_server
):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1400, "height": 900}, locale="zh-HK"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("用戶名稱").fill("ka-yan")
    page.get_by_label("密碼").fill("s3cret-pass")
    page.get_by_role("button", name="登入").click()
    page.get_by_role("heading", name="你的研究").wait_for()

    page.goto(f"/studies/{study['study'].pk}/transcripts/{study['t'].pk}/?layer=mine")
    page.get_by_role("button", name="標示為完成").click()
    badge = page.locator(".done-badge")
    badge.wait_for()
    today = timezone.localdate()
    assert badge.inner_text().strip() == f"{today.month}月{today.day}日 完成"
    # A single-digit month: marked done on 5 September (Django's zh_Hant writes 09月5日).
    september = timezone.make_aware(dt.datetime(today.year, 9, 5, 12))
    assert Assignment.objects.filter(transcript=study["t"]).update(done_at=september) == 1
    page.reload()
    assert badge.inner_text().strip() == "9月5日 完成"

    drag_select(page, "起初我唔知自己嘅角色")  # the picker opens on the selection
    picker = page.locator("#picker")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "journey_done_and_picker.png"))
    assert "點擊方格" in picker.inner_text()
    assert "點選" not in picker.inner_text()
    context.close()
