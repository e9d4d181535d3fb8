"""The corpus search engine against an independent scan of the texts.

The reference (:func:`naive`) walks every position of the text and compares character by
character, folding each character on its own: it shares no code with the engine.
"""

from __future__ import annotations

import opencc
import pytest

from coding.search.engine import Matcher, Options, keyword_in_context, parse_query, speaker_spans

TEXT = (
    "Title: Interview 3\n"
    "Interviewer: Tell me about your family and the FAMILY meetings.\n"
    "P03: 我哋朋輩支援員好重要，朋辈都係。Family support 𠮷𠮷 helped; familiar faces too.\n"
    "the family家人 matter\n"
    "Interviewer: 朋輩？\n"
    "P03: Straße, STRASSE and strasse. İstanbul 𠮷野家 𠮷野家.\n"
)


def naive(text: str, term: str, *, fold=lambda c: c.lower()) -> list[tuple[int, int]]:
    """Every non-overlapping occurrence of ``term`` (characters compared after ``fold``)."""
    hits, i, n = [], 0, len(term)
    while i + n <= len(text):
        if all(fold(text[i + k]) == fold(term[k]) for k in range(n)):
            hits.append((i, i + n))
            i += n
        else:
            i += 1
    return hits


def spans(text, query, **options):
    return [(s, e) for s, e, _ in Matcher(query, Options(**options)).find(text)]


@pytest.mark.parametrize("term", ["family", "FAMILY", "朋輩", "𠮷", "𠮷野家", "support 𠮷", "家人"])
def test_it_finds_what_an_independent_scan_finds(term):
    expected = naive(TEXT, term)
    assert expected, "the text holds the term"
    found = spans(TEXT, f'"{term}"')
    assert found == expected
    assert all(TEXT[s:e].lower() == term.lower() for s, e in found)


def test_astral_characters_count_one_code_point_each():
    found = spans(TEXT, "𠮷野家")
    assert found == [
        (TEXT.index("𠮷野家"), TEXT.index("𠮷野家") + 3),
        (TEXT.rindex("𠮷野家"), TEXT.rindex("𠮷野家") + 3),
    ]
    assert [TEXT[s:e] for s, e in found] == ["𠮷野家", "𠮷野家"]


def test_case_folding_that_changes_length_keeps_original_offsets():
    found = spans(TEXT, "strasse")
    assert [TEXT[s:e] for s, e in found] == ["Straße", "STRASSE", "strasse"]
    # "s" alone never matches half of "ß".
    line = TEXT.splitlines()[-1]
    inside = [TEXT[s:e] for s, e in spans(TEXT, "s") if TEXT.index(line) <= s]
    assert "ß" not in inside and all(len(x) == 1 for x in inside)
    # İ folds to two characters: offsets after it are still the text's own.
    after = spans(TEXT, "𠮷野家")
    assert all(TEXT[s:e] == "𠮷野家" for s, e in after)


def test_match_case_compares_exactly():
    found = spans(TEXT, "family", match_case=True)
    assert found == naive(TEXT, "family", fold=lambda c: c)


def test_variants_fold_traditional_and_simplified_both_ways():
    t2s = opencc.OpenCC("t2s")
    expected = naive(TEXT, "朋辈", fold=lambda c: t2s.convert(c))
    assert len(expected) == 3  # 朋輩 twice, 朋辈 once
    assert spans(TEXT, "朋輩", variants=True) == expected
    assert spans(TEXT, "朋辈", variants=True) == expected
    assert len(spans(TEXT, "朋輩")) == 2 and len(spans(TEXT, "朋辈")) == 1


def test_whole_words_do_not_break_on_han():
    # "famil" is inside "family" and "familiar", never a word of its own.
    assert len(naive(TEXT, "famil")) == 5
    assert spans(TEXT, "famil", whole_word=True) == []
    assert spans(TEXT, "family", whole_word=True) == naive(TEXT, "family")
    start = TEXT.index("family家人")
    assert (start, start + 6) in spans(TEXT, "family", whole_word=True)


def test_all_terms_and_any_term():
    assert spans("cats and dogs", "cats dogs") == [(0, 4), (9, 13)]
    assert spans("cats only", "cats dogs") == []
    assert spans("cats only", "cats dogs", mode="any") == [(0, 4)]
    assert parse_query('"peer  support" 朋輩 朋輩') == ["peer support", "朋輩"]
    assert spans("peer\nsupport", '"peer support"') == [(0, 12)]


def test_speaker_words_only_and_never_the_label():
    interviewer = spans(TEXT, "朋輩 family", mode="any", speaker="interviewer")
    lines = TEXT.split("\n")
    own = [
        (s, e)
        for s, e in naive(TEXT, "family") + naive(TEXT, "朋輩")
        if TEXT[TEXT.rfind("\n", 0, s) + 1 :].startswith("Interviewer:")
    ]
    assert interviewer == sorted(own) and len(own) == 3
    assert spans(TEXT, "interviewer", speaker="interviewer") == []
    # The unlabelled line continues P03's turn.
    p03 = [TEXT[a:b] for a, b in speaker_spans(TEXT, "p03")]
    assert lines[3] in p03[0] and not any(x.startswith("P03") for x in p03)


def test_keyword_in_context_marks_the_match_within_its_turn():
    s = TEXT.index("meetings")
    ctx = keyword_in_context(TEXT, s, s + 8)
    assert ctx.match == "meetings" and ctx.before.endswith("the FAMILY ")
    assert "\n" not in ctx.before + ctx.after
    s = TEXT.index("朋辈")
    ctx = keyword_in_context(TEXT, s, s + 2)
    assert ctx.before.endswith("好重要，") and ctx.after.startswith("都係")


def test_every_character_that_folds_to_several_is_in_the_bmp():
    """coding/search/selectors.py looks for them there only (for speed)."""
    import sys

    from coding.search.selectors import _expansions

    astral = [cp for cp in range(0x10000, sys.maxunicode + 1) if len(chr(cp).casefold()) > 1]
    assert astral == []
    assert "ss" in _expansions() and "fi" in _expansions()
