"""Journey: a Hong Kong research assistant codes with blind coding on, in Traditional Chinese.

Her browser asks for zh-HK. The PI has attached the interview's recording and the study has a
bilingual codebook; another coder (erin) has coded the same transcript and written a memo.
She logs in, opens her assigned transcript, codes passages with the mouse (type-ahead in
Chinese and in English, two overlapping spans, one with 𠝹 outside the BMP) and with the
keyboard, undoes one, plays the recording from a turn and a passage from its popover, writes
a memo. Every step is checked against the database in code points, the screen holds no
English interface string, and nothing of erin's shows: not on the pages, not in the JSON
under /api/, not in the retrieval export.

Screenshots: /tmp/shots-journey/ (SHOTS_DIR), looked at while writing the test.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from coding.models import Assignment, Memo, Segment
from studies.media import attach_media
from studies.models import Role
from studies.readers import marker_times
from tests import factories
from tests.browser.coding_helpers import drag_select, span_of
from tests.browser.test_media_player import wav_file
from tests.i18n.english import english_strings
from tests.i18n.test_crawl_zh_hant import user_content

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots-journey"))

TEXT = (
    "[00:00] 訪問員：屋企人點睇你嚟中心？\n"
    "[00:04] SU02: My father encouraged me to join the group, otherwise I would have stayed in bed.\n"
    "[00:08] 訪問員：你有冇遇過歧視或者標籤？\n"
    "[00:12] SU02：聽到人哋咁講，我個心好似俾刀𠝹咗一下咁。\n"
    "Interviewer: And now?\n"
    "SU02: Now I go to the group every week."
)
KNIFE = "我個心好似俾刀𠝹咗一下咁"
FATHER = "My father encouraged me to join the group"
OVERLAP = "encouraged me to join the group, otherwise I would have stayed in bed"
NOW = "Now I go to the group every week."
PASSWORD = "Kowloon-Tong-2026"


@pytest.fixture(autouse=True)
def _media_dir(media_in_tmp):
    """Recordings go to this test's own folder (tests/conftest.py)."""


@pytest.fixture
def study(db, tmp_path):
    study = factories.make_study(
        name="朋輩支援研究",
        blind_coding=True,
        codebook_language2="zh-Hant-HK",
        codebook_language2_name="繁體中文",
    )
    pi = factories.make_user(username="pi")
    ra = factories.make_user(username="ka-yan", password=PASSWORD)
    erin = factories.make_user(username="erin")
    factories.add_member(study, pi, Role.OWNER)
    factories.add_member(study, ra, Role.CODER)
    factories.add_member(study, erin, Role.CODER)
    t = factories.make_transcript(study, text=TEXT, title="SU02 T3")
    t.turn_times = marker_times(TEXT)
    t.save(update_fields=["turn_times"])
    codes = {
        "family": factories.make_code(study, name="Family encouragement", name2="家人鼓勵"),
        "stigma": factories.make_code(study, name="Public stigma", name2="公眾污名"),
        "social": factories.make_code(study, name="Social connection", name2="社交連繫"),
    }
    mine = factories.make_layer(study, user=ra)
    theirs = factories.make_layer(study, user=erin)
    Assignment.objects.create(layer=mine, transcript=t)
    Assignment.objects.create(layer=theirs, transcript=t)
    factories.make_segment(t, codes["stigma"], theirs, *span_of(TEXT, KNIFE))
    Memo.objects.create(study=study, author=erin, transcript=t, title="Erin's note", body="zzz")
    wav = tmp_path / "su02.wav"
    wav_file(wav, seconds=16)
    attach_media(
        transcript=t,
        upload=SimpleUploadedFile("su02.wav", wav.read_bytes(), content_type="audio/wav"),
        actor=pi,
    )
    return {"study": study, "t": t, "ra": ra, "mine": mine, "codes": codes}


@pytest.fixture
def hk(page):
    page.context.set_extra_http_headers({"Accept-Language": "zh-HK,zh;q=0.9,en;q=0.5"})
    return page


def look(page, what: str) -> None:
    """A screenshot, and no English interface string on the screen."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"blind-ra-{what}.png"))
    found = english_strings(page.content(), user_content(), frozenset({"ka-yan"}))
    assert not found, f"{what}: English on screen:\n" + "\n".join(found)
    assert "erin" not in page.locator("body").inner_text(), f"{what}: erin's work on screen"


def mine(s) -> list[tuple[str, int, int, str]]:
    return sorted(
        Segment.objects.filter(layer=s["mine"]).values_list("code__name", "start", "end", "quote")
    )


def audio(page) -> dict:
    return page.evaluate(
        "(() => { const a = document.querySelector('audio, video');"
        " return {t: a.currentTime, paused: a.paused}; })()"
    )


def apply(page, query: str, expect_option: str, stripes: int) -> None:
    picker = page.get_by_role("dialog", name="將編碼套用於選取的文段")
    picker.wait_for()
    picker.get_by_role("combobox", name="編碼").press_sequentially(query)
    option = picker.get_by_role("option").filter(has_text=expect_option).first
    option.wait_for()
    picker.get_by_role("button", name="套用").click()
    page.get_by_role("status").filter(has_text="已編碼").wait_for()
    page.wait_for_function(f"document.querySelectorAll('.stripe').length === {stripes}")


def test_a_blind_coder_codes_listens_and_writes_a_memo_in_chinese(study, hk):
    page, s = hk, study
    page.goto("/accounts/login/")
    page.get_by_label("用戶名稱").fill("ka-yan")
    page.get_by_label("密碼").fill(PASSWORD)
    page.get_by_role("button", name="登入").click()
    page.get_by_role("link", name=s["study"].name).click()
    page.get_by_role("link", name="SU02 T3").first.click()  # her assignments
    page.locator("#player-toggle").wait_for()
    # Only her own layer is offered; the page says why.
    assert page.locator("html").get_attribute("lang") == "zh-Hant-HK"
    assert "盲編碼已開啟" in page.locator("main").inner_text()
    look(page, "01-coding-page")

    # The mouse: Chinese type-ahead on a passage with 𠝹 (one code point, two UTF-16 units).
    drag_select(page, KNIFE)
    apply(page, "公眾", "公眾污名", 1)
    # English type-ahead finds the same bilingual codebook; then an overlapping span.
    drag_select(page, FATHER)
    apply(page, "encourag", "家人鼓勵", 2)
    drag_select(page, OVERLAP)
    apply(page, "社交", "社交連繫", 3)
    look(page, "02-three-coded")
    assert mine(s) == sorted(
        [
            ("Public stigma", *span_of(TEXT, KNIFE), KNIFE),
            ("Family encouragement", *span_of(TEXT, FATHER), FATHER),
            ("Social connection", *span_of(TEXT, OVERLAP), OVERLAP),
        ]
    )

    # The keyboard only: the skip link, down to the sixth turn, Enter, C, type, Enter.
    page.goto(page.url)
    page.locator("#player-toggle").wait_for()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "跳至轉錄稿"
    page.keyboard.press("Enter")
    for _ in range(6):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.keyboard.press("c")
    page.get_by_role("dialog", name="將編碼套用於選取的文段").wait_for()
    page.keyboard.type("社交")
    page.keyboard.press("Enter")
    page.get_by_role("status").filter(has_text="已編碼").wait_for()
    assert ("Social connection", *span_of(TEXT, NOW), NOW) in mine(s)
    # ... and undoes it.
    page.locator("#transcript").focus()
    page.keyboard.press("Control+z")
    page.get_by_role("status").filter(has_text="已復原").wait_for()
    assert ("Social connection", *span_of(TEXT, NOW), NOW) not in mine(s)
    assert len(mine(s)) == 3
    look(page, "03-undone")

    # The recording: from the third turn's time, then the Chinese passage from its popover.
    page.get_by_role("button", name="由 0:08 開始播放（第 3 段發言）").click()
    page.wait_for_function(
        "(() => { const a = document.querySelector('audio'); return !a.paused && a.currentTime >= 8; })()"
    )
    look(page, "04-playing-from-a-turn")
    page.keyboard.press("Alt+p")
    page.wait_for_function("document.querySelector('audio').paused")
    page.locator("mark.r").filter(has_text="俾刀").first.click()
    popover = page.get_by_role("dialog", name="這裏的編碼")
    popover.wait_for()
    assert "公眾污名" in popover.inner_text() and "由你編碼" in popover.inner_text()
    look(page, "05-popover")
    popover.get_by_role("button", name="播放此文段").click()
    page.wait_for_function(
        "(() => { const a = document.querySelector('audio'); return !a.paused && a.currentTime >= 12; })()"
    )
    assert audio(page)["t"] < 16
    page.keyboard.press("Escape")

    # A memo on the transcript.
    body = "SU02 提到阿爸鼓勵佢參加小組；留意 T1 至 T3 家人角色嘅轉變 𠝹。"
    page.get_by_label("標題").fill("家人支持")
    page.get_by_label("備忘錄", exact=True).fill(body)
    page.get_by_role("button", name="加入備忘錄").click()
    page.get_by_text("家人支持").first.wait_for()
    memo = Memo.objects.get(author=s["ra"])
    assert (memo.title, memo.body, memo.transcript_id) == ("家人支持", body, s["t"].pk)
    look(page, "06-memo")

    # Nothing of erin's: the memos page, the JSON under /api/, the retrieval export.
    page.get_by_role("link", name=s["study"].name).first.click()  # the breadcrumb
    page.get_by_role("link", name="備忘錄", exact=True).first.click()
    page.get_by_role("heading", name="備忘錄", exact=True).wait_for()
    assert "家人支持" in page.locator("main").inner_text()
    assert "Erin's note" not in page.content()
    look(page, "07-memos")
    answer = page.request.get(f"/api/v1/transcripts/{s['t'].pk}").json()
    layers = {seg.get("layer") for seg in answer["segments"]}
    assert layers == {"ka-yan"} and len(answer["segments"]) == 3
    assert "erin" not in page.request.get(f"/api/v1/studies/{s['study'].pk}/retrieval").text()
    export = page.request.get(
        f"/studies/{s['study'].pk}/retrieval/export.csv?code={s['codes']['stigma'].pk}"
    )
    rows = list(csv.reader(io.StringIO(export.body().decode("utf-8-sig"))))
    assert rows[0][5] == "編碼層"
    assert [(r[5], int(r[6]), int(r[7]), r[8]) for r in rows[1:]] == [
        ("ka-yan", *span_of(TEXT, KNIFE), KNIFE)
    ]
