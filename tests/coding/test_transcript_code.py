"""The coding page (GET): personas, layers, blind mode, fragments, query counts."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from coding.models import Assignment
from studies.models import Role
from tests import factories
from tests.coding.margin_drawn import drawn_page
from tests.coding.page_data import segment_table

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def transcript(study):
    return factories.make_transcript(study, title="P01 T1")


@pytest.fixture
def shame(study):
    return factories.make_code(study, name="Shame", color="#D55E00")


def page_url(transcript, **params):
    url = reverse("coding:transcript_code", args=[transcript.study_id, transcript.pk])
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return url


def test_it_shows_the_transcript_to_the_owner(owner_client, transcript):
    # Owners start on Mine, which edits (as in NVivo/MAXQDA); "All" is a reading view.
    r = owner_client.get(page_url(transcript))
    assert r.status_code == 200
    html = drawn_page(r.content.decode())
    assert 'id="transcript"' in html
    assert "Editing your layer" in html
    assert 'id="picker"' in html
    assert ">Consensus</a>" in html
    html = owner_client.get(page_url(transcript, layer="all")).content.decode()
    assert "Reading all layers" in html
    assert 'id="picker"' not in html


def test_it_shows_the_page_to_a_coder_editing_their_own_layer(coder_client, transcript):
    r = coder_client.get(page_url(transcript))
    assert r.status_code == 200
    assert "Editing your layer" in drawn_page(r.content.decode())


def test_it_is_read_only_for_a_viewer(viewer_client, transcript):
    r = viewer_client.get(page_url(transcript))
    assert r.status_code == 200
    html = drawn_page(r.content.decode())
    assert "Viewers read coding" in html
    assert 'id="picker"' not in html
    assert 'id="undo-form"' not in html


def test_it_is_404_for_an_outsider(outsider_client, transcript):
    assert outsider_client.get(page_url(transcript)).status_code == 404


def test_it_redirects_an_anonymous_visitor_to_log_in(client, transcript):
    r = client.get(page_url(transcript))
    assert r.status_code == 302
    assert "/accounts/login/" in r["Location"]


def test_it_is_404_for_a_transcript_of_another_study(owner_client, study):
    other = factories.make_transcript(factories.make_study())
    url = reverse("coding:transcript_code", args=[study.pk, other.pk])
    assert owner_client.get(url).status_code == 404


def test_it_renders_runs_with_code_point_offsets(coder_client, coder, study, transcript, shame):
    start = transcript.text.index("𠝹")
    seg = factories.make_segment(
        transcript, shame, factories.make_layer(study, coder), start, start + 5
    )
    html = drawn_page(coder_client.get(page_url(transcript)).content.decode())
    assert f'<mark class="r" data-start="{start}" data-end="{start + 5}" style=' in html
    table = segment_table(html)
    assert (table[seg.pk]["start"], table[seg.pk]["end"]) == (start, start + 5)
    assert "start of Shame" in html
    assert 'lang="zh-Hant"' not in html or "我唔知" in html


def test_htmx_gets_the_transcript_fragment_without_the_page(coder_client, transcript):
    r = coder_client.get(page_url(transcript), **HX)
    html = drawn_page(r.content.decode())
    assert r.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith('<section id="transcript"')
    assert 'id="codebook-panel"' in html and 'hx-swap-oob="true"' in html
    assert "HX-Request" in r["Vary"]


@pytest.fixture
def blind_study(study, coder, coder2, owner, transcript, shame):
    study.blind_coding = True
    study.save()
    mine = factories.make_segment(transcript, shame, factories.make_layer(study, coder), 0, 12)
    theirs = factories.make_segment(transcript, shame, factories.make_layer(study, coder2), 13, 30)
    consensus = factories.make_segment(transcript, shame, factories.make_layer(study), 31, 40)
    return mine, theirs, consensus


@pytest.mark.parametrize("htmx", [False, True])
def test_blind_mode_hides_other_layers_from_a_coder(coder_client, transcript, blind_study, htmx):
    mine, theirs, consensus = blind_study
    for layer in ("", "all", "erin", "consensus"):
        r = coder_client.get(page_url(transcript, layer=layer), **(HX if htmx else {}))
        html = drawn_page(r.content.decode())
        assert f'data-seg="{mine.pk}"' in html
        assert f'data-seg="{theirs.pk}"' not in html
        assert f'data-seg="{consensus.pk}"' not in html
        # The language switcher sends the person back to the URL they asked for (?layer=erin).
        assert "erin" not in html.replace(f'value="{page_url(transcript, layer=layer)}"', "")
        if not htmx:
            assert "Blind coding is on" in html
    # Counts in the codebook only count the coder's own layer.
    html = drawn_page(coder_client.get(page_url(transcript, layer="all")).content.decode())
    assert ', 1 mine, 1 in all layers shown to you"' in html  # the code's tree item


def test_blind_mode_does_not_hide_layers_from_the_owner(owner_client, transcript, blind_study):
    mine, theirs, consensus = blind_study
    html = drawn_page(owner_client.get(page_url(transcript, layer="all")).content.decode())
    for seg in blind_study:
        assert f'data-seg="{seg.pk}"' in html
    assert "Blind coding is on" not in html


def test_the_layer_switcher_shows_another_coder_read_only(
    owner_client, transcript, coder, study, shame
):
    seg = factories.make_segment(transcript, shame, factories.make_layer(study, coder), 0, 12)
    html = drawn_page(owner_client.get(page_url(transcript, layer="bob")).content.decode())
    assert f'data-seg="{seg.pk}"' in html
    assert "Read-only" in html
    assert 'data-edit=""' in html
    assert segment_table(html)[seg.pk]["writable"] is False


def test_the_owner_edits_consensus_when_viewing_it(owner_client, transcript):
    html = drawn_page(owner_client.get(page_url(transcript, layer="consensus")).content.decode())
    assert "Editing the consensus layer" in html
    assert 'name="layer" value="consensus"' in html


def test_filter_to_code_shows_only_the_subtree(coder_client, coder, study, transcript, shame):
    child = factories.make_code(study, name="Self", parent=shame)
    other = factories.make_code(study, name="Hope")
    layer = factories.make_layer(study, coder)
    a = factories.make_segment(transcript, child, layer, 0, 12)
    b = factories.make_segment(transcript, other, layer, 13, 30)
    html = drawn_page(coder_client.get(page_url(transcript, code=shame.pk)).content.decode())
    assert f'data-seg="{a.pk}"' in html
    assert f'data-seg="{b.pk}"' not in html
    assert "tint" in html


def test_it_links_previous_and_next_transcripts_of_the_participant_and_wave(coder_client, study):
    p1, p2 = (
        factories.make_participant(study, pseudonym="P01"),
        factories.make_participant(study, pseudonym="P02"),
    )
    t1, t2 = factories.make_wave(study, name="T1"), factories.make_wave(study, name="T2")
    a = factories.make_transcript(study, participant=p1, wave=t1, title="a")
    b = factories.make_transcript(study, participant=p1, wave=t2, title="b")
    c = factories.make_transcript(study, participant=p2, wave=t1, title="c")
    html = drawn_page(coder_client.get(page_url(a)).content.decode())
    assert reverse("coding:transcript_code", args=[study.pk, b.pk]) in html
    assert reverse("coding:transcript_code", args=[study.pk, c.pk]) in html


def test_a_coder_marks_the_transcript_as_done(coder_client, coder, transcript):
    url = reverse("coding:transcript_done", args=[transcript.study_id, transcript.pk])
    r = coder_client.post(url, {"done": "1"})
    assert r.status_code == 302
    assert Assignment.objects.get(transcript=transcript, layer__user=coder).done_at is not None
    assert "Reopen" in drawn_page(coder_client.get(page_url(transcript)).content.decode())
    coder_client.post(url, {"done": "0"})
    assert Assignment.objects.get(transcript=transcript, layer__user=coder).done_at is None


def test_a_viewer_cannot_mark_as_done(viewer_client, transcript):
    url = reverse("coding:transcript_done", args=[transcript.study_id, transcript.pk])
    assert viewer_client.post(url, {"done": "1"}).status_code == 403


def test_a_coder_adds_a_memo_to_the_transcript(coder_client, transcript):
    url = reverse("coding:transcript_memo_create", args=[transcript.study_id, transcript.pk])
    r = coder_client.post(url, {"title": "Tone", "body": "Hesitant at first."}, **HX)
    assert r.status_code == 200
    assert "Hesitant at first." in drawn_page(r.content.decode())
    assert transcript.memos.get().title == "Tone"


def _segments(transcript, study, users, code, n):
    text = transcript.text
    for i in range(n):
        user = users[i % len(users)]
        start = (i * 7) % (len(text) - 20)
        factories.make_segment(
            transcript, code, factories.make_layer(study, user), start, start + 5 + i % 13
        )


@pytest.mark.parametrize("n", [5, 200])
def test_the_page_runs_a_constant_number_of_queries(
    owner_client, owner, coder, coder2, study, shame, n, django_assert_max_num_queries
):
    transcript = factories.make_transcript(
        study, text=("Interviewer: Hello there. " * 40 + "\n") * 30
    )
    participant = factories.make_participant(study)
    transcript.participant = participant
    transcript.wave = factories.make_wave(study)
    transcript.save()
    _segments(transcript, study, [owner, coder, coder2], shame, n)
    # session, user, membership+study+transcript (+participant, group, wave, recording: one
    # query), layers (and the assignment), codebook with its versions (one query), segments
    # (the codebook's counts too: "All" shows every layer counted), neighbours, memos
    with django_assert_max_num_queries(8):
        r = owner_client.get(page_url(transcript, layer="all"))
    assert drawn_page(r.content.decode()).count("<mark") >= min(n, 5)


@pytest.mark.parametrize("n", [5, 200])
def test_the_fragment_runs_a_constant_number_of_queries(
    owner_client, owner, coder, study, shame, n, django_assert_max_num_queries
):
    transcript = factories.make_transcript(study, text=("P01: Hello there. " * 40 + "\n") * 30)
    _segments(transcript, study, [owner, coder], shame, n)
    # session, user, membership+study+transcript (one query), layers, codebook with its
    # versions (each segment's "coded under"), segments (and counts)
    with django_assert_max_num_queries(6):
        owner_client.get(page_url(transcript, layer="all"), **HX)


def test_an_unknown_layer_falls_back_to_mine(coder_client, transcript):
    html = drawn_page(coder_client.get(page_url(transcript, layer="nobody")).content.decode())
    assert "Editing your layer" in html


def test_an_imported_layer_is_listed(owner_client, study, transcript):
    from coding.models import Layer, LayerKind

    layer = Layer.objects.create(study=study, kind=LayerKind.IMPORTED, name="NVivo coder")
    # Only layers with segments are listed (an empty one is listed nowhere).
    html = drawn_page(owner_client.get(page_url(transcript)).content.decode())
    assert "NVivo coder" not in html
    factories.make_segment(transcript, factories.make_code(study, name="Hope"), layer, 0, 5)
    html = drawn_page(owner_client.get(page_url(transcript)).content.decode())
    assert "NVivo coder" in html


def test_a_coder_without_role_change_is_not_shown_consensus_when_absent(coder_client, transcript):
    html = drawn_page(coder_client.get(page_url(transcript)).content.decode())
    assert ">Consensus</a>" not in html


def test_a_viewer_sees_all_layers_by_default(viewer_client, study, coder, transcript, shame):
    seg = factories.make_segment(transcript, shame, factories.make_layer(study, coder), 0, 12)
    html = drawn_page(viewer_client.get(page_url(transcript)).content.decode())
    assert f'data-seg="{seg.pk}"' in html


def test_role_fixture_sanity(study, viewer):
    assert study.memberships.get(user=viewer).role == Role.VIEWER


def test_an_owner_starts_on_their_own_layer_and_reads_all_when_asked(
    owner_client, study, coder, transcript, shame
):
    seg = factories.make_segment(transcript, shame, factories.make_layer(study, coder), 0, 12)
    response = owner_client.get(page_url(transcript))
    assert response.context["state"].view == "mine"
    assert response.context["state"].edit == "mine"
    assert f'data-seg="{seg.pk}"' not in drawn_page(response.content.decode())
    response = owner_client.get(page_url(transcript, layer="all"))
    assert f'data-seg="{seg.pk}"' in drawn_page(response.content.decode())
    assert response.context["state"].view == "all"
    assert response.context["state"].edit is None  # "All" is a reading view


def test_a_coder_starts_on_their_own_layer(coder_client, study, coder2, transcript, shame):
    seg = factories.make_segment(transcript, shame, factories.make_layer(study, coder2), 0, 12)
    response = coder_client.get(page_url(transcript))
    assert response.context["state"].view == "mine"
    assert f'data-seg="{seg.pk}"' not in drawn_page(response.content.decode())


def test_the_codebook_tree_names_counts_and_escapes_each_code(
    coder_client, coder, study, transcript, shame
):
    parent = factories.make_code(study, name="Fam<ily>", description='Kin & "home"')
    child = factories.make_code(study, name="Care", parent=parent)
    layer = factories.make_layer(study, coder)
    factories.make_segment(transcript, child, layer, 0, 5)
    factories.make_segment(transcript, child, layer, 6, 9)
    html = drawn_page(coder_client.get(page_url(transcript, code=child.pk)).content.decode())
    items = re.findall(r'<li role="treeitem"[^>]*>.*?</li>', html, re.S)
    by_code = {int(re.search(r'data-code="(\d+)"', item).group(1)): item for item in items}
    assert set(by_code) == {shame.pk, parent.pk, child.pk}
    care = by_code[child.pk]
    # The filtered code holds the one tab stop; it sits one level under its parent.
    assert 'tabindex="0"' in care and "is-filtered" in care
    assert all('tabindex="-1"' in by_code[pk] for pk in (shame.pk, parent.pk))
    assert 'aria-level="2"' in care and f'data-parent="{parent.pk}"' in care
    assert 'aria-label="Fam&lt;ily&gt; › Care, 2 mine, 2 in all layers shown to you"' in care
    assert '<span class="code-count" aria-hidden="true">2/2</span>' in care
    family = by_code[parent.pk]
    assert 'aria-expanded="true"' in family and ">Fam&lt;ily&gt;</a>" in family
    assert 'title="Fam&lt;ily&gt; — Kin &amp; &quot;home&quot;"' in family
    assert (
        f'<option value="{child.pk}" translate="no" selected>Fam&lt;ily&gt; › Care</option>' in html
    )
    assert "<ily>" not in html


@pytest.mark.parametrize("depth, shown", [(0, 1), (1, 1), (3, 3), (8, 6)])
def test_margin_labels_sit_beside_the_lanes_in_use(
    coder_client, coder, study, transcript, shame, depth, shown
):
    """Labels are placed right of the stripe lanes the page uses (at most the block's 6),
    not after 6 empty lanes: with one highlight its label is next to its stripe."""
    layer = factories.make_layer(study, coder)
    for i in range(depth):  # ``depth`` highlights all overlapping one another
        factories.make_segment(transcript, shame, layer, 10 + i, 40 + i)
    html = drawn_page(coder_client.get(page_url(transcript)).content.decode())
    section = re.search(r'<section id="transcript"[^>]*style="([^"]*)"', html).group(1)
    assert f"--lanes-shown:{shown}" in section


def test_the_memo_form_is_the_blank_form_rendered(coder_client, transcript):
    from coding.segments.forms import TranscriptMemoForm

    html = drawn_page(coder_client.get(page_url(transcript)).content.decode())
    form = TranscriptMemoForm()
    # The page renders the unbound form once per process: the same widgets, no errors.
    assert str(form["title"]) in html and str(form["body"]) in html
    assert 'class="errorlist"' not in html
    bad = coder_client.post(
        reverse("coding:transcript_memo_create", args=[transcript.study_id, transcript.pk]),
        {"title": "x", "body": ""},
        **HX,
    ).content.decode()
    assert 'class="errorlist"' in bad  # a refused memo still shows its errors


def test_mark_as_done_is_offered_only_on_the_coders_own_layer(
    coder_client, coder, coder2, transcript, shame
):
    layer = factories.make_layer(transcript.study, coder2)
    factories.make_segment(transcript, shame, layer, 0, 5)
    own = drawn_page(coder_client.get(page_url(transcript)).content.decode())
    assert "Mark as done" in own
    other = drawn_page(coder_client.get(page_url(transcript, layer=layer.key)).content.decode())
    assert "erin" in other and "Mark as done" not in other
    url = reverse("coding:transcript_done", args=[transcript.study_id, transcript.pk])
    coder_client.post(url, {"done": "1"})
    other = drawn_page(coder_client.get(page_url(transcript, layer=layer.key)).content.decode())
    assert "Reopen" not in other
    assert "Reopen" in drawn_page(coder_client.get(page_url(transcript)).content.decode())
    everything = drawn_page(coder_client.get(page_url(transcript, layer="all")).content.decode())
    assert "Reopen" not in everything and "Mark as done" not in everything
