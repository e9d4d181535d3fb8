"""An owner renames and recolours a code on the codebook page; the coding page opened next
(its tree, the filter and the picker's codes, all cached per process by the codebook's rows:
coding/segments/bookcache.py) shows the new name and colour at once."""

from __future__ import annotations

import os

import pytest

from coding.models import Code
from studies.models import Role
from tests import factories
from tests.browser.coding_helpers import coding_study, page_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/shots-cost12"


def test_a_renamed_code_shows_on_the_next_coding_page(page, login_as):
    os.makedirs(SHOTS, exist_ok=True)
    s = coding_study()
    alice = factories.make_user(username="alice")
    factories.add_member(s["study"], alice, Role.OWNER)
    login_as(alice)
    tree_name = '#codebook-tree [data-code="{}"] .code-name'
    page.goto(page_url(s) + "?layer=all")
    assert page.locator(tree_name.format(s["shame"].pk)).inner_text() == "Shame"

    page.goto(f"/studies/{s['study'].pk}/codes/")
    page.locator("#code-tree .cb-name", has_text="Shame").click()
    page.locator("#code-detail h2", has_text="Shame").wait_for()
    page.wait_for_load_state("networkidle")
    page.locator("#code-detail summary", has_text="Edit name").click()
    page.locator("#edit_name").fill("Stigma")
    page.locator("#edit-submit").click()
    page.locator("#codebook-status", has_text="Saved “Stigma”").wait_for()
    assert Code.objects.get(pk=s["shame"].pk).name == "Stigma"

    page.goto(page_url(s) + "?layer=all")
    assert page.locator(tree_name.format(s["shame"].pk)).inner_text() == "Stigma"
    options = page.locator("#code-filter-select option").all_inner_texts()
    assert "Stigma" in options and "Shame" not in options
    picker_names = page.evaluate(
        "() => JSON.parse(document.getElementById('codes-data').textContent).map(c => c.n)"
    )
    assert "Stigma" in picker_names and "Shame" not in picker_names
    page.screenshot(path=f"{SHOTS}/coding-page-after-rename.png", full_page=True)
