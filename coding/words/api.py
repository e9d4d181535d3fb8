"""GET /api/v1/studies/{id}/words (registered in :mod:`workbench.api`): its schemas and
its answer, the Words table as JSON."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from ninja import Schema
from pydantic import Field

from coding.compare import cuts
from coding.words import forms, selectors
from studies.access import StudyAccess


class WordColumnOut(Schema):
    group: str = Field(description="The stakeholder group, or the attribute's value with `by`.")
    wave: str
    transcripts: int = Field(description="Transcripts counted in this column.")
    words: int = Field(description="Every word counted in them (stop words included).")


class WordOut(Schema):
    text: str = Field(description="Lower case for Latin letters; Chinese as written.")
    total: int
    counts: list[int] = Field(description="One per column, in the order of `columns`.")
    search: str = Field(description="The Search page for it, with the same filters.")


class WordsOut(Schema):
    by: str = Field(description="`group`, or the `attribute:<name>` the columns are cut by.")
    columns: list[WordColumnOut]
    transcripts: int = Field(description="Transcripts counted, in a column or not.")
    words_total: int
    unplaced: int = Field(description="Transcripts counted only in the totals (no column).")
    words: list[WordOut]
    phrases: list[WordOut]


def words_answer(request, access: StudyAccess) -> dict:
    """The most frequent words and two-word phrases, as on the Words page: counts per
    stakeholder group and wave (`by=attribute:<name>`, with `bins` for a number: per value
    and wave), each column with its transcripts and words. Chinese is segmented by jieba
    (PyCantonese for transcripts whose language is Cantonese) and counted as written.
    Parameters: `group`, `wave` (ids), `attribute:<name>=<value>`, `speech=participant` or
    `speaker=<label>`, `min` (shortest word, 2), `stop=include` (keep stop words),
    `extra` (more stop words), `top` (50, at most 500). Nothing of codes or memos."""
    params = forms.word_params(request.GET)
    cut = cuts.cut_from(access.study, request.GET)
    if cut.errors:
        raise ValidationError(" ".join(cut.errors))
    table = selectors.word_table(access.study, params, cut)

    def rows(items):
        return [
            {
                "text": r.text,
                "total": r.total,
                "counts": r.counts,
                "search": request.build_absolute_uri(r.link),
            }
            for r in items
        ]

    return {
        "by": cut.by.key if cut.by is not None else "group",
        "columns": [
            {"group": c.group, "wave": c.wave, "transcripts": c.transcripts, "words": c.words}
            for c in table.columns
        ],
        "transcripts": table.transcripts,
        "words_total": table.words_total,
        "unplaced": table.unplaced,
        "words": rows(table.words),
        "phrases": rows(table.phrases),
    }
