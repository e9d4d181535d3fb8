"""Corpus search counts and hits against an independent scan of the texts.

Search counts most queries in the database (on the folded copy of each text) and finds
exact offsets only for the transcripts of the page shown; these tests check every hit and
every count against a plain Python scan, character by character, over a mixed corpus
(English in every case, Han in Traditional and Simplified forms, astral characters, Greek
sigmas, a self-overlapping term, texts whose folding changes their length)."""

from __future__ import annotations

import random

import pytest
from django.core.paginator import Paginator
from django.urls import reverse

from coding.search import engine, selectors
from studies.access import study_access
from tests import factories

# The variants the corpus uses, written out by hand (OpenCC: Traditional → Simplified).
VARIANTS = {"輩": "辈", "體": "体", "員": "员"}
PIECES = [
    "family", "FAMILY", "Family", "famILY", "famfamily", "families", "fam", "aa", "aaa",
    "朋輩", "朋辈", "朋", "輩", "體", "体", "支援員", "𠮷", "𠮷𠮷", "Σ", "σ", "ς", "Σίσυφος",
    "support", "é", "É", "x", ",", ".", "。",
]  # fmt: skip


def corpus(study, n=24, seed=13):
    rng = random.Random(seed)
    groups = [factories.make_group(study, name=f"G{i}") for i in range(2)]
    waves = [factories.make_wave(study, name=f"W{i}") for i in range(2)]
    people = [
        factories.make_participant(study, pseudonym=f"P{i:02}", group=groups[i % 2])
        for i in range(4)
    ]
    made = []
    for i in range(n):
        p = people[i % 4]
        lines = []
        for _ in range(rng.randint(1, 4)):
            speaker = rng.choice(["Interviewer", p.pseudonym])
            words = [rng.choice(PIECES) for _ in range(rng.randint(0, 12))]
            joiner = rng.choice([" ", "", "  "])
            lines.append(f"{speaker}: {joiner.join(words)}")
        made.append(
            factories.make_transcript(
                study, participant=p, wave=waves[(i // 4) % 2], text="\n".join(lines)
            )
        )
    # Folding changes the length of these texts ("ß" → "ss", "ﬁ" → "fi"): search reads them.
    made.append(
        factories.make_transcript(
            study, participant=people[0], wave=waves[0], text="P00: Straße family ﬁ aa FAMILY"
        )
    )
    made.append(factories.make_transcript(study, text="A: no participant, family 朋輩 aaa"))
    return made


def fold_char(ch: str, *, case: bool, variants: bool) -> str:
    if not case:
        ch = ch.casefold()
    return VARIANTS.get(ch, ch) if variants else ch


def scan(text: str, terms: list[str], *, case=False, variants=False, mode="all"):
    """Left to right: at each position the longest term that matches character by character
    (folded one character at a time), then on after it; none overlap."""
    folded = [fold_char(ch, case=case, variants=variants) for ch in text]
    wanted = [
        (n, [fold_char(ch, case=case, variants=variants) for ch in term])
        for n, term in sorted(enumerate(terms), key=lambda nt: -len(nt[1]))
    ]
    hits, i = [], 0
    while i < len(text):
        for n, chars in wanted:
            if folded[i : i + len(chars)] == chars:
                hits.append((i, i + len(chars), n))
                i += len(chars)
                break
        else:
            i += 1
    if mode == "all" and len(terms) > 1 and len({n for *_, n in hits}) < len(terms):
        return []
    return hits


QUERIES = [
    ("family", {}),
    ("FAMILY", {}),
    ("Family", {"match_case": True}),
    ("aa", {}),
    ("σ", {}),
    ("𠮷", {}),
    ("朋輩", {}),
    ("朋辈", {"variants": True}),
    ("支援员", {"variants": True}),
    ("family aa", {}),
    ("family aa", {"mode": "any"}),
    ("朋辈 famILY", {"variants": True, "mode": "any"}),
    ("fam family", {"mode": "any"}),  # one term inside another
    ("family ily", {}),  # the end of one is the start of another
    ("nothing", {}),
]


def everything(study):
    return {t.pk: t.text for t in study.transcripts.order_by("title", "pk")}


@pytest.mark.parametrize(("query", "opts"), QUERIES)
def test_hits_and_counts_are_those_of_an_independent_scan(study, owner, query, opts):
    made = corpus(study)
    access = study_access(owner, study.pk)
    options = engine.Options(**opts)
    result = selectors.search(access, query, options, selectors.SearchFilters())
    terms = engine.parse_query(query)
    texts = everything(study)
    expected = [
        (pk, s, e, n)
        for pk, text in texts.items()
        for s, e, n in scan(
            text,
            terms,
            case=options.match_case,
            variants=options.variants,
            mode=options.mode,
        )
    ]
    assert result.count == len(expected)
    assert [(h.key, h.start, h.end, h.term) for h in result.hits] == expected
    info = {t.pk: (t.participant.group_id if t.participant else None, t.wave_id) for t in made}
    per_cell: dict = {}
    for pk, *_ in expected:
        per_cell.setdefault(info[pk], set()).add(pk)
    for key, cell in result.cells.items():
        assert cell.hits == sum(1 for pk, *_ in expected if info[pk] == key)
        assert cell.transcripts == len(per_cell.get(key, ()))
        assert cell.searched == sum(1 for v in info.values() if v == key)


@pytest.mark.parametrize(
    "opts",
    [
        {},
        {"whole_word": True},
        {"speaker": "Interviewer"},
        {"variants": True, "whole_word": True},
        {"match_case": True, "variants": True},
        {"mode": "any"},
    ],
)
@pytest.mark.parametrize(
    "query", ["family", '"family  famILY"', "aa family", "著", "\ufa5f", "朋輩 Σ", "é"]
)
def test_the_database_path_agrees_with_the_engine(study, owner, query, opts):
    """Whatever the options (some the database cannot count: whole words, a speaker,
    phrases, the few characters whose variants chain), the hits are the engine's over every
    text, page by page."""
    corpus(study)
    factories.make_transcript(study, text="A: 著 着 \ufa5f 著作 麼 么 幺")
    options = engine.Options(**opts)
    access = study_access(owner, study.pk)
    result = selectors.search(access, query, options, selectors.SearchFilters())
    expected = [
        (h.key, h.start, h.end) for h in engine.find(everything(study).items(), query, options)
    ]
    pages = Paginator(result.hits, 7)
    got = [(h.key, h.start, h.end) for n in pages.page_range for h in pages.page(n).object_list]
    assert pages.count == len(expected)
    assert got == expected


def test_a_page_reads_only_the_texts_it_shows(study, owner):
    made = [
        factories.make_transcript(study, title=f"T{i:02}", text="A: family x Family. family")
        for i in range(30)
    ]
    access = study_access(owner, study.pk)
    result = selectors.search(access, "family", engine.Options(), selectors.SearchFilters())
    assert result.count == 90
    page = Paginator(result.hits, 5).page(2)  # hits 6 to 10: the 2nd, 3rd and 4th transcripts
    rows = selectors.hit_rows(result, list(page.object_list))
    assert [(r.hit.key, r.hit.start, r.hit.end) for r in rows] == [
        (made[1].pk, 20, 26),
        (made[2].pk, 3, 9),
        (made[2].pk, 12, 18),
        (made[2].pk, 20, 26),
        (made[3].pk, 3, 9),
    ]
    assert set(result.texts) == {made[1].pk, made[2].pk, made[3].pk}
    assert result.matched == 30


def test_the_api_pages_through_database_counts(owner_client, study, owner):
    corpus(study)
    url = reverse("api:study_search", args=[study.pk])
    texts = everything(study)
    expected = [(pk, s, e) for pk, text in texts.items() for s, e, _ in scan(text, ["family"])]
    seen, page = [], 1
    while True:
        body = owner_client.get(url, {"q": "family", "page_size": 4, "page": page}).json()
        assert body["count"] == len(expected)
        for hit in body["hits"]:
            assert texts[hit["transcript_id"]][hit["start"] : hit["end"]] == hit["match"]
            seen.append((hit["transcript_id"], hit["start"], hit["end"]))
        if not body["next"]:
            break
        page += 1
    assert seen == expected
