"""The pages work with the Content-Security-Policy in force: no inline script, no eval."""

from __future__ import annotations

import pytest

from coding.models import Segment
from studies.models import Role
from tests import factories
from tests.browser.coding_helpers import SELECT_JS, TEXT, coding_study, page_url

pytestmark = pytest.mark.browser


@pytest.fixture
def strict_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1400, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.violations = []
    page.on(
        "console",
        lambda msg: (
            page.violations.append(msg.text) if "Content Security Policy" in msg.text else None
        ),
    )
    yield page
    context.close()


def _sign_in(page, live_server, user, password="pw"):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/studies/")


def test_a_coder_codes_a_passage_under_the_policy(db, strict_page, live_server):
    s = coding_study()
    _sign_in(strict_page, live_server, s["bob"])
    strict_page.goto(live_server.url + page_url(s))

    strict_page.evaluate(SELECT_JS, ["At first I did not know my role.", 0])
    strict_page.locator("#picker-input").fill("hope")
    strict_page.locator("#picker-input").press("Enter")
    strict_page.wait_for_selector("#transcript mark")

    segment = Segment.objects.get()
    quote = "At first I did not know my role."
    assert (segment.start, segment.end) == (TEXT.index(quote), TEXT.index(quote) + len(quote))
    assert strict_page.violations == []


def test_the_owners_pages_load_without_violations(db, strict_page, live_server):
    s = coding_study()
    owner = factories.make_user(username="alice")
    factories.add_member(s["study"], owner, Role.OWNER)
    _sign_in(strict_page, live_server, owner)
    study = s["study"].pk
    for path in ("", "setup/", "codes/", "compare/", "agreement/", "retrieval/", "memos/"):
        strict_page.goto(f"{live_server.url}/studies/{study}/{path}")
        strict_page.wait_for_load_state("networkidle")

    assert strict_page.violations == []
