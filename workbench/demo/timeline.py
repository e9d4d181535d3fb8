"""When the demo study's work happened: a deterministic timeline of about fifteen weeks.

Every row of the demo is written in a few seconds, but the study it shows took months, and
the agreement report's "Over time" tab (docs/agreement/OVER_TIME.md) reads the dates: a
segment is coded under the codebook version current at its ``created_at``. So the seed
dates its rows afterwards, as the study would have written them (day 0 is a Monday
:data:`STUDY_DAYS` days before the seed's run date, in the default time zone):

* day 0: the study is set up, transcripts imported, the double-coding draw assigned;
* week 1: both coders code the pilot transcripts (:func:`pilot_transcripts`), then two
  calibration rounds on excerpts of them; the codebook's v1 is frozen on day 7;
* weeks 2-5: the T1 interviews; the codebook changes after them, themes are drafted;
  v2 is frozen on day 40;
* weeks 7-10: the T2 interviews, weeks 11-14: the T3 interviews; the themes are reviewed
  after T2 and given their through-lines after T3; exemplars and portraits come last.

A coder codes a transcript in one session in working hours, from its start: a segment is
dated :data:`MS_PER_CHARACTER` milliseconds per character of its start after the session's. The coding (bulk-created by
:mod:`workbench.demo.build`) is dated in a few bulk updates by :func:`date_the_coding`;
what the story writes through the services is dated by :meth:`Clock.at`, block by block, in
the order it is written, so the audit log reads in order.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Count
from django.utils import timezone

from coding.models import (
    Assignment,
    AuditEvent,
    CalibrationAnswer,
    CalibrationRound,
    CalibrationSubmission,
    Code,
    CodebookVersion,
    Exemplar,
    JournalEntry,
    Layer,
    LayerKind,
    Memo,
    Portrait,
    SamplerDraw,
    Segment,
    Theme,
    ThemeEvent,
)
from studies.models import Membership, Participant, Study, Transcript

STUDY_DAYS = 110  # day 0 is the Monday on or before this many days before the seed's run
PILOT_TRANSCRIPTS = 4  # double-coded T1 transcripts both coders code in week 1
MS_PER_CHARACTER = 60  # a coder reads and codes a 40,000-character interview in 40 minutes
BATCH = 100  # rows per bulk update (a CASE per row: small batches are much faster)
SESSION_HOURS = (9, 11, 14, 16)  # working slots of a day
# Days after day 0: coding windows [first, last) per stage.
PILOT = (1, 4)
T1 = (7, 35)
T2 = (41, 69)
T3 = (69, 97)
WAVE_WINDOWS = (T1, T2, T3)

# What the story writes and when (day, hour, minute).
PRIVATE_JOURNAL = (1, 8, 30)
ROUNDS = ((4, 9, 0), (5, 9, 0))  # round n created; answered that day, closed the next at 8:00
V1 = (7, 8, 30)
CODE_CHANGES = ((35, 10, 0), (35, 11, 0), (36, 10, 0), (36, 11, 0))
THEMES_DRAFTED = (38, 10, 0)
V2 = (40, 8, 30)
SHARED_JOURNAL = (40, 9, 0)
THEMES_REVIEWED = (70, 10, 0)
THROUGH_LINES = (98, 10, 0)
EXEMPLARS = (98, 14, 0)
PORTRAITS = (99, 9, 0)
# Study memos by title; the others: code memos after the T3 coding, transcript memos after
# the transcript's first session, segment memos a minute after their segment.
STUDY_MEMOS = {
    "Codebook decisions, round 1": (5, 8, 30),
    "Calibration meeting": (6, 11, 0),
    "Cantonese passages": (20, 17, 0),
    "Storyline across the waves": (99, 11, 0),
}
CODE_MEMOS = (97, 16, 0)

# The rows the story writes, by model: (lookup to the study, timestamp fields).
TABLES = {
    AuditEvent: ("study", ("created_at",)),
    CodebookVersion: ("study", ("created_at",)),
    Code: ("study", ("created_at",)),
    CalibrationRound: ("study", ("created_at",)),
    CalibrationAnswer: ("unit__round__study", ("created_at",)),
    CalibrationSubmission: ("unit__round__study", ("submitted_at",)),
    Theme: ("study", ("created_at", "updated_at")),
    ThemeEvent: ("theme__study", ("created_at",)),
    Exemplar: ("segment__transcript__study", ("created_at",)),
    JournalEntry: ("study", ("created_at", "updated_at")),
    Memo: ("study", ("created_at", "updated_at")),
    Portrait: ("participant__study", ("updated_at",)),
    Study: ("pk", ("updated_at",)),
}
# What each kind of step writes (the audit event and its rows).
VERSION_ROWS = (CodebookVersion,)
CODE_ROWS = (Code,)
CALIBRATION_ROWS = (CalibrationRound, CalibrationAnswer, CalibrationSubmission)
THEME_ROWS = (Theme, ThemeEvent)
EXEMPLAR_ROWS = (Exemplar,)
JOURNAL_ROWS = (JournalEntry,)
PORTRAIT_ROWS = (Portrait,)


def day_zero(now: datetime | None = None) -> datetime:
    """Midnight of the Monday on or before :data:`STUDY_DAYS` days before ``now``."""
    local = timezone.localtime(now or timezone.now())
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    start -= timedelta(days=STUDY_DAYS)
    return start - timedelta(days=start.weekday())


class Clock:
    """The study's calendar from ``start`` (day 0): moments by day and time, and blocks of
    writes dated at a moment."""

    def __init__(self, study: Study, start: datetime):
        self.study = study
        self.start = start

    def at_day(self, day: int, hour: int = 9, minute: int = 0, second: int = 0) -> datetime:
        # Days are added to the local date, so that a day keeps its hours across DST.
        moment = self.start.replace(tzinfo=None) + timedelta(days=day)
        moment = moment.replace(hour=hour, minute=minute, second=second)
        return timezone.make_aware(moment, self.start.tzinfo)

    def moment(self, when: tuple[int, int, int], minutes: float = 0) -> datetime:
        return self.at_day(*when) + timedelta(minutes=minutes)

    @contextlib.contextmanager
    def at(self, moment: datetime, models=()):
        """Date at ``moment`` the study's audit events and rows of ``models`` written or
        changed in the block: those stamped since it began (the rows dated before are in
        the past). Only those tables are read, to keep the seed fast; :meth:`sweep` dates
        whatever another table got."""
        began = timezone.now()
        yield
        self._stamp(began, moment, (AuditEvent, *models))

    def sweep(self, began: datetime, moment: datetime) -> None:
        """Date at ``moment`` every row of :data:`TABLES` stamped since ``began``."""
        self._stamp(began, moment, TABLES)

    def _stamp(self, began: datetime, moment: datetime, models) -> None:
        for model in models:
            lookup, fields = TABLES[model]
            key = self.study.pk if lookup == "pk" else self.study
            for field in fields:
                model.objects.filter(**{lookup: key, f"{field}__gte": began}).update(
                    **{field: moment}
                )

    def slots(self, window: tuple[int, int]) -> list[datetime]:
        """The working slots of the weekdays in ``window``."""
        first, last = window
        return [
            self.at_day(day, hour)
            for day in range(first, last)
            if (self.start + timedelta(days=day)).weekday() < 5
            for hour in SESSION_HOURS
        ]


def pilot_transcripts(study: Study) -> list[int]:
    """The pilot: :data:`PILOT_TRANSCRIPTS` T1 transcripts that every coder layer codes,
    spread evenly over them in id order (the double-coded draw holds every group)."""
    coders = Layer.objects.filter(study=study, kind=LayerKind.CODER).count()
    double = list(
        Assignment.objects.filter(
            layer__study=study, layer__kind=LayerKind.CODER, transcript__wave__position=0
        )
        .values("transcript_id")
        .annotate(n=Count("layer_id"))
        .filter(n=coders)
        .order_by("transcript_id")
        .values_list("transcript_id", flat=True)
    )
    if coders < 2 or not double:
        return []
    count = min(PILOT_TRANSCRIPTS, len(double))
    return [double[i * len(double) // count] for i in range(count)]


def date_the_setup(clock: Clock) -> None:
    """Day 0: the study, its people, transcripts, codebook, layers, draw and assignments."""
    study = clock.study
    setup, assigned = clock.at_day(0, 9), clock.at_day(0, 10)
    Study.objects.filter(pk=study.pk).update(created_at=setup, updated_at=setup)
    Participant.objects.filter(study=study).update(created_at=setup)
    Transcript.objects.filter(study=study).update(created_at=setup, updated_at=setup)
    Code.objects.filter(study=study).update(created_at=setup)
    Layer.objects.filter(study=study).update(created_at=setup)
    Membership.objects.filter(study=study).update(created_at=setup)
    SamplerDraw.objects.filter(study=study).update(created_at=assigned)
    Assignment.objects.filter(layer__study=study).update(created_at=assigned)


def date_the_coding(clock: Clock, pilot: list[int]) -> None:
    """Date every coder segment, finished assignment and build memo (see the module
    docstring); ``pilot``: the transcripts coded in week 1. One update per coding session
    (a layer's transcript) and per finished assignment."""
    study = clock.study
    layers = list(study.layers.filter(kind=LayerKind.CODER).order_by("pk").values_list("pk"))
    transcripts = {
        pk: (wave, length)
        for pk, wave, length in study.transcripts.values_list("pk", "wave__position", "length")
    }
    pilot_set = set(pilot)

    def window(transcript_id: int) -> tuple[int, int]:
        if transcript_id in pilot_set:
            return PILOT
        return WAVE_WINDOWS[min(transcripts[transcript_id][0], len(WAVE_WINDOWS) - 1)]

    # Each layer's sessions: its transcripts of a window in id order, spread over its slots.
    assigned = Assignment.objects.filter(layer__study=study, layer__kind=LayerKind.CODER)
    by_window: dict[tuple[int, tuple[int, int]], list[int]] = {}
    for layer_id, transcript_id in assigned.order_by("transcript_id").values_list(
        "layer_id", "transcript_id"
    ):
        by_window.setdefault((layer_id, window(transcript_id)), []).append(transcript_id)
    offset = {pk: timedelta(minutes=20 * i) for i, (pk,) in enumerate(layers)}
    session: dict[tuple[int, int], datetime] = {}
    for (layer_id, span), ids in by_window.items():
        slots = clock.slots(span)
        for k, transcript_id in enumerate(ids):
            session[layer_id, transcript_id] = slots[k * len(slots) // len(ids)] + offset[layer_id]

    rows = (
        Segment.objects.filter(layer__study=study, layer__kind=LayerKind.CODER)
        .order_by()
        .values_list("pk", "layer_id", "transcript_id", "start")
    )
    stamps = []
    for pk, layer_id, transcript_id, start in rows.iterator(chunk_size=2000):
        began = session.get((layer_id, transcript_id))
        if began is not None:
            stamps.append((segment_moment(began, start), pk))
    set_times(Segment, ("created_at", "updated_at"), stamps)
    for pk, layer_id, transcript_id in assigned.filter(done_at__isnull=False).values_list(
        "pk", "layer_id", "transcript_id"
    ):
        end = session_end(session[layer_id, transcript_id], transcripts[transcript_id][1])
        Assignment.objects.filter(pk=pk).update(done_at=end + timedelta(minutes=5))
    _date_memos(clock, session, {pk: length for pk, (_, length) in transcripts.items()})


def set_times(model, fields: tuple[str, ...], stamps: list[tuple[datetime, int]]) -> None:
    """Set ``fields`` of each row to its moment: one statement run for many rows (a bulk
    update's CASE per row costs seconds for the demo's 3,600 segments)."""
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(
        f"{connection.ops.quote_name(model._meta.get_field(f).column)} = %s" for f in fields
    )
    pk = connection.ops.quote_name(model._meta.pk.column)
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET {columns} WHERE {pk} = %s",  # noqa: S608 (names quoted)
            [(*[adapt(moment)] * len(fields), row) for moment, row in stamps],
        )


def segment_moment(session_start: datetime, start: int) -> datetime:
    """When a segment starting at character ``start`` was coded in a session."""
    return session_start + timedelta(milliseconds=MS_PER_CHARACTER * start)


def session_end(session_start: datetime, length: int) -> datetime:
    return segment_moment(session_start, length)


def _date_memos(clock: Clock, session: dict, lengths: dict[int, int]) -> None:
    first_session_end: dict[int, datetime] = {}
    for (_, transcript_id), began in session.items():
        end = session_end(began, lengths[transcript_id])
        if transcript_id not in first_session_end or end < first_session_end[transcript_id]:
            first_session_end[transcript_id] = end
    memos = []
    for memo in (
        Memo.objects.filter(study=clock.study)
        .select_related("segment")
        .only(
            "pk",
            "title",
            "code_id",
            "transcript_id",
            "segment__layer_id",
            "segment__transcript_id",
            "segment__start",
        )
    ):
        moment = None
        if memo.segment_id is not None:
            seg = memo.segment
            began = session.get((seg.layer_id, seg.transcript_id))
            if began is not None:
                moment = segment_moment(began, seg.start) + timedelta(minutes=1)
        elif memo.transcript_id is not None:
            moment = first_session_end.get(memo.transcript_id)
            moment = moment + timedelta(minutes=15) if moment else None
        elif memo.code_id is not None:
            moment = clock.moment(CODE_MEMOS)
        else:
            moment = clock.moment(STUDY_MEMOS.get(memo.title, CODE_MEMOS))
        moment = moment or clock.at_day(0, 9)
        memos.append(Memo(pk=memo.pk, created_at=moment, updated_at=moment))
    Memo.objects.bulk_update(memos, ["created_at", "updated_at"], batch_size=BATCH)
