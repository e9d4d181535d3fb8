"""The retrieval export: the page's segments, one row each, as CSV or XLSX.

Written by :mod:`coding.exports` (formula escaping, R-readable CSV, XLSX "About" sheet).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import slugify

from coding import exports
from coding.compare import UNION as UNION_KEY
from coding.models import Segment
from coding.retrieval.selectors import RetrievalState, state_segments
from coding.selectors import Codebook
from studies.access import StudyAccess

FORMATS = ("csv", "xlsx")

EXPORT_HEADER = [
    "code_path",
    "group",
    "wave",
    "participant",
    "transcript",
    "layer",
    "start",
    "end",
    "quote",
    "memo",
    "segment_id",
    "coded_at",
    "needs_review",
    "quote_at_coding",
]


def export_rows(segments: Iterable[Segment], book: Codebook) -> Iterator[list[Any]]:
    """One row per segment, in :data:`EXPORT_HEADER` order (no query beyond ``segments``)."""
    paths = exports.code_paths(book)
    for seg in segments:
        transcript = seg.transcript
        participant = transcript.participant
        group = participant.group if participant is not None else None
        yield [
            paths.get(seg.code_id) or seg.code.name,
            group.name if group is not None else None,
            transcript.wave.name if transcript.wave is not None else None,
            participant.pseudonym if participant is not None else None,
            transcript.title,
            seg.layer.label,
            seg.start,
            seg.end,
            seg.quote,
            seg.memo,
            seg.pk,
            seg.created_at,
            seg.needs_review,
            seg.quote_at_coding,
        ]


def export_filename(access: StudyAccess, state: RetrievalState, fmt: str) -> str:
    """``<study>-<code path>-<date>.<fmt>`` (``all codes`` without a code)."""
    stem = slugify(f"{access.study.name} {state.code_path or 'all codes'}")[:80] or "segments"
    return f"{stem}-{timezone.localdate().isoformat()}.{fmt}"


def about_rows(access: StudyAccess, state: RetrievalState, username: str) -> list[tuple[str, Any]]:
    """Label/value pairs describing the request, for the XLSX "About" sheet."""

    def name(items, pk):
        return next((str(i) for i in items if i.pk == pk), "All")

    f = state.filters
    layer = next((lr.label for lr in state.layers if lr.key == f.layer), "")
    if f.layer == UNION_KEY:
        layer = "Coders' union: " + ", ".join(lr.label for lr in state.chosen_layers or [])
    about = [
        ("Study", access.study.name),
        ("Code", state.code_path or "All codes"),
        ("Subcodes included", "yes" if f.subtree else "no"),
        ("Group", name(state.groups, f.group)),
        ("Wave", name(state.waves, f.wave)),
        ("Participant", name(state.participants, f.participant)),
        (
            "Layer",
            layer or "All layers you can see: " + ", ".join(lr.label for lr in state.layers),
        ),
        ("Exported by", username),
    ]
    if access.blind:
        about.append(("Scope", "Blind coding: only your own layer."))
    return about


def export_response(
    access: StudyAccess, state: RetrievalState, fmt: str, *, username: str
) -> HttpResponse:
    """The download: every visible segment the filters select (streamed, no context)."""
    segments = iter(state_segments(access, state, context=0))
    rows = export_rows(segments, state.book)
    filename = export_filename(access, state, fmt)
    if fmt == "csv":
        return exports.csv_response(filename, EXPORT_HEADER, rows)
    sheet = exports.Sheet("Segments", EXPORT_HEADER, rows)
    return exports.xlsx_response(filename, [sheet], about=about_rows(access, state, username))
