"""The coding page after a change to what it shows: the lines cached from an earlier
visit (coding/segments/linecache.py) never show the old state."""

from __future__ import annotations

import re

from django.urls import reverse

from coding.models import Code, Segment
from coding.segments.layout import stroke_color
from tests import factories
from tests.coding.margin_drawn import drawn_page


def _page(client, transcript):
    """The transcript's part of the page (the rest holds a fresh CSRF token each time)."""
    url = reverse("coding:transcript_code", args=[transcript.study_id, transcript.pk])
    html = drawn_page(client.get(url + "?layer=mine").content.decode())
    return html[html.index('id="transcript"') : html.index('id="segments-data"')]


def _stripes(html):
    """Segment id -> stroke colour of each stripe drawn in the margin."""
    return dict(
        re.findall(
            r'class="stripe[^"]*" aria-hidden="true" data-seg="(\d+)" style="--c:(#[0-9a-f]{6})',
            html,
        )
    )


def test_a_second_visit_shows_each_change_to_codes_segments_and_text(coder_client, coder, study):
    transcript = factories.make_transcript(
        study, text="P01: the first turn of the talk\nP02: a second turn, longer than that one"
    )
    layer = factories.make_layer(study, coder)
    shame = factories.make_code(study, name="Shame", color="#0072B2")
    hope = factories.make_code(study, name="Hope", color="#D55E00")
    seg = factories.make_segment(transcript, shame, layer, 0, 12)
    other = factories.make_segment(transcript, hope, layer, 5, 20)
    html = _page(coder_client, transcript)
    assert _stripes(html) == {str(seg.pk): "#0072b2", str(other.pk): "#d55e00"}
    assert html == _page(coder_client, transcript)  # the cached lines: the same page

    # Colour and name of a code.
    Code.objects.filter(pk=shame.pk).update(color="#009E73", name="Stigma")
    html = _page(coder_client, transcript)
    assert _stripes(html)[str(seg.pk)] == stroke_color("#009E73") != "#0072b2"
    assert "start of Stigma" in html and "start of Shame" not in html

    # A segment moved, another removed, one added.
    Segment.objects.filter(pk=seg.pk).update(start=2, end=9)
    other.delete()
    added = factories.make_segment(transcript, hope, layer, 30, 40)
    html = _page(coder_client, transcript)
    assert set(_stripes(html)) == {str(seg.pk), str(added.pk)}
    assert 'data-end="2">P0</span><span class="cm">start of Stigma</span>' in html

    # The text edited (same length, so the segments still fit): the page shows the new words.
    new = transcript.text.replace("talk", "walk")
    type(transcript).objects.filter(pk=transcript.pk).update(text=new)
    html = _page(coder_client, transcript)
    # (a highlight starts at the last letter)
    assert "first turn of the wal<" in html and "tal" not in html


def test_a_reopened_page_is_the_same_bytes_and_its_runs_the_text_in_code_points(
    coder_client, coder, study
):
    """The second visit answers the cached transcript's UTF-8 bytes (encoded once): the
    whole page is byte for byte the first one's outside the CSRF token, and every run's
    text is the transcript's own code points at the run's offsets (Chinese and astral
    characters, escaped markup characters)."""
    from html import unescape

    from coding.segments import linecache

    text = "P01: 家庭 & <trust> 𠝹𠝹 work\n\nP02: 我们 support 𠝹 the group\nP03: plain"
    transcript = factories.make_transcript(study, text=text)
    layer = factories.make_layer(study, coder)
    code = factories.make_code(study, name="Family", color="#0072B2")
    factories.make_segment(transcript, code, layer, 5, 16)
    factories.make_segment(transcript, code, layer, 12, 40)
    url = reverse("coding:transcript_code", args=[study.pk, transcript.pk]) + "?layer=mine"
    linecache.LINES.clear()
    first = coder_client.get(url).content
    hits = linecache.LINES.hits
    second = coder_client.get(url).content
    assert linecache.LINES.hits == hits + 1  # the whole transcript, from the cache
    csrf = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"|"X-CSRFToken": "[^"]*"')
    assert csrf.sub(b"", first) == csrf.sub(b"", second)
    html = second.decode("utf-8")
    runs = re.findall(r'class="r[^"]*" data-start="(\d+)" data-end="(\d+)"[^>]*>([^<]*)<', html)
    assert runs
    covered = 0
    for start, end, body in runs:
        assert unescape(body) == text[int(start) : int(end)]
        covered += int(end) - int(start)
    assert covered == len(text.replace("\n", ""))
