"""Journey: the PI, in English, goes from two coders' disagreement to the files for the paper.

Two coders coded a Cantonese passage holding 𠝹 (one code point in Python, two UTF-16 units
in the browser and in NVivo) with different spans. The PI reads the agreement report and the
over-time tab, settles the disagreement into consensus with the keyboard, reads the
framework matrix of the consensus, and downloads its CSV and XLSX, the coded retrieval CSV
and the project (.qdpx). Each file is opened: its headers, and the Chinese quote with its
offsets in code points (Python's text[start:end]).

Screenshots: /tmp/shots-journey/ (SHOTS_DIR), looked at while writing the test.
"""

from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from coding.models import Assignment, Segment
from studies.models import Role
from tests import factories
from tests.browser.coding_helpers import span_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots-journey"))

TEXT = (
    "Interviewer: Have you met any stigma?\n"
    "P01：聽到人哋咁講，我個心好似俾刀𠝹咗一下咁。之後我照返工。\n"
    "Interviewer: And your family?\n"
    "P01: My mother stood by me."
)
WIDE = "聽到人哋咁講，我個心好似俾刀𠝹咗一下咁。"  # bob's span
KNIFE = "我個心好似俾刀𠝹咗一下咁"  # erin's span, inside bob's


@pytest.fixture
def study(db):
    study = factories.make_study(name="Peer support")
    pi = factories.make_user(username="alice")
    bob = factories.make_user(username="bob")
    erin = factories.make_user(username="erin")
    factories.add_member(study, pi, Role.OWNER)
    factories.add_member(study, bob, Role.CODER)
    factories.add_member(study, erin, Role.CODER)
    group = factories.make_group(study, name="Service users", position=0)
    wave = factories.make_wave(study, name="T1", position=0)
    person = factories.make_participant(study, pseudonym="P01", group=group)
    t = factories.make_transcript(study, text=TEXT, title="P01 T1", participant=person, wave=wave)
    stigma = factories.make_code(study, name="Stigma", name2="污名", color="#D55E00")
    for user, quote in ((bob, WIDE), (erin, KNIFE)):
        layer = factories.make_layer(study, user=user)
        Assignment.objects.create(layer=layer, transcript=t)
        factories.make_segment(t, stigma, layer, *span_of(TEXT, quote))
    return {"study": study, "pi": pi, "t": t, "stigma": stigma}


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"pi-exports-{name}.png"), full_page=True)


def download(page, link) -> bytes:
    with page.expect_download() as info:
        link.click()
    return Path(info.value.path()).read_bytes()


def test_a_pi_settles_a_disagreement_and_opens_every_export(study, page, login_as):
    s = study
    login_as(s["pi"])
    page.goto(f"/studies/{s['study'].pk}/")
    page.get_by_role("link", name="Agreement", exact=True).first.click()
    row = page.locator("tr", has=page.get_by_role("link", name="Stigma", exact=True)).first
    row.wait_for()
    shot(page, "01-report")
    page.get_by_role("link", name="Over time", exact=True).click()
    page.wait_for_selector("table.over-time")
    assert "Agreement over time" in page.locator("main").inner_text()
    shot(page, "02-over-time")

    # The disagreement, side by side; settled with the keyboard: A (bob's wider span).
    page.get_by_role("link", name="Per code", exact=True).click()
    page.get_by_role("link", name="Stigma", exact=True).first.click()
    page.get_by_role("link", name="Review side by side").first.click()
    page.get_by_text("0 of 1 settled").wait_for()
    page.get_by_role("button", name="Accept A").first.focus()
    page.keyboard.press("Enter")
    page.get_by_text("1 of 1 settled").wait_for()
    shot(page, "03-settled")
    # The side-by-side table's "Turn" heading stays one word on one line.
    lines = page.get_by_role("columnheader", name="Turn").evaluate(
        "th => { const r = document.createRange(); r.selectNodeContents(th);"
        " return new Set([...r.getClientRects()].map((b) => Math.round(b.top))).size; }"
    )
    assert lines == 1
    consensus = Segment.objects.get(layer__kind="consensus")
    assert (consensus.start, consensus.end, consensus.quote) == (*span_of(TEXT, WIDE), WIDE)
    start, end = consensus.start, consensus.end

    # The framework matrix of the consensus, and its files.
    page.goto(f"/studies/{s['study'].pk}/compare/framework/")
    page.get_by_label("Source layer").select_option(label="Consensus")
    page.get_by_role("button", name="Show").first.click()
    cell = page.get_by_text(WIDE, exact=False).first
    cell.wait_for()
    shot(page, "04-framework")
    data = download(page, page.get_by_role("link", name="CSV", exact=True).first)
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(rows[0])[:6] == [
        "group",
        "participant",
        "wave",
        "code_path",
        "interviewed",
        "segments",
    ]
    assert [(r["participant"], r["code_path"], r["segments"]) for r in rows] == [
        ("P01", "Stigma", "1")
    ]
    assert WIDE in rows[0]["quotes"]
    data = download(page, page.get_by_role("link", name="XLSX", exact=True).first)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    values = [str(v) for line in sheet.iter_rows(values_only=True) for v in line if v]
    assert any(WIDE in v for v in values)

    # Coded retrieval's CSV: offsets in code points, the quote equal to the text there.
    page.goto(f"/studies/{s['study'].pk}/retrieval/?code={s['stigma'].pk}&layer=consensus")
    data = download(page, page.get_by_role("link", name="CSV", exact=True))
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [(r["layer"], int(r["start"]), int(r["end"]), r["quote"]) for r in rows] == [
        ("Consensus", start, end, WIDE)
    ]
    assert TEXT[start:end] == WIDE and len(WIDE.encode("utf-16-le")) // 2 == len(WIDE) + 1

    # The project: the consensus selection at the same code points, the source text intact.
    page.goto(f"/studies/{s['study'].pk}/exchange/")
    data = download(page, page.get_by_role("button", name="Download project.qdpx"))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        project = archive.read("project.qde").decode("utf-8")
        sources = [
            archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith(".txt")
        ]
    assert sources == [TEXT]
    offsets = re.findall(r'startPosition="(\d+)" endPosition="(\d+)"', project)
    assert (str(start), str(end)) in offsets
    assert len(offsets) == 3  # bob's, erin's and the consensus
