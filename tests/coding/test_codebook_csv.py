from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coding.codebook import csv as codebook_csv
from coding.codebook import selectors as codebook_selectors
from coding.codebook import services as codebook_services
from coding.models import AuditEvent, Code
from studies.imports import ImportRefused
from studies.models import Role
from tests import factories

HEADER = "path,definition,inclusion,exclusion,example,colour\n"


def export_url(study) -> str:
    return reverse("coding:codebook_export", args=[study.pk])


def import_url(study) -> str:
    return reverse("coding:codebook_import", args=[study.pk])


def import_csv(study, text: str, actor=None):
    return codebook_csv.codebook_import_csv(
        study=study, data=text.encode("utf-8"), filename="codebook.csv", actor=actor
    )


def refusal(study, text: str) -> list[tuple[int, str, str]]:
    with pytest.raises(ImportRefused) as info:
        import_csv(study, text)
    return [(e.row, e.column, e.message) for e in info.value.report.errors]


def shape(study) -> list[tuple]:
    """Every code by path with its texts and colour, in tree order."""
    book = codebook_selectors.codebook(study)
    return [
        (
            n.path,
            n.code.description,
            n.code.inclusion,
            n.code.exclusion,
            n.code.example,
            n.code.color.upper(),
        )
        for n in book.walk()
    ]


@pytest.fixture
def codebook(study):
    stigma = factories.make_code(
        study, name="Stigma", description="Marked as different.", color="#D55E00"
    )
    factories.make_code(
        study,
        name="Shame",
        parent=stigma,
        position=0,
        inclusion="=Self-directed",
        exclusion="-Others' views",
        example="我覺得好丟臉，唔想出街。",
        color="#CC79A7",
    )
    factories.make_code(
        study, name='Public, "quoted"', parent=stigma, position=1, description="Line one\nline two"
    )
    factories.make_code(study, name="角色", position=1)
    return study


# --- export --------------------------------------------------------------------------------


def test_it_exports_utf8_without_a_bom_and_ascii_path_separators(viewer_client, codebook):
    response = viewer_client.get(export_url(codebook))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="codebook-peer-support-study.csv"' in response["Content-Disposition"]
    body = response.content
    assert not body.startswith(b"\xef\xbb\xbf")  # R's read.csv keeps a BOM in a name
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    assert rows[0] == [
        "path",
        "definition",
        "inclusion",
        "exclusion",
        "example",
        "colour",
        "codable",
    ]
    assert [r[0] for r in rows[1:]] == [
        "Stigma",
        "Stigma > Shame",
        'Stigma > Public, "quoted"',
        "角色",
    ]
    assert rows[2][4] == "我覺得好丟臉，唔想出街。"


def test_it_escapes_cells_a_spreadsheet_would_run_as_formulas(viewer_client, codebook):
    rows = list(
        csv.reader(io.StringIO(viewer_client.get(export_url(codebook)).content.decode("utf-8-sig")))
    )
    assert rows[2][2] == "'=Self-directed"
    assert rows[2][3] == "'-Others' views"


def test_it_leaves_archived_codes_out_unless_asked(viewer_client, codebook):
    codebook_services.code_archive(code=Code.objects.get(name="角色"), actor=None)
    body = viewer_client.get(export_url(codebook)).content.decode("utf-8-sig")
    assert "角色" not in body
    body = viewer_client.get(export_url(codebook) + "?archived=1").content.decode("utf-8-sig")
    assert "角色" in body


def test_an_outsider_cannot_export(outsider_client, codebook):
    assert outsider_client.get(export_url(codebook)).status_code == 404


def test_a_round_trip_into_another_study_yields_the_same_tree(owner_client, codebook, owner):
    exported = owner_client.get(export_url(codebook)).content
    other = factories.make_study(name="Replication")
    factories.add_member(other, owner, Role.OWNER)
    response = owner_client.post(
        import_url(other), {"file": SimpleUploadedFile("codebook.csv", exported, "text/csv")}
    )
    assert response.status_code == 302
    assert shape(other) == shape(codebook)


# --- import --------------------------------------------------------------------------------


def test_it_creates_missing_codes_along_every_path(study, owner):
    report = import_csv(
        study,
        HEADER + "Stigma > Self > Shame,Feeling lesser,,,,#CC79A7\n"
        "Stigma › Public,,,,,\n"
        "Hope,,,,,#009E73\n",
        actor=owner,
    )
    assert (report.created, report.updated) == (5, 0)
    assert [p for p, *_ in shape(study)] == [
        "Stigma",
        "Stigma › Self",
        "Stigma › Self › Shame",
        "Stigma › Public",
        "Hope",
    ]
    book = codebook_selectors.codebook(study)
    shame = next(n.code for n in book.walk() if n.code.name == "Shame")
    assert shame.description == "Feeling lesser"
    event = AuditEvent.objects.get(action="codebook.import")
    assert event.after["created"] == 5 and len(event.after["created_ids"]) == 5


def test_a_new_code_without_a_colour_gets_the_next_unused_one(study):
    # Was: it took its parent's colour (issue 8: every new code looked the same).
    import_csv(study, HEADER + "Stigma,,,,,#D55E00\nStigma > Shame,,,,,\n")
    assert Code.objects.get(name="Shame").color == "#0072B2"


def test_it_updates_existing_codes_matched_by_path_in_any_case(codebook, owner):
    report = import_csv(codebook, HEADER + "stigma > SHAME,New definition,,,,\n", actor=owner)
    assert (report.created, report.updated) == (0, 1)
    shame = Code.objects.get(name="Shame")
    assert shame.description == "New definition"
    assert shame.inclusion == "=Self-directed"  # an empty cell keeps what is there
    event = AuditEvent.objects.get(action="codebook.import")
    assert event.before == {"updated": {str(shame.pk): {"description": ""}}}


def test_new_codes_go_after_the_existing_siblings(codebook):
    import_csv(codebook, HEADER + "Stigma > Courage,,,,,\n")
    book = codebook_selectors.codebook(codebook)
    stigma = next(n for n in book.roots if n.code.name == "Stigma")
    assert [c.code.name for c in stigma.children] == ["Shame", 'Public, "quoted"', "Courage"]


def test_it_accepts_semicolons_and_column_aliases(study):
    import_csv(study, "Path;Description;Color\nStigma > Shame;Feeling lesser;#CC79A7\n")
    assert Code.objects.get(name="Shame").description == "Feeling lesser"


def test_it_accepts_a_utf8_bom_and_chinese_names(study):
    data = "\ufeff".encode() + (HEADER + "角色 > 信任,被信任,,,,\n").encode("utf-8")
    codebook_csv.codebook_import_csv(study=study, data=data, filename="c.csv", actor=None)
    assert codebook_selectors.codebook(study).walk().__next__().path == "角色"
    assert Code.objects.get(name="信任").description == "被信任"


def test_every_problem_is_reported_with_its_row_and_nothing_is_written(codebook):
    before = shape(codebook)
    text = (
        HEADER
        + "Hope,,,,,\n"  # row 2: fine
        + ",A definition,,,,\n"  # row 3: no path
        + "Stigma >  > Shame,,,,,\n"  # row 4: empty name
        + "New,,,,,red\n"  # row 5: bad colour
        + "hope,,,,,\n"  # row 6: duplicate of row 2
        + "A > B > C > D > E > F > G > H > I,,,,,\n"  # row 7: too deep
        + "Long "
        + "x" * 130
        + ",,,,,\n"  # row 8: name too long
        + "Extra,,,,,,too many\n"  # row 9: too many cells
    )
    errors = refusal(codebook, text)
    assert [(row, column) for row, column, _ in errors] == [
        (3, "path"),
        (4, "path"),
        (5, "colour"),
        (6, "path"),
        (7, "path"),
        (8, "path"),
        (9, ""),
    ]
    messages = {row: message for row, _, message in errors}
    assert messages[3] == "The path is empty."
    assert "has an empty name" in messages[4]
    assert "must look like #RRGGBB" in messages[5]
    assert "also appears on row 2" in messages[6]
    assert f"at most {codebook_services.CODEBOOK_MAX_DEPTH}" in messages[7]
    assert "longer than 120" in messages[8]
    assert "quote cells" in messages[9]
    assert shape(codebook) == before
    assert not AuditEvent.objects.filter(action="codebook.import").exists()


def test_it_refuses_unknown_or_missing_columns(study):
    errors = refusal(study, "name,defintion\nHope,x\n")
    assert (
        1,
        "name",
        "Unknown column “name” (expected path, definition, inclusion, exclusion, example, "
        "colour, codable).",
    ) in errors
    assert any("needs a “path” column" in message for _, _, message in errors)


def test_it_refuses_an_empty_file_and_a_header_without_rows(study):
    assert refusal(study, "")[0][0] == 1
    assert "no codes" in refusal(study, HEADER)[0][2]


def test_it_refuses_a_file_that_is_not_text(study):
    with pytest.raises(ImportRefused) as info:
        codebook_csv.codebook_import_csv(study=study, data=b"\x00\xff\xfe" * 50, filename="x.xlsx")
    assert info.value.report.errors[0].row == 0


def test_the_view_lists_every_refusal_with_its_row(owner_client, study):
    upload = SimpleUploadedFile(
        "codebook.csv", (HEADER + "Hope,,,,,blue\n,,,,,\nX,,,,,#12\n").encode()
    )
    response = owner_client.post(import_url(study), {"file": upload})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was imported" in html
    assert "2 problems found" in html
    assert "The colour “blue” must look like #RRGGBB" in html
    assert not Code.objects.filter(study=study).exists()


def test_the_view_reports_success_and_goes_back_to_the_codebook(owner_client, study):
    upload = SimpleUploadedFile("codebook.csv", (HEADER + "Hope,,,,,\n").encode())
    response = owner_client.post(import_url(study), {"file": upload}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("coding:codebook", args=[study.pk])
    assert "Imported the codebook: 1 new code, 0 updated." in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "status"), [("coder", 403), ("viewer", 403), ("outsider", 404)]
)
def test_only_owners_may_import(persona_clients, study, persona, status):
    upload = SimpleUploadedFile("codebook.csv", (HEADER + "Hope,,,,,\n").encode())
    response = persona_clients[persona].post(import_url(study), {"file": upload})
    assert response.status_code == status
    assert not Code.objects.filter(study=study).exists()


def test_the_export_of_a_study_with_a_chinese_name_is_saved_under_an_ascii_name(
    viewer_client, codebook
):
    codebook.name = "同伴支持研究"
    codebook.save()
    response = viewer_client.get(export_url(codebook))
    disposition = response["Content-Disposition"]
    assert disposition == f'attachment; filename="codebook-study-{codebook.pk}.csv"'
    assert all(ord(c) < 128 for c in disposition)
