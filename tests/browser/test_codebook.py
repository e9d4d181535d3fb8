"""The codebook page in real Chromium: create a code, move it with the keyboard, no reload."""

from __future__ import annotations

import pytest

from coding.codebook import selectors as codebook_selectors
from studies.models import Role
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def outline(study) -> list[str]:
    return ["  " * n.depth + n.code.name for n in codebook_selectors.codebook(study).walk()]


def settled(page) -> None:
    """Wait until htmx has swapped, settled and processed the new content, so that the next
    key press goes to an htmx-enhanced control rather than submitting a plain form."""
    page.wait_for_function(
        "!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )


def test_a_pi_creates_a_code_and_moves_it_with_the_keyboard(page, login_as):
    study = factories.make_study(name="Browser codebook")
    pi = factories.make_user(username="pi")
    factories.add_member(study, pi, Role.OWNER)
    factories.make_code(study, name="Stigma", position=0)
    login_as(pi)

    page.goto(f"/studies/{study.pk}/codes/")
    page.evaluate("window.__notReloaded = true")

    page.get_by_label("Name").first.fill("Hope")
    page.get_by_role("button", name="Add code").click()
    tree = page.locator("#code-tree")
    tree.get_by_role("link", name="Hope").wait_for()
    assert page.locator("#codebook-status").inner_text() == "Created “Hope”."
    assert page.locator("#code-detail h2").inner_text().strip() == "Hope"
    assert tree.locator(".cb-name").all_inner_texts() == ["Stigma", "Hope"]
    settled(page)

    # Keyboard only: focus the control, press Enter; the tree is swapped, focus stays.
    page.get_by_role("button", name="Make Hope a subcode of the code above (indent)").focus()
    page.keyboard.press("Enter")
    page.locator("#code-tree .cb-node .cb-node .cb-name", has_text="Hope").wait_for()
    assert outline(study) == ["Stigma", "  Hope"]
    settled(page)
    assert "Moved “Hope” to position 1 in Stigma." in page.locator("#codebook-status").inner_text()
    focused = page.evaluate("document.activeElement.id || document.activeElement.textContent")
    assert focused.startswith("cb-") and focused.endswith(str(study.codes.get(name="Hope").pk))

    page.get_by_role("button", name="Move Hope one level up (outdent)").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('#code-tree > ul > li').length === 2")
    assert outline(study) == ["Stigma", "Hope"]
    settled(page)

    page.get_by_role("button", name="Move Hope up").press("Enter")
    page.wait_for_function("document.querySelector('#code-tree .cb-name').textContent === 'Hope'")
    assert outline(study) == ["Hope", "Stigma"]
    assert page.evaluate("window.__notReloaded") is True


def test_a_pi_adopts_a_coders_proposal_with_the_keyboard(page, login_as):
    study = factories.make_study(name="Browser codebook", blind_coding=True)
    pi = factories.make_user(username="pi")
    erin = factories.make_user(username="erin")
    factories.add_member(study, pi, Role.OWNER)
    factories.add_member(study, erin, Role.CODER)
    factories.make_code(study, name="Stigma", position=0)
    idea = factories.make_code(study, name="Peer pressure", proposed=True, created_by=erin)
    login_as(pi)

    page.goto(f"/studies/{study.pk}/codes/")
    assert "1 code proposed by coders" in page.locator("#cb-legend").inner_text()
    tree = page.locator("#code-tree")
    assert tree.get_by_text("Proposed by erin").is_visible()
    tree.get_by_role("link", name="Peer pressure").click()
    settled(page)
    adopt = page.get_by_role("button", name="Adopt into the shared codebook")
    adopt.focus()
    page.keyboard.press("Enter")
    page.locator("#codebook-status").get_by_text("Adopted “Peer pressure”").wait_for()
    settled(page)
    assert tree.get_by_text("Proposed by erin").count() == 0
    idea.refresh_from_db()
    assert not idea.proposed
