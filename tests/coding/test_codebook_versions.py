"""Codebook versions: snapshots, the diff (against an independent model of random edit
sequences), merges read from the audit log, reasons, traceability, blind coders."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coding.codebook import services, versions
from coding.models import AuditEvent, Code, CodebookVersion
from studies.access import study_access
from studies.models import Role
from tests import factories


def changes_of(access, old, new):
    return versions.diff(access, versions.side(access, old), versions.side(access, new))


# --- the diff against an independent model ------------------------------------------------

OPS = st.lists(
    st.tuples(
        st.sampled_from(["create", "rename", "move", "archive", "restore", "merge", "define"]),
        st.integers(0, 50),
        st.integers(0, 50),
        st.sampled_from(["a", "b", "c", "d", "好", "𠀋"]),
    ),
    max_size=14,
)


class Model:
    """The codebook as the test itself keeps it: id -> name, parent, archived, description."""

    def __init__(self):
        self.codes: dict[int, dict] = {}
        self.merged_into: dict[int, int] = {}

    def copy(self) -> dict[int, dict]:
        return {pk: dict(row) for pk, row in self.codes.items()}

    def subtree(self, pk) -> set[int]:
        ids, todo = set(), [pk]
        while todo:
            current = todo.pop()
            ids.add(current)
            todo.extend(c for c, row in self.codes.items() if row["parent"] == current)
        return ids


def path(state, pk) -> str:
    names = []
    while pk is not None:
        names.append(state[pk]["name"])
        pk = state[pk]["parent"]
    return " › ".join(reversed(names))


def expected_changes(before, after, merged_into) -> set[tuple]:
    expected = set()
    for pk, row in after.items():
        was = before.get(pk)
        if was is None:
            expected.add(("added", pk, "", ""))
            continue
        if was["name"] != row["name"]:
            expected.add(("renamed", pk, was["name"], row["name"]))
        if was["parent"] != row["parent"]:
            expected.add(("moved", pk, path(before, pk), path(after, pk)))
        if was["archived"] != row["archived"]:
            expected.add(("archived" if row["archived"] else "restored", pk, "", ""))
        if was["description"] != row["description"]:
            expected.add(("definition", pk, was["description"], row["description"]))
    for pk in before:
        if pk not in after:
            target = merged_into[pk]
            while target not in after:
                target = merged_into[target]
            expected.add(("merged", pk, path(before, pk), path(after, target)))
    return expected


def apply(model: Model, study, owner, op, i, j, word, counter) -> None:
    ids = sorted(model.codes)
    pick = ids[i % len(ids)] if ids else None
    other = ids[j % len(ids)] if ids else None
    reason = f"reason {counter}"
    try:
        if op == "create" or pick is None:
            parent = Code.objects.get(pk=other) if other and j % 3 else None
            code = services.code_create(
                study=study, name=f"{word}{counter}", parent=parent, actor=owner, reason=reason
            )
            model.codes[code.pk] = {
                "name": code.name,
                "parent": parent.pk if parent else None,
                "archived": False,
                "description": "",
            }
        elif op == "rename":
            services.code_update(
                code=Code.objects.get(pk=pick), name=f"{word}{counter}", actor=owner, reason=reason
            )
            model.codes[pick]["name"] = f"{word}{counter}"
        elif op == "define":
            text = f"{model.codes[pick]['description']} {word}{counter}".strip()
            services.code_update(
                code=Code.objects.get(pk=pick), description=text, actor=owner, reason=reason
            )
            model.codes[pick]["description"] = text
        elif op == "move":
            parent = None if j % 4 == 0 else Code.objects.get(pk=other)
            services.code_move(
                code=Code.objects.get(pk=pick), parent=parent, actor=owner, reason=reason
            )
            model.codes[pick]["parent"] = parent.pk if parent else None
        elif op in ("archive", "restore"):
            done = services.code_archive(
                code=Code.objects.get(pk=pick), archived=op == "archive", actor=owner, reason=reason
            )
            for pk in model.subtree(pick):
                model.codes[pk]["archived"] = op == "archive"
            assert set(done) <= model.subtree(pick)
        elif op == "merge":
            services.code_merge(
                source=Code.objects.get(pk=pick),
                target=Code.objects.get(pk=other),
                actor=owner,
                reason=reason,
            )
            for row in model.codes.values():
                if row["parent"] == pick:
                    row["parent"] = other
            del model.codes[pick]
            model.merged_into[pick] = other
    except ValidationError:
        pass  # refused by the service: the model stays as it was


@pytest.mark.django_db
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(first=OPS, second=OPS)
def test_the_diff_matches_an_independent_model_of_random_edits(first, second):
    with transaction.atomic():
        study = factories.make_study(name="Random edits")
        owner = factories.make_user(username="owner-random")
        factories.add_member(study, owner, Role.OWNER)
        access = study_access(owner, study.pk)
        model = Model()
        for k, step in enumerate(first):
            apply(model, study, owner, *step, k)
        v1 = versions.version_create(study=study, name="v1", actor=owner)
        state1 = model.copy()
        for k, step in enumerate(second, start=100):
            apply(model, study, owner, *step, k)
        v2 = versions.version_create(study=study, name="v2", actor=owner)
        expected = expected_changes(state1, model.codes, model.merged_into)
        got = set()
        for c in changes_of(access, v1.pk, v2.pk):
            if c.kind in ("added", "archived", "restored"):
                got.add((c.kind, c.code_id, "", ""))
            else:
                got.add((c.kind, c.code_id, c.old, c.new))
        assert got == expected
        # The current codebook is v2 until something changes.
        assert [c.as_dict() for c in changes_of(access, v2.pk, "current")] == []
        transaction.set_rollback(True)


# --- merges, reasons, word diffs ---------------------------------------------------------


@pytest.fixture
def book(study, owner):
    role = services.code_create(study=study, name="Role", actor=owner)
    peer = services.code_create(study=study, name="Peer work", parent=role, actor=owner)
    lived = services.code_create(study=study, name="Lived experience", actor=owner)
    stigma = services.code_create(
        study=study, name="Stigma", description="Being judged by staff", actor=owner
    )
    return {"role": role, "peer": peer, "lived": lived, "stigma": stigma}


def test_a_merge_is_told_from_a_deletion_by_the_audit_log(study, owner, book):
    access = study_access(owner, study.pk)
    v1 = versions.version_create(study=study, name="v1", actor=owner)
    services.code_merge(
        source=book["lived"], target=book["peer"], actor=owner, reason="Same idea in practice"
    )
    Code.objects.filter(pk=book["stigma"].pk).delete()  # gone without an audited merge
    v2 = versions.version_create(study=study, name="v2", actor=owner)
    changes = {c.code_id: c for c in changes_of(access, v1.pk, v2.pk)}
    merged = changes[book["lived"].pk]
    assert (merged.kind, merged.old, merged.new) == (
        "merged",
        "Lived experience",
        "Role › Peer work",
    )
    assert merged.target_id == book["peer"].pk
    assert merged.reason == "Same idea in practice"
    assert changes[book["stigma"].pk].kind == "deleted"


def test_reasons_are_stored_shown_and_editable_by_owners_only(study, owner, coder, book):
    v1 = versions.version_create(study=study, name="v1", actor=owner)
    services.code_update(code=book["peer"], name="Peer support", actor=owner, reason="Clearer")
    services.code_move(code=book["stigma"], parent=book["role"], actor=owner, reason="Fits")
    services.code_update(
        code=book["stigma"],
        description="Being judged by clinical staff",
        actor=owner,
        reason="Narrowed after calibration",
    )
    services.code_archive(code=book["lived"], actor=owner, reason="Not used")
    event = AuditEvent.objects.get(action="code.update", object_id=book["peer"].pk)
    assert event.after["reason"] == "Clearer"

    access = study_access(owner, study.pk)
    changes = {(c.kind, c.code_id): c for c in changes_of(access, v1.pk, "current")}
    assert changes["renamed", book["peer"].pk].reason == "Clearer"
    assert changes["moved", book["stigma"].pk].new == "Role › Stigma"
    assert changes["moved", book["stigma"].pk].reason == "Fits"
    definition = changes["definition", book["stigma"].pk]
    assert (definition.field, definition.reason) == ("description", "Narrowed after calibration")
    assert definition.words == [
        ("equal", "Being judged by "),
        ("insert", "clinical "),
        ("equal", "staff"),
    ]
    assert changes["archived", book["lived"].pk].reason == "Not used"

    versions.reason_update(
        access=access, event_id=event.pk, reason="Matches the participants' word", actor=owner
    )
    changes = {(c.kind, c.code_id): c for c in changes_of(access, v1.pk, "current")}
    assert changes["renamed", book["peer"].pk].reason == "Matches the participants' word"
    edit = AuditEvent.objects.get(action="codebook.reason")
    assert (edit.object_id, edit.before, edit.after) == (
        event.pk,
        {"reason": "Clearer"},
        {"reason": "Matches the participants' word"},
    )
    with pytest.raises(PermissionDenied):
        versions.reason_update(
            access=study_access(coder, study.pk), event_id=event.pk, reason="x", actor=coder
        )
    assert AuditEvent.objects.get(pk=event.pk).after["reason"] == "Matches the participants' word"


def test_word_diff_rebuilds_both_texts_in_chinese_and_astral_characters():
    old, new = "同伴支持 𠀋 peer work", "同伴的支持 peer support work"
    ops = versions.word_diff(old, new)
    assert "".join(t for op, t in ops if op != "insert") == old
    assert "".join(t for op, t in ops if op != "delete") == new
    assert ("insert", "的") in ops


def test_version_names_are_unique_and_required(study, owner, book):
    versions.version_create(study=study, name="v1 after calibration", actor=owner)
    with pytest.raises(ValidationError):
        versions.version_create(study=study, name="V1 AFTER CALIBRATION", actor=owner)
    with pytest.raises(ValidationError):
        versions.version_create(study=study, name="  ", actor=owner)
    snapshot = CodebookVersion.objects.get().snapshot
    assert [row["path"] for row in snapshot] == [
        "Role",
        "Role › Peer work",
        "Lived experience",
        "Stigma",
    ]
    assert snapshot[3]["description"] == "Being judged by staff"


# --- traceability ----------------------------------------------------------------------------


def test_a_segment_is_traced_to_the_latest_version_created_before_it(study, owner, coder, book):
    v1 = versions.version_create(study=study, name="v1", actor=owner)
    v2 = versions.version_create(study=study, name="v2", actor=owner)
    base = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    CodebookVersion.objects.filter(pk=v1.pk).update(created_at=base)
    CodebookVersion.objects.filter(pk=v2.pk).update(created_at=base + dt.timedelta(days=10))
    clock = versions.VersionClock.for_study(study)
    assert clock.name_at(base - dt.timedelta(seconds=1)) == ""
    assert clock.name_at(base) == "v1"
    assert clock.name_at(base + dt.timedelta(days=9, hours=23)) == "v1"
    assert clock.name_at(base + dt.timedelta(days=10, seconds=1)) == "v2"


# --- blind coders --------------------------------------------------------------------------


def test_snapshots_and_diffs_hide_other_coders_proposals_from_blind_coders(
    study, owner, coder, coder2, book
):
    study.blind_coding = True
    study.save()
    v1 = versions.version_create(study=study, name="v1", actor=owner)
    theirs = services.code_create(study=study, name="Erin's idea", actor=coder2, proposed=True)
    under = services.code_create(
        study=study, name="Erin's sub", parent=theirs, actor=coder2, proposed=True
    )
    mine = services.code_create(study=study, name="Bob's idea", actor=coder, proposed=True)
    v2 = versions.version_create(study=study, name="v2", actor=owner)
    blind = study_access(coder, study.pk)
    ids = {row["id"] for row in versions.side(blind, v2.pk).snapshot}
    assert mine.pk in ids and theirs.pk not in ids and under.pk not in ids
    added = {c.code_id for c in changes_of(blind, v1.pk, v2.pk) if c.kind == "added"}
    assert added == {mine.pk}
    owner_added = {c.code_id for c in changes_of(study_access(owner, study.pk), v1.pk, v2.pk)}
    assert owner_added == {mine.pk, theirs.pk, under.pk}
