"""Codebook versions in Chromium: the PI freezes v1, renames and moves codes with reasons,
freezes v2 and reads the diff; a coder reads it too."""

from __future__ import annotations

import os

import pytest

from coding.models import AuditEvent
from studies.models import Role
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("SHOTS_DIR", "/tmp/shots-versions")


def shot(page, name: str) -> None:
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def settled(page) -> None:
    page.wait_for_function(
        "!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )


def test_a_pi_freezes_two_versions_and_reads_their_diff(page, login_as):
    study = factories.make_study(name="Peer support workers")
    pi = factories.make_user(username="pi")
    coder = factories.make_user(username="coder1")
    factories.add_member(study, pi, Role.OWNER)
    factories.add_member(study, coder, Role.CODER)
    role = factories.make_code(study, name="Role", position=0)
    factories.make_code(study, name="Boundaries", parent=role, position=0)
    factories.make_code(study, name="Stigma", position=1, description="Being judged")
    factories.make_code(study, name="Lived experience", position=2)
    login_as(pi)

    # Freeze v1 from the codebook page.
    page.goto(f"/studies/{study.pk}/codes/")
    page.get_by_role("link", name="Versions").click()
    page.get_by_label("Version name").fill("v1 after calibration")
    page.get_by_label("Note").fill("After round 2 (α = 0.81)")
    page.get_by_role("button", name="Freeze version").click()
    page.get_by_text("Froze the codebook as “v1 after calibration” (4 codes).").wait_for()

    # Rename Stigma with a reason, in the detail panel.
    page.goto(f"/studies/{study.pk}/codes/")
    page.locator("#code-tree").get_by_role("link", name="Stigma").click()
    page.locator("#code-detail h2", has_text="Stigma").wait_for()
    settled(page)
    page.get_by_text("Edit name, definition and colour").click()
    page.locator("#edit_name").fill("Stigma and shame")
    page.locator("#edit_description").fill("Being judged by staff or peers")
    page.locator("#edit_reason").fill("Shame came up in every T1 interview")
    page.locator("#edit-submit").click()
    page.locator("#codebook-status", has_text="Saved").wait_for()
    settled(page)

    # Move Lived experience under Role, with a reason.
    page.locator("#code-tree").get_by_role("link", name="Lived experience").click()
    page.locator("#code-detail h2", has_text="Lived experience").wait_for()
    settled(page)
    page.locator("#code-detail summary", has_text="Move").click()
    page.locator("#move_parent").select_option(label="Role")
    page.locator("#move_reason").fill("It is what the role draws on")
    page.locator("#move-submit").click()
    page.locator("#codebook-status", has_text="Moved").wait_for()
    settled(page)
    assert {e.after.get("reason") for e in AuditEvent.objects.filter(action="code.move")} == {
        "It is what the role draws on"
    }

    # Freeze v2 and compare.
    page.goto(f"/studies/{study.pk}/codes/versions/")
    page.get_by_label("Version name").fill("v2 before T2 coding")
    page.get_by_role("button", name="Freeze version").click()
    page.get_by_text("Froze the codebook as “v2 before T2 coding”").wait_for()
    shot(page, "1-versions-owner")
    page.get_by_role("link", name="with v1 after calibration").click()
    page.locator("#diff-count").wait_for()
    assert page.locator("#diff-count").inner_text().startswith("3 changes")
    renamed = page.locator("table[data-kind=renamed] tbody tr")
    assert "“Stigma” → “Stigma and shame”" in renamed.inner_text()
    assert (
        "Shame came up in every T1 interview" in renamed.locator("input[name=reason]").input_value()
    )
    moved = page.locator("table[data-kind=moved] tbody tr")
    assert "Lived experience → Role › Lived experience" in moved.inner_text()
    definition = page.locator("table[data-kind=definition] tbody tr")
    assert definition.locator("ins").all_inner_texts() == [" by staff or peers"]
    shot(page, "2-diff-owner")

    # Edit a reason afterwards.
    moved.locator("input[name=reason]").fill("Lived experience is a resource of the role")
    moved.get_by_role("button", name="Edit reason").click()
    page.get_by_text("Saved the reason.").wait_for()
    assert (
        page.locator("table[data-kind=moved] input[name=reason]").input_value()
        == "Lived experience is a resource of the role"
    )

    # A coder reads the same diff, without the forms.
    page.context.clear_cookies()
    login_as(coder)
    page.reload()
    page.locator("#diff-count").wait_for()
    assert page.locator(".reason-form").count() == 0
    assert (
        "Lived experience is a resource of the role"
        in page.locator("table[data-kind=moved]").inner_text()
    )
    shot(page, "3-diff-coder")
