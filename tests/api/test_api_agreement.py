# ruff: noqa: F811 (the `tiny` fixture is imported, then requested by name)
"""GET /api/v1/studies/{id}/agreement: the agreement report as JSON, same rules as the page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.coding.test_agreement_report import expected, tiny  # noqa: F401 (fixture)
from workbench import tokens


def url(study_id, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/api/v1/studies/{study_id}/agreement" + (f"?{query}" if query else "")


def test_it_reports_each_code_with_its_counts_and_the_transcripts_compared(
    owner_client,
    study,
    tiny,
):
    response = owner_client.get(url(study.pk, layers="bob,erin", bootstrap=100, seed=4))

    assert response.status_code == 200
    body = response.json()
    t1, t2, _ = tiny["t"]
    assert [t["title"] for t in body["transcripts_compared"]] == ["A", "B"]
    assert body["transcripts_in_scope"] == 3
    assert body["layers"] == ["bob", "erin"] and body["unit"].startswith("character")
    assert body["bootstrap"] == {
        "replicates": 100,
        "seed": 4,
        "level": 0.95,
        "interval": "percentile",
        "resampling_unit": "transcript",
        "rng": "numpy.random.default_rng",
    }
    by_code = {c["code_id"]: c for c in body["codes"]}
    for code in tiny["codes"]:
        exp = expected(tiny, code, [t1, t2])
        got = by_code[code.pk]
        assert got["both"] == exp["n11"] and got["neither"] == exp["n00"]
        assert got["characters"] == t1.length + t2.length
        assert got["coded_by"] == {"bob": exp["n11"] + exp["n10"], "erin": exp["n11"] + exp["n01"]}
        assert got["percent_agreement"] == pytest.approx(float(exp["pa"]))
        assert got["kappa"] == pytest.approx(float(exp["kappa"]))
        if exp["alpha"] is None:
            assert got["alpha"] is None and got["reasons"]["alpha"]
        else:
            assert got["alpha"] == pytest.approx(float(exp["alpha"]))
    # Unused code: NVivo's kappa = 1 by convention, said so; alpha undefined, said why.
    unused = by_code[tiny["codes"][2].pk]
    assert unused["kappa"] == 1 and "NVivo convention" in unused["reasons"]["kappa"]
    assert unused["alpha_ci"] is None and unused["reasons"]["alpha_ci"]
    assert body["overall"]["codes_used"] == 2


def test_bootstrap_zero_computes_no_interval(owner_client, study, tiny):
    body = owner_client.get(url(study.pk, layers="bob,erin", bootstrap=0)).json()
    assert body["overall"]["alpha_ci"] is None
    assert "not computed" in body["overall"]["reasons"]["alpha_ci"]


@pytest.mark.parametrize(
    "params",
    [
        {"layers": "bob"},
        {"layers": "bob,nobody"},
        {"layers": "bob,erin", "bootstrap": -1},
        {"layers": "bob,erin", "bootstrap": 100_001},
        {"layers": "bob,erin", "seed": -3},
    ],
)
def test_it_refuses_bad_parameters(owner_client, study, tiny, params):
    response = owner_client.get(url(study.pk, **params))
    assert response.status_code == 400
    assert response.json()["detail"]


def test_an_outsider_gets_404(outsider_client, study, tiny):
    response = outsider_client.get(url(study.pk))
    assert response.status_code == 404


def test_anonymous_gets_401(study, tiny):
    assert Client().get(url(study.pk)).status_code == 401


def test_a_viewer_reads_it(viewer_client, study, tiny):
    assert viewer_client.get(url(study.pk, bootstrap=10)).status_code == 200


@pytest.mark.parametrize(
    ("blind", "shared", "status"),
    [(True, True, 403), (False, False, 403), (False, True, 200)],
)
def test_a_coder_gets_it_exactly_when_the_page_shows_it(
    coder_client,
    study,
    tiny,
    blind,
    shared,
    status,
):
    study.blind_coding = blind
    study.share_agreement_with_coders = shared
    study.save(update_fields=["blind_coding", "share_agreement_with_coders"])
    page = coder_client.get(reverse("coding:agreement_report", args=[study.pk]))
    response = coder_client.get(url(study.pk, layers="bob,erin", bootstrap=10))
    assert page.status_code == response.status_code == status
    if status == 403:
        assert "erin" not in response.content.decode()


def test_it_answers_a_read_only_token(study, owner, tiny):
    _, key = tokens.token_create(user=owner, name="script")
    response = Client().get(
        url(study.pk, layers="bob,erin", bootstrap=10), HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert response.status_code == 200
