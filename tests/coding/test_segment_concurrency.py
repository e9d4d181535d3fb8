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
