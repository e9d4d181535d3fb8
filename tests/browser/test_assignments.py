"""A PI draws a stratified 20% double-coding sample for coder1 and coder2 with a seed,
previews it, applies it, and coder1 finds those transcripts on the study dashboard."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.urls import reverse

from coding.assignments import sampler
from coding.models import Assignment, SamplerDraw
from studies.models import Role
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots-assign"))


def reference_like_study(owner, coders):
    """3 groups x 3 waves with attrition: 5/5/4, 8/7/6, 6/4/3 transcripts."""
    study = factories.make_study(name="Peer support, three waves")
    factories.add_member(study, owner, Role.OWNER)
    for user in coders:
        factories.add_member(study, user, Role.CODER)
    groups = [
        factories.make_group(study, name=n)
        for n in ("Peer support workers", "Service users", "Co-workers")
    ]
    waves = [factories.make_wave(study, name=n) for n in ("T1", "T2", "T3")]
    sizes = [(5, 5, 4), (8, 7, 6), (6, 4, 3)]
    cells = {}
    for g, group in enumerate(groups):
        for i in range(max(sizes[g])):
            p = factories.make_participant(study, pseudonym=f"{'PSC'[g]}{i + 1:02d}", group=group)
            for w, wave in enumerate(waves):
                if i < sizes[g][w]:
                    t = factories.make_transcript(
                        study, title=f"{p.pseudonym} {wave.name}", participant=p, wave=wave
                    )
                    cells.setdefault((group.pk, wave.pk), []).append(t.pk)
    return study, cells


def test_a_pi_draws_a_double_coding_sample_and_the_coder_sees_it(page, login_as):
    owner = factories.make_user(username="pi")
    coder1, coder2 = factories.make_user(username="coder1"), factories.make_user(username="coder2")
    study, cells = reference_like_study(owner, [coder1, coder2])
    SHOTS.mkdir(parents=True, exist_ok=True)

    # The PI opens Assignments from the study menu and asks for the sampler.
    login_as(owner)
    page.goto(reverse("studies:study_dashboard", args=[study.pk]))
    page.get_by_role("navigation", name="Study").get_by_role("link", name="Assignments").click()
    page.get_by_role("link", name="Draw a double-coding sample…").click()

    # 20% for coder1 and coder2, seed 2026: preview first.
    page.get_by_label("Percent of transcripts").fill("20")
    page.get_by_label("Coder A").select_option(label="coder1")
    page.get_by_label("Coder B").select_option(label="coder2")
    page.get_by_label("Seed").fill("2026")
    page.get_by_role("button", name="Preview the draw").click()
    expected = sampler.draw(cells, percent=20, seed=2026)
    heading = page.get_by_role("heading", name="Preview:")
    assert f"{len(expected.chosen)} transcripts for coder1 and coder2 (seed 2026)" in (
        heading.inner_text()
    )
    assert not Assignment.objects.exists()
    drawn = page.locator("table.data tbody tr td:nth-child(5)").all_inner_texts()
    assert all(int(n) >= 1 for n in drawn) and len(drawn) == 9
    page.screenshot(path=str(SHOTS / "sampler-preview.png"), full_page=True)

    # Apply: both coders get exactly the previewed transcripts, and the draw is recorded.
    page.get_by_role("button", name="Apply: assign").click()
    page.wait_for_url("**/assignments/")
    assert "Recorded as draw" in page.locator("#messages").inner_text()
    draw = SamplerDraw.objects.get(study=study)
    assert draw.transcript_ids == expected.chosen and draw.seed == 2026
    for user in (coder1, coder2):
        got = Assignment.objects.filter(layer__user=user).values_list("transcript_id", flat=True)
        assert sorted(got) == expected.chosen
    assert page.get_by_role("heading", name="Recorded double-coding draws").is_visible()
    ticked = page.locator('input[name="a"]:checked').count()
    assert ticked == 2 * len(expected.chosen)
    page.screenshot(path=str(SHOTS / "assignments-grid.png"), full_page=True)

    # The dashboard shows the PI every cell's assignments: each cell double-coded at least once.
    page.get_by_role("navigation", name="Study").get_by_role("link", name="Dashboard").click()
    cells_table = page.get_by_role("table", name="Per cell")
    texts = cells_table.locator("tbody td").all_inner_texts()
    assert len(texts) == 9 and all("0 double" not in t for t in texts)
    cells_table.screenshot(path=str(SHOTS / "owner-dashboard-cells.png"))

    # coder1 signs in and finds the sample under My assignments.
    page.context.clear_cookies()
    login_as(coder1)
    page.goto(reverse("studies:study_dashboard", args=[study.pk]))
    table = page.get_by_role("table", name="assigned to you")
    titles = table.locator("tbody th").all_inner_texts()
    chosen = dict(study.transcripts.values_list("pk", "title"))
    assert sorted(titles) == sorted(chosen[t] for t in expected.chosen)
    assert table.locator("tbody td", has_text="Not done").count() == len(expected.chosen)
    page.locator("section[aria-labelledby=my-assignments-h]").screenshot(
        path=str(SHOTS / "coder-dashboard.png")
    )
