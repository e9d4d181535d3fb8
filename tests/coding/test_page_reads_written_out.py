"""The coding page's written-out reads (issue 12) give what the ORM's give: the segment
rows of :func:`coding.segments.selectors.page_segment_rows` against
``page.page_segment_rows`` of ``segments_for_transcript``, for every persona, blind coding
on and off, each layer view."""

from __future__ import annotations

import pytest

from coding.segments import page, selectors
from studies.access import study_access
from tests import factories


@pytest.fixture
def coded(study, owner, coder, coder2):
    text = "P01: one two three four five six seven.\nP02: eight nine ten.\n"
    transcript = factories.make_transcript(study, text=text)
    other = factories.make_transcript(study, title="Other", text=text)
    shame = factories.make_code(study, name="Shame")
    hope = factories.make_code(study, name="Hope")
    layers = [
        factories.make_layer(study, owner),
        factories.make_layer(study, coder),
        factories.make_layer(study, coder2),
        factories.make_layer(study),  # consensus
    ]
    for i, layer in enumerate(layers):
        factories.make_segment(transcript, shame, layer, 5, 12 + i, memo=f"memo {i} — 你好")
        factories.make_segment(transcript, hope, layer, 0, 3, needs_review=bool(i % 2))
        factories.make_segment(other, hope, layer, 0, 3)  # another transcript's: not read
    return transcript


@pytest.mark.parametrize("blind", [False, True])
def test_the_segment_rows_are_the_orms(
    study, owner, coder, viewer, coded, blind, django_assert_num_queries
):
    study.blind_coding = blind
    study.save()
    seen = 0
    for user in (owner, coder, viewer):
        access = study_access(user, study.pk)
        for view in ("mine", "consensus", "all"):
            state = page.layer_state(access, view, coded)
            qs = selectors.segments_for_transcript(access, coded, layers=state.shown)
            orm = sorted(page.page_segment_rows(qs))
            with django_assert_num_queries(1 if state.shown else 0):
                raw = selectors.page_segment_rows(access, coded, state.shown)
            assert sorted(raw) == orm, (user, view)
            assert [tuple(map(type, r)) for r in sorted(raw)] == [tuple(map(type, r)) for r in orm]
            seen += len(orm)
    assert seen  # rows were compared, not only empty lists


def test_layers_the_requester_may_not_see_are_not_read(study, coder, coded):
    """Given layers a blind coder may not see (as no page gives it), none of their rows."""
    study.blind_coding = True
    study.save()
    access = study_access(coder, study.pk)
    every = list(coded.study.layers.all())
    rows = selectors.page_segment_rows(access, coded, every)
    own = {layer.pk for layer in every if layer.user_id == coder.pk}
    assert rows and {r[4] for r in rows} == own
