"""The retrieval export: the page's segments, one row each, as CSV or XLSX.

Written by :mod:`coding.exports` (formula escaping, R-readable CSV, XLSX "About" sheet).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse, QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext

from coding import exports
from coding.codebook.selectors import Codebook
from coding.codebook.versions import VersionClock
from coding.compare.layers import UNION as UNION_KEY
from coding.jobs.progress import Progress, counted
from coding.models import Code, Layer, Segment
from coding.retrieval.forms import RetrievalForm
from coding.retrieval.selectors import RetrievalState, retrieval_state, state_segments
from studies.access import StudyAccess
from studies.models import Attribute
from workbench.lib.http import FILENAME_STEM_LENGTH, clipped_slug

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
    "codebook_version",  # the version current when it was coded (coding.codebook.versions)
]


def export_header(defs: Sequence[Attribute] = ()) -> list[str]:
    """:data:`EXPORT_HEADER` then one column per attribute (participant ones, then
    transcript ones)."""
    return [*EXPORT_HEADER, *exports.attribute_columns(defs, EXPORT_HEADER)]


def export_rows(
    segments: Iterable[Segment],
    book: Codebook,
    defs: Sequence[Attribute] = (),
    clock: VersionClock | None = None,
) -> Iterator[list[Any]]:
    """One row per segment, in :func:`export_header` order (no query beyond ``segments``).
    ``clock``: the study's codebook versions (none: the column is empty)."""
    paths = exports.code_paths(book)
    clock = clock or VersionClock([])
    for seg in segments:
        transcript = seg.transcript
        participant = transcript.participant
        group = participant.group if participant is not None else None
        attributes = exports.attribute_cells(
            defs, participant.attributes if participant is not None else None, transcript.attributes
        )
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
            clock.name_at(seg.created_at),
            *attributes,
        ]


# The joined columns of an export row, read with values_list() (no model instances).
_EXPORT_VALUES = (
    "code_id",
    "transcript__participant__group__name",
    "transcript__wave__name",
    "transcript__participant__pseudonym",
    "transcript__title",
    "layer_id",
    "start",
    "end",
    "quote",
    "memo",
    "pk",
    "created_at",
    "needs_review",
    "quote_at_coding",
    "transcript__participant__attributes",
    "transcript__attributes",
)


def export_value_rows(
    segments: QuerySet[Segment],
    book: Codebook,
    *,
    layers: Iterable[Layer],
    defs: Sequence[Attribute] = (),
    chunk_size: int = 2000,
    clock: VersionClock | None = None,
) -> Iterator[list[Any]]:
    """The rows of :func:`export_rows` for a whole QuerySet, without building models.

    Group, wave, participant and transcript title are joined in the SQL; code paths come
    from ``book`` and layer labels from ``layers`` (the layers the requester may see, with
    ``user`` loaded: the only ones ``segments`` can hold). A code missing from ``book``
    falls back to its name as in :func:`export_rows` (one more query, only then). The rows
    stream from the database in chunks of ``chunk_size``: memory stays flat however many
    segments there are. Queries: one, for the rows.
    """
    paths = exports.code_paths(book)
    labels = {layer.pk: layer.label for layer in layers}
    names: dict[int, str] | None = None
    rows = segments.values_list(*_EXPORT_VALUES)
    for row in rows.iterator(chunk_size=chunk_size):
        *row, p_attrs, t_attrs = row
        code_id, *middle, layer_id, start, end, quote, memo, pk, created, review, at_coding = row
        path = paths.get(code_id)
        if path is None:
            if names is None:
                names = dict(
                    Code.objects.filter(pk__in=segments.values("code_id")).values_list("pk", "name")
                )
            path = names.get(code_id)
        yield [
            path,
            *middle,
            labels.get(layer_id),
            start,
            end,
            quote,
            memo,
            pk,
            created,
            review,
            at_coding,
            clock.name_at(created),
            *exports.attribute_cells(defs, p_attrs, t_attrs),
        ]


#: Longest code path in an export's file name (the leaf code is always kept whole).
FILENAME_CODE_LENGTH = 60


def code_filename_part(state: RetrievalState) -> str:
    """The code filtered on, for a file name: its leaf's slug (letters of any script kept:
    the name is sent as RFC 6266 ``filename*``), preceded by as many of its nearest parents
    as fit in :data:`FILENAME_CODE_LENGTH`; ``all-codes`` without a code."""
    book = state.book
    node = book.by_id.get(state.filters.code) if state.filters.code else None
    if node is None:
        return "all-codes"
    slugs = []
    while node is not None:
        slugs.append(clipped_slug(node.code.name, FILENAME_CODE_LENGTH, allow_unicode=True))
        node = book.by_id.get(node.code.parent_id)
    leaf, *parents = slugs
    part = leaf or f"code-{state.filters.code}"
    for slug in parents:
        if not slug:
            continue
        if len(slug) + 1 + len(part) > FILENAME_CODE_LENGTH:
            break
        part = f"{slug}-{part}"
    return part


def export_filename(access: StudyAccess, state: RetrievalState, fmt: str) -> str:
    """``<study>-<code path>-<date>.<fmt>``, e.g. ``peer-support-in-hong-kong-a-longitudinal-
    role-and-identity-role-confusion-unclear-job-description-2026-12-02.csv`` (the study's
    slug cut at a word, at most FILENAME_STEM_LENGTH characters, as the other exports)."""
    study = clipped_slug(access.study.name, FILENAME_STEM_LENGTH) or f"study-{access.study.pk}"
    return f"{study}-{code_filename_part(state)}-{timezone.localdate().isoformat()}.{fmt}"


def about_rows(access: StudyAccess, state: RetrievalState, username: str) -> list[tuple[str, Any]]:
    """Label/value pairs describing the request, for the XLSX "About" sheet."""

    def name(items, pk):
        return next((str(i) for i in items if i.pk == pk), gettext("All"))

    f = state.filters
    layer = next((lr.label for lr in state.layers if lr.key == f.layer), "")
    if f.layer == UNION_KEY:
        layer = (
            gettext("Coders' union:")
            + " "
            + ", ".join(lr.label for lr in state.chosen_layers or [])
        )
    about = [
        (gettext("Study"), access.study.name),
        (gettext("Code"), state.code_path or gettext("All codes")),
        (gettext("Subcodes included"), "yes" if f.subtree else "no"),
        (gettext("Group"), name(state.groups, f.group)),
        (gettext("Wave"), name(state.waves, f.wave)),
        (gettext("Participant"), name(state.participants, f.participant)),
        *((gettext("Attribute %(name)s") % {"name": a.name}, a.value) for a in f.attributes),
        (
            gettext("Layer"),
            layer
            or gettext("All layers you can see:")
            + " "
            + ", ".join(lr.label for lr in state.layers),
        ),
        (gettext("Exported by"), username),
    ]
    if access.blind:
        about.append((gettext("Scope"), gettext("Blind coding: only your own layer.")))
    return about


def export_response(
    access: StudyAccess, state: RetrievalState, fmt: str, *, username: str
) -> HttpResponse:
    """The download: every visible segment the filters select (streamed, no context)."""
    segments = state_segments(access, state, context=0).segments
    defs = state.attribute_defs
    clock = VersionClock.for_study(access.study)
    rows = export_value_rows(segments, state.book, layers=state.layers, defs=defs, clock=clock)
    filename = export_filename(access, state, fmt)
    if fmt == "csv":
        return exports.csv_response(filename, export_header(defs), rows)
    sheet = exports.Sheet(gettext("Segments"), export_header(defs), rows)
    return exports.xlsx_response(filename, [sheet], about=about_rows(access, state, username))


def export_write(
    access: StudyAccess, query: str, fmt: str, out: IO[bytes], *, progress: Progress
) -> None:
    """Write the export that ``retrieval_export`` answers for ``?query`` to ``out`` (the
    background job of a big export). Raises ValidationError when a filter no longer exists."""
    form = RetrievalForm(QueryDict(query))
    state = retrieval_state(access, form.filters(), form.given())
    if state.errors:
        raise ValidationError(" ".join(state.errors))
    segments = state_segments(access, state, context=0).segments
    defs = state.attribute_defs
    rows = counted(
        export_value_rows(
            segments,
            state.book,
            layers=state.layers,
            defs=defs,
            clock=VersionClock.for_study(access.study),
        ),
        segments.count(),
        progress,
    )
    # ``?headers=names`` asked for the English column names, as the direct download does.
    names = QueryDict(query).get(exports.HEADERS_PARAM) == exports.HEADERS_NAMES
    with translation.override("en") if names else contextlib.nullcontext():
        if fmt == "csv":
            exports.csv_write(out, export_header(defs), rows)
        else:
            sheets = [exports.Sheet(gettext("Segments"), export_header(defs), rows)]
            about = about_rows(access, state, access.user.get_username())
            exports.xlsx_write(out, sheets, about=about)
