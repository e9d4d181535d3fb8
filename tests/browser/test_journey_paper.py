"""Issue 14's "Done when", as one journey on the demo study (``seed_demo``), as the PI in
Chromium: assign a stratified double-coded subset, freeze codebook versions and read their
diff, build three themes with their history, mark exemplars, and download the theme report
and the methods appendix (DOCX and Markdown), checked with python-docx against independent
computations from the database."""

from __future__ import annotations

import csv
import io
import math
import re
from collections import defaultdict
from fractions import Fraction
from io import StringIO
from pathlib import Path

import krippendorff
import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from docx import Document
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph

from coding.exports import CODE_PATH_SEPARATOR
from coding.models import (
    Assignment,
    AuditEvent,
    Code,
    CodebookVersion,
    Exemplar,
    LayerKind,
    SamplerDraw,
    Segment,
    Theme,
    ThemeEvent,
    ThemeStatus,
)
from studies.models import Study, Transcript

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots-demo14")
# How a results section names a participant's group (independent of coding/exemplars/tags.py).
SINGULAR = {
    "Peer support workers": "peer support worker",
    "Service users": "service user",
    "Co-workers": "co-worker",
}


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"journey-{name}.png"), full_page=True)


def settled(page) -> None:
    page.wait_for_function(
        "!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )


# --- independent computations from the database -------------------------------------------


def cells_of(study) -> dict[tuple[int, int], list[int]]:
    """(group id, wave id) -> transcript ids."""
    cells = defaultdict(list)
    for pk, group, wave in Transcript.objects.filter(study=study).values_list(
        "pk", "participant__group_id", "wave_id"
    ):
        cells[(group, wave)].append(pk)
    return cells


def allocation(cells, percent: int) -> dict:
    """Largest remainder (Hamilton) of a percent share per cell, at least one per cell, as
    docs/assignments/SAMPLER.md states it, written again here."""
    quotas = {k: Fraction(percent, 100) * len(v) for k, v in cells.items()}
    target = math.floor(sum(quotas.values()) + Fraction(1, 2))
    counts = {k: math.floor(q) for k, q in quotas.items()}
    order = sorted(
        (k for k in cells if quotas[k] > counts[k]), key=lambda k: (counts[k] - quotas[k], k)
    )
    for k in order[: target - sum(counts.values())]:
        counts[k] += 1
    return {k: max(n, 1) for k, n in counts.items()}


def seeded_draw(cells, counts, seed: int) -> list[int]:
    import random

    rng = random.Random(seed)
    chosen = []
    for key in sorted(cells):
        chosen += rng.sample(sorted(cells[key]), counts[key])
    return sorted(chosen)


def below(code_ids) -> set[int]:
    ids = set(code_ids)
    while True:
        more = set(Code.objects.filter(parent_id__in=ids).values_list("pk", flat=True)) - ids
        if not more:
            return ids
        ids |= more


def prevalence_cells(study, theme) -> dict[tuple[str, str], str]:
    """(group name, wave label) -> "n/N (p%)": participants with a segment of the theme's
    codes (or codes below them) in either coder's layer, of those interviewed."""
    codes = below(theme.codes.values_list("pk", flat=True))
    interviewed, present = defaultdict(set), defaultdict(set)
    for t in Transcript.objects.filter(study=study).select_related("participant__group", "wave"):
        interviewed[t.participant.group.name, t.wave.name.split()[0]].add(t.participant_id)
    for s in Segment.objects.filter(
        transcript__study=study, layer__kind=LayerKind.CODER, code_id__in=codes
    ).select_related("transcript__participant__group", "transcript__wave"):
        t = s.transcript
        present[t.participant.group.name, t.wave.name.split()[0]].add(t.participant_id)
    out = {}
    for wave in {w for _, w in interviewed}:
        everyone = set().union(*(v for (g, w), v in interviewed.items() if w == wave))
        with_it = set().union(*(v for (g, w), v in present.items() if w == wave))
        interviewed["All participants", wave] = everyone
        present["All participants", wave] = with_it
    for key, people in interviewed.items():
        n, d = len(present[key]), len(people)
        out[key] = f"{n}/{d} ({int(n * 100 / d + 0.5)}%)"
    return out


def tag(segment) -> str:
    t = segment.transcript
    group = SINGULAR[t.participant.group.name]
    return f"({t.participant.pseudonym}, {group}, {t.wave.name.split()[0]})"


def docx_tables(doc) -> dict[str, list[list[str]]]:
    """Caption (without "Table n. ") -> rows of the table under it."""
    out, caption = {}, None
    for block in doc.iter_inner_content():
        if isinstance(block, Paragraph):
            found = re.match(r"Table \d+\. (.*)", block.text)
            caption = found.group(1) if found and block.style.name == "Caption" else None
        elif isinstance(block, DocxTable) and caption:
            out[caption] = [[c.text for c in row.cells] for row in block.rows]
    return out


def find(tables, start):
    (key,) = [k for k in tables if k.startswith(start)]
    return tables[key]


def reference_alpha(transcripts, codes, layers) -> tuple[float, float]:
    """Binary alpha and percent agreement on characters (each character x code a unit), by
    the `krippendorff` package."""
    rows = [[], []]
    for t in transcripts:
        for r, layer in enumerate(layers):
            marks = np.zeros(t.length)
            for start, end in Segment.objects.filter(
                transcript=t, layer=layer, code_id__in=codes
            ).values_list("start", "end"):
                marks[start:end] = 1
            rows[r].extend(marks)
    data = np.array(rows)
    alpha = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    return alpha, float(np.mean(data[0] == data[1]))


def download(page, name: str) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("link", name=name).click()
    return Path(info.value.path()).read_bytes()


# --- the journey ------------------------------------------------------------------------


def test_a_pi_goes_from_coded_data_to_the_papers_tables(page, login_as, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", password="pw-for-tests-1", stdout=StringIO())
    study = Study.objects.get()
    User = get_user_model()
    pi, coder1, coder2 = (User.objects.get(username=n) for n in ("pi", "coder1", "coder2"))
    seeded = SamplerDraw.objects.get(study=study)
    login_as(pi)
    page.goto(reverse("studies:study_dashboard", args=[study.pk]))

    # 1. Assignments: a stratified 20 % double-coded subset for coder1 and coder2, seed 2026.
    page.get_by_role("navigation", name="Study").get_by_role("link", name="Assignments").click()
    expect_draws = page.get_by_role("heading", name="Recorded double-coding draws")
    expect_draws.wait_for()
    assert "2019" in page.locator("table", has=page.locator("th", has_text="Seed")).inner_text()
    page.get_by_role("link", name="Draw a double-coding sample…").click()
    page.get_by_label("Percent of transcripts").fill("20")
    page.get_by_label("Coder A").select_option(label="coder1")
    page.get_by_label("Coder B").select_option(label="coder2")
    page.get_by_label("Seed").fill("2026")
    page.get_by_role("button", name="Preview the draw").focus()
    page.keyboard.press("Enter")
    cells = cells_of(study)
    counts = allocation(cells, 20)
    expected = seeded_draw(cells, counts, 2026)
    heading = page.get_by_role("heading", name="Preview:")
    assert f"{len(expected)} transcripts for coder1 and coder2 (seed 2026)" in heading.inner_text()
    groups = dict(study.groups.values_list("name", "pk"))
    waves = dict(study.waves.values_list("name", "pk"))
    shown = page.get_by_role("table", name="Per group × wave cell").locator("tbody tr")
    assert shown.count() == len(cells)
    for row in shown.all():
        group, wave, _n, _share, drawn = (c.inner_text() for c in row.locator("td, th").all())
        assert int(drawn) == counts[(groups[group], waves[wave])], (group, wave)
    shot(page, "1-sampler-preview")
    page.get_by_role("button", name="Apply: assign").click()
    page.wait_for_url("**/assignments/")
    draw = SamplerDraw.objects.filter(study=study).exclude(pk=seeded.pk).get()
    assert (draw.seed, draw.transcript_ids) == (2026, expected)
    for user in (coder1, coder2):
        assigned = set(
            Assignment.objects.filter(layer__user=user, layer__study=study).values_list(
                "transcript_id", flat=True
            )
        )
        assert set(expected) <= assigned
    shot(page, "2-assignments")

    # 2. Codebook versions: the demo's two, then one more of mine with a renamed code.
    page.get_by_role("navigation", name="Study").get_by_role("link", name="Codebook").click()
    page.get_by_role("link", name="Versions").click()
    page.get_by_role("link", name="with v1 after calibration").click()
    page.locator("#diff-count").wait_for()
    assert page.locator("#diff-count").inner_text().startswith("4 changes")
    renamed = page.locator("table[data-kind=renamed] tbody tr")
    assert "“Saying no” → “Refusing requests”" in renamed.inner_text()
    reason = AuditEvent.objects.get(
        study=study, action="code.update", after__name="Refusing requests"
    )
    assert renamed.locator("input[name=reason]").input_value() == reason.after["reason"]
    assert page.locator("table[data-kind=added]").inner_text().count("Peer supervision") == 1
    shot(page, "3-diff-v1-v2")
    page.goto(reverse("coding:codebook_versions", args=[study.pk]))
    page.get_by_label("Version name").fill("v3 after the T2 draw")
    page.get_by_label("Version name").press("Enter")
    page.get_by_text("Froze the codebook as “v3 after the T2 draw”").wait_for()
    page.goto(reverse("coding:codebook", args=[study.pk]))
    page.locator("#code-tree").get_by_role("link", name="Benefits", exact=True).click()
    page.locator("#code-detail h2", has_text="Benefits").wait_for()
    settled(page)
    page.get_by_text("Edit name, definition and colour").click()
    page.locator("#edit_name").fill("Benefits of peer support")
    page.locator("#edit_reason").fill("Benefits to whom: the name now says it")
    page.locator("#edit-submit").click()
    page.locator("#codebook-status", has_text="Saved").wait_for()
    settled(page)
    page.goto(reverse("coding:codebook_versions", args=[study.pk]))
    page.get_by_label("Version name").fill("v4 after renaming Benefits")
    page.get_by_role("button", name="Freeze version").click()
    page.get_by_text("Froze the codebook as “v4 after renaming Benefits”").wait_for()
    page.get_by_role("link", name="with v3 after the T2 draw").click()
    page.locator("#diff-count").wait_for()
    v3, v4 = (CodebookVersion.objects.get(study=study, name__startswith=p) for p in ("v3", "v4"))
    before = {row["id"]: row for row in v3.snapshot}
    renamed_codes = [
        (before[row["id"]]["name"], row["name"])
        for row in v4.snapshot
        if before[row["id"]]["name"] != row["name"]
    ]
    assert renamed_codes == [("Benefits", "Benefits of peer support")]
    # Only the name changed (the paths below it follow), and nothing was added or removed.
    assert set(before) == {row["id"] for row in v4.snapshot}
    assert not [
        row
        for row in v4.snapshot
        if {k: v for k, v in row.items() if k not in ("name", "path")}
        != {k: v for k, v in before[row["id"]].items() if k not in ("name", "path")}
    ]
    assert page.locator("#diff-count").inner_text().startswith("1 change")
    assert (
        "“Benefits” → “Benefits of peer support”"
        in page.locator("table[data-kind=renamed]").inner_text()
    )
    shot(page, "4-diff-v3-v4")

    # 3. Themes: three new ones from codes; add a code, rename, split one, merge two.
    page.get_by_role("navigation", name="Study").get_by_role("link", name="Themes").click()

    def create(name, concept, codes):
        form = page.get_by_role("region", name="New candidate theme")
        form.get_by_label("Name").fill(name)
        form.get_by_label("Central organising concept").fill(concept)
        form.get_by_label("Codes").select_option(label=codes)
        form.get_by_role("button", name="Create theme").focus()
        page.keyboard.press("Enter")
        page.get_by_role("heading", level=2).filter(has_text=name).wait_for()
        page.get_by_role("link", name="← All themes").click()

    create("Boundaries at work", "Where the peer relationship ends", ["Boundary setting"])
    create(
        "Work that costs",
        "The work asks for the worker's own story and takes a toll",
        ["Self-disclosure", "Emotional load"],
    )
    create("Pay and prospects", "A job, but not yet a career", ["Pay and contracts"])
    page.get_by_role("link", name="Boundaries at work").click()
    codes = page.get_by_role("region", name="Codes")
    codes.get_by_label("Codes feeding the theme").select_option(
        label=["Boundary setting", "Team acceptance"]
    )
    codes.get_by_label("Reason for the codes").fill("Boundaries are negotiated with the team")
    codes.get_by_role("button", name="Save codes").click()
    edit = page.get_by_role("region", name="Rename or reword")
    edit.get_by_label("Name").fill("Where the peer relationship ends")
    edit.get_by_label("Reason for the change").fill("The participants' question, not ours")
    edit.get_by_role("button", name="Save").click()
    page.get_by_role("heading", level=2).filter(
        has_text="Where the peer relationship ends"
    ).wait_for()
    page.get_by_role("link", name="← All themes").click()
    page.get_by_role("link", name="Work that costs").click()
    split = page.get_by_role("region", name="Split")
    split.get_by_label("New theme", exact=True).fill("Telling one's own story")
    split.get_by_label("Codes the new theme takes").select_option(label=["Self-disclosure"])
    split.get_by_label("Reason for the split").fill("Disclosure is a choice, the load is not")
    split.get_by_role("button", name="Split theme").click()
    page.get_by_role("link", name="← All themes").click()
    merge = page.get_by_role("region", name="Merge themes")
    merge.get_by_label("Keep").select_option(label="Work that costs")
    merge.get_by_label("Merge into it").select_option(label=["Pay and prospects"])
    merge.get_by_label("Reason").fill("Low pay is part of what the work costs")
    merge.get_by_role("button", name="Merge").click()
    costs = Theme.objects.get(study=study, name="Work that costs")
    story = Theme.objects.get(study=study, name="Telling one's own story")
    ends = Theme.objects.get(study=study, name="Where the peer relationship ends")
    assert sorted(c.name for c in costs.codes.all()) == ["Emotional load", "Pay and contracts"]
    assert [c.name for c in story.codes.all()] == ["Self-disclosure"]
    assert sorted(c.name for c in ends.codes.all()) == ["Boundary setting", "Team acceptance"]
    assert Theme.objects.get(study=study, name="Pay and prospects").status == (
        ThemeStatus.DISCARDED
    )
    history = page.get_by_role("region", name="History")
    expect_lines = [
        "Split: “Telling one's own story” took codes",
        "Disclosure is a choice, the load is not",
        "Merged in “Pay and prospects”",
        "Low pay is part of what the work costs",
    ]
    text = history.inner_text()
    assert all(line in text for line in expect_lines), text
    kinds = list(ThemeEvent.objects.filter(theme=costs).values_list("kind", "reason"))
    assert kinds == [
        ("created", ""),
        ("split", "Disclosure is a choice, the load is not"),
        ("merged", "Low pay is part of what the work costs"),
    ]
    page.goto(reverse("coding:theme_detail", args=[study.pk, ends.pk]))
    text = page.get_by_role("region", name="History").inner_text()
    assert "Renamed “Boundaries at work” → “Where the peer relationship ends”" in text
    assert "The participants' question, not ours" in text
    assert "Boundaries are negotiated with the team" in text
    shot(page, "5-theme-history")
    # The demo's own themes carry their history too.
    role = Theme.objects.get(study=study, name="Nobody knew what a peer worker is")
    page.goto(reverse("coding:theme_detail", args=[study.pk, role.pk]))
    text = page.get_by_role("region", name="History").inner_text()
    assert "Renamed “Not knowing the role” → “Nobody knew what a peer worker is”" in text
    assert "Status candidate → reviewed" in text

    # The board's themes table (CSV): every theme not discarded, with the denominators.
    page.get_by_role("link", name="← All themes").click()
    rows = list(
        csv.reader(
            io.StringIO(download(page, "Download the themes table (CSV)").decode("utf-8-sig"))
        )
    )
    header, by_theme = rows[0], {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert header[:4] == ["theme", "status", "concept", "codes"]
    assert set(by_theme) == set(Theme.objects.filter(study=study).values_list("name", flat=True))

    def path(code):
        return path(code.parent) + [code.name] if code.parent_id else [code.name]

    assert by_theme["Work that costs"]["codes"] == "; ".join(
        sorted(CODE_PATH_SEPARATOR.join(path(c)) for c in costs.codes.all())
    )
    assert by_theme["Pay and prospects"]["status"] == "Discarded"
    expected_cells = prevalence_cells(study, costs)
    for group in study.groups.all():
        for wave in study.waves.all():
            n, d = expected_cells[group.name, wave.name.split()[0]].split(" ")[0].split("/")
            label = f"{group.name} {wave.name}"
            assert by_theme["Work that costs"][f"{label}: participants with the theme"] == n
            assert by_theme["Work that costs"][f"{label}: interviewed"] == d

    # 4. Exemplars: from the coding page (keyboard) and from coded retrieval.
    segment = (
        Segment.objects.filter(
            transcript__study=study, layer__user=coder1, code__name="Refusing requests"
        )
        .select_related("transcript", "layer__user")
        .order_by("transcript__participant__pseudonym", "transcript__wave__position", "start")
        .first()
    )
    page.goto(
        reverse("coding:transcript_code", args=[study.pk, segment.transcript_id])
        + f"?layer={segment.layer.key}"
    )
    page.locator("mark.r").first.click()
    link = page.locator("#seg-pop").get_by_role("link", name=re.compile("Mark as exemplar: "))
    link.first.wait_for()
    link.first.focus()
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Mark as exemplar").wait_for()
    page.get_by_label("Exemplar of").select_option(label="Where the peer relationship ends")
    page.get_by_label("Note (optional)").fill("Refusing, kindly")
    page.get_by_role("button", name="Mark exemplar").click()
    page.wait_for_url(re.compile(r"/transcripts/"))
    mine = Exemplar.objects.get(theme=ends)
    assert mine.note == "Refusing, kindly" and mine.created_by == pi
    page.goto(
        reverse("coding:retrieval", args=[study.pk])
        + f"?code={Code.objects.get(study=study, name='Emotional load').pk}&layer=union"
    )
    page.get_by_role("link", name=re.compile(r"Exemplar…")).first.click()
    page.get_by_label("Exemplar of").select_option(label="Work that costs")
    page.get_by_role("button", name="Mark exemplar").click()
    page.wait_for_url(re.compile(r"/retrieval/"))
    assert Exemplar.objects.filter(theme=costs).count() == 1

    # 5. The theme report, DOCX and Markdown, against counts from the raw segments.
    page.get_by_role("navigation", name="Study").get_by_role("link", name="Results").click()
    page.get_by_role("heading", name="Theme report").wait_for()
    shot(page, "6-theme-report")
    doc = Document(io.BytesIO(download(page, "Download DOCX")))
    markdown = download(page, "Download Markdown").decode("utf-8")
    tables = docx_tables(doc)
    live = list(
        Theme.objects.filter(study=study)
        .exclude(status=ThemeStatus.DISCARDED)
        .order_by("position", "name", "pk")
    )
    assert len(live) == 6
    assert len(tables) == len(live)
    wave_labels = [
        w.split()[0] for w in study.waves.order_by("position").values_list("name", flat=True)
    ]
    group_names = list(study.groups.order_by("position").values_list("name", flat=True))
    for theme in live:
        rows = find(tables, f"{theme.name}: participants with the theme")
        expected_cells = prevalence_cells(study, theme)
        assert rows[0] == ["Group", *wave_labels]
        assert [r[0] for r in rows[1:]] == [*group_names, "All participants"]
        for row in rows[1:]:
            assert row[1:] == [expected_cells[row[0], w] for w in wave_labels], (theme.name, row)
            assert f"| {row[0]} | " + " | ".join(row[1:]) + " |" in markdown
    paragraphs = [p.text for p in doc.paragraphs]
    exemplars = Exemplar.objects.filter(segment__transcript__study=study).select_related(
        "segment__transcript__participant__group", "segment__transcript__wave"
    )
    assert exemplars.count() == 9 + 2
    for ex in exemplars:
        s = ex.segment
        quote = s.transcript.text[s.start : s.end]
        assert f"“{quote}” {tag(s)}" in paragraphs
        assert f"> “{quote}” {tag(s)}" in markdown
    assert any(re.search(r"\(PSW\d\d, peer support worker, T2\)$", p) for p in paragraphs)
    assert "None" not in "\n".join(paragraphs)

    # 6. The methods appendix on the demo's recorded draw, DOCX and Markdown.
    page.get_by_role("link", name="Methods", exact=True).click()
    page.get_by_label("Agreement on").select_option(f"draw:{seeded.pk}")
    page.get_by_label("Bootstrap replicates").fill("100")
    page.get_by_label("Seed").fill("14")
    page.get_by_role("button", name="Preview").click()
    page.get_by_role("article", name="Preview").get_by_role(
        "heading", name="4. Inter-coder agreement"
    ).wait_for()
    shot(page, "7-methods-preview")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download DOCX").click()
    methods = Document(io.BytesIO(Path(info.value.path()).read_bytes()))
    with page.expect_download() as info:
        page.get_by_role("button", name="Download Markdown").click()
    methods_md = Path(info.value.path()).read_text(encoding="utf-8")
    tables = docx_tables(methods)
    design = find(tables, "Interviews per group")
    for row in design[1:]:
        group = study.groups.get(name=row[0])
        per_wave = [
            Transcript.objects.filter(study=study, participant__group=group, wave=w).count()
            for w in study.waves.order_by("position")
        ]
        assert [int(x) for x in row[2:5]] == per_wave and int(row[5]) == sum(per_wave)
    coders = {r[0]: r for r in find(tables, "Coders")[1:]}
    for user in (coder1, coder2):
        assigned = Assignment.objects.filter(layer__user=user, layer__study=study).count()
        assert int(coders[user.username][1]) == assigned
    draws = find(tables, "Double-coding sampler")
    assert sorted(r[1] for r in draws[1:]) == ["2019", "2026"]
    assert [r[0] for r in find(tables, "Codebook versions")[1:]] == [
        "v1 after calibration",
        "v2 before T2 coding",
        "v3 after the T2 draw",
        "v4 after renaming Benefits",
    ]
    agreement = {r[0]: r for r in find(tables, "Agreement overall")[1:]}
    compared = Transcript.objects.filter(pk__in=seeded.transcript_ids)
    layers = [coder1.layers.get(study=study), coder2.layers.get(study=study)]
    for name in ("Role and identity", "Stigma and family"):
        top = Code.objects.get(study=study, name=name)
        alpha, agree = reference_alpha(compared, below([top.pk]), layers)
        row = agreement[name]
        assert float(row[4]) == pytest.approx(alpha, abs=5e-4), name
        assert float(row[2].rstrip("%")) == pytest.approx(100 * agree, abs=0.05), name
        assert int(row[1].replace(",", "")) == sum(t.length for t in compared)
    rest_on = sorted(r[0] for r in find(tables, "Transcripts the figures rest on")[1:])
    assert rest_on == sorted(compared.values_list("title", flat=True))
    checklist = find(tables, "Reporting checklist")
    assert checklist[0] == ["Section", "COREQ item(s)", "SRQR item(s)"]
    assert "27 Software" in [c for r in checklist for c in r]
    for text in ("COREQ", "SRQR", "## 4. Inter-coder agreement", "falsely narrow intervals"):
        assert text in methods_md
    body = "\n".join(p.text for p in methods.paragraphs)
    assert "None" not in body and "None" not in methods_md
