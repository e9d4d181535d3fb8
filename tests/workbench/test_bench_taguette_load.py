"""The Taguette workload loader (``workbench/bench/taguette_load.py``): what Taguette's benchmark
script dumps is stored span for span, in code points, Chinese and astral characters included.

Taguette itself is never run here; only its script's ``--workload-only`` mode (standard library).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from coding.models import Code, Segment
from studies.models import Transcript
from workbench.bench import taguette
from workbench.bench.taguette_load import WorkloadError, load_workload, read_workload

SCRIPT = taguette.script_path()
pytestmark = pytest.mark.skipif(
    not SCRIPT.is_file(),
    reason=f"Taguette's benchmark script is not at {SCRIPT} (set TAGUETTE_BENCH_SCRIPT)",
)
ASTRAL = "\U0002075d"


@pytest.fixture(scope="module")
def dumped(tmp_path_factory):
    path = tmp_path_factory.mktemp("taguette") / "workload.json"
    subprocess.run(
        [sys.executable, str(SCRIPT), "--workload-only", "--dump-workload", str(path)]
        + ["--docs", "3", "--chars", "4000", "--tags", "12", "--highlights", "60", "--seed", "5"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return read_workload(path)


def _char_offset(text: str, utf8_offset: int) -> int:
    """Independent of the loader: code points before a UTF-8 byte offset."""
    return len(text.encode("utf-8")[:utf8_offset].decode("utf-8"))


def test_every_highlight_is_stored_as_one_segment_per_tag_at_its_code_points(db, dumped):
    loaded = load_workload(dumped)

    transcripts = list(Transcript.objects.filter(study_id=loaded.study_id).order_by("pk"))
    assert [t.title for t in transcripts] == [d["name"] for d in dumped["documents"]]
    expected_total = 0
    for transcript, document in zip(transcripts, dumped["documents"], strict=True):
        text = transcript.text
        assert text == document["text"] and transcript.length == len(text)
        expected = set()
        for h in document["highlights"]:
            start = _char_offset(text, h["start_utf8"])
            end = _char_offset(text, h["end_utf8"])
            quote = text.encode("utf-8")[h["start_utf8"] : h["end_utf8"]].decode("utf-8")
            expected |= {(path, start, end, quote) for path in h["tags"]}
        stored = {
            (f"{s.code.parent.name}/{s.code.name}", s.start, s.end, s.quote)
            for s in Segment.objects.filter(transcript=transcript).select_related("code__parent")
        }
        assert stored == expected
        assert all(quote == text[start:end] for _, start, end, quote in stored)
        expected_total += len(expected)
    assert loaded.segments == expected_total == Segment.objects.count()
    assert Segment.objects.filter(layer_id=loaded.layer_id).count() == expected_total


def test_spans_after_chinese_and_astral_characters_are_counted_in_code_points(db, dumped):
    load_workload(dumped)
    texts = {t.pk: t.text for t in Transcript.objects.all()}
    astral_before = cjk_inside = 0
    for segment in Segment.objects.all():
        text = texts[segment.transcript_id]
        astral_before += ASTRAL in text[: segment.start]
        cjk_inside += any("\u4e00" <= ch <= "\u9fff" for ch in segment.quote)
        # In UTF-16 (the browser's unit) an astral character counts two: the spans would move.
        assert segment.quote == text[segment.start : segment.end]
    assert ASTRAL in "".join(texts.values())
    assert astral_before > 0 and cjk_inside > 0


def test_tags_become_codes_under_their_categories(db, dumped):
    loaded = load_workload(dumped)
    leaves = Code.objects.filter(pk__in=loaded.code_ids.values()).select_related("parent")
    assert sorted(f"{c.parent.name}/{c.name}" for c in leaves) == sorted(dumped["tags"])
    categories = Code.objects.filter(study_id=loaded.study_id, parent=None)
    assert {c.name for c in categories} == {p.split("/")[0] for p in dumped["tags"]}
    assert not any(c.is_codable for c in categories)


def test_a_span_that_does_not_match_its_bytes_is_refused_before_anything_is_written(db, dumped):
    broken = {**dumped, "documents": [dict(d) for d in dumped["documents"]]}
    last = broken["documents"][-1]
    last["highlights"] = [dict(h) for h in last["highlights"]]
    last["highlights"][0]["start"] += 1  # still inside the text

    with pytest.raises(WorkloadError, match="differs from the words"):
        load_workload(broken)

    assert not Transcript.objects.exists() and not Segment.objects.exists()
