"""The Assignments page: the grid's ticks, the bulk form, unassigning, and the sampler's
preview and apply, checked against the database."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coding.assignments import sampler
from coding.models import Assignment, AuditEvent, Layer, SamplerDraw
from tests import factories


def design(study, per_cell=3):
    """2 groups x 2 waves, ``per_cell`` transcripts each (one participant per transcript)."""
    groups = [factories.make_group(study, name=n) for n in ("Workers", "Users")]
    waves = [factories.make_wave(study, name=n) for n in ("T1", "T2")]
    out = {}
    for g in groups:
        for w in waves:
            for i in range(per_cell):
                p = factories.make_participant(study, pseudonym=f"{g.name[0]}{w.name}{i}", group=g)
                out.setdefault((g.pk, w.pk), []).append(
                    factories.make_transcript(
                        study, title=f"{g.name} {w.name} {i}", participant=p, wave=w
                    )
                )
    return groups, waves, out


def pairs(study):
    return set(
        Assignment.objects.filter(layer__study=study).values_list(
            "transcript__title", "layer__user__username"
        )
    )


def url(study, name="assignments"):
    return reverse(f"coding:{name}", args=[study.pk])


def test_owner_ticks_are_stored_and_untick_removes(study, owner, coder, coder2, owner_client):
    _, _, cells = design(study, per_cell=1)
    t1, t2 = [ts[0] for ts in list(cells.values())[:2]]
    shown = [t1.pk, t2.pk]
    response = owner_client.post(
        url(study), {"shown": shown, "a": [f"{t1.pk}:{coder.pk}", f"{t2.pk}:{coder2.pk}"]}
    )
    assert response.status_code == 302
    assert pairs(study) == {(t1.title, "bob"), (t2.title, "erin")}
    owner_client.post(url(study), {"shown": shown, "a": [f"{t2.pk}:{coder2.pk}"]})
    assert pairs(study) == {(t2.title, "erin")}
    assert AuditEvent.objects.filter(study=study, action="assignment.update").count() == 2


def test_rows_not_shown_keep_their_assignments(study, owner, coder, owner_client):
    _, _, cells = design(study, per_cell=1)
    t1, t2 = [ts[0] for ts in list(cells.values())[:2]]
    owner_client.post(url(study), {"shown": [t1.pk, t2.pk], "a": [f"{t1.pk}:{coder.pk}"]})
    owner_client.post(url(study), {"shown": [t2.pk], "a": []})  # a filtered page
    assert pairs(study) == {(t1.title, "bob")}


def test_unassigning_a_coded_transcript_is_refused_with_the_count(
    study, owner, coder, owner_client
):
    _, _, cells = design(study, per_cell=1)
    t = next(iter(cells.values()))[0]
    layer = factories.make_layer(study, coder)
    Assignment.objects.create(layer=layer, transcript=t)
    code = factories.make_code(study)
    for start in (0, 20, 40):
        factories.make_segment(t, code, layer, start, start + 5)
    response = owner_client.post(url(study), {"shown": [t.pk], "a": []}, follow=True)
    assert pairs(study) == {(t.title, "bob")}
    assert layer.segments.count() == 3
    assert f"Kept bob on “{t.title}”: 3 segments coded there" in response.text


def test_bulk_assigns_a_group_and_wave_to_a_coder(study, owner, coder, owner_client):
    groups, waves, cells = design(study)
    response = owner_client.post(
        url(study, "assignments_bulk"),
        {"group": groups[1].pk, "wave": waves[0].pk, "coder": coder.pk},
        follow=True,
    )
    expected = {(t.title, "bob") for t in cells[(groups[1].pk, waves[0].pk)]}
    assert pairs(study) == expected
    assert "Assigned 3 transcripts to bob" in response.text


def test_bulk_refuses_a_viewer_as_coder(study, owner, viewer, owner_client):
    design(study, per_cell=1)
    owner_client.post(url(study, "assignments_bulk"), {"coder": viewer.pk})
    assert not Assignment.objects.exists()


def sample_query(coder, coder2, **extra):
    return {"percent": 25, "coder_a": coder.pk, "coder_b": coder2.pk, "seed": 9, **extra}


def test_the_preview_writes_nothing_and_names_what_apply_assigns(
    study, owner, coder, coder2, owner_client
):
    groups, waves, cells = design(study, per_cell=5)
    query = sample_query(coder, coder2)
    response = owner_client.get(url(study, "assignments_sample"), query)
    assert response.status_code == 200
    assert not Assignment.objects.exists() and not SamplerDraw.objects.exists()
    assert not Layer.objects.filter(study=study).exists()  # no layer made by reading
    previewed = response.context["drawn"].chosen
    owner_client.post(url(study, "assignments_sample"), query)
    draw = SamplerDraw.objects.get()
    assert draw.transcript_ids == previewed
    # An independent draw from the documented algorithm gives the same transcripts.
    plain = {key: [t.pk for t in ts] for key, ts in cells.items()}
    assert previewed == sampler.draw(plain, percent=25, seed=9).chosen
    # Both coders have every transcript drawn, each cell has at least one.
    for user in ("bob", "erin"):
        assert sorted(
            Assignment.objects.filter(layer__user__username=user).values_list(
                "transcript_id", flat=True
            )
        ) == sorted(previewed)
    for ts in cells.values():
        assert {t.pk for t in ts} & set(previewed)
    assert draw.seed == 9 and draw.created_by == owner
    assert draw.params["coders"] == ["bob", "erin"] and draw.params["percent"] == 25
    event = AuditEvent.objects.get(action="sampler.draw")
    assert event.after["transcript_ids"] == previewed and event.object_id == draw.pk


def test_the_sampler_refuses_one_coder_twice_and_no_size(study, owner, coder, coder2, owner_client):
    design(study)
    response = owner_client.post(
        url(study, "assignments_sample"), sample_query(coder, coder, percent="")
    )
    assert response.status_code == 200
    assert "Give a percentage or a number" in response.text
    assert "Choose two different coders" in response.text
    assert not Assignment.objects.exists()


@pytest.mark.parametrize("persona", ["coder", "viewer"])
def test_members_who_are_not_owners_cannot_assign(
    study, owner, coder, coder2, viewer, persona, persona_clients
):
    _, _, cells = design(study, per_cell=1)
    t = next(iter(cells.values()))[0]
    client = persona_clients[persona]
    assert (
        client.post(url(study), {"shown": [t.pk], "a": [f"{t.pk}:{coder.pk}"]}).status_code == 403
    )
    assert client.post(url(study, "assignments_bulk"), {"coder": coder.pk}).status_code == 403
    sample = url(study, "assignments_sample")
    assert client.post(sample, sample_query(coder, coder2)).status_code == 403
    assert client.get(sample).status_code == 403
    assert not Assignment.objects.exists()


def test_outsiders_get_404(study, owner, coder, outsider_client):
    assert outsider_client.get(url(study)).status_code == 404
    assert outsider_client.post(url(study), {}).status_code == 404


def test_a_blind_coder_sees_only_their_own_column(study, owner, coder, coder2, coder_client):
    _, _, cells = design(study, per_cell=1)
    t = next(iter(cells.values()))[0]
    for user in (coder, coder2):
        Assignment.objects.create(layer=factories.make_layer(study, user), transcript=t)
    study.blind_coding = True
    study.save()
    response = coder_client.get(url(study))
    assert [c.username for c in response.context["grid"].columns] == ["bob"]
    assert "erin" not in response.text
    assert 'name="a"' not in response.text  # read-only


def test_the_viewer_reads_every_column(study, owner, coder, coder2, viewer, viewer_client):
    design(study, per_cell=1)
    response = viewer_client.get(url(study))
    assert [c.username for c in response.context["grid"].columns] == ["bob", "erin", "alice"]
    assert 'name="a"' not in response.text


@pytest.mark.parametrize("per_cell", [1, 8])
def test_the_grid_runs_constant_queries(
    study, owner, coder, coder2, owner_client, per_cell, django_assert_max_num_queries
):
    _, _, cells = design(study, per_cell=per_cell)
    code = factories.make_code(study)
    for ts in cells.values():
        for t in ts:
            for user in (coder, coder2):
                layer = factories.make_layer(study, user)
                Assignment.objects.create(layer=layer, transcript=t)
                factories.make_segment(t, code, layer, 0, 4)
    # session, user, membership+study, filter groups, filter waves, members, layers,
    # transcripts, assignments, segment counts, grid groups, grid waves, bulk groups,
    # bulk waves, draws (+ savepoints)
    with django_assert_max_num_queries(17):
        response = owner_client.get(url(study))
    assert response.status_code == 200
    assert response.context["grid"].assigned == 2 * 4 * per_cell


def test_the_sampler_can_be_limited_to_a_wave(study, owner, coder, coder2, owner_client):
    groups, waves, cells = design(study, per_cell=4)
    query = sample_query(coder, coder2, percent=50, wave=[waves[1].pk])
    owner_client.post(url(study, "assignments_sample"), query)
    draw = SamplerDraw.objects.get()
    t2 = {t.pk for g in groups for t in cells[(g.pk, waves[1].pk)]}
    assert set(draw.transcript_ids) <= t2
    for g in groups:  # half of each T2 cell, none of T1
        assert len({t.pk for t in cells[(g.pk, waves[1].pk)]} & set(draw.transcript_ids)) == 2
    assert draw.params["waves"] == [waves[1].pk]
