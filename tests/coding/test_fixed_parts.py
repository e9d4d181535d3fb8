"""The coding page's fixed parts (coding/templatetags/fixed_parts.py), rendered once per key
and reused: the page is the same bytes cold, warm and with the parts rendered every time,
for each persona (a coder with blind coding on and off), in English and in Chinese (Hong
Kong), with and without a recording; a part changes when its key changes."""

from __future__ import annotations

import re

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from coding.models import Memo
from coding.templatetags import fixed_parts
from tests import factories

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-HK"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
#: The CSRF token is masked afresh for every response; nothing else differs between two.
_CSRF = re.compile(r'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')


def _page(client, url, **headers) -> str:
    response = client.get(url, **headers)
    assert response.status_code == 200
    return _CSRF.sub(r"\1…", response.content.decode())


@pytest.fixture
def page(study, owner, coder):
    transcript = factories.make_transcript(
        study,
        title="SU01 T1",
        text="P01: I felt ashamed.\nP02: And then?\n",
        participant=factories.make_participant(study, pseudonym="SU01"),
        wave=factories.make_wave(study, name="Wave 1"),
    )
    shame = factories.make_code(study, name="Shame")
    factories.make_segment(transcript, shame, factories.make_layer(study, owner), 5, 19)
    factories.make_segment(transcript, shame, factories.make_layer(study, coder), 0, 3)
    Memo.objects.create(
        study=study, author=owner, transcript=transcript, title="Guidance for coders"
    )
    return transcript


def _url(transcript, view=None):
    url = reverse("coding:transcript_code", args=[transcript.study_id, transcript.pk])
    return f"{url}?layer={view}" if view else url


@pytest.mark.parametrize("blind", [False, True])
@pytest.mark.parametrize("media", [False, True])
def test_the_page_is_the_same_bytes_cold_warm_and_uncached(
    settings, study, owner, page, owner_client, coder_client, viewer_client, blind, media
):
    study.blind_coding = blind
    study.save()
    if media:
        factories.make_media(page, owner)
    requests = [
        (client, _url(page, view), headers)
        for client in (owner_client, coder_client, viewer_client)
        for view in (None, "all", "consensus")
        for headers in (EN, ZH)
    ]
    settings.WORKBENCH_FIXED_PARTS = False
    uncached = [_page(client, url, **headers) for client, url, headers in requests]
    settings.WORKBENCH_FIXED_PARTS = True
    fixed_parts.clear()
    cold = [_page(client, url, **headers) for client, url, headers in requests]
    warm = [_page(client, url, **headers) for client, url, headers in requests]
    for i, (_client, url, headers) in enumerate(requests):
        assert cold[i] == uncached[i], (i, url, headers)
        assert warm[i] == uncached[i], (i, url, headers)
    # The renders differ where they should (so equal bytes are not one page for all):
    # by persona and language, and the recording's shortcuts come with the recording.
    owner_en, owner_zh, coder_en, viewer_en = uncached[0], uncached[1], uncached[6], uncached[12]
    assert len({owner_en, owner_zh, coder_en, viewer_en}) == 4
    assert ("Back 5 seconds" in owner_en) is media
    assert ("Guidance for coders" in coder_en) is not blind  # memos stay per request


def test_a_part_is_rendered_once_per_key():
    """The part is reused for the same key (a value outside the key does not reach it) and
    rendered again for another key: another argument value, another language."""
    template = Template(
        "{% load i18n fixed_parts %}{% fixedpart role %}{{ role }} {{ name }} "
        '{% translate "Keyboard shortcuts" %}{% endfixedpart %}'
    )
    fixed_parts.clear()
    with translation.override("en"):
        first = template.render(Context({"role": "owner", "name": "Ann"}))
        again = template.render(Context({"role": "owner", "name": "Bob"}))
        viewer = template.render(Context({"role": "viewer", "name": "Bob"}))
    with translation.override("zh-hant"):
        chinese = template.render(Context({"role": "owner", "name": "Bob"}))
    assert first == again == "owner Ann Keyboard shortcuts"  # reused: not Bob
    assert viewer == "viewer Bob Keyboard shortcuts"
    assert chinese.startswith("owner Bob ") and "Keyboard shortcuts" not in chinese


def test_the_pages_parts_follow_language_and_role(page, owner_client, viewer_client):
    """Warm caches: the shortcut dialog in the request's language, the edit state of the
    requester's role."""
    fixed_parts.clear()
    english = _page(owner_client, _url(page), **EN)
    chinese = _page(owner_client, _url(page), **ZH)
    viewer = _page(viewer_client, _url(page), **EN)
    assert "Keyboard shortcuts" in english and "Keyboard shortcuts" not in chinese
    assert 'id="shortcuts"' in chinese
    assert "Editing your layer" in english
    assert "Viewers read coding; they cannot change it." in viewer
    assert "Editing your layer" not in viewer
