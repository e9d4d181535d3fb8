"""The codebook panel's counts on the coding page ("mine / all" per code in this transcript),
in every layer view, checked against the database; and the query they cost."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from coding.models import Layer, LayerKind, Segment
from studies.models import Role
from tests import factories

HX = {"HTTP_HX_REQUEST": "true"}
_ROW = re.compile(
    r'aria-label="[^"]*, (\d+) mine, (\d+) in all layers shown to you" data-code="(\d+)"'
)


def _counts(html: str) -> dict[int, tuple[int, int]]:
    """Code id -> (mine, all) as the codebook tree says them."""
    return {int(pk): (int(mine), int(all_)) for mine, all_, pk in _ROW.findall(html)}


def _expected(transcript, user, layers, codes) -> dict[int, tuple[int, int]]:
    """The same numbers computed from the database: segments of this transcript in the
    requester's own coder layer, and in ``layers`` (the layers they may see)."""
    out = {}
    for code in codes:
        segs = Segment.objects.filter(transcript=transcript, code=code)
        mine = segs.filter(layer__kind=LayerKind.CODER, layer__user=user).count()
        out[code.pk] = (mine, segs.filter(layer__in=layers).count())
    return out


def _url(transcript, **params):
    url = reverse("coding:transcript_code", args=[transcript.study_id, transcript.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


@pytest.fixture
def coded(study, owner, coder, coder2):
    """A transcript coded by three people and the consensus layer, with three codes (one a
    child) used unevenly, and a code nobody used."""
    text = "".join(f"P{i:02d}: words of turn {i} and more words.\n" for i in range(40))
    transcript = factories.make_transcript(study, text=text)
    parent = factories.make_code(study, name="Care")
    codes = [
        parent,
        factories.make_code(study, name="Shame"),
        factories.make_code(study, name="Hope", parent=parent),
        factories.make_code(study, name="Unused"),
    ]
    layers = [
        factories.make_layer(study, owner),
        factories.make_layer(study, coder),
        factories.make_layer(study, coder2),
        factories.make_layer(study),  # consensus
    ]
    for i in range(60):
        layer = layers[i % 4 if i % 5 else 1]  # the coder's layer holds the most
        code = codes[(i * 7) % 3]
        start = (i * 11) % (len(text) - 30)
        factories.make_segment(transcript, code, layer, start, start + 5 + i % 17)
    return transcript, codes, layers


@pytest.mark.parametrize(
    "who, params",
    [
        ("owner", {"layer": "all"}),
        ("owner", {"layer": "mine"}),
        ("owner", {"layer": "consensus"}),
        ("owner", {"layer": "all", "code": "CARE"}),
        ("coder", {"layer": "mine"}),
        ("coder", {"layer": "all"}),
        ("coder", {"layer": "all", "code": "HOPE"}),
        ("coder", {"layer": "mine", "code": "SHAME"}),
    ],
)
def test_the_counts_are_the_databases_in_every_view(
    owner_client, coder_client, owner, coder, coded, who, params
):
    transcript, codes, layers = coded
    client, user = (owner_client, owner) if who == "owner" else (coder_client, coder)
    by_name = {c.name.upper(): c.pk for c in codes}
    params = {k: by_name.get(v, v) for k, v in params.items()}
    html = client.get(_url(transcript, **params)).content.decode()
    # Whatever the view or filter shows, the numbers are those of every layer they may see.
    assert _counts(html) == _expected(transcript, user, layers, codes)


def test_a_blind_coder_counts_only_their_own_layer(coder_client, coder, study, coded):
    study.blind_coding = True
    study.save()
    transcript, codes, layers = coded
    own = Layer.objects.get(study=study, kind=LayerKind.CODER, user=coder)
    for view in ("mine", "all"):
        html = coder_client.get(_url(transcript, layer=view)).content.decode()
        assert _counts(html) == _expected(transcript, coder, [own], codes)
        # both numbers are equal: their own layer is all they see
        assert all(mine == all_ for mine, all_ in _counts(html).values())


def test_the_counts_follow_a_new_segment(coder_client, coder, study, coded):
    transcript, codes, layers = coded
    before = _counts(coder_client.get(_url(transcript, layer="all")).content.decode())
    factories.make_segment(transcript, codes[3], layers[2], 0, 4)  # another coder's
    after = _counts(coder_client.get(_url(transcript, layer="all")).content.decode())
    assert after[codes[3].pk] == (before[codes[3].pk][0], before[codes[3].pk][1] + 1)


def test_a_view_showing_every_counted_layer_runs_no_count_query(
    owner_client, coder_client, coded, django_assert_max_num_queries
):
    transcript, _, _ = coded
    # session, user, membership+study+transcript (+recording: one query), layers, codebook,
    # segments (the counts come from them: every layer counted is shown), codebook versions
    # (each segment's "coded under"), neighbours, assignment, memos
    with django_assert_max_num_queries(10):
        owner_client.get(_url(transcript, layer="all"))
    # the fragment: session, user, membership+study+transcript, layers, codebook, segments,
    # codebook versions
    with django_assert_max_num_queries(7):
        owner_client.get(_url(transcript, layer="all"), **HX)


def test_mine_in_a_study_with_one_coder_runs_no_count_query(db, django_assert_max_num_queries):
    # Taguette's workload: one coder, one layer; "Mine" shows every layer counted.
    study = factories.make_study(name="One coder")
    user = factories.make_user(username="solo")
    factories.add_member(study, user, Role.CODER)
    transcript = factories.make_transcript(study, text="P01: one two three four five six.\n" * 9)
    code = factories.make_code(study, name="Only")
    layer = factories.make_layer(study, user)
    for i in range(12):
        factories.make_segment(transcript, code, layer, i * 3, i * 3 + 5)
    client = _client(user)
    with django_assert_max_num_queries(7):  # the fragment's 7, as above
        html = client.get(_url(transcript, layer="mine"), **HX).content.decode()
    assert _counts(html) == {code.pk: (12, 12)}


def _client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def test_the_done_badge_is_the_requesters_own_for_this_transcript(
    coder_client, coder, coder2, study, coded
):
    from django.utils import timezone

    from coding.models import Assignment

    transcript, _, layers = coded
    other = factories.make_transcript(study, text="P01: another one.\n")
    html = coder_client.get(_url(transcript, layer="mine")).content.decode()
    assert "Mark as done" in html and "Reopen" not in html
    # Done elsewhere (another transcript; another coder's layer here): still not done.
    Assignment.objects.create(layer=layers[1], transcript=other, done_at=timezone.now())
    Assignment.objects.create(layer=layers[2], transcript=transcript, done_at=timezone.now())
    Assignment.objects.create(layer=layers[1], transcript=transcript)  # assigned, not done
    html = coder_client.get(_url(transcript, layer="mine")).content.decode()
    assert "Mark as done" in html and "Reopen" not in html
    Assignment.objects.filter(layer=layers[1], transcript=transcript).update(done_at=timezone.now())
    html = coder_client.get(_url(transcript, layer="mine")).content.decode()
    assert "Reopen" in html and "Mark as done" not in html
    # "Done" is about one's own layer: the All view offers neither.
    html = coder_client.get(_url(transcript, layer="all")).content.decode()
    assert "Reopen" not in html and "Mark as done" not in html


def test_the_page_reads_the_done_state_with_the_layers(
    coder_client, study, coded, django_assert_max_num_queries
):
    transcript, _, _ = coded
    transcript.participant = factories.make_participant(study)
    transcript.save()
    # session, user, membership+study+transcript, layers (with the requester's assignment
    # of this transcript), codebook, segments, the counts of every layer (Mine shows one of
    # several), codebook versions, neighbours, memos: no query for the done state of its own
    with django_assert_max_num_queries(10):
        html = coder_client.get(_url(transcript, layer="mine")).content.decode()
    assert "Mark as done" in html


@pytest.mark.parametrize("zone", ["UTC", "Pacific/Auckland", "America/Los_Angeles"])
def test_the_segment_table_dates_each_segment_by_its_utc_day(
    coder_client, coder, study, settings, zone
):
    import datetime as dt

    from tests.coding.page_data import segment_table

    settings.TIME_ZONE = zone
    transcript = factories.make_transcript(study, text="P01: late at night and early on.\n")
    code = factories.make_code(study, name="Late")
    layer = factories.make_layer(study, coder)
    stamps = [
        dt.datetime(2026, 2, 28, 23, 59, 59, 999999, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 1, 0, 0, tzinfo=dt.UTC),
        dt.datetime(2025, 12, 31, 12, 30, tzinfo=dt.UTC),
    ]
    for i, stamp in enumerate(stamps):
        seg = factories.make_segment(transcript, code, layer, i * 4, i * 4 + 6)
        Segment.objects.filter(pk=seg.pk).update(created_at=stamp)
    table = segment_table(coder_client.get(_url(transcript, layer="mine")).content.decode())
    expected = {
        s.pk: s.created_at.astimezone(dt.UTC).date().isoformat()
        for s in Segment.objects.filter(transcript=transcript)
    }
    assert {pk: row["date"] for pk, row in table.items()} == expected
    assert sorted(expected.values()) == ["2025-12-31", "2026-02-28", "2026-03-01"]
