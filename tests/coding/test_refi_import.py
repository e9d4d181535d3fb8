from __future__ import annotations

import codecs
import io
import zipfile
from xml.sax.saxutils import quoteattr

import pytest

from coding.exchange.descriptions import parse_code_description
from coding.exchange.export import project_qdpx
from coding.exchange.importer import refi_import
from coding.exchange.parse import UNKNOWN_CODER, repair_color
from coding.exchange.report import RefiImportReport
from coding.models import AuditEvent, Code, Layer, LayerKind, Memo, Segment
from studies.access import study_access
from studies.imports import ImportRefused
from studies.models import Participant, Role, Transcript
from tests import factories
from tests.coding.test_refi_export import DATA, TEXT, rich  # noqa: F401  (fixture)

U1 = "10000000-0000-0000-0000-000000000001"
U2 = "10000000-0000-0000-0000-000000000002"
C1 = "20000000-0000-0000-0000-000000000001"
C2 = "20000000-0000-0000-0000-000000000002"
S1 = "40000000-0000-0000-0000-000000000001"


def qdpx(qde: str, files: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", qde.encode("utf-8"))
        for name, data in (files or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def project(
    sources: str, *, origin: str = "Test", users: str = "", codes: str = "", extra: str = ""
) -> str:
    users = users or f'<User guid="{U1}" name="Researcher A"/><User guid="{U2}" name="bob"/>'
    codes = codes or (
        f'<Code guid="{C1}" name="Topics" isCodable="false">'
        f'<Code guid="{C2}" name="Health" isCodable="true" color="#33CC33"/></Code>'
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<Project xmlns="urn:QDA-XML:project:1.0" name="P" origin={quoteattr(origin)}>'
        f"<Users>{users}</Users><CodeBook><Codes>{codes}</Codes></CodeBook>"
        f"<Sources>{sources}</Sources>{extra}</Project>"
    )


def text_source(guid: str, name: str, selections: list[tuple[int, int, str | None, str]]) -> str:
    parts = []
    for i, (start, end, preview, user) in enumerate(selections):
        name_attr = f" name={quoteattr(preview)}" if preview is not None else ""
        parts.append(
            f'<PlainTextSelection guid="5{i:07d}-0000-0000-0000-{guid[-12:]}" startPosition="{start}" '
            f'endPosition="{end}"{name_attr} creatingUser="{user}">'
            f'<Coding guid="6{i:07d}-0000-0000-0000-{guid[-12:]}"><CodeRef targetGUID="{C2}"/></Coding>'
            "</PlainTextSelection>"
        )
    return (
        f'<TextSource guid="{guid}" name={quoteattr(name)} plainTextPath="internal://{guid}.txt">'
        + "".join(parts)
        + "</TextSource>"
    )


def run(study, owner, data: bytes, filename: str = "project.qdpx") -> RefiImportReport:
    return refi_import(study=study, data=data, filename=filename, actor=owner)


def spans(study) -> set[tuple]:
    return {
        (s.transcript.title, s.code.name, s.layer.label, s.start, s.end, s.quote, s.memo)
        for s in Segment.objects.filter(transcript__study=study).select_related(
            "transcript", "code", "layer"
        )
    }


def counts(study) -> tuple[int, ...]:
    return (
        Transcript.objects.filter(study=study).count(),
        Code.objects.filter(study=study).count(),
        Layer.objects.filter(study=study).count(),
        Segment.objects.filter(transcript__study=study).count(),
        Memo.objects.filter(study=study).count(),
        Participant.objects.filter(study=study).count(),
    )


@pytest.fixture
def target(owner):
    other = factories.make_study(name="Target study")
    factories.add_member(other, owner, Role.OWNER)
    return other


# --- round trip -----------------------------------------------------------------------


def test_export_then_import_keeps_every_offset_text_and_layer(study, owner, rich, target):  # noqa: F811
    data = project_qdpx(study_access(owner, study.pk))
    report = run(target, owner, data)
    assert report.errors == []
    assert report.counts["transcripts_created"] == 2
    originals = {t.title: t for t in study.transcripts.all()}
    for copy in target.transcripts.select_related("participant__group", "wave"):
        assert copy.text == originals[copy.title].text
        assert copy.checksum == originals[copy.title].checksum and copy.length == len(copy.text)
    assert target.transcripts.get(title="PSW01 T1").text == TEXT  # Chinese, 🙂 and 𠝹 intact
    # Same spans on the same characters; coder layers arrive as imported layers by name.
    assert spans(target) == spans(study)
    assert set(Layer.objects.filter(study=target).values_list("kind", flat=True)) == {
        LayerKind.IMPORTED
    }
    trust = next(
        s
        for s in Segment.objects.filter(
            transcript__study=target, code__name="Trust", layer__name="erin"
        )
    )
    assert trust.quote == "the team trusted me 𠝹" == trust.transcript.text[trust.start : trust.end]
    assert (trust.start, trust.end) == rich["spans"]["trust"]


def test_round_trip_keeps_codebook_participants_waves_and_memos(study, owner, rich, target):  # noqa: F811
    run(target, owner, project_qdpx(study_access(owner, study.pk)))
    role = Code.objects.get(study=target, name="Role")
    assert (role.description, role.inclusion, role.exclusion, role.example, role.color.lower()) == (
        "How people see their role.",
        "Statements about tasks.",
        "Pay.",
        "“I did not know my role”",
        "#d55e00",
    )
    assert Code.objects.get(study=target, name="Early weeks").parent.name == "Uncertainty"
    psw01 = Participant.objects.get(study=target, pseudonym="PSW01")
    assert psw01.group.name == "Peer support workers"
    assert psw01.attributes == {"gender": "female", "age": 34, "site": "Kowloon"}
    transcript = target.transcripts.get(title="PSW01 T1")
    assert transcript.participant == psw01 and transcript.wave.name == "T1 Training"
    memos = {m.title or m.body: m for m in Memo.objects.filter(study=target)}
    assert memos["Role memo"].code.name == "Role"
    assert memos["Journal"].transcript is None and memos["Journal"].code is None
    assert memos["Why here?"].segment.code.name == "Early weeks"
    assert memos["Why here?"].segment.layer.name == "bob"
    assert memos["Long silence at 5 min & <laughs>"].transcript == transcript


def test_importing_the_same_file_twice_adds_nothing(study, owner, rich, target):  # noqa: F811
    data = project_qdpx(study_access(owner, study.pk))
    run(target, owner, data)
    before = counts(target)
    report = run(target, owner, data)
    assert counts(target) == before
    assert report.created == 0
    assert report.counts["transcripts_matched"] == 2 and report.counts["segments_existing"] == 7
    assert report.counts.get("memos_existing") == 4


def test_importing_a_study_into_itself_adds_nothing(study, owner, rich):  # noqa: F811
    before = counts(study)
    report = run(study, owner, project_qdpx(study_access(owner, study.pk)))
    assert counts(study) == before
    assert report.counts["segments_existing"] == 7 and report.counts["codes_reused"] == 4


def test_new_coding_on_a_known_transcript_is_added_to_it(study, owner, target):
    transcript = factories.make_transcript(
        target, title="Interview 1", text="Diet and health are closely linked."
    )
    qde = project(text_source(S1, "Whatever name.txt", [(0, 4, "Diet", U1)]))
    report = run(
        target, owner, qdpx(qde, {f"sources/{S1}.txt": b"Diet and health are closely linked."})
    )
    assert report.counts["transcripts_matched"] == 1 and "transcripts_created" not in report.counts
    segment = Segment.objects.get(transcript=transcript)
    assert (segment.quote, segment.layer.name, segment.layer.kind) == (
        "Diet",
        "Researcher A",
        LayerKind.IMPORTED,
    )


# --- coders and codes -----------------------------------------------------------------


def test_a_refi_user_named_like_a_member_gets_an_imported_layer(study, owner, coder):
    own = factories.make_layer(study, coder)
    qde = project(text_source(S1, "a.txt", [(0, 4, "Diet", U2)]))
    run(study, owner, qdpx(qde, {f"sources/{S1}.txt": b"Diet and health"}))
    segment = Segment.objects.get(transcript__study=study)
    assert segment.layer != own
    assert (segment.layer.kind, segment.layer.name, segment.layer.user) == (
        LayerKind.IMPORTED,
        "bob",
        None,
    )
    assert not own.segments.exists()


def test_an_existing_imported_layer_of_the_same_name_is_reused(study, owner):
    layer = Layer.objects.create(study=study, kind=LayerKind.IMPORTED, name="Researcher A")
    qde = project(text_source(S1, "a.txt", [(0, 4, "Diet", U1)]))
    report = run(study, owner, qdpx(qde, {f"sources/{S1}.txt": b"Diet and health"}))
    assert Segment.objects.get(transcript__study=study).layer == layer
    assert report.counts["layers_reused"] == 1 and "layers_created" not in report.counts


def test_codes_merge_into_the_codebook_by_path(study, owner):
    topics = factories.make_code(study, name="topics", description="Ours", color="#111111")
    qde = project(text_source(S1, "a.txt", [(0, 4, "Diet", U1)]))
    report = run(study, owner, qdpx(qde, {f"sources/{S1}.txt": b"Diet and health"}))
    topics.refresh_from_db()
    assert (topics.name, topics.description, topics.color) == ("topics", "Ours", "#111111")
    health = Code.objects.get(study=study, name="Health")
    assert health.parent == topics and health.color == "#33cc33"
    assert report.counts["codes_reused"] == 1 and report.counts["codes_created"] == 1
    assert Segment.objects.get(transcript__study=study).code == health


def test_codings_without_a_user_fall_back_to_the_project_creator_then_unknown(study, owner):
    source = (
        f'<TextSource guid="{S1}" name="a" plainTextPath="internal://{S1}.txt">'
        f'<PlainTextSelection guid="{U2[:-1]}9" startPosition="0" endPosition="4">'
        f'<Coding guid="{C1[:-1]}9"><CodeRef targetGUID="{C2}"/></Coding></PlainTextSelection></TextSource>'
    )
    run(study, owner, qdpx(project(source), {f"sources/{S1}.txt": b"Diet and health"}))
    assert Segment.objects.get(transcript__study=study).layer.name == UNKNOWN_CODER


# --- offsets from other tools ---------------------------------------------------------

CRLF_TEXT = "Interviewer: Hi\r\nP01: 我唔知 𠝹 my role\r\nInterviewer: And?\r\nP01: Trust grew."


def _expect(study):
    transcript = study.transcripts.get()
    assert "\r" not in transcript.text
    return {s.quote for s in Segment.objects.filter(transcript=transcript)}, transcript


def test_crlf_counted_as_two_characters_lands_on_the_same_characters(study, owner):
    role = CRLF_TEXT.index("我唔知")
    trust = CRLF_TEXT.index("Trust grew")
    qde = project(
        text_source(
            S1,
            "nvivo.txt",
            [(role, role + 13, "我唔知 𠝹 my role", U1), (trust, trust + 10, "Trust grew", U1)],
        ),
        origin="NVivo 14",
    )
    report = run(study, owner, qdpx(qde, {f"sources/{S1}.txt": CRLF_TEXT.encode()}))
    quotes, transcript = _expect(study)
    assert quotes == {"我唔知 𠝹 my role", "Trust grew"}
    assert report.warnings == []


def test_crlf_counted_once_is_detected_from_the_previews(study, owner):
    once = CRLF_TEXT.replace("\r\n", "\n")
    trust = once.index("Trust grew")
    qde = project(
        text_source(S1, "atlas.txt", [(trust, trust + 10, "Trust grew", U1)]), origin="ATLAS.ti 25"
    )
    report = run(study, owner, qdpx(qde, {f"sources/{S1}.txt": CRLF_TEXT.encode()}))
    assert _expect(study)[0] == {"Trust grew"}
    assert any("CR LF counted once" in w for w in report.warnings)


def test_atlas_origin_without_previews_defaults_to_crlf_counted_once(study, owner):
    once = CRLF_TEXT.replace("\r\n", "\n")
    trust = once.index("Trust grew")
    qde = project(
        text_source(S1, "atlas.txt", [(trust, trust + 10, None, U1)]), origin="ATLAS.ti 25"
    )
    run(study, owner, qdpx(qde, {f"sources/{S1}.txt": CRLF_TEXT.encode()}))
    assert _expect(study)[0] == {"Trust grew"}


def test_a_bom_counted_as_a_character_is_detected(study, owner):
    text = "Diet and health are closely linked."
    qde = project(text_source(S1, "qualcoder.txt", [(1 + 9, 1 + 15, "health", U1)]))
    report = run(study, owner, qdpx(qde, {f"sources/{S1}.txt": codecs.BOM_UTF8 + text.encode()}))
    quotes, transcript = _expect(study)
    assert quotes == {"health"} and transcript.text == text
    assert any("BOM counted" in w for w in report.warnings)


def test_a_bom_not_counted_is_the_default(study, owner):
    text = "Diet and health are closely linked."
    qde = project(text_source(S1, "qualcoder.txt", [(9, 15, "health", U1)]))
    run(study, owner, qdpx(qde, {f"sources/{S1}.txt": codecs.BOM_UTF8 + text.encode()}))
    assert _expect(study)[0] == {"health"}


def test_utf16_code_units_are_detected_and_converted(study, owner):
    text = "P01: 𠝹𠝹 then trust grew."
    start = len(text[: text.index("trust")].encode("utf-16-le")) // 2
    qde = project(text_source(S1, "js.txt", [(start, start + 5, "trust", U1)]))
    report = run(study, owner, qdpx(qde, {f"sources/{S1}.txt": text.encode()}))
    assert _expect(study)[0] == {"trust"}
    assert any("UTF-16" in w for w in report.warnings)


def test_canonicalisation_moves_offsets_with_the_text(study, owner):
    # Leading blank lines are stripped, a decomposed é is composed (NFC), a control
    # character is dropped: each coded passage still covers the same characters.
    raw = "\n\nCafe\u0301 talk.\x0c Then trust grew.\n\n"
    trust = raw.index("trust grew")
    cafe = raw.index("Cafe")
    qde = project(
        text_source(
            S1, "a.txt", [(trust, trust + 10, "trust grew", U1), (cafe, cafe + 5, "Café", U1)]
        )
    )
    report = run(study, owner, qdpx(qde, {f"sources/{S1}.txt": raw.encode()}))
    quotes, transcript = _expect(study)
    assert transcript.text == "Café talk. Then trust grew."
    assert quotes == {"trust grew", "Café"}
    assert report.warnings == []


def test_out_of_range_selections_are_clamped_and_reported(study, owner):
    qde = project(text_source(S1, "a.txt", [(5, 400, None, U1)]))
    report = run(study, owner, qdpx(qde, {f"sources/{S1}.txt": b"Diet and health"}))
    assert _expect(study)[0] == {"and health"}
    assert any("clamped" in w for w in report.warnings)


# --- the samples ----------------------------------------------------------------------


def _zip_folder(folder) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def test_the_hand_authored_sample_imports_cleanly(study, owner):
    report = run(study, owner, _zip_folder(DATA / "hand_authored"))
    transcript = study.transcripts.get()
    assert transcript.title == "Interview 1" and transcript.text.startswith("Diet and health")
    paths = {
        (
            c.parent.parent.name if c.parent and c.parent.parent else None,
            c.parent.name if c.parent else None,
            c.name,
        )
        for c in Code.objects.filter(study=study).select_related("parent__parent")
    }
    assert (None, None, "Topics") in paths and ("Topics", "Health", "Diet") in paths
    assert Code.objects.get(study=study, name="Diet").color == "#dc0000"
    quotes = sorted(
        (s.code.name, s.start, s.end, s.quote)
        for s in Segment.objects.filter(transcript=transcript)
    )
    assert quotes == [("Diet", 9, 23, "health are clo"), ("Health", 0, 15, "Diet and health")]
    assert set(Layer.objects.filter(study=study).values_list("name", flat=True)) == {"Researcher A"}
    participant = Participant.objects.get(study=study)
    assert participant.pseudonym == "Participant 1" and transcript.participant == participant
    assert participant.attributes == {"Age": 34, "Consented": True}
    memo = Memo.objects.get(study=study, segment__isnull=False)
    assert memo.body.startswith("Remember to follow up") and memo.segment.code.name == "Health"
    # The case description and the code set have no field of their own: study memos.
    others = {m.title: m.body for m in Memo.objects.filter(study=study, segment__isnull=True)}
    assert others["Case Participant 1: description"] == "A pseudonymised interview participant."
    assert "Topics › Health › Diet" in others["Code set: Diet-related"]
    assert report.skipped["pictures"] == 1 and report.skipped["graphs"] == 1
    assert report.skipped["PDF documents"] == 1 and report.counts["sets"] == 1
    assert any("do not match the text" in w for w in report.warnings)  # the hand-written name


def test_the_nvivo_sample_imports_its_codebook_and_skips_empty_sources(study, owner):
    data = (DATA / "nvivo_project.qdpx").read_bytes()
    report = run(study, owner, data)
    assert report.errors == []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        declared = archive.read("project.qde").count(b"<Code ")
    assert Code.objects.filter(study=study).count() == declared == report.counts["codes_created"]
    # Repeated names under different parents are separate codes.
    assert Code.objects.filter(study=study, name="citizenship").count() == 3
    assert report.skipped["sources without text"] == 2 and not study.transcripts.exists()
    assert not Layer.objects.filter(study=study).exists()  # no coded selections in the sample


def test_the_example_codebook_imports_with_its_ids_repaired(study, owner):
    report = run(study, owner, (DATA / "example_codebook.qdc").read_bytes(), "example_codebook.qdc")
    assert report.kind == "codebook"
    assert any("not GUIDs" in w for w in report.warnings)
    top = Code.objects.get(study=study, name="Negativ/Aufgeregt")
    assert top.description == "All emotions with negative valence and positive arousal."
    assert top.color == "#e57373" and top.children.filter(name="Rage").exists()


# --- refusals: nothing written ----------------------------------------------------------


def _refused(study, owner, data: bytes, filename: str = "x.qdpx") -> list[str]:
    before = counts(study)
    events = AuditEvent.objects.count()
    with pytest.raises(ImportRefused) as refused:
        run(study, owner, data, filename)
    assert counts(study) == before and AuditEvent.objects.count() == events
    return [e.message for e in refused.value.report.errors]


def test_a_title_taken_by_a_different_text_refuses_the_import(study, owner):
    factories.make_transcript(study, title="Interview 1", text="Other words.")
    qde = project(text_source(S1, "Interview 1.txt", [(0, 4, "Diet", U1)]))
    errors = _refused(study, owner, qdpx(qde, {f"sources/{S1}.txt": b"Diet and health"}))
    assert len(errors) == 1 and "already exists in this study with different text" in errors[0]


def test_every_problem_is_reported_and_nothing_half_imported(study, owner):
    s2 = "40000000-0000-0000-0000-000000000002"
    qde = project(
        text_source(S1, "good.txt", [(0, 4, "Diet", U1)]) + text_source(s2, "missing.txt", []),
        codes=f'<Code guid="{C2}" name="Health" isCodable="true"/><Code guid="{C1}" name="" isCodable="true"/>',
    )
    errors = _refused(study, owner, qdpx(qde, {f"sources/{S1}.txt": b"Diet and health"}))
    assert any("has no name" in e for e in errors)
    assert any("is not in the archive" in e for e in errors)


def test_unsafe_archives_and_documents_are_refused(study, owner):
    evil = io.BytesIO()
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("project.qde", project(""))
        archive.writestr("../../etc/passwd", b"x")
    assert any("unsafe path" in e for e in _refused(study, owner, evil.getvalue()))
    bomb = b'<?xml version="1.0"?><!DOCTYPE Project [<!ENTITY a "aaaa">]><Project name="&a;"/>'
    assert any("DTD" in e for e in _refused(study, owner, qdpx(bomb.decode())))
    assert any("not well-formed" in e for e in _refused(study, owner, b"hello", "x.qdc"))
    empty = io.BytesIO()
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("readme.txt", b"x")
    assert any("no project.qde" in e for e in _refused(study, owner, empty.getvalue()))


def test_codings_of_an_archived_code_refuse_the_import(study, owner):
    topics = factories.make_code(study, name="Topics")
    factories.make_code(study, name="Health", parent=topics, archived=True)
    qde = project(text_source(S1, "a.txt", [(0, 4, "Diet", U1)]))
    errors = _refused(study, owner, qdpx(qde, {f"sources/{S1}.txt": b"Diet and health"}))
    assert "archived" in errors[0]


# --- lenient reading --------------------------------------------------------------------


def test_it_accepts_a_wrapped_folder_other_names_and_an_old_namespace(study, owner):
    qde = (
        project(text_source(S1, "a.txt", [(0, 4, "Diet", U1)]))
        .replace("urn:QDA-XML:project:1.0", "urn:QDA-XML:project:0:10")
        .replace(f"internal://{S1}.txt", f"{S1}.TXT")
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("export/My Project.QDE", qde)
        archive.writestr(f"export/Sources/{S1}.txt", b"Diet and health")
        archive.writestr("__MACOSX/._x", b"")
    run(study, owner, buffer.getvalue())
    assert _expect(study)[0] == {"Diet"}


def test_colours_are_repaired():
    assert repair_color("#ABC") == "#aabbcc"
    assert repair_color("#ff0000ff") == "#ff0000"
    assert repair_color("rgb(0, 114, 178)") == "#0072b2"
    assert repair_color("00ff00") == "#00ff00"
    assert repair_color("red") is None


def test_unlabelled_descriptions_are_definitions():
    assert parse_code_description("  Food and eating.\n") == {"description": "Food and eating."}
    assert parse_code_description("Definition: A\nmore\n\nExample: B") == {
        "description": "A\nmore",
        "example": "B",
    }


def test_a_long_repetitive_source_imports_quickly_with_every_coding_in_place(study, owner):
    # Zipped, this is a small upload; unzipped, 1.2 M characters of repeated lines, with
    # blank lines to strip and a decomposed é on every third line (NFC). The old whole-text
    # diff pinned a worker on such sources.
    import time

    block = "Interviewer: Cafe\u0301 again?\nP01: Yes, the same.\nP01: Yes, the same.\n"
    raw = "\n\n" + block * 20_000
    late = raw.index("Yes, the same", len(raw) * 9 // 10)
    cafe = raw.index("Cafe", len(raw) // 2)
    qde = project(
        text_source(
            S1, "legal.txt", [(late, late + 13, "Yes, the same", U1), (cafe, cafe + 5, "Café", U1)]
        )
    )
    data = qdpx(qde, {f"sources/{S1}.txt": raw.encode()})
    began = time.perf_counter()
    report = run(study, owner, data)
    assert time.perf_counter() - began < 10  # generous: the old diff took minutes
    quotes, transcript = _expect(study)
    assert quotes == {"Yes, the same", "Café"}
    assert report.warnings == []


def test_typed_variables_arrive_as_typed_attribute_definitions(study, owner, rich, target):  # noqa: F811
    """An age held as text ("52") but defined as a number leaves as an Integer variable and
    arrives in the other study as a number attribute with numbers in it."""
    from studies.models import Attribute

    Attribute.objects.create(study=study, name="age", kind="number")
    p = Participant.objects.get(study=study, pseudonym="PSW02")
    p.attributes = {"age": "52"}
    p.save(update_fields=["attributes"])
    data = project_qdpx(study_access(owner, study.pk))
    run(target, owner, data)
    defs = {a.name: a.kind for a in Attribute.objects.filter(study=target)}
    assert defs["age"] == "number"
    assert Participant.objects.get(study=target, pseudonym="PSW02").attributes["age"] == 52
