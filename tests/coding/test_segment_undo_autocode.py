"""The coding page's undo (Ctrl+Z, the toolbar's and the toast's Undo) and auto-coding
batches: the batch is the last change of every transcript it coded, one undo removes it
everywhere (asking first when it reaches other transcripts), audited as one event, and the
history agrees with the Search page's and the API's undo of the same batch."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from coding.models import AuditEvent, Layer, LayerKind, Segment
from tests import factories

HX = {"HTTP_HX_REQUEST": "true"}

TEXTS = [
    "Interviewer: Your family?\nP01: My family helps. And friends.\nP01: Family again.",
    "Interviewer: Work?\nP01: My family is far. Work is near.",
    "Interviewer: Friends?\nP02: No family here. Only friends.",
    "Interviewer: Hobbies?\nP02: Painting and music.",
]


@pytest.fixture
def data(study, coder):
    g = factories.make_group(study, name="Peer workers")
    w = factories.make_wave(study, name="T1")
    p1 = factories.make_participant(study, pseudonym="P01", group=g)
    p2 = factories.make_participant(study, pseudonym="P02", group=g)
    made = [
        factories.make_transcript(study, participant=p, wave=w, text=text, title=f"T{i}")
        for i, (p, text) in enumerate(zip([p1, p1, p2, p2], TEXTS, strict=True))
    ]
    return {
        "transcripts": made,
        "family": factories.make_code(study, name="Family"),
        "hobby": factories.make_code(study, name="Hobby"),
    }


def autocode(client, study, code, q="family", **search):
    body = {
        "search": {"q": q, "speech": "participant", **search},
        "code_id": code.pk,
        "extend": "sentence",
        "preview": False,
    }
    response = client.post(
        reverse("api:study_autocode", args=[study.pk]), body, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def undo(client, transcript, **extra):
    url = reverse("coding:segment_undo", args=[transcript.study_id, transcript.pk])
    return client.post(url, {"view": "mine", "partial": "1", **extra}, **HX)


def code_by_hand(client, transcript, code, quote):
    start = transcript.text.index(quote)
    url = reverse("coding:segment_create", args=[transcript.study_id, transcript.pk])
    data = {
        "code_ids": [code.pk],
        "start": start,
        "end": start + len(quote),
        "quote": quote,
        "version": transcript.version,
        "layer": "mine",
    }
    assert client.post(url, data, **HX).status_code == 200


def family_sentences(transcripts):
    """An independent scan: the participant's sentences holding "family", per transcript."""
    out = set()
    for t in transcripts:
        pos = 0
        for line in t.text.split("\n"):
            label, _, body = line.partition(": ")
            if label != "Interviewer":
                lo = pos + len(label) + 2
                for piece in body.split(". "):
                    s = t.text.index(piece, lo)
                    if "family" in piece.lower():
                        out.add((t.pk, s, s + len(piece) + (1 if not piece.endswith(".") else 0)))
                    lo = s + len(piece)
            pos += len(line) + 1
    return out


def stored(code):
    return set(Segment.objects.filter(code=code).values_list("transcript_id", "start", "end"))


def test_the_batch_is_stored_as_the_independent_scan_says(coder_client, study, data):
    autocode(coder_client, study, data["family"])
    expected = family_sentences(data["transcripts"])
    assert stored(data["family"]) == expected
    assert {tid for tid, _, _ in expected} == {t.pk for t in data["transcripts"][:3]}


def test_undo_asks_before_removing_a_batch_that_reaches_other_transcripts(
    coder_client, study, data
):
    batch = autocode(coder_client, study, data["family"])
    t0 = data["transcripts"][0]
    before = AuditEvent.objects.count()
    asked = undo(coder_client, t0)
    assert asked.status_code == 200
    body = asked.content.decode()
    assert "Undo auto-coding ‘Family’: 4 passages in 3 transcripts?" in body
    assert f'name="confirm" value="{batch["batch_id"]}"' in body
    assert "segment-undo-confirm" in asked["HX-Trigger-After-Settle"]
    assert stored(data["family"]) == family_sentences(data["transcripts"])  # nothing yet
    assert AuditEvent.objects.count() == before

    done = undo(coder_client, t0, confirm=batch["batch_id"])
    assert done.status_code == 200
    assert (
        'Undone: auto-coding ‘<span translate="no">Family</span>’ (4 passages in 3 transcripts)'
        in done.content.decode()
    )
    assert "segment-undone" in done["HX-Trigger-After-Settle"]
    assert not Segment.objects.exists()
    # one audit event, the same the Search page and the API write
    new = list(AuditEvent.objects.filter(pk__gt=batch["batch_id"]))
    assert [(e.action, e.object_id) for e in new] == [("segment.autocode_undo", batch["batch_id"])]
    # ... so they know it is gone
    api = reverse("api:study_autocode_undo", args=[study.pk, batch["batch_id"]])
    assert coder_client.delete(api).status_code == 409
    search = reverse("coding:search", args=[study.pk])
    page = coder_client.get(search, {"q": "family", "batch": batch["batch_id"]}).content.decode()
    assert "Undo the batch" not in page


def test_a_batch_within_this_transcript_goes_at_once(coder_client, study, data):
    t2 = data["transcripts"][2]
    batch = autocode(coder_client, study, data["family"], participant=t2.participant_id)
    assert {tid for tid, _, _ in stored(data["family"])} == {t2.pk}
    done = undo(coder_client, t2)
    assert (
        'Undone: auto-coding ‘<span translate="no">Family</span>’ (1 passage in 1 transcript)'
        in done.content.decode()
    )
    assert not Segment.objects.exists()
    assert AuditEvent.objects.latest("pk").object_id == batch["batch_id"]


def test_later_hand_coding_is_undone_first_then_the_batch(coder_client, study, data):
    batch = autocode(coder_client, study, data["family"])
    t0 = data["transcripts"][0]
    code_by_hand(coder_client, t0, data["hobby"], "And friends.")
    undo(coder_client, t0)
    assert not Segment.objects.filter(code=data["hobby"]).exists()
    assert stored(data["family"]) == family_sentences(data["transcripts"])
    assert "Undo auto-coding" in undo(coder_client, t0).content.decode()
    undo(coder_client, t0, confirm=batch["batch_id"])
    assert not Segment.objects.exists()


def test_a_batch_undone_on_the_search_page_is_skipped_and_never_redone(coder_client, study, data):
    t0 = data["transcripts"][0]
    code_by_hand(coder_client, t0, data["hobby"], "And friends.")
    batch = autocode(coder_client, study, data["family"])
    response = coder_client.post(
        reverse("coding:autocode_undo", args=[study.pk, batch["batch_id"]])
    )
    assert response.status_code == 302
    assert not Segment.objects.filter(code=data["family"]).exists()
    # Ctrl+Z on the coding page: the batch is history already; the hand coding goes next.
    undone = undo(coder_client, t0).content.decode()
    assert "Undo auto-coding" not in undone
    assert not Segment.objects.exists()
    assert "Nothing to undo" in undo(coder_client, t0).content.decode()
    assert not Segment.objects.exists()


def test_a_transcript_outside_the_batch_undoes_its_own_last_change(coder_client, study, data):
    t3 = data["transcripts"][3]
    code_by_hand(coder_client, t3, data["hobby"], "Painting and music.")
    autocode(coder_client, study, data["family"])
    undo(coder_client, t3)
    assert not Segment.objects.filter(code=data["hobby"]).exists()
    assert stored(data["family"]) == family_sentences(data["transcripts"])


def test_a_confirmation_for_a_batch_undone_meanwhile_changes_nothing(coder_client, study, data):
    t0 = data["transcripts"][0]
    code_by_hand(coder_client, t0, data["hobby"], "And friends.")
    batch = autocode(coder_client, study, data["family"])
    coder_client.delete(reverse("api:study_autocode_undo", args=[study.pk, batch["batch_id"]]))
    refused = undo(coder_client, t0, confirm=batch["batch_id"]).content.decode()
    assert "nothing was undone" in refused
    assert Segment.objects.filter(code=data["hobby"]).count() == 1


def test_only_the_batch_is_removed_not_what_was_coded_by_hand_elsewhere(
    coder_client, coder, study, data
):
    batch = autocode(coder_client, study, data["family"])
    t3 = data["transcripts"][3]
    code_by_hand(coder_client, t3, data["hobby"], "Painting and music.")
    t1 = data["transcripts"][1]
    undo(coder_client, t1, confirm=batch["batch_id"])
    layer = Layer.objects.get(kind=LayerKind.CODER, user=coder)
    assert list(Segment.objects.values_list("transcript_id", "code_id", "layer_id")) == [
        (t3.pk, data["hobby"].pk, layer.pk)
    ]


def test_json_asks_with_409_and_the_counts(coder_client, study, data):
    batch = autocode(coder_client, study, data["family"])
    t0 = data["transcripts"][0]
    url = reverse("coding:segment_undo", args=[study.pk, t0.pk])
    asked = coder_client.post(url, {"view": "mine"}, HTTP_ACCEPT="application/json")
    assert asked.status_code == 409
    assert asked.json() == {
        "detail": "Undo auto-coding ‘Family’: 4 passages in 3 transcripts?",
        "code": "confirm_required",
        "confirm": batch["batch_id"],
        "count": 4,
        "transcripts": 3,
    }
    done = coder_client.post(
        url, {"view": "mine", "confirm": batch["batch_id"]}, HTTP_ACCEPT="application/json"
    )
    assert done.status_code == 200
    assert not Segment.objects.exists()


def test_without_javascript_the_page_asks_with_a_form(coder_client, study, data):
    batch = autocode(coder_client, study, data["family"])
    t0 = data["transcripts"][0]
    url = reverse("coding:segment_undo", args=[study.pk, t0.pk])
    asked = coder_client.post(url, {"view": "mine"})
    assert asked.status_code == 200
    body = asked.content.decode()
    assert "<html" in body and "Undo auto-coding ‘Family’" in body
    assert f'name="confirm" value="{batch["batch_id"]}"' in body
    assert coder_client.post(url, {"view": "mine", "confirm": batch["batch_id"]}).status_code == 302
    assert not Segment.objects.exists()


def test_another_coder_cannot_undo_my_batch(coder_client, coder2, study, data):
    coder2_client = Client()
    coder2_client.force_login(coder2)
    batch = autocode(coder_client, study, data["family"])
    t0 = data["transcripts"][0]
    refused = undo(coder2_client, t0, confirm=batch["batch_id"]).content.decode()
    assert "Nothing to undo" in refused or "nothing was undone" in refused
    assert stored(data["family"]) == family_sentences(data["transcripts"])
