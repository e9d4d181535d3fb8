"""Auto-coding a search (POST /api/v1/studies/{id}/autocode and the Search page): stored
segments in code points against an independent scan and extension, duplicates, merges, one
audit event, undo of exactly the batch, refusals and query counts."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coding.models import AuditEvent, Layer, LayerKind, Segment
from tests import factories

TEXTS = [
    "Interviewer: Your family?\nP01: My family helps. 朋輩支援 family 𠮷 family.\n"
    "and more family talk! Then nothing.",
    "Interviewer: 朋辈？\nP01: 𠮷𠮷朋輩都係family。佢哋好好！family",
    "Interviewer: Family first?\nP02: No family here, 朋輩 only.",
]


@pytest.fixture
def data(study, owner, coder, coder2, viewer):
    g = factories.make_group(study, name="Peer workers")
    w = factories.make_wave(study, name="T1")
    p1 = factories.make_participant(study, pseudonym="P01", group=g)
    p2 = factories.make_participant(study, pseudonym="P02", group=g)
    made = [
        factories.make_transcript(study, participant=p, wave=w, text=text, title=f"T{i}")
        for i, (p, text) in enumerate(zip([p1, p1, p2], TEXTS, strict=True))
    ]
    code = factories.make_code(study, name="Family")
    return {"transcripts": made, "code": code}


# --- the independent computation -------------------------------------------------------


def participant_bodies(text, pseudonym):
    """(start, end) of each of the participant's turns, the label excluded; a turn runs
    over the unlabelled lines that follow it."""
    bodies, pos, current = [], 0, None
    for line in text.split("\n"):
        m = re.match(r"([^:：\s][^:：]*)[:：] ?", line)
        if m:
            current = m.group(1) == pseudonym
            if current:
                bodies.append([pos + m.end(), pos + len(line)])
        elif current:
            bodies[-1][1] = pos + len(line)
        pos += len(line) + 1
    return [tuple(b) for b in bodies]


def sentence_of(text, lo, hi, start, end):
    """The sentence(s) of text[lo:hi] holding [start, end): sentences end after 。！？ or
    after .!? followed by white space or the end, and are stripped of white space."""
    cuts = [lo]
    for i in range(lo, hi):
        ch = text[i]
        if ch in "。！？" or (ch in ".!?" and (i + 1 == hi or text[i + 1].isspace())):
            cuts.append(i + 1)
    cuts.append(hi)
    s_lo, s_hi = start, end
    for a, b in zip(cuts, cuts[1:], strict=False):
        piece = text[a:b]
        a2 = a + (len(piece) - len(piece.lstrip()))
        b2 = b - (len(piece) - len(piece.rstrip()))
        if a2 < end and b2 > start:
            s_lo, s_hi = min(s_lo, a2), max(s_hi, b2)
    return s_lo, s_hi


def expected_spans(transcripts, term, rule, chars=0):
    out = set()
    for t in transcripts:
        spans = []
        for lo, hi in participant_bodies(t.text, t.participant.pseudonym):
            for m in re.finditer(re.escape(term), t.text[lo:hi], re.IGNORECASE):
                s, e = lo + m.start(), lo + m.end()
                if rule == "sentence":
                    s, e = sentence_of(t.text, lo, hi, s, e)
                elif rule == "turn":
                    s, e = lo, hi
                elif rule == "chars":
                    s, e = max(lo, s - chars), min(hi, e + chars)
                    while t.text[s].isspace():
                        s += 1
                    while t.text[e - 1].isspace():
                        e -= 1
                spans.append((s, e))
        merged = []
        for s, e in sorted(spans):
            if merged and s < merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        out |= {(t.pk, s, e) for s, e in merged}
    return out


def post(client, study, code, *, preview, extend="sentence", chars=0, layer=None, q="family"):
    body = {
        "search": {"q": q, "speech": "participant"},
        "code_id": code.pk,
        "extend": extend,
        "chars": chars,
        "preview": preview,
    }
    if layer:
        body["layer"] = layer
    return client.post(
        reverse("api:study_autocode", args=[study.pk]), body, content_type="application/json"
    )


def stored(layer_user, code):
    return set(
        Segment.objects.filter(layer__user=layer_user, code=code).values_list(
            "transcript_id", "start", "end"
        )
    )


# --- what is stored ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extend", "chars"), [("match", 0), ("sentence", 0), ("turn", 0), ("chars", 5)]
)
def test_stored_spans_match_an_independent_scan(coder_client, coder, study, data, extend, chars):
    code = data["code"]
    expected = expected_spans(data["transcripts"], "family", extend, chars)
    preview = post(coder_client, study, code, preview=True, extend=extend, chars=chars).json()
    assert preview["count"] == len(expected)
    assert {(s["transcript_id"], s["start"], s["end"]) for s in preview["spans"]} == expected
    assert not Segment.objects.exists()  # a preview writes nothing
    response = post(coder_client, study, code, preview=False, extend=extend, chars=chars)
    assert response.status_code == 201, response.content
    assert stored(coder, code) == expected
    texts = {t.pk: t.text for t in data["transcripts"]}
    for seg in Segment.objects.all():
        assert seg.quote == texts[seg.transcript_id][seg.start : seg.end]


def test_sentence_in_chinese_and_astral_text(coder_client, coder, study, data):
    code = data["code"]
    post(coder_client, study, code, preview=False, extend="sentence")
    t = data["transcripts"][1]
    quotes = set(Segment.objects.filter(transcript=t).values_list("quote", flat=True))
    assert quotes == {"𠮷𠮷朋輩都係family。", "family"}
    seg = Segment.objects.get(transcript=t, quote="𠮷𠮷朋輩都係family。")
    assert seg.start == t.text.index("𠮷")  # code points, not UTF-16 units
    t0 = data["transcripts"][0]
    # two hits in one sentence are one segment
    assert Segment.objects.filter(transcript=t0, quote="朋輩支援 family 𠮷 family.").count() == 1


def test_duplicates_shown_and_skipped_and_one_audit_event(coder_client, coder, study, data):
    code = data["code"]
    t0 = data["transcripts"][0]
    layer = factories.make_layer(study, coder)
    start = t0.text.index("My family helps.")
    factories.make_segment(t0, code, layer, start, start + len("My family helps."))
    other_start = t0.text.index("朋輩支援")
    factories.make_segment(t0, code, layer, other_start, other_start + 4)  # overlaps a span
    expected = expected_spans(data["transcripts"], "family", "sentence")
    body = post(coder_client, study, code, preview=True).json()
    assert body["duplicates"] == 1
    assert body["count"] == len(expected) - 1
    assert body["overlapping"] == 1
    dup = [s for s in body["spans"] if s["duplicate"]]
    assert [(d["start"], d["quote"]) for d in dup] == [(start, "My family helps.")]
    before = AuditEvent.objects.count()
    created = post(coder_client, study, code, preview=False).json()
    assert created["count"] == len(expected) - 1 == len(created["ids"])
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("pk")
    assert event.action == "segment.autocode" and event.pk == created["batch_id"]
    assert Segment.objects.filter(code=code).count() == len(expected) + 1


def test_undo_removes_exactly_the_batch(coder_client, coder, study, data):
    code = data["code"]
    other = factories.make_code(study, name="Other")
    created = post(coder_client, study, code, preview=False).json()
    t2 = data["transcripts"][2]
    layer = Layer.objects.get(kind=LayerKind.CODER, user=coder)
    by_hand = factories.make_segment(t2, other, layer, 0, 5)
    url = reverse("api:study_autocode_undo", args=[study.pk, created["batch_id"]])
    response = coder_client.delete(url)
    assert response.status_code == 200
    assert response.json()["removed"] == created["count"]
    assert list(Segment.objects.values_list("pk", flat=True)) == [by_hand.pk]
    assert AuditEvent.objects.latest("pk").action == "segment.autocode_undo"
    again = coder_client.delete(url)  # a stale batch
    assert again.status_code == 409
    assert Segment.objects.count() == 1


def test_refusals(client, coder_client, viewer_client, outsider_client, owner_client, study, data):
    code = data["code"]
    assert post(viewer_client, study, code, preview=True).status_code == 403
    assert post(outsider_client, study, code, preview=False).status_code == 404
    assert post(coder_client, study, code, preview=False, layer="consensus").status_code == 403
    assert post(coder_client, study, code, preview=False, layer="erin").status_code == 403
    category = factories.make_code(study, name="Cat", is_codable=False)
    archived = factories.make_code(study, name="Old", archived=True)
    for bad in (category, archived):
        response = post(coder_client, study, bad, preview=False)
        assert response.status_code == 400, response.content
    assert not Segment.objects.exists()
    # another member's batch is not yours to undo
    created = post(coder_client, study, code, preview=False).json()
    url = reverse("api:study_autocode_undo", args=[study.pk, created["batch_id"]])
    assert owner_client.delete(url).status_code == 404
    assert viewer_client.delete(url).status_code == 403
    assert outsider_client.delete(url).status_code == 404
    assert Segment.objects.count() == created["count"]
    # owners may auto-code into the consensus layer
    response = post(owner_client, study, code, preview=False, layer="consensus")
    assert response.status_code == 201
    assert Segment.objects.filter(layer__kind=LayerKind.CONSENSUS).count() == created["count"]


def test_batch_cap(coder_client, study, data, monkeypatch):
    from coding.search import autocode

    monkeypatch.setattr(autocode, "MAX_BATCH", 2)
    response = post(coder_client, study, data["code"], preview=False, extend="match")
    assert response.status_code == 400
    assert "at most 2" in response.json()["detail"]
    assert not Segment.objects.exists()


def test_preview_queries_constant_in_transcripts(coder_client, study, data):
    code = data["code"]
    p = data["transcripts"][0].participant

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert post(coder_client, study, code, preview=True).status_code == 200
        return len(ctx.captured_queries)

    post(coder_client, study, code, preview=True)  # the layer is created on first use
    few = count()
    for i in range(6):
        factories.make_transcript(study, participant=p, text=f"P01: family {i}. More.")
    assert count() == few


# --- the Search page ---------------------------------------------------------------------


def test_search_page_preview_create_and_undo(coder_client, coder, study, data):
    code = data["code"]
    search = reverse("coding:search", args=[study.pk])
    page = coder_client.get(search, {"q": "family", "speech": "participant"}).content.decode()
    assert 'id="autocode"' in page and "Family" in page
    form = {"q": "family", "speech": "participant", "code": code.pk, "extend": "sentence"}
    url = reverse("coding:autocode", args=[study.pk])
    expected = expected_spans(data["transcripts"], "family", "sentence")
    preview = coder_client.post(url, form)
    assert preview.status_code == 200
    assert f"{len(expected)} highlights to create" in preview.content.decode()
    assert not Segment.objects.exists()
    created = coder_client.post(url, {**form, "confirm": "1"})
    assert created.status_code == 302
    assert stored(coder, code) == expected
    batch = AuditEvent.objects.get(action="segment.autocode")
    assert f"batch={batch.pk}" in created["Location"]
    toast = coder_client.get(created["Location"]).content.decode()
    assert "Undo the batch" in toast
    undo = coder_client.post(reverse("coding:autocode_undo", args=[study.pk, batch.pk]))
    assert undo.status_code == 302
    assert not Segment.objects.exists()
    assert "Undo the batch" not in coder_client.get(created["Location"]).content.decode()


def test_search_page_refusals(viewer_client, coder_client, study, data):
    url = reverse("coding:autocode", args=[study.pk])
    form = {"q": "family", "code": data["code"].pk, "confirm": "1"}
    assert viewer_client.post(url, form).status_code == 403
    page = viewer_client.get(reverse("coding:search", args=[study.pk]), {"q": "family"})
    assert 'id="autocode"' not in page.content.decode()
    category = factories.make_code(study, name="Cat", is_codable=False)
    refused = coder_client.post(url, {**form, "code": category.pk})
    assert refused.status_code == 400 and "category" in refused.content.decode()
    assert not Segment.objects.exists()


def test_every_turn_of_a_speaker_without_a_query(coder_client, coder, study, data):
    code = data["code"]
    response = post(coder_client, study, code, preview=False, extend="match", q="")
    assert response.status_code == 201, response.content
    expected = set()
    for t in data["transcripts"]:
        for lo, hi in participant_bodies(t.text, t.participant.pseudonym):
            expected.add((t.pk, lo, hi))
    assert stored(coder, code) == expected
    interviewer = {
        "search": {"speaker": "Interviewer"},
        "code_id": code.pk,
        "extend": "turn",
        "preview": True,
    }
    url = reverse("api:study_autocode", args=[study.pk])
    spans = coder_client.post(url, interviewer, content_type="application/json").json()["spans"]
    assert {s["quote"] for s in spans} == {"Your family?", "朋辈？", "Family first?"}
    nothing = {**interviewer, "search": {}}
    assert coder_client.post(url, nothing, content_type="application/json").status_code == 400


def test_the_code_list_shows_paths_and_leaves_categories_out(coder_client, study, data):
    category = factories.make_code(study, name="Stigma", is_codable=False)
    self_stigma = factories.make_code(study, name="Self-stigma", parent=category)
    page = coder_client.get(reverse("coding:search", args=[study.pk]), {"q": "family"}).text
    select = re.search(r'<select (?:translate="no" )?id="ac-code".*?</select>', page, re.S).group(0)
    options = re.findall(r'<option value="(\d+)">([^<]+)</option>', select)
    assert (str(self_stigma.pk), "Stigma › Self-stigma") in options
    assert str(category.pk) not in {pk for pk, _ in options}
    # Posted anyway, the category is refused with a reason.
    url = reverse("coding:autocode", args=[study.pk])
    refused = coder_client.post(url, {"q": "family", "code": category.pk})
    assert refused.status_code == 400
    assert "“Stigma” is a category" in refused.text
    assert not Segment.objects.exists()


def test_the_preview_quotes_a_phrase_once_and_says_duplicates_are_skipped(
    coder_client, coder, study, data
):
    url = reverse("coding:autocode", args=[study.pk])
    form = {"q": '"family"', "code": data["code"].pk, "extend": "match"}
    assert coder_client.post(url, {**form, "confirm": "1"}).status_code == 302
    html = coder_client.post(url, form).text
    assert "<q>&quot;family&quot;</q>" not in html  # <q> would quote the phrase twice
    assert 'Auto-code the hits of <span translate="no">&quot;family&quot;</span>' in html
    assert "already coded so, skipped" not in html
    n = Segment.objects.count()
    assert re.search(rf"{n} already coded with this code: skipped", html), html
