"""Issue 15 (gap 3): the .qdpx's theme Sets (coding/exchange/sets.py) come back as themes,
with their codes, central organising concept and status; a plain set of codes from another
tool becomes a candidate theme; a set with documents stays a memo; importing twice adds
nothing."""

from __future__ import annotations

import io
import zipfile

from coding.exchange.export import project_qdpx
from coding.exchange.importer import refi_import
from coding.models import Memo, Theme
from coding.themes import services as theme_services
from studies.access import study_access
from tests import factories
from tests.coding.test_refi_export import TEXT


def _themed(study, owner, coder):
    transcript = factories.make_transcript(study, title="PSW01 T1", text=TEXT)
    role = factories.make_code(study, name="Role", position=0)
    trust = factories.make_code(study, name="信任 Trust", position=1)
    money = factories.make_code(study, name="Money", position=2)
    layer = factories.make_layer(study, coder)
    factories.make_segment(transcript, role, layer, 0, 11)
    colleague = theme_services.theme_create(
        study=study,
        actor=owner,
        name="成為同事 Becoming a colleague",
        concept="Trust earned through lived experience 𠮷\nover the waves",
        codes=[trust, role],
    )
    theme_services.theme_set_status(
        theme=colleague, actor=owner, status="final", reason="Reviewed with the team"
    )
    theme_services.theme_create(study=study, actor=owner, name="Pay", codes=[money])


def test_theme_sets_round_trip_as_themes(study, owner, coder):
    _themed(study, owner, coder)
    qdpx = project_qdpx(study_access(owner, study.pk))
    other = factories.make_study(name="Elsewhere")
    report = refi_import(study=other, data=qdpx, filename="s.qdpx", actor=owner)
    themes = {t.name: t for t in Theme.objects.filter(study=other)}
    assert set(themes) == {"成為同事 Becoming a colleague", "Pay"}
    colleague = themes["成為同事 Becoming a colleague"]
    assert colleague.concept == "Trust earned through lived experience 𠮷\nover the waves"
    assert colleague.status == "final"
    assert sorted(c.name for c in colleague.codes.all()) == ["Role", "信任 Trust"]
    assert [c.name for c in themes["Pay"].codes.all()] == ["Money"]
    assert themes["Pay"].status == "candidate"
    assert report.counts["themes_created"] == 2
    assert not Memo.objects.filter(study=other, title__startswith="Code set").exists()
    # Again: nothing new.
    report = refi_import(study=other, data=qdpx, filename="s.qdpx", actor=owner)
    assert Theme.objects.filter(study=other).count() == 2
    assert report.counts.get("themes_created", 0) == 0


QDE = """<?xml version="1.0" encoding="UTF-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Other" origin="MAXQDA 24">
  <CodeBook><Codes>
    <Code guid="20000000-0000-0000-0000-000000000001" name="Support" isCodable="true"/>
    <Code guid="20000000-0000-0000-0000-000000000002" name="Stigma" isCodable="true"/>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="40000000-0000-0000-0000-000000000001" name="A"
                plainTextPath="internal://a.txt"/>
  </Sources>
  <Sets>
    <Set guid="50000000-0000-0000-0000-000000000001" name="Care">
      <Description>What carers give</Description>
      <MemberCode targetGUID="20000000-0000-0000-0000-000000000001"/>
      <MemberCode targetGUID="20000000-0000-0000-0000-000000000002"/>
    </Set>
    <Set guid="50000000-0000-0000-0000-000000000002" name="Wave one">
      <MemberSource targetGUID="40000000-0000-0000-0000-000000000001"/>
    </Set>
  </Sets>
</Project>
"""


def test_a_plain_set_of_codes_from_another_tool_becomes_a_candidate_theme(study, owner):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("project.qde", QDE)
        z.writestr("sources/a.txt", "A: hello")
    refi_import(study=study, data=out.getvalue(), filename="o.qdpx", actor=owner)
    theme = Theme.objects.get(study=study)
    assert theme.name == "Care" and theme.concept == "What carers give"
    assert theme.status == "candidate"
    assert sorted(c.name for c in theme.codes.all()) == ["Stigma", "Support"]
    assert Memo.objects.filter(study=study, title="Document set: Wave one").exists()
