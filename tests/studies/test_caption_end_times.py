"""Issue 15: a caption cue's end is kept as its turn's end (``[offset, start, end]``), moved
with the text when it is edited, and written into the .qdpx as a SyncPoint at the turn's
end."""

from __future__ import annotations

from studies import readers
from studies.offset_map import OffsetMap
from studies.turn_times import edited_turn_times

GAPPED = """WEBVTT

00:00:01.000 --> 00:00:03.000
<v 訪問員>你好𠮷

00:00:03.000 --> 00:00:04.500
<v 訪問員>點樣？

00:00:10.000 --> 00:00:12.250
<v 受訪者>幾好😀

00:00:20.000 --> 00:00:21.000
<v 訪問員>多謝
"""

SRT = """1
00:00:00,500 --> 00:00:02,000
P01: one

2
00:00:05,000 --> 00:00:07,125
P02: two
"""


def test_vtt_turns_keep_the_end_of_their_last_cue():
    reading = readers.read_transcript(GAPPED.encode(), "gap.vtt")
    assert reading.text == "訪問員: 你好𠮷 點樣？\n受訪者: 幾好😀\n訪問員: 多謝"
    second = reading.text.index("受訪者")
    third = reading.text.index("訪問員: 多謝")
    assert (second, third) == (13, 22)  # code points, not UTF-16 units
    assert reading.turn_times == [[0, 1, 4.5], [second, 10, 12.25], [third, 20, 21]]


def test_srt_turns_keep_their_end():
    reading = readers.read_transcript(SRT.encode(), "s.srt")
    assert reading.turn_times == [[0, 0.5, 2], [9, 5, 7.125]]


def test_markers_have_no_end():
    reading = readers.read_transcript(b"[00:00:01] A: hi\n[00:00:05] B: yo", "m.txt")
    assert reading.turn_times == [[0, 1], [17, 5]]


def test_an_edit_moves_start_and_end_together():
    old = "訪問員: 你好𠮷 點樣？\n受訪者: 幾好😀\n訪問員: 多謝"
    new = "前言\n" + old
    times = [[0, 1, 4.5], [13, 10, 12.25], [22, 20, 21]]
    moved = edited_turn_times(times, old, new, OffsetMap(old, new))
    assert moved == [[3, 1, 4.5], [16, 10, 12.25], [25, 20, 21]]
