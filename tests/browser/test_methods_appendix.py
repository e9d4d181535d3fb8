"""A PI opens the Methods tab in Chromium, previews the appendix with a procedure note and
downloads it as DOCX; the downloaded document carries the figures the API gives."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from docx import Document

from coding.assignments import services as assignment_services
from coding.codebook import versions
from coding.models import Layer
from tests import factories
from workbench.demo import build as demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots-methods"))


def test_a_pi_previews_and_downloads_the_methods_appendix(page, login_as):
    owner = factories.make_user(username="pi")
    study = demo.build_demo_study(
        owner=owner, coders=2, transcripts_limit=8, segments_per_layer=30, target_chars=(2000, 4000)
    )
    layers = list(Layer.objects.filter(study=study, kind="coder").order_by("pk"))[:2]
    draw = assignment_services.sample_apply(
        study=study,
        actor=owner,
        request=assignment_services.SampleRequest(
            user_ids=[la.user_id for la in layers], seed=11, percent=50
        ),
    )
    versions.version_create(study=study, name="v1 after calibration", actor=owner)
    login_as(owner)
    page.goto(reverse("studies:study_dashboard", args=[study.pk]))

    # The PI opens the Methods tab, asks for the draw's sample and 50 replicates, adds a note.
    page.get_by_role("link", name="Methods", exact=True).click()
    page.get_by_label("Agreement on").select_option(f"draw:{draw.pk}")
    page.get_by_label("Bootstrap replicates").fill("50")
    page.get_by_label("Seed").fill("4")
    page.get_by_text("Procedure notes (optional, per section)").click()
    page.get_by_label("Notes on consensus procedure").fill(
        "Disagreements were settled weekly by the PI."
    )
    page.get_by_role("button", name="Preview").click()

    preview = page.get_by_role("article", name="Preview")
    assert preview.get_by_role("heading", name="1. Study design").is_visible()
    assert "Disagreements were settled weekly by the PI." in preview.inner_text()
    assert preview.get_by_text("v1 after calibration").first.is_visible()
    seed_cell = (
        preview.locator("table", has_text="Double-coding sampler").locator("tbody td").nth(1)
    )
    assert seed_cell.inner_text() == "11"
    # The draw's cells are a table of their own; the audit's kinds of change read as words.
    cells = preview.locator("table", has_text="Transcripts drawn per group × wave")
    assert cells.locator("tbody tr").last.locator("td").first.inner_text() == "All groups"
    kinds = preview.locator("table", has_text="Changes by kind").locator("tbody tr td:first-child")
    assert "Double-coding sample drawn" in kinds.all_inner_texts()
    assert not [k for k in kinds.all_inner_texts() if re.fullmatch(r"[a-z_]+\.[a-z_]+", k)]
    api = Client()
    api.force_login(owner)
    body = api.get(
        f"/api/v1/studies/{study.pk}/agreement",
        {
            "layers": ",".join(la.key for la in layers),
            "sample": f"draw:{draw.pk}",
            "bootstrap": 50,
            "seed": 4,
        },
    ).json()
    low, high = body["overall"]["alpha_ci"]
    overall = preview.locator("table", has_text="Agreement overall").locator("tbody tr").first
    assert f"[{low:.3f}, {high:.3f}]" in overall.inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "methods-preview.png"), full_page=True)

    # The DOCX download carries the same interval and the checklist table.
    with page.expect_download() as info:
        page.get_by_role("button", name="Download DOCX").click()
    download = info.value
    assert download.suggested_filename.endswith("methods-appendix.docx")
    doc = Document(io.BytesIO(Path(download.path()).read_bytes()))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert f"[{low:.3f}, {high:.3f}]" in cells
    assert "27 Software" in cells
