"""A PI cuts the matrix by gender, clicks a cell, and lands on the retrieval filtered by it."""

from __future__ import annotations

import os

import pytest

from coding.models import Segment
from studies.models import Attribute, Role
from tests import factories
from tests.coding.test_compare_matrix import build_compare_study

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GENDER = {"P1": "female", "P2": "male", "P3": "female", "S1": "male", "S2": "female", "S3": "male"}
SHOTS = os.environ.get("WORKBENCH_SCREENSHOTS", "/tmp")


@pytest.fixture
def setup():
    study = factories.make_study(name="Attributes in the browser")
    pi = factories.make_user(username="pi")
    factories.add_member(study, pi, Role.OWNER)
    coders = []
    for name in ("bob", "erin"):
        user = factories.make_user(username=name)
        factories.add_member(study, user, Role.CODER)
        coders.append(user)
    data = build_compare_study(study, pi, coders, per_layer=8)
    for pseudonym, p in data["participants"].items():
        p.attributes = {"gender": GENDER[pseudonym]}
        p.save(update_fields=["attributes"])
    Attribute.objects.create(study=study, name="gender", kind="choice", choices=["female", "male"])
    return study, pi, data


def test_a_pi_cuts_the_matrix_by_gender_and_opens_a_cell(page, login_as, setup):
    study, pi, data = setup
    login_as(pi)
    # The PI opens the matrix, counting consensus segments.
    page.goto(f"/studies/{study.pk}/compare/?layer=consensus&measure=segments&rollup=1")
    page.get_by_role("table", name="Segments by stakeholder group and wave").wait_for()
    # They choose to cut the columns by gender.
    page.get_by_label("Columns by").select_option(label="gender")
    table = page.get_by_role("table", name="Segments by gender and wave")
    table.wait_for()
    assert "by=attribute%3Agender" in page.url or "by=attribute:gender" in page.url
    assert table.get_by_role("columnheader", name="female").is_visible()
    page.screenshot(path=f"{SHOTS}/attributes-matrix-by-gender.png", full_page=True)
    # The cell of code A (with its subcodes), women, T1, holds exactly these segments.
    subtree = [data["codes"][n].pk for n in ("A", "A1", "A2", "A2a")]
    expected = {
        pk
        for pk, attrs in Segment.objects.filter(
            layer=data["consensus"], code_id__in=subtree, transcript__wave=data["waves"][0]
        ).values_list("pk", "transcript__participant__attributes")
        if (attrs or {}).get("gender") == "female"
    }
    assert expected
    cell = page.locator('a[title="A, female, T1"]')
    assert cell.inner_text() == str(len(expected))
    cell.click()
    # They land on the retrieval, filtered by gender = female.
    page.wait_for_url("**/retrieval/**")
    items = page.locator("li.retrieval-item")
    items.first.wait_for()
    assert page.get_by_label("gender").input_value() == "female"
    ids = {int(i.split("-")[-1]) for i in items.evaluate_all("els => els.map(e => e.id)")}
    assert ids == expected
    page.screenshot(path=f"{SHOTS}/attributes-retrieval-female.png", full_page=True)
