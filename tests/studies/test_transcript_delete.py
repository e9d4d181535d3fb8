"""Owners delete a transcript after typing its title; the audit log keeps what restores it."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from coding.models import AuditEvent, ConsensusDecision, Memo, Segment
from tests import factories


@pytest.fixture
def coded(study, owner, coder):
    group = factories.make_group(study, name="Service users")
    wave = factories.make_wave(study, name="T1")
    su01 = factories.make_participant(study, pseudonym="SU01", group=group)
    transcript = factories.make_transcript(study, title="SU01 T1", participant=su01, wave=wave)
    other = factories.make_transcript(study, title="Kept")
    code = factories.make_code(study, name="Stigma")
    mine = factories.make_layer(study, coder)
    consensus = factories.make_layer(study)
    text = transcript.text
    start = text.index("我唔知")
    s1 = factories.make_segment(transcript, code, mine, start, start + 7, memo="role unclear")
    factories.make_segment(transcript, code, consensus, start, start + 7)
    factories.make_segment(other, code, mine, 0, 5)
    Memo.objects.create(study=study, author=owner, transcript=transcript, body="A memo")
    Memo.objects.create(study=study, author=coder, segment=s1, body="On a segment")
    ConsensusDecision.objects.create(
        study=study,
        transcript=transcript,
        code=code,
        start=start,
        end=start + 7,
        action="accept_a",
        layers=[mine.pk],
        decided_by=owner,
    )
    return {"transcript": transcript, "other": other, "start": start}


def delete_url(study, transcript):
    return reverse("studies:transcript_delete", args=[study.pk, transcript.pk])


def test_the_confirmation_page_says_what_goes_with_the_transcript(study, owner_client, coded):
    response = owner_client.get(delete_url(study, coded["transcript"]))
    assert response.status_code == 200
    text = response.text
    assert "2 segments in 2 layers" in text
    assert "bob" in text and "Consensus" in text
    assert "2 memos" in text
    assert "1 consensus decision" in text
    assert 'Type “<span translate="no">SU01 T1</span>” to confirm' in text


def test_a_wrong_confirmation_deletes_nothing(study, owner_client, coded):
    response = owner_client.post(delete_url(study, coded["transcript"]), {"confirm": "SU01"})
    assert response.status_code == 200
    assert "Type the transcript's title exactly" in html.unescape(response.text)
    assert study.transcripts.count() == 2
    assert Segment.objects.count() == 3


def test_the_owner_deletes_a_transcript_and_the_audit_log_keeps_everything(
    study, owner, owner_client, coded
):
    transcript = coded["transcript"]
    original_text = transcript.text
    response = owner_client.post(delete_url(study, transcript), {"confirm": "SU01 T1"})
    assert response.status_code == 302
    assert list(study.transcripts.values_list("title", flat=True)) == ["Kept"]
    assert Segment.objects.filter(transcript=coded["other"]).count() == 1
    assert Memo.objects.count() == 0
    assert ConsensusDecision.objects.count() == 0
    event = AuditEvent.objects.get(action="transcript.delete")
    assert event.actor == owner
    assert event.object_id == transcript.pk
    before = event.before
    assert before["transcript"]["text"] == original_text
    assert before["transcript"]["title"] == "SU01 T1"
    assert before["transcript"]["participant"] == "SU01"
    assert before["transcript"]["wave"] == "T1"
    start = coded["start"]
    segments = sorted(before["segments"], key=lambda s: s["layer_id"])
    assert [(s["start"], s["end"], s["quote"]) for s in segments] == [
        (start, start + 7, original_text[start : start + 7])
    ] * 2
    assert segments[0]["memo"] == "role unclear"
    assert sorted(m["body"] for m in before["memos"]) == ["A memo", "On a segment"]
    assert before["decisions"][0]["action"] == "accept_a"


def test_the_list_and_edit_pages_link_to_delete(study, owner_client, coded):
    link = delete_url(study, coded["transcript"])
    assert link in owner_client.get(reverse("studies:transcript_list", args=[study.pk])).text
    edit = reverse("studies:transcript_edit", args=[study.pk, coded["transcript"].pk])
    assert link in owner_client.get(edit).text


def test_a_dash_in_the_title_may_be_typed_as_a_hyphen(study, owner_client, coded):
    transcript = coded["other"]
    transcript.title = "SU02 – T2 Work"
    transcript.save(update_fields=["title"])
    response = owner_client.post(delete_url(study, transcript), {"confirm": "su02 - t2 work"})
    assert response.status_code == 302
    assert not study.transcripts.filter(pk=transcript.pk).exists()


def test_the_confirmation_page_costs_the_same_queries_for_any_number_of_segments(
    study, owner, owner_client, coded
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert owner_client.get(delete_url(study, coded["transcript"])).status_code == 200
        return len(queries)

    before = count()
    code = factories.make_code(study, name="More")
    layer = factories.make_layer(study, factories.make_user(username="erin"))
    for start in range(0, 40, 2):
        factories.make_segment(coded["transcript"], code, layer, start, start + 1)
    # session, user, membership+study, transcript, then deletion_summary: segments per
    # layer, layers, memos, decisions, assignments, calibration excerpts.
    assert count() == before


def test_the_studies_list_costs_the_same_queries_with_invitations(study, owner, outsider):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from studies import services

    client = Client()
    client.force_login(outsider)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("studies:study_list"))
        return len(queries)

    services.member_invite(study=study, username="dave", role="coder", actor=owner)
    one = count()
    for n in range(3):
        other = factories.make_study(name=f"Other {n}")
        services.member_invite(study=other, username="dave", role="viewer", actor=owner)
    # session, user, studies with counts, pending invitations with study and inviter.
    assert count() == one


@pytest.mark.parametrize("page", ["transcript_edit", "transcript_delete"])
def test_page_titles_hold_no_markup(study, owner_client, coded, page):
    response = owner_client.get(reverse(f"studies:{page}", args=[study.pk, coded["transcript"].pk]))
    title = response.text.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "<" not in title
    assert "SU01 T1" in title
