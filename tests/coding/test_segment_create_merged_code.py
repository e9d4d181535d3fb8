"""Issue 9 §6: a segment created with a code that was merged meanwhile is refused with a
message naming the target, not a foreign-key error."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from coding.codebook import services as codebook_services
from coding.models import Code, Segment
from coding.segments import services as segment_services
from tests import factories


def test_a_code_merged_meanwhile_is_refused_with_the_target(study, owner, coder):
    transcript = factories.make_transcript(study, text="Interviewer: hello there")
    layer = segment_services.coder_layer(study=study, user=coder)
    stale = factories.make_code(study, name="Family")
    target = factories.make_code(study, name="Support")
    codebook_services.code_merge(source=Code.objects.get(pk=stale.pk), target=target, actor=owner)

    with pytest.raises(ValidationError) as refused:
        segment_services.segment_create(
            transcript=transcript, code=stale, layer=layer, start=0, end=11, actor=coder
        )
    assert "“Family” was just merged into “Support”" in refused.value.messages[0]
    assert "reload" in refused.value.messages[0]
    assert not Segment.objects.exists()


def test_a_code_deleted_meanwhile_is_refused(study, coder):
    transcript = factories.make_transcript(study, text="Interviewer: hello there")
    layer = segment_services.coder_layer(study=study, user=coder)
    stale = factories.make_code(study, name="Gone")
    Code.objects.filter(pk=stale.pk).delete()
    with pytest.raises(ValidationError, match="“Gone” no longer exists"):
        segment_services.segment_create(
            transcript=transcript, code=stale, layer=layer, start=0, end=11, actor=coder
        )
    assert not Segment.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_creates_racing_a_merge_either_move_with_it_or_are_refused(django_db_blocker):
    """Coders keep coding with a code while the PI merges it: every create succeeds (and its
    segment ends up on the target) or is refused with the merge message; none fails."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks (SQLite serialises all writes)")
    study = factories.make_study()
    owner = factories.make_user(username="pi")
    coders = [factories.make_user(username=f"c{i}") for i in range(6)]
    text = "Interviewer: " + " ".join(f"w{i:03}" for i in range(200))
    transcript = factories.make_transcript(study, text=text)
    layers = [segment_services.coder_layer(study=study, user=c) for c in coders]
    source = factories.make_code(study, name="Family")
    target = factories.make_code(study, name="Support")
    outcomes: list[str] = []
    barrier = threading.Barrier(len(coders) + 1)

    def code(i: int):
        barrier.wait()
        try:
            for k in range(24):
                start = 13 + 5 * ((i * 24 + k) % 200)
                try:
                    segment_services.segment_create(
                        transcript=transcript,
                        code=source,
                        layer=layers[i],
                        start=start,
                        end=start + 4,
                        actor=coders[i],
                    )
                    outcomes.append("created")
                except ValidationError as exc:
                    assert "was just merged into “Support”" in exc.messages[0], exc.messages
                    outcomes.append("refused")
        except Exception as exc:  # noqa: BLE001
            outcomes.append(f"error: {exc!r}")
        finally:
            connections.close_all()

    def merge():
        barrier.wait()
        try:
            codebook_services.code_merge(source=source, target=target, actor=owner)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=code, args=(i,)) for i in range(len(coders))]
    threads.append(threading.Thread(target=merge))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not [o for o in outcomes if o.startswith("error")], outcomes
    assert len(outcomes) == 6 * 24
    assert not Code.objects.filter(pk=source.pk).exists()
    assert Segment.objects.filter(code=target).count() == outcomes.count("created")
