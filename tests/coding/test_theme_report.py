"""The theme report: prevalence per group × wave against raw segment counts, exemplar quotes
tagged as in prose, the DOCX (read back with python-docx) and the Markdown, the codes when
no theme exists, and blind coding."""

from __future__ import annotations

import io
from collections import defaultdict

import pytest
from django.urls import reverse
from docx import Document

from coding.models import Exemplar, Segment
from coding.themes import services as theme_services
from tests import factories

TEXTS = [
    "Interviewer: How was training?\nP: 我覺得好孤單 at first 𠝹, then | the team took me in.\n",
    "Interviewer: And now?\nP: Now I know my role. 同事都明白。\n",
    "Interviewer: Family?\nP: My family helped me every day.\n",
]


@pytest.fixture
def world(study, owner, coder, coder2):
    psw = factories.make_group(study, name="Peer support workers", position=0)
    cw = factories.make_group(study, name="Co-workers", position=1)
    t1 = factories.make_wave(study, name="T1 Training", position=0)
    t2 = factories.make_wave(study, name="T2 Work placement", position=1)
    people = {
        "PSW01": factories.make_participant(study, pseudonym="PSW01", group=psw),
        "PSW03": factories.make_participant(study, pseudonym="PSW03", group=psw),
        "CW02": factories.make_participant(study, pseudonym="CW02", group=cw),
    }
    parent = factories.make_code(study, name="Belonging")
    child = factories.make_code(study, name="Accepted", parent=parent)
    role = factories.make_code(study, name="Role")
    family = factories.make_code(study, name="Family")
    a, b = factories.make_layer(study, coder), factories.make_layer(study, coder2)
    transcripts = {}
    # PSW01 at T1 and T2, PSW03 at T2 only, CW02 at T1 only: CW at T2 not interviewed
    plan = [("PSW01", t1, 0), ("PSW01", t2, 1), ("PSW03", t2, 0), ("CW02", t1, 2)]
    for who, wave, i in plan:
        transcripts[who, wave.name] = factories.make_transcript(
            study, participant=people[who], wave=wave, text=TEXTS[i], title=f"{who} {wave.name}"
        )

    def seg(key, code, layer, needle):
        t = transcripts[key]
        start = t.text.index(needle)
        return factories.make_segment(t, code, layer, start, start + len(needle))

    s1 = seg(("PSW01", "T1 Training"), child, a, "我覺得好孤單 at first 𠝹, then | the team")
    s2 = seg(("PSW03", "T2 Work placement"), parent, b, "the team took me in")
    s3 = seg(("PSW01", "T2 Work placement"), role, a, "Now I know my role.")
    s4 = seg(("CW02", "T1 Training"), family, b, "My family helped me every day.")
    joining = theme_services.theme_create(
        study=study,
        actor=owner,
        name="Joining the team",
        concept="Belonging comes with time",
        codes=[parent],
    )
    roles = theme_services.theme_create(
        study=study, actor=owner, name="Knowing the role", codes=[role, family]
    )
    return {
        "groups": [psw, cw],
        "waves": [t1, t2],
        "people": people,
        "segs": [s1, s2, s3, s4],
        "themes": [joining, roles],
        "codes": [parent, child, role, family],
        "layers": [a, b],
    }


def expected_cells(study, code_ids, layer_ids, *, everyone=False):
    """An independent count: participants with a segment of the codes (or their
    descendants) in the layers, over participants of the group interviewed at the wave."""
    from coding.models import Code

    ids = set(code_ids)
    changed = True
    while changed:
        more = set(Code.objects.filter(parent_id__in=ids).values_list("pk", flat=True))
        changed = not more <= ids
        ids |= more
    interviewed, present = defaultdict(set), defaultdict(set)
    for t in study.transcripts.select_related("participant"):
        interviewed[t.participant.group_id, t.wave_id].add(t.participant_id)
    for s in Segment.objects.filter(code_id__in=ids, layer_id__in=layer_ids).select_related(
        "transcript__participant"
    ):
        t = s.transcript
        present[t.participant.group_id, t.wave_id].add(t.participant_id)
    out = {}
    for g in study.groups.all():
        for w in study.waves.all():
            den = len(interviewed[g.pk, w.pk])
            num = len(present[g.pk, w.pk])
            out[g.name, w.pk] = (
                "not interviewed" if not den else f"{num}/{den} ({int(num * 100 / den + 0.5)}%)"
            )
    if everyone:
        # The documents' last row: everyone interviewed at the wave, whatever their group.
        for w in study.waves.all():
            den = set().union(*(v for (_, wave), v in interviewed.items() if wave == w.pk))
            num = set().union(*(v for (_, wave), v in present.items() if wave == w.pk))
            out["All participants", w.pk] = (
                "not interviewed"
                if not den
                else f"{len(num)}/{len(den)} ({int(len(num) * 100 / len(den) + 0.5)}%)"
            )
    return out


def _url(study, **q):
    from urllib.parse import urlencode

    base = reverse("coding:theme_report", args=[study.pk])
    return base + ("?" + urlencode(q) if q else "")


def test_the_page_shows_prevalence_per_cell_with_denominators(study, world, viewer_client):
    page = viewer_client.get(_url(study)).content.decode()
    layers = [lr.pk for lr in world["layers"]]
    cells = expected_cells(study, [world["codes"][0].pk], layers)
    assert cells["Peer support workers", world["waves"][0].pk] == "1/1 (100%)"
    assert cells["Peer support workers", world["waves"][1].pk] == "1/2 (50%)"
    assert cells["Co-workers", world["waves"][1].pk] == "not interviewed"
    for text in cells.values():
        assert text in page
    assert "Joining the team" in page and "Belonging comes with time" in page


def test_the_docx_tables_and_quotes_match_the_database(study, world, owner_client, owner):
    s1, s2, s3, s4 = world["segs"]
    joining, roles = world["themes"]
    Exemplar.objects.create(
        segment=s1, code=world["codes"][1], note="lonely then in", created_by=owner
    )
    Exemplar.objects.create(segment=s2, theme=joining, created_by=owner)
    Exemplar.objects.create(segment=s4, theme=roles, created_by=owner)
    response = owner_client.get(_url(study, format="docx"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    doc = Document(io.BytesIO(response.content))
    assert len(doc.tables) == 2
    layers = [lr.pk for lr in world["layers"]]
    waves = world["waves"]
    for table, codes in zip(
        doc.tables, [[world["codes"][0]], [world["codes"][2], world["codes"][3]]], strict=True
    ):
        expected = expected_cells(study, [c.pk for c in codes], layers, everyone=True)
        rows = [[c.text for c in r.cells] for r in table.rows]
        assert rows[0] == ["Group", "T1", "T2"]
        assert [r[0] for r in rows[1:]] == [
            *study.groups.order_by("position").values_list("name", flat=True),
            "All participants",
        ]
        for row in rows[1:]:
            assert row[1:] == [expected[row[0], w.pk] for w in waves]
    paragraphs = [p.text for p in doc.paragraphs]
    t1 = s1.transcript
    q1 = f"“{t1.text[s1.start : s1.end]}” (PSW01, peer support worker, T1)"
    q2 = f"“{s2.transcript.text[s2.start : s2.end]}” (PSW03, peer support worker, T2)"
    q4 = f"“{s4.transcript.text[s4.start : s4.end]}” (CW02, co-worker, T1)"
    assert q1 in paragraphs and q2 in paragraphs and q4 in paragraphs
    # under its theme: the child code's exemplar and the theme's own, in group, wave order
    joined = paragraphs.index("Joining the team (Candidate)")
    assert (
        joined
        < paragraphs.index(q1)
        < paragraphs.index(q2)
        < paragraphs.index("Knowing the role (Candidate)")
    )
    assert "Note: lonely then in" in paragraphs


def test_the_markdown_has_the_tables_and_tagged_quotes(study, world, owner_client, owner):
    s1 = world["segs"][0]
    Exemplar.objects.create(segment=s1, theme=world["themes"][0], created_by=owner)
    response = owner_client.get(_url(study, format="md"))
    body = response.content.decode("utf-8")
    assert response["Content-Type"].startswith("text/markdown")
    assert "### Joining the team (Candidate)" in body
    assert "| Group | T1 | T2 |" in body
    assert "| Peer support workers | 1/1 (100%) | 1/2 (50%) |" in body
    assert "| Co-workers | 0/1 (0%) | not interviewed |" in body
    # a quote is not a table cell: its "|" and astral character are kept as written
    assert f"> “{s1.quote}” (PSW01, peer support worker, T1)" in body


def test_without_themes_the_report_lists_codes_with_their_subcodes(study, world, viewer_client):
    for theme in world["themes"]:
        theme.delete()
    body = viewer_client.get(_url(study, format="md")).content.decode()
    assert "## Codes (no themes yet)" in body
    assert "### Belonging\n" in body and "### Belonging › Accepted\n" in body
    # Belonging rolls up Accepted: PSW01 at T1 (child code) counts for the parent
    section = body.split("### Belonging\n", 1)[1].split("###", 1)[0]
    assert "| Peer support workers | 1/1 (100%) | 1/2 (50%) |" in section


def test_one_layer_counts_only_its_segments(study, world, viewer_client):
    a = world["layers"][0]
    body = viewer_client.get(_url(study, format="md", layer=a.key)).content.decode()
    section = body.split("### Joining the team", 1)[1].split("###", 1)[0]
    expected = expected_cells(study, [world["codes"][0].pk], [a.pk])
    assert (
        f"| Peer support workers | {expected['Peer support workers', world['waves'][0].pk]} | {expected['Peer support workers', world['waves'][1].pk]} |"
        in section
    )
    assert "| Peer support workers | 1/1 (100%) | 0/2 (0%) |" in section


def test_a_blind_coder_sees_only_their_own_layer(study, world, coder_client, owner):
    study.blind_coding = True
    study.save()
    s1, s2, _, _ = world["segs"]
    Exemplar.objects.create(segment=s1, theme=world["themes"][0], note="mine", created_by=owner)
    Exemplar.objects.create(
        segment=s2, theme=world["themes"][0], note="CANARY-OTHER", created_by=owner
    )
    for fmt in ("", "md", "docx"):
        response = coder_client.get(_url(study, format=fmt) if fmt else _url(study, layer="union"))
        content = response.content if fmt == "docx" else response.content.decode()
        if fmt == "docx":
            doc = Document(io.BytesIO(content))
            content = "\n".join(p.text for p in doc.paragraphs)
        assert "CANARY-OTHER" not in content and s2.quote not in content
        assert s1.quote in content
    body = coder_client.get(_url(study, format="md")).content.decode()
    assert "| Peer support workers | 1/1 (100%) | 0/2 (0%) |" in body


def test_the_report_and_portraits_take_a_fixed_number_of_queries(
    study, world, owner_client, owner, coder, django_assert_max_num_queries
):
    """More themes, exemplars, participants and segments: no more queries. Report: session,
    user, membership; layers, coverage; codebook; frame 4; themes + codes; segments;
    exemplars. Portraits add memos."""
    report = reverse("coding:theme_report", args=[study.pk])
    portraits = reverse("coding:portrait_list", args=[study.pk])
    detail = reverse("coding:portrait_detail", args=[study.pk, world["people"]["PSW01"].pk])
    urls = [report, report + "?format=docx", report + "?format=md", portraits, detail]
    Exemplar.objects.create(segment=world["segs"][0], theme=world["themes"][0], created_by=owner)
    counts = []
    for url in urls:
        owner_client.get(url)
        with django_assert_max_num_queries(25) as before:
            owner_client.get(url)
        counts.append(len(before.captured_queries))
    group = world["groups"][0]
    layer = world["layers"][0]
    for i in range(4):
        person = factories.make_participant(study, pseudonym=f"PSW1{i}", group=group)
        t = factories.make_transcript(study, participant=person, wave=world["waves"][i % 2])
        seg = factories.make_segment(t, world["codes"][i], layer, 0, 5)
        Exemplar.objects.create(segment=seg, code=world["codes"][i], note=f"n{i}", created_by=coder)
        theme_services.theme_create(
            study=study, actor=owner, name=f"More {i}", codes=[world["codes"][i]]
        )
    for url, count in zip(urls, counts, strict=True):
        with django_assert_max_num_queries(count):
            owner_client.get(url)
