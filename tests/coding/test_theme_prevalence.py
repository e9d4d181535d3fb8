"""Theme prevalence across group x wave against counts made from the raw segments."""

from __future__ import annotations

import pytest

from coding.compare.layers import layer_choice
from coding.models import Code, LayerKind, Segment
from coding.themes import selectors, services
from studies.access import study_access
from studies.models import Role
from tests import factories


def _code_and_ancestors(code_id: int, parents: dict[int, int | None]) -> set[int]:
    out = set()
    while code_id is not None:
        out.add(code_id)
        code_id = parents[code_id]
    return out


def _expected(study, theme_code_ids: set[int], layer_ids: set[int]):
    """(group, wave) -> (participants with the theme, participants interviewed), by hand:
    every segment of the layers whose code or one of its ancestors feeds the theme."""
    parents = dict(Code.objects.filter(study=study).values_list("pk", "parent_id"))
    interviewed: dict[tuple[int, int], set[int]] = {}
    for t in study.transcripts.select_related("participant"):
        if t.participant and t.participant.group_id and t.wave_id:
            key = (t.participant.group_id, t.wave_id)
            interviewed.setdefault(key, set()).add(t.participant_id)
    present: dict[tuple[int, int], set[int]] = {}
    for s in Segment.objects.filter(layer_id__in=layer_ids).select_related(
        "transcript__participant"
    ):
        t = s.transcript
        if not (t.participant and t.participant.group_id and t.wave_id):
            continue
        if _code_and_ancestors(s.code_id, parents) & theme_code_ids:
            present.setdefault((t.participant.group_id, t.wave_id), set()).add(t.participant_id)
    return {k: (len(present.get(k, ())), len(v)) for k, v in interviewed.items()}


@pytest.fixture
def study_setup(db):
    study = factories.make_study(name="Prevalence")
    owner, coder, other = (factories.make_user() for _ in range(3))
    factories.add_member(study, owner, Role.OWNER)
    factories.add_member(study, coder, Role.CODER)
    factories.add_member(study, other, Role.CODER)
    psw = factories.make_group(study, name="PSW", position=0)
    staff = factories.make_group(study, name="Staff", position=1)
    waves = [factories.make_wave(study, name=f"T{i}", position=i) for i in (1, 2, 3)]
    parent = factories.make_code(study, name="Role")
    child = factories.make_code(study, name="Role confusion", parent=parent)
    trust = factories.make_code(study, name="Trust")
    other_code = factories.make_code(study, name="Money")
    consensus = factories.make_layer(study)
    mine = factories.make_layer(study, user=coder)
    theirs = factories.make_layer(study, user=other)
    # 4 PSW and 3 staff; PSW03 missed T2, staff S3 missed T3.
    people = {}
    for name, group in [
        ("PSW01", psw),
        ("PSW02", psw),
        ("PSW03", psw),
        ("PSW04", psw),
        ("S1", staff),
        ("S2", staff),
        ("S3", staff),
    ]:
        people[name] = factories.make_participant(study, pseudonym=name, group=group)
    transcripts = {}
    for name, p in people.items():
        for w in waves:
            if (name, w.name) in (("PSW03", "T2"), ("S3", "T3")):
                continue
            transcripts[name, w.name] = factories.make_transcript(
                study, participant=p, wave=w, title=f"{name} {w.name}"
            )
    # An unplaced transcript: coded, but in no cell.
    loose = factories.make_transcript(study, title="loose")
    plan = [
        # (participant, wave, code, layer)
        ("PSW01", "T1", child, consensus),
        ("PSW01", "T3", trust, consensus),
        ("PSW02", "T3", parent, consensus),
        ("PSW02", "T3", child, consensus),  # same participant twice: counts once
        ("PSW03", "T3", trust, consensus),
        ("PSW04", "T1", other_code, consensus),
        ("S1", "T1", child, consensus),
        ("S2", "T2", trust, consensus),
        ("S1", "T2", child, mine),
        ("S2", "T3", child, theirs),
        ("PSW04", "T2", child, theirs),
    ]
    for name, wave, code, layer in plan:
        t = transcripts[name, wave]
        start = t.text.index("我")
        factories.make_segment(t, code, layer, start, start + 3)
    factories.make_segment(loose, child, consensus, 0, 5)
    access = study_access(owner, study.pk)
    theme = services.theme_create(
        study=study,
        actor=owner,
        name="Becoming a colleague",
        concept="From confusion to trust",
        codes=[parent, trust],
    )
    narrow = services.theme_create(study=study, actor=owner, name="Confusion", codes=[child])
    return {
        "study": study,
        "owner": owner,
        "coder": coder,
        "other": other,
        "theme": theme,
        "narrow": narrow,
        "layers": {"consensus": consensus, "mine": mine, "theirs": theirs},
        "groups": (psw, staff),
        "waves": waves,
        "access": access,
    }


def _table(prevalence):
    return {
        (cell.group_id, cell.wave_id): (cell.present, cell.denominator)
        for cell in prevalence.cells
        if cell.denominator
    }


@pytest.mark.parametrize("layer", ["consensus", "union"])
def test_prevalence_matches_a_count_from_the_raw_segments(study_setup, layer):
    s = study_setup
    choice = layer_choice(s["access"], layer)
    for theme in (s["theme"], s["narrow"]):
        prev = selectors.theme_prevalence(s["access"], theme, choice)
        codes = set(theme.codes.values_list("pk", flat=True))
        expected = _expected(s["study"], codes, set(choice.layer_ids))
        assert _table(prev) == expected
    # A hand check of one cell: PSW at T3 in consensus is PSW01 (trust), PSW02 (role),
    # PSW03 (trust) out of 4.
    if layer == "consensus":
        prev = selectors.theme_prevalence(s["access"], s["theme"], choice)
        psw, _ = s["groups"]
        assert _table(prev)[psw.pk, s["waves"][2].pk] == (3, 4)
        assert _table(prev)[psw.pk, s["waves"][1].pk] == (0, 3)  # PSW03 not interviewed


def test_the_change_summary_names_the_numbers(study_setup):
    s = study_setup
    choice = layer_choice(s["access"], "consensus")
    prev = selectors.theme_prevalence(s["access"], s["theme"], choice)
    by_group = {g.group.name: g for g in prev.changes}
    psw = by_group["PSW"]
    kinds = [(step.kind, step.text) for step in psw.steps]
    assert kinds == [
        ("disappears", "1/4 at T1 → 0/3 at T2"),
        ("appears", "0/3 at T2 → 3/4 at T3"),
    ]
    assert psw.overall.text == "1/4 at T1 → 3/4 at T3"
    assert psw.overall.kind == "rises"
    staff = by_group["Staff"]
    # S1 at T1 (1/3), S2 at T2 (1/3), nobody at T3 (0/2): stays, then disappears.
    assert [(st.kind, st.text) for st in staff.steps] == [
        ("stays", "1/3 at T1 → 1/3 at T2"),
        ("disappears", "1/3 at T2 → 0/2 at T3"),
    ]
    assert "PSW: 1/4 at T1 → 3/4 at T3" in prev.summary_lines()


def test_a_blind_coder_is_counted_only_from_their_own_layer(study_setup):
    s = study_setup
    s["study"].blind_coding = True
    s["study"].save()
    access = study_access(s["coder"], s["study"].pk)
    for requested in (None, "consensus", "union"):
        try:
            choice = layer_choice(access, requested)
        except LookupError:
            continue
        assert choice.layer_ids == [s["layers"]["mine"].pk]
        prev = selectors.theme_prevalence(access, s["narrow"], choice)
        expected = _expected(s["study"], {s["narrow"].codes.get().pk}, {s["layers"]["mine"].pk})
        assert _table(prev) == expected
    assert s["layers"]["mine"].kind == LayerKind.CODER


def test_prevalence_takes_a_fixed_number_of_queries(study_setup, django_assert_max_num_queries):
    s = study_setup
    choice = layer_choice(s["access"], "consensus")
    # codebook 1, frame 4, theme codes 1, segment pairs 1
    with django_assert_max_num_queries(7):
        selectors.theme_prevalence(s["access"], s["theme"], choice)


def test_the_api_answers_the_same_counts(study_setup, client):
    s = study_setup
    client.force_login(s["owner"])
    data = client.get(
        f"/api/v1/studies/{s['study'].pk}/themes/{s['theme'].pk}/prevalence?layer=consensus"
    ).json()
    gname = {g.pk: g.name for g in s["groups"]}
    wname = {w.pk: w.name for w in s["waves"]}
    codes = set(s["theme"].codes.values_list("pk", flat=True))
    expected = _expected(s["study"], codes, {s["layers"]["consensus"].pk})
    got = {
        (c["group"], c["wave"]): (c["present"], c["denominator"])
        for c in data["cells"]
        if c["denominator"]
    }
    assert got == {(gname[g], wname[w]): v for (g, w), v in expected.items()}
    psw = next(c for c in data["changes"] if c["group"] == "PSW")
    assert psw["overall"] == {
        "kind": "rises",
        "text": "1/4 at T1 → 3/4 at T3",
        "from_wave": "T1",
        "to_wave": "T3",
    }
    # A blind coder asking for the consensus layer is refused it (404), as on the matrix.
    s["study"].blind_coding = True
    s["study"].save()
    client.force_login(s["coder"])
    url = f"/api/v1/studies/{s['study'].pk}/themes/{s['theme'].pk}/prevalence"
    assert client.get(url + "?layer=consensus").status_code == 404
    assert client.get(url).json()["layer"] == s["coder"].username


def test_the_board_card_names_every_wave(study_setup):
    s = study_setup
    prev = selectors.theme_prevalence(
        s["access"], s["theme"], layer_choice(s["access"], "consensus")
    )
    assert prev.trail_lines() == [
        "PSW: 1/4 at T1 → 0/3 at T2 → 3/4 at T3",
        "Staff: 1/3 at T1 → 1/3 at T2 → 0/2 at T3",
    ]
