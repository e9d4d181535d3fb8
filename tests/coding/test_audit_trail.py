"""Every write is recorded with what is needed to restore it, and the log survives the study."""

from __future__ import annotations

import pytest

from coding.models import AuditEvent
from studies import imports as studies_imports
from studies import services as studies_services
from studies.models import Role
from tests import factories
from workbench import tokens


@pytest.fixture
def alice(db):
    return factories.make_user(username="alice")


@pytest.fixture
def study(alice):
    study = factories.make_study(name="Peer support study")
    factories.add_member(study, alice, Role.OWNER)
    return study


def test_deleting_a_study_keeps_its_audit_events_with_its_name(study, alice):
    memo_event_ids = [
        e.pk
        for e in [
            AuditEvent.objects.create(study=study, action="memo.delete", object_type="memo"),
        ]
    ]
    studies_services.study_delete(study=study, confirm=study.name, actor=alice)

    kept = AuditEvent.objects.filter(pk__in=memo_event_ids)
    assert kept.count() == 1
    final = AuditEvent.objects.get(action="study.delete")
    assert final.study is None
    assert final.study_ref is not None and final.study_name == "Peer support study"
    assert final.actor == alice
    assert final.before["name"] == "Peer support study"


def test_events_carry_the_study_id_and_name_after_deletion(study, alice):
    group = studies_services.ordered_create(study=study, kind="group", name="Peers", actor=alice)
    study_pk = study.pk
    studies_services.study_delete(study=study, confirm=study.name, actor=alice)
    event = AuditEvent.objects.get(action="group.create", object_id=group.pk)
    assert (event.study_id, event.study_ref, event.study_name) == (
        None,
        study_pk,
        "Peer support study",
    )


def test_participant_import_records_the_values_it_replaced(study, alice):
    group = factories.make_group(study, name="Peers")
    other = factories.make_group(study, name="Users")
    p = factories.make_participant(study, pseudonym="P01", group=group, attributes={"age": "30s"})
    data = b"pseudonym,group,age,site\nP01,Users,40s,North\nP02,Peers,20s,\n"
    studies_imports.participants_import_csv(
        study=study, data=data, filename="people.csv", actor=alice
    )
    event = AuditEvent.objects.get(action="participant.import")
    assert event.before["updated"] == [
        {"id": p.pk, "pseudonym": "P01", "group_id": group.pk, "attributes": {"age": "30s"}}
    ]
    created = study.participants.get(pseudonym="P02")
    assert event.after["created_ids"] == [created.pk]
    assert event.after["updated"] == [
        {
            "id": p.pk,
            "pseudonym": "P01",
            "group_id": other.pk,
            "attributes": {"age": "40s", "site": "North"},
        }
    ]


@pytest.mark.parametrize("kind", ["group", "wave"])
def test_reordering_groups_and_waves_is_recorded_with_the_order_before(study, alice, kind):
    a = studies_services.ordered_create(study=study, kind=kind, name="A", actor=alice)
    b = studies_services.ordered_create(study=study, kind=kind, name="B", actor=alice)
    studies_services.ordered_move(obj=b, direction=-1, actor=alice)
    event = AuditEvent.objects.get(action=f"{kind}.move")
    assert event.actor == alice and event.object_id == b.pk
    assert event.before == {"order": [a.pk, b.pk]}
    assert event.after == {"order": [b.pk, a.pk]}


def test_moving_past_the_end_records_nothing(study, alice):
    a = studies_services.ordered_create(study=study, kind="wave", name="T1", actor=alice)
    studies_services.ordered_move(obj=a, direction=-1, actor=alice)
    assert not AuditEvent.objects.filter(action="wave.move").exists()


def test_token_create_and_revoke_are_recorded_without_a_study(alice):
    token, key = tokens.token_create(user=alice, name="R scripts")
    assert tokens.token_revoke(user=alice, token_id=token.pk)
    created = AuditEvent.objects.get(action="token.create")
    revoked = AuditEvent.objects.get(action="token.revoke")
    for event in (created, revoked):
        assert event.study is None and event.study_ref is None
        assert event.actor == alice and event.object_id == token.pk
    assert created.after["name"] == "R scripts" and created.after["scope"] == "read"
    assert key not in str(created.after) and token.key_hash not in str(created.after)
    assert revoked.before["name"] == "R scripts"


def test_revoking_someone_elses_token_records_nothing(alice):
    bob = factories.make_user(username="bob")
    token, _ = tokens.token_create(user=bob, name="bob's")
    assert not tokens.token_revoke(user=alice, token_id=token.pk)
    assert not AuditEvent.objects.filter(action="token.revoke").exists()


def test_tokens_deleted_by_a_password_change_are_recorded(alice):
    token, _ = tokens.token_create(user=alice, name="old laptop")
    alice.set_password("a new long passphrase")
    alice.save()
    event = AuditEvent.objects.get(action="token.revoke")
    assert event.object_id == token.pk and event.actor == alice
    assert event.before["name"] == "old laptop" and event.after == {"reason": "password change"}
