"""Import a zip of transcripts described by a CSV manifest (see :func:`transcripts_bulk_import`).

Row errors, reports and the checks shared with the other importers live in
:mod:`studies.imports`.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from coding.audit import audit
from studies import attributes as attrs
from studies import text as textlib
from studies.imports import (
    ImportRefused,
    ImportReport,
    RowError,
    check_import_chars,
    check_import_total,
    new_transcript,
    prepare_reading,
    read_csv,
    size_of,
    title_from,
)
from studies.limits import zip_member_bytes
from studies.models import Attribute, AttributeScope, Participant, Study, Transcript, Wave

MANIFEST_COLUMNS = ("file", "participant", "group", "wave", "title")


def _zip_members(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    members = {}
    for info in archive.infolist():
        name = info.filename
        if (
            info.is_dir()
            or name.startswith("__MACOSX/")
            or posixpath.basename(name).startswith(".")
        ):
            continue
        members[name] = info
    return members


def transcripts_bulk_import(
    *,
    study: Study,
    zip_data,
    manifest=None,
    actor,
    allow_duplicates: bool = False,
) -> ImportReport:
    """Import a zip of transcript files (:data:`studies.readers.EXTENSIONS`) described by a CSV manifest.

    The manifest (``file,participant,group,wave,title``) is either uploaded separately or
    named ``manifest.csv`` inside the zip. Participants that do not exist yet are created in
    the named group; groups and waves must exist. Everything is validated before anything is
    written: on any problem :class:`ImportRefused` carries every problem with its row and
    nothing is imported. Duplicates (a text already in the study or twice in the zip, a
    participant and wave that already have a transcript or appear twice) are problems too,
    marked ``duplicate``, unless ``allow_duplicates``.

    ``zip_data`` and ``manifest`` are bytes or uploaded files (a zip is read in place, not
    into memory). Limits: WORKBENCH_MAX_ZIP_BYTES for the zip, WORKBENCH_MAX_UPLOAD_BYTES
    per unpacked member, WORKBENCH_MAX_IMPORT_BYTES for all members together (declared
    sizes checked before anything is unpacked, actual sizes while unpacking) and
    WORKBENCH_MAX_IMPORT_CHARS of decoded text.
    """
    report = ImportReport()
    archive, members, label = _open_zip(zip_data, report)  # parse
    manifest, manifest_name = _take_manifest(archive, members, manifest, report)
    _check_members(members, label, report)
    rows = _manifest_rows(manifest, manifest_name, report)
    planner = _ManifestPlan(study, archive, members, report, allow_duplicates=allow_duplicates)
    for line, row in enumerate(rows, start=2):  # validate and plan, row by row
        planner.add(line, row)
    for name in sorted(set(members) - set(planner.used_files)):
        report.errors.append(
            RowError(
                0, gettext("“%(name)s” is in the zip but not in the manifest.") % {"name": name}
            )
        )
    new_defs = _typed_attributes(study, planner, report)
    if report.errors:
        raise ImportRefused(report)
    with transaction.atomic():
        Attribute.objects.bulk_create(new_defs)
        _write_bulk(study=study, planner=planner, actor=actor, report=report)  # write
    return report


def _typed_attributes(study: Study, planner: _ManifestPlan, report: ImportReport) -> list:
    """Type the manifest's extra columns (transcript attributes) against the study's
    definitions, reporting each bad value by line and column; a column with no definition
    yet gets one typed from all its values (returned unsaved). One query."""
    scope = AttributeScope.TRANSCRIPT
    defs, new = attrs.plan_definitions(
        study, scope, attrs.definitions(study, scope), [values for _, values in planner.extras]
    )
    typed = {}
    for line, values in planner.extras:
        problems = attrs.value_errors(defs, values)
        for column, message in problems:
            report.errors.append(RowError(line, message, column))
        if not problems:
            typed[line] = attrs.clean_values(defs, values)
    for planned in planner.planned:
        planned.attributes = typed.get(planned.line, {})
    return new


def _refused(report: ImportReport, error: RowError) -> ImportRefused:
    report.errors.append(error)
    return ImportRefused(report)


def _open_zip(zip_data, report: ImportReport):
    """The archive, its members (no folders, no macOS metadata) and its name for messages."""
    limit = settings.WORKBENCH_MAX_ZIP_BYTES
    zip_size = size_of(zip_data)
    if zip_size > limit:
        raise _refused(
            report,
            RowError(
                0,
                gettext("The zip is %(value)s MB; the limit is %(value2)s MB.")
                % {"value": f"{zip_size / 1e6:.1f}", "value2": f"{limit / 1e6:.0f}"},
            ),
        )
    try:
        if isinstance(zip_data, bytes):
            zip_data = io.BytesIO(zip_data)
        zip_data.seek(0)
        archive = zipfile.ZipFile(zip_data)
        members = _zip_members(archive)
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise _refused(
            report,
            RowError(0, gettext("The upload is not a readable zip file (%(exc)s).") % {"exc": exc}),
        ) from None
    return archive, members, getattr(zip_data, "name", None) or "The zip"


def _take_manifest(archive, members: dict, manifest, report: ImportReport):
    """The manifest (uploaded, or ``manifest.csv`` in the zip) and its name; any
    ``manifest.csv`` is taken out of ``members``."""
    named = [n for n in members if posixpath.basename(n).lower() == "manifest.csv"]
    if manifest is not None:
        for name in named:
            members.pop(name)
        return manifest, "manifest.csv"
    if len(named) != 1:
        raise _refused(
            report,
            RowError(
                0, gettext("No manifest: upload a CSV manifest or put manifest.csv in the zip.")
            ),
        )
    name = named[0]
    try:
        data = zip_member_bytes(archive, members.pop(name), settings.WORKBENCH_MAX_CSV_BYTES, name)
    except (textlib.TextDecodeError, zipfile.BadZipFile, OSError, RuntimeError) as exc:
        raise _refused(
            report,
            RowError(
                0, gettext("%(name)s: cannot be read (%(exc)s).") % {"name": name, "exc": exc}
            ),
        ) from None
    return data, name


def _check_members(members: dict, label: str, report: ImportReport) -> None:
    """The number of files and their declared sizes, before anything is unpacked."""
    if len(members) > settings.WORKBENCH_MAX_FILES:
        raise _refused(
            report,
            RowError(
                0,
                gettext("The zip holds %(len)s files; the limit is %(workbench_max_files)s.")
                % {"len": len(members), "workbench_max_files": settings.WORKBENCH_MAX_FILES},
            ),
        )
    try:
        check_import_total(sum(info.file_size for info in members.values()), f"{label}: its files")
    except ValidationError as exc:
        raise _refused(report, RowError(0, exc.messages[0])) from None


def _manifest_rows(manifest, manifest_name: str, report: ImportReport) -> list[dict]:
    rows = read_csv(manifest, manifest_name)
    if isinstance(rows, RowError):
        raise _refused(report, rows)
    if not rows:
        raise _refused(report, RowError(1, gettext("The manifest has no rows.")))
    missing = [c for c in ("file", "participant", "wave") if c not in rows[0]]
    if missing:
        raise _refused(
            report,
            RowError(
                1,
                gettext("The manifest header lacks: %(join)s (expected %(join2)s).")
                % {"join": ", ".join(missing), "join2": ",".join(MANIFEST_COLUMNS)},
            ),
        )
    return rows


@dataclass
class _Planned:
    line: int
    file_name: str
    text: str
    title: str
    participant: Participant | None
    wave: Wave | None
    turn_times: list
    attributes: dict = field(default_factory=dict)


class _ManifestPlan:
    """Checks manifest rows one by one against the zip, the study and the rows before them.

    Problems go to ``report``; rows without problems to ``planned``. Reads the study once
    (five queries); unpacks a row's file only when the row has no other problem.
    """

    def __init__(self, study: Study, archive, members: dict, report, *, allow_duplicates: bool):
        self.study, self.archive, self.members, self.report = study, archive, members, report
        self.allow_duplicates = allow_duplicates
        self.groups = {g.name.lower(): g for g in study.groups.all()}
        self.waves = {w.name.lower(): w for w in study.waves.all()}
        self.participants = {
            p.pseudonym.lower(): p for p in study.participants.select_related("group")
        }
        self.taken_titles = {t.lower() for t in study.transcripts.values_list("title", flat=True)}
        self.existing_texts: dict[str, str] = {}
        self.existing_interviews: dict[tuple[int, int], str] = {}
        for checksum, participant_id, wave_id, title in study.transcripts.order_by(
            "-pk"
        ).values_list("checksum", "participant_id", "wave_id", "title"):
            self.existing_texts[checksum] = title
            if participant_id is not None and wave_id is not None:
                self.existing_interviews[(participant_id, wave_id)] = title
        self.zip_texts: dict[str, tuple[int, str]] = {}
        self.zip_interviews: dict[tuple[str, int], int] = {}
        self.by_basename: dict[str, list[str]] = {}
        for name in members:
            self.by_basename.setdefault(posixpath.basename(name).lower(), []).append(name)
        self.new_participants: dict[str, Participant] = {}
        self.used_files: dict[str, int] = {}
        self.titles: dict[str, int] = {}
        self.planned: list[_Planned] = []
        self.extras: list[tuple[int, dict]] = []  # (line, columns beyond MANIFEST_COLUMNS)
        self.budget = settings.WORKBENCH_MAX_UPLOAD_BYTES
        self.unpacked = self.chars = 0

    def add(self, line: int, row: dict) -> None:
        file_name = (row.get("file") or "").strip()
        pseudonym = (row.get("participant") or "").strip()
        group_name = (row.get("group") or "").strip()
        title = (row.get("title") or "").strip() or title_from(file_name)
        extra = {
            key.strip(): (value or "").strip()
            for key, value in row.items()
            if key
            and key.strip()
            and key.strip().lower() not in MANIFEST_COLUMNS
            and isinstance(value, str)
            and value.strip()
        }
        self.extras.append((line, extra))
        problems: list[RowError] = []
        info = self._member(line, file_name, problems)
        group = self._named(line, group_name, self.groups, "group", problems)
        wave_name = (row.get("wave") or "").strip()
        wave = self._named(line, wave_name, self.waves, "wave", problems)
        participant = self._participant(line, pseudonym, group, group_name, problems)
        self._title(line, title, problems)
        text, turn_times = None, []
        if info is not None and not problems:
            text, turn_times = self._read(line, file_name, info, problems)
        if not problems and not self.allow_duplicates:
            problems = _row_duplicates(
                line,
                file_name,
                text,
                participant,
                wave,
                existing_texts=self.existing_texts,
                existing_interviews=self.existing_interviews,
                zip_texts=self.zip_texts,
                zip_interviews=self.zip_interviews,
            )
        if problems:
            self.report.errors.extend(problems)
            return
        self.planned.append(_Planned(line, file_name, text, title, participant, wave, turn_times))

    def _member(self, line: int, file_name: str, problems: list[RowError]):
        """The zip member a row names (by path, else by a unique file name), or None."""
        if not file_name:
            problems.append(RowError(line, gettext("The file name is empty."), "file"))
            return None
        key = file_name if file_name in self.members else None
        if key is None:
            matches = self.by_basename.get(posixpath.basename(file_name).lower(), [])
            if len(matches) == 1:
                key = matches[0]
            elif len(matches) > 1:
                problems.append(
                    RowError(
                        line,
                        gettext(
                            "“%(file_name)s” matches several files in the zip: give its folder."
                        )
                        % {"file_name": file_name},
                        "file",
                    )
                )
                return None
        if key is None:
            problems.append(
                RowError(
                    line,
                    gettext("“%(file_name)s” is not in the zip.") % {"file_name": file_name},
                    "file",
                )
            )
            return None
        if key in self.used_files:
            problems.append(
                RowError(
                    line,
                    gettext("“%(file_name)s” is already listed on line %(value)s.")
                    % {"file_name": file_name, "value": self.used_files[key]},
                    "file",
                )
            )
        self.used_files.setdefault(key, line)
        info = self.members[key]
        if info.file_size > self.budget:
            problems.append(
                RowError(
                    line,
                    gettext(
                        "%(file_name)s: %(value)s MB unpacked is larger than the limit of %(value2)s MB."
                    )
                    % {
                        "file_name": file_name,
                        "value": f"{info.file_size / 1e6:.1f}",
                        "value2": f"{self.budget / 1e6:.1f}",
                    },
                    "file",
                )
            )
            return None
        return info

    def _named(self, line: int, name: str, items: dict, kind: str, problems: list[RowError]):
        """The group or wave a row names (None when it names none or an unknown one)."""
        if not name:
            return None
        found = items.get(name.lower())
        if found is None:
            known = ", ".join(i.name for i in items.values())
            messages = {
                ("group", True): gettext("Unknown group “%(name)s” (groups: %(known)s)."),
                ("group", False): gettext(
                    "Unknown group “%(name)s” (the study has no groups yet)."
                ),
                ("wave", True): gettext("Unknown wave “%(name)s” (waves: %(known)s)."),
                ("wave", False): gettext("Unknown wave “%(name)s” (the study has no waves yet)."),
            }
            message = messages[kind, bool(known)] % {"name": name, "known": known}
            problems.append(RowError(line, message, kind))
        return found

    def _participant(
        self, line: int, pseudonym: str, group, group_name: str, problems: list[RowError]
    ) -> Participant | None:
        """The row's participant: existing, new on an earlier row, or new (in ``group``)."""
        if not pseudonym:
            return None
        key = pseudonym.lower()
        participant = self.participants.get(key) or self.new_participants.get(key)
        if participant is None:
            if group is None and not group_name:
                problems.append(
                    RowError(
                        line,
                        gettext("“%(pseudonym)s” is a new participant: give their group.")
                        % {"pseudonym": pseudonym},
                        "group",
                    )
                )
            elif group is not None:
                participant = Participant(study=self.study, pseudonym=pseudonym, group=group)
                self.new_participants[key] = participant
        elif (
            group is not None
            and participant.group_id is not None
            and participant.group_id != group.pk
            and participant.pk
        ):
            problems.append(
                RowError(
                    line,
                    gettext("“%(pseudonym)s” is in group “%(name)s”, not “%(name2)s”.")
                    % {"pseudonym": pseudonym, "name": participant.group.name, "name2": group.name},
                    "group",
                )
            )
        elif group is not None and participant.pk is None and participant.group is not group:
            problems.append(
                RowError(
                    line,
                    gettext("“%(pseudonym)s” is given group “%(name)s” on an earlier line.")
                    % {"pseudonym": pseudonym, "name": participant.group.name},
                    "group",
                )
            )
        return participant

    def _title(self, line: int, title: str, problems: list[RowError]) -> None:
        key = title.lower()
        if len(title) > 200:
            problems.append(
                RowError(line, gettext("The title is longer than 200 characters."), "title")
            )
        elif key in self.taken_titles:
            problems.append(
                RowError(
                    line,
                    gettext("A transcript titled “%(title)s” already exists in this study.")
                    % {"title": title},
                    "title",
                )
            )
        elif key in self.titles:
            problems.append(
                RowError(
                    line,
                    gettext("The title “%(title)s” is also used on line %(value)s.")
                    % {"title": title, "value": self.titles[key]},
                    "title",
                )
            )
        self.titles.setdefault(key, line)

    def _read(self, line: int, file_name: str, info, problems: list[RowError]):
        """The member's text and turn times; refuses the whole import once the unpacked
        bytes or decoded characters pass the import's limits."""
        try:
            data = zip_member_bytes(self.archive, info, self.budget, file_name)
            self.unpacked += len(data)
            check_import_total(self.unpacked, "The files in the zip")
            reading = prepare_reading(data, file_name)
            del data
            self.chars += len(reading.text)
            check_import_chars(self.chars, file_name)
            return reading.text, reading.turn_times
        except textlib.TextDecodeError as exc:
            problems.append(RowError(line, str(exc), "file"))
        except ValidationError as exc:
            problems.extend(RowError(line, message, "file") for message in exc.messages)
            if self.chars > settings.WORKBENCH_MAX_IMPORT_CHARS or self.unpacked > (
                settings.WORKBENCH_MAX_IMPORT_BYTES
            ):
                self.report.errors.extend(problems)
                raise ImportRefused(self.report) from None
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
            problems.append(
                RowError(
                    line,
                    gettext("%(file_name)s: cannot be read from the zip (%(exc)s).")
                    % {"file_name": file_name, "exc": exc},
                    "file",
                )
            )
        return None, []


def _write_bulk(*, study: Study, planner: _ManifestPlan, actor, report: ImportReport) -> None:
    """Create the new participants and the planned transcripts, and record one event."""
    new_participants = list(planner.new_participants.values())
    with transaction.atomic():
        Participant.objects.bulk_create(new_participants)
        transcripts = [
            new_transcript(
                study=study,
                text=p.text,
                filename=p.file_name,
                title=p.title,
                participant=p.participant,
                wave=p.wave,
                turn_times=p.turn_times,
            )
            for p in planner.planned
        ]
        for transcript, p in zip(transcripts, planner.planned, strict=True):
            transcript.attributes = p.attributes
        for transcript in transcripts:
            if transcript.participant is not None:
                transcript.participant_id = transcript.participant.pk
        Transcript.objects.bulk_create(transcripts, batch_size=50)
        report.created = len(transcripts)
        audit(
            study=study,
            actor=actor,
            action="transcript.bulk_import",
            object_type="transcript",
            after={"created": len(transcripts), "new_participants": len(new_participants)},
        )


def _row_duplicates(
    line: int,
    file_name: str,
    text: str,
    participant: Participant | None,
    wave: Wave | None,
    *,
    existing_texts: dict[str, str],
    existing_interviews: dict[tuple[int, int], str],
    zip_texts: dict[str, tuple[int, str]],
    zip_interviews: dict[tuple[str, int], int],
) -> list[RowError]:
    """Duplicate problems of one manifest row; records the row for the rows after it."""
    problems = []
    checksum = Transcript.checksum_of(text)
    if checksum in existing_texts:
        problems.append(
            RowError(
                line,
                gettext("%(file_name)s: the same text is already in this study as “%(value)s”.")
                % {"file_name": file_name, "value": existing_texts[checksum]},
                "file",
                duplicate=True,
            )
        )
    elif checksum in zip_texts:
        other_line, other_name = zip_texts[checksum]
        problems.append(
            RowError(
                line,
                gettext("%(file_name)s: the same text as %(other_name)s on line %(other_line)s.")
                % {"file_name": file_name, "other_name": other_name, "other_line": other_line},
                "file",
                duplicate=True,
            )
        )
    zip_texts.setdefault(checksum, (line, file_name))
    if participant is not None and wave is not None:
        if participant.pk and (participant.pk, wave.pk) in existing_interviews:
            problems.append(
                RowError(
                    line,
                    gettext("%(pseudonym)s already has a transcript at %(name)s: “%(value)s”.")
                    % {
                        "pseudonym": participant.pseudonym,
                        "name": wave.name,
                        "value": existing_interviews[(participant.pk, wave.pk)],
                    },
                    "wave",
                    duplicate=True,
                )
            )
        else:
            key = (participant.pseudonym.lower(), wave.pk)
            if key in zip_interviews:
                problems.append(
                    RowError(
                        line,
                        gettext("%(pseudonym)s at %(name)s is also on line %(value)s.")
                        % {
                            "pseudonym": participant.pseudonym,
                            "name": wave.name,
                            "value": zip_interviews[key],
                        },
                        "wave",
                        duplicate=True,
                    )
                )
            zip_interviews.setdefault(key, line)
    return problems
