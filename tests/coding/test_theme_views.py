"""The theme board and a theme's page through the browser's forms: who may do what, the
reasons asked for, and what is stored."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coding.models import Theme, ThemeEvent
from coding.themes import services
from tests import factories


@pytest.fixture
def themes(study, owner):
    codes = [
        factories.make_code(study, name=n, color=c)
        for n, c in (("Role", "#E69F00"), ("Trust", "#009E73"), ("Money", "#CC79A7"))
    ]
    a = services.theme_create(
        study=study, actor=owner, name="Belonging", concept="Part of the team", codes=codes
    )
    b = services.theme_create(study=study, actor=owner, name="Support", codes=[codes[1]])
    return codes, a, b


def test_the_board_shows_cards_by_status_with_their_code_chips(study, themes, viewer_client):
    codes, a, _ = themes
    page = viewer_client.get(reverse("coding:theme_board", args=[study.pk])).content.decode()
    assert "Belonging" in page and "Part of the team" in page
    assert "#E69F00" in page  # the chip's codebook colour
    assert "New candidate theme" not in page  # viewers read


def test_a_coder_creates_a_theme_from_codes(study, themes, coder_client, coder):
    codes, _, _ = themes
    response = coder_client.post(
        reverse("coding:theme_create", args=[study.pk]),
        {"name": "Learning the role", "concept": "Roles are learnt", "codes": [codes[0].pk]},
    )
    theme = Theme.objects.get(name="Learning the role")
    assert response.status_code == 302
    assert theme.created_by == coder and list(theme.codes.all()) == [codes[0]]
    assert theme.events.get().kind == "created"


def test_an_edit_without_a_reason_is_shown_again_with_an_error(study, themes, owner_client):
    _, a, _ = themes
    url = reverse("coding:theme_update", args=[study.pk, a.pk])
    response = owner_client.post(url, {"name": "Renamed", "concept": "", "reason": ""})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    a.refresh_from_db()
    assert a.name == "Belonging"
    response = owner_client.post(url, {"name": "Renamed", "concept": "", "reason": "Clearer"})
    assert response.status_code == 302
    assert ThemeEvent.objects.filter(theme=a, kind="renamed", reason="Clearer").exists()


def test_split_and_merge_through_the_forms(study, themes, owner_client):
    codes, a, b = themes
    response = owner_client.post(
        reverse("coding:theme_split", args=[study.pk, a.pk]),
        {"name_1": "Money matters", "codes_1": [codes[2].pk], "reason": "Different story"},
    )
    assert response.status_code == 302
    new = Theme.objects.get(name="Money matters")
    assert list(new.codes.all()) == [codes[2]]
    response = owner_client.post(
        reverse("coding:theme_merge", args=[study.pk]),
        {"target": a.pk, "others": [b.pk], "reason": "Support is part of belonging"},
    )
    assert response.status_code == 302
    b.refresh_from_db()
    assert b.status == "discarded"
    page = owner_client.get(reverse("coding:theme_detail", args=[study.pk, a.pk])).content.decode()
    assert "Split: “Money matters” took codes" in page
    assert "Merged in “Support”" in page
    assert "Support is part of belonging" in page


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("theme_update", {"name": "X", "reason": "r"}),
        ("theme_status", {"status": "final", "reason": "r"}),
        ("theme_codes", {"codes": [], "reason": "r"}),
        ("theme_through_line", {"through_line": "x"}),
        ("theme_split", {"name_1": "x", "reason": "r"}),
    ],
)
def test_viewers_and_outsiders_are_refused(
    study, themes, viewer_client, outsider_client, name, data
):
    _, a, _ = themes
    url = reverse(f"coding:{name}", args=[study.pk, a.pk])
    assert viewer_client.post(url, data).status_code == 403
    assert outsider_client.post(url, data).status_code == 404
    assert ThemeEvent.objects.filter(theme=a).count() == 1


def test_another_studys_theme_is_a_404(study, themes, owner_client, owner):
    other = factories.make_study()
    factories.add_member(other, owner, "owner")
    _, a, _ = themes
    url = reverse("coding:theme_detail", args=[other.pk, a.pk])
    assert owner_client.get(url).status_code == 404


def test_the_board_takes_a_fixed_number_of_queries(
    study, themes, owner, owner_client, django_assert_max_num_queries
):
    url = reverse("coding:theme_board", args=[study.pk])
    owner_client.get(url)
    # session, user, membership; layers, coverage; codebook; themes + codes; frame 4;
    # segment pairs; journal links; the two forms' choices (codes, themes x2)
    with django_assert_max_num_queries(20) as before:
        owner_client.get(url)
    for i in range(5):
        services.theme_create(study=study, actor=owner, name=f"More {i}", codes=themes[0][:2])
    with django_assert_max_num_queries(len(before.captured_queries)):
        owner_client.get(url)


def test_a_blind_coder_sees_prevalence_from_their_own_layer_only(
    study, themes, coder, coder2, coder_client
):
    codes, a, _ = themes
    group = factories.make_group(study, name="PSW")
    wave = factories.make_wave(study, name="T1")
    people = [factories.make_participant(study, pseudonym=f"P{i}", group=group) for i in range(3)]
    ts = [factories.make_transcript(study, participant=p, wave=wave) for p in people]
    mine, theirs, consensus = (
        factories.make_layer(study, user=coder),
        factories.make_layer(study, user=coder2),
        factories.make_layer(study),
    )
    factories.make_segment(ts[0], codes[0], mine, 0, 4)
    for t in ts:
        factories.make_segment(t, codes[1], theirs, 0, 4)
        factories.make_segment(t, codes[1], consensus, 0, 4)
    study.blind_coding = True
    study.save()
    url = reverse("coding:theme_detail", args=[study.pk, a.pk])
    for query in ("", "?layer=consensus", "?layer=union", "?layer=erin"):
        page = coder_client.get(url + query).content.decode()
        assert "1/3 · 33%" in page, query  # bob's own coding only
        assert "3/3" not in page
    assert "There is no layer" in coder_client.get(url + "?layer=consensus").content.decode()


def test_the_theme_page_takes_a_fixed_number_of_queries(
    study, themes, owner, owner_client, django_assert_max_num_queries
):
    codes, a, _ = themes
    url = reverse("coding:theme_detail", args=[study.pk, a.pk])
    # One journal entry first, so that its prefetches (skipped for none) are counted.
    services.journal_entry_create(study=study, author=owner, body="first", shared=True, themes=[a])
    owner_client.get(url)
    # session, user, membership; theme; layers, coverage; codebook; theme + codes; frame 4;
    # segment pairs; events + related; entries + 3 prefetches; the forms' code choices
    with django_assert_max_num_queries(40) as before:
        owner_client.get(url)
    for i in range(4):
        services.theme_set_status(
            theme=a, actor=owner, status=["reviewed", "final"][i % 2], reason=f"r{i}"
        )
        services.journal_entry_create(study=study, author=owner, body="x", shared=True, themes=[a])
    services.theme_split(
        theme=a, actor=owner, parts=[{"name": "Part", "codes": [codes[2]]}], reason="r"
    )
    with django_assert_max_num_queries(len(before.captured_queries)):
        owner_client.get(url)
