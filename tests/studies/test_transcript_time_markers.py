"""Turn times from ``[hh:mm:ss]`` markers in text transcripts and from captions, in code
points of the canonical text (Chinese and astral characters included)."""

from __future__ import annotations

from studies.readers import marker_times, read_transcript


def cp(text: str, needle: str) -> int:
    """The code-point offset of ``needle`` (Python counts code points)."""
    return text.index(needle)


def test_markers_at_line_starts_give_the_line_offset_in_code_points():
    text = (
        "[00:00:05] 訪問員：你好，𠮷野家嘅經驗點樣？\n"
        "[00:00:30.5] 受訪者：我覺得幾好😀。\n"
        "受訪者：跟住 [01:02] 我哋再傾 [1:00:00,250] 其他嘢。\n"
    )
    reading = read_transcript(text.encode("utf-8"), "interview.txt")
    t = reading.text
    second_line = cp(t, "[00:00:30.5]")
    third_line = cp(t, "受訪者：跟住")
    assert reading.turn_times == [
        [0, 5],
        [second_line, 30.5],
        [cp(t, "[01:02]"), 62],
        [cp(t, "[1:00:00,250]"), 3600.25],
    ]
    # Independent check: the offsets count code points, not UTF-16 units (𠮷 and 😀 are one each).
    assert second_line == len("[00:00:05] 訪問員：你好，𠮷野家嘅經驗點樣？\n")
    assert (
        second_line != len("[00:00:05] 訪問員：你好，𠮷野家嘅經驗點樣？\n".encode("utf-16-le")) // 2
    )
    assert third_line < cp(t, "[01:02]")


def test_a_marker_after_a_speaker_label_opens_the_turn():
    text = "Interviewer: [00:10] How was it?\nParticipant: Fine.\n"
    assert marker_times(text) == [[0, 10]]


def test_times_going_backwards_are_left_out_and_the_markers_stay_in_the_text():
    text = "[00:10] a\n[00:05] b\n[00:20] c"
    reading = read_transcript(text.encode(), "x.txt")
    assert reading.text == text
    assert reading.turn_times == [[0, 10], [text.index("[00:20]"), 20]]


def test_not_times_are_not_markers():
    assert marker_times("[12] [ab:cd] [1:2] [00:61] (00:10) 00:10") == []


def test_vtt_voices_with_astral_text_keep_code_point_offsets():
    vtt = (
        "WEBVTT\n\n"
        "00:00:01.000 --> 00:00:03.000\n<v 訪問員>𠮷野家😀點樣？\n\n"
        "00:00:04.500 --> 00:00:06.000\n<v 受訪者>幾好。\n"
    )
    reading = read_transcript(vtt.encode("utf-8"), "a.vtt")
    assert reading.text == "訪問員: 𠮷野家😀點樣？\n受訪者: 幾好。"
    assert reading.turn_times == [[0, 1, 3], [cp(reading.text, "受訪者"), 4.5, 6]]
    assert cp(reading.text, "受訪者") == 13


def test_a_time_marker_before_the_speaker_label_is_not_the_speaker():
    from studies.text import speaker_of

    assert speaker_of("[00:00:04] 受訪者：幾好。") == "受訪者"
    assert speaker_of("[1:02:03.5] Interviewer: And then?") == "Interviewer"
    assert speaker_of("[00:10] no label here, only words") is None
    assert speaker_of("受訪者：幾好。") == "受訪者"


def test_the_coding_page_shows_the_speaker_after_a_time_marker(study, owner_client):
    from django.urls import reverse

    from tests import factories

    text = "[00:00:04] 受訪者：幾好。"
    t = factories.make_transcript(study, title="T", text=text)
    html = owner_client.get(reverse("coding:transcript_code", args=[study.pk, t.pk])).content
    end = len("[00:00:04] 受訪者：")
    assert f'class="r spk" data-start="0" data-end="{end}"'.encode() in html


def test_a_bracketed_label_is_still_a_label():
    from studies.text import speaker_of

    assert speaker_of("[Interviewer]: And then?") == "[Interviewer]"


def test_editing_the_text_keeps_marker_times_valid_and_reads_new_markers(study, owner):
    from studies import services
    from tests import factories

    text = "[00:00:05] 訪問員：你好𠮷？\n[00:00:30] 受訪者：好😀。\n[00:01:00] 訪問員：多謝。"
    t = factories.make_transcript(study, title="T", text=text)
    t.turn_times = marker_times(text)
    t.save(update_fields=["turn_times"])
    # A new first line, the second turn deleted, a new marked turn typed at the end.
    new_text = (
        "訪談前記錄𠮷。\n[00:00:05] 訪問員：你好𠮷？\n[00:01:00] 訪問員：多謝。\n"
        "[00:01:30] 受訪者：唔使客氣😀。"
    )
    services.transcript_text_update(
        transcript=t, text=new_text, expected_version=t.version, actor=owner
    )
    t.refresh_from_db()
    assert t.turn_times == [
        [new_text.index("[00:00:05]"), 5],
        [new_text.index("[00:01:00]"), 60],
        [new_text.index("[00:01:30]"), 90],
    ]
