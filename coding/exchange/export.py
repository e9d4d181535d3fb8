"""REFI-QDA exchange: export a study as a QDPX project or a QDC codebook, import a QDPX.

Guide: ``docs/refi-qda/SPEC.md`` (export strictly, import leniently).

Offsets. REFI-QDA's ``startPosition``/``endPosition`` are 0-based, end-exclusive positions
counted in Unicode code points of the source's plain-text file, which is exactly the
workbench's unit (Python's ``text[start:end]`` on the canonical text). The default export
writes the canonical text unchanged (UTF-8, no BOM, LF only) as ``sources/<guid>.txt`` and
the stored offsets as they are; the export targets (:data:`TARGETS`) change only what a
receiving tool needs: UTF-16 units for NVivo, CR LF in the files for MAXQDA (a line break
still one position), groups and waves as document sets for ATLAS.ti. Import is where other tools' habits are absorbed
(:func:`coding.exchange.offsets._choose_convention`): a selection may count CR LF as two (NVivo on Windows) or one
(ATLAS.ti, MAXQDA), count a BOM, or count UTF-16 units (NVivo), alone or combined; the
convention is chosen by the selections' ``name`` previews, then by how many selection
boundaries fall between words, then by the producing tool (``origin``). The report names the
convention per source and counts the selections it could not establish. Then offsets are carried through the
removal of CRs and control characters exactly and through the rest of
:func:`studies.text.canonicalize` with :class:`studies.offset_map.OffsetMap`, so every coded
passage stays on the same characters.

GUIDs are ``uuid5`` of a fixed namespace and ``study id + kind + object id``: re-exporting an
unchanged study gives the same GUIDs, and an import recognises selections that are its own
exported segments.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import uuid
import zipfile
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

from django.db.models import F
from django.utils.translation import gettext_lazy

from coding.codebook import selectors as codebook_selectors
from coding.exchange.descriptions import code_description
from coding.exchange.media_export import copy_media, study_media, sync_points, write_media_source
from coding.exchange.sets import _document_sets, _write_sets, theme_sets
from coding.exchange.xmlout import (
    XML_DECLARATION,
    _clean,
    _identity,
    _timestamp,
    _utf16_positions,
    _write_value,
    _XmlStream,
)
from coding.models import JournalEntry, LayerKind, Segment, Theme, ThemeStatus
from studies import attributes as attribute_types
from studies.access import StudyAccess, visible_layers, visible_memos
from studies.models import (
    Attribute,
    AttributeKind,
    AttributeScope,
    Participant,
    Study,
    Transcript,
)

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
ORIGIN = "Thematic coding workbench 0.1"
# Fixed for ever: changing it changes every exported GUID.
GUID_NAMESPACE = uuid.UUID("4b0d3c5e-2f61-5a8e-9c47-0e6a1d2b7f93")
PREVIEW_CHARS = 100
DEFAULT_COLOR = "#0072B2"
CONSENSUS_USER_NAME = "Consensus"


def object_guid(study_id: int, kind: str, key) -> str:
    """The stable GUID of a workbench object in the exports of one study."""
    return str(uuid.uuid5(GUID_NAMESPACE, f"study:{study_id}/{kind}:{key}"))


class _GuidMaker:
    """:func:`object_guid` for one study, about five times faster (exports make ~70,000).

    The same uuid5 computation (SHA-1 of namespace + name, version and variant bits set),
    with the hash of the common prefix computed once.
    """

    def __init__(self, study_id: int):
        self.study_id = study_id
        self.prefix = hashlib.sha1(GUID_NAMESPACE.bytes + f"study:{study_id}/".encode())  # noqa: S324

    def __call__(self, kind: str, key) -> str:
        digest = self.prefix.copy()
        digest.update(f"{kind}:{key}".encode())
        raw = bytearray(digest.digest()[:16])
        raw[6] = (raw[6] & 0x0F) | 0x50
        raw[8] = (raw[8] & 0x3F) | 0x80
        h = raw.hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def preview(text: str) -> str:
    """A selection's ``name``: its text, cut to 100 characters with "…"."""
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


# --- export ---------------------------------------------------------------------------


class EmptyCodebook(ValueError):
    """A QDC needs at least one code (``Codes`` may not be empty)."""


def _el(parent: ET.Element, tag: str, attrib: dict | None = None, text: str | None = None):
    # Plain local names under a root that declares the default namespace: every element is
    # in the REFI namespace and no ``xmlns=""`` can appear.
    element = ET.SubElement(parent, tag, {k: v for k, v in (attrib or {}).items() if v})
    if text is not None:
        element.text = text
    return element


def _code_elements(
    parent, nodes, guids, *, note_refs=None, ns_codebook=False, tag2: str = ""
) -> None:
    for node in nodes:
        code = node.code
        element = _el(
            parent,
            "Code",
            {
                "guid": guids[code.pk],
                "name": _clean(code.name),
                "isCodable": "true" if code.is_codable else "false",
                "color": code.color.lower() if code.color else None,
            },
        )
        description = _clean(code_description(code, tag2))
        if description:
            _el(element, "Description", text=description)
        if not ns_codebook and note_refs:
            for note_guid in note_refs.get(code.pk, ()):
                _el(element, "NoteRef", {"targetGUID": note_guid})
        _code_elements(
            element,
            node.children,
            guids,
            note_refs=note_refs,
            ns_codebook=ns_codebook,
            tag2=tag2,
        )


def _serialise(root: ET.Element) -> bytes:
    return XML_DECLARATION + ET.tostring(root, encoding="unicode").encode("utf-8")


def codebook_qdc(study: Study, *, access: StudyAccess | None = None, book=None) -> bytes:
    """The study's codebook as a ``.qdc`` document (codebook namespace), as ``access`` may
    see it (a blind coder: the shared codebook and their own proposals). Two queries.
    ``book``: this codebook instead (e.g. a frozen version's), no query."""
    if book is None:
        book = (
            codebook_selectors.codebook_for(access)
            if access is not None
            else codebook_selectors.codebook(study)
        )
    if not book.roots:
        raise EmptyCodebook("The codebook is empty: add codes before exporting it.")
    guids = {code_id: object_guid(study.pk, "code", code_id) for code_id in book.by_id}
    root = ET.Element("CodeBook", {"xmlns": CODEBOOK_NS, "origin": ORIGIN})
    codes = _el(root, "Codes")
    _code_elements(codes, book.roots, guids, ns_codebook=True, tag2=study.codebook_language2)
    return _serialise(root)


@dataclass
class _Variables:
    """Variable definitions in export order: name -> (guid, type)."""

    study_id: int
    defs: dict[str, tuple[str, str]] = field(default_factory=dict)

    def add(self, name: str, type_: str) -> str:
        if name not in self.defs:
            self.defs[name] = (object_guid(self.study_id, "variable", name.lower()), type_)
        return self.defs[name][0]


def _typed_numbers(attributes: dict | None, numbers: dict) -> dict:
    """``attributes`` with the values of number attributes read as numbers (a value that
    does not read stays as it is, exported as text)."""
    out = dict(attributes or {})
    for key, value in out.items():
        if key in numbers:
            with contextlib.suppress(ValueError):
                out[key] = attribute_types.parse(numbers[key], value)
    return out


def _attribute_type(values: list) -> str:
    if values and all(isinstance(v, bool) for v in values):
        return "Boolean"
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "Integer"
    if values and all(
        isinstance(v, (int, float))
        and not isinstance(v, bool)
        and v == v
        and abs(v) != float("inf")
        for v in values
    ):
        return "Float"
    return "Text"


@dataclass(frozen=True)
class ExportTarget:
    """What one receiving tool needs from a project export (README, "REFI-QDA exchange").

    ``utf16``: selection positions counted in UTF-16 code units (NVivo); ``crlf``: the source
    and note text files with Windows line endings, positions still counting each line break
    as one (MAXQDA); ``document_sets``: groups and waves also as document sets (ATLAS.ti's
    document groups) *instead of* as Group and Wave variables.
    """

    key: str
    label: str
    utf16: bool = False
    crlf: bool = False
    document_sets: bool = False


TARGETS = {
    target.key: target
    for target in (
        ExportTarget("default", gettext_lazy("Any tool (QualCoder, Taguette, this workbench)")),
        ExportTarget("nvivo", "NVivo", utf16=True),
        ExportTarget("maxqda", "MAXQDA", crlf=True),
        ExportTarget("atlas", "ATLAS.ti", document_sets=True),
    )
}
DEFAULT_TARGET = "default"
# Rows fetched per round trip when streaming segments and texts.
EXPORT_CHUNK_ROWS = 2000


def _write_codes(xml: _XmlStream, nodes, guids, note_refs, tag2: str = "") -> None:
    for node in nodes:
        code = node.code
        xml.start(
            "Code",
            {
                "guid": guids[code.pk],
                "name": _clean(code.name),
                "isCodable": "true" if code.is_codable else "false",
                "color": code.color.lower() if code.color else None,
            },
        )
        description = _clean(code_description(code, tag2))
        if description:
            xml.leaf("Description", text=description)
        for note_guid in note_refs.get(code.pk, ()):
            xml.leaf("NoteRef", {"targetGUID": note_guid})
        _write_codes(xml, node.children, guids, note_refs, tag2)
        xml.end("Code")


def _file_text(text: str, target: ExportTarget) -> bytes:
    return (text.replace("\n", "\r\n") if target.crlf else text).encode("utf-8")


# Texts per round trip: each may be up to WORKBENCH_MAX_TEXT_CHARS, so few at a time.
EXPORT_CHUNK_TEXTS = 20


def _texts(study, chunk_size: int):
    """``(pk, text)`` of every transcript in export order, streamed."""
    return (
        Transcript.objects.filter(study=study)
        .order_by("title", "pk")
        .values_list("pk", "text")
        .iterator(chunk_size=min(chunk_size, EXPORT_CHUNK_TEXTS))
    )


class _ProjectExport:
    """What :func:`write_qdpx` writes, resolved before writing (plan), then written (write)."""

    def __init__(self, access: StudyAccess, export_target: ExportTarget, chunk_size: int, progress):
        self.target = export_target
        self.study = access.study
        self.chunk_size = chunk_size
        self.progress = progress
        self.make_guid = _GuidMaker(self.study.pk)
        self._load(access)
        self.total = 2 * len(self.transcripts) + 1
        self.done = 0
        self._plan_users()
        self._plan_notes()
        self._plan_variables()
        self.source_guid = {t[0]: self.make_guid("transcript", t[0]) for t in self.transcripts}
        self.by_participant: dict[int, list[str]] = {}
        for t in self.transcripts:
            if t[3]:
                self.by_participant.setdefault(t[3], []).append(self.source_guid[t[0]])

    def _load(self, access: StudyAccess) -> None:
        study = self.study
        self.layers = list(visible_layers(access))
        self.layer_ids = [layer.pk for layer in self.layers]
        self.book = codebook_selectors.codebook_for(access)
        self.participants = list(
            Participant.objects.filter(study=study)
            .order_by("pseudonym", "pk")
            .values_list("pk", "pseudonym", "group_id", "group__name", "attributes")
        )
        # Participant attributes defined as numbers are exported as REFI-QDA Integer or
        # Float variables even when older rows hold them as text.
        self.number_attributes = {
            a.name: a
            for a in Attribute.objects.filter(
                study=study, scope=AttributeScope.PARTICIPANT, kind=AttributeKind.NUMBER
            )
        }
        if self.number_attributes:
            self.participants = [
                (*row[:4], _typed_numbers(row[4], self.number_attributes))
                for row in self.participants
            ]
        self.transcripts = list(
            Transcript.objects.filter(study=study)
            .order_by("title", "pk")
            .values_list(
                "pk",
                "title",
                "source_name",
                "participant_id",
                "wave_id",
                "wave__name",
                "created_at",
                "updated_at",
            )
        )
        # Recordings: an AudioSource/VideoSource each, its Transcript the transcript's text
        # file with the turn times as SyncPoints (one query; the files are copied in write()).
        self.media = study_media(study)
        self.sync_points: dict[int, list[tuple[int, int]]] = {}
        memos = visible_memos(access)
        if access.blind:
            # A blind coder's project is their own work: their memos only, so that no other
            # <User> appears (the PI's study memos stay readable on the Memos page).
            memos = memos.filter(author_id=access.membership.user_id)
        self.memos = list(
            memos.select_related("author")
            .annotate(segment_layer=F("segment__layer_id"))
            .order_by("created_at", "pk")
        )
        self._load_themes_and_journal(access)

    def _load_themes_and_journal(self, access: StudyAccess) -> None:
        """Themes (not discarded) become Sets of their codes; shared journal entries become
        Notes. Private entries never leave (not even the exporter's own), and a blind coder's
        project carries no journal at all: it is their own work. Five queries."""
        study = self.study
        self.themes = list(
            Theme.objects.filter(study=study)
            .exclude(status=ThemeStatus.DISCARDED)
            .order_by("position", "name", "pk")
            .values_list("pk", "name", "concept", "status")
        )
        self.theme_codes: dict[int, list[int]] = {}
        for theme_id, code_id in (
            Theme.codes.through.objects.filter(theme__study=study)
            .order_by("code__position", "code_id")
            .values_list("theme_id", "code_id")
        ):
            self.theme_codes.setdefault(theme_id, []).append(code_id)
        self.journal: list[JournalEntry] = []
        self.journal_links: dict[int, dict[str, list[int]]] = {}
        if access.blind:
            return
        self.journal = list(
            JournalEntry.objects.filter(study=study, shared=True)
            .select_related("author")
            .order_by("created_at", "pk")
        )
        if not self.journal:
            return
        ids = [entry.pk for entry in self.journal]
        for kind, through, field_name in (
            ("transcripts", JournalEntry.transcripts.through, "transcript_id"),
            ("themes", JournalEntry.themes.through, "theme_id"),
        ):
            for entry_id, target in through.objects.filter(journalentry_id__in=ids).values_list(
                "journalentry_id", field_name
            ):
                links = self.journal_links.setdefault(entry_id, {})
                links.setdefault(kind, []).append(target)

    def _plan_users(self) -> None:
        """Users: one per visible layer, plus memo authors who have no layer here."""
        make_guid = self.make_guid
        self.users: dict[str, str] = {}
        self.layer_user: dict[int, str] = {}
        for layer in sorted(self.layers, key=lambda lr: (lr.kind, lr.label.lower(), lr.pk)):
            if layer.kind == LayerKind.CODER:
                guid, name = make_guid("user", layer.user_id), layer.user.username
            elif layer.kind == LayerKind.CONSENSUS:
                guid, name = make_guid("layer", "consensus"), CONSENSUS_USER_NAME
            else:
                guid, name = make_guid("layer", layer.pk), layer.name or layer.label
            self.users[guid] = name
            self.layer_user[layer.pk] = guid
        self.memo_author: dict[int, str] = {}
        for memo in self.memos:
            if memo.author_id:
                guid = make_guid("user", memo.author_id)
                self.users.setdefault(guid, memo.author.get_username())
                self.memo_author[memo.pk] = guid
        for entry in self.journal:
            self.users.setdefault(make_guid("user", entry.author_id), entry.author.get_username())

    def _plan_notes(self) -> None:
        make_guid = self.make_guid
        self.code_guids = {code_id: make_guid("code", code_id) for code_id in self.book.by_id}
        visible_layer_ids = set(self.layer_ids)
        self.note_guid = {memo.pk: make_guid("memo", memo.pk) for memo in self.memos}
        self.code_notes: dict[int, list[str]] = {}
        self.transcript_notes: dict[int, list[str]] = {}
        self.segment_notes: dict[int, list[str]] = {}
        self.project_notes: list[str] = []
        for memo in self.memos:
            guid = self.note_guid[memo.pk]
            if memo.segment_id and memo.segment_layer in visible_layer_ids:
                self.segment_notes.setdefault(memo.segment_id, []).append(guid)
            elif memo.transcript_id:
                self.transcript_notes.setdefault(memo.transcript_id, []).append(guid)
            elif memo.code_id and memo.code_id in self.code_guids:
                self.code_notes.setdefault(memo.code_id, []).append(guid)
            else:
                self.project_notes.append(guid)
        # A shared journal entry: referenced from the transcripts it is linked to, a member
        # of the Sets of the themes it is linked to, else from the project.
        self.journal_guid = {e.pk: make_guid("journal", e.pk) for e in self.journal}
        self.theme_notes: dict[int, list[str]] = {}
        known_transcripts = {t[0] for t in self.transcripts}
        exported_themes = {theme[0] for theme in self.themes}
        for entry in self.journal:
            guid, links = self.journal_guid[entry.pk], self.journal_links.get(entry.pk, {})
            linked = [t for t in links.get("transcripts", ()) if t in known_transcripts]
            themed = [t for t in links.get("themes", ()) if t in exported_themes]
            for transcript_id in linked:
                self.transcript_notes.setdefault(transcript_id, []).append(guid)
            for theme_id in themed:
                self.theme_notes.setdefault(theme_id, []).append(guid)
            if not linked and not themed:
                self.project_notes.append(guid)

    def _plan_variables(self) -> None:
        """Variables: group (cases), wave and original file name (sources), one per participant
        attribute. For ATLAS.ti, groups and waves are document sets instead (one place each)."""
        participants, transcripts = self.participants, self.transcripts
        variables = self.variables = _Variables(self.study.pk)
        use_variables = not self.target.document_sets
        self.group_var = (
            variables.add("Group", "Text")
            if use_variables and any(p[2] for p in participants)
            else None
        )
        attribute_values: dict[str, list] = {}
        for participant in participants:
            for key, value in (participant[4] or {}).items():
                if value not in (None, "", [], {}):
                    attribute_values.setdefault(str(key), []).append(value)
        self.attribute_vars: dict[str, tuple[str, str]] = {}
        taken = {"group", "wave", FILE_NAME_VARIABLE.lower()}
        for key in sorted(attribute_values, key=str.lower):
            name = _clean(key).strip() or "attribute"
            while name.lower() in taken:
                name = f"{name} (attribute)"
            taken.add(name.lower())
            type_ = _attribute_type(attribute_values[key])
            self.attribute_vars[key] = (variables.add(name, type_), type_)
        self.wave_var = (
            variables.add("Wave", "Text")
            if use_variables and any(t[4] for t in transcripts)
            else None
        )
        self.file_var = (
            variables.add(FILE_NAME_VARIABLE, "Text")
            if any(_file_name_value(t[1], t[2]) for t in transcripts)
            else None
        )

    def _tick(self) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total)

    def write(self, out, compresslevel: int) -> None:
        with zipfile.ZipFile(
            out, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel
        ) as archive:
            with archive.open("project.qde", "w", force_zip64=True) as entry:
                self._write_project(_XmlStream(entry))
            # Second pass: the text files, one transcript at a time.
            for tid, text in _texts(self.study, self.chunk_size):
                archive.writestr(
                    f"sources/{self.source_guid[tid]}.txt", _file_text(text, self.target)
                )
                self._tick()
            for memo in self.memos:
                archive.writestr(
                    f"sources/{self.note_guid[memo.pk]}.txt",
                    _file_text(_clean(memo.body), self.target),
                )
            for entry in self.journal:
                archive.writestr(
                    f"sources/{self.journal_guid[entry.pk]}.txt",
                    _file_text(_clean(entry.body), self.target),
                )
            for media in self.media.values():
                copy_media(archive, self.make_guid, media)
        if self.progress is not None:
            self.progress(self.total, self.total)

    def _write_project(self, xml: _XmlStream) -> None:
        study = self.study
        xml.start(
            "Project",
            {
                "xmlns": PROJECT_NS,
                "name": _clean(study.name) or f"Study {study.pk}",
                "origin": ORIGIN,
                "creationDateTime": _timestamp(study.created_at),
            },
        )
        if self.users:
            xml.start("Users")
            for guid, name in self.users.items():
                xml.leaf("User", {"guid": guid, "name": _clean(name)})
            xml.end("Users")
        if self.book.roots:
            xml.start("CodeBook")
            xml.start("Codes")
            _write_codes(
                xml,
                self.book.roots,
                self.code_guids,
                self.code_notes,
                self.study.codebook_language2,
            )
            xml.end("Codes")
            xml.end("CodeBook")
        if self.variables.defs:
            xml.start("Variables")
            for name, (guid, type_) in self.variables.defs.items():
                xml.leaf("Variable", {"guid": guid, "name": name, "typeOfVariable": type_})
            xml.end("Variables")
        if self.participants:
            self._write_cases(xml)
        if self.transcripts:
            self._write_sources(xml)
        if self.memos or self.journal:
            self._write_notes(xml)
        sets = theme_sets(
            self.themes, self.theme_codes, self.theme_notes, self.code_guids, self.make_guid
        )
        if self.target.document_sets:
            sets += _document_sets(
                self.make_guid,
                self.participants,
                self.transcripts,
                self.by_participant,
                self.source_guid,
            )
        _write_sets(xml, sets)
        if study.description.strip():
            xml.leaf("Description", text=_clean(study.description.strip()))
        for note in self.project_notes:
            xml.leaf("NoteRef", {"targetGUID": note})
        xml.end("Project")
        xml.close()

    def _write_cases(self, xml: _XmlStream) -> None:
        xml.start("Cases")
        for pk, pseudonym, group_id, group_name, attributes in self.participants:
            xml.start(
                "Case", {"guid": self.make_guid("participant", pk), "name": _clean(pseudonym)}
            )
            if group_id and self.group_var:
                _write_value(xml, self.group_var, "Text", group_name)
            for key, value in (attributes or {}).items():
                if str(key) in self.attribute_vars:
                    guid, type_ = self.attribute_vars[str(key)]
                    _write_value(xml, guid, type_, value)
            for guid in self.by_participant.get(pk, ()):
                xml.leaf("SourceRef", {"targetGUID": guid})
            xml.end("Case")
        xml.end("Cases")

    def _segments(self):
        return (
            Segment.objects.filter(transcript__study=self.study, layer_id__in=self.layer_ids)
            .order_by(
                "transcript__title", "transcript_id", "start", "end", "layer_id", "code_id", "pk"
            )
            .values_list(
                "pk", "transcript_id", "code_id", "layer_id", "start", "end", "memo", "created_at"
            )
            .iterator(chunk_size=self.chunk_size)
        )

    def _write_sources(self, xml: _XmlStream) -> None:
        segments = self._segments()
        pending = next(segments, None)
        xml.start("Sources")
        meta = iter(self.transcripts)
        for tid, text in _texts(self.study, self.chunk_size):
            _tid, title, source_name, _participant, wave_id, wave_name, created, updated = next(
                meta
            )
            guid = self.source_guid[tid]
            length = len(text)
            position = _utf16_positions(text) if self.target.utf16 else _identity
            xml.start(
                "TextSource",
                {
                    "guid": guid,
                    "name": _clean(title),
                    "plainTextPath": f"internal://{guid}.txt",
                    "creationDateTime": _timestamp(created),
                    "modifiedDateTime": _timestamp(updated),
                },
            )
            while pending is not None and pending[1] == tid:
                row = pending
                pending = next(segments, None)
                start, end = row[4], row[5]
                if not 0 <= start < end <= length or row[2] not in self.code_guids:
                    continue
                self._write_selection(xml, row, text, position)
            for note in self.transcript_notes.get(tid, ()):
                xml.leaf("NoteRef", {"targetGUID": note})
            if wave_id and self.wave_var:
                _write_value(xml, self.wave_var, "Text", wave_name)
            if self.file_var:
                _write_value(xml, self.file_var, "Text", _file_name_value(title, source_name))
            xml.end("TextSource")
            if tid in self.media:
                self.sync_points[tid] = sync_points(self.media[tid], position, text)
            self._tick()
        for _tid, title, *_rest in self.transcripts:
            if _tid in self.media:
                write_media_source(
                    xml,
                    self.make_guid,
                    self.media[_tid],
                    title,
                    self.source_guid[_tid],
                    self.sync_points.get(_tid, ()),
                )
        xml.end("Sources")

    def _write_selection(self, xml: _XmlStream, row, text: str, position) -> None:
        pk, _t, code_id, layer_id, start, end, memo, when = row
        user = self.layer_user[layer_id]
        when = _timestamp(when)
        xml.start(
            "PlainTextSelection",
            {
                "guid": self.make_guid("selection", pk),
                "name": _clean(preview(text[start:end])),
                "startPosition": str(position(start)),
                "endPosition": str(position(end)),
                "creatingUser": user,
                "creationDateTime": when,
            },
        )
        if memo:
            xml.leaf("Description", text=_clean(memo))
        xml.start(
            "Coding",
            {"guid": self.make_guid("coding", pk), "creatingUser": user, "creationDateTime": when},
        )
        xml.leaf("CodeRef", {"targetGUID": self.code_guids[code_id]})
        for note in self.segment_notes.get(pk, ()):
            xml.leaf("NoteRef", {"targetGUID": note})
        xml.end("Coding")
        xml.end("PlainTextSelection")

    def _write_notes(self, xml: _XmlStream) -> None:
        # The text in a file of its own (QualCoder reads a note's text only from its
        # plainTextPath; the schema allows the path or PlainTextContent, not both).
        xml.start("Notes")
        for memo in self.memos:
            guid = self.note_guid[memo.pk]
            body = _clean(memo.body)
            xml.leaf(
                "Note",
                {
                    "guid": guid,
                    "name": _clean(memo.title) or _clean(preview(" ".join(body.split())))[:60],
                    "plainTextPath": f"internal://{guid}.txt",
                    "creatingUser": self.memo_author.get(memo.pk),
                    "creationDateTime": _timestamp(memo.created_at),
                    "modifiedDateTime": _timestamp(memo.updated_at),
                },
            )
        for entry in self.journal:
            guid = self.journal_guid[entry.pk]
            title = _clean(entry.title) or _clean(preview(" ".join(entry.body.split())))[:60]
            xml.leaf(
                "Note",
                {
                    "guid": guid,
                    "name": f"Journal: {title}",
                    "plainTextPath": f"internal://{guid}.txt",
                    "creatingUser": self.make_guid("user", entry.author_id),
                    "creationDateTime": _timestamp(entry.created_at),
                    "modifiedDateTime": _timestamp(entry.updated_at),
                },
            )
        xml.end("Notes")


def write_qdpx(
    access: StudyAccess,
    out,
    *,
    target: str = DEFAULT_TARGET,
    progress=None,
    compresslevel: int = 1,
    chunk_size: int = EXPORT_CHUNK_ROWS,
) -> None:
    """Write the study as a ``.qdpx`` archive to the binary file object ``out``, restricted
    to the layers ``access`` may see, for the receiving tool ``target`` (:data:`TARGETS`).

    Contents: ``project.qde`` (Users per visible layer, CodeBook, Variables, Cases for
    participants, Sources with one ``PlainTextSelection`` per segment, Notes for memos and
    for shared journal entries (never private ones; none for a blind coder), Sets: one per
    theme not discarded, of its codes, and for ATLAS.ti one per group and wave) and
    ``sources/<guid>.txt`` per transcript and per note. Streams: ``project.qde`` is written as XML into its zip entry while segments and
    texts are read in chunks of ``chunk_size`` rows, then the text files one by one, so
    memory holds one transcript and one chunk of rows, not the study. A constant number of
    queries. ``progress(done, total)`` is called after each transcript in both passes
    (``total`` = twice the number of transcripts, plus one for the notes).
    """
    export = _ProjectExport(access, TARGETS[target], chunk_size, progress)
    export.write(out, compresslevel)


FILE_NAME_VARIABLE = "File name"


def _file_name_value(title: str, source_name: str) -> str:
    """The original file name, when there is one worth carrying (not just the title)."""
    source_name = (source_name or "").strip()
    return source_name if source_name and source_name != title else ""


def project_qdpx(
    access: StudyAccess, *, target: str = DEFAULT_TARGET, compresslevel: int = 1
) -> bytes:
    """:func:`write_qdpx` into memory (tests and small studies; the view streams a file)."""
    buffer = io.BytesIO()
    write_qdpx(access, buffer, target=target, compresslevel=compresslevel)
    return buffer.getvalue()
