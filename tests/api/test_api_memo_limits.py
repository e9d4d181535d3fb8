"""Issue 9 §6: the API takes memos within the same limits as the pages (one constant), and
refuses NUL characters and lone surrogates with a 400 instead of a server error."""

from __future__ import annotations

import pytest

from coding.memos import services as memo_services
from coding.models import MEMO_MAX_CHARS, Memo, Segment
from tests import factories
from tests.api.test_api_segments import TEXT, create_url, post, span


@pytest.fixture
def transcript(study):
    return factories.make_transcript(study, title="P01 T1", text=TEXT)


@pytest.fixture
def code(study):
    return factories.make_code(study, name="Role")


@pytest.mark.parametrize(
    ("memo", "message"),
    [
        ("x" * (MEMO_MAX_CHARS + 1), f"at most {MEMO_MAX_CHARS:,} characters"),
        ("x" * 5_000_000, f"at most {MEMO_MAX_CHARS:,} characters"),
        ("bad \x00 byte", "NUL character"),
        ("lone \ud800 surrogate", "not valid Unicode"),
    ],
    ids=["one-over", "5MB", "nul", "surrogate"],
)
def test_the_api_refuses_a_memo_the_page_would_refuse(
    coder_client, transcript, code, memo, message
):
    payload = {"code_id": code.pk, **span("我唔知𠝹 role"), "memo": memo}
    response = post(coder_client, create_url(transcript.pk), payload)
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert not Segment.objects.exists()


def test_the_api_accepts_a_memo_at_the_limit(coder_client, transcript, code):
    payload = {"code_id": code.pk, **span("我唔知𠝹 role"), "memo": "x" * MEMO_MAX_CHARS}
    assert post(coder_client, create_url(transcript.pk), payload).status_code == 201


def test_memo_services_refuse_the_same_inputs(study, owner, transcript):
    for body in ("x" * (MEMO_MAX_CHARS + 1), "a\x00b", "\udfff"):
        with pytest.raises(memo_services.ValidationError):
            memo_services.memo_create(study=study, author=owner, body=body, transcript=transcript)
    memo = memo_services.memo_create(study=study, author=owner, body="fine", transcript=transcript)
    with pytest.raises(memo_services.ValidationError):
        memo_services.memo_update(memo=memo, actor=owner, title="", body="a\x00b")
    memo.refresh_from_db()
    assert memo.body == "fine" and Memo.objects.count() == 1


def test_the_forms_use_the_same_limit():
    from coding.segments import forms

    assert forms.SegmentCreateForm.base_fields["memo"].max_length == MEMO_MAX_CHARS
