"""The transcript list and the participant list run a fixed number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories

# session, user, membership+study, the list, the attribute definitions, the forms'
# choices: 7 for the transcripts, 6 for the participants today (+ 2 for savepoints on
# some backends).
MAX_QUERIES = {"studies:transcript_list": 9, "studies:participant_list": 8}


@pytest.fixture
def frame(study, coder):
    groups = [factories.make_group(study, name=n) for n in ("Peer workers", "Service users")]
    waves = [factories.make_wave(study, name=n) for n in ("T1", "T2")]
    return (
        groups,
        waves,
        factories.make_code(study, name="Trust"),
        factories.make_layer(study, coder),
    )


def add_participants(study, frame, numbers: range) -> None:
    """Participants with attributes, a group and a coded transcript at each wave."""
    groups, waves, code, layer = frame
    for i in numbers:
        p = factories.make_participant(
            study,
            pseudonym=f"P{i:03d}",
            group=groups[i % 2],
            attributes={"age": str(20 + i), "site": f"S{i % 3}"},
        )
        for wave in waves:
            t = factories.make_transcript(
                study, title=f"P{i:03d} {wave.name}", participant=p, wave=wave
            )
            factories.make_segment(t, code, layer, 0, 5)


def _get(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.text


@pytest.mark.parametrize("name", ["studies:transcript_list", "studies:participant_list"])
def test_the_list_runs_constant_queries_whatever_its_length(
    study, owner, owner_client, frame, name
):
    url = reverse(name, args=[study.pk])
    add_participants(study, frame, range(2))
    small, _ = _get(owner_client, url)
    add_participants(study, frame, range(2, 20))
    large, text = _get(owner_client, url)
    assert all(f"P{i:03d}" in text for i in range(20))  # every row is on the page
    assert large == small, f"{large} queries for 20 participants, {small} for 2"
    assert large <= MAX_QUERIES[name]
