"""The agreement report shows the same figures as before the speed work: on a demo study the
page and its CSV export are byte for byte those built with the frozen engine
(tests/coding/agreement_oracle/) put in place of the current one."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

import coding.agreement.breakdowns as breakdowns_module
import coding.agreement.report as report_module
from coding.agreement.expert import ExpertResult
from coding.agreement.spans import Document, Span
from coding.models import Code, Layer
from tests import factories
from tests.coding.agreement_oracle import character_level as old_character_level
from tests.coding.agreement_oracle import segment_matching as old_segment_matching
from tests.coding.agreement_oracle import unitizing as old_unitizing
from workbench.demo import build as demo

SUBTREES: dict[int, set[int]] = {}  # code -> itself and its descendants (the test's study)
CSRF = re.compile(rb'"X-CSRFToken": "[^"]*"|name="csrfmiddlewaretoken" value="[^"]*"')


def old_expert_measures(
    documents,
    layers=None,
    codes=None,
    *,
    min_overlap=0.9,
    overlap_measure="iou",
    partition=None,
    groups=None,
):
    """The three measures as the report called them before, from the frozen engine: a
    parent's figures on documents with its subtree's spans repeated under it."""
    if groups is not None:
        # The groups the report passes are the parents' subtrees, read from the database.
        assert {p: set(members) for p, members in groups.items()} == {
            p: SUBTREES[p] for p in groups
        }
        documents = {
            key: Document(
                doc.length,
                [
                    Span(s.layer, parent, s.start, s.end)
                    for s in doc.spans
                    for parent, members in groups.items()
                    if s.code in members
                ],
                layers=doc.layers,
            )
            for key, doc in documents.items()
        }
    segments = None
    if len(layers) == 2:
        segments = old_segment_matching.segment_matching(
            documents, layers, codes, min_overlap=min_overlap, overlap_measure=overlap_measure
        )
    return ExpertResult(
        unitizing=old_unitizing.unitizing_alpha(documents, layers, codes, include_documents=False),
        u_alpha=old_unitizing.u_alpha_2019(
            documents, layers, codes, partition=partition, include_documents=False
        ),
        segments=segments,
    )


@pytest.fixture
def seeded(db):
    owner = factories.make_user(username="pi")
    study = demo.build_demo_study(
        owner=owner,
        coders=3,
        transcripts_limit=8,
        segments_per_layer=40,
        target_chars=(3000, 6000),
    )
    client = Client()
    client.force_login(owner)
    keys = [layer.key for layer in Layer.objects.filter(study=study).order_by("pk")]
    return study, client, keys


def pages(study, client, queries):
    report = reverse("coding:agreement_report", args=[study.pk])
    export = reverse("coding:agreement_export", args=[study.pk])
    out = []
    for query in queries:
        response = client.get(report + query)
        assert response.status_code == 200
        out.append(CSRF.sub(b"CSRF", response.content))
        response = client.get(export + query + "&format=csv")
        assert response.status_code == 200
        body = response.content if not response.streaming else b"".join(response.streaming_content)
        out.append(body)
    return out


def test_the_report_and_its_export_are_those_of_the_engine_before(seeded, monkeypatch):
    study, client, keys = seeded
    assert len(keys) >= 3
    parent_of = dict(Code.objects.filter(study=study).values_list("pk", "parent_id"))
    for pk in parent_of:
        node = pk
        while node is not None:
            SUBTREES.setdefault(node, set()).add(pk)
            node = parent_of[node]
    assert any(len(members) > 1 for members in SUBTREES.values())
    two = f"?layers={keys[0]}&layers={keys[1]}"
    three = two + f"&layers={keys[2]}"
    queries = [two, two + "&expert=1", three + "&expert=1", two + "&expert=1&sort=alpha"]
    now = pages(study, client, queries)
    # The two-layer expert page really carries alpha_U, u-alpha and segment matching.
    for metric in (b"alpha_u", b"u_alpha", b"seg_agreement", b"alpha_u_overall"):
        assert b'data-metric="' + metric + b'"' in now[2]
    monkeypatch.setattr(report_module, "expert_measures", old_expert_measures)
    monkeypatch.setattr(
        report_module, "character_agreement", old_character_level.character_agreement
    )
    monkeypatch.setattr(
        breakdowns_module, "character_agreement", old_character_level.character_agreement
    )
    before = pages(study, client, queries)
    for query, a, b in zip([q for q in queries for _ in (0, 1)], now, before, strict=True):
        assert a == b, f"{query}: the output differs from the engine before"
