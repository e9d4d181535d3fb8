"""Imports into a study: participants from CSV and transcript files (a zip of transcripts
with a manifest: :mod:`studies.bulk_import`), with the row errors, reports and limits every
importer shares. Every importer checks everything before it writes anything; a refused
import raises :class:`ImportRefused` (row by row) or ValidationError (file by file)."""

from __future__ import annotations

import csv
import posixpath
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from coding.audit import audit
from studies import attributes as attrs
from studies import text as textlib
from studies.limits import UploadTooLarge, read_limited
from studies.models import (
    Attribute,
    AttributeScope,
    Participant,
    StakeholderGroup,
    Study,
    Transcript,
    Wave,
)
from studies.readers import EXTENSIONS, Reading, read_transcript

# --- row errors and reports --------------------------------------------------------------


@dataclass
class RowError:
    row: int  # 1-based line number in the file (header is line 1)
    message: str
    column: str = ""
    duplicate: bool = False  # the owner may confirm it ("Import anyway")


@dataclass
class ImportReport:
    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    updated: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def only_duplicates(self) -> bool:
        """Every problem is a duplicate, so confirming would import everything."""
        return bool(self.errors) and all(e.duplicate for e in self.errors)


class ImportRefused(Exception):
    """Raised by importers with the complete report; nothing was written."""

    def __init__(self, report: ImportReport):
        super().__init__(f"{len(report.errors)} problem(s); nothing was imported.")  # logs only
        self.report = report


def read_csv(data, filename: str) -> list[dict[str, str]] | RowError:
    """Rows of a participants CSV or manifest as dicts (lower-case header keys).

    ``data`` is bytes or an uploaded file; size, row count and cell size are limited
    (WORKBENCH_MAX_CSV_BYTES, WORKBENCH_MAX_CSV_ROWS, WORKBENCH_MAX_CSV_CELL_CHARS).
    """
    try:
        data = _bytes_of(data, filename, settings.WORKBENCH_MAX_CSV_BYTES)
        raw = textlib.decode_bytes(data, filename)
    except textlib.TextDecodeError as exc:
        return RowError(row=0, message=str(exc))
    del data
    raw = raw.lstrip("\ufeff")
    try:
        dialect = csv.Sniffer().sniff(raw[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = textlib.csv_rows(
            raw,
            filename,
            max_rows=settings.WORKBENCH_MAX_CSV_ROWS,
            max_cell_chars=settings.WORKBENCH_MAX_CSV_CELL_CHARS,
            dialect=dialect,
        )
    except textlib.TextDecodeError as exc:
        return RowError(row=0, message=str(exc))
    del raw
    while rows and not rows[0]:
        rows.pop(0)
    if not rows:
        return RowError(
            row=1,
            message=_("%(filename)s: the file is empty or has no header row.")
            % {"filename": filename},
        )
    fieldnames = [(name or "").strip().lower() for name in rows[0]]
    result = []
    for cells in rows[1:]:
        if not cells:
            continue  # as csv.DictReader: blank lines are not rows
        row: dict = dict(zip(fieldnames, cells, strict=False))
        for name in fieldnames[len(cells) :]:
            row.setdefault(name, None)
        result.append(row)
    return result


def _bytes_of(data, filename: str, limit: int | None = None) -> bytes:
    """The bytes of an upload (bytes or a file object), read in chunks up to ``limit``.

    Raises :class:`studies.limits.UploadTooLarge` naming the file and the limit
    (WORKBENCH_MAX_UPLOAD_BYTES by default).
    """
    limit = settings.WORKBENCH_MAX_UPLOAD_BYTES if limit is None else limit
    if isinstance(data, bytes):
        if len(data) > limit:
            raise UploadTooLarge(
                _("%(filename)s: %(size)s MB is larger than the limit of %(limit)s MB per file.")
                % {
                    "filename": filename,
                    "size": f"{len(data) / 1e6:.1f}",
                    "limit": f"{limit / 1e6:.1f}",
                }
            )
        return data
    data.seek(0)
    return read_limited(data, limit, filename, what=" per file")


# --- participants ------------------------------------------------------------------------


def _participant_values(participant: Participant) -> dict:
    return {
        "id": participant.pk,
        "pseudonym": participant.pseudonym,
        "group_id": participant.group_id,
        "attributes": dict(participant.attributes),
    }


def participants_import_csv(*, study: Study, data: bytes, filename: str, actor) -> ImportReport:
    """Import participants from CSV (``pseudonym``, ``group``, any other column = attribute).

    Existing pseudonyms are updated. Every row is validated first; on any error nothing is
    written and :class:`ImportRefused` carries the row-by-row report.
    """
    report = ImportReport()
    rows = _participant_rows(data, filename, report)  # parse
    plan = _plan_participants(study, rows, report)  # validate and plan
    plan, new_defs = _typed_plan(study, plan, report)  # attribute values against their types
    if report.errors:
        raise ImportRefused(report)
    with transaction.atomic():
        Attribute.objects.bulk_create(new_defs)
        _write_participants(study=study, plan=plan, filename=filename, actor=actor, report=report)
    return report


_PlannedParticipant = tuple[str, StakeholderGroup | None, dict, Participant | None, int]


def _typed_plan(
    study: Study, plan: list[_PlannedParticipant], report: ImportReport
) -> tuple[list[_PlannedParticipant], list[Attribute]]:
    """Each row's attributes checked and typed against the study's definitions; a column
    with no definition yet gets one typed from all its values (returned unsaved). A bad
    value is reported with its line and column (one query)."""
    scope = AttributeScope.PARTICIPANT
    defs, new = attrs.plan_definitions(
        study, scope, attrs.definitions(study, scope), [row[2] for row in plan]
    )
    typed = []
    for pseudonym, group, values, current, line in plan:
        problems = attrs.value_errors(defs, values)
        for column, message in problems:
            report.errors.append(RowError(line, message, column))
        if not problems:
            typed.append((pseudonym, group, attrs.clean_values(defs, values), current, line))
    return typed, new


def _participant_rows(data, filename: str, report: ImportReport) -> list[dict]:
    """The CSV's rows; refused when unreadable, empty or without a ``pseudonym`` column."""
    rows = read_csv(data, filename)
    if isinstance(rows, RowError):
        report.errors.append(rows)
        raise ImportRefused(report)
    if not rows:
        report.errors.append(RowError(row=1, message=_("The file has a header but no rows.")))
        raise ImportRefused(report)
    if "pseudonym" not in rows[0]:
        report.errors.append(
            RowError(row=1, message=_("The header needs a “pseudonym” column."), column="pseudonym")
        )
        raise ImportRefused(report)
    return rows


def _plan_participants(
    study: Study, rows: list[dict], report: ImportReport
) -> list[_PlannedParticipant]:
    """(pseudonym, group, attributes, existing participant or None) per valid row; the
    problems of the others go to ``report`` (two queries)."""
    groups = {g.name.lower(): g for g in study.groups.all()}
    existing = {p.pseudonym.lower(): p for p in study.participants.all()}
    seen: dict[str, int] = {}
    plan: list[_PlannedParticipant] = []
    for line, row in enumerate(rows, start=2):
        pseudonym = (row.get("pseudonym") or "").strip()
        if not pseudonym:
            report.errors.append(RowError(line, _("The pseudonym is empty."), "pseudonym"))
            continue
        if len(pseudonym) > 100:
            report.errors.append(
                RowError(line, _("The pseudonym is longer than 100 characters."), "pseudonym")
            )
            continue
        if pseudonym.lower() in seen:
            report.errors.append(
                RowError(
                    line,
                    _("“%(pseudonym)s” also appears on line %(line)s.")
                    % {"pseudonym": pseudonym, "line": seen[pseudonym.lower()]},
                    "pseudonym",
                )
            )
            continue
        seen[pseudonym.lower()] = line
        group_name = (row.get("group") or "").strip()
        group = None
        if group_name:
            group = groups.get(group_name.lower())
            if group is None:
                known = ", ".join(g.name for g in groups.values())
                message = (
                    _("Unknown group “%(group)s” (groups: %(known)s).")
                    if known
                    else _("Unknown group “%(group)s” (the study has no groups yet).")
                )
                report.errors.append(
                    RowError(line, message % {"group": group_name, "known": known}, "group")
                )
                continue
        attributes = {
            key: (value or "").strip()
            for key, value in row.items()
            if key and key not in ("pseudonym", "group") and (value or "").strip()
        }
        plan.append((pseudonym, group, attributes, existing.get(pseudonym.lower()), line))
    return plan


def _write_participants(
    *, study: Study, plan: list[_PlannedParticipant], filename: str, actor, report: ImportReport
) -> None:
    """Create the new participants, update the existing ones, record one event."""
    with transaction.atomic():
        new = []
        before, after = [], []
        for pseudonym, group, attributes, current, _line in plan:
            if current is None:
                new.append(
                    Participant(
                        study=study, pseudonym=pseudonym, group=group, attributes=attributes
                    )
                )
                report.created += 1
            else:
                before.append(_participant_values(current))
                current.group = group or current.group
                current.attributes = {**current.attributes, **attributes}
                current.save(update_fields=["group", "attributes"])
                after.append(_participant_values(current))
                report.updated += 1
        Participant.objects.bulk_create(new)
        audit(
            study=study,
            actor=actor,
            action="participant.import",
            object_type="participant",
            before={"updated": before},
            after={
                "file": filename,
                "created": report.created,
                "updated_count": report.updated,
                "created_ids": [p.pk for p in new],
                "updated": after,
            },
        )


# --- transcripts -------------------------------------------------------------------------


def title_from(filename: str) -> str:
    base = posixpath.basename(filename.replace("\\", "/"))
    return base.rsplit(".", 1)[0].strip() or base


def prepare_text(data, filename: str) -> str:
    """Decode, canonicalise and check an upload (bytes or a file, read up to
    WORKBENCH_MAX_UPLOAD_BYTES); ValidationError naming the file and the limit."""
    return prepare_reading(data, filename).text


def prepare_reading(data, filename: str) -> Reading:
    """As :func:`prepare_text`, with the turn start times of a caption file."""
    try:
        reading = read_transcript(_bytes_of(data, filename), filename)
    except textlib.TextDecodeError as exc:
        raise ValidationError(str(exc)) from exc
    if len(reading.text) > settings.WORKBENCH_MAX_TEXT_CHARS:
        raise ValidationError(
            _(
                "%(filename)s: %(len)s characters is more than the limit of %(WORKBENCH_MAX_TEXT_CHARS)s."
            )
            % {
                "filename": filename,
                "len": f"{len(reading.text):,}",
                "WORKBENCH_MAX_TEXT_CHARS": f"{settings.WORKBENCH_MAX_TEXT_CHARS:,}",
            }
        )
    return reading


ACCEPTED = ", ".join(EXTENSIONS)


def new_transcript(
    *, study, text, filename, title, participant, wave, turn_times=None
) -> Transcript:
    return Transcript(
        turn_times=list(turn_times or []),
        study=study,
        participant=participant,
        wave=wave,
        title=title,
        text=text,
        length=len(text),
        source_name=posixpath.basename(filename.replace("\\", "/")),
        checksum=Transcript.checksum_of(text),
        language=textlib.guess_language(text),
    )


def transcripts_upload(
    *,
    study: Study,
    files: list[tuple[str, bytes | object]],
    participant: Participant | None,
    wave: Wave | None,
    actor,
    allow_duplicates: bool = False,
) -> list[Transcript]:
    """Upload one or many transcript files (.txt, .docx, .odt, .rtf, .pdf, .vtt, .srt;
    EXTENSIONS) for one participant and wave (both optional).

    All files are decoded and checked before anything is written; ValidationError lists
    every problem, one per file. A text already in the study (same checksum), the same text
    twice in the upload, or a participant who already has a transcript at that wave is a
    problem with code ``"duplicate"`` naming the existing transcript, unless
    ``allow_duplicates`` (the owner ticked "Upload anyway"). ``files`` holds bytes or
    uploaded files; together they may hold WORKBENCH_MAX_IMPORT_BYTES and
    WORKBENCH_MAX_IMPORT_CHARS of text.
    """
    _check_upload(study=study, files=files, participant=participant, wave=wave)
    errors: list[ValidationError] = []
    taken = {t.lower() for t in study.transcripts.values_list("title", flat=True)}
    readings = _read_uploads(files, errors)  # parse
    if not allow_duplicates:  # validate
        texts = {name: reading.text for name, reading in readings.items()}
        errors.extend(
            ValidationError(message, code="duplicate")
            for message in _upload_duplicates(study, texts, participant, wave)
        )
    prepared = [  # plan
        new_transcript(
            study=study,
            text=readings[filename].text,
            filename=filename,
            title=title,
            participant=participant,
            wave=wave,
            turn_times=readings[filename].turn_times,
        )
        for filename, title in _upload_titles(
            readings,
            taken,
            errors,
            participant=participant,
            wave=wave,
            single=len(files) == 1,
            allow_duplicates=allow_duplicates,
        )
    ]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():  # write
        created = Transcript.objects.bulk_create(prepared)
        audit(
            study=study,
            actor=actor,
            action="transcript.upload",
            object_type="transcript",
            after={"files": [t.source_name for t in prepared]},
        )
    return created


def _check_upload(*, study: Study, files: list, participant, wave) -> None:
    """The upload as a whole: some files, not too many, not too large, this study's."""
    if not files:
        raise ValidationError(
            _("Choose at least one transcript file (%(ACCEPTED)s).") % {"ACCEPTED": ACCEPTED}
        )
    if len(files) > settings.WORKBENCH_MAX_FILES:
        raise ValidationError(
            _("At most %(WORKBENCH_MAX_FILES)s files at once.")
            % {"WORKBENCH_MAX_FILES": settings.WORKBENCH_MAX_FILES}
        )
    if participant is not None and participant.study_id != study.pk:
        raise ValidationError(_("That participant belongs to another study."))
    if wave is not None and wave.study_id != study.pk:
        raise ValidationError(_("That wave belongs to another study."))
    check_import_total(sum(size_of(data) for _name, data in files))


def _read_uploads(files: list, errors: list[ValidationError]) -> dict[str, Reading]:
    """Each readable file's text; a file's problems go to ``errors``. Raises ValidationError
    once the text read so far passes WORKBENCH_MAX_IMPORT_CHARS."""
    readings: dict[str, Reading] = {}
    chars = 0
    for filename, data in files:
        try:
            readings[filename] = prepare_reading(data, filename)
        except ValidationError as exc:
            errors.extend(ValidationError(m) for m in exc.messages)
            continue
        chars += len(readings[filename].text)
        check_import_chars(chars, filename)
    return readings


def _upload_titles(
    readings: dict, taken: set[str], errors: list, *, participant, wave, single, allow_duplicates
) -> list[tuple[str, str]]:
    """(file name, title) of each file that gets a free title; the others go to ``errors``.

    A single file for a participant and wave whose name is taken is titled
    "<pseudonym> – <wave>"; a confirmed duplicate gets "<file> (2)".
    """
    titled = []
    for filename in readings:
        title = title_from(filename)
        if participant is not None and wave is not None and single:
            title = f"{participant.pseudonym} – {wave.name}" if title.lower() in taken else title
        if title.lower() in taken and allow_duplicates:  # a confirmed copy: "<file> (2)"
            base, n = title_from(filename), 2
            while f"{base} ({n})".lower() in taken:
                n += 1
            title = f"{base} ({n})"
        if title.lower() in taken:
            errors.append(
                ValidationError(
                    _("%(filename)s: a transcript titled “%(title)s” already exists in this study.")
                    % {"filename": filename, "title": title}
                )
            )
            continue
        taken.add(title.lower())
        titled.append((filename, title))
    return titled


def _upload_duplicates(study, texts: dict[str, str], participant, wave) -> list[str]:
    """Messages for texts already in the study or repeated in the upload, and for a
    participant who already has a transcript at ``wave``."""
    messages = []
    checksums = {name: Transcript.checksum_of(text) for name, text in texts.items()}
    existing = dict(
        study.transcripts.filter(checksum__in=set(checksums.values()))
        .order_by("-pk")  # the oldest transcript wins in the dict
        .values_list("checksum", "title")
    )
    first: dict[str, str] = {}
    for name, checksum in checksums.items():
        if checksum in existing:
            messages.append(
                _("%(name)s: the same text is already in this study as “%(value)s”.")
                % {"name": name, "value": existing[checksum]}
            )
        elif checksum in first:
            messages.append(
                _("%(name)s: the same text as %(value)s in this upload.")
                % {"name": name, "value": first[checksum]}
            )
        first.setdefault(checksum, name)
    if participant is not None and wave is not None:
        same = study.transcripts.filter(participant=participant, wave=wave).order_by("pk").first()
        if same is not None:
            messages.append(
                _("%(pseudonym)s already has a transcript at %(name)s: “%(title)s”.")
                % {"pseudonym": participant.pseudonym, "name": wave.name, "title": same.title}
            )
    return messages


def size_of(data) -> int:
    return len(data) if isinstance(data, bytes) else int(getattr(data, "size", 0) or 0)


def check_import_total(size: int, what: str = "The files") -> None:
    limit = settings.WORKBENCH_MAX_IMPORT_BYTES
    if size > limit:
        raise ValidationError(
            _(
                "%(what)s add up to %(value)s MB; the limit for one import is %(value2)s MB. Nothing was imported: import them in parts."
            )
            % {"what": what, "value": f"{size / 1e6:.1f}", "value2": f"{limit / 1e6:.1f}"}
        )


def check_import_chars(chars: int, filename: str) -> None:
    """Stop reading once the text decoded so far passes WORKBENCH_MAX_IMPORT_CHARS."""
    limit = settings.WORKBENCH_MAX_IMPORT_CHARS
    if chars > limit:
        raise ValidationError(
            _(
                "%(filename)s: with it the import holds more than %(limit)s characters of text, the limit for one import. Nothing was imported: import the files in parts."
            )
            % {"filename": filename, "limit": f"{limit:,}"}
        )
