from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
import xmlschema
from django.db import connection
from django.test.utils import CaptureQueriesContext
from lxml import etree

from coding.exchange.descriptions import parse_code_description
from coding.exchange.export import (
    CODEBOOK_NS,
    PROJECT_NS,
    EmptyCodebook,
    _GuidMaker,
    codebook_qdc,
    object_guid,
    project_qdpx,
)
from coding.exchange.offsets import _preview_matches
from coding.models import Layer, LayerKind, Memo
from studies.access import study_access
from studies.models import Role
from tests import factories

DATA = Path(__file__).parent / "data" / "refi"
NS = {"q": PROJECT_NS}
SAFE = etree.XMLParser(resolve_entities=False, no_network=True)

# An emoji and a non-BMP CJK character (𠝹, U+20779) before coded spans; Chinese text.
TEXT = (
    "Interviewer: How did the training feel? 🙂\n"
    "P01: At first I did not know my role. 我唔知自己嘅角色。\n"
    "Interviewer: And later?\n"
    "P01: Later the team trusted me 𠝹 and my lived experience helped others."
)


@pytest.fixture(scope="session")
def project_schema():
    return xmlschema.XMLSchema(str(DATA / "Project-mrt2019.xsd"))


@pytest.fixture(scope="session")
def codebook_schema():
    return xmlschema.XMLSchema(str(DATA / "Codebook.xsd"))


def read_qdpx(data: bytes) -> tuple[etree._Element, dict[str, bytes], bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert names[0] == "project.qde"
        files = {name: archive.read(name) for name in names}
    qde = files.pop("project.qde")
    return etree.fromstring(qde, SAFE), files, qde


def check_qdpx(data: bytes, schema) -> etree._Element:
    """XSD validity plus the cross-reference checks of docs/refi-qda/SPEC.md section 11."""
    root, files, qde = read_qdpx(data)
    assert not qde.startswith(b"\xef\xbb\xbf")
    assert qde.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert b'xmlns=""' not in qde
    errors = [f"{e.path}: {e.reason}" for e in schema.iter_errors(root)]
    assert errors == []
    guids = [el.get("guid").lower() for el in root.iter() if el.get("guid")]
    assert len(guids) == len(set(guids)), "GUIDs are unique"
    known = set(guids)
    for el in root.iter():
        if el.get("targetGUID"):
            assert el.get("targetGUID").lower() in known, etree.tostring(el)
    users = {u.get("guid") for u in root.iterfind("q:Users/q:User", NS)}
    for el in root.iter():
        for attribute in ("creatingUser", "modifyingUser"):
            if el.get(attribute) is not None:
                assert el.get(attribute) in users
    for source in root.iterfind(".//q:TextSource", NS):
        path = source.get("plainTextPath")
        assert path.startswith("internal://")
        name = "sources/" + path[len("internal://") :]
        assert name in files
        raw = files[name]
        assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw
        text = raw.decode("utf-8")
        for selection in source.iterfind("q:PlainTextSelection", NS):
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            assert 0 <= start < end <= len(text)
            assert _preview_matches(selection.get("name"), text[start:end])
    return root


def check_qdc(data: bytes, schema) -> etree._Element:
    root = etree.fromstring(data, SAFE)
    assert [f"{e.path}: {e.reason}" for e in schema.iter_errors(root)] == []
    return root


@pytest.fixture
def rich(study, owner, coder, coder2, viewer):
    """Groups, waves, participants with attributes, a 3-level codebook, two coders on the
    same span, overlapping codings, consensus and imported layers, memos of every kind."""
    g1 = factories.make_group(study, name="Peer support workers")
    factories.make_group(study, name="Service users")
    t1 = factories.make_wave(study, name="T1 Training")
    p1 = factories.make_participant(
        study,
        pseudonym="PSW01",
        group=g1,
        attributes={"gender": "female", "age": 34, "site": "Kowloon"},
    )
    p2 = factories.make_participant(study, pseudonym="PSW02", group=g1, attributes={"age": 41})
    transcript = factories.make_transcript(
        study, title="PSW01 T1", text=TEXT, participant=p1, wave=t1
    )
    other = factories.make_transcript(
        study, title="Focus group", text="Moderator: Welcome.\nAll: Hello!"
    )
    theme = factories.make_code(
        study,
        name="Role",
        description="How people see their role.",
        inclusion="Statements about tasks.",
        exclusion="Pay.",
        example="“I did not know my role”",
        color="#D55E00",
    )
    sub = factories.make_code(study, name="Uncertainty", parent=theme)
    leaf = factories.make_code(study, name="Early weeks", parent=sub, color="#009E73")
    trust = factories.make_code(study, name="Trust")
    bob, erin = factories.make_layer(study, coder), factories.make_layer(study, coder2)
    consensus = factories.make_layer(study)
    imported = Layer.objects.create(study=study, kind=LayerKind.IMPORTED, name="NVivo coder")
    role_start = TEXT.index("At first")
    role_end = TEXT.index("我唔知自己嘅角色。") + len("我唔知自己嘅角色。")
    trust_start = TEXT.index("the team trusted me 𠝹")
    trust_end = trust_start + len("the team trusted me 𠝹")
    s1 = factories.make_segment(
        transcript, leaf, bob, role_start, role_end, memo='Key moment <&> "quoted"'
    )
    factories.make_segment(transcript, leaf, erin, role_start, role_end)
    factories.make_segment(transcript, theme, bob, role_start, role_start + 10)  # overlapping
    factories.make_segment(transcript, trust, erin, trust_start, trust_end)
    factories.make_segment(transcript, trust, consensus, trust_start, trust_end)
    factories.make_segment(transcript, trust, imported, 0, 12)
    factories.make_segment(other, trust, bob, 0, 9)
    Memo.objects.create(
        study=study, author=owner, code=theme, title="Role memo", body="Defined after T1."
    )
    Memo.objects.create(
        study=study,
        author=coder,
        transcript=transcript,
        body="Long silence\x01 at 5 min & <laughs>",
    )
    Memo.objects.create(
        study=study, author=coder, segment=s1, transcript=transcript, body="Why here?"
    )
    Memo.objects.create(study=study, author=owner, title="Journal", body="Study-wide note.")
    return {
        "transcript": transcript,
        "other": other,
        "codes": (theme, sub, leaf, trust),
        "participants": (p1, p2),
        "layers": (bob, erin, consensus, imported),
        "spans": {"role": (role_start, role_end), "trust": (trust_start, trust_end)},
    }


def export(study, user) -> bytes:
    return project_qdpx(study_access(user, study.pk))


def selections(root) -> list[dict]:
    users = {u.get("guid"): u.get("name") for u in root.iterfind("q:Users/q:User", NS)}
    codes = {c.get("guid"): c.get("name") for c in root.iter(f"{{{PROJECT_NS}}}Code")}
    out = []
    for source in root.iterfind(".//q:TextSource", NS):
        for selection in source.iterfind("q:PlainTextSelection", NS):
            coding = selection.find("q:Coding", NS)
            out.append(
                {
                    "source": source.get("name"),
                    "start": int(selection.get("startPosition")),
                    "end": int(selection.get("endPosition")),
                    "user": users[selection.get("creatingUser")],
                    "coding_user": users[coding.get("creatingUser")],
                    "code": codes[coding.find("q:CodeRef", NS).get("targetGUID")],
                    "memo": selection.findtext("q:Description", default="", namespaces=NS),
                }
            )
    return out


def test_it_writes_a_schema_valid_project_with_consistent_references(
    study, owner, rich, project_schema
):
    check_qdpx(export(study, owner), project_schema)


def test_offsets_are_code_points_of_the_exported_text(study, owner, rich, project_schema):
    root, files, _ = read_qdpx(export(study, owner))
    source = root.find(".//q:TextSource[@name='PSW01 T1']", NS)
    text = files["sources/" + source.get("plainTextPath")[len("internal://") :]].decode("utf-8")
    assert text == TEXT
    found = {(s["code"], s["user"]): (s["start"], s["end"]) for s in selections(root)}
    start, end = rich["spans"]["trust"]
    assert found[("Trust", "erin")] == (start, end)
    assert text[start:end] == "the team trusted me 𠝹"  # 𠝹 counts once, as in Python
    assert found[("Early weeks", "bob")] == rich["spans"]["role"]


def test_each_layer_is_a_user_and_each_segment_its_own_selection(study, owner, rich):
    root, _, _ = read_qdpx(export(study, owner))
    names = sorted(u.get("name") for u in root.iterfind("q:Users/q:User", NS))
    assert names == ["Consensus", "NVivo coder", "alice", "bob", "erin"]  # alice: memo author
    found = selections(root)
    assert len(found) == 7
    assert all(s["user"] == s["coding_user"] for s in found)
    same_span = [s for s in found if (s["start"], s["end"]) == rich["spans"]["role"]]
    assert sorted(s["user"] for s in same_span) == ["bob", "erin"]
    assert {s["memo"] for s in found} == {"", 'Key moment <&> "quoted"'}


def test_code_tree_carries_colour_and_labelled_description(study, owner, rich):
    root, _, _ = read_qdpx(export(study, owner))
    role = root.find("q:CodeBook/q:Codes/q:Code[@name='Role']", NS)
    assert role.get("color") == "#d55e00" and role.get("isCodable") == "true"
    assert role.findtext("q:Description", namespaces=NS) == (
        "Definition: How people see their role.\n\nInclusion: Statements about tasks.\n\n"
        "Exclusion: Pay.\n\nExample: “I did not know my role”"
    )
    assert role.find("q:Code[@name='Uncertainty']/q:Code[@name='Early weeks']", NS) is not None
    assert parse_code_description(role.findtext("q:Description", namespaces=NS)) == {
        "description": "How people see their role.",
        "inclusion": "Statements about tasks.",
        "exclusion": "Pay.",
        "example": "“I did not know my role”",
    }


def test_cases_variables_and_sets_describe_participants_groups_and_waves(study, owner, rich):
    root, _, _ = read_qdpx(export(study, owner))
    variables = {
        v.get("guid"): (v.get("name"), v.get("typeOfVariable"))
        for v in root.iterfind("q:Variables/q:Variable", NS)
    }
    assert sorted(variables.values()) == [
        ("Group", "Text"),
        ("Wave", "Text"),
        ("age", "Integer"),
        ("gender", "Text"),
        ("site", "Text"),
    ]
    case = root.find("q:Cases/q:Case[@name='PSW01']", NS)
    values = {
        variables[v.find("q:VariableRef", NS).get("targetGUID")][0]: v[1].text
        for v in case.iterfind("q:VariableValue", NS)
    }
    assert values == {
        "Group": "Peer support workers",
        "gender": "female",
        "age": "34",
        "site": "Kowloon",
    }
    source = root.find(".//q:TextSource[@name='PSW01 T1']", NS)
    assert [r.get("targetGUID") for r in case.iterfind("q:SourceRef", NS)] == [source.get("guid")]
    assert source.find("q:VariableValue/q:TextValue", NS).text == "T1 Training"
    # Group and wave live in one place: the variables (no duplicate per-group/wave sets).
    assert root.find("q:Sets", NS) is None


def test_memos_are_notes_referenced_from_what_they_are_about(study, owner, rich):
    root, _, _ = read_qdpx(export(study, owner))
    notes = {n.get("guid"): n for n in root.iterfind("q:Notes/q:Note", NS)}
    assert len(notes) == 4
    _, files, _ = read_qdpx(export(study, owner))
    bodies = {
        files["sources/" + n.get("plainTextPath")[len("internal://") :]].decode()
        for n in notes.values()
    }
    assert "Long silence at 5 min & <laughs>" in bodies  # control character removed
    role = root.find(".//q:Code[@name='Role']", NS)
    assert notes[role.find("q:NoteRef", NS).get("targetGUID")].get("name") == "Role memo"
    source = root.find(".//q:TextSource[@name='PSW01 T1']", NS)
    assert len(source.findall("q:NoteRef", NS)) == 1
    assert len(source.findall(".//q:Coding/q:NoteRef", NS)) == 1
    assert notes[root.find("q:NoteRef", NS).get("targetGUID")].get("name") == "Journal"


def test_guids_are_stable_across_exports(study, owner, rich):
    first = read_qdpx(export(study, owner))[2]
    second = read_qdpx(export(study, owner))[2]
    assert first == second
    transcript = rich["transcript"]
    assert object_guid(study.pk, "transcript", transcript.pk).encode() in first


def test_blind_coder_exports_only_their_own_layer(study, owner, coder, rich, project_schema):
    study.blind_coding = True
    study.save()
    root = check_qdpx(export(study, coder), project_schema)
    # bob's layer and bob's memos only: no other user, no other layer, no consensus.
    assert [u.get("name") for u in root.iterfind("q:Users/q:User", NS)] == ["bob"]
    found = selections(root)
    assert {s["user"] for s in found} == {"bob"} and len(found) == 3
    # The memo on bob's own segment stays; memos on others' segments would not.
    assert len(root.findall(".//q:Coding/q:NoteRef", NS)) == 1


def test_viewer_exports_every_layer(study, viewer, rich):
    root, _, _ = read_qdpx(export(study, viewer))
    assert len(selections(root)) == 7


def test_export_runs_a_constant_number_of_queries(study, owner, rich):
    access = study_access(owner, study.pk)
    with CaptureQueriesContext(connection) as small:
        project_qdpx(access)
    more = factories.make_transcript(study, title="More", text=TEXT * 3)
    for i in range(20):
        factories.make_segment(more, rich["codes"][3], rich["layers"][0], i * 5, i * 5 + 4)
    with CaptureQueriesContext(connection) as large:
        project_qdpx(access)
    # layers, codebook, participants (+group), number attributes, transcripts (+wave),
    # recordings (+turn times), memos (+author), themes, their codes, shared journal
    # entries (+author), then streamed: texts, segments, and the texts again for the
    # files (journal links: see test_refi_export_themes.py)
    assert len(small.captured_queries) == len(large.captured_queries) == 13


def test_an_empty_study_exports_a_valid_project(study, owner, project_schema):
    root = check_qdpx(export(study, owner), project_schema)
    assert root.get("name") == study.name and len(root) == 0


def test_codebook_export_is_a_valid_qdc_with_the_same_guids(study, owner, rich, codebook_schema):
    data = codebook_qdc(study)
    root = check_qdc(data, codebook_schema)
    assert root.tag == f"{{{CODEBOOK_NS}}}CodeBook"
    names = [c.get("name") for c in root.iter(f"{{{CODEBOOK_NS}}}Code")]
    assert names == ["Role", "Uncertainty", "Early weeks", "Trust"]
    theme = rich["codes"][0]
    assert root.find("{*}Codes/{*}Code").get("guid") == object_guid(study.pk, "code", theme.pk)
    assert b"NoteRef" not in data


def test_codebook_export_refuses_an_empty_codebook(study):
    with pytest.raises(EmptyCodebook):
        codebook_qdc(study)


def test_names_and_texts_with_forbidden_characters_stay_valid(study, owner, project_schema):
    owner_layer = factories.make_layer(study, owner)
    transcript = factories.make_transcript(study, text="Tab\there.\nNext line.")
    code = factories.make_code(study, name="Odd\x0b name", description="Bell\x07 & <b>")
    factories.make_segment(transcript, code, owner_layer, 0, 14, memo="multi\r\nline\x02")
    root = check_qdpx(export(study, owner), project_schema)
    selection = root.find(".//q:PlainTextSelection", NS)
    assert selection.get("name") == "Tab\there.\nNext"  # tab and newline survive as references
    assert root.find(".//q:Code", NS).get("name") == "Odd name"


def test_membership_is_required(study, outsider):
    from django.http import Http404

    with pytest.raises(Http404):
        study_access(outsider, study.pk)


def test_role_does_not_change_the_export_of_an_open_study(study, owner, viewer, rich):
    assert read_qdpx(export(study, owner))[2] == read_qdpx(export(study, viewer))[2]
    assert Role.VIEWER == "viewer"


def test_the_fast_guid_maker_agrees_with_uuid5():
    make = _GuidMaker(42)
    for kind, key in (
        ("selection", 1),
        ("code", 987654),
        ("layer", "consensus"),
        ("variable", "年齡"),
    ):
        assert make(kind, key) == object_guid(42, kind, key)
