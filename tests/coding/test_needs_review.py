"""Passages whose words a text edit changed: stored quote, retrieval, exports, review list."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from django.urls import reverse

from coding.models import Segment
from coding.retrieval.exports import EXPORT_HEADER
from studies import services
from tests import factories
from tests.coding.margin_drawn import drawn_page

TEXT = (
    "Interviewer: 你點睇？\n"
    "P01: 我唔知自己嘅角色 𠝹 at first.\n"
    "P01: Later the team trusted me.\n"
    "P01: 後來好啲。"
)
OLD_WORDS = "我唔知自己嘅角色 𠝹"
NEW_WORDS = "我知道自己嘅角色 𠝹"


@pytest.fixture
def edited(study, owner, coder, coder2):
    transcript = factories.make_transcript(study, text=TEXT, title="P01 T1")
    role = factories.make_code(study, name="Role")
    bob = factories.make_layer(study, coder)
    erin = factories.make_layer(study, coder2)
    start = TEXT.index(OLD_WORDS)
    changed = factories.make_segment(transcript, role, bob, start, start + len(OLD_WORDS))
    changed_erin = factories.make_segment(transcript, role, erin, start, start + 6)
    team = TEXT.index("Later")
    moved = factories.make_segment(transcript, role, bob, team, team + len("Later the team"))
    services.transcript_text_update(
        transcript=transcript,
        text="P00: 前言 𠝹。\n" + TEXT.replace("我唔知", "我知道"),
        expected_version=1,
        actor=owner,
    )
    for seg in (changed, changed_erin, moved):
        seg.refresh_from_db()
    transcript.refresh_from_db()
    return transcript, role, changed, changed_erin, moved


def retrieval_url(study, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("coding:retrieval", args=[study.pk]) + (f"?{query}" if query else "")


def export_url(study, fmt, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("coding:retrieval_export", args=[study.pk, fmt]) + f"?{query}"


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_rows(response) -> list[dict[str, str]]:
    text = body(response).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def xlsx_rows(response) -> list[dict]:
    sheet = openpyxl.load_workbook(io.BytesIO(body(response)))["Segments"]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def test_the_stored_quote_is_the_new_text_and_the_old_words_are_kept(edited):
    transcript, _, changed, changed_erin, moved = edited
    for seg in (changed, changed_erin, moved):
        assert seg.quote == transcript.text[seg.start : seg.end]
    assert changed.quote == NEW_WORDS
    assert (changed.quote_at_coding, changed.needs_review) == (OLD_WORDS, True)
    assert (moved.quote_at_coding, moved.needs_review) == ("", False)


def test_retrieval_shows_the_new_words_and_what_they_were(edited, owner_client, study):
    _, role, changed, _, moved = edited
    html = owner_client.get(retrieval_url(study, code=role.pk, layer="bob")).text
    marks = re.findall(r"<mark>(.*?)</mark>", html)
    assert NEW_WORDS in marks and "Later the team" in marks
    assert OLD_WORDS not in marks
    item = html[html.index(f'id="r-seg-{changed.pk}"') :]
    item = item[: item.index("</li>")]
    assert "changed since coding" in item.lower()
    assert OLD_WORDS in item  # the words at coding time, beside the new ones
    moved_item = html[html.index(f'id="r-seg-{moved.pk}"') :]
    assert "changed since coding" not in moved_item[: moved_item.index("</li>")].lower()


def test_csv_and_xlsx_exports_carry_the_new_words(edited, owner_client, study):
    _, role, changed, changed_erin, moved = edited
    assert "quote_at_coding" in EXPORT_HEADER
    for rows in (
        csv_rows(owner_client.get(export_url(study, "csv", code=role.pk))),
        xlsx_rows(owner_client.get(export_url(study, "xlsx", code=role.pk))),
    ):
        by_id = {int(r["segment_id"]): r for r in rows}
        assert by_id[changed.pk]["quote"] == NEW_WORDS
        assert by_id[changed.pk]["quote_at_coding"] == OLD_WORDS
        assert by_id[moved.pk]["quote"] == "Later the team"
        assert by_id[moved.pk]["quote_at_coding"] in ("", None)
        assert by_id[changed_erin.pk]["quote"] == changed_erin.quote == "我知道自己嘅"


def test_the_review_filter_returns_exactly_the_flagged_passages(edited, owner_client, study):
    _, _, changed, changed_erin, _ = edited
    flagged = set(Segment.objects.filter(needs_review=True).values_list("pk", flat=True))
    assert flagged == {changed.pk, changed_erin.pk}
    html = owner_client.get(retrieval_url(study, review=1)).text  # no code needed
    assert set(map(int, re.findall(r'id="r-seg-(\d+)"', html))) == flagged
    assert "2 passages need review" in html
    rows = csv_rows(owner_client.get(export_url(study, "csv", review=1)))
    assert {int(r["segment_id"]) for r in rows} == flagged


def test_the_review_filter_respects_blind_coding(edited, coder_client, study):
    _, _, changed, _, _ = edited
    study.blind_coding = True
    study.save()
    html = coder_client.get(retrieval_url(study, review=1)).text
    assert set(map(int, re.findall(r'id="r-seg-(\d+)"', html))) == {changed.pk}


def test_the_dashboard_links_to_the_passages_that_need_review(edited, owner_client, study):
    html = owner_client.get(reverse("studies:study_dashboard", args=[study.pk])).text
    assert "2 passages need review" in html
    assert retrieval_url(study, review=1) in html.replace("&amp;", "&")


def test_a_coder_marks_their_passage_reviewed(edited, coder_client, study):
    _, _, changed, changed_erin, _ = edited
    url = reverse("coding:segment_reviewed", args=[study.pk, changed.pk])
    response = coder_client.post(url, {"next": retrieval_url(study, review=1)})
    assert response.status_code == 302
    assert response["Location"] == retrieval_url(study, review=1)
    changed.refresh_from_db()
    assert not changed.needs_review
    assert changed.quote == NEW_WORDS
    html = coder_client.get(retrieval_url(study, review=1)).text
    assert f'id="r-seg-{changed.pk}"' not in html
    assert f'id="r-seg-{changed_erin.pk}"' in html


def test_marking_reviewed_with_htmx_returns_the_row(edited, coder_client, study):
    _, _, changed, _, _ = edited
    url = reverse("coding:segment_reviewed", args=[study.pk, changed.pk])
    response = coder_client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "Reviewed" in response.text


def test_only_the_layer_writer_marks_reviewed(
    edited, coder_client, viewer_client, outsider_client, study
):
    _, _, changed, changed_erin, _ = edited
    erin_url = reverse("coding:segment_reviewed", args=[study.pk, changed_erin.pk])
    assert coder_client.post(erin_url).status_code == 403
    bob_url = reverse("coding:segment_reviewed", args=[study.pk, changed.pk])
    assert viewer_client.post(bob_url).status_code == 403
    assert outsider_client.post(bob_url).status_code == 404
    assert coder_client.get(bob_url).status_code == 405
    assert Segment.objects.filter(needs_review=True).count() == 2


def test_the_coding_page_marks_changed_passages_in_words(edited, coder_client, study):
    transcript, _, changed, _, moved = edited
    page = coder_client.get(reverse("coding:transcript_code", args=[study.pk, transcript.pk]))
    html = drawn_page(page.text)  # the margin as the page's script draws it
    labels = dict(
        re.findall(r'class="stripe-label[^"]*" data-seg="(\d+)"[^>]*>(.*?)</button>', html)
    )
    assert ">changed</span>" in labels[str(changed.pk)]
    assert re.search(rf'data-seg="{changed.pk}"[^>]*aria-label="[^"]*changed since coding"', html)
    assert "changed" not in labels[str(moved.pk)]
