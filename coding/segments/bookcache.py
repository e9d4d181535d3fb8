"""The coding page's codebook, read in one plain query and kept per process by its content.

Every coding page, fragment and page write needs the study's codebook (the tree, the
picker's JSON, the type-ahead's fold map, the tree's and the filter's markup) and the
codebook versions (under which codebook each segment was coded). Building ~60 ``Code``
instances through the ORM, and the markup from them, was most of what an empty coding page
and a write cost (issue 12). Here one query reads the codes' columns and the versions'
(``UNION ALL``), and everything built from them is kept in a small per-process cache
**keyed by the rows themselves**: a request that reads the same rows gets the same
structure, and any change to a code or a version (through the services, the admin, an
``update()``, another process) changes the rows and so the key. There is nothing to
invalidate, and no process can serve another's stale state.

What the cache holds is shared between requests (and threads): read only. Its codes are
localised for display (:func:`coding.codebook.selectors.localise`): never save them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from django.db import connection
from django.utils import translation
from django.utils.dateparse import parse_datetime

from coding.agreement.periods import Periods
from coding.codebook import selectors as codebook_selectors
from coding.codebook.versions import CHANGE_ACTIONS
from coding.models import Code, CodebookVersion
from studies import languages
from studies.access import StudyAccess

#: Columns read of each code, in the order of the query (``kind`` 0 first).
_CODE_FIELDS = (
    "id",
    "parent_id",
    "name",
    "description",
    "name2",
    "description2",
    "color",
    "position",
    "archived",
    "is_codable",
    "proposed",
    "created_by_id",
)
#: At most this many codebooks (a study × who may see what × language) per process.
MAX_ENTRIES = 256

_lock = threading.Lock()
_entries: OrderedDict[tuple, Entry] = OrderedDict()


@dataclass
class PageBook:
    """One reader's codebook (visibility and language) and what the page builds from it,
    each built once per cached codebook (``derived``, keyed by what builds it)."""

    book: codebook_selectors.Codebook
    periods_rows: list
    derived: dict[Any, Any] = field(default_factory=dict)

    def periods(self) -> Periods:
        """The study's codebook periods (:class:`coding.agreement.periods.Periods`, built
        per call: its words are in the interface language of the moment)."""
        versions, after = self.periods_rows
        return Periods(versions, after)

    def memo(self, key, build):
        """``derived[key]``, built by ``build()`` the first time."""
        try:
            return self.derived[key]
        except KeyError:
            value = self.derived[key] = build()
            return value


@dataclass
class Entry:
    rows: tuple
    books: dict[tuple, PageBook] = field(default_factory=dict)


def _query(study_id: int, change_actions) -> tuple[str, list]:
    code = connection.ops.quote_name(Code._meta.db_table)
    version = connection.ops.quote_name(CodebookVersion._meta.db_table)
    audit = connection.ops.quote_name("coding_auditevent")
    actions = ", ".join(["%s"] * len(change_actions))
    # Versions ride in the same columns: id, audit mark, name, created_at and the first
    # codebook change after the version (both as the database's text), the rest blank.
    sql = (
        'SELECT 0 AS "kind", "id", "parent_id", "name", "description", "name2", '
        '"description2", "color", "position", "archived", "is_codable", "proposed", '
        f'"created_by_id" FROM {code} WHERE "study_id" = %s '
        'UNION ALL SELECT 1, v."id", v."audit_mark", v."name", CAST(v."created_at" AS TEXT), '
        f'CAST((SELECT a."created_at" FROM {audit} a WHERE a."study_id" = v."study_id" '
        f'AND a."id" > v."audit_mark" AND a."object_type" = %s AND a."action" IN ({actions}) '
        "ORDER BY a.\"id\" LIMIT 1) AS TEXT), '', '', 0, FALSE, FALSE, FALSE, NULL "
        f'FROM {version} v WHERE v."study_id" = %s '
        "ORDER BY 1, 3, 9, 4, 2"
    )
    return sql, [study_id, "code", *change_actions, study_id]


def read_rows(study_id: int) -> tuple:
    """The study's codes and versions as plain tuples (one query)."""
    sql, params = _query(study_id, CHANGE_ACTIONS)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return tuple(tuple(row) for row in cursor.fetchall())


def _moment(text) -> datetime | None:
    if text is None:
        return None
    if isinstance(text, datetime):
        moment = text
    else:
        moment = parse_datetime(str(text).replace(" ", "T", 1))
        if moment is None:
            return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _build(rows: tuple, study_id: int, access: StudyAccess, langs) -> PageBook:
    codes: list[Code] = []
    versions = []
    for row in rows:
        if row[0] == 0:
            values = dict(zip(_CODE_FIELDS, row[1:], strict=True))
            for name in ("archived", "is_codable", "proposed"):
                values[name] = bool(values[name])
            code = Code(study_id=study_id, **values)
            code._state.adding = False
            code._state.db = connection.alias
            if access.can_see_code(code):
                codes.append(code)
        else:
            _, pk, mark, name, created, first_change = row[:6]
            versions.append(
                SimpleNamespace(
                    pk=pk,
                    name=name,
                    audit_mark=mark,
                    created_at=_moment(created),
                    first_change=_moment(first_change),
                )
            )
    # As ``for_tree`` orders them (parent, position, name, id): the query's order.
    book = codebook_selectors.tree(codes)
    codebook_selectors.localise(book, langs)
    ordered = sorted(versions, key=lambda v: (v.created_at, v.pk))
    after = ordered[-1].first_change if ordered else None
    page = PageBook(book=book, periods_rows=(ordered, after))
    book.page = page  # what the coding page builds from it, with it
    return page


def page_book(access: StudyAccess) -> PageBook:
    """The codebook ``access`` may see (as :func:`codebook_selectors.codebook_for` with
    ``light=True`` gives it: a blind coder gets the shared codes and their own proposals),
    localised for the requester, with the study's versions. One query."""
    study = access.study
    rows = read_rows(study.pk)
    langs = languages.for_study(study)
    reader = (
        access.membership.user_id if access.blind else None,
        langs.tag,
        langs.tag2,
        langs.swapped,
        translation.get_language(),
    )
    key = (study.pk, rows)
    with _lock:
        entry = _entries.get(key)
        if entry is None:
            entry = _entries[key] = Entry(rows=rows)
            while len(_entries) > MAX_ENTRIES:
                _entries.popitem(last=False)
        else:
            _entries.move_to_end(key)
        found = entry.books.get(reader)
    if found is not None:
        return found
    built = _build(rows, study.pk, access, langs)
    with _lock:
        return entry.books.setdefault(reader, built)


def clear() -> None:
    """Forget every cached codebook (tests measuring a first read)."""
    with _lock:
        _entries.clear()
