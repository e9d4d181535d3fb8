"""The coding page after a change to what it shows: the lines cached from an earlier
visit (coding/segments/linecache.py) never show the old state."""

from __future__ import annotations

import re

from django.urls import reverse

from coding.models import Code, Segment
from coding.segments.layout import stroke_color
from tests import factories


def _page(client, transcript):
    """The transcript's part of the page (the rest holds a fresh CSRF token each time)."""
    url = reverse("coding:transcript_code", args=[transcript.study_id, transcript.pk])
    html = client.get(url + "?layer=mine").content.decode()
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
