"""A transcript-attribute filter and a number range filter keep the same transcripts, and so
give the same hits, whether search counts in SQL on the folded copy, scans every text in
Python (auto-coding's ``every_hit``) or scans whole words in Python; all three against an
independent scan of the texts and attributes.

More than ``selectors.FEW_CANDIDATES`` transcripts hold the word, so on PostgreSQL the
trigram probe gives way and the counting path runs there too."""

from __future__ import annotations

import re

import pytest

from coding.search import engine, selectors
from studies.access import study_access
from studies.models import Attribute
from tests import factories

N = selectors.FEW_CANDIDATES + 8
SITES = ["Kowloon", "Sha Tin", None]  # per participant
OWN_SITES = ["Sha Tin", None, "kowloon", None, None]  # per transcript, cycling: None inherits


@pytest.fixture
def corpus(study):
    people = [
        factories.make_participant(
            study, pseudonym=f"P{i}", attributes={"age": 25 + 5 * i, **({"site": s} if s else {})}
        )
        for i, s in enumerate(SITES)
    ]
    made = []
    for i in range(N):
        own = {"minutes": 10 + i}
        if OWN_SITES[i % len(OWN_SITES)]:
            own["site"] = OWN_SITES[i % len(OWN_SITES)]
        # Whole words only (no "families"), so a whole-word search finds the same hits.
        words = ["Family", "x", "FAMILY.", "family,", "朋輩"][: 1 + i % 5]
        made.append(
            factories.make_transcript(
                study,
                title=f"T{i:02}",
                participant=people[i % len(people)],
                attributes=own,
                text=f"Interviewer: {' '.join(words)}\nP{i % 3}: family 𠮷 family",
            )
        )
    Attribute.objects.create(study=study, name="site", scope="transcript")
    Attribute.objects.create(study=study, name="minutes", scope="transcript", kind="number")
    Attribute.objects.create(study=study, name="age", kind="number")
    return made


def value_of(t, name):
    """A transcript's own value, else its participant's (the rule search follows)."""
    if name in (t.attributes or {}):
        return t.attributes[name]
    return (t.participant.attributes or {}).get(name) if t.participant else None


def keeps(value, wanted):
    if value is None:
        return False
    if ".." in wanted:
        lo, hi = wanted.split("..")
        if hi.startswith("<"):
            return float(lo) <= value < float(hi[1:])
        return float(lo) <= value <= float(hi)
    if isinstance(value, int | float):
        return value == float(wanted)
    return value.casefold() == wanted.casefold()


FILTERS = [
    ("site", "Kowloon"),  # transcript attribute, own value first, else the participant's
    ("site", "sha tin"),
    ("minutes", "14..20"),  # a transcript number attribute, both ends kept
    ("minutes", "14..<20"),
    ("age", "25..30"),  # a participant number attribute
    ("age", "30..<35"),
]


@pytest.mark.parametrize("attribute", FILTERS)
def test_every_path_keeps_the_same_transcripts_and_hits(study, owner, corpus, attribute):
    name, wanted = attribute
    access = study_access(owner, study.pk)
    filters = selectors.SearchFilters(attribute=attribute)
    kept = [
        t
        for t in study.transcripts.select_related("participant").order_by("title", "pk")
        if keeps(value_of(t, name), wanted)
    ]
    expected = [
        (t.pk, m.start(), m.end()) for t in kept for m in re.finditer("family", t.text, re.I)
    ]
    assert expected and len(kept) < N  # the filter keeps some and drops some

    counted = selectors.search(access, "family", engine.Options(), filters)
    scanned = selectors.search(access, "family", engine.Options(), filters, every_hit=True)
    words = selectors.search(access, "family", engine.Options(whole_word=True), filters)
    assert counted.matcher is not None  # counted in SQL, texts read per page
    assert scanned.matcher is None and words.matcher is None  # scanned in Python
    for result in (counted, scanned, words):
        assert [(h.key, h.start, h.end) for h in result.hits] == expected
        assert result.count == len(expected)
        assert result.matched == len({pk for pk, *_ in expected})
        assert set(result.transcripts) == {t.pk for t in kept}
        assert sum(c.searched for c in result.cells.values()) == len(kept)
