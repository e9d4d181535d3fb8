from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from coding.models import Assignment
from tests import factories


def populate(study, coder, n_participants: int):
    groups = [
        factories.make_group(study, name=n) for n in ("Peer support workers", "Service users")
    ]
    waves = [factories.make_wave(study, name=n) for n in ("T1", "T2", "T3")]
    code = factories.make_code(study, name="Trust")
    layer = factories.make_layer(study, coder)
    for i in range(n_participants):
        p = factories.make_participant(study, pseudonym=f"P{i:03d}", group=groups[i % 2])
        for w, wave in enumerate(waves):
            if (i + w) % 4 == 3:
                continue  # attrition: not interviewed at this wave
            t = factories.make_transcript(
                study, title=f"P{i:03d} {wave.name}", participant=p, wave=wave
            )
            factories.make_segment(t, code, layer, 0, 5)
            Assignment.objects.create(layer=layer, transcript=t)
    return groups, waves


def test_it_shows_the_grid_counts_and_coder_progress(study, owner, coder, owner_client):
    groups, waves = populate(study, coder, 4)
    factories.make_transcript(study, title="Focus group")  # no participant, wave or coding
    response = owner_client.get(reverse("studies:study_dashboard", args=[study.pk]))
    assert response.status_code == 200
    d = response.context["d"]
    assert [t.title for t in d.unassigned] == ["Focus group"]
    # P000: T1 T2 T3; P001: T1 T2 -; P002: T1 - T3; P003: - T2 T3
    assert d.total == 10
    assert d.totals == [3, 3, 3]
    assert [g.name for g in d.grids] == ["Peer support workers", "Service users"]
    assert [g.counts for g in d.grids] == [[2, 1, 2], [1, 2, 1]]
    row = d.grids[1].rows[0]
    assert row.participant.pseudonym == "P001"
    assert [len(c) for c in row.cells] == [1, 1, 0]
    assert [(c.label, c.coded, c.done) for c in d.coders] == [("bob", 9, 0)]
    assert "not interviewed" in response.text


@pytest.mark.parametrize("n", [3, 30])
def test_its_query_count_does_not_grow_with_the_study(
    study, owner, coder, owner_client, n, django_assert_max_num_queries
):
    populate(study, coder, n)
    url = reverse("studies:study_dashboard", args=[study.pk])
    # session, user, membership+study, waves, groups, participants, transcripts, layers,
    # segment counts, done counts, needs review, assignments, my segments per transcript
    # (+ savepoints on some backends)
    with django_assert_max_num_queries(14):
        response = owner_client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("n", [2, 20])
def test_the_study_list_runs_constant_queries(
    owner, owner_client, n, django_assert_max_num_queries
):
    for i in range(n):
        s = factories.make_study(name=f"S{i}")
        factories.add_member(s, owner, "coder")
        factories.make_transcript(s)
    # session, user, studies with counts
    with django_assert_max_num_queries(4):
        response = owner_client.get(reverse("studies:study_list"))
    assert response.status_code == 200
    assert response.text.count("study-card") == n + 1


def test_blind_coders_see_only_their_own_progress(study, owner, coder, coder2, coder_client):
    populate(study, coder, 2)
    factories.make_layer(study, coder2)
    study.blind_coding = True
    study.save()
    response = coder_client.get(reverse("studies:study_dashboard", args=[study.pk]))
    assert [c.label for c in response.context["d"].coders] == ["bob"]
    assert "erin" not in response.text


def test_grid_cells_escape_titles(study, owner, owner_client):
    group = factories.make_group(study, name="G")
    wave = factories.make_wave(study, name="T1")
    p = factories.make_participant(study, pseudonym="P1", group=group)
    factories.make_transcript(study, title='<script>alert("x")</script>', participant=p, wave=wave)
    html = owner_client.get(reverse("studies:study_dashboard", args=[study.pk])).text
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_a_coder_sees_their_assignments_with_done_and_segments(
    study, owner, coder, coder2, coder_client
):
    group = factories.make_group(study, name="G")
    wave = factories.make_wave(study, name="T1")
    code = factories.make_code(study)
    bob, erin = factories.make_layer(study, coder), factories.make_layer(study, coder2)
    titles = []
    for i in range(3):
        p = factories.make_participant(study, pseudonym=f"Q{i}", group=group)
        t = factories.make_transcript(study, title=f"Q{i} T1", participant=p, wave=wave)
        titles.append(t.title)
        if i < 2:
            Assignment.objects.create(
                layer=bob, transcript=t, done_at=None if i else timezone.now()
            )
        for start in range(i):
            factories.make_segment(t, code, bob, start, start + 3)
        Assignment.objects.create(layer=erin, transcript=t)
    study.blind_coding = True
    study.save()
    response = coder_client.get(reverse("studies:study_dashboard", args=[study.pk]))
    mine = [(m.transcript.title, m.done, m.segments) for m in response.context["d"].mine]
    assert mine == [("Q1 T1", False, 1), ("Q0 T1", True, 0)]
    assert "My assignments" in response.text
    assert response.context["d"].by_cell == []  # blind: not who else is assigned
    assert "Assignments by group and wave" not in response.text


def test_the_owner_sees_assignments_and_completion_per_cell(
    study, owner, coder, coder2, owner_client
):
    groups, waves = populate(study, coder, 4)  # bob is assigned every transcript
    erin = factories.make_layer(study, coder2)
    first = study.transcripts.filter(participant__group=groups[0], wave=waves[0]).first()
    Assignment.objects.create(layer=erin, transcript=first, done_at=timezone.now())
    response = owner_client.get(reverse("studies:study_dashboard", args=[study.pk]))
    rows = response.context["d"].by_cell
    cell = rows[0].cells[0]
    # Workers at T1: P000 and P002, both assigned to bob, one also to erin (done).
    assert (cell.transcripts, cell.assigned, cell.double, cell.assignments, cell.done) == (
        2, 2, 1, 3, 1,
    )  # fmt: skip
    assert [c.transcripts for c in rows[1].cells] == [1, 2, 1]
    assert "1 double" in response.text
