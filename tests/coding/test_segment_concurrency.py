from __future__ import annotations

import random
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from coding.models import Segment
from coding.segments import services as segment_services
from studies import services as study_services
from studies.models import Role, Transcript
from tests import factories

WORDS = ["trust", "role", "team", "training", "placement", "support"]


@pytest.mark.django_db(transaction=True)
def test_no_segment_is_stored_at_stale_offsets_while_the_text_is_edited():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises whole transactions, so no race")
    study = factories.make_study(name="Concurrency")
    owner = factories.make_user(username="owner")
    factories.add_member(study, owner, Role.OWNER)
    coders = [factories.make_user(username=f"coder{i}") for i in range(3)]
    lines = [f"P01: {WORDS[i % len(WORDS)]} matters {i}." for i in range(120)]
    transcript = factories.make_transcript(study, text="\n".join(lines))
    code = factories.make_code(study, name="Theme")
    layers = {}
    for user in coders:
        factories.add_member(study, user, Role.CODER)
        layers[user.pk] = factories.make_layer(study, user)
    stop = threading.Event()
    errors: list[BaseException] = []
    outcome = {"stored": 0, "refused": 0, "edits": 0}

    def edit():
        try:
            for k in range(12):
                current = Transcript.objects.get(pk=transcript.pk)
                # Every edit shifts every later offset: stale offsets would code other words.
                text = f"Interviewer: question {k}?\n" + current.text
                study_services.transcript_text_update(
                    transcript=current, text=text, expected_version=current.version, actor=owner
                )
                outcome["edits"] += 1
                time.sleep(0.02)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            stop.set()
            connection.close()

    def code_words(user, seed):
        rng = random.Random(seed)
        try:
            while not stop.is_set():
                seen = Transcript.objects.get(pk=transcript.pk)  # what the page showed
                word = rng.choice(WORDS)
                starts = [i for i in range(len(seen.text)) if seen.text.startswith(word, i)]
                start = rng.choice(starts)
                time.sleep(rng.random() * 0.01)  # the coder selects; the owner may save
                try:
                    segment, _ = segment_services.segment_create(
                        transcript=seen,
                        code=code,
                        layer=layers[user.pk],
                        start=start,
                        end=start + len(word),
                        quote=word,
                        expected_version=seen.version,
                        actor=user,
                    )
                    outcome["stored"] += 1
                    choice = rng.random()
                    if choice < 0.3:  # widen it by a character, as the page's handles do
                        segment_services.segment_update(
                            segment=segment,
                            end=start + len(word) + 1,
                            quote=seen.text[start : start + len(word) + 1],
                            expected_version=seen.version,
                            actor=user,
                        )
                    elif choice < 0.5:
                        segment_services.segment_update_memo(
                            segment=segment, memo="why", actor=user
                        )
                    elif choice < 0.6:
                        segment_services.segment_delete(segment=segment, actor=user)
                except ValidationError as exc:
                    assert exc.code == "stale", exc
                    outcome["refused"] += 1
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=edit)] + [
        threading.Thread(target=code_words, args=(user, i)) for i, user in enumerate(coders)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    transcript.refresh_from_db()
    wrong = [
        (s.start, s.end, s.quote, transcript.text[s.start : s.end])
        for s in Segment.objects.filter(transcript=transcript)
        if transcript.text[s.start : s.end] != s.quote and not s.needs_review
    ]
    assert wrong == [], f"{len(wrong)} segments highlight other words than their quote"
    assert not errors, errors
    assert outcome["edits"] == 12 and outcome["stored"] > 0


@pytest.mark.django_db(transaction=True)
def test_two_coders_applying_the_same_two_codes_in_opposite_orders_never_deadlock():
    """The picker sends its ticked codes in the order they were ticked; two coders ticking
    the same two codes in opposite orders must both be stored (found by ``make loadtest``:
    PostgreSQL answered one of them "deadlock detected", an HTTP 500)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises whole transactions, so no race")
    study = factories.make_study(name="Lock order")
    first = factories.make_code(study, name="Trust")
    second = factories.make_code(study, name="Role")
    people = []
    for i, order in enumerate(([first, second], [second, first])):
        user = factories.make_user(username=f"coder{i}")
        factories.add_member(study, user, Role.CODER)
        text = "\n".join(f"P01: trust and role {k}." for k in range(40))
        people.append(
            (
                user,
                factories.make_layer(study, user),
                order,
                factories.make_transcript(study, text=text, title=f"T{i}"),
            )
        )
    start_together = threading.Barrier(len(people))
    errors: list[BaseException] = []
    stored = {0: 0, 1: 0}

    def code_lines(index):
        user, layer, codes, transcript = people[index]
        try:
            start_together.wait(10)
            for k in range(40):
                line = f"P01: trust and role {k}."
                start = transcript.text.index(line)
                applied = segment_services.segment_apply_codes(
                    transcript=Transcript.objects.get(pk=transcript.pk),
                    layer=layer,
                    codes=list(codes),
                    start=start,
                    end=start + len(line),
                    quote=line,
                    expected_version=None,
                    actor=user,
                )
                stored[index] += len(applied.created)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=code_lines, args=(i,)) for i in range(len(people))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    assert stored == {0: 80, 1: 80}
    for _user, layer, _, transcript in people:
        assert Segment.objects.filter(layer=layer, transcript=transcript).count() == 80


@pytest.mark.django_db
def test_the_codes_of_one_write_are_stored_in_the_codebooks_order_whatever_order_they_came_in():
    """One lock order for every writer: the codes are taken by primary key, so the segment
    made for the older code is the older segment, whichever was ticked first."""
    study = factories.make_study(name="Order")
    older = factories.make_code(study, name="Older")
    newer = factories.make_code(study, name="Newer")
    user = factories.make_user(username="coder")
    factories.add_member(study, user, Role.CODER)
    layer = factories.make_layer(study, user)
    transcript = factories.make_transcript(study, text="P01: it matters.")
    applied = segment_services.segment_apply_codes(
        transcript=transcript,
        layer=layer,
        codes=[newer, older],
        start=5,
        end=15,
        quote="it matters",
        expected_version=None,
        actor=user,
    )
    by_code = {s.code_id: s.pk for s in applied.created}
    assert by_code[older.pk] < by_code[newer.pk]
