"""The coding page on "All": stripes grouped per coder with labels unique in the study,
and "All" is a reading view (no writes from it, no layer created by reading it)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from coding.models import Layer, Segment
from coding.segments import runs
from coding.segments import services as segment_services
from studies.models import Role
from tests import factories
from tests.coding.margin_drawn import drawn_page
from tests.coding.page_data import segment_table

HX = {"HTTP_HX_REQUEST": "true"}
TEXT = (
    "Interviewer: How did the training feel?\n"
    "P01: At first I did not know my role.\n"
    "Interviewer: And later?\n"
    "P01: Later the team trusted me and my lived experience helped others."
)
LONG_LEAF = "Gaps between training and practice"


@pytest.fixture
def coders(study):
    """Two coders whose usernames share a prefix (as in the demo), both members."""
    one = factories.make_user(username="coder1")
    two = factories.make_user(username="coder2")
    factories.add_member(study, one, Role.CODER)
    factories.add_member(study, two, Role.CODER)
    return one, two


@pytest.fixture
def transcript(study):
    return factories.make_transcript(study, text=TEXT, title="P01 T1")


@pytest.fixture
def coded(study, coders, transcript):
    """Both coders code the same one-line passage with a code whose name is long."""
    parent = factories.make_code(study, name="Training experience")
    gaps = factories.make_code(study, name=LONG_LEAF, parent=parent)
    start = TEXT.index("At first")
    end = TEXT.index("\nInterviewer: And")
    segs = {}
    for user in coders:
        layer = factories.make_layer(study, user)
        segs[user.username] = factories.make_segment(transcript, gaps, layer, start, end)
    return segs


def page_url(transcript, **params):
    url = reverse("coding:transcript_code", args=[transcript.study_id, transcript.pk])
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return url


LABEL_RE = re.compile(
    r'<button type="button" tabindex="-1" class="stripe-label" data-seg="(\d+)"[^>]*'
    r'aria-label="([^"]*)"[^>]*>(.*?)</button>'
)
STRIPE_RE = re.compile(r'<span class="stripe[^"]*"[^>]*data-seg="(\d+)" style="([^"]*)"')


def labels(html):
    return {
        int(sid): (aria, re.sub(r"<[^>]+>", "", inner))
        for sid, aria, inner in LABEL_RE.findall(html)
    }


def test_coders_whose_usernames_share_a_prefix_get_distinct_labels(owner_client, transcript, coded):
    html = drawn_page(owner_client.get(page_url(transcript, layer="all")).content.decode())
    found = labels(html)
    one, two = found[coded["coder1"].pk], found[coded["coder2"].pk]
    assert one[1] != two[1]
    # Initials are derived from the names: C1 and C2, not "CO" twice.
    assert one[1].split()[0] == "C1" and two[1].split()[0] == "C2"
    # The whole leaf name is in the label (CSS decides how much shows), never cut at 18.
    assert LONG_LEAF in one[1] and LONG_LEAF in two[1]
    # The accessible name has the coder's full name and the code's path.
    assert "by coder1" in one[0] and "by coder2" in two[0]
    assert f"Training experience › {LONG_LEAF}" in one[0]


def test_stripes_in_all_are_grouped_per_coder_in_lane_blocks(owner_client, transcript, coded):
    html = drawn_page(owner_client.get(page_url(transcript, layer="all")).content.decode())
    blocks = {int(sid): re.search(r"--b:(\d+)", style) for sid, style in STRIPE_RE.findall(html)}
    assert blocks[coded["coder1"].pk] and blocks[coded["coder2"].pk]
    b1 = int(blocks[coded["coder1"].pk].group(1))
    b2 = int(blocks[coded["coder2"].pk].group(1))
    assert b1 != b2
    # The page says which column block is whose, with the full names.
    assert 'class="margin-legend"' in html
    assert 'C1</b> <span translate="no">coder1</span>' in html
    assert 'C2</b> <span translate="no">coder2</span>' in html


def test_initials_are_unique_and_deterministic():
    names = {1: "coder1", 2: "coder2", 3: "Consensus", 4: "anna", 5: "andrew", 6: "maria chan"}
    first = runs.unique_initials(names)
    assert len(set(first.values())) == len(names)
    assert first[1] == "C1" and first[2] == "C2"
    assert runs.unique_initials(dict(reversed(list(names.items())))) == first
    # A name that is a prefix of another still gets a label of its own.
    tricky = runs.unique_initials({1: "ann", 2: "anna", 3: "Ann"})
    assert len(set(tricky.values())) == 3


def test_a_single_layer_view_keeps_plain_leaf_labels(coder_client, coder, study, transcript):
    shame = factories.make_code(study, name="Shame")
    start = TEXT.index("At first")
    factories.make_segment(transcript, shame, factories.make_layer(study, coder), start, start + 8)
    html = drawn_page(coder_client.get(page_url(transcript, layer="mine")).content.decode())
    assert [inner for _, inner in labels(html).values()] == ["Shame"]
    assert 'class="margin-legend"' not in html


# --- "All" is a reading view -------------------------------------------------------------


def create_url(transcript):
    return reverse("coding:segment_create", args=[transcript.study_id, transcript.pk])


def as_the_all_page_posts(transcript, code, **kw):
    """What the coding page on "All" used to post: the picker's fields, view=all."""
    quote = "At first"
    start = TEXT.index(quote)
    data = {
        "code_ids": [code.pk],
        "start": start,
        "end": start + len(quote),
        "quote": quote,
        "version": transcript.version,
        "layer": "mine",
        "view": "all",
    }
    data.update(kw)
    return data


def test_an_owner_reads_all_without_a_picker_and_with_links_to_code(
    owner, owner_client, transcript, coded
):
    html = drawn_page(owner_client.get(page_url(transcript, layer="all")).content.decode())
    assert "Editing your layer" not in html
    assert "Reading all layers" in html
    assert 'href="?layer=mine"' in html and 'href="?layer=consensus"' in html
    assert 'id="picker"' not in html
    assert 'data-edit=""' in html
    # Reading creates no layer for the owner.
    assert not Layer.objects.filter(user=owner).exists()


def test_an_owner_opening_a_transcript_starts_on_mine_and_reads_all_when_asked(
    owner_client, transcript, coded
):
    html = drawn_page(owner_client.get(page_url(transcript)).content.decode())
    assert 'data-view="mine"' in html and "Editing your layer" in html
    html = drawn_page(owner_client.get(page_url(transcript) + "?layer=all").content.decode())
    assert 'data-view="all"' in html and "Reading all layers" in html


@pytest.mark.parametrize("layer", ["mine", "", "consensus"])
def test_a_segment_posted_from_all_is_refused_and_creates_no_layer(
    owner, owner_client, study, transcript, coded, layer
):
    code = factories.make_code(study, name="Shame")
    before = Segment.objects.count()
    r = owner_client.post(
        create_url(transcript), as_the_all_page_posts(transcript, code, layer=layer)
    )
    assert r.status_code == 400
    assert "reading view" in drawn_page(r.content.decode())
    assert Segment.objects.count() == before
    assert not Layer.objects.filter(user=owner).exists()
    assert not Layer.objects.filter(study=study, kind="consensus").exists()
    # htmx: the message goes to the alert region, nothing is swapped.
    r = owner_client.post(
        create_url(transcript), as_the_all_page_posts(transcript, code, layer=layer), **HX
    )
    assert "reading view" in drawn_page(r.content.decode()) and 'id="coding-alert"' in drawn_page(
        r.content.decode()
    )
    assert Segment.objects.count() == before and not Layer.objects.filter(user=owner).exists()


def test_a_write_must_name_its_layer(coder, coder_client, study, transcript):
    code = factories.make_code(study, name="Shame")
    data = as_the_all_page_posts(transcript, code, layer="", view="")
    r = coder_client.post(create_url(transcript), data)
    assert r.status_code == 400
    assert not Segment.objects.exists() and not Layer.objects.filter(user=coder).exists()


def test_a_write_from_another_coders_layer_view_is_refused(
    coders, study, transcript, coded, client
):
    one, _ = coders
    client.force_login(one)
    code = factories.make_code(study, name="Shame")
    data = as_the_all_page_posts(transcript, code, view="coder2")
    r = client.post(create_url(transcript), data)
    assert r.status_code == 400
    assert not Segment.objects.filter(code=code).exists()


def test_in_all_no_highlight_offers_change_or_remove(owner_client, study, owner, transcript):
    code = factories.make_code(study, name="Shame")
    own = factories.make_layer(study, owner)
    seg = factories.make_segment(transcript, code, own, 0, 5)
    html = drawn_page(owner_client.get(page_url(transcript, layer="all")).content.decode())
    table = segment_table(html)
    assert seg.pk in table and not any(row["writable"] for row in table.values())
    html = drawn_page(owner_client.get(page_url(transcript, layer="mine")).content.decode())
    assert segment_table(html)[seg.pk]["writable"] is True


@pytest.mark.parametrize("action", ["delete", "update", "undo"])
def test_other_writes_posted_from_all_are_refused(owner_client, study, owner, transcript, action):
    code = factories.make_code(study, name="Shame")
    # Through the service, so that the audit log has something to undo.
    seg, _ = segment_services.segment_create(
        transcript=transcript,
        code=code,
        layer=segment_services.coder_layer(study=study, user=owner),
        start=0,
        end=5,
        quote=TEXT[0:5],
        memo="",
        actor=owner,
    )
    args = [transcript.study_id, transcript.pk]
    name = {"delete": "segment_delete", "update": "segment_update", "undo": "segment_undo"}[action]
    if action != "undo":
        args.append(seg.pk)
    r = owner_client.post(reverse(f"coding:{name}", args=args), {"view": "all", "memo": "x"})
    assert r.status_code == 400
    assert "reading view" in drawn_page(r.content.decode())
    seg.refresh_from_db()
    assert seg.memo == "" and Segment.objects.filter(pk=seg.pk).exists()
