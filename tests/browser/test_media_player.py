"""Issue 15: an owner attaches a recording, a coder plays it from a turn's time, with the
keyboard, and a highlight's passage, in real Chromium."""

from __future__ import annotations

import wave

import pytest
from playwright.sync_api import expect

from studies.models import Role, TranscriptMedia
from studies.readers import marker_times
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = "/tmp/shots-media"

TEXT = (
    "[00:00:00] 訪問員：你好，𠮷野家嘅經驗點樣？\n"
    "[00:00:04] 受訪者：我覺得幾好😀，同事都好支持。\n"
    "[00:00:08] 訪問員：之後呢？\n"
    "[00:00:12] 受訪者：後來我哋一齊做咗好多嘢。"
)


def wav_file(path, seconds: int = 16, rate: int = 8000) -> None:
    """A real WAV (a quiet tone), written with Python's wave module."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        frames = bytearray()
        for i in range(seconds * rate):
            frames += int(3000 * ((i // 20) % 2 * 2 - 1)).to_bytes(2, "little", signed=True)
        w.writeframes(bytes(frames))


@pytest.fixture(autouse=True)
def _media_dir(media_in_tmp):
    """Recordings go to this test's own folder (tests/conftest.py)."""


@pytest.fixture
def world(db):
    study = factories.make_study(name="Media study")
    alice = factories.make_user(username="alice")
    bob = factories.make_user(username="bob")
    factories.add_member(study, alice, Role.OWNER)
    factories.add_member(study, bob, Role.CODER)
    t = factories.make_transcript(study, text=TEXT, title="HK01")
    t.turn_times = marker_times(TEXT)
    t.save(update_fields=["turn_times"])
    return {"study": study, "alice": alice, "bob": bob, "t": t}


def current_time(page) -> float:
    return page.evaluate("document.getElementById('player-media').currentTime")


def test_owner_attaches_a_recording_and_a_coder_plays_it_from_turns_keys_and_passages(
    world, page, login_as, tmp_path
):
    study, t = world["study"], world["t"]
    wav = tmp_path / "hk01.wav"
    wav_file(wav)
    # The owner attaches it on the transcript's edit page.
    login_as(world["alice"])
    page.goto(f"/studies/{study.pk}/transcripts/{t.pk}/edit/")
    page.set_input_files("#id_media", str(wav))
    page.get_by_role("button", name="Attach recording").click()
    page.wait_for_selector("text=Recording “hk01.wav” attached.")
    page.screenshot(path=f"{SHOTS}/1-owner-attached.png", full_page=True)
    assert TranscriptMedia.objects.get(transcript=t).content_type == "audio/wav"

    # A coder codes a passage in the last turn, then opens the coding page.
    layer = factories.make_layer(study, world["bob"])
    code = factories.make_code(study, name="支持", color="#0072B2")
    quote = "後來我哋一齊做咗"
    start = TEXT.index(quote)
    factories.make_segment(t, code, layer, start, start + len(quote))
    page.context.clear_cookies()
    login_as(world["bob"])
    page.goto(f"/studies/{study.pk}/transcripts/{t.pk}/?layer=mine")
    page.wait_for_function(
        "document.getElementById('player-media').readyState >= 1"
        " && document.querySelectorAll('.turn-time').length === 4"
    )
    times = page.locator(".turn-time")
    assert times.all_inner_texts() == ["0:00", "0:04", "0:08", "0:12"]

    # Click the second turn's time: plays from 4 s, that turn is highlighted.
    times.nth(1).click()
    page.wait_for_function("document.getElementById('player-media').currentTime > 4.2")
    assert 4 <= current_time(page) < 8
    playing = page.locator(".turn.is-playing")
    assert playing.count() == 1
    assert "我覺得幾好" in playing.inner_text()
    page.screenshot(path=f"{SHOTS}/2-coder-playing-turn2.png")

    # Keyboard: Alt+P pauses, Alt+. faster, Alt+, slower, Alt+R back 5 s, F4 plays.
    page.locator("#transcript").focus()
    page.keyboard.press("Alt+p")
    page.wait_for_function("document.getElementById('player-media').paused")
    paused_at = current_time(page)
    page.keyboard.press("Alt+.")
    page.keyboard.press("Alt+.")
    assert page.evaluate("document.getElementById('player-media').playbackRate") == 1.5
    page.keyboard.press("Alt+,")
    assert page.evaluate("document.getElementById('player-media').playbackRate") == 1.25
    # the label follows the ratechange event, which the browser fires after the key: wait
    # for it as a person would see it
    expect(page.locator("#player-rate")).to_have_text("1.25×")
    page.keyboard.press("Alt+r")
    assert current_time(page) == pytest.approx(max(0, paused_at - 5), abs=0.05)
    page.keyboard.press("F4")
    page.wait_for_function("!document.getElementById('player-media').paused")
    page.keyboard.press("F4")
    # The coding keys still work: J moves to the highlight (no clash).
    page.locator("#transcript").focus()
    page.keyboard.press("j")
    assert page.locator("mark.r.is-focus").count() >= 1

    # The shortcuts dialog lists the player's keys.
    page.keyboard.press("?")
    dialog = page.locator("#shortcuts")
    assert "Play / pause the recording" in dialog.inner_text()
    page.screenshot(path=f"{SHOTS}/3-shortcuts.png")
    page.keyboard.press("Escape")

    # Play passage from the highlight's popover: from its interpolated start to its end.
    seg_start = page.evaluate(f"window.codingPlayer.timeAt({start})")
    seg_end = page.evaluate(f"window.codingPlayer.timeAt({start + len(quote)})")
    assert 12 <= seg_start < seg_end <= 16.01
    page.locator("mark.r").first.click()
    button = page.get_by_role("button", name="Play passage, 0:")
    button.click()
    page.wait_for_function(
        f"document.getElementById('player-media').currentTime >= {seg_start - 0.01}"
        " && !document.getElementById('player-media').paused"
    )
    assert "後來" in page.locator(".turn.is-playing").inner_text()
    page.screenshot(path=f"{SHOTS}/4-play-passage.png")
    page.wait_for_function("document.getElementById('player-media').paused", timeout=15_000)
    assert current_time(page) == pytest.approx(seg_end, abs=0.6)
    assert "後來" in page.locator(".turn.is-playing").inner_text()

    # Alt+T plays from the time of the turn the keyboard cursor is on.
    page.keyboard.press("Escape")
    page.locator("#transcript").focus()
    page.keyboard.press("Escape")
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    current = page.locator(".turn.is-current")
    expected = float(current.locator(".turn-time").get_attribute("data-seconds"))
    page.keyboard.press("Alt+t")
    page.wait_for_function("!document.getElementById('player-media').paused")
    assert expected <= current_time(page) < expected + 1.5
    page.locator(f"#{current.get_attribute('id')}.is-playing").wait_for()
    assert page.locator(".turn.is-playing").count() == 1
    page.keyboard.press("Alt+p")

    # Coding a passage swaps its turn: the turn keeps its time button.
    from tests.browser.coding_helpers import SELECT_JS

    page.evaluate(SELECT_JS, ["同事都好支持", 0])
    page.locator("#picker-input").fill("支持")
    page.locator("#picker-input").press("Enter")
    page.wait_for_function("document.querySelectorAll('mark.r').length >= 2")
    page.wait_for_function("document.querySelectorAll('.turn-time').length === 4")
    assert page.locator("#ln-1 .turn-time").inner_text() == "0:04"
    page.screenshot(path=f"{SHOTS}/7-after-coding.png")


def test_a_viewer_plays_and_the_playing_turn_is_followed_until_they_scroll_away(
    db, page, login_as, tmp_path
):
    study = factories.make_study(name="Long study")
    carol = factories.make_user(username="carol")
    factories.add_member(study, carol, Role.VIEWER)
    lines = [
        f"[00:00:{i // 4:02d}.{(i % 4) * 25:02d}] 受訪者{i}：第{i}句話，𠮷。" for i in range(60)
    ]
    text = "\n".join(lines)
    t = factories.make_transcript(study, text=text, title="Long")
    t.turn_times = marker_times(text)
    t.save(update_fields=["turn_times"])
    wav = tmp_path / "long.wav"
    wav_file(wav, seconds=16)
    from django.core.files.uploadedfile import SimpleUploadedFile

    from studies.media import attach_media

    attach_media(transcript=t, upload=SimpleUploadedFile("long.wav", wav.read_bytes()), actor=carol)
    login_as(carol)
    page.set_viewport_size({"width": 1200, "height": 700})
    page.goto(f"/studies/{study.pk}/transcripts/{t.pk}/")
    page.wait_for_function("document.querySelectorAll('.turn-time').length === 60")
    page.evaluate("document.getElementById('player-media').playbackRate = 2")
    page.locator("#player-toggle").click()
    # The playing turn moves down the transcript and is kept in view.
    page.wait_for_function(
        "(() => { const t = document.querySelector('.turn.is-playing');"
        " return t && Number(t.dataset.n) > 30; })()",
        timeout=15_000,
    )
    box = page.evaluate(
        "(() => { const r = document.querySelector('.turn.is-playing').getBoundingClientRect();"
        " return [r.top, r.bottom, innerHeight]; })()"
    )
    assert box[0] >= 0 and box[1] <= box[2] * 0.85 + 1  # in the reading band
    page.screenshot(path=f"{SHOTS}/5-viewer-followed.png")
    # The viewer scrolls back up: following stops, and a button offers to go back.
    page.mouse.wheel(0, -5000)
    page.wait_for_selector("#player-follow:not([hidden])")
    page.wait_for_timeout(800)  # turns go on changing while playing
    n = page.evaluate("Number(document.querySelector('.turn.is-playing').dataset.n)")
    top = page.evaluate("document.querySelector('.turn.is-playing').getBoundingClientRect().top")
    assert top > 700, (n, top)  # still out of view: not followed
    page.screenshot(path=f"{SHOTS}/6-viewer-scrolled-away.png")
    page.locator("#player-follow").click()
    top = page.evaluate("document.querySelector('.turn.is-playing').getBoundingClientRect().top")
    assert 0 <= top <= 700
    # An outsider's browser gets nothing.
    page.context.clear_cookies()
    dave = factories.make_user(username="dave")
    login_as(dave)
    status = page.evaluate(
        f"fetch('/studies/{study.pk}/transcripts/{t.pk}/media/file/').then((r) => r.status)"
    )
    assert status == 404


def test_the_player_works_under_the_content_security_policy(world, browser, live_server, tmp_path):
    """No bypass: the recording loads (media-src 'self') and plays from a turn's time."""
    from tests.browser.test_csp import _sign_in

    study, t = world["study"], world["t"]
    wav = tmp_path / "hk01.wav"
    wav_file(wav, seconds=6)
    from django.core.files.uploadedfile import SimpleUploadedFile

    from studies.media import attach_media

    attach_media(
        transcript=t, upload=SimpleUploadedFile("hk01.wav", wav.read_bytes()), actor=world["alice"]
    )
    world["bob"].set_password("pw")
    world["bob"].save()
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    violations = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    try:
        _sign_in(page, live_server, world["bob"])
        page.goto(f"/studies/{study.pk}/transcripts/{t.pk}/")
        page.locator(".turn-time").first.wait_for()
        assert page.locator(".turn.is-playing").count() == 0  # not played yet
        page.locator(".turn-time").nth(1).click()
        page.locator("#ln-1.is-playing").wait_for()
        assert page.locator(".turn.is-playing").count() == 1
        assert violations == []
    finally:
        context.close()


def test_each_turns_time_sits_in_the_gutter_at_the_start_of_its_turn(
    world, page, login_as, tmp_path
):
    """NVivo and MAXQDA show a timestamp beside the start of its turn; drawn under the turn,
    "0:04" read as the next turn's time (a walk through the coding page found it so)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from studies.media import attach_media

    study, t = world["study"], world["t"]
    wav = tmp_path / "hk01.wav"
    wav_file(wav, seconds=2)
    upload = SimpleUploadedFile("hk01.wav", wav.read_bytes(), content_type="audio/wav")
    attach_media(transcript=t, upload=upload, actor=world["alice"])
    login_as(world["bob"])
    page.goto(f"/studies/{study.pk}/transcripts/{t.pk}/?layer=mine")
    page.wait_for_function("document.querySelectorAll('.turn-time').length === 4")
    for n in range(4):  # the turns' ids count from 0
        turn = page.locator(f"#ln-{n}")
        time_box = turn.locator(".turn-time").bounding_box()
        text_box = turn.locator(".turn-text").bounding_box()
        # The number's glyphs (its box stretches over the whole row).
        number_box = turn.locator(".turn-n").evaluate(
            "e => { const r = document.createRange(); r.selectNodeContents(e);"
            " const b = r.getBoundingClientRect(); return {y: b.y, height: b.height}; }"
        )
        turn_box = turn.bounding_box()
        line = float(
            turn.locator(".turn-text").evaluate("e => parseFloat(getComputedStyle(e).lineHeight)")
        )
        # In the gutter, under the turn's number, beside its first line: inside its own turn.
        assert time_box["x"] + time_box["width"] <= text_box["x"] + 1
        assert time_box["y"] >= number_box["y"] + number_box["height"] - 1
        assert time_box["y"] < text_box["y"] + line
        assert time_box["y"] + time_box["height"] <= turn_box["y"] + turn_box["height"] + 1
    page.screenshot(path=f"{SHOTS}/turn-times-in-gutter.png")
