from __future__ import annotations

import pytest
from django.urls import reverse

from coding.models import LayerKind, Segment
from studies.models import Role
from tests import factories
from tests.coding.test_disagreements_page import TEXT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_pi_resolves_a_disagreement_and_sees_it_in_consensus(page, login_as):
    study = factories.make_study(name="Peer support")
    pi = factories.make_user(username="pi")
    factories.add_member(study, pi, Role.OWNER)
    bob, erin = factories.make_user(username="bob"), factories.make_user(username="erin")
    for user in (bob, erin):
        factories.add_member(study, user, Role.CODER)
    t = factories.make_transcript(study, title="Interview", text=TEXT)
    code = factories.make_code(study, name="Role")
    factories.make_segment(t, code, factories.make_layer(study, bob), 55, 70)
    factories.make_segment(t, code, factories.make_layer(study, erin), 60, 75)
    factories.make_segment(t, code, factories.make_layer(study, bob), 90, 100)

    login_as(pi)
    page.goto(reverse("coding:agreement_report", args=[study.pk]) + f"?focus={code.pk}")
    page.get_by_role("link", name="Review side by side").click()
    page.wait_for_url("**/agreement/transcripts/**")
    assert page.get_by_text("0 of 2 settled").is_visible()
    unit = page.locator("#unit-1")
    assert "span differs" in unit.inner_text()

    # Keyboard: the unit list has focus, U takes the union (through htmx, no reload).
    page.locator(".unit-list").focus()
    page.keyboard.press("u")
    page.get_by_text("1 of 2 settled").wait_for()
    assert "Saved: Union" in page.locator(".review-status").inner_text()
    consensus_cell = page.locator(".side-by-side tbody tr").nth(1).locator("td").last
    assert consensus_cell.locator("mark.hl").count() == 1
    assert consensus_cell.locator("mark.hl").inner_text() == TEXT[55:75]
    assert list(
        Segment.objects.filter(layer__kind=LayerKind.CONSENSUS).values_list("start", "end")
    ) == [(55, 75)]

    # The next unit became current; settle it with a click on "Neither", then undo it.
    page.locator("#unit-2").get_by_role("button", name="Neither").click()
    page.get_by_text("2 of 2 settled").wait_for()
    page.locator("#unit-2").get_by_role("button", name="Undo decision").click()
    page.get_by_text("1 of 2 settled").wait_for()
