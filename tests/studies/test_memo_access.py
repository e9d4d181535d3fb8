"""get_memo_for_write: the one access helper for memo edits and deletes."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from coding.models import Memo
from studies.access import can_edit_memo, get_memo_for_write, study_access


@pytest.fixture
def memos(study, owner, coder, coder2):
    return {
        "owner": Memo.objects.create(study=study, author=owner, body="PI's study memo"),
        "bob": Memo.objects.create(study=study, author=coder, body="Bob's memo"),
        "erin": Memo.objects.create(study=study, author=coder2, body="Erin's memo"),
    }


@pytest.mark.parametrize(
    ("persona", "memo", "outcome"),
    [
        ("owner", "erin", "ok"),
        ("owner", "owner", "ok"),
        ("coder", "bob", "ok"),
        ("coder", "erin", 403),
        ("coder", "owner", 403),
        ("viewer", "owner", 403),
    ],
)
def test_it_gives_the_memo_only_to_its_author_and_the_owners(
    request, memos, study, persona, memo, outcome
):
    access = study_access(request.getfixturevalue(persona), study.pk)
    if outcome == "ok":
        got = get_memo_for_write(access, memos[memo].pk)
        assert (got.pk, got.body) == (memos[memo].pk, memos[memo].body)
    else:
        with pytest.raises(PermissionDenied):
            get_memo_for_write(access, memos[memo].pk)


def test_a_blind_coder_gets_404_for_another_coders_memo(memos, study, coder):
    study.blind_coding = True
    study.save(update_fields=["blind_coding"])
    access = study_access(coder, study.pk)
    with pytest.raises(Http404):
        get_memo_for_write(access, memos["erin"].pk)
    assert get_memo_for_write(access, memos["bob"].pk).pk == memos["bob"].pk


def test_a_memo_of_another_study_is_404(memos, study, owner):
    from tests import factories

    other = factories.make_study(name="Other")
    alien = Memo.objects.create(study=other, author=owner, body="Elsewhere")
    with pytest.raises(Http404):
        get_memo_for_write(study_access(owner, study.pk), alien.pk)


def test_only_members_who_code_may_edit(study, owner, coder, viewer):
    assert can_edit_memo(study_access(owner, study.pk), coder.pk)
    assert can_edit_memo(study_access(coder, study.pk), coder.pk)
    assert not can_edit_memo(study_access(coder, study.pk), owner.pk)
    assert not can_edit_memo(study_access(viewer, study.pk), viewer.pk)
