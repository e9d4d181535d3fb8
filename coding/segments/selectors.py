"""Reads for coding a transcript: which layers exist for a member, and a transcript's
segments. Each says what it preloads and how many queries it runs."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.db import connection
from django.db.models import Exists, OuterRef, Subquery

from coding.models import Assignment, Layer, LayerKind, Segment
from studies.access import StudyAccess, visible_layers
from workbench.lib.rows import converters as db_converters


@dataclass
class LayerOption:
    """One choice of a layer switcher: a layer's key (or ``mine``, ``consensus``,
    ``all``/``union``), what it is called, and whether it is the one shown."""

    key: str
    label: str
    current: bool = False
    user_content: bool = False  # a person's name (translate="no"), not an interface word


def layers_for(access: StudyAccess) -> list[Layer]:
    """Visible layers, ordered: the requester's own first, then consensus, then others."""
    layers = list(visible_layers(access))
    user_id = access.membership.user_id

    def order(layer: Layer):
        own = layer.kind == LayerKind.CODER and layer.user_id == user_id
        return (0 if own else 1 if layer.kind == LayerKind.CONSENSUS else 2, layer.label.lower())

    return sorted(layers, key=order)


def marked_layers(access: StudyAccess, transcript=None) -> list[Layer]:
    """Every layer ``access`` may see (:func:`studies.access.visible_layers`, user
    preloaded), each with ``has_segments``: the input of :func:`listed_layers` read ahead,
    e.g. by a write that needs its own layer and, after writing, the page's layer state
    (mark the layer written to). ``transcript``: each layer also carries ``done_at``, when
    its assignment of that transcript was marked done (None: not done, or not assigned).
    One query, written out (building it through the ORM cost more than running it: every
    coding page and write asks); :func:`marked_layers_orm` is the same through the ORM."""
    sql, params = _marked_sql(access, transcript)
    layer_fields, user_fields = _fields()
    n_layer, n_user = len(layer_fields), len(user_fields)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    # What turns a row into instances, looked up once per read, not once per row.
    alias, user_model = connection.alias, _user_model()
    layer_conv, user_conv = db_converters(layer_fields), db_converters(user_fields)
    layer_names = [f.attname for f in layer_fields]
    user_names = [f.attname for f in user_fields]
    (done_conv,) = db_converters((_DONE_AT,)) if transcript is not None else (None,)
    layers = []
    for row in rows:
        layer = Layer.from_db(alias, layer_names, _converted(layer_conv, row))
        if row[n_layer] is not None:
            user_values = _converted(user_conv, row[n_layer : n_layer + n_user])
            layer.user = user_model.from_db(alias, user_names, user_values)
        else:
            layer.user = None
        layer.has_segments = bool(row[n_layer + n_user])
        if transcript is not None:
            done_at = row[n_layer + n_user + 1]
            layer.done_at = done_conv(done_at) if done_conv else done_at
        layers.append(layer)
    return layers


def marked_layers_orm(access: StudyAccess, transcript=None) -> list[Layer]:
    """:func:`marked_layers` through the ORM (the reference its tests compare with)."""
    layers = visible_layers(access).annotate(
        has_segments=Exists(Segment.objects.filter(layer=OuterRef("pk")))
    )
    if transcript is not None:
        done = Assignment.objects.filter(layer=OuterRef("pk"), transcript=transcript)
        layers = layers.annotate(done_at=Subquery(done.values("done_at")[:1]))
    return list(layers)


def _user_model():
    from django.contrib.auth import get_user_model

    return get_user_model()


_DONE_AT = Assignment._meta.get_field("done_at")


#: The user columns a layer's name and initials need; the rest (the password hash, login
#: times, flags) stays deferred: no page shows it, and each row would parse its dates.
_USER_COLUMNS = ("id", "username", "first_name", "last_name", "email", "is_active")


@lru_cache(maxsize=1)
def _fields():
    user_fields = tuple(_user_model()._meta.get_field(name) for name in _USER_COLUMNS)
    return Layer._meta.concrete_fields, user_fields


def _converted(converters: list, values) -> list:
    """``values`` (a row's columns, in field order) as the ORM gives them (None: as stored)."""
    return [c(v) if c else v for c, v in zip(converters, values, strict=False)]


def _marked_sql(access: StudyAccess, transcript) -> tuple[str, list]:
    qn = connection.ops.quote_name
    layer_fields, user_fields = _fields()
    layer_t, user_t = qn(Layer._meta.db_table), qn(_user_model()._meta.db_table)
    segment_t, assignment_t = qn(Segment._meta.db_table), qn(Assignment._meta.db_table)
    columns = [f"L.{qn(f.column)}" for f in layer_fields]
    columns += [f"U.{qn(f.column)}" for f in user_fields]
    columns.append(f'EXISTS(SELECT 1 FROM {segment_t} S WHERE S."layer_id" = L."id")')
    params: list = []
    if transcript is not None:
        columns.append(
            f'(SELECT A."done_at" FROM {assignment_t} A WHERE A."layer_id" = L."id" '
            'AND A."transcript_id" = %s LIMIT 1)'
        )
        params.append(transcript.pk)
    where = 'L."study_id" = %s'
    params.append(access.study.pk)
    if access.blind:
        where += ' AND L."kind" = %s AND L."user_id" = %s'
        params += [LayerKind.CODER, access.membership.user_id]
    sql = (
        f"SELECT {', '.join(columns)} FROM {layer_t} L "
        f'LEFT OUTER JOIN {user_t} U ON U."id" = L."user_id" WHERE {where} '
        'ORDER BY L."kind", L."name", L."id"'
    )
    return sql, params


def listed_layers(
    access: StudyAccess,
    *,
    keep_own: bool = False,
    marked: list[Layer] | None = None,
    transcript=None,
) -> list[Layer]:
    """The layers to offer anywhere layers are listed or pooled: the visible layers that
    hold at least one segment, ordered like :func:`layers_for`.

    This is the one rule for "which layers exist" as far as people are concerned: the
    coding page's layer switcher, the coders' union (coded retrieval, comparisons), and the
    layer choices of retrieval, comparisons and the agreement report. A layer with no
    segment (created by an undone first highlight, an assignment never started) appears in
    none of them. ``keep_own`` keeps the requester's own coder layer even when empty (the
    coding page's "Mine"). ``transcript``: each layer also carries ``done_at`` (see
    :func:`marked_layers`). One query; none when ``marked`` (:func:`marked_layers`) is given.
    """
    user_id = access.membership.user_id
    layers = marked_layers(access, transcript) if marked is None else marked

    def order(layer: Layer):
        own = layer.kind == LayerKind.CODER and layer.user_id == user_id
        return (0 if own else 1 if layer.kind == LayerKind.CONSENSUS else 2, layer.label.lower())

    return sorted(
        (
            layer
            for layer in layers
            if layer.has_segments
            or (keep_own and layer.kind == LayerKind.CODER and layer.user_id == user_id)
        ),
        key=order,
    )


def segments_for_transcript(access: StudyAccess, transcript, layers=None):
    """Segments of a transcript in the given layers, restricted to what ``access`` may see.

    Preloads code and layer (with user): one query.
    """
    if layers is None:
        layers = layers_for(access)
    allowed = [layer for layer in layers if access.can_see_layer(layer)]
    return Segment.objects.for_transcript(transcript, layers=allowed)


#: The coding page's segment columns (coding/segments/page.py ``PAGE_SEGMENT_COLUMNS``),
#: the last being the creation time as the database's text.
_PAGE_FIELDS = tuple(
    Segment._meta.get_field(name)
    for name in ("id", "start", "end", "code", "layer", "memo", "needs_review")
)


def page_segment_rows(access: StudyAccess, transcript, layers) -> list[tuple]:
    """The coding page's rows of the segments of ``transcript`` in ``layers`` that
    ``access`` may see: ``(pk, start, end, code_id, layer_id, memo, needs_review,
    created_text)``, in no order. One written-out query (building it through the ORM cost
    more than running it on every page, issue 12); the same rows as
    ``page.page_segment_rows(segments_for_transcript(...))`` through the ORM, which
    tests/coding/test_page_reads_written_out.py compares it with."""
    allowed = [layer.pk for layer in layers if access.can_see_layer(layer)]
    if not allowed:
        return []
    qn = connection.ops.quote_name
    cols = ", ".join(f"S.{qn(f.column)}" for f in _PAGE_FIELDS)
    cast = connection.ops.cast_char_field_without_max_length
    created = f"CAST(S.{qn('created_at')} AS {cast})"
    marks = ", ".join(["%s"] * len(allowed))
    sql = (
        f"SELECT {cols}, {created} FROM {qn(Segment._meta.db_table)} S "
        f'WHERE S."transcript_id" = %s AND S."layer_id" IN ({marks})'
    )
    converters = db_converters(_PAGE_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(sql, [transcript.pk, *allowed])
        rows = cursor.fetchall()
    # Only the columns with a converter are converted (on SQLite, ``needs_review``: its
    # 0/1): a row is rebuilt once per such column, not zipped with every column's, and each
    # distinct value (a database's values are hashable) is converted once.
    converted = [(i, convert) for i, convert in enumerate(converters) if convert]
    if not converted:
        return [tuple(row) for row in rows]
    for i, convert in converted:
        memo = {v: convert(v) for v in {row[i] for row in rows}}
        rows = [(*row[:i], memo[row[i]], *row[i + 1 :]) for row in rows]
    return rows
