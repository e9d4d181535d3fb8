"""Themes and the reflexive journal in the .qdpx export: themes as REFI-QDA Sets of their
codes, shared journal entries as Notes (never private ones, never to a blind coder), valid
against the project schema."""

from __future__ import annotations

import pytest
import xmlschema
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coding.exchange.export import object_guid, project_qdpx
from coding.themes import services as theme_services
from studies.access import study_access
from tests import factories
from tests.coding.test_refi_export import DATA, NS, TEXT, check_qdpx, read_qdpx


@pytest.fixture(scope="session")
def project_schema():
    return xmlschema.XMLSchema(str(DATA / "Project-mrt2019.xsd"))


@pytest.fixture
def themed(study, owner, coder):
    group = factories.make_group(study, name="Peer support workers")
    wave = factories.make_wave(study, name="T1")
    person = factories.make_participant(study, pseudonym="PSW01", group=group)
    transcript = factories.make_transcript(
        study, title="PSW01 T1", text=TEXT, participant=person, wave=wave
    )
    role = factories.make_code(study, name="Role", position=0)
    trust = factories.make_code(study, name="Trust", position=1)
    money = factories.make_code(study, name="Money", position=2)
    layer = factories.make_layer(study, coder)
    factories.make_segment(transcript, role, layer, 0, 11)
    colleague = theme_services.theme_create(
        study=study,
        actor=owner,
        name="Becoming a colleague",
        concept="Trust earned <through> lived experience",
        codes=[trust, role],
    )
    pay = theme_services.theme_create(study=study, actor=owner, name="Pay", codes=[money])
    gone = theme_services.theme_create(study=study, actor=owner, name="Gone", codes=[money])
    theme_services.theme_merge(target=pay, others=[gone], actor=owner, reason="The same")
    shared = theme_services.journal_entry_create(
        study=study,
        author=owner,
        title="For the team",
        body="Code the T3 interviews with the role in mind & <carefully>.",
        shared=True,
        transcripts=[transcript],
        themes=[colleague],
    )
    unlinked = theme_services.journal_entry_create(
        study=study, author=coder, body="Shared, about nothing in particular.", shared=True
    )
    private = theme_services.journal_entry_create(
        study=study,
        author=owner,
        title="My assumptions",
        body="As a former peer worker I expect trust to grow.",
        shared=False,
        themes=[colleague],
    )
    return {
        "transcript": transcript,
        "codes": (role, trust, money),
        "themes": (colleague, pay, gone),
        "journal": (shared, unlinked, private),
    }


def _sets(root) -> dict[str, dict]:
    out = {}
    for element in root.iterfind("q:Sets/q:Set", NS):
        out[element.get("name")] = {
            "guid": element.get("guid"),
            "description": element.findtext("q:Description", default="", namespaces=NS),
            "codes": [m.get("targetGUID") for m in element.iterfind("q:MemberCode", NS)],
            "sources": [m.get("targetGUID") for m in element.iterfind("q:MemberSource", NS)],
            "notes": [m.get("targetGUID") for m in element.iterfind("q:MemberNote", NS)],
        }
    return out


def test_themes_are_sets_of_their_codes(study, owner, themed, project_schema):
    root = check_qdpx(project_qdpx(study_access(owner, study.pk)), project_schema)
    role, trust, money = themed["codes"]
    colleague, pay, _gone = themed["themes"]
    sets = _sets(root)
    # Discarded themes (merged into another) are not exported; board order.
    assert list(sets) == ["Theme: Becoming a colleague", "Theme: Pay"]
    code_guids = {c.get("name"): c.get("guid") for c in root.iter(f"{{{NS['q']}}}Code")}
    assert sets["Theme: Becoming a colleague"]["codes"] == [code_guids["Role"], code_guids["Trust"]]
    assert sets["Theme: Pay"]["codes"] == [code_guids["Money"]]
    assert sets["Theme: Becoming a colleague"]["description"] == (
        "Trust earned <through> lived experience\nStatus: Candidate."
    )
    assert sets["Theme: Becoming a colleague"]["guid"] == object_guid(
        study.pk, "theme", colleague.pk
    )


def test_shared_journal_entries_are_notes_and_private_ones_never(
    study, owner, themed, project_schema
):
    data = project_qdpx(study_access(owner, study.pk))
    root = check_qdpx(data, project_schema)
    _, files, qde = read_qdpx(data)
    shared, unlinked, private = themed["journal"]
    notes = {n.get("name"): n for n in root.iterfind("q:Notes/q:Note", NS)}
    assert "Journal: For the team" in notes
    assert "Journal: Shared, about nothing in particular." in notes
    assert not [name for name in notes if "My assumptions" in name]
    assert b"former peer worker" not in qde
    assert not any(b"former peer worker" in body for body in files.values())
    note = notes["Journal: For the team"]
    path = note.get("plainTextPath")[len("internal://") :]
    assert files[f"sources/{path}"].decode() == shared.body
    users = {u.get("guid"): u.get("name") for u in root.iterfind("q:Users/q:User", NS)}
    assert users[note.get("creatingUser")] == owner.username
    # Linked to the transcript (a NoteRef in its source) and the theme (a member of its Set);
    # the entry linked to nothing hangs off the project.
    guid = note.get("guid")
    source = root.find("q:Sources/q:TextSource", NS)
    assert guid in [r.get("targetGUID") for r in source.iterfind("q:NoteRef", NS)]
    assert _sets(root)["Theme: Becoming a colleague"]["notes"] == [guid]
    project_refs = [r.get("targetGUID") for r in root.iterfind("q:NoteRef", NS)]
    assert notes["Journal: Shared, about nothing in particular."].get("guid") in project_refs
    assert guid not in project_refs


def test_a_blind_coder_exports_no_journal(study, owner, coder, themed, project_schema):
    study.blind_coding = True
    study.save()
    data = project_qdpx(study_access(coder, study.pk))
    root = check_qdpx(data, project_schema)
    _, files, qde = read_qdpx(data)
    names = [n.get("name") for n in root.iterfind("q:Notes/q:Note", NS)]
    assert not [name for name in names if name.startswith("Journal:")]
    assert b"T3 interviews" not in qde and not any(b"T3 interviews" in f for f in files.values())
    assert b"about nothing" not in qde
    # The themes are still there: every member reads them.
    assert list(_sets(root)) == ["Theme: Becoming a colleague", "Theme: Pay"]


def test_atlas_ti_gets_theme_sets_and_document_sets_in_one_sets_element(
    study, owner, themed, project_schema
):
    data = project_qdpx(study_access(owner, study.pk), target="atlas")
    root = check_qdpx(data, project_schema)
    assert len(root.findall("q:Sets", NS)) == 1
    assert list(_sets(root)) == [
        "Theme: Becoming a colleague",
        "Theme: Pay",
        "Group: Peer support workers",
        "Wave: T1",
    ]


def test_the_export_with_themes_and_journal_runs_a_constant_number_of_queries(study, owner, themed):
    access = study_access(owner, study.pk)
    with CaptureQueriesContext(connection) as small:
        project_qdpx(access)
    more = factories.make_transcript(study, title="More", text=TEXT)
    for i in range(5):
        theme_services.journal_entry_create(
            study=study, author=owner, body=f"Entry {i}", shared=True, transcripts=[more]
        )
        theme_services.theme_create(
            study=study, actor=owner, name=f"Theme {i}", codes=list(themed["codes"])
        )
    with CaptureQueriesContext(connection) as large:
        project_qdpx(access)
    # the 13 of test_refi_export.py, plus the journal's transcript and theme links
    assert len(small.captured_queries) == len(large.captured_queries) == 15
