"""REFI-QDA exchange: export a study as a QDPX project or a QDC codebook, import a QDPX.

Guide: ``docs/refi-qda/SPEC.md`` (export strictly, import leniently).

Offsets. REFI-QDA's ``startPosition``/``endPosition`` are 0-based, end-exclusive positions
counted in Unicode code points of the source's plain-text file, which is exactly the
workbench's unit (Python's ``text[start:end]`` on the canonical text). The default export
writes the canonical text unchanged (UTF-8, no BOM, LF only) as ``sources/<guid>.txt`` and
the stored offsets as they are; the export targets (:data:`TARGETS`) change only what a
receiving tool needs: UTF-16 units for NVivo, CR LF in the files for MAXQDA (a line break
still one position), groups and waves as document sets for ATLAS.ti. Import is where other tools' habits are absorbed
(:func:`_choose_convention`): a selection may count CR LF as two (NVivo on Windows) or one
(ATLAS.ti, MAXQDA), count a BOM, or count UTF-16 units (NVivo), alone or combined; the
convention is chosen by the selections' ``name`` previews, then by how many selection
boundaries fall between words, then by the producing tool (``origin``). The report names the
convention per source and counts the selections it could not establish. Then offsets are carried through the
removal of CRs and control characters exactly and through the rest of
:func:`studies.text.canonicalize` with :class:`studies.text.OffsetMap`, so every coded
passage stays on the same characters.

GUIDs are ``uuid5`` of a fixed namespace and ``study id + kind + object id``: re-exporting an
unchanged study gives the same GUIDs, and an import recognises selections that are its own
exported segments.
"""

from __future__ import annotations

import bisect
import codecs
import datetime as dt
import hashlib
import io
import posixpath
import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from xml.etree import ElementTree as ET
from xml.sax.saxutils import XMLGenerator

from django.conf import settings
from django.db import transaction
from django.db.models import F

from coding.audit import audit
from coding.codebook import selectors as codebook_selectors
from coding.codebook.services import CODE_TEXT_MAX_CHARS, CODEBOOK_MAX_DEPTH
from coding.models import MEMO_MAX_CHARS, Code, Layer, LayerKind, Memo, Segment
from studies import text as textlib
from studies.access import StudyAccess, visible_layers, visible_memos
from studies.imports import ImportRefused, ImportReport, RowError
from studies.models import Participant, StakeholderGroup, Study, Transcript, Wave

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
PROJECT_SCHEMA_LOCATION = (
    "urn:QDA-XML:project:1.0 http://schema.qdasoftware.org/versions/Project/v1.0/Project.xsd"
)
ORIGIN = "Thematic coding workbench 0.1"
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
# Fixed for ever: changing it changes every exported GUID.
GUID_NAMESPACE = uuid.UUID("4b0d3c5e-2f61-5a8e-9c47-0e6a1d2b7f93")
PREVIEW_CHARS = 100
DEFAULT_COLOR = "#0072B2"
CONSENSUS_USER_NAME = "Consensus"
# Code description sections: the workbench's four fields in one REFI ``Description``.
DESCRIPTION_LABELS = (
    ("description", "Definition"),
    ("inclusion", "Inclusion"),
    ("exclusion", "Exclusion"),
    ("example", "Example"),
)
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


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


def _clean(value) -> str:
    """Text that XML 1.0 can carry: forbidden characters removed, CR LF as LF."""
    text = str(value or "")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _XML_FORBIDDEN.sub("", text)


def _timestamp(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def preview(text: str) -> str:
    """A selection's ``name``: its text, cut to 100 characters with "…"."""
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


def code_description(code: Code) -> str:
    """Definition, inclusion, exclusion and example, each on its own labelled paragraph."""
    parts = []
    for field_name, label in DESCRIPTION_LABELS:
        value = (getattr(code, field_name) or "").strip()
        if value:
            parts.append(f"{label}: {value}")
    return "\n\n".join(parts)


_LABEL_LINE = re.compile(
    r"^(" + "|".join(label for _f, label in DESCRIPTION_LABELS) + r")\s*:\s?", re.IGNORECASE
)


def parse_code_description(text: str) -> dict[str, str]:
    """Inverse of :func:`code_description`; unlabelled text is all definition."""
    text = (text or "").strip()
    if not text or not _LABEL_LINE.match(text):
        return {"description": text} if text else {}
    by_label = {label.lower(): name for name, label in DESCRIPTION_LABELS}
    fields: dict[str, list[str]] = {}
    current = None
    for line in text.split("\n"):
        match = _LABEL_LINE.match(line)
        if match and by_label[match.group(1).lower()] not in fields:
            current = by_label[match.group(1).lower()]
            fields[current] = [line[match.end() :]]
        else:
            fields[current].append(line)
    return {name: "\n".join(lines).strip() for name, lines in fields.items()}


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


def _code_elements(parent, nodes, guids, *, note_refs=None, ns_codebook=False) -> None:
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
        description = _clean(code_description(code))
        if description:
            _el(element, "Description", text=description)
        if not ns_codebook and note_refs:
            for note_guid in note_refs.get(code.pk, ()):
                _el(element, "NoteRef", {"targetGUID": note_guid})
        _code_elements(element, node.children, guids, note_refs=note_refs, ns_codebook=ns_codebook)


def _serialise(root: ET.Element) -> bytes:
    return XML_DECLARATION + ET.tostring(root, encoding="unicode").encode("utf-8")


def codebook_qdc(study: Study, *, access: StudyAccess | None = None) -> bytes:
    """The study's codebook as a ``.qdc`` document (codebook namespace), as ``access`` may
    see it (a blind coder: the shared codebook and their own proposals). Two queries."""
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
    _code_elements(codes, book.roots, guids, ns_codebook=True)
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
        ExportTarget("default", "Any tool (QualCoder, Taguette, this workbench)"),
        ExportTarget("nvivo", "NVivo", utf16=True),
        ExportTarget("maxqda", "MAXQDA", crlf=True),
        ExportTarget("atlas", "ATLAS.ti", document_sets=True),
    )
}
DEFAULT_TARGET = "default"
# Rows fetched per round trip when streaming segments and texts.
EXPORT_CHUNK_ROWS = 2000
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


class _XmlStream:
    """An incremental XML writer (stdlib ``XMLGenerator``) onto a binary stream.

    Attributes with empty values are left out (as ``_el`` does); element names are local
    names under a root that declares the REFI default namespace."""

    def __init__(self, out):
        # Our own buffered text layer: XMLGenerator's would write through, so each of the
        # ~15 small strings per selection would be compressed on its own.
        self._out = io.TextIOWrapper(out, encoding="utf-8", errors="strict", newline="\n")
        self._out._CHUNK_SIZE = 1 << 16
        self._out.write(XML_DECLARATION.decode("ascii"))
        self._xml = XMLGenerator(self._out, encoding="utf-8", short_empty_elements=True)

    def start(self, tag: str, attrib: dict | None = None) -> None:
        self._xml.startElement(tag, {k: v for k, v in (attrib or {}).items() if v})

    def end(self, tag: str) -> None:
        self._xml.endElement(tag)

    def leaf(self, tag: str, attrib: dict | None = None, text: str | None = None) -> None:
        self.start(tag, attrib)
        if text:
            self._xml.characters(text)
        self.end(tag)

    def close(self) -> None:
        self._xml.endDocument()
        self._out.flush()
        self._out.detach()  # ``out`` stays open: its owner closes it


def _write_codes(xml: _XmlStream, nodes, guids, note_refs) -> None:
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
        description = _clean(code_description(code))
        if description:
            xml.leaf("Description", text=description)
        for note_guid in note_refs.get(code.pk, ()):
            xml.leaf("NoteRef", {"targetGUID": note_guid})
        _write_codes(xml, node.children, guids, note_refs)
        xml.end("Code")


def _write_value(xml: _XmlStream, variable_guid: str, type_: str, value) -> None:
    if value is None or value == "" or value == [] or value == {}:
        return
    xml.start("VariableValue")
    xml.leaf("VariableRef", {"targetGUID": variable_guid})
    if type_ == "Boolean":
        xml.leaf("BooleanValue", text="true" if value else "false")
    elif type_ == "Integer":
        xml.leaf("IntegerValue", text=str(int(value)))
    elif type_ == "Float":
        xml.leaf("FloatValue", text=format(Decimal(repr(float(value))), "f"))
    else:
        xml.leaf("TextValue", text=_clean(value))
    xml.end("VariableValue")


def _utf16_positions(text: str):
    """Code point -> UTF-16 code unit position in ``text`` (identity without astral chars)."""
    astral = [match.start() for match in _ASTRAL.finditer(text)]
    if not astral:
        return _identity
    return lambda position: position + bisect.bisect_left(astral, position)


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
    participants, Sources with one ``PlainTextSelection`` per segment, Notes for memos; for
    ATLAS.ti Sets per group and wave) and ``sources/<guid>.txt`` per transcript and per
    note. Streams: ``project.qde`` is written as XML into its zip entry while segments and
    texts are read in chunks of ``chunk_size`` rows, then the text files one by one, so
    memory holds one transcript and one chunk of rows, not the study. A constant number of
    queries. ``progress(done, total)`` is called after each transcript in both passes
    (``total`` = twice the number of transcripts, plus one for the notes).
    """
    export_target = TARGETS[target]
    study = access.study
    sid = study.pk
    make_guid = _GuidMaker(sid)
    layers = list(visible_layers(access))
    layer_ids = [layer.pk for layer in layers]
    book = codebook_selectors.codebook_for(access)
    participants = list(
        Participant.objects.filter(study=study)
        .order_by("pseudonym", "pk")
        .values_list("pk", "pseudonym", "group_id", "group__name", "attributes")
    )
    transcripts = list(
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
    memos = visible_memos(access)
    if access.blind:
        # A blind coder's project is their own work: their memos only, so that no other
        # <User> appears (the PI's study memos stay readable on the Memos page).
        memos = memos.filter(author_id=access.membership.user_id)
    memos = list(
        memos.select_related("author")
        .annotate(segment_layer=F("segment__layer_id"))
        .order_by("created_at", "pk")
    )
    total = 2 * len(transcripts) + 1
    done = 0

    # Users: one per visible layer, plus memo authors who have no layer here.
    users: dict[str, str] = {}
    layer_user: dict[int, str] = {}
    for layer in sorted(layers, key=lambda lr: (lr.kind, lr.label.lower(), lr.pk)):
        if layer.kind == LayerKind.CODER:
            guid, name = make_guid("user", layer.user_id), layer.user.username
        elif layer.kind == LayerKind.CONSENSUS:
            guid, name = make_guid("layer", "consensus"), CONSENSUS_USER_NAME
        else:
            guid, name = make_guid("layer", layer.pk), layer.name or layer.label
        users[guid] = name
        layer_user[layer.pk] = guid
    memo_author: dict[int, str] = {}
    for memo in memos:
        if memo.author_id:
            guid = make_guid("user", memo.author_id)
            users.setdefault(guid, memo.author.get_username())
            memo_author[memo.pk] = guid

    code_guids = {code_id: make_guid("code", code_id) for code_id in book.by_id}
    visible_layer_ids = set(layer_ids)
    note_guid = {memo.pk: make_guid("memo", memo.pk) for memo in memos}
    code_notes: dict[int, list[str]] = {}
    transcript_notes: dict[int, list[str]] = {}
    segment_notes: dict[int, list[str]] = {}
    project_notes: list[str] = []
    for memo in memos:
        guid = note_guid[memo.pk]
        if memo.segment_id and memo.segment_layer in visible_layer_ids:
            segment_notes.setdefault(memo.segment_id, []).append(guid)
        elif memo.transcript_id:
            transcript_notes.setdefault(memo.transcript_id, []).append(guid)
        elif memo.code_id and memo.code_id in code_guids:
            code_notes.setdefault(memo.code_id, []).append(guid)
        else:
            project_notes.append(guid)

    # Variables: group (cases), wave and original file name (sources), one per participant
    # attribute. For ATLAS.ti, groups and waves are document sets instead (one place each).
    variables = _Variables(sid)
    use_variables = not export_target.document_sets
    group_var = (
        variables.add("Group", "Text")
        if use_variables and any(p[2] for p in participants)
        else None
    )
    attribute_values: dict[str, list] = {}
    for participant in participants:
        for key, value in (participant[4] or {}).items():
            if value not in (None, "", [], {}):
                attribute_values.setdefault(str(key), []).append(value)
    attribute_vars: dict[str, tuple[str, str]] = {}
    taken = {"group", "wave", FILE_NAME_VARIABLE.lower()}
    for key in sorted(attribute_values, key=str.lower):
        name = _clean(key).strip() or "attribute"
        while name.lower() in taken:
            name = f"{name} (attribute)"
        taken.add(name.lower())
        type_ = _attribute_type(attribute_values[key])
        attribute_vars[key] = (variables.add(name, type_), type_)
    wave_var = (
        variables.add("Wave", "Text") if use_variables and any(t[4] for t in transcripts) else None
    )
    file_var = (
        variables.add(FILE_NAME_VARIABLE, "Text")
        if any(_file_name_value(t[1], t[2]) for t in transcripts)
        else None
    )

    source_guid = {t[0]: make_guid("transcript", t[0]) for t in transcripts}
    by_participant: dict[int, list[str]] = {}
    for t in transcripts:
        if t[3]:
            by_participant.setdefault(t[3], []).append(source_guid[t[0]])

    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as archive:
        with archive.open("project.qde", "w", force_zip64=True) as entry:
            xml = _XmlStream(entry)
            xml.start(
                "Project",
                {
                    "xmlns": PROJECT_NS,
                    "name": _clean(study.name) or f"Study {sid}",
                    "origin": ORIGIN,
                    "creationDateTime": _timestamp(study.created_at),
                },
            )
            if users:
                xml.start("Users")
                for guid, name in users.items():
                    xml.leaf("User", {"guid": guid, "name": _clean(name)})
                xml.end("Users")
            if book.roots:
                xml.start("CodeBook")
                xml.start("Codes")
                _write_codes(xml, book.roots, code_guids, code_notes)
                xml.end("Codes")
                xml.end("CodeBook")
            if variables.defs:
                xml.start("Variables")
                for name, (guid, type_) in variables.defs.items():
                    xml.leaf("Variable", {"guid": guid, "name": name, "typeOfVariable": type_})
                xml.end("Variables")
            if participants:
                xml.start("Cases")
                for pk, pseudonym, group_id, group_name, attributes in participants:
                    xml.start(
                        "Case", {"guid": make_guid("participant", pk), "name": _clean(pseudonym)}
                    )
                    if group_id and group_var:
                        _write_value(xml, group_var, "Text", group_name)
                    for key, value in (attributes or {}).items():
                        if str(key) in attribute_vars:
                            guid, type_ = attribute_vars[str(key)]
                            _write_value(xml, guid, type_, value)
                    for guid in by_participant.get(pk, ()):
                        xml.leaf("SourceRef", {"targetGUID": guid})
                    xml.end("Case")
                xml.end("Cases")

            if transcripts:
                segments = (
                    Segment.objects.filter(transcript__study=study, layer_id__in=layer_ids)
                    .order_by(
                        "transcript__title",
                        "transcript_id",
                        "start",
                        "end",
                        "layer_id",
                        "code_id",
                        "pk",
                    )
                    .values_list(
                        "pk",
                        "transcript_id",
                        "code_id",
                        "layer_id",
                        "start",
                        "end",
                        "memo",
                        "created_at",
                    )
                    .iterator(chunk_size=chunk_size)
                )
                pending = next(segments, None)
                xml.start("Sources")
                meta = iter(transcripts)
                for tid, text in _texts(study, chunk_size):
                    _tid, title, source_name, _participant, wave_id, wave_name, created, updated = (
                        next(meta)
                    )
                    guid = source_guid[tid]
                    length = len(text)
                    position = _utf16_positions(text) if export_target.utf16 else _identity
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
                        pk, _t, code_id, layer_id, start, end, memo, when = pending
                        pending = next(segments, None)
                        if not 0 <= start < end <= length or code_id not in code_guids:
                            continue
                        user = layer_user[layer_id]
                        when = _timestamp(when)
                        xml.start(
                            "PlainTextSelection",
                            {
                                "guid": make_guid("selection", pk),
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
                            {
                                "guid": make_guid("coding", pk),
                                "creatingUser": user,
                                "creationDateTime": when,
                            },
                        )
                        xml.leaf("CodeRef", {"targetGUID": code_guids[code_id]})
                        for note in segment_notes.get(pk, ()):
                            xml.leaf("NoteRef", {"targetGUID": note})
                        xml.end("Coding")
                        xml.end("PlainTextSelection")
                    for note in transcript_notes.get(tid, ()):
                        xml.leaf("NoteRef", {"targetGUID": note})
                    if wave_id and wave_var:
                        _write_value(xml, wave_var, "Text", wave_name)
                    if file_var:
                        _write_value(xml, file_var, "Text", _file_name_value(title, source_name))
                    xml.end("TextSource")
                    done += 1
                    if progress is not None:
                        progress(done, total)
                xml.end("Sources")

            if memos:
                # The text in a file of its own (QualCoder reads a note's text only from its
                # plainTextPath; the schema allows the path or PlainTextContent, not both).
                xml.start("Notes")
                for memo in memos:
                    guid = note_guid[memo.pk]
                    body = _clean(memo.body)
                    xml.leaf(
                        "Note",
                        {
                            "guid": guid,
                            "name": _clean(memo.title)
                            or _clean(preview(" ".join(body.split())))[:60],
                            "plainTextPath": f"internal://{guid}.txt",
                            "creatingUser": memo_author.get(memo.pk),
                            "creationDateTime": _timestamp(memo.created_at),
                            "modifiedDateTime": _timestamp(memo.updated_at),
                        },
                    )
                xml.end("Notes")

            if export_target.document_sets:
                _write_document_sets(
                    xml, make_guid, participants, transcripts, by_participant, source_guid
                )

            if study.description.strip():
                xml.leaf("Description", text=_clean(study.description.strip()))
            for note in project_notes:
                xml.leaf("NoteRef", {"targetGUID": note})
            xml.end("Project")
            xml.close()

        # Second pass: the text files, one transcript at a time.
        for tid, text in _texts(study, chunk_size):
            archive.writestr(f"sources/{source_guid[tid]}.txt", _file_text(text, export_target))
            done += 1
            if progress is not None:
                progress(done, total)
        for memo in memos:
            archive.writestr(
                f"sources/{note_guid[memo.pk]}.txt", _file_text(_clean(memo.body), export_target)
            )
    if progress is not None:
        progress(total, total)


FILE_NAME_VARIABLE = "File name"


def _file_name_value(title: str, source_name: str) -> str:
    """The original file name, when there is one worth carrying (not just the title)."""
    source_name = (source_name or "").strip()
    return source_name if source_name and source_name != title else ""


def _write_document_sets(xml, make_guid, participants, transcripts, by_participant, source_guid):
    """One Set per group and per wave with its sources (ATLAS.ti's document groups)."""
    sets: list[tuple[str, str, list[str]]] = []
    group_members: dict[int, tuple[str, list[str]]] = {}
    for pk, _pseudonym, group_id, group_name, _attributes in participants:
        if group_id:
            entry = group_members.setdefault(group_id, (group_name, []))
            entry[1].extend(by_participant.get(pk, ()))
    for group_id, (name, members) in sorted(group_members.items()):
        if members:
            sets.append((make_guid("group", group_id), f"Group: {name}", members))
    wave_members: dict[int, tuple[str, list[str]]] = {}
    for t in transcripts:
        if t[4]:
            wave_members.setdefault(t[4], (t[5], []))[1].append(source_guid[t[0]])
    for wave_id, (name, members) in sorted(wave_members.items()):
        sets.append((make_guid("wave", wave_id), f"Wave: {name}", members))
    if sets:
        xml.start("Sets")
        for guid, name, members in sets:
            xml.start("Set", {"guid": guid, "name": _clean(name)})
            for member in members:
                xml.leaf("MemberSource", {"targetGUID": member})
            xml.end("Set")
        xml.end("Sets")


def project_qdpx(
    access: StudyAccess, *, target: str = DEFAULT_TARGET, compresslevel: int = 1
) -> bytes:
    """:func:`write_qdpx` into memory (tests and small studies; the view streams a file)."""
    buffer = io.BytesIO()
    write_qdpx(access, buffer, target=target, compresslevel=compresslevel)
    return buffer.getvalue()


# --- import: report -------------------------------------------------------------------

MAX_ZIP_ENTRIES = 20_000
MAX_WARNINGS = 200
ATLAS_SYSTEM_USER = "c32a2bd5-537f-4838-8b17-df9efbafdf4b"
UNKNOWN_CODER = "Imported (unknown coder)"
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_SOURCE_EXTENSIONS = (".txt", ".docx", ".doc", ".rtf", ".odt", ".pdf")


@dataclass
class RefiImportReport(ImportReport):
    """What an import did (``counts``), dropped (``skipped``) and noticed (``warnings``).

    ``errors`` (inherited) are the problems that refused the import; ``created`` is the
    number of segments created.
    """

    kind: str = "project"  # "project" or "codebook"
    counts: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    omitted_warnings: int = 0
    # position convention -> number of sources read with it
    conventions: dict[str, int] = field(default_factory=dict)

    def count(self, key: str, n: int = 1) -> None:
        if n:
            self.counts[key] = self.counts.get(key, 0) + n

    def skip(self, what: str, n: int = 1) -> None:
        if n:
            self.skipped[what] = self.skipped.get(what, 0) + n

    def warn(self, message: str) -> None:
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(message)
        else:
            self.omitted_warnings += 1

    def error(self, message: str, where: str = "") -> None:
        self.errors.append(RowError(0, message, where))

    def refuse_if_errors(self) -> None:
        if self.errors:
            raise ImportRefused(self)


COUNT_LABELS = {
    "transcripts_created": "Transcripts created",
    "transcripts_matched": "Transcripts already in the study (coding added to them)",
    "codes_created": "Codes created",
    "codes_reused": "Codes matched to existing codes by path",
    "categories": "Categories (not codable in the file; imported as categories, which hold "
    "codes but are not applied to text)",
    "participants_created": "Participants created",
    "participants_matched": "Participants matched by pseudonym",
    "groups_created": "Groups created",
    "waves_created": "Waves created",
    "layers_created": "Imported layers created",
    "layers_reused": "Imported layers added to",
    "segments_created": "Segments created",
    "segments_existing": "Selections already in the study (skipped)",
    "sources_unnamed": "Sources without a name (titled by their file or number)",
    "selections_unsure": "Selections whose position convention is uncertain (imported)",
    "memos_created": "Memos created",
    "memos_existing": "Memos already in the study (skipped)",
    "study_description": "Project description (became the study's description)",
    "sets": "Code and document sets (kept as study memos)",
    "memo_authors_matched": "Memo authors matched to members of the study",
    "memo_authors_kept": "Memo authors without an account here (name kept with the memo)",
}


# --- import: parsing ------------------------------------------------------------------


def _key(value) -> str:
    return (value or "").strip().strip("{}").strip().lower()


def _local(tag) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def _children(element, name: str) -> list:
    return [child for child in element if child.tag == name]


def _child(element, name: str):
    for child in element:
        if child.tag == name:
            return child
    return None


def _child_text(element, name: str) -> str:
    child = _child(element, name)
    return (child.text or "") if child is not None else ""


def _parse_xml(data: bytes, what: str, report: RefiImportReport):
    """Parse untrusted XML bytes; element tags reduced to local names (any REFI namespace)."""
    for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
        if "<!DOCTYPE".encode(encoding) in data or "<!ENTITY".encode(encoding) in data:
            report.error(f"{what} declares a DTD or entities, which REFI-QDA files never need.")
            return None
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        report.error(f"{what} is not well-formed XML ({exc}).")
        return None
    namespace = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    if namespace and not namespace.lower().startswith("urn:qda-xml:"):
        report.warn(f"{what} uses the namespace “{namespace}”, not a REFI-QDA one; read anyway.")
    for element in root.iter():
        element.tag = _local(element.tag)
    return root


_HEX = re.compile(r"#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")
_RGB = re.compile(r"rgba?\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*(?:,[^)]*)?\)", re.I)


def repair_color(value: str | None) -> str | None:
    """``#rrggbb`` from #rgb, #rrggbb, #rrggbbaa, rgb(r,g,b) or bare hex; None otherwise."""
    value = (value or "").strip()
    if not value:
        return None
    match = _HEX.fullmatch(value)
    if match:
        digits = match.group(1)
        if len(digits) == 3:
            digits = "".join(ch * 2 for ch in digits)
        return "#" + digits[:6].lower()
    match = _RGB.fullmatch(value)
    if match and all(int(part) <= 255 for part in match.groups()):
        return "#" + "".join(f"{int(part):02x}" for part in match.groups())
    return None


@dataclass
class _CodeIn:
    key: str
    names: tuple[str, ...]
    color: str | None
    fields: dict[str, str]
    where: str
    note_refs: list[str] = field(default_factory=list)
    codable: bool = True

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(name.lower() for name in self.names)


CODE_NAME_MAX_CHARS = 120


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _parse_codes(container, report: RefiImportReport) -> dict[str, _CodeIn]:
    """Every ``Code`` under ``container`` (a ``Codes`` element), keyed by normalised GUID."""
    codes: dict[str, _CodeIn] = {}
    odd_ids: list[str] = []
    bad_colors = 0

    def walk(element, prefix: tuple[str, ...]):
        nonlocal bad_colors
        for node in _children(element, "Code"):
            key = _key(node.get("guid"))
            name = " ".join((node.get("name") or "").split())
            names = (*prefix, name)
            where = "Code “" + " › ".join(names) + "”"
            if not name:
                report.error("A code has no name.", where)
                continue
            kept: list[str] = []  # what shortening would lose, kept in the definition
            if len(name) > CODE_NAME_MAX_CHARS:
                kept.append(f"Full name: {name}")
                short_where = "Code “" + " › ".join((*prefix, _shorten(name, 60))) + "”"
                report.warn(
                    f"{short_where}: the name is {len(name)} characters long; shortened to "
                    f"{CODE_NAME_MAX_CHARS} (the full name is kept in its definition)."
                )
                name = _shorten(name, CODE_NAME_MAX_CHARS)
                names = (*prefix, name)
            if len(names) > CODEBOOK_MAX_DEPTH:
                kept.append("Full path: " + " › ".join(names))
                report.warn(
                    f"{where}: the code is {len(names)} levels deep; the codebook allows at most "
                    f"{CODEBOOK_MAX_DEPTH}, so it was placed at level {CODEBOOK_MAX_DEPTH} "
                    "(its full path is kept in its definition)."
                )
                names = (*prefix[: CODEBOOK_MAX_DEPTH - 1], name)
            if not key:
                key = f"path:{'/'.join(n.lower() for n in names)}"
                odd_ids.append(name)
            elif not _GUID.match(key):
                odd_ids.append(node.get("guid"))
            if key in codes:
                report.error(f"The id “{node.get('guid')}” is used by two codes.", where)
                continue
            color = repair_color(node.get("color"))
            if node.get("color") and color is None:
                bad_colors += 1
            fields = parse_code_description(_clean(_child_text(node, "Description")))
            if kept:
                fields["description"] = "\n\n".join([*kept, fields.get("description", "")]).strip()
            for field_name, value in fields.items():
                if len(value) > CODE_TEXT_MAX_CHARS:
                    report.warn(
                        f"{where}: the {field_name} has {len(value):,} characters; cut to "
                        f"{CODE_TEXT_MAX_CHARS:,}."
                    )
                    fields[field_name] = _shorten(value, CODE_TEXT_MAX_CHARS)
            codable = node.get("isCodable", "").strip().lower() not in ("false", "0")
            if not codable:
                report.count("categories")
            codes[key] = _CodeIn(
                key=key,
                names=names,
                color=color,
                fields=fields,
                where=where,
                note_refs=[_key(n.get("targetGUID")) for n in _children(node, "NoteRef")],
                codable=codable,
            )
            walk(node, names)

    walk(container, ())
    if odd_ids:
        sample = ", ".join(str(i) for i in odd_ids[:3])
        report.warn(
            f"{len(odd_ids)} code(s) have ids that are not GUIDs (e.g. {sample}); they were "
            "matched within the file and given new GUIDs."
        )
    if bad_colors:
        report.warn(f"{bad_colors} code colour(s) could not be read; the parent's colour was used.")
    return codes


@dataclass
class _SelectionIn:
    key: str
    start: int
    end: int
    name: str | None
    description: str
    codings: list[tuple[str, str | None, list[str]]]  # (code key, coder key, note keys)
    note_refs: list[str]


@dataclass
class _SourceIn:
    key: str
    name: str
    raw: str | None  # decoded text before canonicalisation (BOM removed)
    bom: bool
    selections: list[_SelectionIn]
    note_refs: list[str]
    values: dict[str, tuple[str, str]]  # variable name (lower) -> (name, value text)
    where: str
    description: str = ""


@dataclass
class _CaseIn:
    name: str | None
    values: dict[str, tuple[str, str, str]]  # lower name -> (name, type, value text)
    sources: list[str]
    key: str = ""
    description: str = ""


@dataclass
class _SetIn:
    key: str
    name: str
    description: str
    codes: list[str]
    sources: list[str]
    notes: list[str]


@dataclass
class _NoteIn:
    key: str
    name: str
    text: str
    author: str | None


@dataclass
class _Parsed:
    kind: str
    origin: str = ""
    creating_user: str | None = None
    users: dict[str, str] = field(default_factory=dict)
    codes: dict[str, _CodeIn] = field(default_factory=dict)
    variables: dict[str, tuple[str, str]] = field(default_factory=dict)
    cases: list[_CaseIn] = field(default_factory=list)
    sources: list[_SourceIn] = field(default_factory=list)
    notes: dict[str, _NoteIn] = field(default_factory=dict)
    note_links: list[tuple[str, str]] = field(default_factory=list)  # (note key, target key)
    project_notes: list[str] = field(default_factory=list)
    description: str = ""
    sets: list[_SetIn] = field(default_factory=list)


class _Archive:
    """Safe access to the files of a QDPX zip (case-insensitive, wrapped folder accepted)."""

    def __init__(self, data, report: RefiImportReport):
        self.report = report
        self.unpacked = 0  # bytes unpacked so far, against WORKBENCH_MAX_IMPORT_BYTES
        self.archive = zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data)
        infos = self.archive.infolist()
        if len(infos) > MAX_ZIP_ENTRIES:
            report.error(
                f"The archive holds {len(infos):,} entries; the limit is {MAX_ZIP_ENTRIES:,}."
            )
        self.members: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            name = info.filename.replace("\\", "/")
            parts = name.split("/")
            if name.startswith("/") or ".." in parts or re.match(r"^[A-Za-z]:", name):
                report.error(f"The archive entry “{info.filename}” has an unsafe path.")
                continue
            if info.is_dir() or name.startswith("__MACOSX/"):
                continue
            self.members[name.lower()] = info
        qde = [n for n in self.members if n.endswith(".qde")]
        root_qde = [n for n in qde if "/" not in n]
        if len(root_qde) == 1:
            self.qde = root_qde[0]
        elif len(qde) == 1:
            self.qde = qde[0]
        else:
            self.qde = None
            if not qde:
                report.error("The archive has no project.qde: is it a REFI-QDA .qdpx file?")
            else:
                report.error(
                    f"The archive holds several .qde files ({', '.join(sorted(qde)[:5])})."
                )
        self.prefix = posixpath.dirname(self.qde) + "/" if self.qde and "/" in self.qde else ""

    def read(self, lower_name: str, limit: int) -> bytes | None:
        info = self.members.get(lower_name)
        if info is None:
            return None
        if info.file_size > limit:
            raise ValueError(
                f"{info.filename} is {info.file_size / 1e6:.1f} MB unpacked (limit {limit / 1e6:.1f} MB)"
            )
        with self.archive.open(info) as handle:
            data = handle.read(limit + 1)
        if len(data) > limit:
            raise ValueError(f"{info.filename} is larger than {limit / 1e6:.1f} MB unpacked")
        self.unpacked += len(data)
        total = settings.WORKBENCH_MAX_IMPORT_BYTES
        if self.unpacked > total:
            raise ValueError(
                f"with {info.filename} the archive unpacks to more than {total / 1e6:.1f} MB, "
                "the limit for one import"
            )
        return data

    def source_file(self, path: str) -> str | None:
        """The member name of an ``internal://`` (or bare) path, or None if absent/external."""
        path = (path or "").strip().replace("\\", "/")
        if path.lower().startswith("internal://"):
            path = path[len("internal://") :]
        elif "://" in path:
            return None
        path = path.lstrip("/").lower()
        for candidate in (f"{self.prefix}sources/{path}", f"{self.prefix}{path}"):
            if candidate in self.members:
                return candidate
        base = posixpath.basename(path)
        matches = [
            n
            for n in self.members
            if n.startswith(f"{self.prefix}sources/") and posixpath.basename(n) == base
        ]
        return matches[0] if len(matches) == 1 else None


def _decode_source(data: bytes, what: str, report: RefiImportReport) -> tuple[str, bool]:
    bom = data.startswith(codecs.BOM_UTF8)
    if bom:
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = textlib.decode_bytes(data, what)
        except textlib.TextDecodeError:
            text = data.decode("utf-8", errors="replace")
            report.warn(f"{what} is not valid UTF-8; unreadable bytes were replaced by “�”.")
    if text.startswith("\ufeff"):
        text, bom = text[1:], True
    return text, bom


def _int(value) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _variable_value(holder, variables) -> tuple[str, str, str] | None:
    ref = _child(holder, "VariableRef")
    if ref is None:
        return None
    name, type_ = variables.get(_key(ref.get("targetGUID")), (None, "Text"))
    if name is None:
        return None
    for child in holder:
        if child.tag.endswith("Value") and child.tag != "VariableValue":
            value = (child.text or "").strip()
            return (name, child.tag[: -len("Value")], value) if value else None
    return None


def _parse_sets(root) -> list[_SetIn]:
    """``Sets`` (code and document groups) of a project or codebook."""
    container = _child(root, "Sets")
    sets = []
    for element in _children(container, "Set") if container is not None else []:

        def members(tag, element=element):
            return [_key(m.get("targetGUID")) for m in _children(element, tag)]

        sets.append(
            _SetIn(
                key=_key(element.get("guid")),
                name=" ".join((element.get("name") or "").split()) or "Unnamed set",
                description=_clean(_child_text(element, "Description")).strip(),
                codes=members("MemberCode"),
                sources=members("MemberSource"),
                notes=members("MemberNote"),
            )
        )
    return sets


def _parse_project(root, archive: _Archive | None, report: RefiImportReport) -> _Parsed:
    parsed = _Parsed(kind="project", origin=root.get("origin") or "")
    parsed.creating_user = _key(root.get("creatingUserGUID")) or None
    users_el = _child(root, "Users")
    for user in _children(users_el, "User") if users_el is not None else []:
        parsed.users[_key(user.get("guid"))] = (user.get("name") or user.get("id") or "").strip()
    codebook_el = _child(root, "CodeBook")
    codes_el = _child(codebook_el, "Codes") if codebook_el is not None else None
    if codes_el is not None:
        parsed.codes = _parse_codes(codes_el, report)
    variables_el = _child(root, "Variables")
    for variable in _children(variables_el, "Variable") if variables_el is not None else []:
        name = " ".join((variable.get("name") or "").split())
        if name:
            parsed.variables[_key(variable.get("guid"))] = (
                name,
                variable.get("typeOfVariable") or "Text",
            )
    cases_el = _child(root, "Cases")
    for case in _children(cases_el, "Case") if cases_el is not None else []:
        values = {}
        for holder in _children(case, "VariableValue"):
            value = _variable_value(holder, parsed.variables)
            if value:
                values[value[0].lower()] = value
        name = " ".join((case.get("name") or "").split()) or None
        sources = [_key(ref.get("targetGUID")) for ref in _children(case, "SourceRef")]
        parsed.cases.append(
            _CaseIn(
                name=name,
                values=values,
                sources=sources,
                key=_key(case.get("guid")),
                description=_clean(_child_text(case, "Description")).strip(),
            )
        )
        report.skip("case code references (CodeRef)", len(_children(case, "CodeRef")))
        report.skip(
            "case selection references (SelectionRef)", len(_children(case, "SelectionRef"))
        )

    text_limit = settings.WORKBENCH_MAX_UPLOAD_BYTES * 4
    sources_el = _child(root, "Sources")
    max_sources = settings.WORKBENCH_MAX_FILES
    if sources_el is not None and len(sources_el) > max_sources:
        report.error(
            f"The project holds {len(sources_el):,} sources; the limit for one import is "
            f"{max_sources:,}."
        )
        return _Parsed(kind="project")
    for source in list(sources_el) if sources_el is not None else []:
        if source.tag != "TextSource":
            label = {
                "PictureSource": "pictures",
                "PDFSource": "PDF documents",
                "AudioSource": "audio files",
                "VideoSource": "video files",
            }.get(source.tag, f"{source.tag} elements")
            report.skip(label)
            codings = sum(1 for el in source.iter() if el.tag == "Coding")
            report.skip(f"codings on {label}", codings)
            continue
        key = _key(source.get("guid"))
        name = " ".join((source.get("name") or "").split())
        if not name:
            # Unnamed (some tools): the file's name, unless that is a GUID too.
            path_name = source.get("plainTextPath") or source.get("richTextPath") or ""
            path_name = posixpath.basename(path_name.replace("\\", "/"))
            stem = path_name.rsplit(".", 1)[0] if "." in path_name else path_name
            if stem and not _GUID.match(_key(stem)):
                name = " ".join(path_name.split())
            else:
                name = f"Source {len(parsed.sources) + 1}"
            report.count("sources_unnamed")
        where = f"Source “{name or key}”"
        raw, bom = None, False
        path = source.get("plainTextPath")
        content = _child(source, "PlainTextContent")
        try:
            if path:
                member = archive.source_file(path) if archive else None
                data = archive.read(member, text_limit) if member else None
                if data is None:
                    report.error(f"The text file “{path}” is not in the archive.", where)
                else:
                    raw, bom = _decode_source(data, where, report)
            elif content is not None:
                raw = content.text or ""
            elif source.get("richTextPath"):
                member = archive.source_file(source.get("richTextPath")) if archive else None
                data = archive.read(member, text_limit) if member else None
                if data is None or not member.endswith(".docx"):
                    report.error("The source has no plain text and no readable .docx.", where)
                else:
                    raw = textlib.docx_text(data, name or member)
                    report.warn(
                        f"{where}: no plain text; read from its .docx (coding offsets may not fit)."
                    )
            else:
                report.error("The source has neither a plainTextPath nor PlainTextContent.", where)
        except (
            ValueError,
            zipfile.BadZipFile,
            OSError,
            RuntimeError,
            textlib.TextDecodeError,
        ) as exc:
            report.error(f"The text cannot be read ({exc}).", where)
        selections = []
        for selection in source:
            if selection.tag != "PlainTextSelection":
                continue
            start, end = _int(selection.get("startPosition")), _int(selection.get("endPosition"))
            if start is None or end is None:
                report.warn(f"{where}: a selection without valid positions was skipped.")
                continue
            codings = []
            for coding in _children(selection, "Coding"):
                ref = _child(coding, "CodeRef")
                if ref is None:
                    continue
                coder = _key(coding.get("creatingUser")) or None
                notes = [_key(n.get("targetGUID")) for n in _children(coding, "NoteRef")]
                codings.append((_key(ref.get("targetGUID")), coder, notes))
            fallback = (
                _key(selection.get("creatingUser")) or _key(selection.get("modifyingUser")) or None
            )
            codings = [(code, coder or fallback, notes) for code, coder, notes in codings]
            selections.append(
                _SelectionIn(
                    key=_key(selection.get("guid")),
                    start=start,
                    end=end,
                    name=selection.get("name"),
                    description=_clean(_child_text(selection, "Description")).strip(),
                    codings=codings,
                    note_refs=[_key(n.get("targetGUID")) for n in _children(selection, "NoteRef")],
                )
            )
        values = {}
        for holder in _children(source, "VariableValue"):
            value = _variable_value(holder, parsed.variables)
            if value:
                values[value[0].lower()] = (value[0], value[2])
        report.skip("whole-source codings", len(_children(source, "Coding")))
        parsed.sources.append(
            _SourceIn(
                key=key,
                name=name,
                raw=raw,
                bom=bom,
                selections=selections,
                note_refs=[_key(n.get("targetGUID")) for n in _children(source, "NoteRef")],
                values=values,
                where=where,
                description=_clean(_child_text(source, "Description")).strip(),
            )
        )

    notes_el = _child(root, "Notes")
    for note in _children(notes_el, "Note") if notes_el is not None else []:
        key = _key(note.get("guid"))
        text = _child_text(note, "PlainTextContent")
        path = note.get("plainTextPath")
        if not text and path and archive:
            member = archive.source_file(path)
            try:
                data = archive.read(member, text_limit) if member else None
            except ValueError as exc:
                report.error(f"Note “{note.get('name')}”: {exc}.")
                data = None
            if data is not None:
                text = _decode_source(data, f"Note “{note.get('name')}”", report)[0]
        if not text.strip():
            text = _child_text(note, "Description")
        parsed.notes[key] = _NoteIn(
            key=key,
            name=" ".join((note.get("name") or "").split()),
            text=_clean(text).strip(),
            author=_key(note.get("creatingUser")) or None,
        )
    links_el = _child(root, "Links")
    for link in _children(links_el, "Link") if links_el is not None else []:
        origin, target = _key(link.get("originGUID")), _key(link.get("targetGUID"))
        if origin in parsed.notes:
            parsed.note_links.append((origin, target))
        elif target in parsed.notes:
            parsed.note_links.append((target, origin))
        else:
            report.skip("links between objects")
    parsed.sets = _parse_sets(root)
    graphs = _child(root, "Graphs")
    if graphs is not None:
        report.skip("graphs", len(list(graphs)))
    parsed.description = _clean(_child_text(root, "Description")).strip()
    parsed.project_notes = [_key(n.get("targetGUID")) for n in _children(root, "NoteRef")]
    return parsed


# --- import: offsets ------------------------------------------------------------------

_WS = re.compile(r"\s+")


def _squash(text: str) -> str:
    return _WS.sub(" ", text).strip()


def _preview_matches(name: str | None, text: str) -> bool | None:
    """Does a selection's ``name`` describe ``text``? None when there is no preview."""
    if not name or not name.strip() or _LINE_NAME.match(name):
        return None  # qc names selections ``line:N``: not a preview
    expected = _squash(unicodedata.normalize("NFC", name))
    actual = _squash(unicodedata.normalize("NFC", text))
    if expected == actual:
        return True
    for ellipsis in ("…", "..."):
        if expected.endswith(ellipsis):
            stem = expected[: -len(ellipsis)].rstrip()
            return bool(stem) and actual.startswith(stem)
    return False


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _conventions(raw: str, bom: bool) -> dict[str, object]:
    """Position converters ``offset -> index into raw``, one per candidate convention.

    The candidates combine what a tool may count differently from code points: UTF-16
    units (astral characters such as emoji and 𠝹 count two), CR LF counted once, a BOM
    counted as a character; only the combinations the text makes distinct are built.
    """
    astral = [m.start() for m in _ASTRAL.finditer(raw)]
    crs = [m.start() for m in re.finditer("\r\n", raw)]
    found: dict[str, object] = {}
    for utf16 in (False, True) if astral else (False,):
        for once in (False, True) if crs else (False,):
            for counted in (False, True) if bom else (False,):
                parts = [
                    label
                    for label, on in (
                        ("UTF-16 units", utf16),
                        ("CR LF counted once", once),
                        ("BOM counted", counted),
                    )
                    if on
                ]
                weights = sorted([(i, 2) for i in astral] * utf16 + [(i, 0) for i in crs] * once)
                found[", ".join(parts) or "code points"] = _converter(weights, int(counted))
    return found


def _converter(weights: list[tuple[int, int]], shift: int):
    """``position -> raw index`` where the raw characters in ``weights`` count 0 or 2."""
    if not weights:
        return _identity if not shift else (lambda p: p - shift)
    starts, delta = [], 0
    for index, weight in weights:
        starts.append(index + delta)
        delta += weight - 1

    def convert(position: int) -> int:
        position -= shift
        k = bisect.bisect_right(starts, position) - 1
        if k < 0:
            return position
        index, weight = weights[k]
        if position == starts[k]:
            return index
        if weight == 2 and position == starts[k] + 1:
            return index + 1  # inside a surrogate pair: round past the character
        return position - (starts[k] - index + weight - 1)

    return convert


_LINE_NAME = re.compile(r"^\s*line:\s*\d+\s*$", re.I)


def _is_word(ch: str) -> bool:
    return ch.isalnum() and ord(ch) < 0x2E80  # CJK characters are words on their own


def _sensible(raw: str, index: int) -> bool:
    """Does a selection boundary at ``index`` fall between words (not inside one)?"""
    if index <= 0 or index >= len(raw):
        return index == 0 or index == len(raw)
    before, after = raw[index - 1], raw[index]
    if before == "\r" and after == "\n":
        return False
    if unicodedata.combining(after):
        return False
    return not (_is_word(before) and _is_word(after))


def _score(source: _SourceIn, convert) -> tuple[int, int, int]:
    """(previews matched, selections with a preview, sensible boundaries) under ``convert``."""
    raw = source.raw or ""
    matched = with_preview = sensible = 0
    for selection in source.selections:
        start, end = convert(selection.start), convert(selection.end)
        if 0 <= start < end <= len(raw) and raw[start:end].strip():
            sensible += _sensible(raw, start) + _sensible(raw, end)
        result = _preview_matches(selection.name, raw[max(start, 0) : max(end, 0)])
        if result is not None:
            with_preview += 1
            matched += bool(result)
    return matched, with_preview, sensible


def _identity(position: int) -> int:
    return position


@dataclass
class _Convention:
    name: str
    convert: object
    matched: int = 0  # previews matching the text
    previews: int = 0  # selections with a preview
    sensible: int = 0  # selection boundaries between words
    unsure: int = 0  # selections another plausible convention would put elsewhere


def _origin_hint(origin: str, options) -> str | None:
    """The convention the producing tool is known to use, among ``options``."""
    if re.search(r"nvivo", origin, re.I):  # UTF-16 units, CR LF as two, BOM not counted
        return "UTF-16 units" if "UTF-16 units" in options else "code points"
    if re.search(r"atlas|maxqda", origin, re.I):  # code points, CR LF as one
        return "CR LF counted once" if "CR LF counted once" in options else "code points"
    return None


def _choose_convention(source: _SourceIn, origin: str) -> _Convention:
    """The convention under which the selections make most sense.

    Ranked by previews matched (``name``), then by selection boundaries that fall between
    words, then by the producing tool's habit (``origin``: NVivo counts UTF-16 units,
    ATLAS.ti and MAXQDA count CR LF once), then the standard (code points). ``unsure``
    counts the selections that an equally ranked other convention would place
    differently: they are imported, and the report says so.
    """
    matched, with_preview, sensible = _score(source, _identity)
    if with_preview and matched == with_preview:
        return _Convention("code points", _identity, matched, with_preview, sensible)
    options = _conventions(source.raw or "", source.bom)
    if len(options) == 1:
        return _Convention("code points", _identity, matched, with_preview, sensible)
    hint = _origin_hint(origin, options)
    ranked = []
    for name, convert in options.items():
        m, p, s = _score(source, convert)
        hinted = name == hint
        ranked.append(((m, s, hinted, name == "code points"), _Convention(name, convert, m, p, s)))
    ranked.sort(key=lambda item: item[0], reverse=True)
    (best_rank, best), rest = ranked[0], ranked[1:]
    # Ties on the evidence (previews, boundaries) are broken by the tool's habit: sure
    # when the tool is known, unsure (and counted) otherwise.
    rivals = [c for rank, c in rest if rank[:2] == best_rank[:2] and not best_rank[2]]
    if rivals:
        placements = [
            {(c.convert(s.start), c.convert(s.end)) for c in (best, *rivals)}
            for s in source.selections
        ]
        best.unsure = sum(1 for p in placements if len(p) > 1)
    return best


class _Canonicaliser:
    """Canonical text of an imported source and the map of raw indices onto it.

    CR LF → LF, lone CR → LF and the removal of control characters are exact (a count of
    removed characters before each index); so are NFC and the stripping of blank lines at
    either end: NFC never reaches across a newline, so each line is composed on its own and
    only a line that NFC changed gets a (small) :class:`studies.text.OffsetMap`. No diff runs
    over the whole text, which kept repetitive sources from pinning a worker.
    """

    _REMOVED = re.compile(r"\r(?=\n)|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff]")

    def __init__(self, raw: str):
        self.removed = [m.start() for m in self._REMOVED.finditer(raw)]
        stage = self._REMOVED.sub("", raw).replace("\r", "\n")
        self.text = textlib.canonicalize(stage)
        self._stage_starts: list[int] = []
        self._composed_starts: list[int] = []
        self._changed: dict[int, textlib.OffsetMap] = {}
        stage_at = composed_at = 0
        parts = []
        for index, line in enumerate(stage.split("\n")):
            composed = unicodedata.normalize("NFC", line)
            if composed != line:
                self._changed[index] = textlib.OffsetMap(line, composed)
            self._stage_starts.append(stage_at)
            self._composed_starts.append(composed_at)
            stage_at += len(line) + 1
            composed_at += len(composed) + 1
            parts.append(composed)
        composed_text = "\n".join(parts)
        self._lead = len(composed_text) - len(composed_text.lstrip("\n"))
        # Should canonicalize ever do more than this, fall back to a (bounded) diff.
        self._diff = None
        if composed_text.strip("\n") != self.text:
            self._diff = textlib.OffsetMap(stage, self.text)

    def _position(self, position: int, *, is_end: bool) -> int:
        index = bisect.bisect_right(self._stage_starts, position) - 1
        within = position - self._stage_starts[index]
        if index in self._changed:
            within = self._changed[index].position(within, is_end=is_end)
        return min(max(self._composed_starts[index] + within - self._lead, 0), len(self.text))

    def span(self, start: int, end: int) -> tuple[int, int]:
        start -= bisect.bisect_left(self.removed, start)
        end -= bisect.bisect_left(self.removed, end)
        if self._diff is not None:
            return self._diff.span(start, end)[:2]
        return self._position(start, is_end=False), self._position(end, is_end=True)


# --- import: planning and writing -----------------------------------------------------


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


def _strip_extension(name: str) -> str:
    lower = name.lower()
    for extension in _SOURCE_EXTENSIONS:
        if lower.endswith(extension) and len(name) > len(extension):
            return name[: -len(extension)].strip()
    return name


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
        report.error(f"{filename} is {size / 1e6:.1f} MB; the limit is {limit / 1e6:.0f} MB.")
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
            report.error(f"{filename} is not a readable .qdpx archive ({exc}).")
            raise ImportRefused(report) from None
        root = _parse_xml(qde, archive.qde, report)
    else:
        if size > xml_limit:
            report.error(
                f"{filename} is {size / 1e6:.1f} MB of XML; the limit is {xml_limit / 1e6:.1f} MB."
            )
            raise ImportRefused(report)
        root = _parse_xml(data.read(), filename, report)
    report.refuse_if_errors()
    if root.tag == "CodeBook":
        report.kind = "codebook"
        parsed = _Parsed(kind="codebook", origin=root.get("origin") or "")
        codes_el = _child(root, "Codes")
        if codes_el is None or not len(codes_el):
            report.error("The codebook has no codes.")
        else:
            parsed.codes = _parse_codes(codes_el, report)
        parsed.sets = _parse_sets(root)
    elif root.tag == "Project":
        parsed = _parse_project(root, archive, report)
    else:
        report.error(f"The root element is “{root.tag}”, not a REFI-QDA Project or CodeBook.")
        parsed = None
    report.refuse_if_errors()
    sources = _prepare_sources(parsed, report)
    report.refuse_if_errors()
    with transaction.atomic():
        # Lock the codebook (as every codebook change does), then plan against fresh data.
        list(Code.objects.select_for_update().filter(study=study).values_list("pk", flat=True))
        plan = _Plan(study=study, parsed=parsed, sources=sources, report=report, filename=filename)
        plan.build()
        report.refuse_if_errors()
        plan.write(actor)
    return report


@dataclass
class _PreparedSource:
    source: _SourceIn
    title: str
    text: str
    checksum: str
    # (selection, start, end, quote) on the canonical text
    spans: list[tuple[_SelectionIn, int, int, str]]


def _prepare_sources(parsed: _Parsed, report: RefiImportReport) -> list[_PreparedSource]:
    """Canonicalise every source and carry its selections onto the canonical text (no DB)."""
    prepared = []
    max_chars = settings.WORKBENCH_MAX_TEXT_CHARS
    max_total, total = settings.WORKBENCH_MAX_IMPORT_CHARS, 0
    for source in parsed.sources:
        if source.raw is None:
            continue
        total += len(source.raw)
        if total > max_total:
            report.error(
                f"With this source the project holds more than {max_total:,} characters of "
                "text, the limit for one import.",
                source.where,
            )
            break
        canon = _Canonicaliser(source.raw)
        text = canon.text
        if not text.strip():
            report.warn(
                f"{source.where} has no text; it was skipped ({len(source.selections)} selection(s))."
            )
            report.skip("sources without text")
            continue
        if len(text) > max_chars:
            report.error(
                f"The text has {len(text):,} characters; the limit is {max_chars:,}.", source.where
            )
            continue
        convention = _choose_convention(source, parsed.origin)
        convert = convention.convert
        report.conventions[convention.name] = report.conventions.get(convention.name, 0) + 1
        if convention.name != "code points" and convention.previews:
            report.warn(
                f"{source.where}: positions read as {convention.name} ({convention.matched} of "
                f"{convention.previews} previews match)."
            )
        if convention.unsure:
            report.count("selections_unsure", convention.unsure)
            report.warn(
                f"{source.where}: the position convention could not be established; read as "
                f"{convention.name}. {convention.unsure} of {len(source.selections)} selection(s) "
                "would land elsewhere under another convention: check them "
                f"({convention.sensible} of {2 * len(source.selections)} boundaries fall between words)."
            )
        mismatched, clamped = 0, 0
        spans = []
        raw_length = len(source.raw)
        for selection in source.selections:
            start, end = convert(selection.start), convert(selection.end)
            if start < 0 or end > raw_length or start > end:
                clamped += 1
                start, end = max(0, min(start, raw_length)), max(0, min(end, raw_length))
            if _preview_matches(selection.name, source.raw[start:end]) is False:
                mismatched += 1
            start, end = canon.span(start, end)
            quote = text[start:end]
            if start >= end or not quote.strip():
                report.warn(
                    f"{source.where}: the selection {selection.start}–{selection.end} is empty or "
                    "only white space after conversion; skipped."
                )
                report.skip("empty selections")
                continue
            spans.append((selection, start, end, quote))
        if clamped:
            report.warn(
                f"{source.where}: {clamped} selection(s) reached outside the text and were clamped."
            )
        if mismatched:
            report.warn(
                f"{source.where}: {mismatched} selection name(s) do not match the text at their "
                "positions (imported by position)."
            )
        title = _strip_extension(source.name) or f"Source {source.key[:8]}"
        if len(title) > 200:
            report.warn(f"{source.where}: the title was cut to 200 characters.")
            title = title[:200].strip()
        prepared.append(
            _PreparedSource(
                source=source,
                title=title,
                text=text,
                checksum=Transcript.checksum_of(text),
                spans=spans,
            )
        )
    return prepared


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
        self.study_description = ""  # the file's project description, for an empty study one

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
                f"The group name “{name[:40]}…” is longer than 100 characters; shortened."
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
                f"The wave name “{name[:40]}…” is longer than 100 characters; shortened."
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
        study, report = self.study, self.report
        self._plan_codes()
        if self.parsed.kind == "codebook":
            self.transcript_for = {}
            self._plan_memos()
            return
        self._read_own_document_sets()
        self.groups = {g.name.lower(): g for g in study.groups.all()}
        self.waves = {w.name.lower(): w for w in study.waves.all()}
        participants = {p.pseudonym.lower(): p for p in study.participants.select_related("group")}
        existing = list(
            Transcript.objects.filter(study=study).values_list("pk", "title", "checksum")
        )
        by_checksum = {checksum: pk for pk, _title, checksum in existing if checksum}
        titles = {title.lower(): pk for pk, title, _checksum in existing}

        # Cases: named ones are participants; a nameless one with one source holds that
        # source's attributes (Quirkos/MAXQDA style).
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
                    f"The case name “{case.name[:40]}…” is longer than 100 characters; shortened "
                    "(the full name is kept in the participant's attributes)."
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
                    f"Participant “{participant.pseudonym}” is in group “{participant.group.name}” "
                    f"here but “{group.name}” in the file; kept as it is."
                )
            for source_key in case.sources:
                if source_key in participant_of and participant_of[source_key] is not participant:
                    report.warn(
                        f"A source belongs to several cases; it was given to “{participant_of[source_key].pseudonym}”."
                    )
                    continue
                participant_of[source_key] = participant
        report.count("participants_created", len(self.new_participants))

        # Transcripts: new, or matched to the study's own by content.
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
                report.warn(f"{where} has the same text as another source of the file; merged.")
                continue
            title = prepared.title
            if title.lower() in titles:
                report.error(
                    f"A transcript titled “{title}” already exists in this study with different "
                    "text. Rename one of them (or edit the transcript to match) and import again.",
                    where,
                )
                continue
            base, n = title, 2
            while title.lower() in planned_titles:
                suffix = f" ({n})"
                title, n = base[: 200 - len(suffix)] + suffix, n + 1
            if title != base:
                report.warn(f"{where}: another source has the same name; titled “{title}”.")
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
                    "The matching transcript was edited while this file was imported. Import "
                    "it again.",
                    prepared.source.where,
                )
        report.count("transcripts_created", len(self.new_transcripts))
        report.count("transcripts_matched", len(matched_ids))
        report.count("groups_created", len(self.new_groups))
        report.count("waves_created", len(self.new_waves))
        self._plan_segments(matched_ids)
        self._plan_memos()

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
                    f"{code_in.where} is not codable in the file but text is coded with it; "
                    "imported as a code that can be applied to text."
                )
            code = Code(
                study=self.study,
                parent=parent,
                name=code_in.names[-1],
                color=color,
                is_codable=codable,
                **{name: code_in.fields.get(name, "") for name, _label in DESCRIPTION_LABELS},
            )
            self.new_codes[path] = self.code_by_path[path] = code
        if merged:
            self.report.warn(
                f"{merged} code(s) repeat the path of an earlier code in the file; merged into it."
            )
        self.report.count("codes_created", len(self.new_codes))
        self.report.count("codes_reused", len(reused))

    def _plan_segments(self, matched_ids: set[int]) -> None:
        report, make_guid = self.report, _GuidMaker(self.study.pk)
        code_path = {key: code.path for key, code in self.parsed.codes.items()}
        existing_layers = {
            layer.name.lower(): layer
            for layer in Layer.objects.filter(study=self.study, kind=LayerKind.IMPORTED).order_by(
                "pk"
            )
        }
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
                            f"“{' › '.join(self.parsed.codes[code_key].names)}” is archived in this "
                            "study; unarchive it to import codings of it.",
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
                f"{unknown_codes} coding(s) refer to codes that are not in the codebook; skipped."
            )
            report.skip("codings of unknown codes", unknown_codes)
        used = {s.layer_name.lower(): s.layer_name for s in self.segments}
        for lower, name in used.items():
            if lower in existing_layers:
                self.layers_by_name[lower] = existing_layers[lower]
            else:
                layer = Layer(study=self.study, kind=LayerKind.IMPORTED, name=name)
                self.layers_by_name[lower] = self.new_layers[lower] = layer
        report.count("layers_created", len(self.new_layers))
        report.count("layers_reused", len(used) - len(self.new_layers))
        report.count("segments_created", len(self.segments))

    def _plan_memos(self) -> None:
        """Notes become memos on what they are attached to (first reference wins)."""
        parsed, report, make_guid = self.parsed, self.report, _GuidMaker(self.study.pk)
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
        # Notes already here: imported before (their GUID is kept in ``extra``) or exported
        # from this study (their GUID is this study's memo GUID).
        known: set[str] = set()
        for pk, extra in Memo.objects.filter(study=self.study).values_list("pk", "extra"):
            known.add(make_guid("memo", pk))
            note = (extra or {}).get("refi", {}).get("note") if isinstance(extra, dict) else None
            if note:
                known.add(note)
        # A note's author is credited when a member of the study has that name; otherwise
        # the name stays in the memo's ``extra`` (shown as its author), never the importer.
        accounts: dict[str, object] = {}
        for membership in self.study.memberships.select_related("user"):
            user = membership.user
            for name in (user.get_full_name(), user.get_username()):
                if name.strip():
                    accounts.setdefault(" ".join(name.split()).lower(), user)
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

    # -- writing --

    def write(self, actor) -> None:
        study, report = self.study, self.report
        if self.study_description:
            study.description = self.study_description
            study.save(update_fields=["description"])
        for model, items in ((StakeholderGroup, self.new_groups), (Wave, self.new_waves)):
            start = (
                model.objects.filter(study=study)
                .order_by("-position")
                .values_list("position", flat=True)
                .first()
                or 0
            )
            for offset, obj in enumerate(items.values(), start=1):
                obj.position = start + offset
                obj.save()
        for participant in self.new_participants.values():
            if participant.group is not None:
                participant.group_id = participant.group.pk
        Participant.objects.bulk_create(list(self.new_participants.values()))
        for transcript in self.new_transcripts:
            if transcript.participant is not None:
                transcript.participant_id = transcript.participant.pk
            if transcript.wave is not None:
                transcript.wave_id = transcript.wave.pk
        Transcript.objects.bulk_create(self.new_transcripts, batch_size=50)
        # Codes level by level so that parents have primary keys.
        for depth in sorted({len(path) for path in self.new_codes}):
            level = [code for path, code in self.new_codes.items() if len(path) == depth]
            for code in level:
                parent_id = code.parent.pk if code.parent is not None else None
                code.parent_id = parent_id
                code.position = self.next_position.get(parent_id, 0)
                self.next_position[parent_id] = code.position + 1
            Code.objects.bulk_create(level)
        for layer in self.new_layers.values():
            layer.save()
        segments = []
        for planned in self.segments:
            transcript = planned.transcript
            segments.append(
                Segment(
                    transcript_id=transcript if isinstance(transcript, int) else transcript.pk,
                    code_id=self.code_by_path[planned.code_path].pk,
                    layer_id=self.layers_by_name[planned.layer_name.lower()].pk,
                    start=planned.start,
                    end=planned.end,
                    quote=planned.quote,
                    memo=planned.memo,
                    provenance={
                        "source": "refi-qda",
                        "file": self.filename[:200],
                        "selection": planned.selection,
                    },
                )
            )
        Segment.objects.bulk_create(segments, batch_size=1000)
        segment_of = {
            id(planned): seg for planned, seg in zip(self.segments, segments, strict=True)
        }
        memos = []
        for title, body, target in self.memos:
            transcript, code, segment = (
                target.get("transcript"),
                target.get("code"),
                target.get("segment"),
            )
            segment_obj = segment_of.get(id(segment)) if segment is not None else None
            memos.append(
                Memo(
                    study=study,
                    author=target["user"]
                    if "user" in target
                    else (actor if getattr(actor, "is_authenticated", False) else None),
                    transcript_id=(transcript if isinstance(transcript, int) else transcript.pk)
                    if transcript is not None
                    else None,
                    code_id=code.pk if code is not None else None,
                    segment_id=segment_obj.pk if segment_obj is not None else None,
                    title=title,
                    body=body,
                    extra={
                        "refi": {
                            "file": self.filename[:200],
                            "note": target["note"],
                            "author": target["author"],
                        }
                    },
                )
            )
        Memo.objects.bulk_create(memos)
        report.created = len(segments)
        audit(
            study=study,
            actor=actor,
            action="refi.import",
            object_type="study",
            object_id=study.pk,
            after={
                "file": self.filename,
                "kind": report.kind,
                "counts": report.counts,
                "skipped": report.skipped,
            },
        )
