"""Retrieval filtered by participant and transcript attributes, and the attribute columns of
its CSV/XLSX exports."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from django.urls import reverse

from coding.models import Segment
from coding.retrieval.exports import EXPORT_HEADER
from studies.models import Attribute
from tests.coding.test_retrieval import build_world


@pytest.fixture
def world(study, owner, coder, coder2, viewer):
    w = build_world(study, owner, coder, coder2)
    p1, p2, p3 = w.participants
    for p, values in (
        (p1, {"gender": "female", "age": 34}),
        (p2, {"gender": "male", "age": "52"}),  # stored as text by an older import
        (p3, {"gender": "Female", "age": 19}),
    ):
        p.attributes = values
        p.save(update_fields=["attributes"])
    for key, values in (
        ("p1t1", {"interviewer": "KL"}),
        ("p1t2", {"interviewer": "=HYPERLINK(1)"}),
        ("p2t1", {"interviewer": "KL"}),
    ):
        w.tr[key].attributes = values
        w.tr[key].save(update_fields=["attributes"])
    Attribute.objects.create(study=study, name="gender", kind="choice", choices=["female", "male"])
    Attribute.objects.create(study=study, name="age", kind="number", position=1)
    Attribute.objects.create(study=study, name="interviewer", scope="transcript")
    return w


def listed(client, study, **params):
    base = reverse("coding:retrieval", args=[study.pk])
    response = client.get(base, params)
    assert response.status_code == 200
    return response.text, {int(x) for x in re.findall(r'id="r-seg-(\d+)"', response.text)}


def expected(study, layers, *, code_ids, keep):
    """Segment ids straight from the rows: ``keep(participant attrs, transcript attrs)``."""
    rows = Segment.objects.filter(layer__in=layers, code_id__in=code_ids).values_list(
        "pk", "transcript__participant__attributes", "transcript__attributes"
    )
    return {pk for pk, pa, ta in rows if keep(pa or {}, ta or {})}


def test_it_keeps_the_segments_of_participants_with_the_value(world, owner_client, study):
    shame = world.codes.shame.pk
    _, got = listed(owner_client, study, code=shame, **{"attribute:gender": "female"})
    want = expected(
        study,
        world.layers.values(),
        code_ids=[shame],
        keep=lambda pa, ta: str(pa.get("gender", "")).lower() == "female",
    )
    assert want and got == want


def test_a_number_range_reads_numbers_stored_as_text_too(world, owner_client, study):
    shame = world.codes.shame.pk
    _, got = listed(owner_client, study, code=shame, **{"attribute:age": "30..60"})
    want = expected(
        study,
        world.layers.values(),
        code_ids=[shame],
        keep=lambda pa, ta: "age" in pa and 30 <= float(pa["age"]) < 60,
    )
    assert want and got == want


def test_a_transcript_attribute_and_a_participant_attribute_combine(world, owner_client, study):
    shame = world.codes.shame.pk
    _, got = listed(
        owner_client,
        study,
        code=shame,
        **{"attribute:interviewer": "kl", "attribute:gender": "female"},
    )
    want = expected(
        study,
        world.layers.values(),
        code_ids=[shame],
        keep=lambda pa, ta: ta.get("interviewer") == "KL" and pa.get("gender") == "female",
    )
    assert want and got == want


def test_an_unknown_attribute_or_impossible_value_is_reported_not_ignored(
    world, owner_client, study
):
    shame = world.codes.shame.pk
    html, got = listed(owner_client, study, code=shame, **{"attribute:colour": "red"})
    assert "There is no attribute “colour” in this study." in html
    assert got == set()
    html, got = listed(owner_client, study, code=shame, **{"attribute:age": "old"})
    assert "is not a number" in html
    assert got == set()


def test_the_form_offers_every_attribute_with_the_value_given(world, owner_client, study):
    html, _ = listed(owner_client, study, code=world.codes.shame.pk, **{"attribute:gender": "male"})
    assert '<select translate="no" id="r-attr-' in html
    assert "<option selected>male</option>" in html
    assert 'name="attribute:interviewer"' in html


def test_a_blind_coder_filtered_by_attribute_still_sees_only_their_own_layer(
    world, coder_client, study
):
    study.blind_coding = True
    study.save(update_fields=["blind_coding"])
    shame = world.codes.shame.pk
    _, got = listed(coder_client, study, code=shame, **{"attribute:gender": "female"})
    want = expected(
        study,
        [world.layers["bob"]],
        code_ids=[shame],
        keep=lambda pa, ta: str(pa.get("gender", "")).lower() == "female",
    )
    assert want and got == want


def _export(client, study, fmt, **params):
    base = reverse("coding:retrieval_export", args=[study.pk, fmt])
    response = client.get(base, params)
    assert response.status_code == 200
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw


def test_the_csv_export_has_one_column_per_attribute_participant_ones_first(
    world, owner_client, study
):
    raw = _export(owner_client, study, "csv", code=world.codes.shame.pk, layer="bob")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    assert rows[0] == [*EXPORT_HEADER, "gender", "age", "interviewer"]
    by_id = {int(r[EXPORT_HEADER.index("segment_id")]): r for r in rows[1:]}
    for key, seg in world.segs.items():
        if key[0] != "bob" or key[2] != "shame":
            continue
        row = by_id[seg.pk]
        p = seg.transcript.participant
        pa = p.attributes if p else {}
        ta = seg.transcript.attributes
        want_interviewer = ta.get("interviewer", "")
        if want_interviewer.startswith("="):
            want_interviewer = "'" + want_interviewer  # formula-escaped as every text cell
        assert row[-3:] == [
            str(pa.get("gender", "")),
            str(pa.get("age", "")),
            want_interviewer,
        ]


def test_the_xlsx_export_keeps_numbers_as_numbers(world, owner_client, study):
    raw = _export(owner_client, study, "xlsx", code=world.codes.shame.pk, layer="bob")
    sheet = openpyxl.load_workbook(io.BytesIO(raw))["Segments"]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert header[-3:] == ["gender", "age", "interviewer"]
    ages = {r[header.index("participant")]: r[header.index("age")] for r in rows[1:]}
    assert ages["P01"] == 34
    assert "'=HYPERLINK(1)" in {r[-1] for r in rows[1:]}


def test_the_export_filtered_by_attribute_holds_only_those_rows(world, owner_client, study):
    raw = _export(
        owner_client, study, "csv", code=world.codes.shame.pk, **{"attribute:gender": "male"}
    )
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    assert len(rows) > 1
    assert {r[EXPORT_HEADER.index("participant")] for r in rows[1:]} == {"P02"}


def test_the_query_count_is_the_same_for_2_and_20_participants(owner_client, study, owner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests import factories

    group = factories.make_group(study, name="G")
    wave = factories.make_wave(study, name="T1")
    code = factories.make_code(study, name="A")
    layer = factories.make_layer(study, owner)
    Attribute.objects.create(study=study, name="gender")
    Attribute.objects.create(study=study, name="interviewer", scope="transcript")

    def add(n):
        for i in range(n):
            p = factories.make_participant(
                study, group=group, attributes={"gender": "female" if i % 2 else "male"}
            )
            t = factories.make_transcript(
                study, participant=p, wave=wave, attributes={"interviewer": "KL"}
            )
            factories.make_segment(t, code, layer, 0, 5)

    base = reverse("coding:retrieval", args=[study.pk])
    params = {"code": code.pk, "attribute:gender": "female", "attribute:interviewer": "KL"}

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert owner_client.get(base, params).status_code == 200
        return len(ctx.captured_queries)

    add(2)
    few = count()
    add(18)
    assert count() == few
