"""A PI defines a transcript attribute on the participants page and a bad value is refused
with what they typed kept."""

from __future__ import annotations

import pytest

from studies.models import Attribute, Role
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_pi_defines_an_attribute_and_a_bad_value_is_refused(page, login_as):
    study = factories.make_study(name="Shot")
    pi = factories.make_user(username="pi")
    factories.add_member(study, pi, Role.OWNER)
    g = factories.make_group(study, name="Service users")
    factories.make_participant(
        study, pseudonym="SU01", group=g, attributes={"gender": "female", "age": 34}
    )
    Attribute.objects.create(study=study, name="gender", kind="choice", choices=["female", "male"])
    Attribute.objects.create(study=study, name="age", kind="number", position=1)
    login_as(pi)
    page.goto(f"/studies/{study.pk}/participants/")
    page.get_by_label("Name:", exact=True).fill("interviewer")
    page.get_by_label("Applies to:", exact=True).select_option("transcript")
    page.get_by_role("button", name="Add attribute").click()
    page.wait_for_load_state()
    page.screenshot(path="/tmp/attributes-participants.png", full_page=True)
    assert Attribute.objects.filter(study=study, name="interviewer", scope="transcript").exists()
    # a bad edit: a value that does not fit
    page.goto(f"/studies/{study.pk}/participants/{study.participants.get().pk}/")
    page.get_by_label("Attributes").fill("gender: other\nage: 34")
    page.get_by_role("button", name="Save").click()
    page.screenshot(path="/tmp/attributes-participant-bad.png", full_page=True)
    assert page.get_by_text(
        "gender: “other” is not one of the choices (female, male)."
    ).is_visible()
    assert page.get_by_label("Attributes").input_value() == "gender: other\nage: 34"
    assert study.participants.get().attributes == {"gender": "female", "age": 34}
