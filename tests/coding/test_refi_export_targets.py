"""QDPX export options per receiving tool, notes QualCoder reads, one place for group and
wave, file names and the study description through a round trip, and the streaming writer.

Every round trip exports with a target, imports into an empty study, and compares each
segment's code-point offsets and text with the original; the NVivo and MAXQDA files are
also checked independently of the importer (UTF-16-LE slices, CR LF counted as one).
"""

from __future__ import annotations

import io
import zipfile

import pytest
import xmlschema
from django.urls import reverse
from lxml import etree

from coding.exchange import export as refi_export
from coding.exchange.export import PROJECT_NS, codebook_qdc, project_qdpx, write_qdpx
from coding.exchange.importer import refi_import
from coding.exchange.offsets import _preview_matches
from coding.exchange.report import COUNT_LABELS
from coding.models import Code, Memo, Segment
from studies import text as textlib
from studies.access import study_access
from studies.models import Participant, Role, Transcript
from tests import factories
from tests.coding.test_refi_export import DATA, NS, SAFE, check_qdpx

# Astral characters (😀 U+1F600, 𠝹 U+20779) before and inside coded spans, Chinese, and
# an input with CR LF line breaks (stored as LF, as every transcript is).
TEXT = textlib.canonicalize(
    "Interviewer: How was the first week? 😀\r\n"
    "P07: 我唔知自己嘅角色。 Then 𠝹 came and I laughed 😀😀.\r\n"
    "Interviewer: And the team?\r\n"
    "P07: The team trusted me 𠝹 and my lived experience helped others.\r\n"
)


TARGETS = ["default", "nvivo", "maxqda", "atlas"]


@pytest.fixture(scope="session")
def project_schema():
    return xmlschema.XMLSchema(str(DATA / "Project-mrt2019.xsd"))


@pytest.fixture(scope="session")
def codebook_schema():
    return xmlschema.XMLSchema(str(DATA / "Codebook.xsd"))


@pytest.fixture
def target_study(owner):
    other = factories.make_study(name="Empty study")
    factories.add_member(other, owner, Role.OWNER)
    return other


@pytest.fixture
def coded(study, owner, coder, coder2):
    study.description = "Peer support in Hong Kong: two waves.\nSecond line & <more>."
    study.save()
    group = factories.make_group(study, name="Peer support workers")
    wave = factories.make_wave(study, name="T1 Training")
    person = factories.make_participant(study, pseudonym="P07", group=group)
    transcript = factories.make_transcript(
        study,
        title="P07 – Baseline",
        text=TEXT,
        participant=person,
        wave=wave,
        source_name="P07_Baseline interview.docx",
    )
    plain = factories.make_transcript(
        study, title="Focus group", text="Moderator: Welcome.\nAll: Hello!", source_name=""
    )
    category = factories.make_code(study, name="Experience", is_codable=False)
    role = factories.make_code(study, name="Role", parent=category)
    trust = factories.make_code(study, name="Trust", parent=category)
    laugh = factories.make_code(study, name="Laughter")
    bob, erin = factories.make_layer(study, coder), factories.make_layer(study, coder2)
    spans = [
        (role, bob, "我唔知自己嘅角色。"),
        (role, erin, "我唔知自己嘅角色。 Then 𠝹"),
        (laugh, bob, "laughed 😀😀"),
        (laugh, erin, "😀"),  # the first one, on the first line
        (trust, bob, "The team trusted me 𠝹 and my lived experience"),
        (trust, erin, "the team?\nP07: The team"),  # across a line break
    ]
    for code, layer, quote in spans:
        start = TEXT.index(quote)
        factories.make_segment(transcript, code, layer, start, start + len(quote))
    factories.make_segment(plain, trust, bob, 0, 9)
    Memo.objects.create(study=study, author=owner, title="Journal", body="Study-wide.\nTwo lines.")
    Memo.objects.create(study=study, author=coder, code=role, body="Role memo 😀 & <b>")
    Memo.objects.create(study=study, author=coder, transcript=transcript, body="Long pause.")
    return {"transcript": transcript, "plain": plain, "category": category}


def export(study, user, target="default") -> bytes:
    access = study_access(user, study.pk)
    if target == "default":
        return project_qdpx(access)
    return project_qdpx(access, target=target)


def open_qdpx(data: bytes):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    return etree.fromstring(files.pop("project.qde"), SAFE), files


def entries(data: bytes) -> list[tuple[str, bytes]]:
    """The archive's entries in order with their contents (not their zip timestamps)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(name, archive.read(name)) for name in archive.namelist()]


def text_file(files, element) -> bytes:
    return files["sources/" + element.get("plainTextPath")[len("internal://") :]]


def spans_of(study) -> set[tuple]:
    """Every segment as (transcript title, code path, coder, start, end, text at offsets)."""
    out = set()
    for s in Segment.objects.filter(transcript__study=study).select_related(
        "transcript", "code__parent", "layer__user"
    ):
        path = (s.code.parent.name if s.code.parent else "", s.code.name)
        coder = s.layer.user.username if s.layer.user else s.layer.name
        out.add(
            (s.transcript.title, path, coder, s.start, s.end, s.transcript.text[s.start : s.end])
        )
    return out


def run_import(study, owner, data):
    report = refi_import(study=study, data=data, filename="x.qdpx", actor=owner)
    assert report.errors == []
    return report


# --- round trips, one per target ------------------------------------------------------


@pytest.mark.parametrize("target", TARGETS)
def test_every_target_round_trips_every_segment_on_the_same_characters(
    study, owner, coded, target_study, target, project_schema
):
    data = export(study, owner, target)
    root, files = open_qdpx(data)
    assert [e.reason for e in project_schema.iter_errors(root)] == []
    report = run_import(target_study, owner, data)
    assert spans_of(target_study) == spans_of(study)
    assert len(spans_of(study)) == 7
    # Each segment's stored quote is its text at its offsets, on the imported side too.
    for s in Segment.objects.filter(transcript__study=target_study).select_related("transcript"):
        assert s.quote == s.transcript.text[s.start : s.end]
    # The importer said which convention it read (the §1 detection).
    expected = {"nvivo": "UTF-16 units"}.get(target)
    if expected:
        assert any(expected.lower() in name.lower() for name in report.conventions), (
            report.conventions
        )


def test_the_default_target_writes_code_points_and_lf(study, owner, coded, project_schema):
    root = check_qdpx(export(study, owner), project_schema)  # LF only, slices by code points
    source = root.find(".//q:TextSource[@name='P07 – Baseline']", NS)
    laughed = TEXT.index("laughed 😀😀")
    selection = source.find(f"q:PlainTextSelection[@startPosition='{laughed}']", NS)
    assert selection is not None


def test_nvivo_positions_are_utf16_units_of_the_text_file(study, owner, coded):
    root, files = open_qdpx(export(study, owner, "nvivo"))
    checked = 0
    for source in root.iterfind(".//q:TextSource", NS):
        units = text_file(files, source).decode("utf-8").encode("utf-16-le")
        for selection in source.iterfind("q:PlainTextSelection", NS):
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            sliced = units[2 * start : 2 * end].decode("utf-16-le")  # fails on a split pair
            assert sliced == selection.get("name")
            checked += 1
    assert checked == 7
    # Independently of the exporter: the span after two astral characters moved by two.
    source = root.find(".//q:TextSource[@name='P07 – Baseline']", NS)
    quote = "The team trusted me 𠝹 and my lived experience"
    cp = TEXT.index(quote)
    astral_before = sum(1 for ch in TEXT[:cp] if ord(ch) > 0xFFFF)
    assert astral_before == 4
    assert (
        source.find(f"q:PlainTextSelection[@startPosition='{cp + astral_before}']", NS) is not None
    )


def test_maxqda_text_files_have_crlf_and_positions_count_a_line_break_once(study, owner, coded):
    root, files = open_qdpx(export(study, owner, "maxqda"))
    for source in root.iterfind(".//q:TextSource", NS):
        raw = text_file(files, source).decode("utf-8")
        assert "\r\n" in raw and "\n" not in raw.replace("\r\n", "")
        one_per_break = raw.replace("\r\n", "\n")
        for selection in source.iterfind("q:PlainTextSelection", NS):
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            assert _preview_matches(selection.get("name"), one_per_break[start:end])
    for note in root.iterfind(".//q:Note", NS):
        assert b"\n" not in text_file(files, note).replace(b"\r\n", b"")


def test_an_unknown_target_is_refused(study, owner):
    with pytest.raises(KeyError):
        export(study, owner, "word")


# --- notes ----------------------------------------------------------------------------


def test_each_note_text_is_a_file_in_sources_as_qualcoder_reads_it(
    study, owner, coded, project_schema
):
    data = export(study, owner)
    root = check_qdpx(data, project_schema)
    _, files = open_qdpx(data)
    notes = root.findall("q:Notes/q:Note", NS)
    assert len(notes) == 3
    bodies = set()
    for note in notes:
        assert note.get("plainTextPath") == f"internal://{note.get('guid')}.txt"
        assert note.find("q:PlainTextContent", NS) is None  # the schema allows one of the two
        raw = text_file(files, note)
        assert not raw.startswith(b"\xef\xbb\xbf")
        bodies.add(raw.decode("utf-8"))
    assert bodies == set(Memo.objects.filter(study=study).values_list("body", flat=True))


def test_notes_come_back_on_import(study, owner, coded, target_study):
    run_import(target_study, owner, export(study, owner))
    memos = {m.body: m for m in Memo.objects.filter(study=target_study)}
    assert memos["Role memo 😀 & <b>"].code.name == "Role"
    assert memos["Study-wide.\nTwo lines."].title == "Journal"
    assert memos["Long pause."].transcript.title == "P07 – Baseline"


# --- group and wave in one place ------------------------------------------------------


def variables_of(root) -> dict[str, str]:
    return {v.get("name"): v.get("guid") for v in root.iterfind("q:Variables/q:Variable", NS)}


@pytest.mark.parametrize("target", ["default", "nvivo", "maxqda"])
def test_group_and_wave_are_variables_only(study, owner, coded, target):
    root, _ = open_qdpx(export(study, owner, target))
    assert {"Group", "Wave"} <= set(variables_of(root))
    assert root.find("q:Sets", NS) is None


def test_for_atlas_group_and_wave_are_document_sets_only(study, owner, coded, target_study):
    data = export(study, owner, "atlas")
    root, _ = open_qdpx(data)
    assert not {"Group", "Wave"} & set(variables_of(root))
    source = root.find(".//q:TextSource[@name='P07 – Baseline']", NS)
    sets = {
        s.get("name"): [m.get("targetGUID") for m in s] for s in root.iterfind("q:Sets/q:Set", NS)
    }
    assert sets == {
        "Group: Peer support workers": [source.get("guid")],
        "Wave: T1 Training": [source.get("guid")],
    }
    # And they come back here as group and wave.
    run_import(target_study, owner, data)
    person = Participant.objects.get(study=target_study, pseudonym="P07")
    assert person.group.name == "Peer support workers"
    assert Transcript.objects.get(study=target_study, title="P07 – Baseline").wave.name == (
        "T1 Training"
    )


# --- names and description ------------------------------------------------------------


@pytest.mark.parametrize("target", TARGETS)
def test_titles_file_names_and_description_survive_the_round_trip(
    study, owner, coded, target_study, target
):
    report = run_import(target_study, owner, export(study, owner, target))
    got = dict(Transcript.objects.filter(study=target_study).values_list("title", "source_name"))
    want = dict(Transcript.objects.filter(study=study).values_list("title", "source_name"))
    # A transcript without a file name gets its title as the name, as on any import.
    want["Focus group"] = want["Focus group"] or "Focus group"
    assert got == want
    target_study.refresh_from_db()
    assert target_study.description == study.description
    assert report.counts["study_description"] == 1


# --- categories -----------------------------------------------------------------------


def test_a_category_exports_as_not_codable_and_returns_as_a_category(
    study, owner, coded, target_study, codebook_schema
):
    root, _ = open_qdpx(export(study, owner))
    codable = {c.get("name"): c.get("isCodable") for c in root.iter(f"{{{PROJECT_NS}}}Code")}
    assert codable == {"Experience": "false", "Role": "true", "Trust": "true", "Laughter": "true"}
    qdc = etree.fromstring(codebook_qdc(study), SAFE)
    assert [e.reason for e in codebook_schema.iter_errors(qdc)] == []
    assert {c.get("name"): c.get("isCodable") for c in qdc.iter() if c.get("isCodable")} == codable
    report = run_import(target_study, owner, export(study, owner))
    got = dict(Code.objects.filter(study=target_study).values_list("name", "is_codable"))
    assert got == {"Experience": False, "Role": True, "Trust": True, "Laughter": True}
    assert report.counts["categories"] == 1
    assert "imported as categories" in str(COUNT_LABELS["categories"])


# --- the streaming writer and the view ------------------------------------------------


def test_write_qdpx_writes_to_a_file_and_reports_progress(study, owner, coded, tmp_path):
    calls = []
    path = tmp_path / "out.qdpx"
    with path.open("wb") as out:
        write_qdpx(study_access(owner, study.pk), out, progress=lambda d, t: calls.append((d, t)))
    assert entries(path.read_bytes()) == entries(export(study, owner))
    total = calls[-1][1]
    assert calls[-1] == (total, total) and total == 2 * 2 + 1
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_small_chunks_give_the_same_file(study, owner, coded):
    access = study_access(owner, study.pk)
    small = io.BytesIO()
    write_qdpx(access, small, chunk_size=2)
    assert entries(small.getvalue()) == entries(export(study, owner))


def test_the_export_page_offers_each_target_and_streams_the_file(owner_client, study, owner, coded):
    page = owner_client.get(reverse("coding:exchange", args=[study.pk])).content.decode()
    assert 'name="target"' in page
    assert set(refi_export.TARGETS) == set(TARGETS)
    for key, target in refi_export.TARGETS.items():
        assert f'value="{key}"' in page and str(target.label) in page
    url = reverse("coding:qdpx_export", args=[study.pk])
    response = owner_client.get(url, {"target": "nvivo"})
    assert response.status_code == 200 and response.streaming
    body = b"".join(response.streaming_content)
    assert entries(body) == entries(export(study, owner, "nvivo"))
    assert "-nvivo.qdpx" in response["Content-Disposition"]
    assert entries(b"".join(owner_client.get(url).streaming_content)) == entries(
        export(study, owner)
    )
    assert owner_client.get(url, {"target": "word"}).status_code == 400
