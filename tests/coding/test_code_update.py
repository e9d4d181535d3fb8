from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from coding.codebook import services as codebook_services
from coding.models import AuditEvent
from tests import factories

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "code-detail"}


def update_url(code) -> str:
    return reverse("coding:code_update", args=[code.study_id, code.pk])


def fields(**overrides) -> dict:
    data = {
        "name": "Shame",
        "color": "#D55E00",
        "description": "Feeling lesser because of a condition.",
        "inclusion": "Self-directed statements.",
        "exclusion": "Others' attitudes (use Public stigma).",
        "example": "我覺得好丟臉。",
    }
    data.update(overrides)
    return data


@pytest.fixture
def stigma(study):
    return factories.make_code(study, name="Stigma")


@pytest.fixture
def code(study, stigma):
    return factories.make_code(study, name="Shaem", parent=stigma)


# --- the service ---------------------------------------------------------------------------


def test_it_renames_and_describes_a_code(code, owner):
    codebook_services.code_update(code=code, actor=owner, **fields())
    code.refresh_from_db()
    assert (code.name, code.color, code.example) == ("Shame", "#D55E00", "我覺得好丟臉。")
    assert code.inclusion == "Self-directed statements."


def test_it_records_the_changed_fields_before_and_after(code, owner):
    codebook_services.code_update(code=code, actor=owner, name="Shame", description="New")
    event = AuditEvent.objects.get(action="code.update")
    assert event.object_id == code.pk
    assert event.actor == owner
    assert event.before == {"name": "Shaem", "description": ""}
    assert event.after == {"name": "Shame", "description": "New"}


def test_it_records_nothing_when_nothing_changes(code, owner):
    codebook_services.code_update(code=code, actor=owner, name="Shaem")
    assert not AuditEvent.objects.filter(action="code.update").exists()


def test_it_allows_changing_only_the_case_of_the_name(code, owner):
    codebook_services.code_update(code=code, actor=owner, name="SHAEM")
    code.refresh_from_db()
    assert code.name == "SHAEM"


def test_it_refuses_the_name_of_a_sibling_in_any_case(study, stigma, code, owner):
    factories.make_code(study, name="Guilt", parent=stigma)
    with pytest.raises(ValidationError) as info:
        codebook_services.code_update(code=code, actor=owner, name="guilt")
    assert "already exists under “Stigma”" in str(info.value)
    code.refresh_from_db()
    assert code.name == "Shaem"


def test_it_allows_a_name_used_elsewhere_in_the_tree(study, code, owner):
    factories.make_code(study, name="Guilt")
    codebook_services.code_update(code=code, actor=owner, name="Guilt")
    code.refresh_from_db()
    assert code.name == "Guilt"


def test_it_refuses_an_empty_name(code, owner):
    with pytest.raises(ValidationError):
        codebook_services.code_update(code=code, actor=owner, name="   ")


def test_it_refuses_a_colour_that_is_not_rrggbb_and_keeps_the_old_one(code, owner):
    with pytest.raises(ValidationError):
        codebook_services.code_update(code=code, actor=owner, color="#12345")
    assert code.color == "#0072B2"
    code.refresh_from_db()
    assert code.color == "#0072B2"


# --- the view ------------------------------------------------------------------------------


def test_an_owner_saves_the_form_and_is_sent_back_to_the_code(owner_client, code):
    response = owner_client.post(update_url(code), fields())
    assert response.status_code == 302
    assert response["Location"].startswith(update_url(code))
    code.refresh_from_db()
    assert code.description == "Feeling lesser because of a condition."


def test_with_htmx_it_returns_the_panel_and_the_tree_out_of_band(owner_client, code):
    response = owner_client.post(update_url(code), fields(), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith('<section id="code-detail"')
    assert 'id="code-tree" class="cb-tree" hx-swap-oob="true"' in html
    assert "Saved “Shame”." in html


def test_an_invalid_form_comes_back_with_errors_and_status_200(owner_client, code):
    response = owner_client.post(update_url(code), fields(name="", color="blue"), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Not saved" in html
    assert "#RRGGBB" in html
    code.refresh_from_db()
    assert code.name == "Shaem"


def test_an_invalid_form_without_htmx_renders_the_page(owner_client, study, stigma, code):
    factories.make_code(study, name="Guilt", parent=stigma)
    response = owner_client.post(update_url(code), fields(name="Guilt"))
    assert response.status_code == 200
    assert "<html" in response.content.decode()
    assert "already exists" in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "status"), [("coder", 403), ("viewer", 403), ("outsider", 404)]
)
def test_only_owners_may_edit_a_code(persona_clients, code, persona, status):
    response = persona_clients[persona].post(update_url(code), fields())
    assert response.status_code == status
    code.refresh_from_db()
    assert code.name == "Shaem"


def test_it_refuses_a_code_of_another_study(owner_client, study):
    other = factories.make_code(factories.make_study())
    url = reverse("coding:code_update", args=[study.pk, other.pk])
    assert owner_client.post(url, fields()).status_code == 404
