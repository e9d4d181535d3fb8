"""Blind coding: a coder sees of other people's work only the shared codebook and the PI's
study-level memos. Every channel is asked as bob (a blind coder) for canary strings that
stand in erin's memos, segment memos and proposed codes and in the PI's framework summary
and transcript memo; bob's own material must be there.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from django.urls import reverse
from lxml import etree

from coding.exchange.export import CODEBOOK_NS, PROJECT_NS
from coding.models import Memo
from tests import factories

CANARY = "CANARY"
NS = {"q": PROJECT_NS}
SAFE = etree.XMLParser(resolve_entities=False, no_network=True)


@pytest.fixture
def world(study, owner, coder, coder2):
    study.blind_coding = True
    study.coders_may_create_codes = True
    study.save()
    wave = factories.make_wave(study, name="T1")
    group = factories.make_group(study, name="Peer workers")
    participant = factories.make_participant(study, pseudonym="P01", group=group)
    transcript = factories.make_transcript(
        study, title="P01 T1", participant=participant, wave=wave
    )
    hope = factories.make_code(study, name="Hope")
    # Codes created by coders are proposals until an owner adopts them.
    erin_code = factories.make_code(
        study, name="CANARY erin proposal", proposed=True, created_by=coder2
    )
    factories.make_code(study, name="CANARY under erin proposal", parent=erin_code)
    bob_code = factories.make_code(study, name="Bob-own-proposal", proposed=True, created_by=coder)
    bob = factories.make_layer(study, coder)
    erin = factories.make_layer(study, coder2)
    consensus = factories.make_layer(study)
    bob_seg = factories.make_segment(
        transcript, hope, bob, 0, 11, memo="Bob-own-segment-note", created_by=coder
    )
    erin_seg = factories.make_segment(
        transcript, hope, erin, 13, 40, memo="CANARY erin segment note", created_by=coder2
    )
    factories.make_segment(transcript, hope, consensus, 0, 11, memo="CANARY consensus note")
    factories.make_segment(transcript, erin_code, erin, 0, 11)
    factories.make_segment(transcript, bob_code, bob, 13, 40)
    memo = Memo.objects.create
    memo(study=study, author=coder, transcript=transcript, body="Bob-own-transcript-memo")
    memo(study=study, author=coder, body="Bob-own-study-memo")
    memo(study=study, author=coder, code=hope, body="Bob-own-code-memo")
    memo(study=study, author=owner, title="Guidance", body="PI-study-guidance-for-coders")
    memo(study=study, author=coder2, transcript=transcript, body="CANARY erin transcript memo")
    memo(study=study, author=coder2, code=hope, body="CANARY erin code memo")
    memo(study=study, author=coder2, title="CANARY title", body="CANARY erin study memo")
    memo(
        study=study,
        author=coder2,
        segment=erin_seg,
        transcript=transcript,
        body="CANARY erin memo on her segment",
    )
    memo(study=study, author=owner, transcript=transcript, body="CANARY PI transcript memo")
    memo(study=study, author=owner, code=hope, body="CANARY PI analytic code memo")
    memo(
        study=study,
        author=owner,
        code=hope,
        body="CANARY PI framework summary",
        extra={"framework": {"participant": participant.pk, "wave": wave.pk}},
    )
    return {
        "transcript": transcript,
        "hope": hope,
        "erin_code": erin_code,
        "bob_code": bob_code,
        "bob_seg": bob_seg,
        "erin_seg": erin_seg,
    }


def _u(name, study, *args):
    return reverse(f"coding:{name}", args=[study.pk, *args])


def _zip_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if response["Content-Type"].startswith(("application/zip", "application/vnd.openxmlformats")):
        return _zip_text(body)
    return body.decode("utf-8-sig")


def _assert_clean(text: str) -> None:
    assert CANARY not in text


def test_coding_page_memo_panel_shows_only_my_memos(world, study, coder_client):
    html = _text(coder_client.get(_u("transcript_code", study, world["transcript"].pk)))
    _assert_clean(html)
    assert "Bob-own-transcript-memo" in html
    assert "Bob-own-proposal" in html  # in the codebook panel and the picker
    assert "erin" not in html


def test_coding_page_memo_create_fragment_shows_only_my_memos(world, study, coder_client):
    response = coder_client.post(
        _u("transcript_memo_create", study, world["transcript"].pk),
        {"title": "", "body": "Bob-new-memo"},
        HTTP_HX_REQUEST="true",
    )
    html = _text(response)
    _assert_clean(html)
    assert "Bob-new-memo" in html and "Bob-own-transcript-memo" in html


@pytest.mark.parametrize("kind", ["", "study", "transcript", "code", "segment"])
def test_memo_list_shows_my_memos_and_the_pi_study_guidance(world, study, coder_client, kind):
    url = _u("memo_list", study) + (f"?kind={kind}" if kind else "")
    html = _text(coder_client.get(url))
    _assert_clean(html)
    expected = {
        "": ["Bob-own-transcript-memo", "PI-study-guidance-for-coders", "Bob-own-segment-note"],
        "study": ["Bob-own-study-memo", "PI-study-guidance-for-coders"],
        "transcript": ["Bob-own-transcript-memo"],
        "code": ["Bob-own-code-memo"],
        "segment": ["Bob-own-segment-note"],
    }[kind]
    for needle in expected:
        assert needle in html
    assert "erin" not in html


def test_other_coders_memos_cannot_be_opened_for_editing(world, study, coder_client):
    for memo in Memo.objects.filter(body__contains=CANARY):
        assert coder_client.get(_u("memo_update", study, memo.pk)).status_code == 404


def test_the_owner_still_sees_every_memo(world, study, owner_client):
    html = _text(owner_client.get(_u("memo_list", study)))
    for body in ("CANARY erin code memo", "CANARY PI framework summary", "Bob-own-code-memo"):
        assert body in html


def test_a_coder_without_blind_coding_sees_the_others_memos(world, study, coder_client):
    study.blind_coding = False
    study.save()
    html = _text(coder_client.get(_u("memo_list", study)))
    assert "CANARY erin code memo" in html


@pytest.mark.parametrize(
    "name,query",
    [
        ("codebook", ""),
        ("codebook_export", ""),
        ("retrieval", ""),
        ("retrieval", "?code={hope}"),
        ("retrieval_export", "?code={hope}"),
        ("compare_matrix", ""),
        ("compare_cooccurrence", ""),
        ("compare_framework", "?wave={wave}&code={hope}"),
        ("exchange", ""),
        ("qdc_export", ""),
    ],
)
def test_study_pages_and_exports_hold_no_canary(world, study, coder_client, name, query):
    args = ["csv"] if name == "retrieval_export" else []
    q = query.format(hope=world["hope"].pk, wave=world["transcript"].wave_id)
    _assert_clean(_text(coder_client.get(_u(name, study, *args) + q)))
    if name == "retrieval_export":
        xlsx = coder_client.get(_u(name, study, "xlsx") + q)
        text = _text(xlsx)
        _assert_clean(text)
        assert "Bob-own-segment-note" in text or "Hope" in text


def test_code_detail_holds_no_canary(world, study, coder_client):
    html = _text(coder_client.get(_u("code_detail", study, world["hope"].pk)))
    _assert_clean(html)
    fragment = coder_client.get(_u("code_detail", study, world["hope"].pk), HTTP_HX_REQUEST="true")
    _assert_clean(_text(fragment))


def test_api_answers_hold_no_canary(world, study, coder_client):
    _assert_clean(_text(coder_client.get(f"/api/v1/studies/{study.pk}/codes")))
    codes = _text(coder_client.get(f"/api/v1/studies/{study.pk}/codes"))
    assert "Bob-own-proposal" in codes
    detail = _text(coder_client.get(f"/api/v1/transcripts/{world['transcript'].pk}"))
    _assert_clean(detail)
    assert "Bob-own-segment-note" in detail


def _qde(data: bytes) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return etree.fromstring(archive.read("project.qde"), SAFE)


def test_qdpx_holds_my_layer_my_user_my_memos_and_nothing_else(world, study, coder_client):
    data = b"".join(coder_client.get(_u("qdpx_export", study)).streaming_content)
    text = _zip_text(data)
    _assert_clean(text)
    root = _qde(data)
    assert [u.get("name") for u in root.iterfind("q:Users/q:User", NS)] == ["bob"]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:  # each note's text is a file
        notes = [
            archive.read("sources/" + n.get("plainTextPath")[len("internal://") :]).decode()
            for n in root.iter(f"{{{NS['q']}}}Note")
        ]
    assert sorted(notes) == sorted(
        ["Bob-own-transcript-memo", "Bob-own-study-memo", "Bob-own-code-memo"]
    )
    assert "Bob-own-segment-note" in text
    codes = [c.get("name") for c in root.iter(f"{{{NS['q']}}}Code")]
    assert codes == ["Bob-own-proposal", "Hope"]


def test_owner_qdpx_still_holds_everything(world, study, owner_client):
    root = _qde(b"".join(owner_client.get(_u("qdpx_export", study)).streaming_content))
    names = {u.get("name") for u in root.iterfind("q:Users/q:User", NS)}
    assert {"bob", "erin", "alice"} <= names
    text = etree.tostring(root, encoding="unicode")
    assert "CANARY PI framework summary" in text and "CANARY erin code memo" in text


def test_coding_page_fragment_and_code_filter_hold_no_canary(world, study, coder_client):
    url = _u("transcript_code", study, world["transcript"].pk)
    _assert_clean(_text(coder_client.get(url, HTTP_HX_REQUEST="true")))
    _assert_clean(_text(coder_client.get(url + f"?code={world['erin_code'].pk}")))


def test_codebook_shows_my_proposal_but_not_erins(world, study, coder_client):
    html = _text(coder_client.get(_u("codebook", study)))
    assert "Bob-own-proposal" in html and "Hope" in html
    fragment = _text(coder_client.get(_u("codebook", study) + "?q=canary", HTTP_HX_REQUEST="true"))
    _assert_clean(fragment)
    assert "Bob-own-proposal" in _text(coder_client.get(_u("codebook_export", study)))


def test_another_coders_proposal_is_404(world, study, coder_client):
    assert coder_client.get(_u("code_detail", study, world["erin_code"].pk)).status_code == 404


def test_another_coders_proposal_cannot_be_applied(world, study, coder_client):
    transcript = world["transcript"]
    data = {
        "code_ids": [world["erin_code"].pk],
        "start": 0,
        "end": 11,
        "quote": transcript.text[:11],
        "version": transcript.version,
        "layer": "mine",
    }
    response = coder_client.post(_u("segment_create", study, transcript.pk), data)
    assert response.status_code == 400
    _assert_clean(response.content.decode())
    api = coder_client.post(
        f"/api/v1/transcripts/{transcript.pk}/segments",
        {"code_id": world["erin_code"].pk, "start": 0, "end": 11, "quote": transcript.text[:11]},
        content_type="application/json",
    )
    assert api.status_code == 400
    assert not world["erin_code"].segments.filter(layer__user__username="bob").exists()


def test_a_memo_cannot_be_written_about_another_coders_proposal(world, study, coder_client):
    response = coder_client.post(
        _u("memo_create", study), {"about": f"code-{world['erin_code'].pk}", "body": "x"}
    )
    assert response.status_code == 200  # the form again, with the error
    assert not Memo.objects.filter(body="x").exists()


def test_qdc_holds_the_shared_codebook_and_my_proposals(world, study, coder_client):
    root = etree.fromstring(coder_client.get(_u("qdc_export", study)).content, SAFE)
    codes = [c.get("name") for c in root.iter(f"{{{CODEBOOK_NS}}}Code")]
    assert codes == ["Bob-own-proposal", "Hope"]


def test_access_rule_for_one_memo_matches_the_queryset(world, study, coder, owner):
    from studies.access import study_access, visible_memos

    for user in (coder, owner):
        access = study_access(user, study.pk)
        shown = set(visible_memos(access).values_list("pk", flat=True))
        for memo in Memo.objects.select_related("segment__layer"):
            assert access.can_see_memo(memo) == (memo.pk in shown), memo.body
