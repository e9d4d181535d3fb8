"""Theme development: create, rename, status, codes, split and merge, each an event with its
reason, and the history that follows a theme through them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from coding.models import AuditEvent, Theme, ThemeEvent, ThemeStatus
from coding.themes import selectors, services
from studies.models import Role
from tests import factories


@pytest.fixture
def board(db):
    study = factories.make_study()
    owner = factories.make_user()
    factories.add_member(study, owner, Role.OWNER)
    codes = [factories.make_code(study, name=n) for n in ("Role", "Trust", "Money", "Family")]
    theme = services.theme_create(
        study=study,
        actor=owner,
        name="Belonging",
        concept="Being part of the team",
        codes=codes[:3],
    )
    return study, owner, codes, theme


def test_each_change_is_an_event_with_its_reason(board):
    study, owner, codes, theme = board
    services.theme_update(
        theme=theme, actor=owner, name="Belonging at work", concept="Team", reason="Narrower"
    )
    services.theme_set_status(
        theme=theme, actor=owner, status=ThemeStatus.REVIEWED, reason="Checked against data"
    )
    services.theme_set_codes(
        theme=theme, actor=owner, codes=[codes[0], codes[3]], reason="Family fits"
    )
    services.theme_set_through_line(theme=theme, actor=owner, text="Rises from T1 to T3", reason="")
    events = list(theme.events.order_by("pk"))
    assert [e.kind for e in events] == ["created", "renamed", "status", "codes", "through_line"]
    renamed = events[1]
    assert renamed.reason == "Narrower"
    assert renamed.before == {"name": "Belonging", "concept": "Being part of the team"}
    assert renamed.after == {"name": "Belonging at work", "concept": "Team"}
    assert events[2].before == {"status": "candidate"} and events[2].after == {"status": "reviewed"}
    assert events[3].before["codes"] == sorted([c.pk for c in codes[:3]])
    assert events[3].after["codes"] == sorted([codes[0].pk, codes[3].pk])
    theme.refresh_from_db()
    assert theme.status == "reviewed" and theme.through_line == "Rises from T1 to T3"
    assert set(theme.codes.all()) == {codes[0], codes[3]}
    assert AuditEvent.objects.filter(study=study, object_type="theme").count() == 5


def test_a_change_without_a_reason_is_refused(board):
    _, owner, _, theme = board
    with pytest.raises(ValidationError):
        services.theme_update(theme=theme, actor=owner, name="Other", concept="", reason=" ")
    with pytest.raises(ValidationError):
        services.theme_set_status(theme=theme, actor=owner, status="final", reason="")
    assert theme.events.count() == 1


def test_split_moves_the_chosen_codes_and_both_histories_say_so(board):
    study, owner, codes, theme = board
    parts = services.theme_split(
        theme=theme,
        actor=owner,
        parts=[{"name": "Money worries", "codes": [codes[2]]}],
        reason="Money is its own story",
    )
    new = parts[0]
    theme.refresh_from_db()
    assert set(theme.codes.all()) == {codes[0], codes[1]}
    assert list(new.codes.all()) == [codes[2]]
    assert new.status == ThemeStatus.CANDIDATE
    split = theme.events.get(kind="split")
    assert split.reason == "Money is its own story"
    assert list(split.related.all()) == [new]
    born = new.events.get()
    assert born.kind == "split" and list(born.related.all()) == [theme]
    assert born.before == {"from": theme.pk, "name": "Belonging"}
    history = selectors.theme_history(theme)
    assert any("Money worries" in h.summary for h in history)


def test_split_must_leave_codes_and_take_codes(board):
    _, owner, codes, theme = board
    with pytest.raises(ValidationError):
        services.theme_split(
            theme=theme, actor=owner, parts=[{"name": "All", "codes": codes[:3]}], reason="x"
        )
    with pytest.raises(ValidationError):
        services.theme_split(
            theme=theme, actor=owner, parts=[{"name": "None", "codes": []}], reason="x"
        )
    with pytest.raises(ValidationError):
        services.theme_split(
            theme=theme, actor=owner, parts=[{"name": "Alien", "codes": [codes[3]]}], reason="x"
        )
    assert Theme.objects.count() == 1


def test_merge_joins_codes_discards_the_others_and_records_both_sides(board):
    study, owner, codes, theme = board
    other = services.theme_create(
        study=study, actor=owner, name="Family ties", codes=[codes[3], codes[0]]
    )
    third = services.theme_create(study=study, actor=owner, name="Support", codes=[codes[1]])
    services.theme_merge(
        target=theme, others=[other, third], actor=owner, reason="One story of belonging"
    )
    theme.refresh_from_db()
    other.refresh_from_db()
    assert set(theme.codes.all()) == set(codes)
    assert other.status == ThemeStatus.DISCARDED and third.status == ThemeStatus.DISCARDED
    merged = theme.events.get(kind="merged")
    assert set(merged.related.all()) == {other, third}
    assert merged.reason == "One story of belonging"
    into = other.events.get(kind="merged")
    assert list(into.related.all()) == [theme]
    assert into.after == {"into": theme.pk, "status": "discarded"}


def test_merge_needs_another_theme_of_the_same_study(board):
    study, owner, codes, theme = board
    foreign = services.theme_create(study=factories.make_study(), actor=owner, name="Elsewhere")
    with pytest.raises(ValidationError):
        services.theme_merge(target=theme, others=[], actor=owner, reason="x")
    with pytest.raises(ValidationError):
        services.theme_merge(target=theme, others=[theme], actor=owner, reason="x")
    with pytest.raises(ValidationError):
        services.theme_merge(target=theme, others=[foreign], actor=owner, reason="x")
    assert not ThemeEvent.objects.filter(kind="merged").exists()


def test_codes_of_another_study_are_refused(board):
    _, owner, _, theme = board
    alien = factories.make_code(factories.make_study(), name="Alien")
    with pytest.raises(ValidationError):
        services.theme_set_codes(theme=theme, actor=owner, codes=[alien], reason="x")
