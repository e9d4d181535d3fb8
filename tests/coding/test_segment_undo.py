"""POST segment_undo: reverts from the audit log, so it survives a reload."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coding.models import Segment
from tests import factories

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def transcript(study):
    return factories.make_transcript(study)


@pytest.fixture
def shame(study):
    return factories.make_code(study, name="Shame")


def create(client, transcript, code_ids, quote="lived experience"):
    start = transcript.text.index(quote)
    url = reverse("coding:segment_create", args=[transcript.study_id, transcript.pk])
    data = {
        "code_ids": code_ids,
        "start": start,
        "end": start + len(quote),
        "quote": quote,
        "version": 1,
        "layer": "mine",  # a write names its layer (the page always sends it)
    }
    return client.post(url, data, **HX)


def undo(client, transcript):
    return client.post(
        reverse("coding:segment_undo", args=[transcript.study_id, transcript.pk]), **HX
    )


def test_undo_removes_what_was_just_coded(coder_client, transcript, shame):
    create(coder_client, transcript, [shame.pk])
    r = undo(coder_client, transcript)
    assert r.status_code == 200
    assert "Undone" in r.content.decode()
    assert not Segment.objects.exists()


def test_undo_reverts_several_codes_applied_together(coder_client, study, transcript, shame):
    hope = factories.make_code(study, name="Hope")
    create(coder_client, transcript, [shame.pk, hope.pk])
    undo(coder_client, transcript)
    assert not Segment.objects.exists()


def test_undo_restores_a_removed_highlight_with_its_memo(
    coder_client, coder, study, transcript, shame
):
    seg = factories.make_segment(
        transcript, shame, factories.make_layer(study, coder), 0, 12, memo="m"
    )
    coder_client.post(
        reverse("coding:segment_delete", args=[study.pk, transcript.pk, seg.pk]), **HX
    )
    undo(coder_client, transcript)
    restored = Segment.objects.get()
    assert (restored.start, restored.end, restored.memo, restored.code) == (0, 12, "m", shame)


def test_undo_reverts_a_code_change_in_one_step(coder_client, coder, study, transcript, shame):
    hope = factories.make_code(study, name="Hope")
    seg = factories.make_segment(transcript, shame, factories.make_layer(study, coder), 0, 12)
    coder_client.post(
        reverse("coding:segment_update", args=[study.pk, transcript.pk, seg.pk]),
        {"code_id": hope.pk},
        **HX,
    )
    undo(coder_client, transcript)
    assert list(Segment.objects.values_list("code__name", flat=True)) == ["Shame"]


def test_repeated_undos_walk_back_through_history(coder_client, transcript, shame):
    create(coder_client, transcript, [shame.pk], quote="lived experience")
    create(coder_client, transcript, [shame.pk], quote="the team")
    undo(coder_client, transcript)
    assert list(Segment.objects.values_list("quote", flat=True)) == ["lived experience"]
    undo(coder_client, transcript)
    assert not Segment.objects.exists()
    r = undo(coder_client, transcript)
    assert "Nothing to undo" in r.content.decode()


def test_undo_only_reverts_the_requesters_own_changes(
    coder_client, owner_client, transcript, shame
):
    create(owner_client, transcript, [shame.pk])
    r = undo(coder_client, transcript)
    assert "Nothing to undo" in r.content.decode()
    assert Segment.objects.count() == 1


def test_undo_is_refused_to_a_viewer_and_an_outsider(viewer_client, outsider_client, transcript):
    assert undo(viewer_client, transcript).status_code == 403
    assert undo(outsider_client, transcript).status_code == 404
