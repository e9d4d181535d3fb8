"""Participant portraits: what each wave holds (themes, exemplar quotes, memos), the stored
text that keeps its edits through a regeneration and shows what changed, the case × theme ×
wave table against the segments, the exports, and who may edit."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from coding.models import AuditEvent, Exemplar, Memo, Portrait, Segment
from coding.themes import services as theme_services
from tests import factories


@pytest.fixture
def world(study, owner, coder):
    g = factories.make_group(study, name="Service users")
    t1 = factories.make_wave(study, name="T1 Training", position=0)
    t2 = factories.make_wave(study, name="T2 Work placement", position=1)
    t3 = factories.make_wave(study, name="T3 Employment", position=2)
    su = factories.make_participant(study, pseudonym="SU07", group=g)
    su2 = factories.make_participant(study, pseudonym="SU08", group=g)
    hope = factories.make_code(study, name="Hope")
    fear = factories.make_code(study, name="Fear")
    layer = factories.make_layer(study, coder)
    texts = {
        t1: "P: 我好驚 𠝹 at the start.\n",
        t2: "P: I hope to work. I hope so much.\n",
    }
    ts = {
        w: factories.make_transcript(study, participant=su, wave=w, text=x)
        for w, x in texts.items()
    }
    factories.make_transcript(study, participant=su2, wave=t3, text="P: Fine.\n")
    fear_seg = factories.make_segment(ts[t1], fear, layer, 3, 8)
    h1 = factories.make_segment(ts[t2], hope, layer, 5, 17)
    factories.make_segment(ts[t2], hope, layer, 20, 34)
    theme_a = theme_services.theme_create(
        study=study, actor=owner, name="Looking ahead", codes=[hope]
    )
    theme_b = theme_services.theme_create(study=study, actor=owner, name="Worry", codes=[fear])
    Exemplar.objects.create(segment=h1, theme=theme_a, created_by=owner)
    Memo.objects.create(study=study, author=owner, transcript=ts[t1], body="Very anxious at first.")
    return {
        "su": su,
        "su2": su2,
        "waves": [t1, t2, t3],
        "themes": [theme_a, theme_b],
        "fear": fear_seg,
        "h1": h1,
        "ts": ts,
    }


def _detail(study, person):
    return reverse("coding:portrait_detail", args=[study.pk, person.pk])


def test_the_portrait_lists_each_waves_themes_quotes_and_memos(study, world, viewer_client):
    page = viewer_client.get(_detail(study, world["su"])).content.decode()
    t1_part = page.split("T1 Training", 1)[1].split("T2 Work placement", 1)[0]
    assert (
        '<span translate="no">Worry</span>: 1 passage' in t1_part
        and "Very anxious at first." in t1_part
    )
    t2_part = page.split("T2 Work placement</h3>", 1)[1].split("T3 Employment", 1)[0]
    assert '<span translate="no">Looking ahead</span>: 2 passages' in t2_part
    assert f"“{world['h1'].quote}”" in t2_part and "(SU07, service user, T2)" in t2_part
    assert "Not interviewed." in page.split("T3 Employment</h3>", 1)[1]


def test_an_owner_edits_the_portrait_and_a_regeneration_keeps_the_edits(study, world, owner_client):
    url = _detail(study, world["su"])
    page = owner_client.get(url).content.decode()
    assert "Not stored yet" in page
    generated = owner_client.get(url).context["summary"]
    assert "T1: Worry (1 passage)." in generated and "T3: not interviewed." in generated
    edited = generated + "\nMy reading: hope grows once work starts.\n"
    response = owner_client.post(url, {"action": "save", "text": edited, "generated": generated})
    assert response.status_code == 302
    portrait = Portrait.objects.get(participant=world["su"])
    assert portrait.text == edited.strip() and portrait.generated == generated.strip()
    assert AuditEvent.objects.filter(action="portrait.update").count() == 1
    # the data change: a new Fear passage at T2
    t2 = world["ts"][world["waves"][1]]
    factories.make_segment(t2, world["fear"].code, world["fear"].layer, 0, 2)
    page = owner_client.get(url).content.decode()
    assert "The data changed since this portrait was written" in page
    assert "T2: Looking ahead (2 passages); Worry (1 passage)." in page  # the added line
    owner_client.post(url, {"action": "regenerate"})
    portrait.refresh_from_db()
    assert portrait.text == edited.strip()  # the edits are kept
    assert "Worry (1 passage)." in portrait.generated.split("T2:", 1)[1]
    assert "The data changed" not in owner_client.get(url).content.decode()


def test_an_unedited_portrait_follows_the_data_on_regeneration(study, world, owner_client):
    url = _detail(study, world["su"])
    generated = owner_client.get(url).context["summary"]
    owner_client.post(url, {"action": "save", "text": generated, "generated": generated})
    Segment.objects.filter(pk=world["fear"].pk).delete()
    owner_client.post(url, {"action": "regenerate"})
    portrait = Portrait.objects.get(participant=world["su"])
    assert "T1: nothing coded." in portrait.text


def test_viewers_read_and_blind_coders_see_only_their_own_summary(
    study, world, viewer_client, coder_client, owner
):
    Portrait.objects.create(participant=world["su"], text="Team reading STORED-TEXT", generated="")
    url = _detail(study, world["su"])
    assert "STORED-TEXT" in viewer_client.get(url).content.decode()
    assert viewer_client.post(url, {"action": "save", "text": "x"}).status_code == 403
    study.blind_coding = True
    study.save()
    page = coder_client.get(url).content.decode()
    assert "STORED-TEXT" not in page
    assert '<span translate="no">Looking ahead</span>: 2 passages' in page
    assert coder_client.post(url, {"action": "save", "text": "x"}).status_code == 403
    md = coder_client.get(reverse("coding:portrait_list", args=[study.pk]) + "?format=md")
    assert "STORED-TEXT" not in md.content.decode()


def _expected_rows(study, world):
    """The table from the segments directly: participant, wave, theme -> passages."""
    rows = {}
    interviewed = {(t.participant_id, t.wave_id) for t in study.transcripts.all()}
    for person in (world["su"], world["su2"]):
        for wave in world["waves"]:
            for theme in world["themes"]:
                codes = list(theme.codes.values_list("pk", flat=True))
                n = Segment.objects.filter(
                    transcript__participant=person, transcript__wave=wave, code_id__in=codes
                ).count()
                seen = (person.pk, wave.pk) in interviewed
                rows[person.pseudonym, wave.name, theme.name] = (
                    ("yes", str(int(n > 0)), str(n)) if seen else ("no", "", "")
                )
    return rows


def test_the_case_theme_wave_table_matches_the_segments(study, world, viewer_client):
    base = reverse("coding:portrait_list", args=[study.pk])
    body = b"".join(viewer_client.get(base + "?format=csv").streaming_content).decode("utf-8-sig")
    got = list(csv.reader(io.StringIO(body)))
    assert got[0] == ["participant", "group", "wave", "unit", "interviewed", "present", "passages"]
    expected = _expected_rows(study, world)
    assert {(r[0], r[2], r[3]): tuple(r[4:]) for r in got[1:]} == expected
    assert len(got) - 1 == len(expected) == 2 * 3 * 2
    wb = load_workbook(io.BytesIO(viewer_client.get(base + "?format=xlsx").content))
    sheet = wb.worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) - 1 == len(expected)
    page = viewer_client.get(base).content.decode()
    assert "SU07" in page and "Looking ahead" in page


def test_the_portraits_docx_and_markdown(study, world, viewer_client):
    base = reverse("coding:portrait_list", args=[study.pk])
    doc = Document(io.BytesIO(viewer_client.get(base + "?format=docx").content))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings == ["SU07", "SU08"]
    text = "\n".join(p.text for p in doc.paragraphs)
    assert f"“{world['h1'].quote}” (SU07, service user, T2) [Theme: Looking ahead]" in text
    md = viewer_client.get(base + "?format=md").content.decode()
    assert (
        "## SU07" in md and "T1: Worry (1 passage)." in md and "Memo: Very anxious at first." in md
    )
