"""Pages fit a 390 px phone screen (iPhone 12-15): wide tables scroll inside themselves."""

from __future__ import annotations

import pytest
from django.urls import reverse

from studies.models import Role
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def demo_like_study():
    """The reference study's shape in small: three groups, three long-named waves."""
    study = factories.make_study(name="Peer support in Hong Kong: a longitudinal study")
    pi = factories.make_user(username="pi")
    coder = factories.make_user(username="coder1")
    factories.add_member(study, pi, Role.OWNER)
    factories.add_member(study, coder, Role.CODER)
    waves = [
        factories.make_wave(study, name=n)
        for n in ("T1 Training", "T2 Work placement", "T3 Employment")
    ]
    code = factories.make_code(study, name="Role clarity")
    # Long paths make long <option>s in the codebook's "Under" select.
    parent = factories.make_code(study, name="Stigma experienced in everyday life")
    parent = factories.make_code(study, name="Internalised stigma and self-blame", parent=parent)
    factories.make_code(study, name="Feeling ashamed of one's own mental illness", parent=parent)
    layer = factories.make_layer(study, coder)
    for g, name in enumerate(("Peer support workers", "Service users", "Co-workers")):
        group = factories.make_group(study, name=name)
        for p in range(3):
            participant = factories.make_participant(
                study, pseudonym=f"{name[:2].upper()}{p + 1:02d}", group=group
            )
            for w, wave in enumerate(waves):
                if (p + w + g) % 4 == 3:
                    continue  # not every participant at every wave
                t = factories.make_transcript(
                    study,
                    title=f"{participant.pseudonym} {wave.name} interview",
                    participant=participant,
                    wave=wave,
                )
                factories.make_segment(t, code, layer, 0, 12)
    return study, pi


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_the_dashboard_fits_a_390px_screen(page, login_as):
    study, pi = demo_like_study()
    login_as(pi)
    page.set_viewport_size(PHONE)
    page.goto(reverse("studies:study_dashboard", args=[study.pk]))
    assert page.get_by_role("heading", name="Transcripts by group and wave").is_visible()
    assert page_width(page) <= 390
    # The tables are all there, scrolling sideways within their own box.
    assert page.locator("table.participant-grid").count() == 3
    summary = page.locator(".table-scroll", has=page.locator("table.summary-table"))
    assert summary.evaluate("el => getComputedStyle(el).overflowX") == "auto"


def test_the_study_list_and_setup_fit_a_390px_screen(page, login_as):
    study, pi = demo_like_study()
    empty = factories.make_study(name="A new study")
    factories.add_member(empty, pi, Role.OWNER)
    login_as(pi)
    page.set_viewport_size(PHONE)
    for url in (
        reverse("studies:study_list"),
        reverse("studies:study_setup", args=[study.pk]),
        reverse("studies:study_setup", args=[empty.pk]),
        reverse("coding:codebook", args=[study.pk]),
    ):
        page.goto(url)
        assert page_width(page) <= 390, url
    # An empty list of groups reads "None yet." with no list number before it.
    groups = page.locator("#group-list")
    page.goto(reverse("studies:study_setup", args=[empty.pk]))
    assert groups.locator("ol li").count() == 0
    assert groups.get_by_text("None yet.", exact=True).is_visible()
