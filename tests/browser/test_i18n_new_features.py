"""Main's newer features read in Traditional Chinese (Hong Kong) in Chromium: the coding page
of a transcript with a recording and a bilingual codebook, and the agreement over-time tab.
Every visible interface string is Chinese (the shared rule, tests/i18n/english.py); the
study's own words (code names in both languages, names of versions and rounds) stay as
written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coding.models import Code
from studies.media import attach_media
from studies.models import Role, Transcript
from studies.readers import marker_times
from tests import factories
from tests.browser.test_agreement_over_time import history
from tests.browser.test_media_player import TEXT, wav_file
from tests.i18n.english import english_strings
from tests.i18n.test_crawl_zh_hant import user_content
from workbench.demo import build as demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots-inti18n"))


@pytest.fixture(autouse=True)
def _media_dir(media_in_tmp):
    """Recordings go to this test's own folder (tests/conftest.py)."""


def _zh(page):
    page.context.set_extra_http_headers({"Accept-Language": "zh-HK,zh;q=0.9,en;q=0.5"})


def _english(page, names) -> list[str]:
    return english_strings(page.content(), user_content(), frozenset(names))


def test_a_coder_reads_the_coding_page_with_a_recording_and_two_code_languages_in_zh_hk(
    page, login_as, tmp_path
):
    study = factories.make_study(
        name="Peer work", codebook_language2="zh-Hant-HK", codebook_language2_name="繁體中文"
    )
    owner = factories.make_user(username="alice")
    coder = factories.make_user(username="bob")
    factories.add_member(study, owner, Role.OWNER)
    factories.add_member(study, coder, Role.CODER)
    t = factories.make_transcript(study, text=TEXT, title="HK01")
    t.turn_times = marker_times(TEXT)
    t.save(update_fields=["turn_times"])
    support = factories.make_code(study, name="Support", name2="支持")
    layer = factories.make_layer(study, user=coder)
    at = TEXT.index("同事")
    factories.make_segment(t, support, layer, start=at, end=at + 6)
    wav = tmp_path / "hk01.wav"
    wav_file(wav)
    attach_media(
        transcript=t,
        upload=SimpleUploadedFile("hk01.wav", wav.read_bytes(), content_type="audio/wav"),
        actor=owner,
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    _zh(page)
    login_as(coder)
    page.goto(reverse("coding:transcript_code", args=[study.pk, t.pk]))
    page.wait_for_selector("#player-toggle")
    assert page.locator("html").get_attribute("lang") == "zh-Hant-HK"
    assert page.locator("#player-toggle").inner_text() == "播放"
    # Keyboard: Alt+P plays, the button then says pause in Chinese (the player's STRINGS).
    page.locator("#transcript").focus()
    page.keyboard.press("Alt+p")
    page.wait_for_function("document.getElementById('player-toggle').textContent === '暫停'")
    page.keyboard.press("Alt+p")
    # The highlight's popover: the code in both languages, the interface words in Chinese.
    page.locator("mark").first.click()
    pop = page.locator("#seg-pop")
    pop.wait_for(state="visible")
    assert "Support" in pop.inner_text() and "支持" in pop.inner_text()
    assert "由" in pop.inner_text()
    page.screenshot(path=str(SHOTS / "coding-page-zh-hk.png"), full_page=True)
    assert not _english(page, {"alice", "bob"})
    assert Code.objects.get(pk=support.pk).name2 == "支持"


def test_a_pi_reads_agreement_over_time_in_zh_hk(page, login_as):
    owner = factories.make_user(username="pi")
    study = demo.build_demo_study(
        owner=owner, coders=2, transcripts_limit=9, segments_per_layer=30, target_chars=(2000, 4000)
    )
    layers = history(study, owner)
    SHOTS.mkdir(parents=True, exist_ok=True)
    _zh(page)
    login_as(owner)
    page.goto(
        reverse("coding:agreement_over_time", args=[study.pk])
        + f"?layers={layers[0].key}&layers={layers[1].key}&bootstrap=50"
    )
    page.wait_for_selector("table.over-time")
    body = page.locator("main").inner_text()
    assert "一致性的時間變化" in body and "校準回合" in body
    # The version names are the study's own, as written.
    assert "v1 after calibration" in body
    page.screenshot(path=str(SHOTS / "agreement-over-time-zh-hk.png"), full_page=True)
    names = [u.username for u in (owner, *[la.user for la in layers])]
    assert not _english(page, names)
    assert Transcript.objects.filter(study=study).count() == 9
