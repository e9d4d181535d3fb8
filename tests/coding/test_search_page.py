"""The Search page and GET /api/v1/studies/{id}/search: counts against an independent scan,
shape, pagination, access, blind coding and query counts."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coding.models import Memo
from coding.search import page as search_page
from tests import factories

CANARY = "zqsearchcanary"


def build(study, n_extra=0):
    g1 = factories.make_group(study, name="Peer workers")
    g2 = factories.make_group(study, name="Service users")
    t1 = factories.make_wave(study, name="T1")
    t2 = factories.make_wave(study, name="T2")
    p1 = factories.make_participant(
        study, pseudonym="P01", group=g1, attributes={"gender": "female"}
    )
    p2 = factories.make_participant(study, pseudonym="P02", group=g2, attributes={"gender": "male"})
    texts = {
        (p1, t1): "Interviewer: Your family?\nP01: My family helps. 朋輩支援 family 𠮷 family.",
        (p1, t2): "Interviewer: 朋辈？\nP01: 朋輩 are like family.",
        (p2, t1): "Interviewer: Family first?\nP02: No family here, 朋輩 only.",
        (p2, t2): "Interviewer: Anything else?\nP02: Nothing.",
    }
    made = []
    for (p, w), text in texts.items():
        made.append(factories.make_transcript(study, participant=p, wave=w, text=text))
    for i in range(n_extra):
        made.append(
            factories.make_transcript(
                study, participant=p2, wave=t2, text=f"extra {i}: family family"
            )
        )
    return {"groups": (g1, g2), "waves": (t1, t2), "participants": (p1, p2), "transcripts": made}


def scan(study, term, *, participant_only=False):
    """Independent count: case-insensitive occurrences per transcript, optionally only in
    lines labelled with the participant's pseudonym."""
    found = {}
    for t in study.transcripts.select_related("participant"):
        lines = t.text.split("\n")
        if participant_only:
            lines = [
                ln.split(": ", 1)[1]
                for ln in lines
                if ln.startswith(t.participant.pseudonym + ": ")
            ]
        found[t.pk] = sum(len(re.findall(re.escape(term), ln, re.IGNORECASE)) for ln in lines)
    return found


def api(study_id, **params):
    return reverse("api:study_search", args=[study_id]), params


@pytest.fixture
def data(study, owner, coder, coder2, viewer):
    return build(study)


def test_api_hits_match_an_independent_scan(owner_client, study, data):
    url, params = api(study.pk, q="family")
    body = owner_client.get(url, params).json()
    expected = scan(study, "family")
    assert body["count"] == sum(expected.values()) == 7
    texts = {t.pk: t.text for t in study.transcripts.all()}
    per = {}
    for hit in body["hits"]:
        assert set(hit) == {
            "transcript_id",
            "start",
            "end",
            "before",
            "match",
            "after",
            "participant_id",
            "participant",
            "group_id",
            "group",
            "wave_id",
            "wave",
        }
        assert texts[hit["transcript_id"]][hit["start"] : hit["end"]] == hit["match"]
        assert hit["match"].lower() == "family"
        per[hit["transcript_id"]] = per.get(hit["transcript_id"], 0) + 1
    assert per == {k: v for k, v in expected.items() if v}


def test_api_variants_astral_and_participant_speech(owner_client, study, data):
    url, _ = api(study.pk)
    plain = owner_client.get(url, {"q": "朋輩"}).json()
    folded = owner_client.get(url, {"q": "朋辈", "variants": "1"}).json()
    assert plain["count"] == sum(scan(study, "朋輩").values()) == 3
    assert folded["count"] == 4
    astral = owner_client.get(url, {"q": "𠮷 family", "mode": "any"}).json()
    texts = {t.pk: t.text for t in study.transcripts.all()}
    assert all(
        texts[h["transcript_id"]][h["start"] : h["end"]] == h["match"] for h in astral["hits"]
    )
    assert "𠮷" in [h["match"] for h in astral["hits"]]
    own = owner_client.get(url, {"q": "family", "speech": "participant"}).json()
    assert own["count"] == sum(scan(study, "family", participant_only=True).values()) == 5


def test_api_filters_by_group_wave_and_attribute(owner_client, study, data):
    url, _ = api(study.pk)
    g1, _g2 = data["groups"]
    t1, _t2 = data["waves"]
    by_group = owner_client.get(url, {"q": "family", "group": g1.pk}).json()
    by_attr = owner_client.get(url, {"q": "family", "attribute:gender": "female"}).json()
    by_wave = owner_client.get(url, {"q": "family", "wave": t1.pk}).json()
    p1_ids = {t.pk for t in data["transcripts"] if t.participant_id == data["participants"][0].pk}
    assert (
        by_group["count"]
        == by_attr["count"]
        == sum(v for k, v in scan(study, "family").items() if k in p1_ids)
    )
    assert {h["transcript_id"] for h in by_attr["hits"]} <= p1_ids
    t1_ids = {t.pk for t in data["transcripts"] if t.wave_id == t1.pk}
    assert by_wave["count"] == sum(v for k, v in scan(study, "family").items() if k in t1_ids)


def test_api_paginates_every_hit_once(owner_client, study, data):
    url, _ = api(study.pk)
    seen, page = [], 1
    while True:
        body = owner_client.get(url, {"q": "family", "page_size": 3, "page": page}).json()
        seen += [(h["transcript_id"], h["start"]) for h in body["hits"]]
        if not body["next"]:
            break
        page += 1
    assert body["pages"] == 3 and len(seen) == len(set(seen)) == 7


@pytest.mark.parametrize("client_name", ["outsider_client"])
def test_outsiders_get_404_and_no_hits(request, study, data, client_name):
    client = request.getfixturevalue(client_name)
    url, _ = api(study.pk)
    response = client.get(url, {"q": "family"})
    assert response.status_code == 404 and "hits" not in response.json()
    page = client.get(reverse("coding:search", args=[study.pk]), {"q": "family"})
    # The language switcher sends the person back to this URL (its query included): no hit.
    body = page.content.replace(f'value="{page.request["PATH_INFO"]}?q=family"'.encode(), b"")
    assert page.status_code == 404 and b"family" not in body


def test_anonymous_is_refused(client, study, data):
    url, _ = api(study.pk)
    assert client.get(url, {"q": "family"}).status_code == 401
    assert client.get(reverse("coding:search", args=[study.pk]), {"q": "family"}).status_code == 302


def test_blind_coder_sees_hits_but_no_one_elses_memos(coder_client, study, data, coder2):
    study.blind_coding = True
    study.save(update_fields=["blind_coding"])
    Memo.objects.create(
        study=study,
        transcript=data["transcripts"][0],
        author=coder2,
        title=CANARY,
        body=f"{CANARY} family",
    )
    url, _ = api(study.pk)
    body = coder_client.get(url, {"q": "family"})
    page = coder_client.get(reverse("coding:search", args=[study.pk]), {"q": "family"})
    assert body.json()["count"] == 7
    assert CANARY not in body.content.decode() and CANARY not in page.content.decode()


def test_page_shows_counts_by_group_and_wave_and_links_to_the_hit(viewer_client, study, data):
    response = viewer_client.get(reverse("coding:search", args=[study.pk]), {"q": "family"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>7 hits</strong>" in html
    # Peer workers: T1 4 hits, T2 1 (5 in all); service users: T1 2, T2 0 (2).
    table = html[html.index('class="search-counts"') : html.index("</table>")]
    cells = re.findall(r"<td[^>]*>(\d+) <span", table)
    assert cells[:6] == ["4", "1", "5", "2", "0", "2"]
    first = study.transcripts.order_by("title", "pk").first()
    start = first.text.lower().index("family")
    assert f"/transcripts/{first.pk}/?at={start}-{start + 6}" in html
    assert "<mark>family</mark>" in html


def test_htmx_answers_the_results_only(viewer_client, study, data):
    response = viewer_client.get(
        reverse("coding:search", args=[study.pk]), {"q": "family"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "<html" not in html and 'id="search-results"' in html


def test_page_query_count_does_not_grow_with_transcripts(
    owner_client, study, owner, django_assert_num_queries
):
    build(study, n_extra=0)
    url = reverse("coding:search", args=[study.pk])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert (
                owner_client.get(url, {"q": "family", "attr": "gender=female"}).status_code == 200
            )
        return len(ctx.captured_queries)

    few = count()
    extra = study.participants.get(pseudonym="P02")
    for i in range(search_page.PAGE_SIZE + 5):
        factories.make_transcript(study, participant=extra, text=f"extra {i}: family")
    many = count()
    # session + user + membership, groups, waves, participants, transcript titles, the
    # attribute definitions, the transcripts holding the attribute themselves, the
    # transcripts searched, the texts, the auto-code form's codes; on PostgreSQL the index's
    # few candidates first (in a transaction with SET LOCAL: savepoint, set, select, release).
    if connection.vendor == "postgresql":
        assert few <= 12 + 3 and many <= few + 1
    else:
        assert many == few <= 12


@pytest.mark.parametrize(
    ("query", "expected"),
    [("strasse", 2), ("finance", 2), ("école", 2), ("winnie", 1), ("朋輩支援員", 1)],
)
def test_hits_do_not_depend_on_what_the_database_narrows(
    owner_client, study, data, query, expected
):
    """Case folding the database cannot do (ß → ss, the ligature ﬁ, É outside ASCII) must not
    lose a transcript on PostgreSQL, where the trigram index picks the candidates."""
    p = data["participants"][0]
    factories.make_transcript(study, participant=p, text="P01: Die Straße. ﬁnance. ÉCOLE. Winnie.")
    factories.make_transcript(study, participant=p, text="P01: STRASSE, FINANCE, école. 朋輩支援員")
    url, _ = api(study.pk)
    body = owner_client.get(url, {"q": query}).json()
    assert body["count"] == expected
    texts = dict(study.transcripts.values_list("pk", "text"))
    for hit in body["hits"]:
        assert texts[hit["transcript_id"]][hit["start"] : hit["end"]].casefold() == query.casefold()


def test_api_hits_name_their_participant_group_and_wave(owner_client, study, data):
    url, params = api(study.pk, q="family")
    body = owner_client.get(url, params).json()
    rows = {t.pk: t for t in study.transcripts.select_related("participant__group", "wave").all()}
    assert body["hits"]
    for hit in body["hits"]:
        t = rows[hit["transcript_id"]]
        assert (hit["participant_id"], hit["participant"]) == (
            t.participant_id,
            t.participant.pseudonym,
        )
        assert (hit["group_id"], hit["group"]) == (t.participant.group_id, t.participant.group.name)
        assert (hit["wave_id"], hit["wave"]) == (t.wave_id, t.wave.name)


def test_the_openapi_schema_declares_the_search_parameters():
    from django.test import Client

    schema = Client().get("/api/v1/openapi.json").json()
    op = next(
        ops["get"]
        for path, ops in schema["paths"].items()
        if path.endswith("/search") and "get" in ops
    )
    names = {p["name"] for p in op["parameters"]}
    wanted = {"q", "page", "page_size", "case", "variants", "word", "mode", "speaker", "speech"}
    wanted |= {"group", "wave", "participant", "transcript"}
    assert wanted <= names, wanted - names
    hit = schema["components"]["schemas"]["SearchHitOut"]["properties"]
    assert {"participant", "group", "wave", "participant_id", "group_id", "wave_id"} <= set(hit)


def test_the_filters_keep_their_choices_and_escape_names(owner_client, study, data):
    p1 = data["participants"][0]
    odd = factories.make_transcript(study, title="<b>Odd</b> & co", participant=p1, text="A: x")
    url = reverse("coding:search", args=[study.pk])
    html = owner_client.get(
        url, {"q": "family", "transcript": odd.pk, "participant": p1.pk, "attr": "gender=female"}
    ).content.decode()
    assert f'<option value="{odd.pk}" selected>&lt;b&gt;Odd&lt;/b&gt; &amp; co</option>' in html
    assert f'<option value="{p1.pk}" selected>P01</option>' in html
    assert '<option value="gender=female" selected>gender: female</option>' in html
    assert '<option value="gender=male">gender: male</option>' in html
    assert "<b>Odd</b>" not in html
