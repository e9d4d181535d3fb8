"""The transcript upload and edit forms share their participant and wave fields: the same
choices (the study's own, nobody else's), the same refusals with the same words."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from studies.forms import TranscriptEditForm, TranscriptUploadForm
from tests import factories


@pytest.fixture
def rows(study):
    group = factories.make_group(study, name="Peer workers")
    waves = [factories.make_wave(study, name=n, position=i) for i, n in enumerate(["T1", "T2"])]
    people = [
        factories.make_participant(study, pseudonym=n, group=group) for n in ("PSW01", "SU01")
    ]
    other = factories.make_study(name="Another study")
    return {
        "waves": waves,
        "people": people,
        "foreign_person": factories.make_participant(other, pseudonym="X99"),
        "foreign_wave": factories.make_wave(other, name="T9"),
    }


def upload(study, data):
    files = {"files": SimpleUploadedFile("a.txt", b"Hello", content_type="text/plain")}
    return TranscriptUploadForm(data, files, study=study)


def edit(study, data):
    return TranscriptEditForm({"title": "A title", **data}, study=study)


def choices(form, name):
    """(value, label) of each option but the empty one, as the select offers them."""
    return [(str(v), str(label)) for v, label in form.fields[name].choices if v != ""]


def test_both_forms_offer_the_studys_participants_and_waves_and_no_others(study, rows):
    up, ed = TranscriptUploadForm(study=study), TranscriptEditForm(study=study)
    for name in ("participant", "wave"):
        assert choices(up, name) == choices(ed, name)
    assert [label for _, label in choices(up, "participant")] == ["PSW01", "SU01"]
    assert [label for _, label in choices(up, "wave")] == ["T1", "T2"]
    # Each keeps its own empty option; the names are the study's (never translated).
    assert str(up.fields["participant"].empty_label) == "(none: focus group or document)"
    assert str(ed.fields["participant"].empty_label) == "(none)"
    for form in (up, ed):
        assert str(form.fields["wave"].empty_label) == "(none)"
        for name in ("participant", "wave"):
            assert form.fields[name].widget.attrs == {"translate": "no"}
            assert form.fields[name].required is False


@pytest.mark.parametrize(
    "bad",
    [
        {"participant": "foreign_person"},
        {"wave": "foreign_wave"},
        {"participant": "not-a-number"},
        {"wave": "999999"},
    ],
)
def test_both_forms_refuse_the_same_bad_choice_with_the_same_message(study, rows, bad):
    ((name, value),) = bad.items()
    value = str(rows[value].pk) if value in rows else value
    up, ed = upload(study, {name: value}), edit(study, {name: value})
    assert not up.is_valid() and not ed.is_valid()
    assert up.errors[name] == ed.errors[name]
    assert up.errors[name] == [
        "Select a valid choice. That choice is not one of the available choices."
    ]


def test_both_forms_accept_the_studys_own_participant_and_wave(study, rows):
    person, wave = rows["people"][1], rows["waves"][1]
    data = {"participant": str(person.pk), "wave": str(wave.pk)}
    up, ed = upload(study, data), edit(study, data)
    assert up.is_valid(), up.errors
    assert ed.is_valid(), ed.errors
    for form in (up, ed):
        assert (form.cleaned_data["participant"], form.cleaned_data["wave"]) == (person, wave)
    # Left empty, both store none.
    up, ed = upload(study, {}), edit(study, {})
    assert up.is_valid() and ed.is_valid()
    assert up.cleaned_data["participant"] is ed.cleaned_data["wave"] is None
