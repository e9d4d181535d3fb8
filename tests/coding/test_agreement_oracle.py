"""The engine against its frozen copy from before the speed work (tests/coding/agreement_oracle/):
every field of every result, exact ``Fraction`` values included, is equal (``==``, never approx)
on the published cases and on many random studies."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coding.agreement.character_level import character_agreement
from coding.agreement.expert import expert_measures
from coding.agreement.segment_matching import segment_matching
from coding.agreement.spans import Document, Span
from coding.agreement.unitizing import u_alpha_2019, unitizing_alpha
from tests.coding.agreement_oracle import character_level as old_character_level
from tests.coding.agreement_oracle import segment_matching as old_segment_matching
from tests.coding.agreement_oracle import unitizing as old_unitizing

CASES_FILE = Path(__file__).resolve().parent / "data" / "agreement_cases.json"
SPAN_CASES = [
    case
    for case in json.loads(CASES_FILE.read_text(encoding="utf-8"))
    if "spans" in (case.get("input") or {})
]
LAYERS = ["A", "B", "C", "D"]
CODES = ["x", "y", 7, "長"]
THRESHOLDS = [0, 0.5, 0.9, 1, "2/3", Fraction(1, 3), 0.75]
# Text whose length in code points differs from its UTF-16 and UTF-8 lengths.
ALPHABET = "ab 漢字長語\U0001f600\U00020000\U0001d11e"
MANY = settings(max_examples=400, deadline=None, database=None)


def equal(new, old, path: str = "result") -> None:
    """Assert that two results are equal field by field, exact values and key order included."""
    if dataclasses.is_dataclass(new) and not isinstance(new, type):
        new_fields = [f.name for f in dataclasses.fields(new)]
        old_fields = [f.name for f in dataclasses.fields(old)]
        assert new_fields == old_fields, f"{path}: fields {new_fields} != {old_fields}"
        assert type(new).__name__ == type(old).__name__, path
        for name in new_fields:
            equal(getattr(new, name), getattr(old, name), f"{path}.{name}")
    elif isinstance(new, Mapping):
        assert isinstance(old, Mapping), path
        assert list(new) == list(old), f"{path}: keys {list(new)} != {list(old)}"
        for key in new:
            equal(new[key], old[key], f"{path}[{key!r}]")
    elif isinstance(new, list | tuple):
        assert type(new) is type(old), f"{path}: {type(new)} != {type(old)}"
        assert len(new) == len(old), f"{path}: {len(new)} items != {len(old)}"
        for i, (a, b) in enumerate(zip(new, old, strict=True)):
            equal(a, b, f"{path}[{i}]")
    else:
        assert type(new) is type(old), f"{path}: {type(new).__name__} != {type(old).__name__}"
        assert new == old, f"{path}: {new!r} != {old!r}"


@st.composite
def studies(draw):
    layers = LAYERS[: draw(st.integers(2, 4))]
    docs = {}
    for number in range(draw(st.integers(1, 4))):
        shape = draw(st.sampled_from(["text", "short", "long"]))
        if shape == "text":
            length = len(draw(st.text(ALPHABET, min_size=0, max_size=80)))
        elif shape == "short":
            length = draw(st.integers(0, 3))
        else:
            length = draw(st.integers(1, 10**7))
        worked = list(layers)
        if draw(st.booleans()):
            worked = [layer for layer in layers if draw(st.booleans())]
        spans = []
        if length and worked:
            for _ in range(draw(st.integers(0, 14))):
                start = draw(st.integers(0, length - 1))
                if draw(st.booleans()):
                    end = start + 1  # one-character units
                else:
                    end = draw(st.integers(start + 1, min(length, start + 1 + 40)))
                spans.append(
                    Span(draw(st.sampled_from(worked)), draw(st.sampled_from(CODES)), start, end)
                )
            if spans and draw(st.booleans()):  # duplicates, nested and touching neighbours
                s = draw(st.sampled_from(spans))
                spans.append(Span(s.layer, s.code, s.start, s.end))
                if s.end - s.start > 1:
                    spans.append(Span(s.layer, s.code, s.start + 1, s.end))
                if s.end < length:
                    spans.append(Span(s.layer, s.code, s.end, s.end + 1))
                other = draw(st.sampled_from(worked))
                spans.append(Span(other, s.code, s.start, s.end))
        key = draw(st.sampled_from([number, f"doc{number}"]))
        docs.setdefault(key, Document(length, spans, tuple(worked)))
    codes = None
    if draw(st.booleans()):
        codes = draw(st.lists(st.sampled_from([*CODES, "unused"]), unique=True, max_size=5))
    return layers, docs, codes


def both(new_fn, old_fn, *args, **kwargs):
    """Run both engines; the same exception (type and message) counts as equal results."""
    try:
        old = old_fn(*args, **kwargs)
    except ValueError as exc:
        with pytest.raises(ValueError) as raised:
            new_fn(*args, **kwargs)
        assert str(raised.value) == str(exc)
        return None, None
    return new_fn(*args, **kwargs), old


@MANY
@given(studies(), st.booleans())
def test_unitizing_alpha_equals_the_oracle(study, per_document):
    layers, docs, codes = study
    new, old = both(
        unitizing_alpha,
        old_unitizing.unitizing_alpha,
        docs,
        layers,
        codes,
        include_documents=per_document,
    )
    equal(new, old)


@MANY
@given(studies(), st.booleans(), st.sampled_from([None, False, True]))
def test_u_alpha_2019_equals_the_oracle(study, per_document, partition):
    layers, docs, codes = study
    new, old = both(
        u_alpha_2019,
        old_unitizing.u_alpha_2019,
        docs,
        layers,
        codes,
        partition=partition,
        include_documents=per_document,
    )
    equal(new, old)


@MANY
@given(studies(), st.sampled_from(THRESHOLDS))
def test_segment_matching_equals_the_oracle(study, threshold):
    layers, docs, codes = study
    layers = layers[:2]
    new, old = both(
        segment_matching,
        old_segment_matching.segment_matching,
        docs,
        layers,
        codes,
        min_overlap=threshold,
    )
    equal(new, old)


@MANY
@given(studies(), st.booleans())
def test_character_agreement_equals_the_oracle(study, per_document):
    layers, docs, codes = study
    new, old = both(
        character_agreement,
        old_character_level.character_agreement,
        docs,
        layers,
        codes,
        include_documents=per_document,
    )
    equal(new, old)


@MANY
@given(studies(), st.sampled_from(THRESHOLDS), st.sampled_from([None, False, True]))
def test_the_expert_measures_in_one_pass_equal_the_oracle(study, threshold, partition):
    """The report's single pass: alpha_U and u-alpha as their functions pooled, segment
    matching's counts and coefficients without the segment list."""
    layers, docs, codes = study
    try:
        new = expert_measures(docs, layers, codes, min_overlap=threshold, partition=partition)
    except ValueError as exc:
        assert partition is True, exc
        with pytest.raises(ValueError, match="partition=True"):
            old_unitizing.u_alpha_2019(docs, layers, codes, partition=True)
        return
    args = (docs, layers, codes)
    equal(new.unitizing, old_unitizing.unitizing_alpha(*args, include_documents=False))
    equal(
        new.u_alpha,
        old_unitizing.u_alpha_2019(*args, partition=partition, include_documents=False),
    )
    if len(layers) != 2:
        assert new.segments is None
        return
    old = old_segment_matching.segment_matching(*args, min_overlap=threshold)
    assert new.segments.segments == ()
    assert new.segments.per_document == {}
    equal(new.segments, dataclasses.replace(old, segments=(), per_document={}))


GROUPS = {"P": ["x", "y", "P"], "Q": [7, "長"], "R": ["x", 7, "unused"], "y": ["y"]}


@MANY
@given(studies(), st.sampled_from(THRESHOLDS))
def test_grouped_codes_equal_the_oracle_on_rolled_up_documents(study, threshold):
    """A group (a parent and its subtree) equals its members' spans repeated under it."""
    layers, docs, _ = study
    codes = list(GROUPS)
    # "P" has spans of its own too (a parent code applied directly).
    docs = {
        key: Document(
            doc.length,
            [*doc.spans, *(Span(s.layer, "P", s.start, s.end) for s in doc.spans[:2])],
            doc.layers,
        )
        for key, doc in docs.items()
    }
    rolled = {
        key: Document(
            doc.length,
            [
                Span(s.layer, group, s.start, s.end)
                for s in doc.spans
                for group, members in GROUPS.items()
                if s.code in members
            ],
            doc.layers,
        )
        for key, doc in docs.items()
    }
    new = expert_measures(docs, layers, codes, min_overlap=threshold, groups=GROUPS)
    args = (rolled, layers, codes)
    equal(new.unitizing, old_unitizing.unitizing_alpha(*args, include_documents=False))
    equal(new.u_alpha, old_unitizing.u_alpha_2019(*args, include_documents=False))
    if len(layers) == 2:
        old = old_segment_matching.segment_matching(*args, min_overlap=threshold)
        equal(new.segments, dataclasses.replace(old, segments=(), per_document={}))


def _case_input(case):
    data = case["input"]
    codes = list(data.get("codes") or [])
    for span in data["spans"]:
        if span["code"] not in codes:
            codes.append(span["code"])
    spans = [
        Span(s.get("coder", s.get("layer")), s["code"], s["start"], s["end"]) for s in data["spans"]
    ]
    doc = Document(data["length"], spans, tuple(data["coders"]))
    return data, [doc], list(data["coders"]), codes


@pytest.mark.parametrize("case", SPAN_CASES, ids=[case["name"] for case in SPAN_CASES])
def test_the_published_cases_equal_the_oracle(case):
    data, docs, layers, codes = _case_input(case)
    equal(*both(character_agreement, old_character_level.character_agreement, docs, layers, codes))
    equal(*both(unitizing_alpha, old_unitizing.unitizing_alpha, docs, layers, codes))
    equal(
        *both(
            u_alpha_2019,
            old_unitizing.u_alpha_2019,
            docs,
            layers,
            codes,
            partition=data.get("partition"),
        )
    )
    new = expert_measures(
        docs,
        layers,
        codes,
        min_overlap=data.get("min_overlap", 0.9),
        partition=data.get("partition"),
    )
    equal(
        new.unitizing, old_unitizing.unitizing_alpha(docs, layers, codes, include_documents=False)
    )
    if len(layers) == 2:
        equal(
            *both(
                segment_matching,
                old_segment_matching.segment_matching,
                docs,
                layers,
                codes,
                min_overlap=data.get("min_overlap", 0.9),
            )
        )


def test_the_comparison_sees_a_changed_exact_value():
    """The helper is not blind to the ``compare=False`` exact fields."""
    doc = Document(10, [Span("A", "x", 0, 5), Span("B", "x", 1, 5)], ("A", "B"))
    old = old_unitizing.unitizing_alpha([doc], ["A", "B"])
    new = unitizing_alpha([doc], ["A", "B"])
    equal(new, old)
    changed = dataclasses.replace(new.overall, exact_d_o=new.overall.exact_d_o + Fraction(1, 10**9))
    with pytest.raises(AssertionError):
        equal(changed, old.overall)
