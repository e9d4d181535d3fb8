"""A dense transcript in Chromium: the runs name no segment, yet clicking, hovering and J/K
find exactly the stored highlights from the page's segment table."""

from __future__ import annotations

import os
import random

import pytest
from django.urls import reverse

from coding.models import Segment
from studies.models import Role
from tests import factories

WORDS = ["family", "work", "trust", "家庭", "𠝹", "support", "the", "and", "group", "shame"]


@pytest.fixture
def dense(db):
    rng = random.Random(5)
    study = factories.make_study(name="Dense study")
    pi = factories.make_user(username="pi")
    factories.add_member(study, pi, Role.OWNER)
    lines = [
        f"P0{i % 3}: " + " ".join(rng.choice(WORDS) for _ in range(rng.randrange(10, 40))) + "."
        for i in range(40)
    ]
    text = "\n".join(lines)
    t = factories.make_transcript(study, text=text, title="Dense")
    codes = [factories.make_code(study, name=f"Code {i}") for i in range(8)]
    layers = []
    for name in ("coder1", "coder2", "coder3"):
        user = factories.make_user(username=name)
        factories.add_member(study, user, Role.CODER)
        layers.append(factories.make_layer(study, user))
    for i in range(120):
        start = rng.randrange(0, len(text) - 120)
        end = start + rng.randrange(5, 120)
        while not text[start:end].strip() or text[start] in " \n":
            start += 1
        factories.make_segment(t, codes[i % 8], layers[i % 3], start, end)
    return {"study": study, "pi": pi, "t": t, "text": text}


def _url(s):
    return reverse("coding:transcript_code", args=[s["study"].pk, s["t"].pk]) + "?layer=all"


def _covering(offset):
    return set(
        Segment.objects.filter(start__lte=offset, end__gt=offset).values_list("pk", flat=True)
    )


def test_a_click_hover_and_j_k_on_a_dense_page_find_the_stored_highlights(dense, page, login_as):
    s = dense
    login_as(s["pi"])
    page.goto(_url(s))
    page.wait_for_selector("mark.r")
    # Every stored highlight is in the page's table; the runs carry offsets only.
    assert page.evaluate("document.querySelectorAll('mark[data-seg]').length") == 0
    # Click the deepest run: the popover lists exactly the highlights covering it.
    deepest = page.evaluate(
        """() => [...document.querySelectorAll('#transcript mark.r')]
             .map(m => [Number(m.dataset.start), window.codingPage.segmentsAt(Number(m.dataset.start)).length])
             .sort((a, b) => b[1] - a[1])[0][0]"""
    )
    covering = _covering(deepest)
    assert len(covering) >= 3
    mark = page.locator(f'#transcript mark.r[data-start="{deepest}"]')
    mark.scroll_into_view_if_needed()
    mark.click()
    pop = page.locator("#seg-pop")
    pop.wait_for(state="visible")
    listed = {
        int(v)
        for v in pop.locator("li[data-seg]").evaluate_all("els => els.map(e => e.dataset.seg)")
    }
    assert listed == covering
    if os.environ.get("SHOT_DIR"):
        page.screenshot(path=os.path.join(os.environ["SHOT_DIR"], "dense-popover.png"))
    page.keyboard.press("Escape")
    # Hover a stripe: exactly its passage is tinted (the marks inside its span).
    seg = Segment.objects.order_by("-end", "pk").filter(end__lt=len(s["text"]) // 2).first()
    stripe = page.locator(f'.stripe[data-seg="{seg.pk}"]').first
    stripe.scroll_into_view_if_needed()
    stripe.hover()
    page.wait_for_selector("mark.is-hover")
    hovered = page.evaluate(
        "() => [...document.querySelectorAll('mark.is-hover')].map(m => m.textContent).join('')"
    )
    assert hovered == seg.quote.replace("\n", "")
    if os.environ.get("SHOT_DIR"):
        page.screenshot(path=os.path.join(os.environ["SHOT_DIR"], "dense-hover.png"))
    # J from the top: the first highlight in reading order, its text focused; K goes back.
    order = list(Segment.objects.order_by("start", "-end", "pk").values_list("pk", "quote"))
    page.mouse.move(0, 0)
    page.locator("#transcript").focus()
    page.keyboard.press("j")
    page.keyboard.press("j")
    focused = page.evaluate(
        "() => [...document.querySelectorAll('mark.is-focus')].map(m => m.textContent).join('')"
    )
    assert focused == order[1][1].replace("\n", "")
    assert page.locator(f'.stripe.is-focus[data-seg="{order[1][0]}"]').count() >= 1
    page.keyboard.press("k")
    focused = page.evaluate(
        "() => [...document.querySelectorAll('mark.is-focus')].map(m => m.textContent).join('')"
    )
    assert focused == order[0][1].replace("\n", "")
