"""Trajectories and the agreement report restricted by attribute:<name>=<value>."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from coding.agreement import report as ar
from coding.agreement.loading import Scope
from coding.compare.layers import layer_choice
from coding.compare.trajectory import trajectory
from studies.access import study_access
from studies.models import Transcript
from tests.coding.test_compare_attributes import GENDER, INTERVIEWER
from tests.coding.test_compare_attributes import data as data  # noqa: F401 - the fixture


def test_a_trajectory_restricted_by_gender_lists_and_counts_only_women(owner_client, study, data):
    code = data["codes"]["A"]
    url = reverse("coding:compare_trajectory", args=[study.pk])
    html = owner_client.get(
        url, {"code": code.pk, "layer": "union", "attribute:gender": "female"}
    ).text
    women = {p for p, g in GENDER.items() if g == "female"}
    for pseudonym in data["participants"]:
        shown = re.search(rf">\s*{pseudonym}\s*<", html) is not None
        assert shown == (pseudonym in women), pseudonym
    # The page's numbers are the trajectory computed on women only: each group's
    # denominators are its women interviewed at each wave, counted here from the rows.
    owner = study.memberships.get(role="owner").user
    access = study_access(owner, study.pk)
    full = trajectory(study, layer_choice(access, "union"), code.pk)
    for g in full.groups:
        for i, wave in enumerate(full.waves):
            interviewed = {
                t.participant_id
                for t in Transcript.objects.filter(
                    study=study, wave=wave, participant__group=g.group
                ).select_related("participant")
                if t.participant.pseudonym in women
            }
            present = sum(
                1
                for row in g.rows
                if row.participant.pseudonym in women and row.points[i].status == "present"
            )
            if interviewed:
                assert f"{present}/{len(interviewed)}" in html


def test_a_trajectory_refuses_an_unknown_attribute_in_words(owner_client, study, data):
    url = reverse("coding:compare_trajectory", args=[study.pk])
    html = owner_client.get(url, {"code": data["codes"]["A"].pk, "attribute:nosuch": "x"}).text
    assert "There is no attribute “nosuch” in this study." in html


def test_the_agreement_report_scope_takes_an_attribute(owner_client, study, data, coder, coder2):
    base = reverse("coding:agreement_report", args=[study.pk])
    html = owner_client.get(
        base + f"?layers={coder.username}&layers={coder2.username}&attribute:interviewer=MW"
    ).text
    expected = [t for (_p, w), t in data["transcripts"].items() if w and INTERVIEWER[w] == "MW"]
    assert "interviewer: MW" in html
    assert f"{len(expected)} transcripts in scope" in html
    # Copying agreements covers the same transcripts, named one by one.
    copied = set(re.findall(r'name="scope_transcript" value="(\d+)"', html))
    assert copied == {str(t.pk) for t in expected}


def test_the_agreement_scope_by_attribute_matches_naming_the_transcripts(study, data, owner):
    access = study_access(owner, study.pk)
    layers = data["layers"]
    women = [t.pk for (p, w), t in data["transcripts"].items() if w and GENDER.get(p) == "female"]
    by_attribute = ar.agreement_report(
        access,
        ar.ReportParams(
            layers=layers,
            scope=Scope(attribute_transcripts=women, attributes=("gender=female",)),
        ),
    )
    by_name = ar.agreement_report(
        access, ar.ReportParams(layers=layers, scope=Scope(transcripts=women))
    )
    assert [t.pk for t in by_attribute.transcripts] == [t.pk for t in by_name.transcripts]
    assert by_attribute.summary == by_name.summary


def test_an_attribute_that_matches_nothing_offers_no_copy(owner_client, study, data, coder, coder2):
    base = reverse("coding:agreement_report", args=[study.pk])
    html = owner_client.get(
        base + f"?layers={coder.username}&layers={coder2.username}&attribute:interviewer=ZZ"
    ).text
    assert "0 transcripts in scope" in html
    assert "Copy exact agreements into consensus" not in html


@pytest.mark.parametrize("value", ["nosuch=1", "age=old"])
def test_the_agreement_report_refuses_a_bad_attribute_filter(owner_client, study, data, value):
    base = reverse("coding:agreement_report", args=[study.pk])
    html = owner_client.get(base + f"?attribute:{value}").text
    assert 'role="alert"' in html
