"""403 and 404 pages are site pages (header, a way back), and a 403 says the server's reason."""

from __future__ import annotations

from html import unescape

import pytest
from django.urls import reverse

from tests import factories


@pytest.fixture(autouse=True)
def _production(settings):
    settings.DEBUG = False


def test_a_refused_write_says_why_and_leads_back_to_the_study(viewer_client, study):
    transcript = factories.make_transcript(study)
    url = reverse("coding:transcript_done", args=[study.pk, transcript.pk])
    response = viewer_client.post(url, {"done": "1"})
    assert response.status_code == 403
    html = unescape(response.text)
    assert "Viewers cannot change coding." in html
    assert 'class="topbar"' in html  # the site's layout, not a bare "403 Forbidden"
    assert f'href="{reverse("studies:study_dashboard", args=[study.pk])}"' in html
    assert f'href="{reverse("studies:study_list")}"' in html
    assert "<title>Not allowed · Thematic coding workbench</title>" in html


def test_an_owner_only_page_refuses_a_coder_with_the_reason(coder_client, study):
    response = coder_client.get(reverse("studies:study_setup", args=[study.pk]))
    assert response.status_code == 403
    assert "Only the study's owners can do this." in unescape(response.text)
    assert 'class="topbar"' in response.text


def test_a_missing_page_is_a_site_page_without_details(outsider_client, study):
    response = outsider_client.get(reverse("studies:study_dashboard", args=[study.pk]))
    assert response.status_code == 404
    html = unescape(response.text)
    assert 'class="topbar"' in html and "Page not found" in html
    assert f'href="{reverse("studies:study_list")}"' in html
    assert study.name not in html
