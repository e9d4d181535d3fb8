from __future__ import annotations

import html as html_lib
import re
from fractions import Fraction

import pytest
from django.urls import reverse

from coding.models import Assignment
from studies.models import Role
from tests import factories

TEXT_A = "Interviewer: How was it?\nP01: At first I did not know my role, then it got better.\n"
TEXT_B = "Interviewer: And the team?\nP02: They trusted me. 我唔知自己嘅角色。 It helped.\n"
TEXT_C = "Interviewer: Anything else?\nP03: Nothing much to add, thank you.\n"


# --- an independent oracle: per-character arrays -----------------------------------


def coverage(length, spans):
    cov = [0] * length
    for s, e in spans:
        for i in range(s, e):
            cov[i] = 1
    return cov


def oracle(docs):
    """``docs``: list of (length, spans_a, spans_b) where both layers worked.

    Returns n11, n10, n01, n00, percent agreement, NVivo kappa, binary Krippendorff alpha,
    pooled over the documents by concatenating the characters.
    """
    a, b = [], []
    for length, sa, sb in docs:
        a += coverage(length, sa)
        b += coverage(length, sb)
    n = len(a)
    n11 = sum(1 for x, y in zip(a, b, strict=True) if x and y)
    n10 = sum(1 for x, y in zip(a, b, strict=True) if x and not y)
    n01 = sum(1 for x, y in zip(a, b, strict=True) if y and not x)
    n00 = n - n11 - n10 - n01
    pa = Fraction(n11 + n00, n)
    pe = Fraction((n11 + n10) * (n11 + n01) + (n00 + n01) * (n00 + n10), n * n)
    kappa = Fraction(1) if pe == 1 else (pa - pe) / (1 - pe)
    # Krippendorff: every character is a unit with two values; coincidences o_ck.
    o = {(0, 0): 0, (0, 1): 0, (1, 0): 0, (1, 1): 0}
    for x, y in zip(a, b, strict=True):
        o[(x, y)] += 1
        o[(y, x)] += 1
    n0 = o[(0, 0)] + o[(0, 1)]
    n1 = o[(1, 0)] + o[(1, 1)]
    total = n0 + n1
    alpha = None if n0 * n1 == 0 else 1 - Fraction(total - 1) * o[(0, 1)] / (n0 * n1)
    return {
        "n11": n11,
        "n10": n10,
        "n01": n01,
        "n00": n00,
        "pa": pa,
        "kappa": kappa,
        "alpha": alpha,
    }


def cell(html, code_id, metric):
    row = re.search(rf'<tr class="[^"]*" data-code="{code_id}">(.*?)</tr>', html, re.S)
    assert row, f"no row for code {code_id}"
    found = re.search(rf'data-metric="{metric}" data-value="([^"]*)"', row.group(1))
    assert found, f"no {metric} in row"
    return None if found.group(1) == "" else float(found.group(1))


def counts(html, code_id, metric):
    row = re.search(rf'<tr class="[^"]*" data-code="{code_id}">(.*?)</tr>', html, re.S)
    found = re.findall(rf'data-metric="{metric}">([\d,]+)<', row.group(1))
    return [int(v.replace(",", "")) for v in found]


@pytest.fixture
def tiny(study, owner, coder, coder2):
    """bob and erin code three transcripts; erin is missing on the third (not assigned,
    no segments), and assigned but silent on the second for code y."""
    g1 = factories.make_group(study, name="Peer workers")
    g2 = factories.make_group(study, name="Service users")
    w1 = factories.make_wave(study, name="T1")
    p1 = factories.make_participant(study, pseudonym="P01", group=g1)
    p2 = factories.make_participant(study, pseudonym="P02", group=g2)
    t1 = factories.make_transcript(study, title="A", text=TEXT_A, participant=p1, wave=w1)
    t2 = factories.make_transcript(study, title="B", text=TEXT_B, participant=p2, wave=w1)
    t3 = factories.make_transcript(study, title="C", text=TEXT_C, participant=p2, wave=w1)
    x = factories.make_code(study, name="Role")
    y = factories.make_code(study, name="Trust", parent=x)
    z = factories.make_code(study, name="Unused")
    bob = factories.make_layer(study, coder)
    erin = factories.make_layer(study, coder2)
    spans = {
        (t1, x, bob): [(30, 60), (62, 70)],
        (t1, x, erin): [(35, 65)],
        (t1, y, bob): [(0, 10)],
        (t2, x, bob): [(40, 55)],
        (t2, x, erin): [(40, 55)],
        (t2, y, bob): [(31, 45)],
        (t3, x, bob): [(30, 40)],  # erin is missing on C: must not count as "coded nothing"
    }
    for (t, c, layer), ss in spans.items():
        for s, e in ss:
            factories.make_segment(t, c, layer, s, e)
    Assignment.objects.create(layer=erin, transcript=t2)
    return {
        "t": [t1, t2, t3],
        "codes": [x, y, z],
        "layers": [bob, erin],
        "spans": spans,
        "groups": [g1, g2],
    }


def _spans(tiny, t, c, layer):
    """A code's spans in one layer; a parent's include its subcodes' (the rollup)."""
    codes = [c] + [k for k in tiny["codes"] if k.parent_id == c.pk]
    return [s for k in codes for s in tiny["spans"].get((t, k, layer), [])]


def expected(tiny, code, transcripts):
    bob, erin = tiny["layers"]
    return oracle(
        [(t.length, _spans(tiny, t, code, bob), _spans(tiny, t, code, erin)) for t in transcripts]
    )


def url(study, **params):
    base = reverse("coding:agreement_report", args=[study.pk])
    query = "&".join(
        f"{k}={v}" for k, vs in params.items() for v in (vs if isinstance(vs, list) else [vs])
    )
    return f"{base}?{query}" if query else base


def test_it_matches_a_per_character_computation_pooled_over_compared_transcripts(
    study, tiny, owner_client
):
    response = owner_client.get(url(study, layers=["bob", "erin"]))
    assert response.status_code == 200
    html = response.content.decode()
    t1, t2, _ = tiny["t"]
    for code in tiny["codes"]:
        exp = expected(tiny, code, [t1, t2])  # C is left out: erin is missing there
        assert cell(html, code.pk, "pa") == pytest.approx(float(exp["pa"]))
        assert cell(html, code.pk, "kappa") == pytest.approx(float(exp["kappa"]))
        if exp["alpha"] is None:
            assert cell(html, code.pk, "alpha") is None
        else:
            assert cell(html, code.pk, "alpha") == pytest.approx(float(exp["alpha"]))
        assert counts(html, code.pk, "both") == [exp["n11"]]
        assert counts(html, code.pk, "neither") == [exp["n00"]]
        assert counts(html, code.pk, "coded") == [exp["n11"] + exp["n10"], exp["n11"] + exp["n01"]]


def test_it_counts_segments_per_layer_and_says_where_each_layer_is_missing(
    study, tiny, owner_client
):
    html = owner_client.get(url(study)).content.decode()
    role = tiny["codes"][0]
    # Every transcript; Role is a parent: its own 4 segments and Trust's 2 (bob), 2 (erin).
    assert counts(html, role.pk, "segments") == [6, 2]
    assert 'erin</strong>: 2 of 3; missing on <span translate="no">C</span>' in html
    assert "<strong>2</strong> compared" in html


def test_an_unused_code_is_undefined_not_a_number(study, tiny, owner_client):
    html = owner_client.get(url(study)).content.decode()
    unused = tiny["codes"][2]
    assert cell(html, unused.pk, "alpha") is None
    assert cell(html, unused.pk, "kappa") == 1.0  # NVivo's convention, labelled as such
    assert "Not used" in html


def test_codes_below_the_threshold_stand_out_in_words(study, tiny, owner_client):
    html = owner_client.get(url(study, threshold="0.99")).content.decode()
    assert "Below threshold" in html
    assert re.search(r"\d+ codes? below α 0.99", html)


def test_the_codes_below_the_threshold_are_listed_with_the_languages_separator(
    study, tiny, owner_client
):
    def listed(language):
        page = owner_client.get(url(study, threshold="0.99"), HTTP_ACCEPT_LANGUAGE=language)
        line = re.search(r'<p class="below-summary".*?</p>', page.content.decode(), re.S)
        return re.sub(r"<[^>]+>", "", line.group(0)).split(":", 1)[-1].split("：", 1)[-1]

    assert listed("en").strip() == "Role; Role › Trust"
    assert listed("zh-HK").strip() == "Role；Role › Trust"


def test_a_subtree_limits_the_codes(study, tiny, owner_client):
    x, y, z = tiny["codes"]
    html = owner_client.get(url(study, code=x.pk)).content.decode()
    assert f'data-code="{y.pk}"' in html
    assert f'data-code="{z.pk}"' not in html


def test_the_scope_filters_transcripts(study, tiny, owner_client):
    x = tiny["codes"][0]
    g1 = tiny["groups"][0]
    html = owner_client.get(url(study, group=g1.pk)).content.decode()
    exp = expected(tiny, x, [tiny["t"][0]])
    assert cell(html, x.pk, "alpha") == pytest.approx(float(exp["alpha"]))
    assert "group: Peer workers" in html


def test_sorting_by_alpha_puts_undefined_last(study, tiny, owner_client):
    html = owner_client.get(url(study, sort="alpha")).content.decode()
    order = [int(v) for v in re.findall(r'<tr class="[^"]*" data-code="(\d+)">', html)]
    assert order[-1] == tiny["codes"][2].pk


def test_the_per_transcript_table_links_to_the_side_by_side_review(study, tiny, owner_client):
    x = tiny["codes"][0]
    t1, t2, t3 = tiny["t"]
    html = owner_client.get(url(study, focus=x.pk)).content.decode()
    exp = expected(tiny, x, [t1])
    row = re.search(rf'data-transcript="{t1.pk}">(.*?)</tr>', html, re.S).group(1)
    value = re.search(r'data-metric="alpha" data-value="([^"]*)"', row).group(1)
    assert float(value) == pytest.approx(float(exp["alpha"]))
    review = reverse("coding:disagreements", args=[study.pk, t1.pk, x.pk])
    assert review in html
    row3 = re.search(rf'data-transcript="{t3.pk}">(.*?)</tr>', html, re.S).group(1)
    assert "Not compared" in row3


def test_the_breakdown_by_group_pools_each_group(study, tiny, owner_client):
    x = tiny["codes"][0]
    t1, t2, _ = tiny["t"]
    html = owner_client.get(url(study, by="group")).content.decode()
    values = re.findall(
        rf'data-code="{x.pk}" data-column="(\d)" data-metric="alpha" data-value="([^"]*)"', html
    )
    got = {int(c): (float(v) if v else None) for c, v in values}
    # Columns in group order: Peer workers (A), Service users (B and C; erin missing on C).
    assert got[0] == pytest.approx(float(expected(tiny, x, [t1])["alpha"]))
    exp_b = expected(tiny, x, [t2])["alpha"]
    assert got[1] == (None if exp_b is None else pytest.approx(float(exp_b)))


def test_expert_measures_show_behind_the_toggle(study, tiny, owner_client):
    plain = owner_client.get(url(study)).content.decode()
    assert 'data-metric="alpha_u"' not in plain
    html = owner_client.get(url(study, expert=1)).content.decode()
    assert 'data-metric="alpha_u"' in html
    assert "overlap ≥ 0.9" in html
    assert 'href="#def-alpha-u"' in html and 'id="def-alpha-u"' in html


def test_identical_coding_gives_alpha_u_of_one(study, owner, coder, coder2, owner_client):
    t = factories.make_transcript(study, text=TEXT_A)
    c = factories.make_code(study, name="Same")
    for user in (coder, coder2):
        factories.make_segment(t, c, factories.make_layer(study, user), 10, 30)
    html = owner_client.get(url(study, expert=1)).content.decode()
    assert cell(html, c.pk, "alpha_u") == 1.0
    assert cell(html, c.pk, "alpha") == 1.0


def test_the_coder_drift_view_compares_each_coder_with_consensus(study, tiny, owner_client):
    t1, t2, _ = tiny["t"]
    x = tiny["codes"][0]
    consensus = factories.make_layer(study)
    factories.make_segment(t1, x, consensus, 30, 60)
    factories.make_segment(t2, x, consensus, 40, 55)
    html = owner_client.get(url(study, by="drift")).content.decode()
    assert "Coder drift" in html
    assert 'data-layer="bob"' in html and 'data-layer="erin"' in html


def test_drift_rests_only_on_what_consensus_has_settled(study, tiny, owner_client):
    """Consensus settled Role on A (a segment) and Trust on B ('Neither'): drift compares
    each coder with consensus on those (transcript, code) pairs only, not on every code of
    every transcript (where consensus 'coded nothing' only because nobody settled it), and
    only where every passage the coders marked has been settled."""
    from coding.models import ConsensusDecision, Decision

    t1, t2, _ = tiny["t"]
    x, y, _ = tiny["codes"]
    consensus = factories.make_layer(study)
    factories.make_segment(t1, x, consensus, 30, 60)
    ConsensusDecision.objects.create(
        study=study, transcript=t2, code=y, start=31, end=45, action=Decision.REJECT
    )
    # Trust on A is only partly settled (bob's unit 0-10 yes, erin's 20-25 not yet): left
    # out, or consensus would "disagree" with both coders wherever the PI has not looked.
    bob, erin = tiny["layers"]
    factories.make_segment(t1, y, erin, 20, 25)
    factories.make_segment(t1, y, consensus, 0, 10)
    html = owner_client.get(url(study, by="drift")).content.decode()
    bob, erin = tiny["layers"]
    found = re.findall(r'data-layer="bob" data-metric="alpha" data-value="([^"]*)"', html)
    values = [float(v) for v in found if v]
    # bob coded A before B: A (Role settled) falls in an earlier batch than B (Trust).
    exp_a = oracle([(t1.length, _own(tiny, t1, x, bob), [(30, 60)])])
    exp_b = oracle([(t2.length, _own(tiny, t2, y, bob), [])])
    assert values == [pytest.approx(float(exp_a["alpha"])), pytest.approx(float(exp_b["alpha"]))]
    assert "rests on 2 transcripts" in html
    assert "2 transcript × code pairs" in html
    assert "1 partly settled pair" in html
    # erin: A as for bob; on B she agrees with consensus that Trust is absent (no variation,
    # alpha undefined); she is missing on C.
    found = re.findall(r'data-layer="erin" data-metric="alpha" data-value="([^"]*)"', html)
    exp_e = oracle([(t1.length, _own(tiny, t1, x, erin), [(30, 60)])])
    assert [float(v) for v in found if v][0] == pytest.approx(float(exp_e["alpha"]))


def _own(tiny, t, c, layer):
    """A code's own spans (drift compares each code's own coding, no rollup)."""
    return tiny["spans"].get((t, c, layer), [])


def test_a_study_with_fewer_than_two_layers_explains_what_is_missing(study, owner, owner_client):
    html = owner_client.get(url(study)).content.decode()
    assert "No comparison yet" in html


# --- who may read it ------------------------------------------------------------------


def test_the_owner_reads_the_report(study, tiny, owner_client):
    assert owner_client.get(url(study)).status_code == 200


def test_a_coder_reads_it_when_shared_and_not_blind(study, tiny, coder_client):
    study.share_agreement_with_coders = True
    study.save()
    assert coder_client.get(url(study)).status_code == 200


def test_a_coder_cannot_read_it_when_not_shared(study, tiny, coder_client):
    assert coder_client.get(url(study)).status_code == 403


def test_a_coder_cannot_read_it_while_blind_coding_even_if_shared(study, tiny, coder_client):
    study.share_agreement_with_coders = True
    study.blind_coding = True
    study.save()
    assert coder_client.get(url(study)).status_code == 403
    export = reverse("coding:agreement_export", args=[study.pk]) + "?format=csv"
    assert coder_client.get(export).status_code == 403
    t1, x = tiny["t"][0], tiny["codes"][0]
    review = reverse("coding:disagreements", args=[study.pk, t1.pk, x.pk])
    assert coder_client.get(review).status_code == 403


def test_a_viewer_reads_it_without_sharing_and_while_blind_coding(study, tiny, viewer_client):
    # Viewers read reports and code nothing: neither sharing nor blind coding concerns them.
    assert viewer_client.get(url(study)).status_code == 200
    study.blind_coding = True
    study.save()
    assert viewer_client.get(url(study)).status_code == 200


def test_a_viewer_cannot_settle_disagreements(study, tiny, viewer_client):
    response = viewer_client.post(reverse("coding:consensus_copy_agreed", args=[study.pk]), {})
    assert response.status_code == 403


def test_an_outsider_gets_404(study, tiny, outsider_client):
    assert outsider_client.get(url(study)).status_code == 404


def test_the_agreement_tab_shows_only_to_readers(study, tiny, owner_client, coder_client):
    dashboard = reverse("studies:study_dashboard", args=[study.pk])
    assert url(study) in owner_client.get(dashboard).content.decode()
    assert url(study) not in coder_client.get(dashboard).content.decode()


def test_it_rejects_a_single_layer(study, tiny, owner_client):
    html = owner_client.get(url(study, layers="bob")).content.decode()
    assert "Choose two or more layers" in html


@pytest.mark.parametrize("n", [1, 4])
def test_its_query_count_does_not_grow_with_the_study(
    study, owner, coder, coder2, owner_client, n, django_assert_max_num_queries
):
    codes = [factories.make_code(study, name=f"C{i}") for i in range(n)]
    for i in range(n * 2):
        t = factories.make_transcript(study, text=TEXT_A)
        for user in (coder, coder2):
            layer = factories.make_layer(study, user)
            for c in codes:
                factories.make_segment(t, c, layer, 30 + i, 50 + i)
    # session, user, membership+study, layers, codebook, form choices (groups, waves,
    # participants, transcripts, recorded sampler draws), attribute definitions, transcripts
    # in scope, layers present (segments, assignments), segments, codebook periods and the
    # compared segments per period ("coded under"): 17, whatever the size (the rollup and
    # the summary reuse them).
    with django_assert_max_num_queries(17):
        assert owner_client.get(url(study)).status_code == 200
    with django_assert_max_num_queries(17):
        assert owner_client.get(url(study, expert=1, by="design")).status_code == 200


# --- readable and citable (issue 8, defect 9) ----------------------------------------


def test_a_parent_row_rolls_up_its_subcodes_merged_per_layer(study, owner, coder, coder2):
    from coding.agreement import report as ar
    from studies.access import study_access

    t1 = factories.make_transcript(study, title="A", text=TEXT_A)
    t2 = factories.make_transcript(study, title="B", text=TEXT_B)
    parent = factories.make_code(study, name="Stigma")
    kids = [factories.make_code(study, name=n, parent=parent) for n in ("Self", "Public")]
    bob, erin = factories.make_layer(study, coder), factories.make_layer(study, coder2)
    spans = {
        (t1, kids[0], bob): [(0, 20)],
        (t1, kids[1], bob): [(15, 40)],  # overlaps Self: merged per layer, not counted twice
        (t1, kids[0], erin): [(5, 30)],
        (t2, kids[1], erin): [(10, 50)],
        (t2, kids[0], bob): [(12, 44)],
    }
    for (t, c, layer), ss in spans.items():
        for s, e in ss:
            factories.make_segment(t, c, layer, s, e)
    access = study_access(owner, study)
    report = ar.agreement_report(access, ar.ReportParams(layers=[bob, erin]))
    row = next(r for r in report.rows if r.node.pk == parent.pk)

    def union(t, layer):
        return [s for k in kids for s in spans.get((t, k, layer), [])]

    exp = oracle([(t.length, union(t, bob), union(t, erin)) for t in (t1, t2)])
    assert row.status != "unused"
    assert row.segments == [3, 2]
    assert row.both == exp["n11"] and row.neither == exp["n00"]
    assert row.alpha.value == pytest.approx(float(exp["alpha"]))
    assert row.cohen_kappa.value == pytest.approx(float(exp["kappa"]))
    assert row.is_parent


def test_the_page_says_a_parent_includes_its_subcodes(study, tiny, owner_client):
    html = owner_client.get(url(study)).content.decode()
    role = tiny["codes"][0]
    row = re.search(rf'<tr class="[^"]*" data-code="{role.pk}">(.*?)</tr>', html, re.S).group(1)
    assert "with 1 subcode" in row


@pytest.mark.parametrize(
    ("value", "text"),
    [(-0.0001, "0.00"), (-0.004, "0.00"), (0.8234, "0.82"), (-0.126, "-0.13"), (1.0, "1.00")],
)
def test_coefficients_print_as_a_paper_prints_them(value, text):
    from django.utils import translation

    from coding.agreement.rows import Metric

    with translation.override("en"):  # "undefined" is a word of the interface language
        assert Metric(value).text == text
        assert Metric(None, "no variation").text == "undefined"
        assert Metric(0.92345).pct == "92.3%"


def test_counts_have_thousands_separators(study, owner, coder, coder2, owner_client):
    text = "Interviewer: Go on.\nP01: " + "word " * 600 + "\n"
    t = factories.make_transcript(study, text=text)
    c = factories.make_code(study, name="Long")
    bob, erin = factories.make_layer(study, coder), factories.make_layer(study, coder2)
    factories.make_segment(t, c, bob, 10, 2010)
    factories.make_segment(t, c, erin, 20, 1500)
    html = owner_client.get(url(study)).content.decode()
    row = re.search(rf'<tr class="[^"]*" data-code="{c.pk}">(.*?)</tr>', html, re.S).group(1)
    assert 'data-metric="coded">2,000<' in row and 'data-metric="coded">1,480<' in row


def test_low_prevalence_is_labelled_with_the_share_of_characters(
    study, owner, coder, coder2, owner_client
):
    text = "Interviewer: Tell me.\nP01: " + "Long answer here. " * 300 + "\n"
    c = factories.make_code(study, name="Tiny share")
    bob, erin = factories.make_layer(study, coder), factories.make_layer(study, coder2)
    for i in range(4):
        t = factories.make_transcript(study, title=f"T{i}", text=text)
        factories.make_segment(t, c, bob, 100, 110)
        factories.make_segment(t, c, erin, 200, 215)
    html = owner_client.get(url(study)).content.decode()
    row = re.search(rf'<tr class="[^"]*" data-code="{c.pk}">(.*?)</tr>', html, re.S).group(1)
    assert "Rare code" not in html
    assert re.search(r"Low prevalence: 0\.\d% of characters coded; κ unstable", row)


def test_the_report_opens_with_a_methods_summary_to_copy(study, tiny, owner_client):
    from django.utils import timezone

    html = owner_client.get(url(study, layers=["bob", "erin"])).content.decode()
    summary = re.search(r'<p id="methods-summary"[^>]*>(.*?)</p>', html, re.S)
    assert summary, "no summary paragraph"
    text = html_lib.unescape(re.sub(r"<[^>]+>", "", summary.group(1)))
    assert "2 transcripts" in text and "double-coded" in text  # A and B; erin missing on C
    assert "unit of analysis" in text and "character" in text
    assert "bob and erin" in text
    assert re.search(r"Krippendorff's α = -?\d\.\d\d", text)
    assert re.search(r"Cohen's κ = -?\d\.\d\d", text)
    assert timezone.localdate().isoformat() in text
    # The headline pools every used code's own spans over the compared transcripts.
    bob, erin = tiny["layers"]
    t1, t2, _ = tiny["t"]
    x, y, _ = tiny["codes"]
    exp = oracle(
        [
            (t.length, _own(tiny, t, c, bob), _own(tiny, t, c, erin))
            for t in (t1, t2)
            for c in (x, y)
        ]
    )
    assert f"Krippendorff's α = {float(exp['alpha']):.2f}" in text
    assert f"N = {2 * (t1.length + t2.length):,}" in text
    assert 'data-copy="methods-summary"' in html
    assert html.index("methods-summary") < html.index('id="codes"')


def test_members_roles_are_as_in_conftest(study, owner, coder, viewer):
    roles = dict(study.memberships.values_list("user__username", "role"))
    assert roles == {"alice": Role.OWNER, "bob": Role.CODER, "carol": Role.VIEWER}


def test_code_and_sort_links_build_a_well_formed_query_and_land_on_the_section(
    study, tiny, owner_client
):
    x = tiny["codes"][0]
    bare = reverse("coding:agreement_report", args=[study.pk])
    html = owner_client.get(bare).content.decode()
    assert f'href="?focus={x.pk}#focus"' in html
    assert 'href="?sort=code"' in html and 'href="?sort=alpha"' in html
    assert "?&amp;" not in html and "?&" not in html
    html = owner_client.get(url(study, sort="alpha")).content.decode()
    assert "&amp;&amp;" not in html and "?&amp;" not in html
    assert re.search(rf'href="\?[^"]*sort=alpha&amp;focus={x.pk}#focus"', html)
    assert 'sort=-alpha"' in html
    focused = owner_client.get(url(study, focus=x.pk)).content.decode()
    assert '<h2 id="focus" tabindex="-1">' in focused


def _columns(row_html: str) -> int:
    """The columns a table row spans (each cell's colspan, 1 without one)."""
    cells = re.findall(r"<t[hd]\b([^>]*)>", row_html)
    return sum(int(m.group(1)) if (m := re.search(r'colspan="(\d+)"', c)) else 1 for c in cells)


@pytest.mark.parametrize("two", [True, False])
def test_a_not_compared_row_spans_the_whole_per_transcript_table(
    study, tiny, owner, owner_client, two
):
    """With two layers the table has a κ column; the "Not compared" row must still span every
    column, so the rows below do not look shifted by one."""
    if not two:
        third = factories.make_user(username="third")
        factories.add_member(study, third, Role.CODER)
        layer = factories.make_layer(study, third)
        t1 = tiny["t"][0]
        factories.make_segment(t1, tiny["codes"][0], layer, 0, 3)
    layers = ["bob", "erin"] if two else ["bob", "erin", "third"]
    html = owner_client.get(url(study, focus=tiny["codes"][0].pk, layers=layers)).content.decode()
    table = re.search(r'<section aria-labelledby="focus">.*?</table>', html, re.S).group(0)
    header = re.search(r"<thead>(.*?)</thead>", table, re.S).group(1)
    assert ("κ</th>" in header) is two
    rows = re.findall(r"<tr [^>]*data-transcript=[^>]*>(.*?)</tr>", table, re.S)
    assert any("Not compared" in r for r in rows)
    assert {_columns(r) for r in rows} == {_columns(header)}
