"""What a write through the coding page costs in queries, and what it stores (issue 12).

The page's create is the coder's most frequent request: its queries are pinned here (a
comment lists them), with what it stored and what it answered checked beside them.
"""

from __future__ import annotations

import contextvars

import pytest
from django.urls import reverse

from coding import audit
from coding.models import AuditEvent, Segment
from coding.segments import services
from tests import factories

HX = {"HTTP_HX_REQUEST": "true"}
TEXT = "P01: 我唔知自己嘅角色。\nInterviewer: And then?\nP01: I felt ashamed 𠝹 at first.\nP02: the end."


@pytest.fixture
def setup(study, coder):
    transcript = factories.make_transcript(study, text=TEXT)
    shame = factories.make_code(study, name="Shame")
    hope = factories.make_code(study, name="Hope")
    layer = factories.make_layer(study, coder)
    factories.make_segment(transcript, hope, layer, 0, 4)
    return {"transcript": transcript, "shame": shame, "hope": hope, "layer": layer}


def _create(client, transcript, codes, words, **extra):
    start = transcript.text.index(words)
    data = {
        "code_ids": [c.pk for c in codes],
        "start": start,
        "end": start + len(words),
        "quote": words,
        "version": transcript.version,
        "layer": "mine",
        "view": "mine",
        "partial": "1",
        **extra,
    }
    url = reverse("coding:segment_create", args=[transcript.study_id, transcript.pk])
    return client.post(url, data, **HX)


def test_a_page_write_codes_a_passage_in_at_most_13_queries(
    setup, coder_client, coder, django_assert_max_num_queries
):
    transcript, shame = setup["transcript"], setup["shame"]
    # session, user, membership with study and transcript (one query), codebook, the
    # visible layers (the layer written to and the page's layer state), BEGIN, transcript
    # lock, code lock, segment insert (a double submit breaks the unique span), audit
    # insert, COMMIT, segments on the touched line, the touched code's counts
    with django_assert_max_num_queries(13):
        response = _create(coder_client, transcript, [shame], "I felt ashamed 𠝹")

    assert response.status_code == 200
    assert response["HX-Reswap"] == "none"
    segment = Segment.objects.get(code=shame)
    assert transcript.text[segment.start : segment.end] == "I felt ashamed 𠝹"
    assert segment.layer == setup["layer"]
    event = AuditEvent.objects.get()
    assert (event.action, event.object_id, event.actor) == ("segment.create", segment.pk, coder)
    assert event.after == audit.segment_snapshot(segment)
    assert 'Coded <span translate="no">‘Shame’</span>' in response.content.decode()


def test_a_page_delete_takes_at_most_18_queries(setup, coder_client, django_assert_max_num_queries):
    transcript = setup["transcript"]
    segment = Segment.objects.get()
    url = reverse("coding:segment_delete", args=[transcript.study_id, transcript.pk, segment.pk])
    # session, user, membership with study and transcript, segment with code and layer, BEGIN,
    # transcript lock, segment re-read (an edit may have moved it), audit insert, its
    # memos, exemplars and consensus results (on_delete), delete, COMMIT, the visible layers, the
    # codebook, segments on the touched line, the touched code's counts, whether the layer
    # still has a highlight (the hint: none was left on the line)
    with django_assert_max_num_queries(18):
        response = coder_client.post(url, {"view": "mine", "partial": "1"}, **HX)

    assert response["HX-Reswap"] == "none"
    assert not Segment.objects.exists()
    assert AuditEvent.objects.get().action == "segment.delete"


def test_a_double_submit_answers_with_the_segment_already_there(setup, coder_client):
    transcript, shame = setup["transcript"], setup["shame"]
    first = _create(coder_client, transcript, [shame], "And then?")

    again = _create(coder_client, transcript, [shame], "And then?")

    assert 'Coded <span translate="no">‘Shame’</span>' in first.content.decode()
    assert 'Already coded <span translate="no">‘Shame’</span>' in again.content.decode()
    assert again["HX-Reswap"] == "none"
    assert Segment.objects.filter(code=shame).count() == 1
    assert AuditEvent.objects.filter(action="segment.create").count() == 1


def test_several_codes_are_one_batch_that_one_undo_reverts(setup, coder_client, coder):
    transcript, shame, hope = setup["transcript"], setup["shame"], setup["hope"]

    response = _create(coder_client, transcript, [hope, shame], "And then?")

    assert response["HX-Reswap"] == "none"
    creates = list(AuditEvent.objects.filter(action="segment.create").order_by("pk"))
    batch = AuditEvent.objects.get(action="segment.batch")
    assert batch.after["events"] == [e.pk for e in creates]
    assert batch.after["label"] == "Coded ‘Hope’, ‘Shame’"
    undo = reverse("coding:segment_undo", args=[transcript.study_id, transcript.pk])
    response = coder_client.post(undo, {"view": "mine", "partial": "1"}, **HX)
    assert 'Undone: Coded <span translate="no">‘Hope’, ‘Shame’</span>' in response.content.decode()
    assert list(Segment.objects.values_list("code", "start")) == [(hope.pk, 0)]


def test_the_answer_is_built_from_this_writes_events_only(
    setup, study, coder, coder_client, monkeypatch
):
    # The same coder writes in another tab while this write runs: its event (on another
    # transcript) is not part of this write, and this answer still holds only the one
    # touched turn rather than the whole transcript.
    other = factories.make_transcript(study, text="P09: elsewhere.")
    real = services.segment_create

    def and_another_tab(**kwargs):
        # Another request: the same database, its own context (as each thread has).
        contextvars.Context().run(
            audit.audit,
            study=study,
            actor=coder,
            action="segment.delete",
            object_type="segment",
            object_id=999,
            before={"id": 999, "transcript_id": other.pk, "code_id": 1, "start": 0, "end": 3},
        )
        return real(**kwargs)

    monkeypatch.setattr(services, "segment_create", and_another_tab)
    response = _create(coder_client, setup["transcript"], [setup["shame"]], "P02: the end.")

    assert response["HX-Reswap"] == "none"
    assert response.content.decode().count('hx-swap-oob="true" class="turn') == 1
    assert Segment.objects.filter(code=setup["shame"]).count() == 1


def test_a_write_refused_by_its_quote_records_nothing(setup, coder_client):
    response = _create(
        coder_client, setup["transcript"], [setup["shame"]], "And then?", quote="And than?"
    )

    assert "does not match" in response.content.decode()
    assert not AuditEvent.objects.exists()
    assert Segment.objects.count() == 1


@pytest.mark.parametrize("n", [2, 4])
def test_several_codes_cost_as_many_queries_as_two(
    study, setup, coder_client, django_assert_max_num_queries, n
):
    transcript = setup["transcript"]
    codes = [factories.make_code(study, name=f"Extra {i}") for i in range(n)]
    # as one code, plus: the codes locked in one query, the codes already on the span, one
    # audit event per segment made beyond the first and the batch (n = 2: 16)
    with django_assert_max_num_queries(14 + n):
        response = _create(coder_client, transcript, codes, "And then?")

    assert response["HX-Reswap"] == "none"
    made = Segment.objects.filter(code__in=codes)
    assert sorted(made.values_list("code", flat=True)) == sorted(c.pk for c in codes)
    assert {transcript.text[s.start : s.end] for s in made} == {"And then?"}
    creates = AuditEvent.objects.filter(action="segment.create").order_by("pk")
    assert [e.object_id for e in creates] == sorted(s.pk for s in made)
    assert [e.after for e in creates] == [audit.segment_snapshot(s) for s in made.order_by("pk")]
    batch = AuditEvent.objects.get(action="segment.batch")
    assert batch.after["events"] == [e.pk for e in creates]


def test_codes_already_on_the_span_are_not_made_again(setup, coder_client):
    transcript, shame, hope = setup["transcript"], setup["shame"], setup["hope"]
    _create(coder_client, transcript, [shame], "And then?")

    response = _create(coder_client, transcript, [hope, shame], "And then?")

    assert 'Coded <span translate="no">‘Hope’, ‘Shame’</span>' in response.content.decode()
    assert Segment.objects.filter(code=shame).count() == 1
    assert Segment.objects.filter(code=hope, start=transcript.text.index("And then?")).count() == 1
    # one create each, and no batch for the second write's single new segment
    assert AuditEvent.objects.filter(action="segment.create").count() == 2
    assert not AuditEvent.objects.filter(action="segment.batch").exists()
