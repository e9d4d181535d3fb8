"""Codebook-version periods: under which codebook a segment was coded (docs/agreement/OVER_TIME.md).

A *period* is a half-open interval of time ``[start, end)`` during which one state of the
codebook was current:

* ``before``: before the study's first named version (no start);
* one period per named version ``v``: from the moment ``v`` was frozen (inclusive) to the
  moment the next version was frozen (exclusive), as
  :class:`coding.codebook.versions.VersionClock` says (the latest version created at or
  before a moment);
* ``current``: when the codebook was changed after its latest version (a code created,
  renamed, moved, merged, archived or its definition edited), the latest version's period
  ends at the first such change and the rest, up to now, is "the current codebook".

A segment belongs to the period holding its ``created_at``: a segment created at the very
moment a version is frozen is coded under that version. Its later edits do not move it.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils.translation import gettext, gettext_lazy, ngettext

from coding.codebook.versions import CHANGE_ACTIONS
from coding.models import AuditEvent, CodebookVersion

BEFORE = "before"
CURRENT = "current"
BEFORE_LABEL = gettext_lazy("before any named version")


@dataclass(frozen=True)
class Period:
    key: str  # "before", "v<version pk>" or "current"
    label: str  # the version's name, or words
    version_id: int | None  # the version it rests on (None: before any version)
    version_name: str
    start: datetime | None  # inclusive (None: open)
    end: datetime | None  # exclusive (None: up to now)

    @property
    def is_version(self) -> bool:
        return self.key not in (BEFORE, CURRENT)

    @property
    def coded_under(self) -> str:
        """``coded under v1 after calibration``, ``coded before any named version`` (in the
        interface language)."""
        return self.words(first=True)

    def words(self, *, first: bool) -> str:
        """:attr:`coded_under`, or without its "coded" when it follows another period in a
        list (``… and under v2``)."""
        if self.key == BEFORE:
            return gettext("coded before any named version") if first else str(BEFORE_LABEL)
        if first:
            return gettext("coded under %(version)s") % {"version": self.label}
        return gettext("under %(version)s") % {"version": self.label}

    def contains(self, moment: datetime) -> bool:
        return (self.start is None or moment >= self.start) and (
            self.end is None or moment < self.end
        )


class Periods:
    """The study's periods in time order; :meth:`at` finds a moment's period (bisection)."""

    def __init__(self, versions: Iterable, first_change_after_last: datetime | None = None):
        ordered = sorted(versions, key=lambda v: (v.created_at, v.pk))
        items: list[Period] = []
        first = ordered[0].created_at if ordered else None
        items.append(Period(BEFORE, str(BEFORE_LABEL), None, "", None, first))
        for i, v in enumerate(ordered):
            end = ordered[i + 1].created_at if i + 1 < len(ordered) else None
            items.append(Period(f"v{v.pk}", v.name, v.pk, v.name, v.created_at, end))
        if ordered and first_change_after_last is not None:
            last = items[-1]
            cut = max(first_change_after_last, last.start)
            items[-1] = Period(
                last.key, last.label, last.version_id, last.version_name, last.start, cut
            )
            items.append(
                Period(
                    CURRENT,
                    gettext("the current codebook, changed since %(version)s")
                    % {"version": last.version_name},
                    last.version_id,
                    last.version_name,
                    cut,
                    None,
                )
            )
        self.items = items
        # Starts of every period but "before" (which has none): bisect_right puts a moment
        # equal to a start in the period that starts then.
        self._starts = [p.start for p in items[1:]]

    @classmethod
    def for_study(cls, study) -> Periods:
        """One query: the versions, each with the time of the first codebook change after
        it (only the latest version's is used)."""
        first_change = (
            AuditEvent.objects.filter(
                study=OuterRef("study"),
                pk__gt=OuterRef("audit_mark"),
                object_type="code",
                action__in=CHANGE_ACTIONS,
            )
            .order_by("pk")
            .values("created_at")[:1]
        )
        versions = list(
            CodebookVersion.objects.filter(study=study)
            .only("pk", "name", "created_at", "audit_mark")
            .annotate(first_change=Subquery(first_change))
            .order_by("created_at", "pk")
        )
        after = versions[-1].first_change if versions else None
        return cls(versions, after)

    def index_at(self, moment: datetime | None) -> int:
        if moment is None:
            return 0
        return bisect.bisect_right(self._starts, moment)

    def at(self, moment: datetime | None) -> Period:
        return self.items[self.index_at(moment)]

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def named(self) -> bool:
        """Whether the study has any named version."""
        return len(self.items) > 1


def coded_under(periods: Periods, segments, *, transcripts: Sequence[int]) -> dict[int, list[int]]:
    """Per code id, how many of ``segments`` (a Segment QuerySet) on ``transcripts`` were
    created in each period (a list in the order of ``periods``). One query (none without
    transcripts)."""
    if not transcripts:
        return {}
    qs = segments.filter(transcript_id__in=list(transcripts)).order_by()
    bins = {
        f"p{i}": Count(
            "pk",
            filter=(Q(created_at__gte=p.start) if p.start is not None else Q())
            & (Q(created_at__lt=p.end) if p.end is not None else Q()),
        )
        for i, p in enumerate(periods)
    }
    return {
        row["code_id"]: [row[f"p{i}"] for i in range(len(periods))]
        for row in qs.values("code_id").annotate(**bins)
    }


def with_counts(periods: Periods, counts: Iterable[Sequence[int]]) -> list[tuple[Period, int]]:
    """The periods and their summed counts (of :func:`coded_under`), those with none left out."""
    total = [0] * len(periods)
    for row in counts:
        for i, n in enumerate(row):
            total[i] += n
    return [(p, n) for p, n in zip(periods, total, strict=True) if n]


def coded_under_words(found: list[tuple[Period, int]]) -> str:
    """``coded under v2 before T2 coding (41 segments) and under the current codebook,
    changed since v2 (3)``."""
    if not found:
        return gettext("no segment compared")
    parts = []
    for i, (p, n) in enumerate(found):
        values = {"words": p.words(first=i == 0), "count": f"{n:,}"}
        if i == 0:
            parts.append(
                ngettext("%(words)s (%(count)s segment)", "%(words)s (%(count)s segments)", n)
                % values
            )
        else:
            parts.append(gettext("%(words)s (%(count)s)") % values)
    if len(parts) == 1:
        return parts[0]
    return gettext("%(list)s and %(last)s") % {
        "list": gettext(", ").join(parts[:-1]),
        "last": parts[-1],
    }


# --- the coding page ---------------------------------------------------------------------------


def _utc_text(moment: datetime) -> str:
    """A moment as ``YYYY-MM-DD HH:MM:SS.ffffff`` in UTC (the form :func:`_text_key` makes)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _text_key(text: str) -> str:
    """The database's text of a UTC datetime (SQLite ``2026-03-01 09:00:00[.5]``,
    PostgreSQL ``2026-03-01 09:00:00[.5]+00``) as ``YYYY-MM-DD HH:MM:SS.ffffff``, so that
    texts compare as their moments do (no datetime parsed)."""
    head, rest = text[:19].replace("T", " "), text[19:]
    frac = ""
    if rest.startswith("."):
        for ch in rest[1:]:
            if not ch.isdigit():
                break
            frac += ch
    return f"{head}.{frac[:6]:0<6}"


def page_periods(
    study, rows, *, pk: int = 0, created: int = 7, periods: Periods | None = None
) -> tuple[list[str], dict[int, int]]:
    """For the coding page's segment rows (creation time at ``created``: the database's
    UTC text, or a datetime, naive meaning UTC): the periods' words (``coded under v1
    after calibration``) and each row's period index, by segment id; a study without named
    versions: one empty word (the page says nothing). One query, none with ``periods``
    (the study's, read already)."""
    if periods is None:
        periods = Periods.for_study(study)
    if len(periods) == 1:  # no named version: nothing to tell segments apart by
        return [""], {row[pk]: 0 for row in rows}
    words = [p.coded_under for p in periods]
    starts = [_utc_text(p.start) for p in periods.items[1:]]
    where = {}
    for row in rows:
        moment = row[created]
        if isinstance(moment, str):
            where[row[pk]] = bisect.bisect_right(starts, _text_key(moment))
        else:
            if moment is not None and moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)  # a raw query's value: UTC, naive
            where[row[pk]] = periods.index_at(moment)
    return words, where
