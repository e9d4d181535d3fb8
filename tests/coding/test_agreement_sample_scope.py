"""The agreement report scoped to the double-coded sample (``sample=double`` or a recorded
draw): the compared transcripts are exactly those, on the page and in the API."""

from __future__ import annotations

from django.urls import reverse

from coding.assignments import services
from coding.models import Assignment
from tests import factories


def build(study, coder, coder2):
    group = factories.make_group(study, name="G")
    waves = [factories.make_wave(study, name=n) for n in ("T1", "T2")]
    code = factories.make_code(study, name="Trust")
    bob, erin = factories.make_layer(study, coder), factories.make_layer(study, coder2)
    transcripts = []
    for i in range(6):
        p = factories.make_participant(study, pseudonym=f"P{i}", group=group)
        t = factories.make_transcript(study, title=f"P{i}", participant=p, wave=waves[i % 2])
        transcripts.append(t)
        # Both coded every transcript, so without a sample every one is compared.
        factories.make_segment(t, code, bob, 0, 10)
        factories.make_segment(t, code, erin, 5, 15 + i)
    return transcripts, bob, erin


def compared(response):
    return sorted(t.title for t in response.context["report"].compared)


def test_double_scope_compares_the_transcripts_assigned_to_both(
    study, owner, coder, coder2, owner_client
):
    transcripts, bob, erin = build(study, coder, coder2)
    for t in transcripts[:3]:
        Assignment.objects.create(layer=bob, transcript=t)
    for t in transcripts[1:4]:
        Assignment.objects.create(layer=erin, transcript=t)
    page = reverse("coding:agreement_report", args=[study.pk])
    assert len(compared(owner_client.get(page, {"bootstrap": 0}))) == 6
    response = owner_client.get(page, {"sample": "double", "bootstrap": 0})
    assert compared(response) == ["P1", "P2"]
    assert "double-coded sample: 2 transcripts" in response.text


def test_a_recorded_draw_scopes_the_report_and_the_api(study, owner, coder, coder2, owner_client):
    transcripts, _, _ = build(study, coder, coder2)
    draw = services.sample_apply(
        study=study,
        actor=owner,
        request=services.SampleRequest(user_ids=[coder.pk, coder2.pk], seed=5, count=2),
    )
    titles = sorted(t.title for t in transcripts if t.pk in draw.transcript_ids)
    assert len(titles) == 2
    page = reverse("coding:agreement_report", args=[study.pk])
    response = owner_client.get(page, {"sample": f"draw:{draw.pk}", "bootstrap": 0})
    assert compared(response) == titles
    api = reverse("api:study_agreement", args=[study.pk])
    answer = owner_client.get(api, {"sample": f"draw:{draw.pk}", "bootstrap": 0}).json()
    assert sorted(t["title"] for t in answer["transcripts_compared"]) == titles


def test_an_unknown_draw_is_refused(study, owner, coder, coder2, owner_client):
    build(study, coder, coder2)
    page = reverse("coding:agreement_report", args=[study.pk])
    response = owner_client.get(page, {"sample": "draw:999"})
    assert response.context["report"] is None
