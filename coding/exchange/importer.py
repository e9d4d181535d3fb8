"""REFI-QDA import: plan what a parsed project adds to the study, then write it in one transaction."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext

from coding.codebook import selectors as codebook_selectors
from coding.exchange.descriptions import DESCRIPTION_LABELS, SECOND_LABELS
from coding.exchange.export import DEFAULT_COLOR, FILE_NAME_VARIABLE, ORIGIN, _GuidMaker
from coding.exchange.media_import import plan_media, read_media, write_media
from coding.exchange.offsets import (
    _prepare_sources,
    _PreparedSource,
)
from coding.exchange.parse import (
    ATLAS_SYSTEM_USER,
    UNKNOWN_CODER,
    _Archive,
    _child,
    _int,
    _parse_codes,
    _parse_project,
    _parse_sets,
    _parse_xml,
    _Parsed,
    _shorten,
)
from coding.exchange.report import RefiImportReport
from coding.exchange.theme_import import plan_themes, write_themes
from coding.exchange.write import write_plan
from coding.models import MEMO_MAX_CHARS, Code, Layer, LayerKind, Memo, Segment
from studies import text as textlib
from studies.imports import ImportRefused
from studies.models import Participant, StakeholderGroup, Study, Transcript, Wave


@dataclass
class _NewSegment:
    transcript: object  # Transcript (new or existing)
    code_path: tuple[str, ...]
    layer_name: str
    start: int
    end: int
    quote: str
    memo: str
    selection: str


def _typed(type_: str, value: str):
    if type_ == "Integer":
        number = _int(value)
        return number if number is not None else value
    if type_ == "Boolean":
        return value.strip().lower() in ("true", "1")
    if type_ == "Float":
        try:
            return float(Decimal(value))
        except (InvalidOperation, ValueError):
            return value
    return value


def refi_import(*, study: Study, data: bytes, filename: str, actor=None) -> RefiImportReport:
    """Import a REFI-QDA ``.qdpx`` project (or a ``.qdc`` codebook) into an existing study.

    * Sources become transcripts (canonical text; selection offsets carried onto it). A
      source whose canonical text equals a transcript already in the study (same checksum)
      is not created again: its selections are added to that transcript. A source whose
      title is taken by a transcript with *different* text refuses the import.
    * Codes are merged by path (case-insensitive): existing codes are reused unchanged, new
      ones created.
    * Each REFI user becomes an imported layer (an existing imported layer of the same name
      is reused); never a member's own or the consensus layer.
    * Selections become segments with ``quote == text[start:end]``. A selection already in
      the study (same transcript, code, layer and span, or one of this study's own exported
      segments) is skipped, so importing the same file twice adds nothing.
    * Cases become participants (matched by pseudonym) with group and attributes; a source's
      ``Wave`` variable sets its wave. Missing groups and waves are created.
    * Notes become memos on the code, transcript, segment or study they are attached to.

    Everything is parsed and checked before anything is written; on any problem
    :class:`ImportRefused` carries the report and nothing is written. Returns the report
    (counts, what was dropped, warnings).
    """
    report = RefiImportReport()
    limit = settings.WORKBENCH_MAX_ZIP_BYTES
    xml_limit = settings.WORKBENCH_MAX_XML_BYTES
    size = len(data) if isinstance(data, bytes) else data.size
    if size > limit:
        report.error(
            gettext("%(file)s is %(size)s MB; the limit is %(limit)s MB.")
            % {"file": filename, "size": f"{size / 1e6:.1f}", "limit": f"{limit / 1e6:.0f}"}
        )
        raise ImportRefused(report)
    if isinstance(data, bytes):
        data = io.BytesIO(data)
    data.seek(0)
    head = data.read(4)
    data.seek(0)
    archive = None
    if head == b"PK\x03\x04":
        try:
            archive = _Archive(data, report)
            report.refuse_if_errors()
            qde = archive.read(archive.qde, xml_limit)
        except (zipfile.BadZipFile, ValueError, OSError, RuntimeError, NotImplementedError) as exc:
            report.error(
                gettext("%(file)s is not a readable .qdpx archive (%(error)s).")
                % {"file": filename, "error": exc}
            )
            raise ImportRefused(report) from None
        root = _parse_xml(qde, archive.qde, report)
    else:
        if size > xml_limit:
            report.error(
                gettext("%(file)s is %(size)s MB of XML; the limit is %(limit)s MB.")
                % {"file": filename, "size": f"{size / 1e6:.1f}", "limit": f"{xml_limit / 1e6:.1f}"}
            )
            raise ImportRefused(report)
        root = _parse_xml(data.read(), filename, report)
    report.refuse_if_errors()
    if root.tag == "CodeBook":
        report.kind = "codebook"
        parsed = _Parsed(kind="codebook", origin=root.get("origin") or "")
        codes_el = _child(root, "Codes")
        if codes_el is None or not len(codes_el):
            report.error(gettext("The codebook has no codes."))
        else:
            parsed.codes = _parse_codes(codes_el, report)
        parsed.sets = _parse_sets(root)
    elif root.tag == "Project":
        parsed = _parse_project(root, archive, report)
        read_media(root, archive, parsed, report)
    else:
        report.error(
            gettext("The root element is “%(tag)s”, not a REFI-QDA Project or CodeBook.")
            % {"tag": root.tag}
        )
        parsed = None
    report.refuse_if_errors()
    sources = _prepare_sources(parsed, report)
    report.refuse_if_errors()
    with transaction.atomic():
        # Lock the codebook (as every codebook change does), then plan against fresh data.
        list(
            Code.objects.select_for_update()
            .filter(study=study)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        plan = _Plan(study=study, parsed=parsed, sources=sources, report=report, filename=filename)
        plan.build()
        report.refuse_if_errors()
        write_plan(plan, actor)
        write_themes(plan, actor)
        if plan.media:
            write_media(plan, archive, actor)
    return report


class _Plan:
    """Everything an import will write, resolved against the study; then :meth:`write`."""

    def __init__(self, *, study, parsed: _Parsed, sources: list[_PreparedSource], report, filename):
        self.study, self.parsed, self.sources = study, parsed, sources
        self.report: RefiImportReport = report
        self.filename = filename
        self.new_groups: dict[str, StakeholderGroup] = {}
        self.new_waves: dict[str, Wave] = {}
        self.new_participants: dict[str, Participant] = {}
        self.new_transcripts: list[Transcript] = []
        self.new_codes: dict[tuple[str, ...], Code] = {}
        self.new_layers: dict[str, Layer] = {}
        self.segments: list[_NewSegment] = []
        self.memos: list[tuple[str, str, dict]] = []  # (title, body, target)
        self.code_by_path: dict[tuple[str, ...], Code] = {}
        self.layers_by_name: dict[str, Layer] = {}
        self.study_description = ""
        self.themes: list = []  # theme_import._ThemeIn
        self.media: list = []  # (recording, transcript, turn times): media_import  # the file's project description, for an empty study one

    # -- resolution helpers --

    def _group(self, name: str) -> StakeholderGroup | None:
        name = " ".join(name.split())
        if not name:
            return None
        key = name.lower()
        if key in self.groups:
            return self.groups[key]
        if len(name) > 100:
            self.report.warn(
                gettext("The group name “%(name)s…” is longer than 100 characters; shortened.")
                % {"name": name[:40]}
            )
            name = _shorten(name, 100)
            key = name.lower()
            if key in self.groups:
                return self.groups[key]
        group = StakeholderGroup(study=self.study, name=name, position=len(self.groups) + 1)
        self.groups[key] = self.new_groups[key] = group
        return group

    def _wave(self, name: str) -> Wave | None:
        name = " ".join(name.split())
        if not name:
            return None
        key = name.lower()
        if key in self.waves:
            return self.waves[key]
        if len(name) > 100:
            self.report.warn(
                gettext("The wave name “%(name)s…” is longer than 100 characters; shortened.")
                % {"name": name[:40]}
            )
            name = _shorten(name, 100)
            key = name.lower()
            if key in self.waves:
                return self.waves[key]
        wave = Wave(study=self.study, name=name, position=len(self.waves) + 1)
        self.waves[key] = self.new_waves[key] = wave
        return wave

    def _layer_name(self, coder: str | None) -> str:
        parsed = self.parsed
        for candidate in (coder, parsed.creating_user):
            if candidate and candidate != ATLAS_SYSTEM_USER:
                name = parsed.users.get(candidate) or f"Imported user {candidate[:8]}"
                return " ".join(name.split())[:150] or f"Imported user {candidate[:8]}"
        return UNKNOWN_CODER

    # -- planning --

    def build(self) -> None:
        self._plan_codes()
        if self.parsed.kind == "codebook":
            self.transcript_for = {}
            self._plan_memos()
            return
        self._read_own_document_sets()
        participant_of, source_values = self._plan_participants()
        matched_ids = self._plan_transcripts(participant_of, source_values)
        self._check_matched_unchanged(matched_ids)
        report = self.report
        report.count("transcripts_created", len(self.new_transcripts))
        report.count("transcripts_matched", len(matched_ids))
        report.count("groups_created", len(self.new_groups))
        report.count("waves_created", len(self.new_waves))
        self._plan_segments(matched_ids)
        self._plan_memos()
        plan_media(self, self.sources)

    def _plan_participants(self) -> tuple[dict[str, Participant], dict]:
        """Cases: named ones are participants; a nameless one with one source holds that
        source's attributes (Quirkos/MAXQDA style). Returns (participant per source key,
        attributes per source key)."""
        study, report = self.study, self.report
        self.groups = {g.name.lower(): g for g in study.groups.all()}
        self.waves = {w.name.lower(): w for w in study.waves.all()}
        participants = {p.pseudonym.lower(): p for p in study.participants.select_related("group")}
        participant_of: dict[str, Participant] = {}
        source_values: dict[str, dict[str, tuple[str, str]]] = {}
        for case in self.parsed.cases:
            if case.name is None:
                if len(case.sources) == 1:
                    for lower, (name, _type, value) in case.values.items():
                        source_values.setdefault(case.sources[0], {})[lower] = (name, value)
                else:
                    report.skip("cases without a name")
                continue
            if len(case.name) > 100:
                report.warn(
                    gettext(
                        "The case name “%(name)s…” is longer than 100 characters; shortened "
                        "(the full name is kept in the participant's attributes)."
                    )
                    % {"name": case.name[:40]}
                )
                case.values.setdefault("full name", ("Full name", "Text", case.name))
                case.name = _shorten(case.name, 100)
            group_value = case.values.get("group")
            group = self._group(group_value[2]) if group_value else None
            participant = participants.get(case.name.lower())
            if participant is None:
                attributes = {
                    name: _typed(type_, value)
                    for lower, (name, type_, value) in case.values.items()
                    if lower not in ("group", "wave")
                }
                participant = Participant(
                    study=study, pseudonym=case.name, group=group, attributes=attributes
                )
                participants[case.name.lower()] = self.new_participants[case.name.lower()] = (
                    participant
                )
            elif (
                participant.pk
                and group is not None
                and participant.group_id
                and participant.group != group
            ):
                report.warn(
                    gettext(
                        "Participant “%(participant)s” is in group “%(here)s” here but "
                        "“%(there)s” in the file; kept as it is."
                    )
                    % {
                        "participant": participant.pseudonym,
                        "here": participant.group.name,
                        "there": group.name,
                    }
                )
            for source_key in case.sources:
                if source_key in participant_of and participant_of[source_key] is not participant:
                    report.warn(
                        gettext("A source belongs to several cases; it was given to “%(name)s”.")
                        % {"name": participant_of[source_key].pseudonym}
                    )
                    continue
                participant_of[source_key] = participant
        report.count("participants_created", len(self.new_participants))

        return participant_of, source_values

    def _plan_transcripts(self, participant_of: dict, source_values: dict) -> set[int]:
        """Transcripts: new, or matched to the study's own by content (their ids returned)."""
        study, report = self.study, self.report
        existing = list(
            Transcript.objects.filter(study=study).values_list("pk", "title", "checksum")
        )
        by_checksum = {checksum: pk for pk, _title, checksum in existing if checksum}
        titles = {title.lower(): pk for pk, title, _checksum in existing}
        self.transcript_for: dict[int, object] = {}
        planned_titles: dict[str, int] = {}
        planned_checksums: dict[str, Transcript] = {}
        matched_ids: set[int] = set()
        for index, prepared in enumerate(self.sources):
            where = prepared.source.where
            if prepared.checksum in by_checksum:
                pk = by_checksum[prepared.checksum]
                self.transcript_for[index] = pk
                matched_ids.add(pk)
                continue
            if prepared.checksum in planned_checksums:
                self.transcript_for[index] = planned_checksums[prepared.checksum]
                report.warn(
                    gettext("%(where)s has the same text as another source of the file; merged.")
                    % {"where": where}
                )
                continue
            title = prepared.title
            if title.lower() in titles:
                report.error(
                    gettext(
                        "A transcript titled “%(title)s” already exists in this study with "
                        "different text. Rename one of them (or edit the transcript to match) "
                        "and import again."
                    )
                    % {"title": title},
                    where,
                )
                continue
            base, n = title, 2
            while title.lower() in planned_titles:
                suffix = f" ({n})"
                title, n = base[: 200 - len(suffix)] + suffix, n + 1
            if title != base:
                report.warn(
                    gettext("%(where)s: another source has the same name; titled “%(title)s”.")
                    % {"where": where, "title": title}
                )
            planned_titles[title.lower()] = index
            values = {**source_values.get(prepared.source.key, {}), **prepared.source.values}
            wave = self._wave(values["wave"][1]) if "wave" in values else None
            transcript = Transcript(
                study=self.study,
                participant=participant_of.get(prepared.source.key),
                wave=wave,
                title=title,
                text=prepared.text,
                length=len(prepared.text),
                source_name=(
                    values[FILE_NAME_VARIABLE.lower()][1]
                    if FILE_NAME_VARIABLE.lower() in values
                    else prepared.source.name or title
                )[:255],
                checksum=prepared.checksum,
                language=textlib.guess_language(prepared.text),
            )
            self.new_transcripts.append(transcript)
            planned_checksums[prepared.checksum] = transcript
            self.transcript_for[index] = transcript
        return matched_ids

    def _check_matched_unchanged(self, matched_ids: set[int]) -> None:
        report = self.report
        # Codings go onto matched transcripts at offsets of the text planned against: hold
        # those rows (as segment writes and text edits do) and make sure none was edited.
        locked = dict(
            Transcript.objects.select_for_update()
            .filter(pk__in=matched_ids)
            .order_by("pk")
            .values_list("pk", "checksum")
        )
        for index, prepared in enumerate(self.sources):
            pk = self.transcript_for.get(index)
            if isinstance(pk, int) and locked.get(pk) != prepared.checksum:
                report.error(
                    gettext(
                        "The matching transcript was edited while this file was imported. "
                        "Import it again."
                    ),
                    prepared.source.where,
                )

    def _read_own_document_sets(self) -> None:
        """This workbench's ATLAS.ti export carries groups and waves as document sets
        ("Group: X", "Wave: X") instead of variables: read them back as group and wave."""
        if self.parsed.origin != ORIGIN:
            return
        sources = {source.key: source for source in self.parsed.sources}
        group_of: dict[str, str] = {}
        for set_in in self.parsed.sets:
            if set_in.codes:
                continue
            for prefix, variable in (("Group: ", "group"), ("Wave: ", "wave")):
                if set_in.name.startswith(prefix):
                    value = set_in.name[len(prefix) :]
                    for member in set_in.sources:
                        if variable == "wave" and member in sources:
                            sources[member].values.setdefault("wave", ("Wave", value))
                        elif variable == "group":
                            group_of[member] = value
        for case in self.parsed.cases:
            groups = {group_of[key] for key in case.sources if key in group_of}
            if "group" not in case.values and len(groups) == 1:
                case.values["group"] = ("Group", "Text", groups.pop())

    def _plan_codes(self) -> None:
        book = codebook_selectors.codebook(self.study)
        existing: dict[tuple[str, ...], Code] = {}
        path_of: dict[int, tuple[str, ...]] = {}
        for node in book.walk():
            path_of[node.pk] = (*path_of.get(node.code.parent_id, ()), node.code.name.lower())
            existing[path_of[node.pk]] = node.code
        self.code_by_path = dict(existing)
        self.next_position: dict[object, int] = {}
        for node in book.walk():
            parent = node.code.parent_id
            self.next_position[parent] = max(
                self.next_position.get(parent, 0), node.code.position + 1
            )
        reused = set()
        merged = 0
        coded = {
            code_key
            for source in self.parsed.sources
            for selection in source.selections
            for code_key, _coder, _notes in selection.codings
        }
        second_tags: set[str] = set()
        # Second-language names are unique per parent too: a repeat is dropped with a warning.
        names2 = {(p[:-1], c.name2.lower()) for p, c in existing.items() if c.name2}
        for code_in in self.parsed.codes.values():  # parents before children (document order)
            path = code_in.path
            if path in existing:
                reused.add(path)
                continue
            if path in self.new_codes:
                merged += 1
                continue
            parent = self.code_by_path.get(path[:-1]) if len(path) > 1 else None
            color = code_in.color or (parent.color if parent is not None else DEFAULT_COLOR)
            codable = code_in.codable
            if not codable and code_in.key in coded:
                codable = True
                self.report.warn(
                    gettext(
                        "%(where)s is not codable in the file but text is coded with it; "
                        "imported as a code that can be applied to text."
                    )
                    % {"where": code_in.where}
                )
            code = Code(
                study=self.study,
                parent=parent,
                name=code_in.names[-1],
                color=color,
                is_codable=codable,
                **{name: code_in.fields.get(name, "") for name, _label in DESCRIPTION_LABELS},
                **{name: code_in.fields.get(name, "") for name, _label in SECOND_LABELS},
            )
            language2 = code_in.fields.get("language2", "")
            if language2:
                second_tags.add(language2)
            if code.name2 and (path[:-1], code.name2.lower()) in names2:
                self.report.warn(
                    gettext(
                        "%(where)s: another code at its level is already named “%(name)s” in "
                        "the second language; that name was left out."
                    )
                    % {"where": code_in.where, "name": code.name2}
                )
                code.name2 = ""
            elif code.name2:
                names2.add((path[:-1], code.name2.lower()))
            self.new_codes[path] = self.code_by_path[path] = code
        if merged:
            self.report.warn(
                gettext(
                    "%(n)s code(s) repeat the path of an earlier code in the file; merged into it."
                )
                % {"n": merged}
            )
        self._check_second_language(second_tags)
        self.report.count("codes_created", len(self.new_codes))
        self.report.count("codes_reused", len(reused))

    def _check_second_language(self, tags: set[str]) -> None:
        """Codes' second-language texts come in as they are; say so when the study's second
        codebook language is another one (or none), which shows them under its own name."""
        own = (self.study.codebook_language2 or "").lower()
        others = sorted(tag for tag in tags if tag.lower() != own)
        if others:
            if own:
                message = gettext(
                    "Codes carry names or definitions in %(tags)s; the study's second codebook "
                    "language is %(own)s. They are kept as the codes' second-language texts."
                )
            else:
                message = gettext(
                    "Codes carry names or definitions in %(tags)s; the study has no second "
                    "codebook language (Setup). They are kept as the codes' second-language "
                    "texts."
                )
            self.report.warn(
                message % {"tags": ", ".join(others), "own": self.study.codebook_language2}
            )

    def _plan_segments(self, matched_ids: set[int]) -> None:
        report = self.report
        code_path = {key: code.path for key, code in self.parsed.codes.items()}
        existing_layers = {
            layer.name.lower(): layer
            for layer in Layer.objects.filter(study=self.study, kind=LayerKind.IMPORTED).order_by(
                "pk"
            )
        }
        held, own = self._held_segments(matched_ids)
        seen: set[tuple] = set()
        unknown_codes = archived = 0
        for index, prepared in enumerate(self.sources):
            transcript = self.transcript_for.get(index)
            if transcript is None:
                continue
            transcript_id = transcript if isinstance(transcript, int) else None
            for selection, start, end, quote in prepared.spans:
                if not selection.codings:
                    report.skip("selections without a code")
                    continue
                for code_key, coder, _notes in selection.codings:
                    path = code_path.get(code_key)
                    if path is None:
                        unknown_codes += 1
                        continue
                    code = self.code_by_path[path]
                    layer_name = self._layer_name(coder)
                    if transcript_id is not None and code.pk:
                        mine = own.get(selection.key)
                        if mine == (transcript_id, code.pk, start, end):
                            report.count("segments_existing")
                            continue
                        layer = existing_layers.get(layer_name.lower())
                        if layer and (transcript_id, code.pk, layer.pk, start, end) in held:
                            report.count("segments_existing")
                            continue
                    key = (id(transcript), path, layer_name.lower(), start, end)
                    if key in seen:
                        continue
                    seen.add(key)
                    if code.pk and code.archived:
                        archived += 1
                        report.error(
                            gettext(
                                "“%(code)s” is archived in this study; unarchive it to import "
                                "codings of it."
                            )
                            % {"code": " › ".join(self.parsed.codes[code_key].names)},
                            prepared.source.where,
                        )
                        continue
                    self.segments.append(
                        _NewSegment(
                            transcript=transcript,
                            code_path=path,
                            layer_name=layer_name,
                            start=start,
                            end=end,
                            quote=quote,
                            memo=selection.description[:MEMO_MAX_CHARS],
                            selection=selection.key,
                        )
                    )
        if unknown_codes:
            report.warn(
                gettext("%(n)s coding(s) refer to codes that are not in the codebook; skipped.")
                % {"n": unknown_codes}
            )
            report.skip("codings of unknown codes", unknown_codes)
        self._plan_layers(existing_layers)
        report.count("segments_created", len(self.segments))

    def _held_segments(self, matched_ids: set[int]) -> tuple[set[tuple], dict[str, tuple]]:
        make_guid = _GuidMaker(self.study.pk)
        # What matched transcripts already hold: (transcript, code, layer, start, end), and
        # the GUIDs this study's own export gave their segments.
        held: set[tuple] = set()
        own: dict[str, tuple] = {}
        if matched_ids:
            rows = Segment.objects.filter(transcript_id__in=matched_ids).values_list(
                "pk", "transcript_id", "code_id", "layer_id", "start", "end"
            )
            for pk, transcript_id, code_id, layer_id, start, end in rows:
                held.add((transcript_id, code_id, layer_id, start, end))
                own[make_guid("selection", pk)] = (transcript_id, code_id, start, end)
        return held, own

    def _plan_layers(self, existing_layers: dict[str, Layer]) -> None:
        """One imported layer per coder named in the planned segments, reused by name."""
        report = self.report
        used = {s.layer_name.lower(): s.layer_name for s in self.segments}
        for lower, name in used.items():
            if lower in existing_layers:
                self.layers_by_name[lower] = existing_layers[lower]
            else:
                layer = Layer(study=self.study, kind=LayerKind.IMPORTED, name=name)
                self.layers_by_name[lower] = self.new_layers[lower] = layer
        report.count("layers_created", len(self.new_layers))
        report.count("layers_reused", len(used) - len(self.new_layers))

    def _plan_memos(self) -> None:
        """Notes become memos on what they are attached to (first reference wins)."""
        parsed, report = self.parsed, self.report
        self.theme_keys = plan_themes(self)  # theme Sets: themes, not memos
        targets = self._note_targets()
        known = self._known_notes()
        accounts = self._accounts()
        for key, note in parsed.notes.items():
            if not note.text:
                report.skip("empty notes")
                continue
            if key in known:
                report.count("memos_existing")
                continue
            author = parsed.users.get(note.author or "", "")
            target = {**targets.get(key, {}), "author": author, "note": key}
            if note.author:
                target["user"] = accounts.get(" ".join(author.split()).lower())
                report.count(
                    "memo_authors_matched" if target["user"] is not None else "memo_authors_kept"
                )
            self.memos.append((_shorten(note.name, 200), note.text, target))
        extras = self._extra_memos()
        for note_key, title, body, target in extras:
            if note_key in known:
                report.count("memos_existing")
                continue
            self.memos.append(
                (
                    _shorten(title, 200),
                    body[:MEMO_MAX_CHARS],
                    {**target, "author": "", "note": note_key},
                )
            )
        report.count("memos_created", len(self.memos))

    def _note_targets(self) -> dict[str, dict]:
        """Note key -> what its memo is on: {"transcript", "code", "segment"}."""
        parsed = self.parsed
        targets: dict[str, dict] = {}  # note key -> {"transcript", "code", "segment"}
        source_index = {p.source.key: i for i, p in enumerate(self.sources)}
        selection_target: dict[str, dict] = {}
        by_selection: dict[str, _NewSegment] = {}
        for segment in self.segments:
            by_selection.setdefault(segment.selection, segment)
        for code_in in parsed.codes.values():
            for note in code_in.note_refs:
                targets.setdefault(note, {"code": self.code_by_path[code_in.path]})
        for index, prepared in enumerate(self.sources):
            transcript = self.transcript_for.get(index)
            if transcript is None:
                continue
            for selection, *_span in prepared.spans:
                target = {"transcript": transcript, "segment": by_selection.get(selection.key)}
                selection_target[selection.key] = target
                for note in selection.note_refs:
                    targets.setdefault(note, target)
                for _code, _coder, notes in selection.codings:
                    for note in notes:
                        targets.setdefault(note, target)
            for note in prepared.source.note_refs:
                targets.setdefault(note, {"transcript": transcript})
        for note, target in parsed.note_links:
            if target in selection_target:
                targets.setdefault(note, selection_target[target])
            elif (
                target in source_index and self.transcript_for.get(source_index[target]) is not None
            ):
                targets.setdefault(note, {"transcript": self.transcript_for[source_index[target]]})
            elif target in parsed.codes:
                targets.setdefault(note, {"code": self.code_by_path[parsed.codes[target].path]})
        return targets

    def _known_notes(self) -> set[str]:
        # Notes already here: imported before (their GUID is kept in ``extra``) or exported
        # from this study (their GUID is this study's memo GUID).
        make_guid = _GuidMaker(self.study.pk)
        known: set[str] = set()
        for pk, extra in Memo.objects.filter(study=self.study).values_list("pk", "extra"):
            known.add(make_guid("memo", pk))
            note = (extra or {}).get("refi", {}).get("note") if isinstance(extra, dict) else None
            if note:
                known.add(note)
        return known

    def _accounts(self) -> dict[str, object]:
        # A note's author is credited when a member of the study has that name; otherwise
        # the name stays in the memo's ``extra`` (shown as its author), never the importer.
        accounts: dict[str, object] = {}
        for membership in self.study.memberships.select_related("user"):
            user = membership.user
            for name in (user.get_full_name(), user.get_username()):
                if name.strip():
                    accounts.setdefault(" ".join(name.split()).lower(), user)
        return accounts

    def _extra_memos(self) -> list[tuple[str, str, str, dict]]:
        """The memos made of descriptions and sets (note key, title, body, target)."""
        parsed, report = self.parsed, self.report
        # Descriptions and sets have no field of their own: they become memos (keyed so
        # that importing the file again adds nothing).
        extras: list[tuple[str, str, str, dict]] = []
        current = self.study.description.strip()
        if parsed.description and current == parsed.description:
            pass  # imported before
        elif parsed.description and current:
            extras.append(("project", "Project description", parsed.description, {}))
        elif parsed.description:
            self.study_description = parsed.description
            report.count("study_description")
        for index, prepared in enumerate(self.sources):
            transcript = self.transcript_for.get(index)
            if prepared.source.description and transcript is not None:
                extras.append(
                    (
                        f"source:{prepared.source.key}",
                        "Description",
                        prepared.source.description,
                        {"transcript": transcript},
                    )
                )
        for case in parsed.cases:
            if case.description:
                title = f"Case {case.name}: description" if case.name else "Case description"
                extras.append((f"case:{case.key}", title, case.description, {}))
        names = {
            **{k: " › ".join(c.names) for k, c in parsed.codes.items()},
            **{p.source.key: p.title for p in self.sources},
            **{k: n.name for k, n in parsed.notes.items()},
        }
        for set_in in parsed.sets:
            if set_in.key in self.theme_keys:
                continue
            if parsed.origin == ORIGIN and not set_in.codes:
                # This workbench's own document sets are its groups and waves, which the
                # cases and the Wave variable already carry.
                report.skip("document sets of groups and waves (carried by cases and waves)")
                continue
            kind = "Code set" if set_in.codes or not set_in.sources else "Document set"
            lines = [set_in.description] if set_in.description else []
            for label, members in (
                ("Codes", set_in.codes),
                ("Sources", set_in.sources),
                ("Notes", set_in.notes),
            ):
                if members:
                    lines.append(f"{label}:")
                    lines += [f"- {names.get(m, m)}" for m in members]
            extras.append(
                (f"set:{set_in.key}", f"{kind}: {set_in.name}", "\n".join(lines) or "(empty)", {})
            )
            report.count("sets")
        return extras
