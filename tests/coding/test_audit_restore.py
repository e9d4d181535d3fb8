"""Owners restore destructive changes from the audit log; each restore is audited, and a
restore that is no longer possible is refused with a reason."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from coding import audit
from coding.codebook import services as codebook_services
from coding.history import restore
from coding.memos import services as memo_services
from coding.models import AuditEvent, Code, ConsensusDecision, Memo, Segment
from studies import services as studies_services
from studies.models import Participant, Transcript
from tests import factories


@pytest.fixture
def coded(study, owner, coder):
    group = factories.make_group(study, name="Service users")
    wave = factories.make_wave(study, name="T1")
    su01 = factories.make_participant(study, pseudonym="SU01", group=group, attributes={"a": "1"})
    transcript = factories.make_transcript(study, title="SU01 T1", participant=su01, wave=wave)
    code = factories.make_code(study, name="Stigma")
    layer = factories.make_layer(study, coder)
    start = transcript.text.index("我唔知")
    s1 = factories.make_segment(transcript, code, layer, start, start + 7, memo="role unclear")
    Memo.objects.create(study=study, author=coder, segment=s1, body="On a segment")
    Memo.objects.create(study=study, author=owner, transcript=transcript, body="Transcript memo")
    ConsensusDecision.objects.create(
        study=study,
        transcript=transcript,
        code=code,
        start=start,
        end=start + 7,
        action="accept_a",
        layers=[layer.pk],
        decided_by=owner,
    )
    return {"transcript": transcript, "code": code, "layer": layer, "segment": s1, "p": su01}


def last(action):
    return AuditEvent.objects.filter(action=action).latest("pk")


def restore_url(event):
    return reverse("coding:audit_restore", args=[event.study_id, event.pk])


# --- memo delete ---------------------------------------------------------------------------


def test_a_deleted_memo_comes_back_with_its_author_and_place(study, owner, coder, coded):
    memo = Memo.objects.create(
        study=study, author=coder, code=coded["code"], title="Why", body="Because"
    )
    pk = memo.pk
    memo_services.memo_delete(memo=memo, actor=owner)
    event = last("memo.delete")
    restore.event_restore(event=event, actor=owner)
    back = Memo.objects.get(pk=pk)
    assert (back.author, back.code, back.title, back.body) == (
        coder,
        coded["code"],
        "Why",
        "Because",
    )
    restored = last("memo.restore")
    assert restored.restores == event and restored.actor == owner


def test_a_restore_is_done_once(study, owner, coded):
    memo = Memo.objects.create(study=study, author=owner, body="Once")
    memo_services.memo_delete(memo=memo, actor=owner)
    event = last("memo.delete")
    restore.event_restore(event=event, actor=owner)
    with pytest.raises(ValidationError, match="already restored"):
        restore.event_restore(event=event, actor=owner)
    assert Memo.objects.filter(body="Once").count() == 1


def test_a_memo_on_a_code_that_is_gone_is_not_restored(study, owner, coded):
    other = factories.make_code(study, name="Other")
    memo = Memo.objects.create(study=study, author=owner, code=other, body="About Other")
    memo_services.memo_delete(memo=memo, actor=owner)
    codebook_services.code_merge(source=other, target=coded["code"], actor=owner)
    with pytest.raises(ValidationError, match="code it was about no longer exists"):
        restore.event_restore(event=last("memo.delete"), actor=owner)
    assert not Memo.objects.filter(body="About Other").exists()


# --- code archive --------------------------------------------------------------------------


def test_an_archived_code_and_its_subtree_are_restored(study, owner, coded):
    parent = coded["code"]
    child = factories.make_code(study, name="Child", parent=parent)
    codebook_services.code_archive(code=parent, actor=owner)
    restore.event_restore(event=last("code.archive"), actor=owner)
    assert not Code.objects.filter(pk__in=[parent.pk, child.pk], archived=True).exists()
    assert last("code.restore").after == {"archived": False, "ids": sorted([parent.pk, child.pk])}


def test_a_code_whose_parent_was_archived_since_is_not_restored(study, owner, coded):
    parent = coded["code"]
    child = factories.make_code(study, name="Child", parent=parent)
    codebook_services.code_archive(code=child, actor=owner)
    codebook_services.code_archive(code=parent, actor=owner)
    first = AuditEvent.objects.filter(action="code.archive").earliest("pk")
    with pytest.raises(ValidationError, match="“Stigma” is archived"):
        restore.event_restore(event=first, actor=owner)
    assert Code.objects.get(pk=child.pk).archived


# --- transcript text edit ------------------------------------------------------------------


def test_an_edited_text_is_restored_and_the_coding_moves_back(study, owner, coded):
    transcript, segment = coded["transcript"], coded["segment"]
    old_text, old_span = transcript.text, (segment.start, segment.end)
    studies_services.transcript_text_update(
        transcript=transcript, text="Added line.\n" + old_text, expected_version=1, actor=owner
    )
    restore.event_restore(event=last("transcript.text"), actor=owner)
    transcript.refresh_from_db()
    segment.refresh_from_db()
    assert transcript.text == old_text
    assert (segment.start, segment.end) == old_span and segment.quote == "我唔知自己嘅角"
    assert last("transcript.text").restores is not None


def test_a_text_edited_again_since_is_not_restored(study, owner, coded):
    transcript = coded["transcript"]
    text = transcript.text
    studies_services.transcript_text_update(
        transcript=transcript, text="One.\n" + text, expected_version=1, actor=owner
    )
    first = last("transcript.text")
    studies_services.transcript_text_update(
        transcript=transcript, text="Two.\n" + text, expected_version=2, actor=owner
    )
    with pytest.raises(ValidationError, match="edited again since"):
        restore.event_restore(event=first, actor=owner)
    transcript.refresh_from_db()
    assert transcript.text.startswith("Two.")


# --- transcript and participant delete -----------------------------------------------------


def test_a_deleted_transcript_comes_back_with_its_coding_memos_and_decisions(study, owner, coded):
    transcript = coded["transcript"]
    studies_services.transcript_delete(transcript=transcript, confirm="SU01 T1", actor=owner)
    restore.event_restore(event=last("transcript.delete"), actor=owner)
    back = Transcript.objects.get(pk=transcript.pk)
    assert back.text == transcript.text and back.participant == coded["p"]
    segment = Segment.objects.get(pk=coded["segment"].pk)
    assert segment.memo == "role unclear" and segment.quote == "我唔知自己嘅角"
    assert set(Memo.objects.values_list("body", flat=True)) == {"On a segment", "Transcript memo"}
    assert ConsensusDecision.objects.filter(transcript=back).count() == 1
    assert last("transcript.restore").restores == last("transcript.delete")


def test_a_transcript_is_not_restored_over_a_new_one_of_the_same_title(study, owner, coded):
    transcript = coded["transcript"]
    studies_services.transcript_delete(transcript=transcript, confirm="SU01 T1", actor=owner)
    factories.make_transcript(study, title="SU01 T1", text="Another text")
    with pytest.raises(ValidationError, match="titled “SU01 T1” exists"):
        restore.event_restore(event=last("transcript.delete"), actor=owner)
    assert not Segment.objects.exists()


def test_a_transcript_whose_code_is_gone_is_not_restored(study, owner, coded):
    transcript = coded["transcript"]
    studies_services.transcript_delete(transcript=transcript, confirm="SU01 T1", actor=owner)
    target = factories.make_code(study, name="Target")
    codebook_services.code_merge(source=coded["code"], target=target, actor=owner)
    with pytest.raises(ValidationError, match="“Stigma” no longer exists"):
        restore.event_restore(event=last("transcript.delete"), actor=owner)
    assert not Transcript.objects.filter(pk=transcript.pk).exists()


def test_a_deleted_participant_comes_back_with_their_transcripts(study, owner, coded):
    participant = coded["p"]
    pk = participant.pk
    studies_services.participant_delete(participant=participant, confirm="SU01", actor=owner)
    restore.event_restore(event=last("participant.delete"), actor=owner)
    back = Participant.objects.get(pk=pk)
    assert (back.pseudonym, back.attributes, back.group.name) == (
        "SU01",
        {"a": "1"},
        "Service users",
    )
    assert back.transcripts.get().segments.count() == 1


# --- code merge ----------------------------------------------------------------------------


def test_a_merge_is_undone(study, owner, coded):
    transcript, layer, target = coded["transcript"], coded["layer"], coded["code"]
    source = factories.make_code(study, name="Source", proposed=True, created_by=owner)
    child = factories.make_code(study, name="Sub", parent=source)
    moved = factories.make_segment(transcript, source, layer, 0, 5)
    collapsed = factories.make_segment(
        transcript, source, layer, coded["segment"].start, coded["segment"].end, memo="dup"
    )
    Memo.objects.create(study=study, author=owner, code=source, body="About source")
    codebook_services.code_merge(source=source, target=target, actor=owner)
    restore.event_restore(event=last("code.merge"), actor=owner)
    back = Code.objects.get(pk=source.pk)
    assert (back.name, back.proposed, back.created_by) == ("Source", True, owner)
    assert back.created_at == source.created_at
    assert Code.objects.get(pk=child.pk).parent == back
    assert Segment.objects.get(pk=moved.pk).code == back
    assert Segment.objects.get(pk=collapsed.pk).code == back
    assert Segment.objects.get(pk=coded["segment"].pk).memo == "role unclear"
    assert Memo.objects.get(body="About source").code == back


def test_a_merge_into_a_code_that_is_gone_is_not_undone(study, owner, coded):
    source = factories.make_code(study, name="Source")
    codebook_services.code_merge(source=source, target=coded["code"], actor=owner)
    codebook_services.code_merge(
        source=coded["code"], target=factories.make_code(study), actor=owner
    )
    first = AuditEvent.objects.filter(action="code.merge").earliest("pk")
    with pytest.raises(ValidationError, match="merged into no longer exists"):
        restore.event_restore(event=first, actor=owner)


def test_other_events_cannot_be_restored(study, owner, coded):
    memo_services.memo_create(study=study, author=owner, body="New")
    with pytest.raises(ValidationError, match="cannot be restored"):
        restore.event_restore(event=last("memo.create"), actor=owner)


# --- the view ------------------------------------------------------------------------------


def test_the_owner_confirms_and_restores_a_deleted_memo(study, owner, owner_client, coded):
    memo = Memo.objects.create(study=study, author=owner, body="Bring me back")
    memo_services.memo_delete(memo=memo, actor=owner)
    event = last("memo.delete")
    page = owner_client.get(restore_url(event))
    assert page.status_code == 200 and "Bring me back" in page.content.decode()
    response = owner_client.post(restore_url(event), follow=True)
    assert Memo.objects.filter(body="Bring me back").exists()
    assert "Restored" in response.content.decode()


def test_a_refused_restore_says_why(study, owner, owner_client, coded):
    memo = Memo.objects.create(study=study, author=owner, body="Twice")
    memo_services.memo_delete(memo=memo, actor=owner)
    event = last("memo.delete")
    owner_client.post(restore_url(event))
    response = owner_client.post(restore_url(event), follow=True)
    assert "already restored" in response.content.decode()
    assert Memo.objects.filter(body="Twice").count() == 1


@pytest.mark.parametrize(
    ("persona", "status"), [("coder", 403), ("viewer", 403), ("outsider", 404)]
)
def test_only_owners_restore(study, owner, persona_clients, coded, persona, status):
    memo = Memo.objects.create(study=study, author=owner, body="Stay gone")
    memo_services.memo_delete(memo=memo, actor=owner)
    event = last("memo.delete")
    assert persona_clients[persona].get(restore_url(event)).status_code == status
    assert persona_clients[persona].post(restore_url(event)).status_code == status
    assert not Memo.objects.filter(body="Stay gone").exists()


def test_anonymous_is_sent_to_login(client, study, owner, coded):
    memo = Memo.objects.create(study=study, author=owner, body="x")
    memo_services.memo_delete(memo=memo, actor=owner)
    response = client.post(restore_url(last("memo.delete")))
    assert response.status_code == 302 and "login" in response.url


def test_an_event_of_another_study_is_a_404(study, owner, owner_client, coded):
    other = factories.make_study(name="Other")
    event = AuditEvent.objects.create(study=other, action="memo.delete", object_type="memo")
    url = reverse("coding:audit_restore", args=[study.pk, event.pk])
    assert owner_client.get(url).status_code == 404


def test_a_memo_whose_author_left_comes_back_without_an_author(study, owner, coded):
    leaver = factories.make_user(username="leaver")
    memo = Memo.objects.create(study=study, author=leaver, body="Orphan")
    memo_services.memo_delete(memo=memo, actor=owner)
    leaver.delete()
    restore.event_restore(event=last("memo.delete"), actor=owner)
    assert Memo.objects.get(body="Orphan").author is None


def test_a_conflict_the_checks_miss_is_refused_cleanly(study, owner, coded, monkeypatch):
    from django.db import IntegrityError

    memo = Memo.objects.create(study=study, author=owner, body="Clash")
    memo_services.memo_delete(memo=memo, actor=owner)

    def clash(event, actor):
        Memo.objects.create(study=study, author=owner, body="half-written")
        raise IntegrityError("unique")

    monkeypatch.setitem(restore._RESTORERS, "memo.delete", clash)
    with pytest.raises(ValidationError, match="Later changes conflict"):
        restore.event_restore(event=last("memo.delete"), actor=owner)
    assert not Memo.objects.filter(body="half-written").exists()


def test_restored_rows_keep_their_old_timestamps(study, owner, coded):
    transcript, segment = coded["transcript"], coded["segment"]
    old = dt.datetime(2024, 5, 1, 9, 30, tzinfo=dt.UTC)
    Transcript.objects.filter(pk=transcript.pk).update(created_at=old)
    Segment.objects.filter(pk=segment.pk).update(created_at=old, updated_at=old)
    Memo.objects.filter(transcript=transcript).update(created_at=old)
    studies_services.transcript_delete(transcript=transcript, confirm="SU01 T1", actor=owner)
    restore.event_restore(event=last("transcript.delete"), actor=owner)
    assert Transcript.objects.get(pk=transcript.pk).created_at == old
    back = Segment.objects.get(pk=segment.pk)
    assert (back.created_at, back.updated_at) == (old, old)
    assert Memo.objects.get(transcript_id=transcript.pk).created_at == old


def test_a_memo_logged_without_its_whole_content_is_refused(study, owner, coded):
    event = audit.audit(
        study=study,
        actor=owner,
        action="memo.delete",
        object_type="memo",
        object_id=99,
        before={"body": "only the body"},
    )
    with pytest.raises(ValidationError, match="before the log kept whole memos"):
        restore.event_restore(event=event, actor=owner)


def test_a_participant_whose_group_is_gone_is_not_restored(study, owner, coded):
    participant = coded["p"]
    group = participant.group
    studies_services.participant_delete(participant=participant, confirm="SU01", actor=owner)
    studies_services.ordered_delete(obj=group, actor=owner)
    with pytest.raises(ValidationError, match="group “Service users” no longer exists"):
        restore.event_restore(event=last("participant.delete"), actor=owner)
    assert not Transcript.objects.exists()
