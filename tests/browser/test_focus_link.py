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


def test_a_focus_link_to_a_far_highlight_shows_its_stripe_and_label_focused(
    page, login_as, live_server
):
    # The margin is drawn after htmx has set the page up (static/js/coding/main.js); the
    # link's highlight is focused after that, so its stripe and label carry the focus too,
    # beside it in view, though its turn was off screen (content-visibility) at load.
    study = factories.make_study()
    pi = factories.make_user(username="pi")
    factories.add_member(study, pi, Role.OWNER)
    lines = [f"P01: Line {i} about the training and the team." for i in range(400)]
    lines[350] = "P01: My family helped me through it all."
    text = "\n".join(lines)
    transcript = factories.make_transcript(study, text=text)
    layer = factories.make_layer(study, pi)
    near = factories.make_segment(
        transcript, factories.make_code(study, name="Training"), layer, 5, 20
    )
    start = text.index("My family")
    far = factories.make_segment(
        transcript, factories.make_code(study, name="Family support"), layer, start, start + 24
    )

    login_as(pi)
    page.goto(f"/studies/{study.pk}/transcripts/{transcript.pk}/?focus={far.pk}")
    stripe = page.locator(f'.stripe.is-focus[data-seg="{far.pk}"]')
    stripe.wait_for()
    label = page.locator(f'.stripe-label.is-focus[data-seg="{far.pk}"]')
    assert label.count() == 1
    assert "Family support" in label.inner_text()
    height = page.viewport_size["height"]
    for el in (stripe, label, page.locator("mark.is-focus").first):
        box = el.bounding_box()
        assert box and 0 <= box["y"] <= height
    # Only the link's highlight is focused; the other's stripe is drawn, not focused.
    assert page.locator(f'.stripe[data-seg="{near.pk}"]').count() == 1
    assert page.locator(f'.is-focus[data-seg~="{near.pk}"]').count() == 0
