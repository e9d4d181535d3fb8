"""The Words table as a file: one long table for R and pandas (CSV), the same table plus an
"About" sheet (XLSX), as the comparison exports (:mod:`coding.compare.exports`)."""

from __future__ import annotations

from collections.abc import Iterator

from django.http import HttpResponse
from django.utils.translation import gettext

from coding import exports
from coding.compare.cuts import Cut
from coding.words.forms import WordParams
from coding.words.selectors import WordTable
from studies.access import StudyAccess
from workbench.lib.http import attachment_name

WORDS_EXPORT_HEADER = [
    "kind",
    "rank",
    "text",
    "total",
    "group",
    "wave",
    "count",
    "transcripts_in_cell",
    "words_in_cell",
]


def words_rows(table: WordTable) -> Iterator[list]:
    """One row per word (or phrase) and column, the total repeated on each."""
    for row in [*table.words, *table.phrases]:
        for column, n in zip(table.columns, row.counts, strict=True):
            yield [
                row.kind,
                row.rank,
                row.text,
                row.total,
                column.group,
                column.wave,
                n,
                column.transcripts,
                column.words,
            ]


def speech_label(params: WordParams) -> str:
    if params.participant_speech:
        return gettext("each transcript's participant only")
    if params.speaker:
        return gettext("speaker “%(speaker)s” only") % {"speaker": params.speaker}
    return gettext("everyone (speaker labels left out)")


def words_file(
    access: StudyAccess, params: WordParams, cut: Cut, table: WordTable, fmt: str
) -> HttpResponse:
    filename = attachment_name(access.study, "words", fmt)
    rows = words_rows(table)
    if fmt == "csv":
        return exports.csv_response(filename, WORDS_EXPORT_HEADER, rows)
    lines = [
        (gettext("Study"), access.study.name),
        (
            gettext("Columns"),
            gettext("%(by)s × wave") % {"by": cut.by.name}
            if cut.by
            else gettext("stakeholder group × wave"),
        ),
        (
            gettext("Filters"),
            "; ".join(f"{f.name} = {f.value}" for f in cut.restrict) or gettext("none"),
        ),
        (gettext("Speech counted"), speech_label(params)),
        (
            gettext("Stop words"),
            gettext("kept") if params.keep_stop_words else gettext("left out (English, Chinese)"),
        ),
        (gettext("Own stop words"), params.extra or gettext("none")),
        (gettext("Shortest word"), gettext("%(n)s characters") % {"n": params.min_length}),
        (gettext("Transcripts counted"), table.transcripts),
        (gettext("Words counted"), table.words_total),
        (gettext("Not in a column"), f"{table.unplaced} transcripts (in the totals only)"),
        (
            gettext("Definitions"),
            "A word: letters (lower case) or a Chinese word cut by jieba (PyCantonese for "
            "Cantonese transcripts), counted in its own characters. A phrase: two words "
            "with only spaces between them. words_in_cell: every word counted in that "
            "cell's transcripts, stop words included.",
        ),
    ]
    sheet = exports.Sheet(gettext("Words"), WORDS_EXPORT_HEADER, rows)
    return exports.xlsx_response(filename, [sheet], about=lines)
