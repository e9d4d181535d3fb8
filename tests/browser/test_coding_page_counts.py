"""A coder opens a transcript another coder also coded: the codebook's counts (mine / all)
are right in Mine and in All, marking it done shows the badge, and a memo is added with the
page's (once-rendered) memo form. Checked against the database."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from coding.models import Assignment, Memo
from studies.models import Role
from tests import factories
from tests.browser.coding_helpers import TEXT, coding_study, page_url, span_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/shots-page3"


@pytest.fixture
def setup(db):
    s = coding_study()
    erin = factories.make_user(username="erin")
    factories.add_member(s["study"], erin, Role.CODER)
    mine, theirs = (
        factories.make_layer(s["study"], s["bob"]),
        factories.make_layer(s["study"], erin),
    )
    for quote, code, layer in [
        ("did not know my role", s["shame"], mine),
        ("trusted me 𠝹 and my", s["hope"], mine),
        ("did not know my role", s["shame"], theirs),
        ("lived experience", s["hope"], theirs),
        ("training feel", s["hope"], theirs),
    ]:
        factories.make_segment(s["t"], code, layer, *span_of(TEXT, quote))
    return s


def count_of(page, code) -> str:
    return page.locator(f'#codebook-tree [data-code="{code.pk}"] .code-count').inner_text()


def test_a_coder_reads_the_counts_marks_done_and_adds_a_memo(setup, page, login_as):
    os.makedirs(SHOTS, exist_ok=True)
    s = setup
    login_as(s["bob"])
    page.goto(page_url(s) + "?layer=mine")
    # Mine shows two highlights, the counts cover both coders' layers.
    assert page.locator(".stripe").count() == 2
    assert count_of(page, s["shame"]) == "1/2"
    assert count_of(page, s["hope"]) == "1/3"
    page.get_by_role("button", name="Mark as done").click()
    page.wait_for_selector(".done-badge")
    assert Assignment.objects.get(transcript=s["t"], layer__user=s["bob"]).done_at is not None
    assert page.get_by_role("button", name="Reopen").is_visible()

    page.get_by_role("link", name="All", exact=True).click()
    page.wait_for_selector("#transcript.view-all")
    # The element is there as soon as it is parsed; its stripes once the page's script has
    # drawn the margins (DOMContentLoaded): wait for what the coder waits for.
    expect(page.locator(".stripe")).to_have_count(5)
    assert count_of(page, s["shame"]) == "1/2" and count_of(page, s["hope"]) == "1/3"
    # "Done" is about the coder's own layer: the All view does not offer it.
    assert page.locator(".done-badge").count() == 0
    assert page.get_by_role("button", name="Mark as done").count() == 0
    page.screenshot(path=f"{SHOTS}/coder-all-counts-done.png", full_page=True)

    page.get_by_label("Title").fill("First read")
    page.get_by_label("Memo", exact=True).fill("Role confusion early on.")
    page.get_by_role("button", name="Add memo").click()
    page.wait_for_selector(".memo-list")
    assert "Role confusion early on." in page.locator("#memos").inner_text()
    memo = Memo.objects.get()
    assert (memo.title, memo.body, memo.author, memo.transcript) == (
        "First read",
        "Role confusion early on.",
        s["bob"],
        s["t"],
    )
    page.screenshot(path=f"{SHOTS}/coder-memo-added.png", full_page=True)
