"""The methods appendix (DOCX and Markdown): every section's numbers against the database,
counted independently here; agreement against the `krippendorff` package; access."""

from __future__ import annotations

import datetime as dt
import io
import re

import krippendorff
import numpy as np
import pytest
from django.urls import reverse
from docx import Document
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph

from coding.assignments import services as assignment_services
from coding.codebook import services as codebook_services
from coding.codebook import versions
from coding.methods import checklists
from coding.models import Assignment, AuditEvent, ConsensusDecision, Decision, Segment
from studies.models import Participant, Transcript
from tests import factories

TEXT = "朋輩支援𠀋" * 8  # 40 code points, an astral character among them


@pytest.fixture
def data(study, owner, coder, coder2):
    groups = {
        n: factories.make_group(study, name=n, position=i) for i, n in enumerate(["PSW", "SU"])
    }
    waves = [
        factories.make_wave(study, name=n, position=i) for i, n in enumerate(["T1", "T2", "T3"])
    ]
    plan = {"PSW01": ("PSW", [0, 1, 2]), "PSW02": ("PSW", [0]), "SU01": ("SU", [0, 2])}
    for name, (g, ws) in plan.items():
        p = factories.make_participant(study, pseudonym=name, group=groups[g])
        for w in ws:
            factories.make_transcript(
                study, title=f"{name} {waves[w].name}", participant=p, wave=waves[w], text=TEXT
            )
    trust = factories.make_code(study, name="Trust")
    family = factories.make_code(study, name="Family")
    bob, erin = factories.make_layer(study, coder), factories.make_layer(study, coder2)
    draw = assignment_services.sample_apply(
        study=study,
        actor=owner,
        request=assignment_services.SampleRequest(user_ids=[coder.pk, coder2.pk], seed=7, count=3),
    )
    extra = Transcript.objects.exclude(pk__in=draw.transcript_ids).first()
    Assignment.objects.create(layer=bob, transcript=extra)
    for t in Transcript.objects.filter(pk__in=draw.transcript_ids):
        factories.make_segment(t, trust, bob, 0, 10)
        factories.make_segment(t, trust, erin, 5, 15)
        factories.make_segment(t, family, bob, 20, 30)
        factories.make_segment(t, family, erin, 20, 28 if t.pk % 2 else 30)
    versions.version_create(study=study, name="v1 after calibration", actor=owner)
    codebook_services.code_update(code=trust, name="Trust in peers", actor=owner, reason="Narrower")
    versions.version_create(study=study, name="v2 before T2 coding", actor=owner)
    first = Transcript.objects.get(pk=draw.transcript_ids[0])
    rename = AuditEvent.objects.filter(study=study, action="code.update").latest("pk")
    for i, action in enumerate(["accept_a", "accept_a", "union", "reject", "edit"]):
        ConsensusDecision.objects.create(
            study=study,
            transcript=first,
            code=trust,
            start=0,
            end=15,
            action=action,
            codebook_change=rename if i < 2 else None,
        )
    ConsensusDecision.objects.create(
        study=study,
        transcript=first,
        code=trust,
        start=0,
        end=15,
        action="accept_b",
        undone_at="2026-01-01T00:00:00Z",
    )
    return {
        "draw": draw,
        "bob": bob,
        "erin": erin,
        "waves": waves,
        "groups": groups,
        "codes": [trust, family],
    }


def params(data, **extra):
    return {
        "sample": f"draw:{data['draw'].pk}",
        "layers": [data["bob"].key, data["erin"].key],
        "bootstrap": 40,
        "seed": 3,
        **extra,
    }


def export(client, study, data, fmt="docx", **extra):
    url = reverse("coding:methods_export", args=[study.pk])
    return client.get(url, {**params(data, **extra), "format": fmt})


def tables_by_caption(doc) -> dict[str, list[list[str]]]:
    """Caption paragraph (without its "Table <n>. " label) -> the table after it, as rows
    of cell texts. The tables are numbered in order."""
    out, caption, numbers = {}, None, []
    for block in doc.iter_inner_content():
        if isinstance(block, Paragraph):
            caption = None
            if block.style.name == "Caption":
                label = re.match(r"Table (\d+)\. ", block.text)
                assert label, block.text
                numbers.append(int(label.group(1)))
                caption = block.text[label.end() :]
        elif isinstance(block, DocxTable) and caption:
            out[caption] = [[c.text for c in row.cells] for row in block.rows]
    assert numbers == list(range(1, len(numbers) + 1))
    return out


def open_docx(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return Document(io.BytesIO(response.content))


def find(tables, start):
    (key,) = [k for k in tables if k.startswith(start)]
    return tables[key]


def test_the_design_section_counts_interviews_per_cell_and_attrition(study, owner_client, data):
    doc = open_docx(export(owner_client, study, data))
    tables = tables_by_caption(doc)
    cells = find(tables, "Interviews per group")
    assert cells[0] == ["Group", "Participants", "T1", "T2", "T3", "All waves"]
    for row in cells[1:]:
        group = data["groups"][row[0]]
        assert int(row[1]) == Participant.objects.filter(group=group).count()
        for wave, value in zip(data["waves"], row[2:5], strict=True):
            n = Transcript.objects.filter(participant__group=group, wave=wave).count()
            assert int(value) == n
    # Attrition counted here from who was interviewed when.
    attrition = find(tables, "Attrition")
    waves = data["waves"]
    for row in attrition[1:]:
        i = [w.name for w in waves].index(row[0])
        before = set(
            Transcript.objects.filter(wave__in=waves[:i]).values_list("participant", flat=True)
        )
        now = set(Transcript.objects.filter(wave=waves[i]).values_list("participant", flat=True))
        assert int(row[1]) == len(before - now)
    assert [r[:2] for r in attrition[1:]] == [["T2", "2"], ["T3", "1"]]


def test_the_coders_section_counts_assignments_and_the_draw(study, owner_client, data):
    tables = tables_by_caption(open_docx(export(owner_client, study, data)))
    coders = {row[0]: row for row in find(tables, "Coders")[1:]}
    for layer in (data["bob"], data["erin"]):
        row = coders[layer.label]
        assert int(row[1]) == Assignment.objects.filter(layer=layer).count()
        coded = Segment.objects.filter(layer=layer).values("transcript").distinct().count()
        assert int(row[3]) == coded
    draws = find(tables, "Double-coding sampler")
    draw = data["draw"]
    assert draws[1][1] == str(draw.seed) == "7"
    assert draws[1][2] == "3 transcripts"
    assert draws[1][4] == str(len(draw.transcript_ids))
    cells = find(tables, "Transcripts drawn per group × wave")
    assert cells[-1][0] == "All groups"
    assert int(cells[-1][-1]) == len(draw.transcript_ids)
    assert sum(int(row[-1]) for row in cells[1:-1]) == len(draw.transcript_ids)


def test_the_codebook_section_has_the_versions_and_the_reasoned_change(study, owner_client, data):
    tables = tables_by_caption(open_docx(export(owner_client, study, data)))
    assert [r[0] for r in find(tables, "Codebook versions")[1:]] == [
        "v1 after calibration",
        "v2 before T2 coding",
    ]
    log = find(tables, "Change log")
    assert [
        "v1 after calibration → v2 before T2 coding",
        "Renamed",
        "Trust in peers",
        "Trust → Trust in peers",
        "Narrower",
    ] in log


def reference_alpha(data, codes):
    """Binary alpha on characters, each character x code a unit, by `krippendorff`."""
    rows = [[], []]
    for t in Transcript.objects.filter(pk__in=data["draw"].transcript_ids):
        for code in codes:
            for r, layer in enumerate((data["bob"], data["erin"])):
                marks = np.zeros(t.length)
                for s in Segment.objects.filter(transcript=t, code=code, layer=layer):
                    marks[s.start : s.end] = 1
                rows[r].extend(marks)
    value = krippendorff.alpha(reliability_data=np.array(rows), level_of_measurement="nominal")
    agree = float(np.mean(np.array(rows[0]) == np.array(rows[1])))
    return value, agree


def test_the_agreement_section_matches_an_independent_alpha(study, owner_client, data):
    tables = tables_by_caption(open_docx(export(owner_client, study, data)))
    rows = {r[0]: r for r in find(tables, "Agreement overall")[1:]}
    trust, family = data["codes"]
    trust.refresh_from_db()
    for label, codes in [
        ("Overall (codes pooled)", [trust, family]),
        (trust.name, [trust]),
        (family.name, [family]),
    ]:
        alpha, agree = reference_alpha(data, codes)
        row = rows[label]
        assert float(row[4]) == pytest.approx(alpha, abs=5e-4)
        assert float(row[2].rstrip("%")) == pytest.approx(100 * agree, abs=0.05)
        low, high = (float(x) for x in row[5].strip("[]").split(", "))
        assert -1 <= low <= high <= 1
    api = owner_client.get(
        reverse("api:study_agreement", args=[study.pk]),
        {**params(data), "layers": f"{data['bob'].key},{data['erin'].key}"},
    )
    ci = api.json()["overall"]["alpha_ci"]
    assert rows["Overall (codes pooled)"][5] == f"[{ci[0]:.3f}, {ci[1]:.3f}]"
    compared = find(tables, "Transcripts the figures rest on")[1:]
    assert sorted(r[0] for r in compared) == sorted(
        Transcript.objects.filter(pk__in=data["draw"].transcript_ids).values_list(
            "title", flat=True
        )
    )
    text = "\n".join(p.text for p in open_docx(export(owner_client, study, data)).paragraphs)
    assert "40 replicates resampling whole transcripts with replacement" in text
    assert "numpy default_rng, seed 3)" in text
    assert "falsely narrow intervals" in text
    assert "Calibration rounds: Not recorded." in text


def test_the_consensus_and_audit_sections_count_the_database(study, owner_client, data):
    doc = open_docx(export(owner_client, study, data))
    tables = tables_by_caption(doc)
    settled = dict(find(tables, "Units settled")[1:])
    for value, label in Decision.choices:
        n = ConsensusDecision.objects.filter(study=study, action=value, undone_at=None).count()
        assert int(settled[label]) == n
    assert settled["Accept B"] == "0"  # undone
    text = "\n".join(p.text for p in doc.paragraphs)
    led = ConsensusDecision.objects.filter(study=study, undone_at=None).exclude(
        codebook_change=None
    )
    assert f"{led.count()} decisions led to 1 recorded codebook changes." in text
    assert led.count() == 2
    by_kind = dict(find(tables, "Changes by kind")[1:])
    assert (
        int(by_kind["Double-coding sample drawn"])
        == AuditEvent.objects.filter(study=study, action="sampler.draw").count()
    )
    assert sum(map(int, by_kind.values())) == AuditEvent.objects.filter(study=study).count()
    by_person = dict(find(tables, "Changes by person")[1:])
    assert (
        int(by_person["alice"])
        == AuditEvent.objects.filter(study=study, actor__username="alice").count()
    )


def test_the_checklist_table_maps_every_section(study, owner_client, data):
    doc = open_docx(export(owner_client, study, data))
    table = find(tables_by_caption(doc), "Reporting checklist")
    assert len(table) == 1 + len(checklists.SECTION_ITEMS)
    rows = {r[0]: r for r in table}
    assert "24 Number of data coders" in rows["Coders and assignments"][1]
    assert "27 Software" in rows["Software and date"][1]
    assert "15 Techniques to enhance trustworthiness" in rows["Inter-coder agreement"][2]
    text = "\n".join(p.text for p in doc.paragraphs)
    for ref in ("Tong A", "O'Brien BC", "O'Connor C, Joffe H"):
        assert ref in text
    assert "commit" in text or "workbench 0.1.0" in text


def test_the_markdown_has_the_same_sections_and_the_notes(study, owner_client, data):
    response = export(
        owner_client, study, data, fmt="md", notes_consensus="PI and coder1 met weekly."
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('methods-appendix.md"')
    md = response.content.decode()
    for heading in ("## 1. Study design", "## 4. Inter-coder agreement", "## Reporting checklists"):
        assert heading in md
    assert "**Procedure notes.** PI and coder1 met weekly." in md
    assert "| Trust in peers |" in md and "| Narrower |" in md
    assert "| Coders and assignments | 24 Number of data coders |" in md


def test_an_empty_study_reads_not_recorded(study, owner_client):
    response = owner_client.get(reverse("coding:methods_export", args=[study.pk]), {"format": "md"})
    md = response.content.decode()
    for what in ("Codebook versions", "Double-coding sampler draws", "Consensus decisions"):
        assert f"{what}: Not recorded." in md


def test_the_page_previews_for_the_owner_and_a_viewer(study, owner_client, viewer_client, data):
    url = reverse("coding:methods_appendix", args=[study.pk])
    page = owner_client.get(url, params(data))
    assert page.status_code == 200
    assert "Download DOCX" in page.text and "Trust in peers" in page.text
    assert "Changes by person" in page.text
    seen = viewer_client.get(url, params(data))
    assert seen.status_code == 200
    assert "Changes by person" not in seen.text
    assert "shown to the study&#x27;s owners only" in seen.text


def test_it_refuses_outsiders_and_coders_who_may_not_read_agreement(
    study, coder_client, outsider_client, data
):
    for name in ("coding:methods_appendix", "coding:methods_export"):
        url = reverse(name, args=[study.pk])
        assert outsider_client.get(url).status_code == 404
        assert coder_client.get(url).status_code == 403
    study.share_agreement_with_coders, study.blind_coding = True, True
    study.save()
    assert coder_client.get(reverse("coding:methods_export", args=[study.pk])).status_code == 403
    study.blind_coding = False
    study.save()
    assert coder_client.get(reverse("coding:methods_appendix", args=[study.pk])).status_code == 200


def test_an_unknown_format_is_not_found(study, owner_client):
    url = reverse("coding:methods_export", args=[study.pk])
    assert owner_client.get(url, {"format": "pdf"}).status_code == 404


def test_the_page_queries_do_not_grow_with_versions_draws_or_decisions(
    study, owner, owner_client, data
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("coding:methods_appendix", args=[study.pk])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert owner_client.get(url, params(data)).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    trust = data["codes"][0]
    for i in range(3):
        codebook_services.code_update(code=trust, name=f"Trust {i}", actor=owner, reason=f"r{i}")
        versions.version_create(study=study, name=f"v{i + 3}", actor=owner)
        ConsensusDecision.objects.create(
            study=study,
            transcript=Transcript.objects.first(),
            code=trust,
            start=0,
            end=5,
            action="union",
        )
    assert count() == before


def test_the_agreement_section_has_the_over_time_table(study, owner_client, data):
    from django.utils import timezone

    from coding.models import CodebookVersion, Segment

    # The Family segments were coded after v2 was frozen: v2's period holds them.
    v2 = CodebookVersion.objects.get(study=study, name="v2 before T2 coding")
    Segment.objects.filter(code=data["codes"][1]).update(
        created_at=v2.created_at + dt.timedelta(minutes=5)
    )
    tables = tables_by_caption(open_docx(export(owner_client, study, data)))
    table = find(tables, "Agreement over time")
    assert table[0][:3] == ["Round or period", "Dates", "Codebook version"]
    rows = {r[0]: r for r in table[1:]}
    assert list(rows) == [
        "Period: before any named version",
        "Period: v1 after calibration",
        "Period: v2 before T2 coding",
    ]
    api = owner_client.get(
        reverse("api:study_agreement_over_time", args=[study.pk]),
        {**params(data), "layers": f"{data['bob'].key},{data['erin'].key}"},
    ).json()
    for period in api["periods"]:
        row = rows["Period: " + period["label"]]
        alpha = period["alpha"]
        assert row[7] == ("undefined" if alpha is None else f"{alpha:.3f}")
        assert row[4] == f"{len(period['transcripts'])} transcripts, {period['segments']} segments"
    # Only Family was coded under v2: its alpha is the over-time alpha of that period.
    v2_row = next(p for p in api["periods"] if p["label"] == v2.name)
    family = next(c for c in v2_row["codes"] if c["code_id"] == data["codes"][1].pk)
    assert v2_row["alpha"] == pytest.approx(family["alpha"])
    assert rows["Period: v1 after calibration"][7] == "undefined"
    assert (
        timezone.localtime(v2.created_at).date().isoformat()
        in rows["Period: v2 before T2 coding"][1]
    )
