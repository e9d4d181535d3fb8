"""The Words page: per-cell counts against an independent count (plain regex for English,
the segmenters called directly for Chinese), stop words, participants only, attribute
columns, search links, CSV/XLSX, access and query counts."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter

import jieba
import opencc
import openpyxl
import pycantonese
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coding.models import Memo, TranscriptWords
from coding.words.cache import COUNTS
from studies.models import Attribute, AttributeKind, AttributeScope
from tests import factories

CANARY = "zqwordscanary"
HAN = re.compile(r"[\u4e00-\u9fff]+")
LATIN = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*")

TEXTS = {
    # (participant, wave): text. English and Simplified Chinese (jieba's own dictionary).
    ("P01", "T1"): (
        "Interviewer: Tell me about training and your family.\n"
        "P01: My family helps me. Peer support is the heart of it.\n"
        "我们的家庭很支持我。\n"
        "Interviewer: Training again?\n"
        "P01: Peer support, peer support and family."
    ),
    ("P01", "T2"): (
        "Interviewer: How is the placement going with your family?\n"
        "P01: The placement is hard but my family helps. 家庭支持很重要。"
    ),
    ("P02", "T1"): (
        "Interviewer: What about training?\nP02: Family first, then work. Peer support later."
    ),
    ("P02", "T2"): "Interviewer: Anything else?\nP02: Nothing else, the work is fine.",
}


def build(study, n_extra=0):
    g1 = factories.make_group(study, name="Peer workers")
    g2 = factories.make_group(study, name="Service users")
    t1 = factories.make_wave(study, name="T1")
    t2 = factories.make_wave(study, name="T2")
    Attribute.objects.create(
        study=study, name="gender", kind=AttributeKind.CHOICE, choices=["female", "male"]
    )
    Attribute.objects.create(
        study=study,
        scope=AttributeScope.TRANSCRIPT,
        name="language",
        kind=AttributeKind.CHOICE,
        choices=["English", "Cantonese and English"],
    )
    people = {
        "P01": factories.make_participant(
            study, pseudonym="P01", group=g1, attributes={"gender": "female"}
        ),
        "P02": factories.make_participant(
            study, pseudonym="P02", group=g2, attributes={"gender": "male"}
        ),
    }
    waves = {"T1": t1, "T2": t2}
    made = []
    for (p, w), text in TEXTS.items():
        made.append(
            factories.make_transcript(
                study,
                title=f"{p} {w}",
                participant=people[p],
                wave=waves[w],
                text=text,
                attributes={"language": "English"},
            )
        )
    for i in range(n_extra):
        made.append(
            factories.make_transcript(
                study,
                title=f"extra {i}",
                participant=people["P02"],
                wave=t2,
                text=f"Interviewer: More?\nP02: Extra family words {i}.",
            )
        )
    COUNTS.clear()
    return {"groups": (g1, g2), "waves": (t1, t2), "people": people, "transcripts": made}


def independent_counts(text: str, speaker: str | None = None) -> Counter:
    """Words of the text's turns after their labels (only ``speaker``'s when given):
    English by a regex, lower case; Chinese by jieba called on the Han runs."""
    found: Counter = Counter()
    current = None
    for line in text.split("\n"):
        label, sep, body = line.partition(": ")
        if sep and len(label) < 20:
            current = label
        else:
            body = line
        if speaker is not None and current != speaker:
            continue
        found.update(w.lower() for w in LATIN.findall(body))
        for run in HAN.findall(body):
            found.update(jieba.lcut(run))
    return found


@pytest.fixture
def data(study, owner, coder, coder2, viewer):
    return build(study)


def page(client, study, **params):
    return client.get(reverse("coding:words", args=[study.pk]), params)


def table(response, kind="word"):
    """{text: (counts per column, total)} from the page's context."""
    rows = response.context["table"].words if kind == "word" else response.context["table"].phrases
    return {row.text: (row.counts, row.total) for row in rows}


def test_cell_counts_match_an_independent_count(owner_client, study, data):
    response = page(owner_client, study, stop="include", min="1", top="500")

    assert response.status_code == 200
    t = response.context["table"]
    columns = [(c.group, c.wave) for c in t.columns]
    assert columns == [
        ("Peer workers", "T1"),
        ("Peer workers", "T2"),
        ("Service users", "T1"),
        ("Service users", "T2"),
    ]
    expected: dict[tuple[str, str], Counter] = {}
    for transcript in data["transcripts"]:
        key = (transcript.participant.group.name, transcript.wave.name)
        expected[key] = independent_counts(transcript.text)
    rows = table(response)
    total = sum(expected.values(), Counter())
    assert set(rows) == set(total)
    for word, (counts, n) in rows.items():
        assert n == total[word]
        assert counts == [expected[col][word] for col in columns], word
    for col, column in zip(columns, t.columns, strict=True):
        assert column.transcripts == 1
        assert column.words == sum(expected[col].values())
    assert rows["family"][0] == [3, 2, 1, 0]
    assert "家庭" in rows and rows["家庭"][1] == 2


def test_stop_words_are_left_out_unless_asked_for(owner_client, study, data):
    words = table(page(owner_client, study, min="1", top="500"))
    assert "family" in words and "peer" in words
    for stop in ("the", "and", "my", "is", "我们", "很", "的"):
        assert stop not in words
    kept = table(page(owner_client, study, min="1", top="500", stop="include"))
    assert kept["the"][1] == sum(independent_counts(t)["the"] for t in TEXTS.values())
    assert kept["的"][1] == 1


def test_own_stop_words_and_shortest_word_are_applied(owner_client, study, data):
    words = table(page(owner_client, study, extra="family, 家庭", top="500"))
    assert "family" not in words and "家庭" not in words
    assert "peer" in words
    short = table(page(owner_client, study, min="7", top="500"))
    assert set(short) == {"training", "placement", "support", "nothing", "anything"}


def test_participants_only_leaves_out_the_interviewer(owner_client, study, data):
    response = page(owner_client, study, speech="participant", stop="include", top="500", min="1")
    words = table(response)
    assert "training" not in words  # only the interviewer says it
    assert "tell" not in words
    expected: Counter = Counter()
    for (person, _), text in TEXTS.items():
        expected += independent_counts(text, speaker=person)
    assert {w: n for w, (_, n) in words.items()} == dict(expected)
    assert words["family"][1] == 4
    everyone = table(page(owner_client, study, stop="include", top="500", min="1"))
    assert everyone["training"][1] == 3


def test_a_speaker_label_counts_only_that_speaker(owner_client, study, data):
    words = table(page(owner_client, study, speaker="Interviewer", top="500"))
    assert words["training"][1] == 3
    assert "peer" not in words


def test_phrases_are_two_words_in_a_row(owner_client, study, data):
    phrases = table(page(owner_client, study, top="500"), kind="phrase")
    # "Peer support" four times; "support, peer" is cut by the comma.
    assert phrases["peer support"][1] == 4
    assert phrases["peer support"][0] == [3, 0, 1, 0]
    assert "support peer" not in phrases
    assert phrases["家庭支持"][1] == 1


def test_traditional_words_are_segmented_as_simplified_but_shown_as_written(
    owner_client, study, data
):
    text = "Interviewer: 朋輩？\nP01: 朋輩支援工作好重要，我哋嘅朋輩。"
    factories.make_transcript(study, title="zh", participant=data["people"]["P01"], text=text)
    converted = opencc.OpenCC("t2s").convert("朋輩支援工作好重要")
    assert len(converted) == len("朋輩支援工作好重要")
    words = table(page(owner_client, study, top="500", min="1", stop="include"))
    # jieba on the Simplified copy finds 朋辈: counted as the original 朋輩, never 朋辈.
    assert "朋辈" in jieba.lcut(converted)
    assert words["朋輩"][1] == 3
    assert "朋辈" not in words
    for word in words:
        assert word in text or any(word in t for t in TEXTS.values()) or word.isascii()


def test_cantonese_transcripts_are_segmented_by_pycantonese(owner_client, study, data):
    text = "Interviewer: 點呀？\nP02: 我哋覺得佢哋好好，我哋唔怕。"
    factories.make_transcript(
        study,
        title="yue",
        participant=data["people"]["P02"],
        wave=data["waves"][0],
        text=text,
        attributes={"language": "Cantonese and English"},
    )
    response = page(owner_client, study, speech="participant", top="500", min="1", stop="include")
    words = table(response)
    expected = Counter(pycantonese.segment("我哋覺得佢哋好好"))
    expected.update(pycantonese.segment("我哋唔怕"))
    for word, n in expected.items():
        assert words[word][1] >= n
    assert words["我哋"][1] == 2
    assert response.context["table"].segmenters == {"jieba": 4, "pycantonese": 1}


def test_columns_by_an_attribute(owner_client, study, data):
    response = page(owner_client, study, by="attribute:gender", top="500", stop="include")
    t = response.context["table"]
    assert [(c.group, c.wave) for c in t.columns] == [
        ("female", "T1"),
        ("female", "T2"),
        ("male", "T1"),
        ("male", "T2"),
    ]
    assert table(response)["family"][0] == [3, 2, 1, 0]
    only_women = page(owner_client, study, **{"attribute:gender": "female", "top": "500"})
    assert table(only_women)["family"][1] == 5
    assert only_women.context["table"].transcripts == 2


def test_filters_by_group_and_wave_keep_their_columns(owner_client, study, data):
    g1, _ = data["groups"]
    _, t2 = data["waves"]
    response = page(owner_client, study, group=g1.pk, wave=t2.pk, top="500")
    t = response.context["table"]
    assert [(c.group, c.wave) for c in t.columns] == [("Peer workers", "T2")]
    assert table(response)["family"] == ([2], 2)


def test_each_word_links_to_its_search_with_the_same_filters(owner_client, study, data):
    g1, _ = data["groups"]
    response = page(owner_client, study, speech="participant", group=g1.pk, top="500")
    rows = {row.text: row for row in response.context["table"].words}
    link = rows["family"].link
    assert link.startswith(reverse("coding:search", args=[study.pk]) + "?")
    assert "q=family" in link and "word=1" in link and "speech=participant" in link
    assert f"group={g1.pk}" in link
    assert f'href="{link.replace("&", "&amp;")}"' in response.content.decode()
    search = owner_client.get(link)
    assert search.context["result"].count == rows["family"].total == 3
    phrase = {row.text: row for row in response.context["table"].phrases}["peer support"]
    assert owner_client.get(phrase.link).context["result"].count == phrase.total == 3


def test_csv_export_holds_the_table(owner_client, study, data):
    response = page(owner_client, study, format="csv", top="5")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    shown = page(owner_client, study, top="5").context["table"]
    assert len(rows) == (len(shown.words) + len(shown.phrases)) * len(shown.columns)
    family = [r for r in rows if r["text"] == "family" and r["kind"] == "word"]
    assert [int(r["count"]) for r in family] == [3, 2, 1, 0]
    assert {r["group"] for r in family} == {"Peer workers", "Service users"}
    assert all(r["total"] == "6" for r in family)
    assert family[0]["words_in_cell"] == str(shown.columns[0].words)


def test_xlsx_export_holds_the_table(owner_client, study, data):
    response = page(owner_client, study, format="xlsx", top="5", speech="participant")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book["Words"]
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert header[:4] == ("kind", "rank", "text", "total")
    family = [r for r in body if r[2] == "family"]
    assert [r[6] for r in family] == [2, 1, 1, 0]
    about = {r[0]: r[1] for r in book["About"].iter_rows(values_only=True)}
    assert "participant" in about["Speech counted"]


def test_an_edited_text_is_counted_again(owner_client, study, data):
    assert table(page(owner_client, study))["family"][1] == 6
    transcript = data["transcripts"][3]
    transcript.text = "Interviewer: Anything else?\nP02: Family, family."
    transcript.version += 1
    transcript.save()
    assert table(page(owner_client, study))["family"][1] == 8


def test_members_may_read_it_and_outsiders_may_not(persona_clients, study, data):
    for name in ("owner", "coder", "viewer"):
        assert page(persona_clients[name], study).status_code == 200
    assert page(persona_clients["outsider"], study).status_code == 404


def test_blind_coders_see_no_coder_material(coder_client, coder2, study, data):
    study.blind_coding = True
    study.save()
    code = factories.make_code(study, name=f"Code {CANARY}")
    Memo.objects.create(study=study, author=coder2, body=f"memo {CANARY}", code=code)
    response = page(coder_client, study, top="500", stop="include")
    assert response.status_code == 200
    assert CANARY not in response.content.decode()


def test_the_fragment_is_served_to_htmx(owner_client, study, data):
    response = owner_client.get(reverse("coding:words", args=[study.pk]), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'id="words-results"' in body and "<html" not in body


def _queries(client, study, **params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert page(client, study, **params).status_code == 200
    return len(ctx)


@pytest.mark.parametrize("params", [{}, {"by": "attribute:gender", "speech": "participant"}])
def test_query_count_does_not_grow_with_transcripts(owner_client, study, owner, params):
    made = build(study)
    # Session and user (2), membership (1), frame (4; an attribute cut: definitions 1 and
    # the attribute frame 3), the transcripts (1), the nav's groups and waves for the
    # filters (2); counts not in the process's cache: the stored counts (1); not stored
    # either: the texts (1) and the upsert of the new counts (1).
    cold = _queries(owner_client, study, **params)
    warm = _queries(owner_client, study, **params)
    assert warm == cold - 3
    COUNTS.clear()
    assert _queries(owner_client, study, **params) == warm + 1  # stored: no text read
    for i in range(12):
        factories.make_transcript(
            study, title=f"more {i}", participant=made["people"]["P01"], text="P01: more words"
        )
    COUNTS.clear()
    assert _queries(owner_client, study, **params) == cold
    assert _queries(owner_client, study, **params) == warm


def test_counts_are_stored_and_a_new_version_is_counted_again(owner_client, study, data):
    assert table(page(owner_client, study))["family"][1] == 6
    stored = TranscriptWords.objects.filter(speech="")
    assert stored.count() == 4
    row = stored.get(transcript=data["transcripts"][0])
    assert row.words["family"] == 3 and row.version == 1 and row.segmenter == "jieba"
    assert ["peer", " ", "support", 3] in row.phrases
    # Another process (an empty cache) reads the stored counts.
    COUNTS.clear()
    assert table(page(owner_client, study))["family"][1] == 6
    transcript = data["transcripts"][0]
    transcript.text = "Interviewer: Family?\nP01: No."
    transcript.version += 1
    transcript.save()
    COUNTS.clear()
    assert table(page(owner_client, study))["family"][1] == 4
    row.refresh_from_db()
    assert row.version == 2 and row.words == {"no": 1, "family": 1} and row.total == 2
    assert stored.count() == 4
