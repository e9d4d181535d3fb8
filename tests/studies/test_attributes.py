"""Typed attributes: definitions, checking on edit and import (row and column reported,
nothing half-applied), the bulk manifest's extra columns, and the migration that defines
the attributes participants already had."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from studies import attribute_services, bulk_import, imports
from studies.attributes import infer_kind
from studies.models import Attribute, Participant, Transcript
from tests import factories
from tests.studies.helpers import manifest, zip_bytes


@pytest.fixture
def group(study):
    return factories.make_group(study, name="Service users")


def define(study, name, kind="text", scope="participant", choices=()):
    return Attribute.objects.create(
        study=study, name=name, kind=kind, scope=scope, choices=list(choices)
    )


# --- inferring and defining ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (["34", 41, " 19 "], "number"),
        (["2.5", "3"], "number"),
        (["2024-03-01", "2025-12-31"], "date"),
        (["34", "thirty"], "text"),
        (["2024-02-30"], "text"),  # not a real day
        ([], "text"),
    ],
)
def test_a_type_is_inferred_only_when_every_value_reads_as_it(values, kind):
    assert infer_kind(values) == kind


def test_the_migration_defines_the_keys_participants_already_have(study, group):
    factories.make_participant(study, group=group, attributes={"gender": "F", "age": "34"})
    factories.make_participant(study, group=group, attributes={"age": "41", "since": "2024-01-05"})
    migration = importlib.import_module("studies.migrations.0007_backfill_attribute_definitions")
    migration.define(apps, None)
    kinds = {a.name: a.kind for a in Attribute.objects.filter(study=study)}
    assert kinds == {"age": "number", "gender": "text", "since": "date"}


# --- editing a participant -------------------------------------------------------------------


def test_a_participant_value_is_checked_against_its_type(owner_client, study, group):
    define(study, "age", "number")
    p = factories.make_participant(study, pseudonym="SU01", group=group, attributes={"age": 30})
    url = reverse("studies:participant_edit", args=[study.pk, p.pk])
    response = owner_client.post(
        url, {"pseudonym": "SU01b", "group": group.pk, "attributes": "age: thirty"}
    )
    assert response.status_code == 200
    assert "age: “thirty” is not a number." in response.text
    p.refresh_from_db()
    assert (p.pseudonym, p.attributes) == ("SU01", {"age": 30})


def test_a_good_value_is_stored_typed_and_a_new_key_is_defined(owner_client, study, group):
    define(study, "gender", "choice", choices=["F", "M"])
    p = factories.make_participant(study, pseudonym="SU01", group=group)
    url = reverse("studies:participant_edit", args=[study.pk, p.pk])
    response = owner_client.post(
        url, {"pseudonym": "SU01", "group": group.pk, "attributes": "gender: f\nage: 41"}
    )
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.attributes == {"gender": "F", "age": 41}
    assert Attribute.objects.get(study=study, name="age").kind == "number"


def test_a_choice_outside_the_choices_is_refused_and_defines_nothing(owner_client, study, group):
    define(study, "gender", "choice", choices=["F", "M"])
    url = reverse("studies:participant_list", args=[study.pk])
    response = owner_client.post(
        url, {"pseudonym": "SU09", "group": group.pk, "attributes": "gender: Q\nsite: HK"}
    )
    assert response.status_code == 200
    assert "is not one of the choices (F, M)" in response.text
    assert not Participant.objects.filter(pseudonym="SU09").exists()
    assert not Attribute.objects.filter(study=study, name="site").exists()


# --- the participants CSV ---------------------------------------------------------------------


def test_a_bad_value_in_the_csv_is_reported_with_row_and_column_and_nothing_is_imported(
    study, owner, group
):
    define(study, "age", "number")
    data = b"pseudonym,group,age,site\nSU01,Service users,34,HK\nSU02,Service users,old,KLN\n"
    with pytest.raises(imports.ImportRefused) as refused:
        imports.participants_import_csv(study=study, data=data, filename="p.csv", actor=owner)
    errors = refused.value.report.errors
    assert [(e.row, e.column) for e in errors] == [(3, "age")]
    assert "“old” is not a number" in errors[0].message
    assert not Participant.objects.filter(study=study).exists()
    assert not Attribute.objects.filter(study=study, name="site").exists()


def test_new_csv_columns_are_defined_with_the_type_of_all_their_values(study, owner, group):
    data = (
        b"pseudonym,group,age,joined,site\n"
        b"SU01,Service users,34,2024-01-05,HK\nSU02,Service users,52,2023-11-30,7\n"
    )
    imports.participants_import_csv(study=study, data=data, filename="p.csv", actor=owner)
    kinds = {a.name: a.kind for a in Attribute.objects.filter(study=study)}
    assert kinds == {"age": "number", "joined": "date", "site": "text"}
    assert Participant.objects.get(pseudonym="SU01").attributes == {
        "age": 34,
        "joined": "2024-01-05",
        "site": "HK",
    }


# --- definitions -----------------------------------------------------------------------------


def test_retyping_refuses_when_a_stored_value_does_not_fit_and_loses_nothing(study, owner, group):
    defn = define(study, "age")
    factories.make_participant(study, pseudonym="A", group=group, attributes={"age": "34"})
    factories.make_participant(study, pseudonym="B", group=group, attributes={"age": "mid-40s"})
    with pytest.raises(ValidationError) as refused:
        attribute_services.attribute_save(
            study=study, attribute=defn, name="age", scope="participant", kind="number", actor=owner
        )
    assert "B: “mid-40s” is not a number." in " ".join(refused.value.messages)
    defn.refresh_from_db()
    assert defn.kind == "text"
    assert Participant.objects.get(pseudonym="A").attributes == {"age": "34"}


def test_retyping_and_renaming_move_every_stored_value(study, owner, group):
    defn = define(study, "age")
    factories.make_participant(study, pseudonym="A", group=group, attributes={"age": "34"})
    attribute_services.attribute_save(
        study=study,
        attribute=defn,
        name="Age years",
        scope="participant",
        kind="number",
        actor=owner,
    )
    assert Participant.objects.get(pseudonym="A").attributes == {"Age years": 34}


def test_the_owner_adds_a_choice_attribute_on_the_participants_page(owner_client, study):
    url = reverse("studies:attribute_create", args=[study.pk])
    response = owner_client.post(
        url,
        {"name": "gender", "scope": "participant", "kind": "choice", "choices": ""},
        follow=True,
    )
    assert "A choice attribute needs its choices" in response.text
    assert not Attribute.objects.filter(study=study).exists()
    owner_client.post(
        url, {"name": "gender", "scope": "participant", "kind": "choice", "choices": "F, M, F"}
    )
    assert Attribute.objects.get(study=study, name="gender").choices == ["F", "M"]
    page = owner_client.get(reverse("studies:participant_list", args=[study.pk])).text
    assert 'aria-label="Attribute gender"' in page


def test_a_viewer_sees_the_definitions_without_forms(viewer_client, study):
    define(study, "gender", "choice", choices=["F", "M"])
    page = viewer_client.get(reverse("studies:participant_list", args=[study.pk])).text
    assert '<strong translate="no">gender</strong>' in page
    assert 'aria-label="Attribute gender"' not in page


# --- transcripts -------------------------------------------------------------------------------


def test_the_bulk_manifest_extra_columns_become_typed_transcript_attributes(study, owner, group):
    wave = factories.make_wave(study, name="T1")
    files = {"a.txt": b"Interviewer: Hello\nSU01: Hi\n", "b.txt": b"Interviewer: Hi\nSU02: Yes\n"}
    rows = [
        ("a.txt", "SU01", "Service users", "T1", "SU01 T1", "KL", "yue", "2024-03-01"),
        ("b.txt", "SU02", "Service users", "T1", "SU02 T1", "MW", "en", "2024-03-08"),
    ]
    header = "file,participant,group,wave,title,interviewer,language,date"
    bulk_import.transcripts_bulk_import(
        study=study, zip_data=zip_bytes(files), manifest=manifest(rows, header), actor=owner
    )
    got = dict(Transcript.objects.filter(study=study).values_list("title", "attributes"))
    assert got == {
        "SU01 T1": {"interviewer": "KL", "language": "yue", "date": "2024-03-01"},
        "SU02 T1": {"interviewer": "MW", "language": "en", "date": "2024-03-08"},
    }
    defs = {a.name: (a.scope, a.kind) for a in Attribute.objects.filter(study=study)}
    assert defs == {
        "interviewer": ("transcript", "text"),
        "language": ("transcript", "text"),
        "date": ("transcript", "date"),
    }
    assert wave.transcripts.count() == 2


def test_a_bad_manifest_value_is_reported_by_row_and_column_and_nothing_is_imported(
    study, owner, group
):
    factories.make_wave(study, name="T1")
    define(study, "date", "date", scope="transcript")
    files = {"a.txt": b"Interviewer: Hello\n", "b.txt": b"Interviewer: Hi\n"}
    rows = [
        ("a.txt", "SU01", "Service users", "T1", "SU01 T1", "2024-03-01"),
        ("b.txt", "SU02", "Service users", "T1", "SU02 T1", "March"),
    ]
    with pytest.raises(imports.ImportRefused) as refused:
        bulk_import.transcripts_bulk_import(
            study=study,
            zip_data=zip_bytes(files),
            manifest=manifest(rows, "file,participant,group,wave,title,date"),
            actor=owner,
        )
    assert [(e.row, e.column) for e in refused.value.report.errors] == [(3, "date")]
    assert not Transcript.objects.filter(study=study).exists()
    assert not Participant.objects.filter(study=study).exists()


def test_transcript_attributes_are_edited_and_listed(owner_client, study, group):
    define(study, "interviewer", scope="transcript")
    define(study, "date", "date", scope="transcript")
    t = factories.make_transcript(study, title="SU01 T1")
    url = reverse("studies:transcript_edit", args=[study.pk, t.pk])
    bad = owner_client.post(url, {"title": "SU01 T1", "attributes": "date: soon"})
    assert "date: “soon” is not a date as YYYY-MM-DD." in bad.text
    owner_client.post(url, {"title": "SU01 T1", "attributes": "interviewer: KL\ndate: 2024-03-01"})
    t.refresh_from_db()
    assert t.attributes == {"interviewer": "KL", "date": "2024-03-01"}
    listing = owner_client.get(reverse("studies:transcript_list", args=[study.pk])).text
    assert '<th scope="col" translate="no">interviewer</th>' in listing
    assert '<td translate="no">KL</td><td translate="no">2024-03-01</td>' in listing
