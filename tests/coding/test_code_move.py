from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from coding.codebook import selectors as codebook_selectors
from coding.codebook import services as codebook_services
from coding.codebook.views import keyboard_move_target
from coding.models import AuditEvent, Code
from tests import factories

TREE_HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "code-tree"}
DETAIL_HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "code-detail"}


def move_url(code) -> str:
    return reverse("coding:code_move", args=[code.study_id, code.pk])


def outline(study) -> list[str]:
    """The tree as indented names, siblings in order: what a reader sees."""
    return ["  " * n.depth + n.code.name for n in codebook_selectors.codebook(study).walk()]


def positions(study, parent=None) -> list[tuple[str, int]]:
    return list(
        Code.objects.filter(study=study, parent=parent)
        .order_by("position")
        .values_list("name", "position")
    )


@pytest.fixture
def codes(study):
    """Stigma (Shame, Guilt), Role, Hope: positions as a real codebook would have them."""
    stigma = factories.make_code(study, name="Stigma", position=0)
    shame = factories.make_code(study, name="Shame", parent=stigma, position=0)
    guilt = factories.make_code(study, name="Guilt", parent=stigma, position=1)
    role = factories.make_code(study, name="Role", position=1)
    hope = factories.make_code(study, name="Hope", position=2)
    return {"stigma": stigma, "shame": shame, "guilt": guilt, "role": role, "hope": hope}


# --- the service ---------------------------------------------------------------------------


def test_it_reorders_siblings_and_renumbers_them(study, codes, owner):
    codebook_services.code_move(code=codes["hope"], parent=None, position=0, actor=owner)
    assert positions(study) == [("Hope", 0), ("Stigma", 1), ("Role", 2)]


def test_it_moves_a_code_with_its_subtree_under_another_parent(study, codes, owner):
    codebook_services.code_move(
        code=codes["stigma"], parent=codes["role"], position=None, actor=owner
    )
    assert outline(study) == ["Role", "  Stigma", "    Shame", "    Guilt", "Hope"]
    assert positions(study) == [("Role", 0), ("Hope", 1)]


def test_it_moves_a_code_to_the_top_level_at_a_position(study, codes, owner):
    codebook_services.code_move(code=codes["guilt"], parent=None, position=1, actor=owner)
    assert outline(study) == ["Stigma", "  Shame", "Guilt", "Role", "Hope"]


def test_a_position_past_the_end_puts_it_last(study, codes, owner):
    codebook_services.code_move(code=codes["stigma"], parent=None, position=99, actor=owner)
    assert [n for n, _ in positions(study)] == ["Role", "Hope", "Stigma"]


def test_it_records_the_parent_and_positions_before_and_after(study, codes, owner):
    codebook_services.code_move(code=codes["guilt"], parent=codes["role"], actor=owner)
    event = AuditEvent.objects.get(action="code.move")
    assert event.object_id == codes["guilt"].pk
    assert event.before["parent_id"] == codes["stigma"].pk
    assert event.after["parent_id"] == codes["role"].pk
    assert event.before["positions"][str(codes["guilt"].pk)] == 1
    assert event.after["positions"][str(codes["guilt"].pk)] == 0


def test_a_move_to_where_it_already_is_records_nothing(study, codes, owner):
    codebook_services.code_move(code=codes["role"], parent=None, position=1, actor=owner)
    assert not AuditEvent.objects.filter(action="code.move").exists()


def test_it_refuses_to_move_a_code_under_itself(codes, owner):
    with pytest.raises(ValidationError, match="cannot move under itself"):
        codebook_services.code_move(code=codes["stigma"], parent=codes["stigma"], actor=owner)


def test_it_refuses_to_move_a_code_under_its_own_descendant(study, codes, owner):
    with pytest.raises(ValidationError, match="own subcodes"):
        codebook_services.code_move(code=codes["stigma"], parent=codes["shame"], actor=owner)
    assert outline(study) == ["Stigma", "  Shame", "  Guilt", "Role", "Hope"]


def test_it_refuses_a_parent_that_has_a_child_of_the_same_name(study, codes, owner):
    factories.make_code(study, name="shame", parent=codes["role"])
    with pytest.raises(ValidationError) as info:
        codebook_services.code_move(code=codes["shame"], parent=codes["role"], actor=owner)
    assert "A code named “shame” already exists under “Role”" in str(info.value)


def test_it_refuses_a_parent_of_another_study(codes, owner):
    foreign = factories.make_code(factories.make_study())
    with pytest.raises(ValidationError, match="another study"):
        codebook_services.code_move(code=codes["role"], parent=foreign, actor=owner)


def test_it_refuses_an_archived_parent(study, codes, owner):
    Code.objects.filter(pk=codes["hope"].pk).update(archived=True)
    codes["hope"].refresh_from_db()
    with pytest.raises(ValidationError, match="archived"):
        codebook_services.code_move(code=codes["role"], parent=codes["hope"], actor=owner)


def test_it_refuses_to_go_deeper_than_the_depth_limit(study, owner):
    parent = None
    chain = []
    for level in range(codebook_services.CODEBOOK_MAX_DEPTH):
        parent = factories.make_code(study, name=f"Level {level + 1}", parent=parent)
        chain.append(parent)
    loose = factories.make_code(study, name="Loose")
    with pytest.raises(ValidationError, match="at most"):
        codebook_services.code_move(code=loose, parent=chain[-1], actor=owner)
    codebook_services.code_move(code=loose, parent=chain[-2], actor=owner)  # still within the limit


# --- keyboard actions ----------------------------------------------------------------------


def test_up_and_down_swap_with_the_neighbour(study, codes):
    book = codebook_selectors.codebook(study)
    assert keyboard_move_target(book, codes["role"].pk, "up") == (None, 0)
    assert keyboard_move_target(book, codes["role"].pk, "down") == (None, 2)


def test_indent_makes_it_the_last_subcode_of_the_code_above(study, codes):
    book = codebook_selectors.codebook(study)
    assert keyboard_move_target(book, codes["role"].pk, "indent") == (codes["stigma"].pk, None)


def test_outdent_puts_it_right_after_its_parent(study, codes):
    book = codebook_selectors.codebook(study)
    assert keyboard_move_target(book, codes["shame"].pk, "outdent") == (None, 1)


@pytest.mark.parametrize(
    ("name", "action", "message"),
    [
        ("stigma", "up", "already first"),
        ("hope", "down", "already last"),
        ("stigma", "indent", "no code above"),
        ("role", "outdent", "already at the top level"),
    ],
)
def test_impossible_keyboard_moves_say_why(study, codes, name, action, message):
    with pytest.raises(ValidationError, match=message):
        keyboard_move_target(codebook_selectors.codebook(study), codes[name].pk, action)


# --- the view ------------------------------------------------------------------------------


def test_the_up_button_moves_a_code_and_returns_the_tree(owner_client, study, codes):
    response = owner_client.post(move_url(codes["hope"]), {"action": "up"}, **TREE_HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="code-tree"')
    assert html.index(">Hope<") < html.index(">Role<")
    assert "Moved “Hope” to position 2 in the top level." in html
    assert [n for n, _ in positions(study)] == ["Stigma", "Hope", "Role"]


def test_indent_and_outdent_through_the_view(owner_client, study, codes):
    owner_client.post(move_url(codes["role"]), {"action": "indent"}, **TREE_HTMX)
    assert outline(study) == ["Stigma", "  Shame", "  Guilt", "  Role", "Hope"]
    owner_client.post(move_url(codes["role"]), {"action": "outdent"}, **TREE_HTMX)
    assert outline(study) == ["Stigma", "  Shame", "  Guilt", "Role", "Hope"]


def test_without_htmx_a_move_redirects_back_to_the_code(owner_client, study, codes):
    response = owner_client.post(move_url(codes["hope"]), {"action": "up"})
    assert response.status_code == 302
    assert f"#node-{codes['hope'].pk}" in response["Location"]


def test_an_impossible_keyboard_move_shows_an_alert_in_the_tree(owner_client, study, codes):
    response = owner_client.post(move_url(codes["stigma"]), {"action": "up"}, **TREE_HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in html
    assert "already first" in html


def test_the_move_form_moves_under_a_parent_at_a_position(owner_client, study, codes):
    response = owner_client.post(
        move_url(codes["hope"]), {"parent": codes["stigma"].pk, "position": "1"}, **DETAIL_HTMX
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="code-detail"')
    assert 'id="code-tree" class="cb-tree" hx-swap-oob="true"' in html
    assert outline(study) == ["Stigma", "  Hope", "  Shame", "  Guilt", "Role"]


def test_the_move_form_moves_to_the_top_level(owner_client, study, codes):
    owner_client.post(move_url(codes["guilt"]), {"parent": "", "position": ""}, **DETAIL_HTMX)
    assert outline(study)[-1] == "Guilt"


def test_the_move_form_refuses_a_cycle_with_a_clear_message(owner_client, study, codes):
    response = owner_client.post(
        move_url(codes["stigma"]), {"parent": codes["guilt"].pk}, **DETAIL_HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "cannot move under itself or one of its own subcodes" in html
    assert "Not moved" in html
    assert outline(study) == ["Stigma", "  Shame", "  Guilt", "Role", "Hope"]


def test_the_move_form_refuses_a_duplicate_name_at_the_destination(owner_client, study, codes):
    factories.make_code(study, name="Guilt")
    response = owner_client.post(move_url(codes["guilt"]), {"parent": ""}, **DETAIL_HTMX)
    assert "A code named “Guilt” already exists at the top level" in response.content.decode()


def test_a_move_without_a_destination_is_refused(owner_client, codes):
    response = owner_client.post(move_url(codes["hope"]), {}, **DETAIL_HTMX)
    assert "Choose where to move the code." in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "status"), [("coder", 403), ("viewer", 403), ("outsider", 404)]
)
def test_only_owners_may_move_codes(persona_clients, study, codes, persona, status):
    response = persona_clients[persona].post(move_url(codes["hope"]), {"action": "up"})
    assert response.status_code == status
    assert [n for n, _ in positions(study)] == ["Stigma", "Role", "Hope"]


@pytest.mark.parametrize("n", [5, 60])
def test_a_move_runs_a_constant_number_of_queries(
    n, owner_client, study, owner, django_assert_max_num_queries
):
    codes = [factories.make_code(study, name=f"Code {i}", position=i) for i in range(n)]
    # 3 session, user, membership; 4 the code; 5 the tree; the service: 6 lock, 7 tree,
    # 8 save, 9 renumber (one bulk update), 10 study, 11 audit; the response: 12 tree,
    # 13 counts; 14-17 savepoints. The same for 5 and 60 codes.
    with django_assert_max_num_queries(17):
        response = owner_client.post(move_url(codes[-1]), {"action": "up"}, **TREE_HTMX)
    assert response.status_code == 200
