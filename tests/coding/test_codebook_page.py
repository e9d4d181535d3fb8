from __future__ import annotations

import re

import pytest
from django.urls import reverse

from coding.models import AuditEvent, Code
from tests import factories


def codebook_url(study, **query) -> str:
    url = reverse("coding:codebook", args=[study.pk])
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def detail_url(code) -> str:
    return reverse("coding:code_detail", args=[code.study_id, code.pk])


def create_url(study) -> str:
    return reverse("coding:code_create", args=[study.pk])


HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def tree(study):
    stigma = factories.make_code(study, name="Stigma", description="Being marked as different.")
    shame = factories.make_code(study, name="Shame", parent=stigma)
    role = factories.make_code(study, name="Role clarity", position=1)
    return {"stigma": stigma, "shame": shame, "role": role}


@pytest.fixture
def transcript(study):
    return factories.make_transcript(study)


def code_spans(study, code, layer, transcript, count):
    for i in range(count):
        factories.make_segment(transcript, code, layer, i, i + 3)


# --- the page ------------------------------------------------------------------------------


def test_it_shows_the_tree_to_every_member(persona_clients, study, tree):
    for persona in ("owner", "coder", "viewer"):
        response = persona_clients[persona].get(codebook_url(study))
        assert response.status_code == 200
        html = response.content.decode()
        assert "<html" in html
        assert html.index("Stigma") < html.index("Shame") < html.index("Role clarity")


def test_it_hides_the_study_from_an_outsider(outsider_client, study, tree):
    assert outsider_client.get(codebook_url(study)).status_code == 404
    assert outsider_client.get(detail_url(tree["shame"])).status_code == 404


def test_it_says_what_to_do_when_there_are_no_codes(owner_client, viewer_client, study):
    assert "No codes yet: add one below" in owner_client.get(codebook_url(study)).content.decode()
    assert "ask the PI" in viewer_client.get(codebook_url(study)).content.decode()


def test_it_gives_move_controls_only_to_owners(persona_clients, study, tree):
    owner_html = persona_clients["owner"].get(codebook_url(study)).content.decode()
    assert f'id="cb-up-{tree["shame"].pk}"' in owner_html
    assert "Import a codebook CSV" in owner_html
    for persona in ("coder", "viewer"):
        html = persona_clients[persona].get(codebook_url(study)).content.decode()
        assert "cb-up-" not in html
        assert "draggable" not in html
        assert "Import a codebook CSV" not in html


def test_it_shows_the_create_form_to_coders_only_when_the_study_allows(
    coder_client, viewer_client, study, tree
):
    assert "Add a code" in coder_client.get(codebook_url(study)).content.decode()
    assert "Add a code" not in viewer_client.get(codebook_url(study)).content.decode()
    study.coders_may_create_codes = False
    study.save()
    assert "Add a code" not in coder_client.get(codebook_url(study)).content.decode()


def test_it_returns_only_the_tree_fragment_for_htmx(owner_client, study, tree):
    response = owner_client.get(codebook_url(study), **HTMX)
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="code-tree"')
    assert "Shame" in html


def test_it_filters_by_every_word_of_the_path_and_keeps_ancestors(owner_client, study, tree):
    response = owner_client.get(codebook_url(study, q="stig%20sha"), **HTMX)
    html = response.content.decode()
    assert "1 of 3 codes match" in html
    assert "Shame" in html
    assert "Stigma" in html  # the ancestor, for context
    assert "is-context" in html
    assert "Role clarity" not in html


def test_it_says_so_when_nothing_matches_the_filter(owner_client, study, tree):
    html = owner_client.get(codebook_url(study, q="zzz")).content.decode()
    assert 'No code matches “<span translate="no">zzz</span>”' in html


def test_it_counts_segments_mine_and_in_all_layers(
    coder_client, study, tree, coder, coder2, transcript
):
    code_spans(study, tree["shame"], factories.make_layer(study, coder), transcript, 2)
    code_spans(study, tree["shame"], factories.make_layer(study, coder2), transcript, 3)
    code_spans(study, tree["shame"], factories.make_layer(study), transcript, 1)  # consensus
    html = coder_client.get(codebook_url(study)).content.decode()
    assert "2 of your segments, 6 in all layers" in html


def test_a_blind_coder_sees_only_their_own_counts(
    coder_client, study, tree, coder, coder2, transcript
):
    study.blind_coding = True
    study.save()
    code_spans(study, tree["shame"], factories.make_layer(study, coder), transcript, 2)
    code_spans(study, tree["shame"], factories.make_layer(study, coder2), transcript, 3)
    code_spans(study, tree["shame"], factories.make_layer(study), transcript, 4)
    html = coder_client.get(codebook_url(study)).content.decode()
    assert "2 of your segments" in html
    assert "in all layers" not in html
    assert ">2 / " not in html
    assert "blind coding hides other coders" in html
    detail = coder_client.get(detail_url(tree["shame"]), **HTMX).content.decode()
    assert "2 segments yours" in detail
    assert "all layers" not in detail


def test_the_owner_of_a_blind_study_sees_every_layer(
    owner_client, study, tree, coder, coder2, transcript
):
    study.blind_coding = True
    study.save()
    code_spans(study, tree["shame"], factories.make_layer(study, coder), transcript, 2)
    code_spans(study, tree["shame"], factories.make_layer(study, coder2), transcript, 3)
    html = owner_client.get(codebook_url(study)).content.decode()
    assert "0 of your segments, 5 in all layers" in html


def make_codebook(study, n: int) -> None:
    """``n`` codes in three levels (roots, children, grandchildren)."""
    roots = [
        factories.make_code(study, name=f"Theme {i}", position=i) for i in range(max(1, n // 6))
    ]
    made = len(roots)
    parents = list(roots)
    while made < n:
        parent = parents[made % len(parents)]
        child = factories.make_code(study, name=f"Sub {made}", parent=parent, position=made)
        if child.parent.parent_id is None:
            parents.append(child)
        made += 1


@pytest.mark.parametrize("n", [5, 60])
def test_the_page_runs_a_constant_number_of_queries(
    n, owner_client, study, owner, coder, transcript, django_assert_max_num_queries
):
    make_codebook(study, n)
    layer = factories.make_layer(study, coder)
    for i, code in enumerate(Code.objects.filter(study=study)):
        factories.make_segment(transcript, code, layer, i % 50, i % 50 + 2)
    # 1 session, 2 user, 3 membership with its study, 4 the whole codebook, 5 the counts
    # (one aggregate, the visible layers as a subquery).
    with django_assert_max_num_queries(5):
        response = owner_client.get(codebook_url(study))
    assert response.status_code == 200
    selected = Code.objects.filter(study=study).last()
    # The same, plus 6 the selected code checked against the study.
    with django_assert_max_num_queries(6):
        response = owner_client.get(detail_url(selected))
    assert response.status_code == 200


# --- the detail panel ---------------------------------------------------------------------


def test_the_detail_panel_shows_the_definition(viewer_client, study, tree):
    response = viewer_client.get(detail_url(tree["stigma"]), **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="code-detail"')
    assert "Being marked as different." in html
    assert "Edit name" not in html  # viewers get no forms


def test_the_detail_url_without_htmx_is_the_whole_page(owner_client, study, tree):
    html = owner_client.get(detail_url(tree["shame"])).content.decode()
    assert "<html" in html
    assert 'Under <span translate="no">Stigma' in html
    assert "Merge into another code" in html


def test_the_detail_panel_refuses_a_code_of_another_study(owner_client, study):
    other = factories.make_code(factories.make_study())
    url = reverse("coding:code_detail", args=[study.pk, other.pk])
    assert owner_client.get(url).status_code == 404


def test_the_detail_panel_warns_about_a_pale_colour(owner_client, study):
    code = factories.make_code(study, name="Pale", color="#F0E442")
    html = owner_client.get(detail_url(code), **HTMX).content.decode()
    assert "Pale on white" in html


# --- creating codes ------------------------------------------------------------------------


def test_an_owner_creates_a_code_under_a_parent(owner_client, study, tree):
    response = owner_client.post(
        create_url(study),
        {
            "name": "Internalised",
            "parent": tree["stigma"].pk,
            "color": "#009e73",
            "description": "Turning stigma on oneself.",
        },
    )
    code = Code.objects.get(name="Internalised")
    assert response.status_code == 302
    assert response["Location"].startswith(detail_url(code))
    assert code.parent == tree["stigma"]
    assert code.color == "#009E73"
    assert code.position == 1
    assert AuditEvent.objects.filter(action="code.create", object_id=code.pk).exists()


def test_creating_with_htmx_returns_the_form_and_the_tree_out_of_band(owner_client, study, tree):
    response = owner_client.post(
        create_url(study), {"name": "Hope", "parent": "", "color": "#0072B2"}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="code-create"')
    assert '<div id="code-tree" class="cb-tree" hx-swap-oob="true">' in html
    assert "Created “Hope”." in html
    assert "<html" not in html


def test_a_coder_may_create_codes_when_the_study_allows(coder_client, study, tree):
    response = coder_client.post(create_url(study), {"name": "Hope", "color": "#0072B2"})
    assert response.status_code == 302
    assert Code.objects.filter(study=study, name="Hope").exists()


def test_a_coder_may_not_create_codes_when_the_study_forbids(coder_client, study):
    study.coders_may_create_codes = False
    study.save()
    response = coder_client.post(create_url(study), {"name": "Hope", "color": "#0072B2"})
    assert response.status_code == 403
    assert not Code.objects.filter(name="Hope").exists()


def test_a_viewer_may_not_create_codes(viewer_client, study):
    response = viewer_client.post(create_url(study), {"name": "Hope", "color": "#0072B2"})
    assert response.status_code == 403


def test_an_outsider_cannot_create_codes(outsider_client, study):
    response = outsider_client.post(create_url(study), {"name": "Hope", "color": "#0072B2"})
    assert response.status_code == 404


def test_it_refuses_a_duplicate_sibling_name_with_the_form_again(owner_client, study, tree):
    response = owner_client.post(
        create_url(study),
        {"name": "shame", "parent": tree["stigma"].pk, "color": "#0072B2"},
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "already exists under “Stigma”" in html
    assert 'role="alert"' in html
    assert Code.objects.filter(study=study, name__iexact="shame").count() == 1


def test_it_refuses_a_colour_that_is_not_rrggbb(owner_client, study):
    response = owner_client.post(create_url(study), {"name": "Hope", "color": "red"})
    assert response.status_code == 200
    assert "#RRGGBB" in response.content.decode()
    assert not Code.objects.filter(name="Hope").exists()


def test_it_refuses_a_parent_from_another_study(owner_client, study):
    foreign = factories.make_code(factories.make_study(), name="Foreign")
    response = owner_client.post(
        create_url(study), {"name": "Hope", "parent": foreign.pk, "color": "#0072B2"}
    )
    assert response.status_code == 200
    assert not Code.objects.filter(name="Hope").exists()


def test_the_study_tabs_link_to_the_codebook(viewer_client, study):
    html = viewer_client.get(reverse("studies:study_dashboard", args=[study.pk])).content.decode()
    assert codebook_url(study) in html


def _selected_parent(html: str) -> str:
    select = re.search(
        r'<select name="parent"[^>]*id="create_parent"[^>]*>(.*?)</select>', html, re.S
    )
    chosen = re.search(r'<option value="([^"]*)"[^>]*selected', select.group(1))
    return chosen.group(1) if chosen else ""


def test_after_adding_a_code_the_form_is_ready_for_a_sibling(owner_client, study, tree):
    # MAXQDA/NVivo users add a run of codes at one level: the next one goes beside the last.
    stigma = tree["stigma"]
    html = owner_client.post(
        create_url(study), {"name": "Blame", "parent": stigma.pk, "color": "#009E73"}, **HTMX
    ).text
    blame = Code.objects.get(name="Blame")
    assert _selected_parent(html) == str(stigma.pk)  # under Stigma again, not under Blame
    assert re.search(r'<input[^>]*name="name"[^>]*autofocus', html)
    assert 'value="Blame"' not in html.split('id="code-create"')[1].split("</section>")[0]
    assert "Next code goes under “Stigma”" in html
    owner_client.post(
        create_url(study), {"name": "Fear", "parent": _selected_parent(html), "color": "#009E73"}
    )
    assert Code.objects.get(name="Fear").parent == blame.parent == stigma


def test_after_adding_a_top_level_code_the_form_stays_at_the_top_level(owner_client, study, tree):
    html = owner_client.post(
        create_url(study), {"name": "Hope", "parent": "", "color": "#009E73"}, **HTMX
    ).text
    assert _selected_parent(html) == ""
    assert "Next code goes at the top level" in html


def test_without_htmx_the_page_after_adding_keeps_the_parent(owner_client, study, tree):
    response = owner_client.post(
        create_url(study), {"name": "Blame", "parent": tree["stigma"].pk, "color": "#009E73"}
    )
    assert response.status_code == 302
    page = owner_client.get(response["Location"]).text
    assert _selected_parent(page) == str(tree["stigma"].pk)


def test_a_superscript_digit_as_the_parent_to_add_under_is_ignored(owner_client, study, tree):
    # "²".isdigit() is true but int("²") raises: the panel opens without a parent set.
    response = owner_client.get(detail_url(tree["shame"]) + "?under=²")
    assert response.status_code == 200
    assert 'Under <span translate="no">Stigma' in response.content.decode()
