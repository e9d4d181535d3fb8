from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coding.codebook import selectors as codebook_selectors
from coding.models import Layer, LayerKind
from coding.retrieval.selectors import RetrievalFilters, code_ids_for, contexts, retrieve
from studies.access import study_access
from tests import factories

# "𠝹" is one code point in Python and in the database, two UTF-16 units in a browser.
RICH_TEXT = (
    "Interviewer: How was it?\n"
    "P01: 𠝹𠝹 我唔知自己嘅角色 at first, honestly.\n"
    "P01: Later the team trusted me and my lived experience helped others."
)


def build_world(study, owner, coder, coder2):
    """Two groups, two waves, three participants, four transcripts, codes in a tree, four
    layers (bob, erin, consensus, imported) and segments spread over all of them."""
    g1 = factories.make_group(study, name="Peer support workers")
    g2 = factories.make_group(study, name="Service users")
    t1w = factories.make_wave(study, name="T1")
    t2w = factories.make_wave(study, name="T2")
    p1 = factories.make_participant(study, pseudonym="P01", group=g1)
    p2 = factories.make_participant(study, pseudonym="P02", group=g2)
    p3 = factories.make_participant(study, pseudonym="P03", group=g1)
    tr = {
        "p1t1": factories.make_transcript(
            study, title="P01 T1", participant=p1, wave=t1w, text=RICH_TEXT
        ),
        "p1t2": factories.make_transcript(study, title="P01 T2", participant=p1, wave=t2w),
        "p2t1": factories.make_transcript(study, title="P02 T1", participant=p2, wave=t1w),
        "p3t2": factories.make_transcript(study, title="P03 T2", participant=p3, wave=t2w),
        "focus": factories.make_transcript(study, title="Focus group"),
    }
    stigma = factories.make_code(study, name="Stigma")
    shame = factories.make_code(study, name="Shame", parent=stigma)
    self_ = factories.make_code(study, name="Self", parent=shame)
    hope = factories.make_code(study, name="Hope")
    bob = factories.make_layer(study, coder)
    erin = factories.make_layer(study, coder2)
    consensus = factories.make_layer(study)
    imported = Layer.objects.create(study=study, kind=LayerKind.IMPORTED, name="NVivo coder")
    layers = {"bob": bob, "erin": erin, "consensus": consensus, "imported": imported}
    quote_start = RICH_TEXT.index("我唔知")
    quote_end = quote_start + len("我唔知自己嘅角色")
    segs = {}
    for lname, layer in layers.items():
        for tname, transcript in tr.items():
            if tname == "p1t1":
                start, end = quote_start, quote_end
            else:
                start, end = 18, 40
            segs[(lname, tname, "shame")] = factories.make_segment(
                transcript, shame, layer, start, end, memo=f"{lname} memo"
            )
        segs[(lname, "p1t2", "self")] = factories.make_segment(tr["p1t2"], self_, layer, 50, 70)
        segs[(lname, "p2t1", "hope")] = factories.make_segment(tr["p2t1"], hope, layer, 0, 11)
        segs[(lname, "p2t1", "stigma")] = factories.make_segment(tr["p2t1"], stigma, layer, 5, 30)
    return SimpleNamespace(
        groups=(g1, g2),
        waves=(t1w, t2w),
        participants=(p1, p2, p3),
        tr=tr,
        codes=SimpleNamespace(stigma=stigma, shame=shame, self_=self_, hope=hope),
        layers=layers,
        segs=segs,
    )


@pytest.fixture
def world(study, owner, coder, coder2, viewer):
    return build_world(study, owner, coder, coder2)


def url(study, **params):
    base = reverse("coding:retrieval", args=[study.pk])
    return base + ("?" + RetrievalFilters(**params).query() if params else "")


def ids(qs):
    return {seg.pk for seg in qs}


def seg_ids(world, *keys):
    return {world.segs[k].pk for k in keys}


# --- the selector ----------------------------------------------------------------------


def test_it_retrieves_one_code_in_every_visible_layer(world, owner, study):
    access = study_access(owner, study.pk)
    got = ids(retrieve(access, code_ids=[world.codes.shame.pk]))
    expected = {s.pk for k, s in world.segs.items() if k[2] == "shame"}
    assert got == expected
    assert len(got) == 4 * 5


def test_it_includes_the_subtree_only_when_asked(world, owner, study):
    access = study_access(owner, study.pk)
    book = codebook_selectors.codebook(study)
    stigma = world.codes.stigma.pk
    assert code_ids_for(book, stigma) == [stigma]
    subtree = code_ids_for(book, stigma, subtree=True)
    assert set(subtree) == {stigma, world.codes.shame.pk, world.codes.self_.pk}
    got = ids(retrieve(access, code_ids=subtree, layers=[world.layers["bob"]]))
    assert got == {
        s.pk for k, s in world.segs.items() if k[0] == "bob" and k[2] in ("stigma", "shame", "self")
    }
    assert world.segs[("bob", "p2t1", "hope")].pk not in got


def test_filters_are_exact_and_compose(world, owner, study):
    access = study_access(owner, study.pk)
    g1, g2 = world.groups
    t1, t2 = world.waves
    p1, p2, p3 = world.participants
    shame = [world.codes.shame.pk]

    def got(**kw):
        return ids(retrieve(access, code_ids=shame, **kw))

    layers = ("bob", "erin", "consensus", "imported")
    assert got(group=g1) == seg_ids(
        world, *[(lr, t, "shame") for lr in layers for t in ("p1t1", "p1t2", "p3t2")]
    )
    assert got(group=g1.pk, wave=t1.pk) == seg_ids(world, *[(lr, "p1t1", "shame") for lr in layers])
    assert got(group=g2, wave=t2) == set()
    assert got(participant=p3, layers=[world.layers["erin"]]) == seg_ids(
        world, ("erin", "p3t2", "shame")
    )
    assert got(
        wave=[t1, t2], participant=[p1.pk, p2.pk], layers=[world.layers["consensus"].pk]
    ) == (seg_ids(world, *[("consensus", t, "shame") for t in ("p1t1", "p1t2", "p2t1")]))
    # Transcripts without a participant or wave are out as soon as such a filter is set.
    assert world.segs[("bob", "focus", "shame")].pk in got()
    assert world.segs[("bob", "focus", "shame")].pk not in got(wave=t1)


def test_blind_mode_hides_other_coders_and_consensus(world, coder, study):
    study.blind_coding = True
    study.save()
    access = study_access(coder, study.pk)
    got = ids(retrieve(access, code_ids=[world.codes.shame.pk]))
    assert got == {s.pk for k, s in world.segs.items() if k[0] == "bob" and k[2] == "shame"}
    # Asking for hidden layers by object or id cannot widen what is visible.
    hidden = [world.layers["erin"], world.layers["consensus"].pk, world.layers["imported"]]
    assert ids(retrieve(access, code_ids=[world.codes.shame.pk], layers=hidden)) == set()


def test_owner_and_viewer_see_every_layer_in_blind_mode(world, owner, viewer, study):
    study.blind_coding = True
    study.save()
    for user in (owner, viewer):
        got = ids(retrieve(study_access(user, study.pk), code_ids=[world.codes.shame.pk]))
        assert len(got) == 20


def test_it_never_returns_segments_of_another_study(world, owner, study):
    other = factories.make_study()
    code = factories.make_code(other)
    transcript = factories.make_transcript(other)
    alien = factories.make_segment(transcript, code, factories.make_layer(other), 0, 5)
    access = study_access(owner, study.pk)
    assert alien.pk not in ids(retrieve(access, code_ids=[code.pk, world.codes.shame.pk]))
    assert alien.pk not in ids(retrieve(access, code_ids=None))


def test_context_is_cut_in_code_points_around_non_bmp_characters(world, owner, study):
    access = study_access(owner, study.pk)
    seg = world.segs[("bob", "p1t1", "shame")]
    (row,) = retrieve(
        access,
        code_ids=[world.codes.shame.pk],
        transcript=world.tr["p1t1"],
        layers=[world.layers["bob"]],
        context_chars=8,
    )
    assert row.pk == seg.pk
    assert RICH_TEXT[seg.start : seg.end] == "我唔知自己嘅角色"
    assert row.context_before == RICH_TEXT[seg.start - 8 : seg.start] == "P01: 𠝹𠝹 "
    assert row.context_after == RICH_TEXT[seg.end : seg.end + 8] == " at firs"


def test_context_stops_at_the_edges_of_the_text(world, owner, study):
    access = study_access(owner, study.pk)
    text = world.tr["p2t1"].text
    rows = {
        r.pk: r
        for r in retrieve(
            access, code_ids=[world.codes.hope.pk], context_chars=500, layers=[world.layers["bob"]]
        )
    }
    row = rows[world.segs[("bob", "p2t1", "hope")].pk]
    assert row.context_before == ""
    assert row.context_after == text[11:]


def test_it_preloads_everything_the_page_needs(world, owner, study):
    access = study_access(owner, study.pk)
    result = retrieve(access, code_ids=[world.codes.shame.pk], context_chars=0)
    with CaptureQueriesContext(connection) as ctx:
        rows = list(result)
        for seg in rows:
            _ = (
                seg.code.name,
                seg.layer.key,
                seg.layer.label,
                seg.transcript.title,
                seg.transcript.wave,
                seg.transcript.participant,
            )
            if seg.transcript.participant:
                _ = seg.transcript.participant.group
    assert len(ctx.captured_queries) == 1
    assert len(rows) == 20
    assert '"studies_transcript"."text"' not in ctx.captured_queries[0]["sql"]
    assert "text" in rows[0].transcript.get_deferred_fields()


def test_a_page_of_results_gets_its_context_in_three_queries(world, owner, study):
    access = study_access(owner, study.pk)
    result = retrieve(access, code_ids=[world.codes.shame.pk], context_chars=8)
    everything = list(result)
    with CaptureQueriesContext(connection) as ctx:
        page = result[3:7]
    # The page's ids (sorted), those rows with their relations, the context snippets.
    assert len(ctx.captured_queries) == 3
    assert all('"studies_transcript"."text",' not in q["sql"] for q in ctx.captured_queries)
    assert [s.pk for s in page] == [s.pk for s in everything[3:7]]
    assert [s.context_before for s in page] == [s.context_before for s in everything[3:7]]
    assert [s.context_after for s in page] == [s.context_after for s in everything[3:7]]
    assert result[3].pk == everything[3].pk
    assert result[100:200] == []
    assert result.count() == 20
    seg = world.segs[("bob", "p1t1", "shame")]
    (mine,) = [s for s in result[0:20] if s.pk == seg.pk]
    assert mine.context_before == "P01: 𠝹𠝹 " and mine.context_after == " at firs"
    # Without context, slicing is a plain LIMIT/OFFSET on the same QuerySet.
    plain = retrieve(access, code_ids=[world.codes.shame.pk], context_chars=0)
    assert [s.pk for s in plain[3:7]] == [s.pk for s in page]
    assert not hasattr(plain[0], "context_before")


def test_a_page_of_passages_is_one_query_with_the_same_rows_context_and_count(world, owner, study):
    access = study_access(owner, study.pk)
    result = retrieve(access, code_ids=[world.codes.shame.pk], context_chars=8)
    everything = list(result)
    with CaptureQueriesContext(connection) as ctx:
        passages = result.passages(3, 9)
        total = result.count()
    # The rows with their names, their context snippets and the count of all; no
    # transcript's whole text comes back.
    assert len(ctx.captured_queries) == 1
    assert all('"studies_transcript"."text",' not in q["sql"] for q in ctx.captured_queries)
    assert total == len(everything) == 20
    assert [
        (p.pk, p.quote, p.context_before, p.context_after, p.title, p.pseudonym, p.wave_name)
        for p in passages
    ] == [
        (
            s.pk,
            s.quote,
            s.context_before,
            s.context_after,
            s.transcript.title,
            s.transcript.participant.pseudonym if s.transcript.participant else None,
            s.transcript.wave.name if s.transcript.wave else None,
        )
        for s in everything[3:9]
    ]
    assert result.passages(100, 200) == []


def test_passages_cut_context_in_code_points_in_chinese_and_astral_text(world, owner, study, coder):
    # Each character is 1 code point: 4 UTF-8 bytes for 𠝹 and 😅, 3 for 我, 1 for a.
    text = "𠝹a\n我b😅" * 40
    transcript = factories.make_transcript(study, title="Astral", text=text)
    layer = factories.make_layer(study, coder)
    spans = ((0, 1), (1, 4), (37, 60), (118, 125), (len(text) - 3, len(text)))
    for s, e in spans:
        factories.make_segment(transcript, world.codes.hope, layer, s, e)
    access = study_access(owner, study.pk)
    result = retrieve(
        access, code_ids=[world.codes.hope.pk], transcript=transcript, context_chars=10
    )
    got = [
        (p.start, p.end, p.quote, p.context_before, p.context_after) for p in result.passages(0, 10)
    ]
    assert got == [(s, e, text[s:e], text[max(s - 10, 0) : s], text[e : e + 10]) for s, e in spans]


def test_contexts_match_python_slicing_everywhere(world, owner, study, coder):
    text = "𠝹a\n我b𠝹" * 30
    transcript = factories.make_transcript(study, title="Astral", text=text)
    layer = factories.make_layer(study, coder)
    segs = [
        factories.make_segment(transcript, world.codes.hope, layer, s, e)
        for s, e in ((0, 1), (1, 4), (37, 60), (len(text) - 3, len(text)))
    ]
    found = contexts([s.pk for s in segs], 10)
    for s in segs:
        assert found[s.pk] == (text[max(s.start - 10, 0) : s.start], text[s.end : s.end + 10])
    assert contexts([], 10) == {}


def test_it_orders_by_group_participant_wave_then_position(world, owner, study):
    access = study_access(owner, study.pk)
    rows = list(retrieve(access, code_ids=[world.codes.shame.pk], layers=[world.layers["bob"]]))
    assert [r.transcript.title for r in rows] == [
        "P01 T1",
        "P01 T2",
        "P03 T2",
        "P02 T1",
        "Focus group",
    ]


# --- the page ---------------------------------------------------------------------------


def test_it_shows_quotes_with_context_participant_group_wave_layer_and_memo(
    world, owner_client, study
):
    response = owner_client.get(url(study, code=world.codes.shame.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "20 segments" in html
    assert "<mark>我唔知自己嘅角色</mark>" in html
    assert "𠝹𠝹" in html
    for text in (
        "P01",
        "Peer support workers",
        "T1",
        "P01 T1",
        "Layer: bob",
        "Layer: Consensus",
        "Layer: NVivo coder",
        "erin memo",
    ):
        assert text in html
    assert 'aria-current="page">Retrieval' in html


def test_it_links_each_segment_to_its_transcript_scrolled_to_it(world, owner_client, study):
    seg = world.segs[("erin", "p1t2", "shame")]
    response = owner_client.get(url(study, code=world.codes.shame.pk, layer="erin"))
    page = reverse("coding:transcript_code", args=[study.pk, seg.transcript_id])
    expected = f"{page}?layer=erin&amp;code={seg.code_id}&amp;focus={seg.pk}#seg-{seg.pk}"
    assert expected in response.content.decode()


def test_layer_filter_takes_keys(world, owner_client, study):
    imported = world.layers["imported"]
    for key, label in (("consensus", "Consensus"), (imported.key, "NVivo coder"), ("bob", "bob")):
        html = owner_client.get(url(study, code=world.codes.shame.pk, layer=key)).content.decode()
        assert "5 segments" in html
        assert set(re.findall(r"Layer: ([^<]+)</span>", html)) == {label}


def test_page_filters_by_group_wave_and_participant(world, owner_client, study):
    g1, _ = world.groups
    t1, t2 = world.waves
    p3 = world.participants[2]
    html = owner_client.get(
        url(study, code=world.codes.shame.pk, group=g1.pk, wave=t2.pk, layer="bob")
    ).content.decode()
    assert "2 segments" in html and "P01 T2" in html and "P03 T2" in html
    html = owner_client.get(
        url(study, code=world.codes.shame.pk, participant=p3.pk, wave=t1.pk)
    ).content.decode()
    assert "0 segments" in html and "No segments match" in html


def test_subtree_checkbox_adds_subcodes_and_shows_their_paths(world, owner_client, study):
    only = owner_client.get(url(study, code=world.codes.shame.pk)).content.decode()
    subtree = owner_client.get(url(study, code=world.codes.shame.pk, subtree=True)).content.decode()
    assert "20 segments" in only and "24 segments" in subtree
    assert "Stigma › Shame › Self" in subtree


def test_blind_coder_sees_only_own_layer_on_the_page(world, coder_client, study):
    study.blind_coding = True
    study.save()
    html = coder_client.get(url(study, code=world.codes.shame.pk)).content.decode()
    assert "5 segments" in html
    assert "erin" not in html and "Consensus" not in html and "NVivo coder" not in html
    assert "you see only your own layer" in html
    for key in ("erin", "consensus", world.layers["imported"].key):
        html = coder_client.get(url(study, code=world.codes.shame.pk, layer=key)).content.decode()
        assert "that you can see" in html
        assert "<mark>" not in html


@pytest.mark.parametrize("persona", ["owner", "coder", "viewer"])
def test_members_can_read_it(world, persona_clients, study, persona):
    response = persona_clients[persona].get(url(study, code=world.codes.shame.pk))
    assert response.status_code == 200
    assert "20 segments" in response.content.decode()


def test_outsider_gets_404(world, outsider_client, study):
    response = outsider_client.get(url(study, code=world.codes.shame.pk))
    assert response.status_code == 404


def test_anonymous_is_sent_to_login(world, client, study):
    response = client.get(url(study, code=world.codes.shame.pk))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_it_asks_for_a_code_first(world, owner_client, study):
    html = owner_client.get(url(study)).content.decode()
    assert "Choose a code" in html
    assert "<mark>" not in html


def test_it_says_when_there_are_no_codes(owner_client, study):
    html = owner_client.get(url(study)).content.decode()
    assert "No codes yet" in html


def test_unknown_filters_are_reported_not_ignored(world, owner_client, study):
    other_group = factories.make_group(factories.make_study())
    response = owner_client.get(url(study, code=world.codes.shame.pk, group=other_group.pk))
    html = response.content.decode()
    assert "There is no group" in html
    assert "<mark>" not in html
    html = owner_client.get(reverse("coding:retrieval", args=[study.pk]) + "?code=abc").content
    assert "There is no code" in html.decode()


def test_htmx_request_gets_only_the_results_fragment(world, owner_client, study):
    response = owner_client.get(url(study, code=world.codes.shame.pk), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith('<section id="retrieval-results"')
    assert "20 segments" in html


def test_htmx_history_restore_gets_the_whole_page(world, owner_client, study):
    response = owner_client.get(
        url(study, code=world.codes.shame.pk),
        HTTP_HX_REQUEST="true",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )
    assert "<html" in response.content.decode()


def test_the_filter_form_targets_the_results_with_htmx(world, owner_client, study):
    html = owner_client.get(url(study, code=world.codes.shame.pk)).content.decode()
    assert 'hx-target="#retrieval-results"' in html
    assert 'hx-push-url="true"' in html
    assert f'<option value="{world.codes.shame.pk}" selected>Stigma › Shame</option>' in html


def test_the_filter_form_offers_every_code_and_participant_and_keeps_the_choice(
    world, owner_client, study
):
    old = factories.make_code(study, name="Old <\"&'> code", archived=True)
    p1, p2, p3 = world.participants
    p2.pseudonym = "P<02> & co"
    p2.save()
    html = owner_client.get(url(study, code=old.pk, participant=p2.pk)).content.decode()

    def options(select_id):
        select = re.search(
            rf'<select (?:translate="no" )?id="{select_id}" name="\w+">(.*?)</select>', html, re.S
        )
        return re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select[1])

    c = world.codes
    assert options("r-code") == [
        ("", "", "Choose a code…"),
        (str(c.hope.pk), "", "Hope"),
        (str(old.pk), " selected", "Old &lt;&quot;&amp;&#x27;&gt; code (archived)"),
        (str(c.stigma.pk), "", "Stigma"),
        (str(c.shame.pk), "", "Stigma › Shame"),
        (str(c.self_.pk), "", "Stigma › Shame › Self"),
    ]
    assert options("r-participant") == [
        ("", "", "All participants"),
        (str(p1.pk), "", "P01"),
        (str(p3.pk), "", "P03"),
        (str(p2.pk), " selected", "P&lt;02&gt; &amp; co"),
    ]


def test_export_links_carry_the_filters(world, owner_client, study):
    t1 = world.waves[0]
    html = owner_client.get(
        url(study, code=world.codes.shame.pk, wave=t1.pk, subtree=True, layer="bob")
    ).content.decode()
    export = reverse("coding:retrieval_export", args=[study.pk, "xlsx"])
    assert (
        f"{export}?code={world.codes.shame.pk}&amp;subtree=1&amp;wave={t1.pk}&amp;layer=bob" in html
    )


# --- pagination and query counts ----------------------------------------------------------


def make_many(study, owner, n):
    code = factories.make_code(study, name="Many")
    layer = factories.make_layer(study, owner)
    group = factories.make_group(study)
    wave = factories.make_wave(study)
    text = "word " * 2000
    transcripts = [
        factories.make_transcript(
            study,
            text=text,
            participant=factories.make_participant(study, group=group),
            wave=wave,
        )
        for _ in range(3)
    ]
    for i in range(n):
        factories.make_segment(transcripts[i % 3], code, layer, 5 * (i // 3), 5 * (i // 3) + 4)
    return code


def test_it_pages_100_at_a_time(owner_client, owner, study):
    code = make_many(study, owner, 250)
    first = owner_client.get(url(study, code=code.pk)).content.decode()
    assert "250 segments" in first
    assert first.count('class="retrieval-item"') == 100
    assert "Page 1 of 3" in first
    last = owner_client.get(url(study, code=code.pk) + "&page=3").content.decode()
    assert last.count('class="retrieval-item"') == 50
    assert 'start="201"' in last


@pytest.mark.parametrize("number", ["", "1", "2", "3", "4", "99", "0", "-1", "x", "2.0", "1.5"])
def test_every_page_number_shows_what_paging_the_ordered_segments_shows(
    owner_client, owner, study, number
):
    code = make_many(study, owner, 250)
    ordered = list(
        retrieve(
            study_access(owner, study.pk), code_ids=[code.pk], context_chars=0
        ).segments.values_list("pk", flat=True)
    )
    expected = Paginator(ordered, 100).get_page(number)
    html = owner_client.get(url(study, code=code.pk) + f"&page={number}").content.decode()
    assert [int(pk) for pk in re.findall(r'id="r-seg-(\d+)"', html)] == list(expected)
    assert "250 segments" in html
    assert f"Page {expected.number} of 3" in html
    assert f'start="{expected.start_index()}"' in html


def test_the_count_is_read_when_the_page_asked_for_is_past_the_end(
    owner_client, owner, study, django_assert_num_queries
):
    code = make_many(study, owner, 150)
    # The ten queries of a page, then (the asked-for page being empty) the count and the
    # last page's rows, and the codebook versions its passages were coded under.
    with django_assert_num_queries(13):
        html = owner_client.get(url(study, code=code.pk) + "&page=7").content.decode()
    assert html.count('class="retrieval-item"') == 50
    assert "Page 2 of 2" in html


def test_a_code_without_segments_says_so(owner_client, owner, study, django_assert_num_queries):
    code = factories.make_code(study, name="Unused")
    make_many(study, owner, 3)
    # The ten queries of a page: an empty first page means there are none.
    with django_assert_num_queries(10):
        html = owner_client.get(url(study, code=code.pk)).content.decode()
    assert "0 segments" in html
    assert "No segments match" in html


@pytest.mark.parametrize("n", [1, 100, 300])
def test_query_count_does_not_grow_with_segments(
    owner_client, owner, study, n, django_assert_num_queries
):
    code = make_many(study, owner, n)
    # session, user, membership+study, codebook, layers, groups, waves, participants,
    # attribute definitions, then one for the page: its rows (with their code, transcript,
    # participant, group and wave names), their context snippets and the count of all;
    # the codebook versions (each passage's "coded under").
    with django_assert_num_queries(11):
        response = owner_client.get(url(study, code=code.pk))
    assert response.status_code == 200
    assert response.content.decode().count('class="retrieval-item"') == min(n, 100)


def test_htmx_fragment_query_count(owner_client, owner, study, django_assert_num_queries):
    code = make_many(study, owner, 120)
    # The same eleven queries as the page: the fragment needs the same resolved filters.
    with django_assert_num_queries(11):
        owner_client.get(url(study, code=code.pk), HTTP_HX_REQUEST="true")


def test_the_coders_union_leaves_out_the_consensus_layer(world, owner_client, study):
    response = owner_client.get(
        reverse("coding:retrieval", args=[study.pk]) + f"?code={world.codes.shame.pk}&layer=union"
    )
    assert response.status_code == 200
    shown = set(map(int, re.findall(r'id="r-seg-(\d+)"', response.text)))
    expected = {s.pk for k, s in world.segs.items() if k[2] == "shame" and k[0] != "consensus"}
    assert shown == expected


def test_every_value_of_a_passage_is_escaped(owner_client, owner, study):
    code = factories.make_code(study, name="<i>Risk</i>")
    layer = factories.make_layer(study, owner)
    text = "Before <script>alert('x')</script> & \"quoted\" 𠝹 words after the passage."
    transcript = factories.make_transcript(
        study,
        title="<b>T1</b> & 'co'",
        text=text,
        participant=factories.make_participant(study, pseudonym="<P01>"),
    )
    factories.make_segment(transcript, code, layer, 7, 34, memo="<img src=x>\nline two")
    html = owner_client.get(url(study, code=code.pk)).content.decode()
    for raw in ("<script>", "<b>T1", "<img", "<P01>", "<i>Risk"):
        assert raw not in html
    for escaped in (
        "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;",
        "&amp; &quot;quoted&quot; 𠝹 words",
        "&lt;b&gt;T1&lt;/b&gt; &amp; &#x27;co&#x27;",
        "&lt;img src=x&gt;<br>line two",
        '<span translate="no">&lt;P01&gt;</span>',  # the study's own names: never translated
    ):
        assert escaped in html
