from __future__ import annotations

import pytest

from studies.models import Role
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_pi_logs_in_and_opens_the_study_dashboard(page, live_server):
    study = factories.make_study(name="Peer support in Hong Kong")
    pi = factories.make_user(username="pi", password="s3cret-pass")
    factories.add_member(study, pi, Role.OWNER)
    group = factories.make_group(study, name="Service users")
    waves = [
        factories.make_wave(study, name=n)
        for n in ("T1 Training", "T2 Work placement", "T3 Employment")
    ]
    participant = factories.make_participant(study, pseudonym="SU01", group=group)
    factories.make_transcript(study, title="SU01 T1", participant=participant, wave=waves[0])
    factories.make_transcript(study, title="SU01 T3", participant=participant, wave=waves[2])
    hidden = factories.make_study(name="Not yours")
    factories.add_member(hidden, factories.make_user(), Role.OWNER)

    page.goto("/")
    assert "/accounts/login/" in page.url
    page.get_by_label("Username").fill("pi")
    page.get_by_label("Password").fill("s3cret-pass")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/studies/")
    assert page.get_by_role("link", name="Peer support in Hong Kong").is_visible()
    assert page.get_by_text("Not yours").count() == 0

    page.get_by_role("link", name="Peer support in Hong Kong").click()
    page.wait_for_url(f"**/studies/{study.pk}/")
    grid = page.locator("table.participant-grid[data-group='Service users']")
    headers = grid.locator("thead th").all_inner_texts()
    assert headers == ["Participant", "T1 Training", "T2 Work placement", "T3 Employment"]
    cells = grid.locator("tbody tr").first.locator("td")
    assert cells.nth(0).locator("a").count() == 1
    assert "not interviewed" in cells.nth(1).inner_text()
    assert cells.nth(2).locator("a").count() == 1


def test_a_wrong_password_shows_a_clear_message(page, live_server):
    factories.make_user(username="pi", password="right")
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("pi")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    assert (
        page.get_by_role("alert").inner_text().startswith("Your username and password didn't match")
    )
