"""The methods appendix as a journal reviewer reads it, in English and in zh-Hant-HK: kinds of
change named in words (never the audit's ids), the sampler's cells as a table, the code
counts of the agreement paragraph said for what they count, one number format per kind of
figure (coefficients three decimals, percent agreement one, shares of transcripts none)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from coding.assignments import services as assignment_services
from coding.calibration import services as calibration
from coding.codebook import services as codebook_services
from coding.codebook import versions
from coding.history.actions import ACTION_LABELS, action_label
from coding.models import AuditEvent, Transcript
from tests import factories
from tests.coding.test_methods_appendix import open_docx, tables_by_caption

TEXT = "朋輩支援𠀋 and the family. " * 120  # 3,000 code points, astral characters among them


@pytest.fixture
def data(study, owner, coder, coder2):
    groups = [factories.make_group(study, name=n, position=i) for i, n in enumerate(["PSW", "SU"])]
    waves = [factories.make_wave(study, name=n, position=i) for i, n in enumerate(["T1", "T2"])]
    for g in groups:
        for i in range(3):
            p = factories.make_participant(study, pseudonym=f"{g.name}{i}", group=g)
            for w in waves:
                factories.make_transcript(
                    study, title=f"{p.pseudonym} {w.name}", participant=p, wave=w, text=TEXT
                )
    # A category with two codes under it, and a code of its own.
    family = factories.make_code(study, name="Family")
    support = factories.make_code(study, name="Support", parent=family)
    worry = factories.make_code(study, name="Worry", parent=family)
    # A category never applied itself: not one of the codes used.
    role = factories.make_code(study, name="Role", parent=factories.make_code(study, name="Work"))
    bob, erin = factories.make_layer(study, coder), factories.make_layer(study, coder2)
    draw = assignment_services.sample_apply(
        study=study,
        actor=owner,
        # The page's form hands the sampler a float: 50.0 is written "50%".
        request=assignment_services.SampleRequest(
            user_ids=[coder.pk, coder2.pk], seed=5, percent=50.0
        ),
    )
    for i, t in enumerate(Transcript.objects.filter(pk__in=draw.transcript_ids)):
        factories.make_segment(t, support, bob, 0, 20)
        factories.make_segment(t, support, erin, 2, 20)
        factories.make_segment(t, worry, bob, 30, 50)
        factories.make_segment(t, worry, erin, 30, 45 + i)
        factories.make_segment(t, role, bob, 60, 70)
        factories.make_segment(t, role, erin, 60, 70 if i % 2 else 66)
        if i == 0:  # the category applied directly, once
            factories.make_segment(t, family, bob, 80, 90)
            factories.make_segment(t, family, erin, 80, 90)
    versions.version_create(study=study, name="v1", actor=owner)
    codebook_services.code_update(code=role, name="Role clarity", actor=owner, reason="Clearer")
    codebook_services.code_update(
        code=worry, exclusion="Not money worries.", actor=owner, reason="Calibration"
    )
    versions.version_create(study=study, name="v2", actor=owner)
    first = Transcript.objects.get(pk=draw.transcript_ids[0])
    spans = calibration.units_from_layer(layer=bob, transcript_ids=[first.pk])
    rnd = calibration.calibration_round_create(
        study=study,
        name="Round 1",
        codes=[support, worry],
        coders=[coder, coder2],
        spans=spans,
        actor=owner,
    )
    for unit in rnd.units.order_by("position"):
        for c in (coder, coder2):
            calibration.calibration_answer_submit(
                unit=unit, coder=c, code_ids=[support.pk], actor=c
            )
    calibration.calibration_round_close(round=rnd, actor=owner)
    return {"draw": draw, "bob": bob, "erin": erin, "groups": groups, "waves": waves}


def export(client, study, data, fmt="docx", language="en"):
    url = reverse("coding:methods_export", args=[study.pk])
    query = {
        "sample": f"draw:{data['draw'].pk}",
        "layers": [data["bob"].key, data["erin"].key],
        "bootstrap": 30,
        "seed": 2,
        "format": fmt,
    }
    return client.get(url, query, HTTP_ACCEPT_LANGUAGE=language)


def read(client, study, data):
    doc = open_docx(export(client, study, data))
    return tables_by_caption(doc), "\n".join(p.text for p in doc.paragraphs)


def find(tables, start):
    (key,) = [k for k in tables if k.startswith(start)]
    return tables[key]


@pytest.fixture(autouse=True)
def _english_after_each_test():
    """A zh-hant request leaves its language active in the thread: later tests read English."""
    yield
    translation.activate("en")


AUDIT_ID = re.compile(r"^[a-z_]+\.[a-z_]+$")


def test_the_kinds_of_change_are_named_in_words_not_audit_ids(study, owner_client, data):
    tables, _text = read(owner_client, study, data)
    kinds = dict(find(tables, "Changes by kind")[1:])
    assert not [k for k in kinds if AUDIT_ID.match(k)], kinds
    drawn = AuditEvent.objects.filter(study=study, action="sampler.draw").count()
    assert kinds["Double-coding sample drawn"] == str(drawn) == "1"
    assert kinds["Codebook version frozen"] == "2"
    assert kinds["Calibration round closed"] == "1"
    assert sum(map(int, kinds.values())) == AuditEvent.objects.filter(study=study).count()
    # The versions' code counts say what they count (the paragraph's "codes used" differ).
    assert find(tables, "Codebook versions")[0][2] == "Codes in the version (categories included)"
    assert [r[2] for r in find(tables, "Codebook versions")[1:]] == ["5", "5"]
    # The codebook's change log names its kinds and fields the way the diff page does.
    log = find(tables, "Change log")
    assert [r[1:4] for r in log[1:]] == [
        ["Renamed", "Work › Role clarity", "Role → Role clarity"],
        ["Definition changed", "Family › Worry", "Exclude when"],
    ]


def test_every_audit_action_the_code_writes_has_a_label():
    """Each ``action="x.y"`` literal of the project (and the theme and group/wave kinds it
    builds) has a label, so no id reaches the appendix."""
    base = Path(settings.BASE_DIR)
    written = set()
    for folder in ("coding", "studies", "workbench"):
        for path in (base / folder).rglob("*.py"):
            written |= set(re.findall(r'action="([a-z_]+\.[a-z_]+)"', path.read_text()))
    from coding.models import ThemeEventKind

    written |= {f"theme.{k}" for k in ThemeEventKind.values}
    written |= {f"{o}.{v}" for o in ("group", "wave") for v in ("create", "rename", "move")}
    written |= {"group.delete", "wave.delete"}
    assert len(written) > 60
    assert sorted(written - set(ACTION_LABELS)) == []
    assert action_label("segment.split") == "segment (segment.split)"  # one not known yet


def test_the_sampler_cells_are_a_table_not_a_run_on_sentence(study, owner_client, data):
    tables, _text = read(owner_client, study, data)
    draws = find(tables, "Double-coding sampler draws")
    assert draws[0] == ["Date", "Seed", "Share requested", "Coders", "Transcripts"]
    assert draws[1][1:] == ["5", "50%", "bob and erin", "6"]  # not "50.0%"
    cells = find(tables, "Transcripts drawn per group × wave")
    assert cells[0] == ["Group", "T1", "T2", "All waves"]
    drawn = {(g, w): n for g, w, n in data["draw"].params["cells"]}
    for group, row in zip(data["groups"], cells[1:3], strict=True):
        per_wave = [drawn.get((group.pk, w.pk), 0) for w in data["waves"]]
        assert row == [group.name, *map(str, per_wave), str(sum(per_wave))]
    assert cells[3] == ["All groups", "3", "3", "6"]
    assert not any(" × " in c for row in draws for c in row)


def test_the_agreement_paragraph_says_what_each_code_count_counts(study, owner_client, data):
    tables, text = read(owner_client, study, data)
    # Support, Worry, Role and the category Family, applied directly once.
    assert "Pooled over the 4 codes used (each character × code one unit" in text
    assert (
        "The codes used are the codes a compared layer applied in the transcripts in scope: "
        "3 codes without subcodes, and 1 category (a code with subcodes) applied directly." in text
    )
    # The pooled units are those the over-time table pools for the same segments.
    overall = find(tables, "Agreement overall")[1]
    period = next(r for r in find(tables, "Agreement over time")[1:] if r[0].startswith("Period"))
    assert period[3] == f"{overall[1]} characters"
    assert "Over the 3 codes without subcodes whose α is defined on the compared" in text
    # What the old paragraph said twice (and with other numbers) is said once.
    assert "Layers compared" not in text
    assert text.count("resampling whole transcripts") == 1
    assert ") (" not in text  # no run of two brackets ("(1,150 segments) (the codebook …)")
    assert "Each compared segment is dated by the codebook version current when it was" in text


def test_each_kind_of_figure_has_one_format(study, owner_client, data):
    tables, text = read(owner_client, study, data)
    overall = find(tables, "Agreement overall")[1]
    alpha, ci = overall[4], overall[5]
    assert re.fullmatch(r"-?\d\.\d{3}", alpha) and re.fullmatch(r"\[-?\d\.\d{3}, -?\d\.\d{3}\]", ci)
    low, high = ci.strip("[]").split(", ")
    # The paragraph writes the table's numbers, to the same three decimals.
    assert f"Krippendorff's α = {alpha} (95% CI {low} to {high})" in text
    assert f"Cohen's κ = {overall[3]}," in text
    assert f"with {overall[2]} agreement" in text
    coefficients = re.findall(r"(?:α|κ|median|to|from) (-?\d\.\d+)", text)
    assert coefficients and all(len(c.split(".")[1]) == 3 for c in coefficients), coefficients
    # Percent agreement: one decimal in every table, the calibration round's included
    # (it printed the fraction, "1.000", under "% agreement").
    for caption in ("Agreement overall", "Agreement over time", "Calibration rounds"):
        table = find(tables, caption)
        column = table[0].index("% agreement")
        values = [r[column] for r in table[1:] if r[column] != "undefined"]
        assert values and all(re.fullmatch(r"\d{1,3}\.\d%", v) for v in values), (caption, values)
    assert find(tables, "Calibration rounds")[1][6] == "100.0%"
    # Shares of transcripts: whole percentages.
    assert "Double-coded subset (assigned to two or more coders): 6 of 12 transcripts (50%)." in (
        text
    )
    # Counts over 9,999 are grouped, in the over-time table too.
    periods = [r for r in find(tables, "Agreement over time")[1:] if r[0].startswith("Period")]
    units = periods[0][3]
    assert re.fullmatch(r"\d{1,3}(,\d{3})* characters", units), units


def test_the_audit_period_of_one_day_reads_as_one_day(study, owner_client, data):
    _tables, text = read(owner_client, study, data)
    total = AuditEvent.objects.filter(study=study).count()
    assert re.search(rf"{total} recorded changes, all on \d{{4}}-\d\d-\d\d;", text)


def test_the_appendix_reads_in_chinese_without_english_or_stray_spaces(study, owner_client, data):
    doc = open_docx(export(owner_client, study, data, language="zh-hant"))
    tables = _zh_tables(doc)  # captions are "表 n。…"
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "方法附錄" in text
    # Sentences after a full-width full stop or colon: no space.
    assert not re.search(r"[。：；] ", text), re.findall(r".{8}[。：；] .{8}", text)
    assert "共識決定：未有紀錄。" in text  # no decision yet
    kinds = next(rows for caption, rows in tables.items() if caption.startswith("按類別劃分"))
    labels = [r[0] for r in kinds[1:]]
    assert "抽取雙重編碼樣本" in labels and "凍結編碼簿版本" in labels
    assert not [k for k in labels if AUDIT_ID.match(k) or re.search(r"[A-Za-z]", k)]
    log = next(rows for caption, rows in tables.items() if caption.startswith("版本之間"))
    assert [r[1] for r in log[1:]] == ["重新命名", "定義已更改"]
    checklist = next(
        rows for caption, rows in tables.items() if caption.startswith("回應的報告清單")
    )
    items = [c for row in checklist[1:] for c in row[1:]]
    assert any("；" in c for c in items) and not any("; " in c for c in items)
    cells = next(rows for caption, rows in tables.items() if "每個組別 × 時間點抽取" in caption)
    assert cells[0][0] == "組別" and cells[-1][0] == "所有組別"
    for sentence in (
        "雙重編碼子集（分配給兩位或以上編碼員）：12 份轉錄稿中的 6 份（50%）。",
        "所用的編碼，即比較的編碼層在範圍內轉錄稿中套用的編碼：",
    ):
        assert sentence in text, sentence


def _zh_tables(doc) -> dict[str, list[list[str]]]:
    from docx.table import Table as DocxTable
    from docx.text.paragraph import Paragraph

    out, caption = {}, None
    for block in doc.iter_inner_content():
        if isinstance(block, Paragraph):
            label = re.match(r"表 \d+。 ?", block.text) if block.style.name == "Caption" else None
            caption = block.text[label.end() :] if label else None
        elif isinstance(block, DocxTable) and caption:
            out[caption] = [[c.text for c in row.cells] for row in block.rows]
    return out


def test_the_preview_writes_the_numbers_as_the_download_does(study, owner_client, data):
    from html import unescape

    tables, _text = read(owner_client, study, data)
    overall = find(tables, "Agreement overall")[1]
    assert re.fullmatch(r"\d{2,3},\d{3}", overall[1]), overall  # 3,000 × 4 codes used × 6
    page = owner_client.get(
        reverse("coding:methods_appendix", args=[study.pk]),
        {"sample": f"draw:{data['draw'].pk}", "bootstrap": 30, "seed": 2},
    )
    html = unescape(page.content.decode())
    assert f"<td>{overall[1]}</td>" in html
    assert f"<td>{overall[1].replace(',', '')}</td>" not in html
