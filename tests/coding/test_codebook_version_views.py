"""Codebook versions through the pages, the exports and the API: who may freeze and edit
reasons, what the diff page and the exports show, the retrieval export's version column."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import xmlschema
from django.urls import reverse
from lxml import etree

from coding.codebook import services, versions
from coding.models import AuditEvent, CodebookVersion, ConsensusDecision, Segment
from tests import factories
from tests.coding.test_refi_export import DATA, SAFE
from tests.coding.test_retrieval_export import export_url, read_csv


@pytest.fixture
def book(study, owner):
    role = services.code_create(study=study, name="Role", actor=owner)
    peer = services.code_create(
        study=study, name="Peer work", parent=role, description="同伴 support", actor=owner
    )
    stigma = services.code_create(study=study, name="Stigma", actor=owner)
    return {"role": role, "peer": peer, "stigma": stigma}


def versions_url(study):
    return reverse("coding:codebook_versions", args=[study.pk])


def diff_url(study, old, new="current"):
    return reverse("coding:codebook_version_diff", args=[study.pk]) + f"?from={old}&to={new}"


def test_owners_freeze_versions_others_are_refused(
    study, book, owner_client, coder_client, viewer_client
):
    url = reverse("coding:codebook_version_create", args=[study.pk])
    for client in (coder_client, viewer_client):
        assert client.post(url, {"name": "v0"}).status_code == 403
    assert not CodebookVersion.objects.exists()
    response = owner_client.post(url, {"name": "v1 after calibration", "note": "Round 2 done"})
    assert response.status_code == 302
    version = CodebookVersion.objects.get()
    assert (version.name, version.note, len(version.snapshot)) == (
        "v1 after calibration",
        "Round 2 done",
        3,
    )
    assert owner_client.post(url, {"name": "V1 after calibration"}).status_code == 400
    page = coder_client.get(versions_url(study)).text
    assert "v1 after calibration" in page and 'id="version-submit"' not in page


def test_the_diff_page_shows_changes_with_reasons_and_owners_edit_them(
    study, book, owner, owner_client, coder_client
):
    v1 = versions.version_create(study=study, name="v1", actor=owner)
    # Through the codebook page's forms, each with its reason.
    owner_client.post(
        reverse("coding:code_update", args=[study.pk, book["stigma"].pk]),
        {"name": "Stigma and shame", "color": book["stigma"].color, "reason": "Broader"},
    )
    owner_client.post(
        reverse("coding:code_move", args=[study.pk, book["stigma"].pk]),
        {"parent": book["role"].pk, "reason": "Part of the role"},
    )
    owner_client.post(
        reverse("coding:code_archive", args=[study.pk, book["peer"].pk]),
        {"archived": "1", "reason": "Unused"},
    )
    reasons = sorted(
        e.after.get("reason")
        for e in AuditEvent.objects.filter(object_type="code", pk__gt=0)
        if e.action != "code.create"
    )
    assert reasons == ["Broader", "Part of the role", "Unused"]
    page = coder_client.get(diff_url(study, v1.pk)).text
    assert "“Stigma” → “Stigma and shame”" in page
    assert "Stigma → Role › Stigma and shame" in page
    assert "Part of the role" in page and "Unused" in page
    assert "reason-form" not in page  # coders read, owners edit
    event = AuditEvent.objects.get(action="code.move")
    edit = reverse("coding:codebook_change_reason", args=[study.pk, event.pk])
    assert coder_client.post(edit, {"reason": "hijack"}).status_code == 403
    response = owner_client.post(edit, {"reason": "Stigma is enacted in the role", "next": "/x"})
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.after["reason"] == "Stigma is enacted in the role"
    assert "Stigma is enacted in the role" in owner_client.get(diff_url(study, v1.pk)).text


def test_a_version_exports_as_csv_and_schema_valid_qdc(study, book, owner, owner_client):
    v1 = versions.version_create(study=study, name="v1", actor=owner)
    services.code_update(code=book["peer"], name="Peer support", description="new", actor=owner)
    services.code_archive(code=book["stigma"], actor=owner)
    url = reverse("coding:codebook_version_export", args=[study.pk, v1.pk, "csv"])
    rows = list(csv.reader(io.StringIO(owner_client.get(url).content.decode("utf-8"))))
    assert [r[0] for r in rows[1:]] == ["Role", "Role > Peer work", "Stigma"]
    assert rows[2][1] == "同伴 support"
    url = reverse("coding:codebook_version_export", args=[study.pk, v1.pk, "qdc"])
    data = owner_client.get(url).content
    root = etree.fromstring(data, SAFE)
    schema = xmlschema.XMLSchema(str(DATA / "Codebook.xsd"))
    assert [f"{e.path}: {e.reason}" for e in schema.iter_errors(root)] == []
    ns = {"q": "urn:QDA-XML:codebook:1.0"}
    names = [c.get("name") for c in root.iterfind(".//q:Code", ns)]
    assert names == ["Role", "Peer work", "Stigma"]
    other = factories.make_study(name="Other")
    foreign = reverse("coding:codebook_version_export", args=[other.pk, v1.pk, "csv"])
    assert owner_client.get(foreign).status_code == 404


def test_the_retrieval_export_names_the_version_each_segment_was_coded_under(
    study, book, owner, coder, owner_client
):
    transcript = factories.make_transcript(study)
    layer = factories.make_layer(study, coder)
    early = factories.make_segment(transcript, book["peer"], layer, 0, 5)
    middle = factories.make_segment(transcript, book["peer"], layer, 5, 10)
    late = factories.make_segment(transcript, book["peer"], layer, 10, 15)
    v1 = versions.version_create(study=study, name="v1", actor=owner)
    v2 = versions.version_create(study=study, name="v2", actor=owner)
    base = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
    CodebookVersion.objects.filter(pk=v1.pk).update(created_at=base)
    CodebookVersion.objects.filter(pk=v2.pk).update(created_at=base + dt.timedelta(days=7))
    for seg, when in (
        (early, base - dt.timedelta(days=1)),
        (middle, base + dt.timedelta(days=1)),
        (late, base + dt.timedelta(days=8)),
    ):
        Segment.objects.filter(pk=seg.pk).update(created_at=when)
    rows = read_csv(owner_client.get(export_url(study, "csv", code=book["peer"].pk)))
    column = rows[0].index("codebook_version")
    got = {int(r[rows[0].index("segment_id")]): r[column] for r in rows[1:]}
    assert got == {early.pk: "", middle.pk: "v1", late.pk: "v2"}


# --- the API -------------------------------------------------------------------------------


def test_the_api_lists_versions_their_snapshots_and_diffs(
    study, book, owner, owner_client, coder_client
):
    created = owner_client.post(
        f"/api/v1/studies/{study.pk}/codebook/versions",
        {"name": "v1", "note": "API"},
        content_type="application/json",
    )
    assert created.status_code == 201
    v1 = created.json()["id"]
    refused = coder_client.post(
        f"/api/v1/studies/{study.pk}/codebook/versions",
        {"name": "v9"},
        content_type="application/json",
    )
    assert refused.status_code == 403
    services.code_merge(source=book["stigma"], target=book["role"], actor=owner, reason="Same")
    listed = coder_client.get(f"/api/v1/studies/{study.pk}/codebook/versions").json()
    assert [(v["name"], v["codes"]) for v in listed] == [("v1", 3)]
    detail = coder_client.get(f"/api/v1/studies/{study.pk}/codebook/versions/{v1}").json()
    assert [row["path"] for row in detail["snapshot"]] == ["Role", "Role › Peer work", "Stigma"]
    diff = coder_client.get(f"/api/v1/studies/{study.pk}/codebook/versions/diff?from={v1}").json()
    assert diff["from"] == str(v1) and diff["to"] == "current"
    (merged,) = diff["changes"]
    assert (merged["kind"], merged["old"], merged["new"], merged["reason"]) == (
        "merged",
        "Stigma",
        "Role",
        "Same",
    )
    bad = coder_client.get(f"/api/v1/studies/{study.pk}/codebook/versions/diff?from=99999")
    assert bad.status_code == 400


def test_a_consensus_decision_records_the_codebook_change_it_led_to(
    study, book, owner, owner_client, coder_client
):
    transcript = factories.make_transcript(study)
    decision = ConsensusDecision.objects.create(
        study=study,
        transcript=transcript,
        code=book["stigma"],
        start=0,
        end=5,
        action="reject",
        rationale="Stigma was applied to plain worry",
    )
    v1 = versions.version_create(study=study, name="v1", actor=owner)
    services.code_update(
        code=book["stigma"], exclusion="Worry without judgement", actor=owner, reason="Decided"
    )
    event = AuditEvent.objects.get(action="code.update")
    page = owner_client.get(diff_url(study, v1.pk)).text
    assert "Stigma was applied to plain worry" in page  # offered for the change on its code
    assert "plain worry" not in coder_client.get(diff_url(study, v1.pk)).text
    url = reverse("coding:codebook_change_decision", args=[study.pk, event.pk])
    assert coder_client.post(url, {"decision": decision.pk}).status_code == 403
    decision.refresh_from_db()
    assert decision.codebook_change_id is None
    assert owner_client.post(url, {"decision": decision.pk}).status_code == 302
    decision.refresh_from_db()
    assert decision.codebook_change_id == event.pk
    linked = AuditEvent.objects.get(action="consensus.codebook_change")
    assert (linked.before, linked.after) == ({"decisions": []}, {"decisions": [decision.pk]})
    assert owner_client.post(url, {"decision": ""}).status_code == 302
    decision.refresh_from_db()
    assert decision.codebook_change_id is None


def test_the_diff_page_and_api_run_as_many_queries_for_many_changes_as_for_one(
    study, owner, owner_client
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(n):
        base = f"n{n}"
        codes = [
            services.code_create(study=study, name=f"{base}-{i}", actor=owner) for i in range(n)
        ]
        v1 = versions.version_create(study=study, name=f"{base} v1", actor=owner)
        for code in codes:
            services.code_update(code=code, name=f"{code.name}!", description="x", actor=owner)
            services.code_move(
                code=code, parent=codes[0] if code != codes[0] else None, actor=owner
            )
        counted = []
        for url in (
            diff_url(study, v1.pk),
            f"/api/v1/studies/{study.pk}/codebook/versions/diff?from={v1.pk}",
        ):
            with CaptureQueriesContext(connection) as ctx:
                assert owner_client.get(url).status_code == 200
            counted.append(len(ctx.captured_queries))
        return counted

    assert queries(1) == queries(12)
