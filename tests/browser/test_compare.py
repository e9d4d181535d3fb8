"""The group x wave matrix in a real browser: a cell leads to exactly its segments."""

from __future__ import annotations

import pytest

from coding.compare.layers import layer_choice
from coding.compare.matrix import matrix
from coding.models import Segment
from studies.access import study_access
from studies.models import Role
from tests import factories
from tests.coding.test_compare_matrix import build_compare_study

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def setup():
    study = factories.make_study(name="Compare in the browser")
    pi = factories.make_user(username="pi")
    factories.add_member(study, pi, Role.OWNER)
    coders = []
    for name in ("bob", "erin"):
        user = factories.make_user(username=name)
        factories.add_member(study, user, Role.CODER)
        coders.append(user)
    data = build_compare_study(study, pi, coders, per_layer=8)
    return study, pi, data


def test_clicking_a_cell_lands_on_its_segments(page, login_as, setup):
    study, pi, data = setup
    login_as(pi)
    page.goto(f"/studies/{study.pk}/compare/?layer=consensus&measure=segments&rollup=1")
    table = page.get_by_role("table", name="Segments by stakeholder group and wave")
    assert table.is_visible()
    psw, t1 = data["groups"][0], data["waves"][0]
    subtree = [data["codes"][n].pk for n in ("A", "A1", "A2", "A2a")]
    expected = set(
        Segment.objects.filter(
            layer=data["consensus"],
            code_id__in=subtree,
            transcript__participant__group=psw,
            transcript__wave=t1,
        ).values_list("pk", flat=True)
    )
    assert expected
    cell = table.get_by_role("link", name=str(len(expected)), exact=True).and_(
        page.locator('a[title="A, Peer support workers, T1"]')
    )
    assert cell.count() == 1
    cell.click()
    page.wait_for_url("**/retrieval/**")
    items = page.locator("li.retrieval-item")
    items.first.wait_for()
    ids = {int(i.split("-")[-1]) for i in items.evaluate_all("els => els.map(e => e.id)")}
    assert ids == expected


def test_switching_the_measure_updates_the_table_in_place(page, login_as, setup):
    study, pi, data = setup
    login_as(pi)
    page.goto(f"/studies/{study.pk}/compare/?layer=union")
    page.get_by_role("table", name="Participants coded by stakeholder group and wave").wait_for()
    page.evaluate("window.__marker = 1")
    page.get_by_label("Transcripts coded").check()
    page.get_by_role("table", name="Transcripts coded by stakeholder group and wave").wait_for()
    assert page.evaluate("window.__marker") == 1  # no full reload: htmx swapped the region
    assert "measure=transcripts" in page.url
    m = matrix(
        study,
        layer_choice(study_access(pi, study), "union"),
        measure="transcripts",
    )
    a, psw, t1 = data["codes"]["A"], data["groups"][0], data["waves"][0]
    text = page.locator('a[title="A, Peer support workers, T1"]').inner_text()
    assert text == m.cell(a.pk, psw.pk, t1.pk).text
    assert page.locator("td.heat-missing").count() > 0
