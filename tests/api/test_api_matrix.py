"""GET /api/v1/studies/{id}/matrix: the comparison matrix as JSON, same rules as the page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from coding.models import Layer, Segment
from tests import factories
from tests.coding.test_compare_matrix import build_compare_study, expected_cells
from workbench import tokens


def url(study_id, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/api/v1/studies/{study_id}/matrix" + (f"?{query}" if query else "")


@pytest.fixture
def data(study, owner, coder, coder2):
    return build_compare_study(study, owner, [coder, coder2])


def _names(data):
    return {g.pk: g.name for g in data["groups"]}, {w.pk: w.name for w in data["waves"]}


def _by_key(body):
    return {(c["code_id"], c["group"], c["wave"]): c for c in body["cells"]}


@pytest.mark.parametrize("measure", ["segments", "participants", "transcripts"])
@pytest.mark.parametrize("rollup", [0, 1])
def test_it_matches_an_independent_count(owner_client, study, data, measure, rollup):
    response = owner_client.get(url(study.pk, layer="union", measure=measure, rollup=rollup))

    assert response.status_code == 200
    body = response.json()
    assert body["groups"] == ["Peer support workers", "Service users"]
    assert body["waves"] == ["T1", "T2", "T3"]
    assert body["layer"] == "union" and body["measure"] == measure
    gn, wn = _names(data)
    expected = expected_cells(study, data["layers"], rollup=bool(rollup))
    cells = _by_key(body)
    assert len(cells) == len(expected) == 6 * 2 * 3
    for (code, g, w), e in expected.items():
        cell = cells[(code, gn[g], wn[w])]
        assert cell["denominator"] == e["denominator"]
        assert cell["value"] == (e[measure] if e["denominator"] else None)


def test_it_lists_cells_depth_first_in_group_then_wave_order(owner_client, study, data):
    body = owner_client.get(url(study.pk, layer="consensus")).json()
    codes = [c["code_id"] for c in body["cells"][::6]]
    order = ["A", "A1", "A2", "A2a", "B", "C"]
    assert codes == [data["codes"][name].pk for name in order]
    first = body["cells"][:6]
    assert [(c["group"], c["wave"]) for c in first] == [
        ("Peer support workers", "T1"),
        ("Peer support workers", "T2"),
        ("Peer support workers", "T3"),
        ("Service users", "T1"),
        ("Service users", "T2"),
        ("Service users", "T3"),
    ]
    assert first[5]["value"] is None and first[5]["denominator"] == 0  # not interviewed


def test_default_layer_is_consensus_then_union(owner_client, study, data):
    assert owner_client.get(url(study.pk)).json()["layer"] == "consensus"
    Segment.objects.filter(layer=data["consensus"]).delete()
    assert owner_client.get(url(study.pk)).json()["layer"] == "union"


def test_one_coders_layer_by_username(viewer_client, study, data, coder):
    body = viewer_client.get(url(study.pk, layer=coder.username, measure="segments")).json()
    layer = Layer.objects.get(study=study, user=coder)
    expected = expected_cells(study, [layer], rollup=True)
    gn, wn = _names(data)
    cells = _by_key(body)
    for (code, g, w), e in expected.items():
        if e["denominator"]:
            assert cells[(code, gn[g], wn[w])]["value"] == e["segments"]


@pytest.mark.parametrize(
    "params",
    [{"measure": "quotes"}, {"rollup": 2}, {"rollup": "yes"}],
)
def test_it_rejects_bad_parameters(owner_client, study, data, params):
    response = owner_client.get(url(study.pk, **params))
    assert response.status_code == 400
    assert "detail" in response.json()


def test_unknown_layer_is_a_404(owner_client, study, data):
    response = owner_client.get(url(study.pk, layer="nobody"))
    assert response.status_code == 404
    assert response.json() == {"detail": "No such layer.", "code": "not_found"}


def test_outsider_and_missing_study_get_404(outsider_client, study, data):
    assert outsider_client.get(url(study.pk)).status_code == 404
    assert outsider_client.get(url(999999)).status_code == 404


def test_anonymous_gets_401(client, study, data):
    assert client.get(url(study.pk)).status_code == 401


@pytest.mark.parametrize("persona", ["owner", "coder", "viewer"])
def test_members_can_read_it(persona_clients, study, data, persona):
    assert persona_clients[persona].get(url(study.pk)).status_code == 200


def test_blind_coder_sees_only_their_own_layer(study, data, coder):
    study.blind_coding = True
    study.save()
    _, key = tokens.token_create(user=coder, name="R")
    client = Client(headers={"Authorization": f"Bearer {key}"})
    own = Layer.objects.get(study=study, user=coder)

    body = client.get(url(study.pk, measure="segments")).json()
    assert body["layer"] == own.key
    expected = expected_cells(study, [own], rollup=True)
    gn, wn = _names(data)
    cells = _by_key(body)
    for (code, g, w), e in expected.items():
        if e["denominator"]:
            assert cells[(code, gn[g], wn[w])]["value"] == e["segments"]
    assert client.get(url(study.pk, layer="union")).json()["layer"] == own.key
    for hidden in ("consensus", data["layers"][1].key):
        response = client.get(url(study.pk, layer=hidden))
        assert response.status_code == 404, hidden


def test_query_count_is_constant(owner_client, study, data):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert owner_client.get(url(study.pk, layer="union")).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    layer, transcript = data["layers"][0], data["transcripts"][("P1", "T1")]
    for i in range(10):
        code = factories.make_code(study, name=f"More {i}")
        factories.make_segment(transcript, code, layer, i, i + 4)
    assert count() == before
