"""Bilingual codebooks in Chromium (issue 15): the owner sets up the second language and
names three codes in Chinese; a coder reads the other language on hover and on keyboard
focus; the picker finds a code by either language, Traditional or Simplified."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import expect

from coding.models import Code
from studies.models import Role
from tests import factories
from tests.browser.coding_helpers import coding_study, drag_select, page_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots-biling"))
ZH = "zh-Hant-HK"


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def settled(page) -> None:
    page.wait_for_function(
        "!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )


def browser_page(browser, live_server, user, locale: str):
    """A page logged in as ``user`` whose browser asks for ``locale`` (Accept-Language)."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 1400, "height": 900},
        bypass_csp=True,
        locale=locale,
    )
    context.set_default_timeout(10_000)
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": cookie.value,
                "url": live_server.url,
            }
        ]
    )
    return context, context.new_page()


@pytest.fixture
def team(db):
    study = factories.make_study(name="Peer support HK")
    pi = factories.make_user(username="pi")
    ra = factories.make_user(username="ra")
    factories.add_member(study, pi, Role.OWNER)
    factories.add_member(study, ra, Role.CODER)
    role = factories.make_code(study, name="Role", position=0)
    peer = factories.make_code(study, name="Peer support", parent=role, position=0)
    family = factories.make_code(study, name="Family", position=1)
    stigma = factories.make_code(study, name="Stigma", position=2)
    return {"study": study, "pi": pi, "ra": ra, "codes": (role, peer, family, stigma)}


def test_the_owner_sets_up_the_languages_and_names_three_codes(browser, live_server, team):
    study = team["study"]
    context, page = browser_page(browser, live_server, team["pi"], "en-GB")
    try:
        # The first page of a session can take long on a loaded machine (not a timing test).
        page.goto(f"/studies/{study.pk}/setup/", timeout=30_000)
        page.get_by_label("Second codebook language (BCP 47 tag)").fill("zh-hant-hk")
        page.get_by_label("Second language's display name").fill("繁體中文")
        page.get_by_role("button", name="Save settings").click()
        page.get_by_text("Study settings saved.").wait_for()
        study.refresh_from_db()
        assert (study.codebook_language2, study.codebook_language2_name) == (ZH, "繁體中文")
        shot(page, "01-owner-setup")

        page.goto(f"/studies/{study.pk}/codes/")
        missing = page.locator("#cb-missing")
        expect(missing).to_contain_text("4 codes without a name in 繁體中文")
        chinese = {"Peer support": "朋輩支援", "Family": "家人支持", "Stigma": "污名"}
        for english, name2 in chinese.items():
            page.locator("#code-tree .cb-name", has_text=english).click()
            page.locator("#code-detail h2", has_text=english).wait_for()
            settled(page)
            page.locator("#code-detail summary", has_text="Edit name").click()
            page.locator("#code-detail").get_by_label("Name (繁體中文)").fill(name2)
            page.locator("#edit-submit").click()
            page.locator("#codebook-status", has_text=f"Saved “{english}”").wait_for()
            settled(page)
        got = dict(Code.objects.filter(study=study).values_list("name", "name2"))
        assert got == {"Role": "", **chinese}
        expect(page.locator("#cb-missing")).to_contain_text("1 code without a name in 繁體中文")
        shot(page, "02-owner-codebook-after")
    finally:
        context.close()


@pytest.fixture
def named(team):
    study = team["study"]
    study.codebook_language2, study.codebook_language2_name = ZH, "繁體中文"
    study.save()
    role, peer, family, stigma = team["codes"]
    for code, name2 in ((role, "角色"), (peer, "朋輩支援"), (family, "家人支持")):
        code.name2 = name2
        code.save()
    return team


def tooltip(page, code: Code):
    return page.locator(f"#cb-other-{code.pk}")


def test_a_coder_reads_the_other_language_on_hover_and_on_focus(browser, live_server, named):
    study = named["study"]
    role, peer, family, stigma = named["codes"]
    context, page = browser_page(browser, live_server, named["ra"], "en-GB")
    try:
        page.goto(f"/studies/{study.pk}/codes/")
        link = page.locator(f"#cb-link-{peer.pk}")
        expect(link).to_have_text("Peer support")
        expect(tooltip(page, peer)).to_be_hidden()
        link.hover()
        expect(tooltip(page, peer)).to_be_visible()
        expect(tooltip(page, peer)).to_have_text("朋輩支援")
        shot(page, "03-coder-en-hover")
        page.mouse.move(1300, 850)
        expect(tooltip(page, peer)).to_be_hidden()
        # Keyboard: Tab through the page until the code's link has the focus.
        page.locator("#code-q").focus()
        for _ in range(40):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.id") == f"cb-link-{peer.pk}":
                break
        assert page.evaluate("document.activeElement.id") == f"cb-link-{peer.pk}"
        expect(tooltip(page, peer)).to_be_visible()
        shot(page, "04-coder-en-focus")
        # Stigma has no Chinese name: no tooltip, no error.
        assert tooltip(page, stigma).count() == 0
    finally:
        context.close()

    context, page = browser_page(browser, live_server, named["ra"], "zh-HK")
    try:
        page.goto(f"/studies/{study.pk}/codes/")
        link = page.locator(f"#cb-link-{peer.pk}")
        expect(link).to_have_text("朋輩支援")
        link.focus()
        expect(tooltip(page, peer)).to_have_text("Peer support")
        expect(tooltip(page, peer)).to_be_visible()
        expect(page.locator(f"#cb-link-{stigma.pk}")).to_have_text("Stigma")
        shot(page, "05-coder-zh-focus")
        # Codebook search: Simplified finds the Traditional name, English finds it too.
        for query in ("朋辈", "peer"):
            page.locator("#code-q").fill(query)
            # The page reads zh-HK: "4 codes, 1 of them matches" in Chinese.
            page.locator("#cb-legend", has_text="4 個編碼中有 1 個與").wait_for()
            expect(page.locator(f"#cb-link-{peer.pk}")).to_be_visible()
            assert page.locator(f"#cb-link-{family.pk}").count() == 0
    finally:
        context.close()


@pytest.mark.parametrize("locale", ["en-GB", "zh-HK"])
def test_the_picker_finds_a_code_by_either_language(browser, live_server, locale):
    setup = coding_study()
    study = setup["study"]
    study.codebook_language2, study.codebook_language2_name = ZH, "繁體中文"
    study.save()
    peer = factories.make_code(study, name="Peer support", name2="朋輩支援", color="#009E73")
    context, page = browser_page(browser, live_server, setup["bob"], locale)
    try:
        page.goto(page_url(setup))
        drag_select(page, "我唔知自己嘅角色。")
        # The picker's name in the interface language (zh-HK: the catalogue's words).
        name = "將編碼套用於選取的文段" if locale == "zh-HK" else "Apply codes to the selection"
        picker = page.get_by_role("dialog", name=name)
        box = page.locator("#picker-input")
        shown, other = (
            ("朋輩支援", "Peer support") if locale == "zh-HK" else ("Peer support", "朋輩支援")
        )
        for query in ("朋辈", "peer", "朋輩", "PEER SUP"):
            box.fill(query)
            # The codes offered (a "Create …" row may follow them).
            options = picker.locator("[role=option]:not(.create)")
            expect(options).to_have_count(1)
            expect(options.first.locator(".leaf")).to_have_text(shown)
            # The active option (the keyboard's) shows the other language.
            expect(options.first.locator(".other")).to_be_visible()
            expect(options.first.locator(".other")).to_have_text(other)
        box.fill("shame")
        codes_offered = picker.locator("[role=option]:not(.create)")
        expect(codes_offered).to_have_count(1)
        expect(codes_offered.first.locator(".leaf")).to_have_text("Shame")
        box.fill("朋辈")
        shot(page, f"06-picker-{locale}")
        page.keyboard.press("Enter")
        page.wait_for_function("document.querySelectorAll('.stripe').length === 1")
        assert list(setup["t"].segments.values_list("code_id", flat=True)) == [peer.pk]
        # The popover names the code in both languages.
        page.locator(".stripe").first.click()
        popover = page.locator("#seg-pop")
        expect(popover).to_contain_text(shown)
        expect(popover.locator(".seg-other")).to_have_text(other)
        shot(page, f"07-popover-{locale}")
    finally:
        context.close()
