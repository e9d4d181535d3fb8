from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from coding.models import Segment
from studies import services
from studies.text import OffsetMap
from tests import factories

ALPHABET = st.sampled_from(list("abc.\n我𠝹é"))


@settings(max_examples=300, deadline=None)
@given(
    before=st.text(st.sampled_from(list("ab.\n我")), max_size=30),
    passage=st.text(st.sampled_from(list("XYZ𠮟")), min_size=1, max_size=10),
    after=st.text(st.sampled_from(list("cé𠝹 ")), max_size=30),
    insert_before=st.text(st.sampled_from(list("ij你")), max_size=8),
    insert_after=st.text(st.sampled_from(list("ij你")), max_size=8),
    cut_before=st.integers(0, 30),
    cut_after=st.integers(0, 30),
)
def test_edits_outside_a_passage_move_it_exactly(
    before, passage, after, insert_before, insert_after, cut_before, cut_after
):
    old = before + passage + after
    new_before = before[: max(0, len(before) - cut_before)] + insert_before
    new_after = insert_after + after[min(cut_after, len(after)) :]
    new = new_before + passage + new_after
    start, end = len(before), len(before) + len(passage)
    new_start, new_end, changed = OffsetMap(old, new).span(start, end)
    # The passage's characters occur nowhere else and the text before and after it share no
    # character (no alignment can cross the passage), so the diff must keep it whole.
    assert (new_start, new_end) == (len(new_before), len(new_before) + len(passage))
    assert not changed


@settings(max_examples=200, deadline=None)
@given(
    old=st.text(ALPHABET, min_size=1, max_size=40),
    new=st.text(ALPHABET, min_size=1, max_size=40),
    data=st.data(),
)
def test_any_span_maps_inside_the_new_text_and_flags_changes(old, new, data):
    start = data.draw(st.integers(0, len(old) - 1))
    end = data.draw(st.integers(start + 1, len(old)))
    new_start, new_end, changed = OffsetMap(old, new).span(start, end)
    assert 0 <= new_start <= new_end <= len(new)
    assert changed == (new[new_start:new_end] != old[start:end])


@pytest.fixture
def coded(study, owner, coder):
    text = "Interviewer: How was training?\nP01: I did not know my role 𠝹.\nInterviewer: And now?\nP01: My team trusts me."
    transcript = factories.make_transcript(study, text=text)
    code = factories.make_code(study, name="Role")
    layer = factories.make_layer(study, coder)
    role = factories.make_segment(
        transcript, code, layer, text.index("I did"), text.index("𠝹") + 1
    )
    trust = factories.make_segment(transcript, code, layer, text.index("My team"), len(text))
    return transcript, role, trust


def test_segments_move_with_the_text_and_changed_ones_are_flagged(coded, owner):
    transcript, role, trust = coded
    new = transcript.text.replace(
        "How was training?", "How was the training, in your words?"
    ).replace("trusts me", "really trusts me")
    counts = services.transcript_text_update(
        transcript=transcript, text=new, expected_version=1, actor=owner
    )
    role.refresh_from_db()
    trust.refresh_from_db()
    transcript.refresh_from_db()
    assert transcript.text[role.start : role.end] == "I did not know my role 𠝹"
    assert not role.needs_review
    assert transcript.text[trust.start : trust.end] == "My team really trusts me."
    assert trust.needs_review
    assert trust.quote == "My team trusts me."  # the quote at coding time is kept
    assert (transcript.version, transcript.length) == (2, len(new))
    assert counts == {"moved": 2, "flagged": 1, "merged": 0}


def test_a_deleted_passage_is_kept_and_flagged(coded, owner):
    transcript, role, _ = coded
    new = transcript.text.replace("I did not know my role 𠝹.", "")
    services.transcript_text_update(
        transcript=transcript, text=new, expected_version=1, actor=owner
    )
    role.refresh_from_db()
    assert role.needs_review
    assert Segment.objects.filter(transcript=transcript).count() == 2


def test_a_stale_version_is_refused(coded, owner):
    transcript, role, _ = coded
    with pytest.raises(ValidationError, match="changed by someone else"):
        services.transcript_text_update(
            transcript=transcript, text="x y", expected_version=7, actor=owner
        )
    transcript.refresh_from_db()
    assert transcript.version == 1


def test_only_owners_edit_text(coded, coder_client, owner_client, study):
    transcript = coded[0]
    url = reverse("studies:transcript_text", args=[study.pk, transcript.pk])
    assert coder_client.post(url, {"text": "x", "version": 1}).status_code == 403
    response = owner_client.post(url, {"text": transcript.text + "\nP01: More.", "version": 1})
    assert response.status_code == 302
    transcript.refresh_from_db()
    assert transcript.text.endswith("P01: More.")
