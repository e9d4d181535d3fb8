"""POST segment_delete."""

from __future__ import annotations

import json

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
def my_segment(study, coder, transcript, shame):
    return factories.make_segment(transcript, shame, factories.make_layer(study, coder), 0, 12)


def url(segment):
    return reverse(
        "coding:segment_delete",
        args=[segment.transcript.study_id, segment.transcript_id, segment.pk],
    )


def test_a_coder_removes_their_highlight(coder_client, my_segment):
    r = coder_client.post(url(my_segment), **HX)
    assert r.status_code == 200
    assert not Segment.objects.exists()
    event = AuditEvent.objects.get(action="segment.delete")
    assert event.before["quote"] == my_segment.quote
    assert 'Removed ‘<span translate="no">Shame</span>’' in r.content.decode()
    assert "segment-deleted" in json.loads(r["HX-Trigger-After-Settle"])


def test_without_htmx_it_redirects(coder_client, my_segment):
    r = coder_client.post(url(my_segment))
    assert r.status_code == 302
    assert not Segment.objects.exists()


def test_it_rejects_a_viewer(viewer_client, my_segment):
    assert viewer_client.post(url(my_segment), **HX).status_code == 403
    assert Segment.objects.exists()


def test_it_is_404_for_an_outsider(outsider_client, my_segment):
    assert outsider_client.post(url(my_segment)).status_code == 404
    assert Segment.objects.exists()


def test_it_rejects_another_coders_highlight(coder_client, study, coder2, transcript, shame):
    theirs = factories.make_segment(transcript, shame, factories.make_layer(study, coder2), 0, 12)
    assert coder_client.post(url(theirs), **HX).status_code == 403
    assert Segment.objects.exists()


def test_in_blind_mode_another_coders_highlight_does_not_exist(
    coder_client, study, coder2, transcript, shame
):
    study.blind_coding = True
    study.save()
    theirs = factories.make_segment(transcript, shame, factories.make_layer(study, coder2), 0, 12)
    assert coder_client.post(url(theirs), **HX).status_code == 404


def test_an_owner_removes_a_consensus_highlight_but_a_coder_cannot(
    owner_client, coder_client, study, transcript, shame
):
    seg = factories.make_segment(transcript, shame, factories.make_layer(study), 0, 12)
    assert coder_client.post(url(seg), **HX).status_code == 403
    assert owner_client.post(url(seg), **HX).status_code == 200
    assert not Segment.objects.exists()


def test_a_highlight_of_another_transcript_is_404(coder_client, study, coder, my_segment):
    other = factories.make_transcript(study)
    bad = reverse("coding:segment_delete", args=[study.pk, other.pk, my_segment.pk])
    assert coder_client.post(bad, **HX).status_code == 404


def test_deleting_twice_is_404_the_second_time(coder_client, my_segment):
    coder_client.post(url(my_segment), **HX)
    assert coder_client.post(url(my_segment), **HX).status_code == 404
