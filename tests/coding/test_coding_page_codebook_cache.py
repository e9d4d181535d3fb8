"""The coding page's codebook is cached per process by the rows it reads
(coding/segments/bookcache.py): every change to a code or a version, through the real
endpoints or behind the application's back (another process, an ``update()``), shows on
the very next page, fragment and write; a blind coder never sees another's proposal."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from coding.models import Code
from coding.segments import bookcache, page
from studies.models import Role
from tests import factories
from tests.coding import margin_drawn

HX = {"HTTP_HX_REQUEST": "true"}
TEXT = "P01: I felt ashamed at first.\nP02: and then some hope came."


@pytest.fixture
def setup(study, owner, coder):
    transcript = factories.make_transcript(study, text=TEXT)
    role = factories.make_code(study, name="Role", color="#0072B2")
    shame = factories.make_code(study, name="Shame", color="#D55E00", parent=role)
    hope = factories.make_code(study, name="Hope", color="#009E73", parent=role)
    layer = factories.make_layer(study, owner)
    factories.make_segment(transcript, shame, layer, 5, 19)
    return {"transcript": transcript, "role": role, "shame": shame, "hope": hope}


def _url(transcript, layer="all"):
    url = reverse("coding:transcript_code", args=[transcript.study_id, transcript.pk])
    return f"{url}?layer={layer}"


def _codes(html: str) -> dict[int, dict]:
    data = re.search(r'<script id="codes-data" type="application/json">(.*?)</script>', html, re.S)
    return {c["id"]: c for c in json.loads(data.group(1))}


def _tree(html: str) -> dict[str, tuple[str, str, str]]:
    """Code id -> (parent id, swatch colour, name) of each tree item."""
    return {
        pk: (parent, color, name)
        for pk, parent, color, name in re.findall(
            r'<li role="treeitem"[^>]*data-code="(\d+)" data-parent="(\d*)"[^>]*>.*?'
            r'background:(#[0-9A-Fa-f]{6}).*?<a class="code-name"[^>]*>([^<]*)</a>',
            html,
        )
    }


def _seen(client, transcript):
    """The full page's and the fragment's codes JSON and tree (they must agree)."""
    full = client.get(_url(transcript)).content.decode()
    fragment = client.get(_url(transcript), **HX).content.decode()
    assert _codes(full) == _codes(fragment)
    assert _tree(full) == _tree(fragment)
    return _codes(full), _tree(full), full


def _periods(html: str) -> list[str]:
    data = re.search(r'<script id="segments-data" type="application/json">(.*?)</script>', html)
    return json.loads(data.group(1))["periods"]


def test_every_codebook_change_through_the_pages_shows_on_the_next_coding_page(
    study, setup, owner_client
):
    transcript, role, shame, hope = (setup[k] for k in ("transcript", "role", "shame", "hope"))
    codes, tree, html = _seen(owner_client, transcript)
    assert codes[shame.pk]["n"] == "Shame" and tree[str(shame.pk)][2] == "Shame"
    assert _periods(html) == [""]

    # Rename and recolour (the code's edit form).
    edit = reverse("coding:code_update", args=[study.pk, shame.pk])
    owner_client.post(edit, {"name": "Stigma", "color": "#CC79A7", "description": "Lesser."})
    codes, tree, html = _seen(owner_client, transcript)
    assert codes[shame.pk]["n"] == "Stigma" and codes[shame.pk]["p"] == "Role › Stigma"
    assert tree[str(shame.pk)] == (str(role.pk), "#CC79A7", "Stigma")
    # the transcript's own words for the segment, in its margin as the page's script draws it
    assert "Stigma, by you" in margin_drawn.drawn_page(html)

    # Move to the top level (the move form).
    move = reverse("coding:code_move", args=[study.pk, hope.pk])
    owner_client.post(move, {"parent": "", "position": ""}, **HX)
    codes, tree, _ = _seen(owner_client, transcript)
    assert codes[hope.pk]["pa"] is None and tree[str(hope.pk)][0] == ""

    # Merge Hope into Stigma (the merge form): Hope is gone.
    merge = reverse("coding:code_merge", args=[study.pk, hope.pk])
    owner_client.post(merge, {"target": shame.pk, "confirm": "on"})
    assert not Code.objects.filter(pk=hope.pk).exists()
    codes, tree, _ = _seen(owner_client, transcript)
    assert hope.pk not in codes and str(hope.pk) not in tree

    # Archive Stigma: out of the tree, still in the JSON (its old highlight uses it).
    archive = reverse("coding:code_archive", args=[study.pk, shame.pk])
    owner_client.post(archive, {"archived": "1"})
    codes, tree, _ = _seen(owner_client, transcript)
    assert codes[shame.pk]["ar"] is True and str(shame.pk) not in tree

    # A named version: segments now say under which codebook they were coded.
    versions = reverse("coding:codebook_version_create", args=[study.pk])
    owner_client.post(versions, {"name": "v1 after calibration"})
    _, _, html = _seen(owner_client, transcript)
    assert _periods(html)[0] == "coded before any named version"
    assert any("v1 after calibration" in words for words in _periods(html))


def test_a_second_language_name_shows_on_the_next_page(study, setup, owner_client):
    transcript, shame = setup["transcript"], setup["shame"]
    setup_url = reverse("studies:study_setup", args=[study.pk])
    owner_client.post(
        setup_url,
        {
            "name": study.name,
            "segment_overlap_threshold": "0.9",
            "codebook_language": "en",
            "codebook_language_name": "English",
            "codebook_language2": "zh-hant-hk",
            "codebook_language2_name": "繁體中文",
        },
    )
    codes, _, _ = _seen(owner_client, transcript)
    assert codes[shame.pk]["o"] == ""

    edit = reverse("coding:code_update", args=[study.pk, shame.pk])
    owner_client.post(edit, {"name": "Shame", "name2": "羞恥", "color": "#D55E00"})
    codes, _, _ = _seen(owner_client, transcript)
    assert codes[shame.pk]["o"] == "羞恥"
    # A reader of Chinese reads it first.
    zh = owner_client.get(_url(transcript), HTTP_ACCEPT_LANGUAGE="zh-HK").content.decode()
    assert _codes(zh)[shame.pk]["n"] == "羞恥"
    assert _codes(zh)[shame.pk]["o"] == "Shame"


def test_a_change_made_behind_the_pages_back_shows_too(setup, owner_client):
    # Another process (or the admin, or a data migration) changes the rows: no hook in
    # this process runs, and the next page still shows the change.
    transcript, shame = setup["transcript"], setup["shame"]
    _seen(owner_client, transcript)
    Code.objects.filter(pk=shame.pk).update(name="Embarrassment", color="#56B4E9")
    codes, tree, _ = _seen(owner_client, transcript)
    assert codes[shame.pk]["n"] == "Embarrassment"
    assert tree[str(shame.pk)][1:] == ("#56B4E9", "Embarrassment")
    Code.objects.filter(pk=shame.pk).update(name="Shame", color="#D55E00")
    codes, tree, _ = _seen(owner_client, transcript)
    assert tree[str(shame.pk)][1:] == ("#D55E00", "Shame")


def test_a_page_write_answers_with_the_codebook_as_it_is_now(study, setup, owner_client):
    transcript, hope = setup["transcript"], setup["hope"]
    _seen(owner_client, transcript)
    Code.objects.filter(pk=hope.pk).update(name="Optimism")
    words = "and then some hope came."
    start = transcript.text.index(words)
    url = reverse("coding:segment_create", args=[study.pk, transcript.pk])
    response = owner_client.post(
        url,
        {
            "code_ids": [hope.pk],
            "start": start,
            "end": start + len(words),
            "quote": words,
            "version": transcript.version,
            "layer": "mine",
            "view": "mine",
            "partial": "1",
        },
        **HX,
    )
    html = response.content.decode()
    assert response["HX-Reswap"] == "none"
    assert 'Coded <span translate="no">‘Optimism’</span>' in html
    assert _tree(html)[str(hope.pk)][2] == "Optimism"


def test_blind_coders_share_no_cached_proposal(study, setup, owner, coder, coder2):
    study.blind_coding = True
    study.save()
    transcript = setup["transcript"]
    mine = factories.make_code(study, name="Bob's idea", proposed=True, created_by=coder)
    theirs = factories.make_code(study, name="Erin's idea", proposed=True, created_by=coder2)
    under = factories.make_code(study, name="Under Erin's", parent=theirs)
    clients = {}
    for user in (owner, coder, coder2):
        clients[user.username] = Client()
        clients[user.username].force_login(user)
    seen = {
        name: _codes(c.get(_url(transcript, "mine")).content.decode())
        for name, c in clients.items()
    }
    again = {}
    assert {mine.pk, theirs.pk, under.pk} <= set(seen["alice"])
    assert mine.pk in seen["bob"] and theirs.pk not in seen["bob"] and under.pk not in seen["bob"]
    assert theirs.pk in seen["erin"] and under.pk in seen["erin"] and mine.pk not in seen["erin"]
    # And again, from the cache: the same.
    for name, c in clients.items():
        again[name] = _codes(c.get(_url(transcript, "mine")).content.decode())
    assert again == seen
    assert study.memberships.get(user=coder).role == Role.CODER


def test_the_cached_panel_is_the_panel_built_afresh(study, setup, owner, coder):
    # The cached markup (built once per codebook) equals what the uncached builder makes.
    from studies.access import study_access

    access = study_access(owner, study.pk)
    state = page.layer_state(access, "all", setup["transcript"])
    bookcache.clear()
    pb = bookcache.page_book(access)
    assert bookcache.page_book(access) is pb  # the same rows: the same structure
    counts = {setup["shame"].pk: (1, 1)}
    for code_filter in (None, setup["hope"].pk):
        cached = page.build_codebook_view(
            access, setup["transcript"], state, pb.book, code_filter, counts=counts, pb=pb
        )
        fresh = page.build_codebook_view(
            access, setup["transcript"], state, pb.book, code_filter, counts=counts
        )
        assert cached.tree_html == fresh.tree_html
        assert cached.options_html == fresh.options_html
        assert cached.codes_json == fresh.codes_json
        assert cached.codes_script == fresh.codes_script
