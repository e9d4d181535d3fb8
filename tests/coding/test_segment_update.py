"""POST segment_update: memo, code, span."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coding.models import AuditEvent, Segment
from tests import factories

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def transcript(study):
    return factories.make_transcript(study)


@pytest.fixture
def shame(study):
    return factories.make_code(study, name="Shame")


@pytest.fixture
def hope(study):
    return factories.make_code(study, name="Hope")


@pytest.fixture
def my_segment(study, coder, transcript, shame):
    start = transcript.text.index("At first")
    return factories.make_segment(
        transcript, shame, factories.make_layer(study, coder), start, start + 8, memo="first"
    )


def url(segment):
    return reverse(
        "coding:segment_update",
        args=[segment.transcript.study_id, segment.transcript_id, segment.pk],
    )


def test_a_coder_edits_the_memo(coder_client, my_segment):
    r = coder_client.post(url(my_segment), {"memo": "  hesitant  "}, **HX)
    assert r.status_code == 200
    my_segment.refresh_from_db()
    assert my_segment.memo == "hesitant"
    assert AuditEvent.objects.filter(action="segment.memo").exists()


def test_a_coder_changes_the_code(coder_client, my_segment, hope):
    r = coder_client.post(url(my_segment), {"code_id": hope.pk}, **HX)
    assert r.status_code == 200
    seg = Segment.objects.get()
    assert seg.code == hope and (seg.start, seg.end) == (my_segment.start, my_segment.end)
    assert seg.memo == "first"
    assert 'Changed to ‘<span translate="no">Hope</span>’' in r.content.decode()
    assert seg.pk == my_segment.pk  # the same segment: its memos and decisions stay attached
    assert AuditEvent.objects.filter(action="segment.update", object_id=seg.pk).count() == 1


def test_changing_the_code_keeps_memo_records_and_undo_restores_it(
    coder_client, study, coder, my_segment, hope
):
    from coding.models import Memo

    Memo.objects.create(study=study, author=coder, segment=my_segment, body="a longer note")
    coder_client.post(url(my_segment), {"code_id": hope.pk}, **HX)
    assert Memo.objects.get().segment_id == my_segment.pk
    undo = reverse("coding:segment_undo", args=[study.pk, my_segment.transcript_id])
    assert coder_client.post(undo, **HX).status_code == 200
    seg = Segment.objects.get()
    assert (seg.pk, seg.code_id) == (my_segment.pk, my_segment.code_id)


def test_changing_into_an_identical_segment_collapses_the_two(
    coder_client, study, coder, transcript, my_segment, hope
):
    twin = factories.make_segment(
        transcript, hope, my_segment.layer, my_segment.start, my_segment.end, memo="second"
    )
    coder_client.post(url(my_segment), {"code_id": hope.pk}, **HX)
    seg = Segment.objects.get()
    assert seg.pk == twin.pk
    assert seg.memo == "second\nfirst"


def test_a_coder_adjusts_the_span_with_the_quote_check(coder_client, transcript, my_segment):
    quote = "At first I did"
    start = transcript.text.index(quote)
    data = {"start": start, "end": start + len(quote), "quote": quote, "version": 1}
    r = coder_client.post(url(my_segment), data, **HX)
    assert r.status_code == 200
    seg = Segment.objects.get()
    assert seg.quote == quote and seg.memo == "first"
    assert seg.pk == my_segment.pk


def test_adjusting_with_a_wrong_quote_changes_nothing(coder_client, my_segment):
    data = {"start": my_segment.start, "end": my_segment.end + 3, "quote": "wrong", "version": 1}
    r = coder_client.post(url(my_segment), data, **HX)
    assert "does not match" in r.content.decode()
    assert Segment.objects.get().pk == my_segment.pk
    assert Segment.objects.get().end == my_segment.end


def test_adjusting_on_a_stale_version_reloads(coder_client, transcript, my_segment):
    transcript.version = 3
    transcript.save()
    data = {
        "start": my_segment.start,
        "end": my_segment.end + 1,
        "quote": "At first ",
        "version": 1,
    }
    r = coder_client.post(url(my_segment), data, **HX)
    assert "Transcript changed since you opened it" in r.content.decode()
    assert Segment.objects.get().end == my_segment.end


def test_adjusting_needs_all_span_fields(coder_client, my_segment):
    r = coder_client.post(url(my_segment), {"start": 0}, **HX)
    assert "missing" in r.content.decode()


def test_bad_offsets_are_refused(coder_client, transcript, my_segment):
    data = {"start": 0, "end": 10_000, "quote": "x", "version": 1}
    r = coder_client.post(url(my_segment), data, **HX)
    assert "outside the transcript" in r.content.decode()


def test_changing_to_an_archived_code_is_refused(coder_client, study, my_segment):
    old = factories.make_code(study, name="Old", archived=True)
    r = coder_client.post(url(my_segment), {"code_id": old.pk}, **HX)
    assert "archived" in r.content.decode()
    assert Segment.objects.get().code_id == my_segment.code_id


def test_changing_to_a_code_of_another_study_is_refused(coder_client, my_segment):
    foreign = factories.make_code(factories.make_study(), name="Foreign")
    r = coder_client.post(url(my_segment), {"code_id": foreign.pk}, **HX)
    assert "not one of the available choices" in r.content.decode()


def test_nothing_to_change_is_an_error(coder_client, my_segment):
    r = coder_client.post(url(my_segment), {}, **HX)
    assert "Nothing to change" in r.content.decode()


def test_it_rejects_a_viewer(viewer_client, my_segment):
    assert viewer_client.post(url(my_segment), {"memo": "x"}, **HX).status_code == 403


def test_it_is_404_for_an_outsider(outsider_client, my_segment):
    assert outsider_client.post(url(my_segment), {"memo": "x"}).status_code == 404


def test_it_rejects_another_coders_highlight(coder2, my_segment):
    from django.test import Client

    client = Client()
    client.force_login(coder2)
    assert client.post(url(my_segment), {"memo": "x"}, **HX).status_code == 403
    my_segment.refresh_from_db()
    assert my_segment.memo == "first"


def test_without_htmx_it_redirects(coder_client, my_segment):
    assert coder_client.post(url(my_segment), {"memo": "x"}).status_code == 302
