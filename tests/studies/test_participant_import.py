from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from studies import imports
from studies.models import Participant
from tests import factories


@pytest.fixture
def groups(study):
    return [
        factories.make_group(study, name="Service users"),
        factories.make_group(study, name="Co-workers"),
    ]


def test_it_imports_participants_with_attributes(study, owner, groups):
    data = b"pseudonym,group,gender,age_band\nSU01,Service users,F,30-39\nCW01,co-workers,M,\n"
    report = imports.participants_import_csv(study=study, data=data, filename="p.csv", actor=owner)
    assert (report.created, report.updated) == (2, 0)
    su01 = Participant.objects.get(study=study, pseudonym="SU01")
    assert su01.group == groups[0]
    assert su01.attributes == {"gender": "F", "age_band": "30-39"}
    assert Participant.objects.get(pseudonym="CW01").attributes == {"gender": "M"}


def test_it_updates_existing_participants(study, owner, groups):
    factories.make_participant(
        study, pseudonym="SU01", group=groups[0], attributes={"site": "Kowloon"}
    )
    report = imports.participants_import_csv(
        study=study, data=b"pseudonym;gender\nsu01;F\n", filename="p.csv", actor=owner
    )
    assert (report.created, report.updated) == (0, 1)
    assert Participant.objects.get(pseudonym="SU01").attributes == {
        "site": "Kowloon",
        "gender": "F",
    }


def test_it_reports_each_bad_row_and_writes_nothing(study, owner, groups):
    data = (
        b"pseudonym,group\nSU01,Service users\n,Service users\nSU01,Service users\nSU02,Families\n"
    )
    with pytest.raises(imports.ImportRefused) as refused:
        imports.participants_import_csv(study=study, data=data, filename="p.csv", actor=owner)
    errors = [(e.row, e.message) for e in refused.value.report.errors]
    assert errors[0] == (3, "The pseudonym is empty.")
    assert errors[1][0] == 4 and "also appears on line 2" in errors[1][1]
    assert errors[2][0] == 5 and "Unknown group “Families”" in errors[2][1]
    assert Participant.objects.filter(study=study).count() == 0


def test_it_needs_a_pseudonym_column(study, owner):
    with pytest.raises(imports.ImportRefused) as refused:
        imports.participants_import_csv(
            study=study, data=b"name,group\nA,B\n", filename="p.csv", actor=owner
        )
    assert "pseudonym" in refused.value.report.errors[0].message


def test_the_view_shows_the_report(study, owner_client, groups):
    response = owner_client.post(
        reverse("studies:participant_import", args=[study.pk]),
        {"file": SimpleUploadedFile("p.csv", b"pseudonym,group\nSU01,Nope\n")},
    )
    assert response.status_code == 400
    assert "Unknown group “Nope”" in response.text
