"""POST segment_create: every way to succeed and every refusal."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from coding.models import AuditEvent, Code, Segment
from tests import factories
from tests.coding.margin_drawn import drawn_page

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def transcript(study):
    return factories.make_transcript(study)


@pytest.fixture
def shame(study):
    return factories.make_code(study, name="Shame")


def url(transcript):
    return reverse("coding:segment_create", args=[transcript.study_id, transcript.pk])


def payload(transcript, code, quote="我唔知自己嘅角色。", **kw):
    start = transcript.text.index(quote)
    data = {
        "code_ids": [code.pk] if code else [],
        "start": start,
        "end": start + len(quote),
        "quote": quote,
        "version": transcript.version,
        "layer": "mine",
    }
    data.update(kw)
    return data


def test_a_coder_codes_a_passage_in_their_own_layer(coder_client, coder, transcript, shame):
    r = coder_client.post(url(transcript), payload(transcript, shame), **HX)
    assert r.status_code == 200
    seg = Segment.objects.get()
    assert seg.layer.user == coder and seg.code == shame
    assert seg.quote == "我唔知自己嘅角色。"
    assert seg.start == transcript.text.index("我唔知")
    html = drawn_page(r.content.decode())  # the margin as the page's script draws it
    assert html.lstrip().startswith('<section id="transcript"')
    assert f'data-seg="{seg.pk}"' in html
    assert 'id="codebook-panel"' in html and 'id="save-status"' in html
    assert 'Coded <span translate="no">‘Shame’</span>' in html
    events = json.loads(r["HX-Trigger-After-Settle"])
    assert events["segment-created"]["ids"] == [seg.pk]
    assert events["segment-created"]["codes"] == [seg.code_id]
    assert AuditEvent.objects.filter(action="segment.create", object_id=seg.pk).exists()


def test_offsets_count_code_points_beyond_the_bmp(coder_client, transcript, shame):
    quote = "trusted me 𠝹 and"
    r = coder_client.post(url(transcript), payload(transcript, shame, quote=quote), **HX)
    assert r.status_code == 200
    seg = Segment.objects.get()
    assert transcript.text[seg.start : seg.end] == quote


def test_without_htmx_it_redirects_back_to_the_page(coder_client, transcript, shame):
    r = coder_client.post(url(transcript), {**payload(transcript, shame), "view": "mine"})
    assert r.status_code == 302
    assert r["Location"].endswith(f"/transcripts/{transcript.pk}/?layer=mine")
    assert Segment.objects.count() == 1


def test_it_applies_several_codes_at_once(coder_client, study, transcript, shame):
    hope = factories.make_code(study, name="Hope")
    data = payload(transcript, shame)
    data["code_ids"] = [shame.pk, hope.pk]
    coder_client.post(url(transcript), data, **HX)
    assert sorted(Segment.objects.values_list("code__name", flat=True)) == ["Hope", "Shame"]
    assert AuditEvent.objects.filter(action="segment.batch").count() == 1


def test_it_accepts_code_id_for_a_single_code(coder_client, transcript, shame):
    data = payload(transcript, None)
    data["code_id"] = shame.pk
    coder_client.post(url(transcript), data, **HX)
    assert Segment.objects.get().code == shame


def test_a_double_submit_does_not_duplicate(coder_client, transcript, shame):
    data = payload(transcript, shame)
    coder_client.post(url(transcript), data, **HX)
    r = coder_client.post(url(transcript), data, **HX)
    assert r.status_code == 200
    assert Segment.objects.count() == 1
    assert "Already coded" in r.content.decode()


def test_it_normalises_crlf_in_the_quote(coder_client, study, shame):
    transcript = factories.make_transcript(study, text="P01: one line\nP02: next line")
    quote = "line\nP02"
    data = payload(transcript, shame, quote=quote)
    data["quote"] = "line\r\nP02"
    coder_client.post(url(transcript), data, **HX)
    assert Segment.objects.get().quote == quote


def test_an_owner_codes_in_the_consensus_layer(owner_client, transcript, shame):
    owner_client.post(url(transcript), payload(transcript, shame, layer="consensus"), **HX)
    assert Segment.objects.get().layer.kind == "consensus"


def test_it_rejects_a_viewer(viewer_client, transcript, shame):
    r = viewer_client.post(url(transcript), payload(transcript, shame), **HX)
    assert r.status_code == 403
    assert not Segment.objects.exists()


def test_it_is_404_for_an_outsider(outsider_client, transcript, shame):
    assert outsider_client.post(url(transcript), payload(transcript, shame)).status_code == 404
    assert not Segment.objects.exists()


def test_it_is_404_for_a_transcript_of_another_study(coder_client, study, shame):
    other = factories.make_transcript(factories.make_study())
    r = coder_client.post(
        reverse("coding:segment_create", args=[study.pk, other.pk]), payload(other, shame)
    )
    assert r.status_code == 404


@pytest.mark.parametrize("layer", ["consensus", "erin", "layer-1"])
def test_it_rejects_a_coder_writing_to_another_layer(
    coder_client, coder2, transcript, shame, layer
):
    r = coder_client.post(url(transcript), payload(transcript, shame, layer=layer), **HX)
    assert r.status_code == 403
    assert not Segment.objects.exists()


def test_it_rejects_a_get(coder_client, transcript):
    assert coder_client.get(url(transcript)).status_code == 405


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"start": 5, "end": 5}, "at least one character"),
        ({"start": 10, "end": 5}, "at least one character"),
        ({"start": -1}, "start"),
        ({"end": 100_000}, "outside the transcript"),
        ({"start": "x"}, "start"),
        ({"quote": "something else"}, "does not match"),
    ],
)
def test_it_rejects_bad_offsets_and_quotes_in_an_alert(
    coder_client, transcript, shame, change, message
):
    data = {**payload(transcript, shame), **change}
    r = coder_client.post(url(transcript), data, **HX)
    assert r.status_code == 200  # htmx 2 does not swap 4xx
    html = r.content.decode()
    assert 'id="coding-alert"' in html and 'role="alert"' in html
    assert message in html
    assert r["HX-Reswap"] == "none"
    assert "segment-error" in r["HX-Trigger-After-Settle"]
    assert not Segment.objects.exists()


def test_without_htmx_an_invalid_post_is_a_400_page_with_the_error(coder_client, transcript, shame):
    r = coder_client.post(url(transcript), {**payload(transcript, shame), "quote": "nope"})
    assert r.status_code == 400
    assert "does not match" in r.content.decode()
    assert "<html" in r.content.decode()


def test_a_json_client_gets_a_400_with_the_message(coder_client, transcript, shame):
    r = coder_client.post(
        url(transcript),
        {**payload(transcript, shame), "quote": "nope"},
        HTTP_ACCEPT="application/json",
    )
    assert r.status_code == 400
    assert "does not match" in r.json()["detail"]


def test_a_json_client_gets_the_created_ids(coder_client, transcript, shame):
    r = coder_client.post(
        url(transcript), payload(transcript, shame), HTTP_ACCEPT="application/json"
    )
    assert r.status_code == 200
    assert r.json()["ids"] == [Segment.objects.get().pk]


def test_a_stale_version_reloads_the_transcript_and_keeps_the_selection(
    coder_client, transcript, shame
):
    data = payload(transcript, shame, quote="lived experience")
    transcript.text = "P00: A new first line.\n" + transcript.text
    transcript.length = len(transcript.text)
    transcript.version = 2
    transcript.save()
    r = coder_client.post(url(transcript), data, **HX)
    assert r.status_code == 200
    html = r.content.decode()
    assert "Transcript changed since you opened it. Reloaded; your selection is kept." in html
    assert 'data-version="2"' in html
    stale = json.loads(r["HX-Trigger-After-Settle"])["segment-stale"]
    assert transcript.text[stale["start"] : stale["end"]] == "lived experience"
    assert not Segment.objects.exists()


def test_it_rejects_an_archived_code(coder_client, study, transcript):
    old = factories.make_code(study, name="Old", archived=True)
    r = coder_client.post(url(transcript), payload(transcript, old), **HX)
    assert "archived" in r.content.decode()
    assert not Segment.objects.exists()


def test_it_rejects_a_code_of_another_study(coder_client, transcript):
    foreign = factories.make_code(factories.make_study(), name="Foreign")
    r = coder_client.post(url(transcript), payload(transcript, foreign), **HX)
    assert r.status_code == 200
    assert "not one of the available choices" in r.content.decode()
    assert not Segment.objects.exists()


def test_it_requires_a_code(coder_client, transcript):
    r = coder_client.post(url(transcript), payload(transcript, None), **HX)
    assert "Choose at least one code" in r.content.decode()


def test_a_coder_creates_a_code_on_the_fly_when_allowed(coder_client, transcript, shame):
    data = payload(transcript, None, new_code_name="Self-shame", new_code_parent=shame.pk)
    r = coder_client.post(url(transcript), data, **HX)
    assert r.status_code == 200
    code = Code.objects.get(name="Self-shame")
    assert code.parent == shame
    assert Segment.objects.get().code == code
    assert "Self-shame" in r.content.decode()  # the codebook is updated out of band


def test_a_coder_cannot_create_a_code_when_not_allowed(coder_client, study, transcript):
    study.coders_may_create_codes = False
    study.save()
    r = coder_client.post(url(transcript), payload(transcript, None, new_code_name="Mine"), **HX)
    assert r.status_code == 403
    assert not Code.objects.filter(name="Mine").exists()
    assert not Segment.objects.exists()


def test_a_duplicate_new_code_name_is_refused_and_nothing_is_saved(coder_client, transcript, shame):
    r = coder_client.post(url(transcript), payload(transcript, None, new_code_name="shame"), **HX)
    assert "already exists" in r.content.decode()
    assert Code.objects.count() == 1
    assert not Segment.objects.exists()


def test_blank_text_cannot_be_coded(coder_client, study, shame):
    transcript = factories.make_transcript(study, text="P01: a   b")
    data = payload(transcript, shame, quote="   ")
    r = coder_client.post(url(transcript), data, **HX)
    assert "white space" in r.content.decode()


def test_the_service_checks_the_quote_against_the_text_as_it_is_now(study, coder, shame, owner):
    # The page read the transcript, then the owner's edit committed: the quote the coder saw
    # is no longer at these offsets, so nothing is stored (issue 9 §3).
    from django.core.exceptions import ValidationError

    from coding.segments import services as segment_services
    from studies import services as study_services
    from studies.models import Transcript

    transcript = factories.make_transcript(study)
    seen = Transcript.objects.get(pk=transcript.pk)
    quote = "我唔知自己嘅角色。"
    start = seen.text.index(quote)
    study_services.transcript_text_update(
        transcript=transcript, text="P01: 開頭。\n" + seen.text, expected_version=1, actor=owner
    )
    layer = factories.make_layer(study, coder)
    with pytest.raises(ValidationError, match="out of date"):
        segment_services.segment_create(
            transcript=seen,
            code=shame,
            layer=layer,
            start=start,
            end=start + len(quote),
            quote=quote,
            actor=coder,
        )
    with pytest.raises(ValidationError, match=r"edited since you read it \(version 1, now 2\)"):
        segment_services.segment_create(
            transcript=seen,
            code=shame,
            layer=layer,
            start=start + 9,
            end=start + 9 + len(quote),
            expected_version=1,
            actor=coder,
        )
    assert not Segment.objects.exists()
