"""Issue 15: real MP4 (H.264/AAC) and WebM (VP8/Opus) recordings, a few KB each
(tests/data/media/README.md says how they were made), played in Chromium from a turn of a
transcript read from captions with a gap between two turns' cues: the clock moves, the turn
is highlighted, nothing is highlighted in the gap, and "Play passage" stops at the end of the
last turn the passage covers (the cue's end, not the next turn's start)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from studies.media import attach_media
from studies.models import Role, TranscriptMedia
from studies.readers import read_transcript
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = "/tmp/shots-media15"
FILES = Path(__file__).resolve().parent.parent / "data" / "media"

# Turn 2 ends at 4.0 s; turn 3 starts at 7.0 s: 4–7 s is a gap where nobody speaks.
VTT = """WEBVTT

00:00:00.000 --> 00:00:02.000
<v 訪問員>你好，𠮷野家點樣？

00:00:02.000 --> 00:00:04.000
<v 受訪者>我覺得幾好😀，同事都好支持。

00:00:07.000 --> 00:00:09.500
<v 訪問員>之後呢？

00:00:09.500 --> 00:00:11.500
<v 受訪者>後來我哋一齊做咗好多嘢。
"""


@pytest.fixture(autouse=True)
def _media_dir(media_in_tmp):
    """Recordings go to this test's own folder (tests/conftest.py)."""


def media_state(page) -> dict:
    return page.evaluate(
        "(() => { const m = document.getElementById('player-media');"
        " const t = document.querySelector('.turn.is-playing');"
        " return {time: m.currentTime, paused: m.paused, error: m.error && m.error.code,"
        " playing: t ? Number(t.dataset.n) : null}; })()"
    )


@pytest.mark.parametrize("name", ["tiny.mp4", "tiny.webm"])
def test_a_real_video_plays_from_a_turn_and_no_turn_is_highlighted_in_a_cue_gap(
    db, page, login_as, name
):
    study = factories.make_study(name="Video study")
    bob = factories.make_user(username="bob")
    factories.add_member(study, bob, Role.CODER)
    reading = read_transcript(VTT.encode(), "hk02.vtt")
    t = factories.make_transcript(
        study, title="HK02", text=reading.text, turn_times=reading.turn_times
    )
    assert [len(point) for point in t.turn_times] == [3, 3, 3, 3]
    data = (FILES / name).read_bytes()
    media = attach_media(transcript=t, upload=SimpleUploadedFile(name, data), actor=bob)
    assert media.kind == TranscriptMedia.Kind.VIDEO
    layer = factories.make_layer(study, bob)
    code = factories.make_code(study, name="支持", color="#0072B2")
    quote = "同事都好支持"
    start = reading.text.index(quote)
    factories.make_segment(t, code, layer, start, start + len(quote))

    login_as(bob)
    page.goto(f"/studies/{study.pk}/transcripts/{t.pk}/?layer=mine")
    page.wait_for_function(
        "document.getElementById('player-media').readyState >= 1"
        " && document.querySelectorAll('.turn-time').length === 4"
    )
    assert page.locator("video#player-media").count() == 1
    duration = page.evaluate("document.getElementById('player-media').duration")
    assert 11.5 <= duration <= 12.5  # the browser decoded the real file's length
    assert page.locator(".turn-time").all_inner_texts() == ["0:00", "0:02", "0:07", "0:09"]

    # Play from the second turn's time: the clock moves, that turn is highlighted.
    page.locator(".turn-time").nth(1).click()
    page.wait_for_function("document.getElementById('player-media').currentTime > 2.3")
    state = media_state(page)
    assert state["error"] is None and not state["paused"]
    assert 2 <= state["time"] < 4 and state["playing"] == 2  # turns count from 1
    assert "我覺得幾好" in page.locator(".turn.is-playing").inner_text()
    assert page.locator(".turn.is-playing").count() == 1
    slug = name.replace(".", "-")
    page.screenshot(path=f"{SHOTS}/{slug}-1-playing-turn2.png")

    # Into the gap (4–7 s): no turn is highlighted; at 7 s the third turn is.
    page.wait_for_function(
        "(() => { const m = document.getElementById('player-media');"
        " return m.currentTime > 4.3 && m.currentTime < 6.5"
        " && !document.querySelector('.turn.is-playing'); })()",
        timeout=8_000,
    )
    page.screenshot(path=f"{SHOTS}/{slug}-2-cue-gap.png")
    page.wait_for_function(
        "document.querySelector('.turn.is-playing')"
        " && document.getElementById('player-media').currentTime >= 7",
        timeout=8_000,
    )
    assert "之後呢" in page.locator(".turn.is-playing").inner_text()
    page.locator("#player-toggle").click()
    page.wait_for_function("document.getElementById('player-media').paused")

    # Play passage (inside turn 2) stops at the end of turn 2's cue, 4.0 s, not at 7 s.
    assert page.evaluate(f"window.codingPlayer.passageStop({start}, {start + len(quote)})") == 4
    page.locator("mark.r").first.click()
    page.get_by_role("button", name="Play passage, 0:0").click()
    page.wait_for_function("!document.getElementById('player-media').paused")
    page.wait_for_function("document.getElementById('player-media').paused", timeout=8_000)
    assert media_state(page)["time"] == pytest.approx(4.0, abs=0.5)


def test_an_imported_qdpx_recording_plays_on_the_coding_page(db, page, login_as, tmp_path):
    """Export a study with a recording, import the .qdpx into another study through the
    exchange page: the report says the recording came, and it plays from a turn."""
    from coding.exchange.export import project_qdpx
    from studies.access import study_access

    source = factories.make_study(name="Recorded study")
    alice = factories.make_user(username="alice")
    factories.add_member(source, alice, Role.OWNER)
    reading = read_transcript(VTT.encode(), "hk02.vtt")
    t = factories.make_transcript(
        source, title="HK02", text=reading.text, turn_times=reading.turn_times
    )
    data = (FILES / "tiny.mp4").read_bytes()
    attach_media(transcript=t, upload=SimpleUploadedFile("hk02.mp4", data), actor=alice)
    qdpx = tmp_path / "recorded.qdpx"
    qdpx.write_bytes(project_qdpx(study_access(alice, source.pk)))

    target = factories.make_study(name="Imported study")
    factories.add_member(target, alice, Role.OWNER)
    login_as(alice)
    page.goto(f"/studies/{target.pk}/exchange/")
    page.set_input_files("input[type=file][name=file]", str(qdpx))
    page.get_by_role("button", name="Import", exact=True).click()
    row = page.get_by_role("row", name="Recordings imported (played on the coding page)")
    assert row.get_by_role("cell").inner_text() == "1"
    page.screenshot(path=f"{SHOTS}/import-1-report.png", full_page=True)

    copy = target.transcripts.get(title="HK02")
    assert copy.turn_times == t.turn_times
    page.goto(f"/studies/{target.pk}/transcripts/{copy.pk}/")
    page.wait_for_function(
        "document.getElementById('player-media').readyState >= 1"
        " && document.querySelectorAll('.turn-time').length === 4"
    )
    page.locator(".turn-time").nth(2).click()
    page.wait_for_function("document.getElementById('player-media').currentTime > 7.2")
    state = media_state(page)
    assert state["error"] is None and state["playing"] == 3
    assert "之後呢" in page.locator(".turn.is-playing").inner_text()
    page.screenshot(path=f"{SHOTS}/import-2-playing.png")
