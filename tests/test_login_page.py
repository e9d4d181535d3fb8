"""The login page tells a person how to get an account (an invitation link from the study's
owner, or an administrator), and names the demo's logins only where the demo study is."""

from __future__ import annotations

import pytest

from tests import factories
from workbench.demo.build import DEMO_STUDY_NAME


@pytest.mark.django_db
def test_outside_the_demo_the_login_page_says_how_to_get_an_account(client):
    html = client.get("/accounts/login/").content.decode()
    assert "Ask the study's owner for an invitation link" in html.replace("&#x27;", "'")
    assert "make demo" not in html


@pytest.mark.django_db
def test_with_the_demo_study_the_login_page_names_the_demo_logins(client):
    factories.make_study(name=DEMO_STUDY_NAME)
    html = client.get("/accounts/login/").content.decode()
    assert "make demo" in html
    assert "Ask the study's owner for an invitation link" in html.replace("&#x27;", "'")
