"""The themes CSV (the board's ``format=csv``): one row per theme with status, concept, codes
and per group x wave the participants with the theme and those interviewed, against counts
made from the raw segments."""

from __future__ import annotations

import csv
import io

from django.test import Client
from django.urls import reverse

from coding.exports import CODE_PATH_SEPARATOR
from tests import factories
from tests.coding.test_theme_prevalence import _expected, study_setup  # noqa: F401


def _download(user, study, **params) -> list[list[str]]:
    client = Client()
    client.force_login(user)
    response = client.get(
        reverse("coding:theme_board", args=[study.pk]), {"format": "csv", **params}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "themes.csv" in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_the_themes_csv_counts_participants_per_group_and_wave(study_setup):  # noqa: F811
    s = study_setup
    study = s["study"]
    rows = _download(s["owner"], study, layer="consensus")
    header, body = rows[0], rows[1:]
    assert header[:4] == ["theme", "status", "concept", "codes"]
    assert header[4:6] == ["PSW T1: participants with the theme", "PSW T1: interviewed"]
    assert header[-1] == "layer"
    assert [r[0] for r in body] == ["Becoming a colleague", "Confusion"]
    first = dict(zip(header, body[0], strict=True))
    assert (first["status"], first["concept"]) == ("Candidate", "From confusion to trust")
    assert first["codes"] == "Role; Trust"
    assert first["layer"] == "Consensus"
    expected = _expected(
        study, {c.pk for c in s["theme"].codes.all()}, {s["layers"]["consensus"].pk}
    )
    for group in s["groups"]:
        for wave in s["waves"]:
            present, interviewed = expected[(group.pk, wave.pk)]
            label = f"{group.name} {wave.name}"
            assert first[f"{label}: interviewed"] == str(interviewed), label
            assert first[f"{label}: participants with the theme"] == str(present), label
    narrow = dict(zip(header, body[1], strict=True))
    assert narrow["codes"] == f"Role{CODE_PATH_SEPARATOR}Role confusion"


def test_a_viewer_downloads_it_and_an_outsider_gets_a_404(study_setup):  # noqa: F811
    s = study_setup
    viewer = factories.make_user()
    factories.add_member(s["study"], viewer, "viewer")
    assert len(_download(viewer, s["study"])) == 3
    outsider = Client()
    outsider.force_login(factories.make_user())
    url = reverse("coding:theme_board", args=[s["study"].pk])
    assert outsider.get(url, {"format": "csv"}).status_code == 404
