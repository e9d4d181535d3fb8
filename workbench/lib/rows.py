"""Model instances from written-out queries (issue 12).

Building a query through the ORM costs more than running it for the small reads every
request makes (the session, the requester, their membership, the transcript). Here a
model's columns are named for a hand-written SELECT, and a row's values become an instance
as the ORM's compiler makes one: each value through the database's and the field's
converters (SQLite's text datetimes and integer booleans, JSON text), then
``Model.from_db``. What a query reads and decides stays where it is written; this only
turns rows into objects.
"""

from __future__ import annotations

from django.db import connection

_CONVERTERS: dict[tuple, list] = {}


def converters(fields) -> list:
    """Per field, a function turning the database's value into the field's Python value,
    as the ORM's compiler does (cached per database vendor and field list)."""
    key = (connection.vendor, *(f.model._meta.label + "." + f.attname for f in fields))
    found = _CONVERTERS.get(key)
    if found is not None:
        return found
    out = []
    for f in fields:
        col = f.get_col(f.model._meta.db_table)
        steps = connection.ops.get_db_converters(col) + f.get_db_converters(connection)

        def convert(value, steps=steps, col=col):
            for step in steps:
                value = step(value, col, connection)
            return value

        out.append(convert if steps else None)
    _CONVERTERS[key] = out
    return out


def columns(model, alias: str) -> Columns:
    """The :class:`Columns` of ``model`` under ``alias`` (made once per database vendor)."""
    key = (connection.vendor, model._meta.label, alias)
    found = _COLUMNS.get(key)
    if found is None:
        found = _COLUMNS[key] = Columns(model, alias)
    return found


_COLUMNS: dict[tuple, Columns] = {}


class Columns:
    """Every concrete column of ``model`` under the table alias ``alias``: ``sql`` for the
    SELECT list, ``build(row, at)`` for the instance made of ``row[at:at + len(self)]``."""

    def __init__(self, model, alias: str):
        self.model = model
        self.fields = model._meta.concrete_fields
        self.names = [f.attname for f in self.fields]
        self.converters = converters(self.fields)
        qn = connection.ops.quote_name
        self.sql = ", ".join(f"{alias}.{qn(f.column)}" for f in self.fields)

    def __len__(self) -> int:
        return len(self.fields)

    def build(self, row, at: int = 0, *, using: str = "default"):
        values = row[at : at + len(self.fields)]
        values = [
            v if convert is None else convert(v)
            for convert, v in zip(self.converters, values, strict=True)
        ]
        return self.model.from_db(using, self.names, values)


def insert(objs: list) -> None:
    """Save the new instances ``objs`` (a few, of one model, with an automatic primary key)
    in one written-out ``INSERT … RETURNING``, as ``bulk_create`` stores them (each field's
    ``pre_save``, e.g. ``auto_now_add``, then its database value; no signals, no
    validation: the caller validates); sets each one's primary key. An IntegrityError
    (a unique or check constraint) rolls back as the ORM's would."""
    if not objs:
        return
    if not connection.features.can_return_rows_from_bulk_insert:  # SQLite before 3.35
        for obj in objs:
            obj.save(force_insert=True)
        return
    model = type(objs[0])
    sql, fields, pk = _insert_sql(model, len(objs))
    params: list = []
    for obj in objs:
        params += [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [row[0] for row in cursor.fetchall()]
    alias = connection.alias
    for obj, pk_value in zip(objs, ids, strict=True):
        setattr(obj, pk.attname, pk_value)
        obj._state.adding = False
        obj._state.db = alias


_INSERTS: dict[tuple, tuple] = {}


def _insert_sql(model, n: int) -> tuple[str, list, object]:
    key = (connection.vendor, model._meta.label, n)
    found = _INSERTS.get(key)
    if found is None:
        meta = model._meta
        pk = meta.pk
        fields = [f for f in meta.concrete_fields if f is not pk]
        qn = connection.ops.quote_name
        marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
        sql = (
            f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
            f"VALUES {', '.join([marks] * n)} RETURNING {qn(pk.column)}"
        )
        found = _INSERTS[key] = (sql, fields, pk)
    return found
