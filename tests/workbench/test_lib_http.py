"""workbench.lib.http: parameters, form errors, file names and htmx answers."""

from __future__ import annotations

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests import factories
from workbench.lib import http


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12", 12),
        (" 7 ", 7),
        ("-3", -3),
        (5, 5),
        (None, None),
        ("", None),
        ("abc", None),
        ("1.5", None),
        ("١٢", 12),  # Arabic-Indic digits are digits to int()
        ("²", None),  # a superscript is a digit to str.isdigit, not to int()
    ],
)
def test_int_param(raw, expected):
    assert http.int_param(raw) == expected


def test_int_params_keeps_the_integers_in_order():
    assert http.int_params(["3", "x", "", "1", " 2", None]) == [3, 1, 2]


@pytest.mark.parametrize(
    ("raw", "default", "expected"),
    [
        (None, True, True),
        ("", False, False),
        ("0", True, False),
        ("off", True, False),
        ("no", True, False),
        ("false", True, False),
        ("1", False, True),
        ("on", False, True),
    ],
)
def test_flag_param(raw, default, expected):
    assert http.flag_param(raw, default=default) is expected


class NameForm(forms.Form):
    name = forms.CharField()


def test_add_form_errors_puts_field_messages_on_the_field_and_the_rest_above():
    form = NameForm({"name": "x"})
    assert form.is_valid()
    http.add_form_errors(form, ValidationError({"name": "Taken.", "key_hash": "Clash."}))
    assert form.errors["name"] == ["Taken."]
    assert form.non_field_errors() == ["Clash."]


def test_add_form_errors_puts_a_plain_message_above_the_form():
    form = NameForm({"name": "x"})
    assert form.is_valid()
    http.add_form_errors(form, ValidationError(["One.", "Two."]))
    assert form.non_field_errors() == ["One.", "Two."]
    assert "name" not in form.errors


def test_attachment_name_slugs_the_study_name(db):
    assert (
        http.attachment_name(factories.make_study(name="Peer Support: Wave 2!"), "matrix", "csv")
        == "peer-support-wave-2-matrix.csv"
    )
    long = factories.make_study(name="A" * 60)
    assert http.attachment_name(long, "x", "xlsx") == "a" * 40 + "-x.xlsx"
    chinese = factories.make_study(name="同伴支持")
    assert http.attachment_name(chinese, "x", "svg") == f"study-{chinese.pk}-x.svg"
    assert http.attachment_name(long, "", "qdpx") == "a" * 40 + ".qdpx"


def test_download_names_the_file_in_utf8():
    response = http.download("données", "résumé.csv", "text/csv")
    assert response.content.decode() == "données"
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''r%C3%A9sum%C3%A9.csv"


def test_maybe_url(db):
    assert http.maybe_url("studies:study_list") == reverse("studies:study_list")
    assert http.maybe_url("coding:no_such_page", 1) is None


def test_render_page_or_partial_answers_htmx_with_the_fragment(study, owner, owner_client):
    url = reverse("coding:compare_matrix", args=[study.pk])
    page = owner_client.get(url)
    fragment = owner_client.get(url, headers={"HX-Request": "true"})
    restore = owner_client.get(
        url, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in page.text and "<html" in restore.text
    assert "<html" not in fragment.text and 'id="matrix-region"' in fragment.text
    for response in (page, fragment, restore):
        assert "HX-Request" in response["Vary"]
