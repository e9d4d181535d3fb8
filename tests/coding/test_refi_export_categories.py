"""Categories (``Code.is_codable`` off): they hold codes but are never applied to text.

The REFI-QDA side (isCodable="false" out and in) is in test_refi_export_targets.py; here
the workbench side: the segment writes refuse a category, the coding page's picker does not
offer it, the codebook form has the checkbox, the codebook CSV carries the ``codable`` column.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from coding.codebook import csv as codebook_csv
from coding.exchange.importer import refi_import
from coding.models import Code, Segment
from coding.segments import services as segment_services
from studies.imports import ImportRefused
from tests import factories

HX = {"HTTP_HX_REQUEST": "true"}
QUOTE = "我唔知自己嘅角色。"


@pytest.fixture
def transcript(study):
    return factories.make_transcript(study)


@pytest.fixture
def category(study):
    return factories.make_code(study, name="Experience", is_codable=False)


@pytest.fixture
def role(study, category):
    return factories.make_code(study, name="Role", parent=category)


def create_payload(transcript, code):
    start = transcript.text.index(QUOTE)
    return {
        "code_ids": [code.pk],
        "start": start,
        "end": start + len(QUOTE),
        "quote": QUOTE,
        "version": transcript.version,
        "layer": "mine",
    }


def test_coding_text_with_a_category_is_refused_with_a_reason(coder_client, transcript, category):
    url = reverse("coding:segment_create", args=[transcript.study_id, transcript.pk])
    r = coder_client.post(url, create_payload(transcript, category), **HX)
    html = r.content.decode()
    assert "“Experience” is a category" in html and "cannot be applied to text" in html
    assert not Segment.objects.exists()


def test_its_child_code_can_be_applied(coder_client, transcript, role):
    url = reverse("coding:segment_create", args=[transcript.study_id, transcript.pk])
    coder_client.post(url, create_payload(transcript, role), **HX)
    assert Segment.objects.get().code == role


def test_the_service_refuses_a_category(study, coder, transcript, category):
    start = transcript.text.index(QUOTE)
    with pytest.raises(ValidationError) as info:
        segment_services.segment_create(
            transcript=transcript,
            code=category,
            layer=factories.make_layer(study, coder),
            start=start,
            end=start + len(QUOTE),
            quote=QUOTE,
            expected_version=transcript.version,
        )
    assert info.value.code == "not_codable"


def test_moving_a_segment_to_a_category_is_refused(coder_client, study, coder, transcript, role):
    category = role.parent
    start = transcript.text.index(QUOTE)
    segment = factories.make_segment(
        transcript, role, factories.make_layer(study, coder), start, start + len(QUOTE)
    )
    url = reverse("coding:segment_update", args=[study.pk, transcript.pk, segment.pk])
    r = coder_client.post(url, {"code_id": category.pk}, **HX)
    assert "is a category" in r.content.decode()
    assert Segment.objects.get().code == role


def test_the_picker_is_not_offered_a_category(coder_client, transcript, role):
    url = reverse("coding:transcript_code", args=[transcript.study_id, transcript.pk])
    html = coder_client.get(url).content.decode()
    data = re.search(r'<script id="codes-data" type="application/json">(.*?)</script>', html, re.S)
    codes = {c["n"]: c for c in json.loads(data.group(1))}
    assert codes["Experience"]["ca"] is True and codes["Role"]["ca"] is False
    # That the picker leaves categories out is tested in Chromium:
    # tests/browser/test_picker_apply.py::test_a_category_is_not_offered_and_its_codes_are


def test_the_codebook_form_has_the_checkbox_and_saves_it(owner_client, study, role):
    url = reverse("coding:code_update", args=[study.pk, role.pk])
    page = owner_client.get(url).content.decode()
    assert "Can be applied to text" in page and 'name="is_codable"' in page
    base = {"name": "Role", "color": role.color, "codable_shown": "1"}
    owner_client.post(url, base)  # the box unticked: a category
    role.refresh_from_db()
    assert role.is_codable is False
    owner_client.post(url, {**base, "is_codable": "on"})
    role.refresh_from_db()
    assert role.is_codable is True
    owner_client.post(url, {"name": "Role", "color": role.color})  # a form without the box
    role.refresh_from_db()
    assert role.is_codable is True


def test_the_codebook_csv_carries_codable(owner_client, study, role):
    export = owner_client.get(reverse("coding:codebook_export", args=[study.pk]))
    rows = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert {r["path"]: r["codable"] for r in rows} == {
        "Experience": "no",
        "Experience > Role": "yes",
    }
    other = factories.make_study()
    codebook_csv.codebook_import_csv(
        study=other, data=export.content, filename="codebook.csv", actor=None
    )
    assert dict(Code.objects.filter(study=other).values_list("name", "is_codable")) == {
        "Experience": False,
        "Role": True,
    }


def test_a_bad_codable_cell_is_refused(study):
    with pytest.raises(ImportRefused) as info:
        codebook_csv.codebook_import_csv(
            study=study, data=b"path,codable\nA,maybe\n", filename="c.csv", actor=None
        )
    assert [(e.row, e.column) for e in info.value.report.errors] == [(2, "codable")]


def test_a_category_coded_in_a_file_comes_in_as_a_code(study, owner):
    """A file that codes text with a non-codable code: the coding is not lost."""
    s1 = "11111111-1111-1111-1111-111111111111"
    qde = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Project xmlns="urn:QDA-XML:project:1.0" name="p" origin="Hand">'
        '<Users><User guid="22222222-2222-2222-2222-222222222222" name="ann"/></Users>'
        '<CodeBook><Codes><Code guid="33333333-3333-3333-3333-333333333333" name="Folder" '
        'isCodable="false"><Code guid="44444444-4444-4444-4444-444444444444" name="Leaf" '
        'isCodable="true"/></Code><Code guid="55555555-5555-5555-5555-555555555555" '
        'name="Empty folder" isCodable="false"/></Codes></CodeBook>'
        f'<Sources><TextSource guid="{s1}" name="a" plainTextPath="internal://{s1}.txt">'
        '<PlainTextSelection guid="66666666-6666-6666-6666-666666666666" startPosition="0" '
        'endPosition="4" creatingUser="22222222-2222-2222-2222-222222222222">'
        '<Coding guid="77777777-7777-7777-7777-777777777777">'
        '<CodeRef targetGUID="33333333-3333-3333-3333-333333333333"/></Coding>'
        "</PlainTextSelection></TextSource></Sources></Project>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("project.qde", qde)
        archive.writestr(f"sources/{s1}.txt", "Diet and health.")
    report = refi_import(study=study, data=buffer.getvalue(), filename="p.qdpx", actor=owner)
    assert dict(Code.objects.filter(study=study).values_list("name", "is_codable")) == {
        "Folder": True,
        "Leaf": True,
        "Empty folder": False,
    }
    assert report.counts["categories"] == 2
    assert any("not codable in the file but text is coded" in w for w in report.warnings)
    assert Segment.objects.get().quote == "Diet"


def test_the_api_refuses_a_category(coder_client, transcript, category):
    start = transcript.text.index(QUOTE)
    response = coder_client.post(
        f"/api/v1/transcripts/{transcript.pk}/segments",
        {"code_id": category.pk, "start": start, "end": start + len(QUOTE), "quote": QUOTE},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "is a category" in response.json()["detail"]
    assert not Segment.objects.exists()
