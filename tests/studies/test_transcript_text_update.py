from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coding.models import Segment
from studies import services
from studies.offset_map import OffsetMap
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
    # The quote is the text at the segment's offsets; the words at coding time are kept apart.
    assert trust.quote == "My team really trusts me."
    assert trust.quote_at_coding == "My team trusts me."
    assert role.quote == "I did not know my role 𠝹" and role.quote_at_coding == ""
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


def test_changed_words_in_a_chinese_passage_update_the_quote_and_keep_the_old_words(
    study, owner, coder
):
    text = "Interviewer: 你點睇？\nP01: 我唔知自己嘅角色 𠝹 at first.\nP01: 後來好啲。"
    transcript = factories.make_transcript(study, text=text)
    code = factories.make_code(study, name="Role")
    layer = factories.make_layer(study, coder)
    old_words = "我唔知自己嘅角色 𠝹"
    seg = factories.make_segment(
        transcript, code, layer, text.index(old_words), text.index(old_words) + len(old_words)
    )
    later = factories.make_segment(transcript, code, layer, text.index("後來"), len(text))
    new = text.replace("我唔知", "我知道").replace("Interviewer: 你點睇？", "Interviewer: 𠝹？")
    services.transcript_text_update(
        transcript=transcript, text=new, expected_version=1, actor=owner
    )
    transcript.refresh_from_db()
    seg.refresh_from_db()
    later.refresh_from_db()
    assert transcript.text[seg.start : seg.end] == "我知道自己嘅角色 𠝹"
    assert seg.quote == transcript.text[seg.start : seg.end]
    assert seg.quote_at_coding == old_words
    assert seg.needs_review
    # A passage that only moved keeps its words and is not flagged.
    assert later.quote == transcript.text[later.start : later.end] == "後來好啲。"
    assert (later.quote_at_coding, later.needs_review) == ("", False)


def test_a_second_edit_keeps_the_words_of_coding_time(coded, owner):
    transcript, _, trust = coded
    first = transcript.text.replace("trusts me", "really trusts me")
    services.transcript_text_update(
        transcript=transcript, text=first, expected_version=1, actor=owner
    )
    second = first.replace("really trusts", "truly trusts")
    services.transcript_text_update(
        transcript=transcript, text=second, expected_version=2, actor=owner
    )
    trust.refresh_from_db()
    assert trust.quote == "My team truly trusts me."
    assert trust.quote_at_coding == "My team trusts me."


def test_calibration_excerpts_and_consensus_decisions_follow_the_text(coded, owner):
    from coding.models import CalibrationRound, CalibrationUnit, ConsensusDecision

    transcript, role, trust = coded
    rnd = CalibrationRound.objects.create(study=transcript.study, name="R1")
    unit = CalibrationUnit.objects.create(
        round=rnd, transcript=transcript, start=trust.start, end=trust.end, quote=trust.quote
    )
    decision = ConsensusDecision.objects.create(
        study=transcript.study,
        transcript=transcript,
        code=role.code,
        start=role.start,
        end=role.end,
        action="agreed",
    )
    new = "P00: Hello.\n" + transcript.text.replace("trusts me", "really trusts me")
    services.transcript_text_update(
        transcript=transcript, text=new, expected_version=1, actor=owner
    )
    unit.refresh_from_db()
    decision.refresh_from_db()
    role.refresh_from_db()
    assert unit.quote == new[unit.start : unit.end] == "My team really trusts me."
    assert (decision.start, decision.end) == (role.start, role.end)


EDIT_ALPHABET = st.sampled_from(list("ab 我𠝹.\n"))


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    text=st.text(EDIT_ALPHABET, min_size=2, max_size=30),
    spans=st.lists(st.tuples(st.integers(0, 29), st.integers(1, 10)), min_size=1, max_size=6),
    edits=st.lists(
        st.tuples(st.integers(0, 40), st.integers(0, 5), st.text(EDIT_ALPHABET, max_size=6)),
        min_size=1,
        max_size=3,
    ),
)
def test_after_any_edits_every_quote_is_the_text_at_its_offsets(
    study, owner, coder, text, spans, edits
):
    from django.db import transaction

    with transaction.atomic():
        transcript = factories.make_transcript(study, text=text)
        code = factories.make_code(study, name="C")
        layer = factories.make_layer(study, coder)
        original = {}
        for start, length in spans:
            start = min(start, len(text) - 1)
            end = min(start + length, len(text))
            seg, _ = Segment.objects.get_or_create(
                transcript=transcript,
                code=code,
                layer=layer,
                start=start,
                end=end,
                defaults={"quote": text[start:end]},
            )
            original[seg.pk] = seg.quote
        current = text
        for at, cut, insert in edits:
            at = min(at, len(current))
            new = current[:at] + insert + current[at + cut :]
            if not new.strip():
                continue
            services.transcript_text_update(
                transcript=transcript, text=new, expected_version=transcript.version, actor=owner
            )
            transcript.refresh_from_db()
            current = transcript.text
        for seg in Segment.objects.filter(transcript=transcript):
            assert seg.quote == current[seg.start : seg.end]
            assert 0 <= seg.start < seg.end <= len(current)
            if seg.needs_review:
                assert seg.quote_at_coding == original[seg.pk]
            else:
                assert seg.quote == original[seg.pk]
                assert seg.quote_at_coding == ""
        transaction.set_rollback(True)


def test_the_saved_message_counts_segments_in_english_plurals(coded, owner_client, study):
    transcript = coded[0]
    moved = Segment.objects.filter(transcript=transcript).count()
    url = reverse("studies:transcript_text", args=[study.pk, transcript.pk])
    response = owner_client.post(
        url, {"text": "P00: Hello.\n" + transcript.text, "version": 1}, follow=True
    )
    shown = [str(m) for m in response.context["messages"]]
    noun = "segment" if moved == 1 else "segments"
    assert shown == [
        f"Text saved. {moved} {noun} moved with the text; "
        "0 flagged for review because their passage changed."
    ]
