from __future__ import annotations

import json

from coding.retrieval.selectors import retrieve
from studies.access import study_access
from tests import factories
from workbench.bench.retrieval import retrieval_floor


def test_the_floor_reads_the_first_pages_rows_and_windows_in_the_pages_order(study, owner):
    code = factories.make_code(study, name="Trust")
    layer = factories.make_layer(study, owner)
    groups = [factories.make_group(study, name=n, position=i) for i, n in enumerate("BA")]
    wave = factories.make_wave(study)
    text = "我 trust 𠝹 the team, " * 300
    for i in range(6):
        transcript = factories.make_transcript(
            study,
            text=text,
            participant=factories.make_participant(study, group=groups[i % 2]),
            wave=wave,
        )
        for k in range(5):
            start = 7 + 300 * k + i
            factories.make_segment(transcript, code, layer, start, start + 40)
    floor = json.loads(retrieval_floor(code.pk, page_size=17, context=30))
    page = retrieve(study_access(owner, study.pk), code_ids=[code.pk], context_chars=30)
    passages = page.passages(0, 17)
    assert [row[0] for row in floor] == [p.pk for p in passages]
    assert [row[-1] for row in floor] == [
        p.context_before + p.quote + p.context_after for p in passages
    ]
