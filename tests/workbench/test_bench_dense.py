"""The dense transcripts of the benchmarks (workbench/bench/dense.py): the same data as the
three builders it replaced (tests/workbench/dense_before.py), offsets in code points."""

from __future__ import annotations

import random

import pytest
from django.contrib.auth import get_user_model

from coding.models import Layer, LayerKind, Segment
from studies.models import Role, Transcript
from tests import factories
from tests.workbench import dense_before
from workbench.bench import coding_page, coding_writes, dense, retrieval
from workbench.bench.harness import Context


def _text(k: int) -> str:
    """A source transcript of 31,000 code points (English, Chinese, astral), with a blank
    stretch that a span must not fall in."""
    turn = f"P{k:02d}: 我唔知自己嘅角色 𠝹 at first, honestly; the team trusted me ({k}).\n"
    text = turn * (31_000 // len(turn) + 1)
    return (text[:9_000] + " " * 600 + "\n" * 50 + text[9_650:])[:31_000]


def bench_study(name: str) -> Context:
    """A study shaped like the bench workload: coders with a layer each, groups, a wave,
    22 transcripts, 44 leaf codes (one archived) under a category."""
    User = get_user_model()
    study = factories.make_study(name=name)
    users = {}
    for username in ("pi", "coder1", "coder2", "coder3"):
        users[username], _ = User.objects.get_or_create(username=username)
        role = Role.OWNER if username == "pi" else Role.CODER
        factories.add_member(study, users[username], role)
        if username != "pi":
            Layer.objects.create(study=study, kind=LayerKind.CODER, user=users[username])
    for g in ("Peer workers", "Service users", "Managers"):
        factories.make_group(study, name=g)
    factories.make_wave(study, name="T1")
    for k in range(22):
        factories.make_transcript(study, title=f"Interview {k:02d}", text=_text(k))
    theme = factories.make_code(study, name="Theme", is_codable=False)
    for i in range(44):
        factories.make_code(study, name=f"Code {i:02d}", parent=theme, archived=i == 3)
    return Context(scale=1, study=study, users=users)


def stored(transcripts) -> list[tuple]:
    """What a bench times, without ids: each transcript and its segments by names."""
    out = []
    for t in sorted(transcripts, key=lambda t: t.title):
        t = Transcript.objects.select_related("participant__group", "wave").get(pk=t.pk)
        segments = sorted(
            Segment.objects.filter(transcript=t).values_list(
                "code__name",
                "layer__user__username",
                "start",
                "end",
                "quote",
                "created_by__username",
            )
        )
        participant = t.participant
        out.append(
            (
                t.title,
                t.text,
                t.length,
                t.checksum,
                participant and (participant.pseudonym, participant.group.name),
                t.wave and t.wave.name,
                segments,
            )
        )
    return out


@pytest.mark.parametrize(("highlights", "second_code"), [(60, 0.0), (45, 0.53)])
def test_the_coding_page_transcript_is_the_one_it_was(db, highlights, second_code):
    before = dense_before._browser_transcript(bench_study("A"), highlights, second_code=second_code)
    after = coding_page._browser_transcript(bench_study("B"), highlights, second_code=second_code)
    assert stored([after]) == stored([before])
    assert Segment.objects.filter(transcript=after).count() >= highlights


def test_the_write_bench_transcript_is_the_one_it_was(db):
    before, before_layer = dense_before._dense_transcript(bench_study("A"), 70)
    with coding_writes.dense_transcript(bench_study("B"), 70) as (after, after_layer):
        assert stored([after]) == stored([before])
        assert after_layer.user.username == before_layer.user.username == "coder1"


def test_the_write_bench_transcript_is_gone_when_its_operation_ends(db):
    # `make bench` runs segment_create_page_1200 and then segment_create_page_size, which
    # both build the 1,200-highlight transcript: the second met the first's title.
    ctx = bench_study("A")
    before = set(Transcript.objects.values_list("pk", flat=True))
    for _ in range(2):
        with coding_writes.dense_transcript(ctx, 70) as (transcript, _layer):
            assert Segment.objects.filter(transcript=transcript).count() >= 70
    with pytest.raises(RuntimeError), coding_writes.dense_transcript(ctx, 70):
        raise RuntimeError("an operation that fails leaves nothing behind either")
    assert set(Transcript.objects.values_list("pk", flat=True)) == before
    assert not Segment.objects.filter(transcript__title__startswith="Write bench").exists()


def test_the_retrieval_workload_is_the_one_it_was(db):
    a, b = bench_study("A"), bench_study("B")
    before = dense_before.build_taguette_workload(a, highlights=25)
    after = retrieval.build_taguette_workload(b, highlights=25)
    assert (after.name, after.n) == (before.name, before.n)
    made = Transcript.objects.filter(title__startswith="Taguette 25 ")
    assert stored(made.filter(study=b.study)) == stored(made.filter(study=a.study))
    assert made.filter(study=b.study).count() == dense.TAGUETTE_DOCS


def test_spans_are_code_point_slices_of_the_text_and_never_blank(db):
    ctx = bench_study("A")
    text = dense.repeated(_text(1))
    assert len(text) == dense.CHARS
    transcript = dense.create_transcript(ctx.study, title="Dense", text=text)
    layers = list(Layer.objects.filter(study=ctx.study).order_by("pk"))
    codes = list(ctx.study.codes.filter(children__isnull=True).order_by("pk")[:5])
    keys = dense.spread(
        random.Random(3), text, codes=codes, layers=layers, highlights=200, second_code=0.5
    )
    dense.store(transcript, keys)
    rows = list(Segment.objects.filter(transcript=transcript))
    assert len(rows) == len(set(keys)) == len(keys) > 200
    for s in rows:
        assert 20 <= s.end - s.start < 400
        assert s.quote == text[s.start : s.end] and s.quote.strip()
    assert {s.layer_id for s in rows} == {layer.pk for layer in layers}
