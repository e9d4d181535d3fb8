"""A study always keeps an owner: no demotion or removal may leave it with none, even when
two owners act at the same moment."""

from __future__ import annotations

import contextlib
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection

from studies import services
from studies.models import Membership, Role
from tests import factories


@pytest.fixture
def two_owners(db):
    study = factories.make_study(name="Two PIs")
    alice, bob = factories.make_user(username="alice"), factories.make_user(username="bob")
    return (
        study,
        factories.add_member(study, alice, Role.OWNER),
        factories.add_member(study, bob, Role.OWNER),
    )


def test_the_last_owner_can_be_neither_demoted_nor_removed(two_owners):
    study, alice, bob = two_owners
    services.member_change_role(membership=bob, role=Role.CODER, actor=alice.user)
    with pytest.raises(ValidationError, match="at least one owner"):
        services.member_change_role(membership=alice, role=Role.VIEWER, actor=alice.user)
    with pytest.raises(ValidationError, match="at least one owner"):
        services.member_remove(membership=alice, actor=alice.user)
    assert Membership.objects.get(pk=alice.pk).role == Role.OWNER


def test_the_rule_reads_the_roles_as_they_are_now_not_as_the_caller_loaded_them(db):
    study = factories.make_study(name="Handover")
    alice, bob = factories.make_user(username="alice"), factories.make_user(username="bob")
    alice_m = factories.add_member(study, alice, Role.OWNER)
    bob_m = factories.add_member(study, bob, Role.CODER)
    stale_bob = Membership.objects.get(pk=bob_m.pk)  # loaded while Bob was a coder
    services.member_change_role(membership=bob_m, role=Role.OWNER, actor=alice)
    services.member_change_role(membership=alice_m, role=Role.CODER, actor=bob)
    with pytest.raises(ValidationError, match="at least one owner"):
        services.member_change_role(membership=stale_bob, role=Role.VIEWER, actor=bob)
    assert Membership.objects.get(pk=bob_m.pk).role == Role.OWNER


def _race(monkeypatch, actions):
    """Run both actions in threads; each waits for the other right after checking the rule
    (up to 3 s: with the lock the second cannot reach the check until the first commits)."""
    barrier = threading.Barrier(len(actions))
    original = services._check_not_last_owner

    def check_then_wait(membership):
        original(membership)
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=3)

    monkeypatch.setattr(services, "_check_not_last_owner", check_then_wait)
    errors: list[Exception] = []

    def run(action):
        try:
            action()
        except ValidationError as exc:
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(a,)) for a in actions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return errors


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("second", ["demote", "remove"])
def test_two_owners_acting_on_each_other_at_once_leave_one_owner(monkeypatch, second):
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite serialises writers on the whole database file, so the race cannot "
            "happen there; run with DATABASE_URL=postgres://… to test the row lock"
        )
    study = factories.make_study(name="Two PIs")
    alice, bob = factories.make_user(username="alice"), factories.make_user(username="bob")
    alice_m = factories.add_member(study, alice, Role.OWNER)
    bob_m = factories.add_member(study, bob, Role.OWNER)

    def alice_demotes_bob():
        services.member_change_role(
            membership=Membership.objects.get(pk=bob_m.pk), role=Role.CODER, actor=alice
        )

    def bob_acts_on_alice():
        membership = Membership.objects.get(pk=alice_m.pk)
        if second == "demote":
            services.member_change_role(membership=membership, role=Role.CODER, actor=bob)
        else:
            services.member_remove(membership=membership, actor=bob)

    errors = _race(monkeypatch, [alice_demotes_bob, bob_acts_on_alice])
    assert Membership.objects.filter(study=study, role=Role.OWNER).count() == 1
    assert len(errors) == 1 and "at least one owner" in str(errors[0])
