"""The line index (coding/segments/lineindex.py): each line's index and number of non-empty
lines before it, looked up instead of counted, equal to counting in the text itself."""

from __future__ import annotations

import random

import pytest

from coding.segments import lineindex
from coding.segments.lineindex import LineIndex
from studies import services as study_services
from tests import factories


def _counted(text: str, a: int) -> tuple[int, int]:
    """The independent computation: newlines before ``a``, non-empty lines before it."""
    return text.count("\n", 0, a), sum(1 for part in text[:a].split("\n") if part)


def _line_starts(text: str) -> list[int]:
    return [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]


TEXTS = [
    "",
    "one line",
    "\n",
    "\n\n\n",
    "P01: 我唔知自己嘅角色。\nInterviewer: And then?\n\nP01: I felt ashamed 𠝹 at first.\n",
    "a\r\nb\r\n\r\nc",
    "𠝹\n\n𠝹𠝹\n",
]


@pytest.mark.parametrize("text", TEXTS)
def test_every_line_start_is_found_as_counting_finds_it(text):
    index = LineIndex(text)

    for a in _line_starts(text):
        assert index.position(text, a) == _counted(text, a)


def test_random_texts_agree_with_counting():
    rng = random.Random(12)
    for _ in range(200):
        text = "".join(
            rng.choice(["a", "\n", "𠝹", " ", "\n\n", "é"]) for _ in range(rng.randrange(60))
        )
        index = LineIndex(text)
        for a in _line_starts(text):
            assert index.position(text, a) == _counted(text, a)


def test_an_offset_inside_a_line_or_another_text_is_not_answered():
    text = "ab\ncd\nef"
    index = LineIndex(text)

    assert index.position(text, 1) is None  # not a line start
    assert index.position(text + "x", 3) is None  # another length
    assert index.position("abc\nd\nef", 3) is None  # same length, lines elsewhere


@pytest.mark.django_db
def test_an_edited_text_gets_a_new_index(study, owner):
    transcript = factories.make_transcript(study, text="a\nb\nc")
    first = lineindex.for_transcript(transcript)
    assert first.position(transcript.text, 4) == (2, 2)

    study_services.transcript_text_update(
        transcript=transcript, text="a\n\nb\nc", actor=owner, expected_version=transcript.version
    )
    transcript.refresh_from_db()

    again = lineindex.for_transcript(transcript)
    assert again is not first
    assert again.position(transcript.text, 5) == _counted(transcript.text, 5) == (3, 2)
