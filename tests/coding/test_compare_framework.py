"""Framework matrix: participants x codes at one wave, quotes and per-cell summaries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.http import urlencode

from coding.codebook import selectors
from coding.compare import services as compare_services
from coding.compare.frame import study_frame
from coding.compare.framework import framework
from coding.compare.layers import layer_choice
from coding.models import AuditEvent, Memo, Segment
from studies.access import study_access
from tests.coding.test_compare_matrix import build_compare_study


@pytest.fixture
def data(study, owner, coder, coder2):
    return build_compare_study(study, owner, [coder, coder2])


def _url(study, *codes, **params):
    pairs = list(params.items()) + [("codes", c.pk) for c in codes]
    return reverse("coding:compare_framework", args=[study.pk]) + "?" + urlencode(pairs)


def _summary_url(study):
    return reverse("coding:compare_framework_summary", args=[study.pk])


def _cell(fw, pseudonym, code):
    for g in fw.groups:
        for row in g.rows:
            if row.participant.pseudonym == pseudonym:
                return next(c for c in row.cells if c.code_id == code.pk)
    raise AssertionError(pseudonym)


def test_cells_hold_the_quotes_of_that_participant_code_and_wave(study, owner, data):
    access = study_access(owner, study)
    choice = layer_choice(access, "consensus")
    a, b = data["codes"]["A"], data["codes"]["B"]
    t2 = data["waves"][1]
    fw = framework(study, choice, wave_id=t2.pk, code_ids=[a.pk, b.pk])
    subtree = {a.pk, data["codes"]["A1"].pk, data["codes"]["A2"].pk, data["codes"]["A2a"].pk}
    for pseudonym in ("P1", "P2", "S2"):
        transcript = data["transcripts"][(pseudonym, "T2")]
        spans = Segment.objects.filter(
            transcript=transcript, layer=data["consensus"], code_id__in=subtree
        ).order_by("start", "end", "layer_id", "pk")
        expected = list({(s.start, s.end): s.quote for s in spans}.values())
        assert [q["quote"] for q in _cell(fw, pseudonym, a).quotes] == expected
    assert not _cell(fw, "P3", a).interviewed  # P3 missed T2
    assert not _cell(fw, "S1", b).interviewed
    assert [g.group.name for g in fw.groups] == ["Peer support workers", "Service users"]
    own = framework(study, choice, wave_id=t2.pk, code_ids=[a.pk], subtree=False)
    for q in _cell(own, "P1", a).quotes:
        assert q["code_id"] == a.pk


def test_a_passage_coded_by_two_coders_is_quoted_once(study, owner, data):
    choice = layer_choice(study_access(owner, study), "union")
    a = data["codes"]["A"]
    fw = framework(study, choice, wave_id=data["waves"][0].pk, code_ids=[a.pk])
    spans = [(q["start"], q["end"]) for q in _cell(fw, "P1", a).quotes]
    assert spans.count((0, 12)) == 1  # planted: both coders coded A1 on 0-12
    assert len(spans) == len(set(spans))


def test_framework_runs_two_queries_after_the_frame(study, owner, data):

    choice = layer_choice(study_access(owner, study), "union")
    book, frame = selectors.codebook(study), study_frame(study)
    with CaptureQueriesContext(connection) as ctx:
        framework(
            study,
            choice,
            wave_id=data["waves"][0].pk,
            code_ids=[c.pk for c in data["codes"].values()],
            book=book,
            frame=frame,
        )
    assert len(ctx.captured_queries) == 2  # segments, summaries


def _post(client, study, data, body, *, htmx=False, participant="P1", code="A"):
    a = data["codes"][code]
    payload = {
        "participant": data["participants"][participant].pk,
        "code": a.pk,
        "wave": data["waves"][0].pk,
        "layer": "union",
        "subtree": "1",
        "codes": [a.pk, data["codes"]["B"].pk],
        "body": body,
    }
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(_summary_url(study), payload, **headers)


def test_owner_writes_updates_and_clears_a_summary(owner_client, study, data, owner):
    response = _post(owner_client, study, data, "Uncertain about the role at first.")
    assert response.status_code == 302
    assert "#cell-" in response["Location"]
    memo = Memo.objects.get(study=study)
    assert memo.code == data["codes"]["A"] and memo.author == owner
    assert memo.extra == {
        "framework": {"participant": data["participants"]["P1"].pk, "wave": data["waves"][0].pk}
    }
    _post(owner_client, study, data, "Changed view by the end of training.")
    memo.refresh_from_db()
    assert memo.body == "Changed view by the end of training."
    assert Memo.objects.filter(study=study).count() == 1
    page = owner_client.get(_url(study, data["codes"]["A"], wave=data["waves"][0].pk))
    assert "Changed view by the end of training." in page.content.decode()
    _post(owner_client, study, data, "   ")
    assert not Memo.objects.filter(study=study).exists()
    actions = list(
        AuditEvent.objects.filter(study=study, object_type="memo")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["memo.create", "memo.update", "memo.delete"]


def test_htmx_save_returns_only_the_cell(owner_client, study, data):
    response = _post(owner_client, study, data, "Short summary", htmx=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and html.strip().startswith("<td")
    p1, a = data["participants"]["P1"], data["codes"]["A"]
    assert f'id="cell-{p1.pk}-{a.pk}"' in html
    assert "Short summary" in html and "Saved" in html


def test_too_long_summary_is_refused_and_kept_in_the_form(owner_client, study, data):
    body = "x" * (compare_services.SUMMARY_MAX_LENGTH + 1)
    response = _post(owner_client, study, data, body, htmx=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in html and "at most" in html
    assert body in html
    assert not Memo.objects.exists()


@pytest.mark.parametrize("persona, status", [("coder", 403), ("viewer", 403), ("outsider", 404)])
def test_only_owners_write_summaries(persona_clients, study, data, persona, status):
    response = _post(persona_clients[persona], study, data, "Not allowed")
    assert response.status_code == status
    assert not Memo.objects.exists()


def test_cell_of_another_study_is_404(owner_client, study, data):
    from tests import factories

    other = factories.make_study()
    stranger = factories.make_participant(other, pseudonym="X1")
    payload = {
        "participant": stranger.pk,
        "code": data["codes"]["A"].pk,
        "wave": data["waves"][0].pk,
        "body": "x",
    }
    assert owner_client.post(_summary_url(study), payload).status_code == 404


def test_get_on_the_summary_url_is_not_allowed(owner_client, study, data):
    assert owner_client.get(_summary_url(study)).status_code == 405


@pytest.mark.parametrize("blind", [False, True])
def test_personas_read_the_page(persona_clients, study, data, blind):
    study.blind_coding = blind
    study.save()
    _post(persona_clients["owner"], study, data, "PI summary")
    url = _url(study, data["codes"]["A"], wave=data["waves"][0].pk)
    pages = {n: persona_clients[n].get(url) for n in ("owner", "coder", "viewer")}
    for name, response in pages.items():
        assert response.status_code == 200, name
    assert persona_clients["outsider"].get(url).status_code == 404
    owner_html = pages["owner"].content.decode()
    assert "<textarea" in owner_html
    for name in ("coder", "viewer"):
        assert "<textarea" not in pages[name].content.decode()
    assert "PI summary" in pages["viewer"].content.decode()
    coder_html = pages["coder"].content.decode()
    if blind:
        # Summaries are written while reading every layer: hidden from blind coders.
        assert "PI summary" not in coder_html
        assert "Blind coding is on" in coder_html
        consensus_quotes = set(
            Segment.objects.filter(layer=data["consensus"]).values_list("quote", flat=True)
        )
        own_quotes = set(
            Segment.objects.filter(layer__user__username="bob").values_list("quote", flat=True)
        )
        leaked = consensus_quotes - own_quotes
        assert not any(f"<q>{q}</q>" in coder_html for q in leaked if "<" not in q)
    else:
        assert "PI summary" in coder_html


def test_htmx_page_request_gets_the_region(owner_client, study, data):
    response = owner_client.get(_url(study, wave=data["waves"][0].pk), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and 'id="framework-region"' in html


def test_htmx_save_with_an_unknown_layer_still_answers_the_cell(owner_client, study, data):
    a = data["codes"]["A"]
    payload = {
        "participant": data["participants"]["P1"].pk,
        "code": a.pk,
        "wave": data["waves"][0].pk,
        "layer": "nobody",
        "codes": [a.pk],
        "body": "Kept",
    }
    response = owner_client.post(_summary_url(study), payload, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Kept" in response.content.decode()
    assert Memo.objects.get(study=study).body == "Kept"
