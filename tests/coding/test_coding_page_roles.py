"""The coding page as each role first sees it: who may code opens on their own layer, a
viewer sees neither the codebook's Edit link nor a "mine" count it has no layer for."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests import factories


@pytest.fixture
def transcript(study):
    return factories.make_transcript(study, title="P01 T1", text="Interviewer: hello there.\n")


@pytest.fixture
def shame(study):
    return factories.make_code(study, name="Shame", color="#D55E00")


def page(client, transcript, **params):
    url = reverse("coding:transcript_code", args=[transcript.study_id, transcript.pk])
    return client.get(url, params)


def codebook_head(html: str) -> str:
    return html.split('class="codebook-head"', 1)[1].split("</div>", 1)[0]


def test_an_owner_alone_in_a_new_study_opens_on_mine_and_can_code(owner_client, transcript):
    html = page(owner_client, transcript).content.decode()
    assert "Editing your layer" in html
    assert 'data-edit="mine"' in html
    assert 'id="picker"' in html


def test_an_owner_who_asks_for_all_reads_it_and_is_told_how_to_code(owner_client, transcript):
    html = page(owner_client, transcript, layer="all").content.decode()
    assert 'id="picker"' not in html
    # What the page script shows when text is selected on a read-only layer.
    assert 'data-read-note="Reading all layers — switch to Mine or Consensus to code."' in html


def test_a_coder_still_opens_on_mine(coder_client, transcript):
    assert "Editing your layer" in page(coder_client, transcript).content.decode()


def test_a_viewer_sees_no_codebook_edit_link_but_can_read_the_definitions(
    viewer_client, coder_client, transcript, shame
):
    for client in (viewer_client, coder_client):  # only the owner edits the codebook
        head = codebook_head(page(client, transcript).content.decode())
        assert ">Edit</a>" not in head
        assert ">Definitions</a>" in head


def test_an_owner_still_sees_the_codebook_edit_link(owner_client, transcript, shame):
    html = page(owner_client, transcript).content.decode()
    assert ">Edit</a>" in codebook_head(html)


def test_a_viewer_sees_the_visible_layers_count_only(
    viewer_client, study, coder, coder2, transcript, shame
):
    factories.make_segment(transcript, shame, factories.make_layer(study, coder), 0, 5)
    factories.make_segment(transcript, shame, factories.make_layer(study, coder2), 0, 5)
    html = page(viewer_client, transcript).content.decode()
    legend = re.search(r'id="count-legend">([^<]*)<', html).group(1)
    assert legend == "Counts in this transcript, in the layers shown to you"
    assert "mine" not in legend
    row = re.search(rf'<li role="treeitem"[^>]*data-code="{shame.pk}".*?</li>', html, re.S).group(0)
    assert '<span class="code-count" aria-hidden="true">2</span>' in row
    assert 'aria-label="Shame, 2 in the layers shown to you"' in row
    assert "mine" not in row


def test_a_coder_keeps_the_mine_and_all_counts(
    coder_client, study, coder, coder2, transcript, shame
):
    factories.make_segment(transcript, shame, factories.make_layer(study, coder2), 0, 5)
    html = page(coder_client, transcript).content.decode()
    assert "Counts in this transcript: mine / all" in html
    assert '<span class="code-count" aria-hidden="true">0/1</span>' in html
