from __future__ import annotations

import pytest

from studies.models import Role
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_focus_link_opens_the_page_on_that_highlight(page, login_as, live_server):
    study = factories.make_study()
    pi = factories.make_user(username="pi")
    factories.add_member(study, pi, Role.OWNER)
    lines = [f"P01: Line {i} about the training and the team." for i in range(400)]
    lines[350] = "P01: My family helped me through it 𠝹 all."
    text = "\n".join(lines)
    transcript = factories.make_transcript(study, text=text)
    code = factories.make_code(study, name="Family support")
    start = text.index("My family")
    segment = factories.make_segment(
        transcript, code, factories.make_layer(study, pi), start, start + 24
    )

    login_as(pi)
    page.goto(f"/studies/{study.pk}/transcripts/{transcript.pk}/?focus={segment.pk}")
    focused = page.locator("mark.is-focus").first
    focused.wait_for()
    assert focused.inner_text().startswith("My family")
    assert focused.is_visible()
    box = focused.bounding_box()
    assert 0 <= box["y"] <= page.viewport_size["height"]
