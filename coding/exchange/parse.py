"""REFI-QDA import, step one: read a QDPX archive or QDC file into plain dataclasses.

Nothing here writes to the database; :mod:`coding.exchange.importer` plans and writes.
"""

from __future__ import annotations

import codecs
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

from django.conf import settings
from django.utils.translation import gettext, gettext_lazy

from coding.codebook.services import CODE_TEXT_MAX_CHARS, CODEBOOK_MAX_DEPTH
from coding.exchange.descriptions import parse_code_description
from coding.exchange.report import RefiImportReport
from coding.exchange.xmlout import _clean
from studies import text as textlib
from studies.readers import docx_text

MAX_ZIP_ENTRIES = 20_000
ATLAS_SYSTEM_USER = "c32a2bd5-537f-4838-8b17-df9efbafdf4b"
UNKNOWN_CODER = "Imported (unknown coder)"
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_SOURCE_EXTENSIONS = (".txt", ".docx", ".doc", ".rtf", ".odt", ".pdf")


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


def _field_label(field_name: str) -> str:
    """A code field's label in the active language ("definition", "second-language name")."""
    return str(_FIELD_LABELS.get(field_name, field_name))


_FIELD_LABELS = {
    "description": gettext_lazy("definition"),
    "inclusion": gettext_lazy("inclusion criteria"),
    "exclusion": gettext_lazy("exclusion criteria"),
    "example": gettext_lazy("example"),
    "name2": gettext_lazy("second-language name"),
    "description2": gettext_lazy("second-language definition"),
    "inclusion2": gettext_lazy("second-language inclusion criteria"),
    "exclusion2": gettext_lazy("second-language exclusion criteria"),
    "example2": gettext_lazy("second-language example"),
}


def _parse_xml(data: bytes, what: str, report: RefiImportReport):
    """Parse untrusted XML bytes; element tags reduced to local names (any REFI namespace)."""
    for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
        if "<!DOCTYPE".encode(encoding) in data or "<!ENTITY".encode(encoding) in data:
            report.error(
                gettext("%(what)s declares a DTD or entities, which REFI-QDA files never need.")
                % {"what": what}
            )
            return None
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        report.error(
            gettext("%(what)s is not well-formed XML (%(error)s).") % {"what": what, "error": exc}
        )
        return None
    namespace = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    if namespace and not namespace.lower().startswith("urn:qda-xml:"):
        report.warn(
            gettext("%(what)s uses the namespace “%(namespace)s”, not a REFI-QDA one; read anyway.")
            % {"what": what, "namespace": namespace}
        )
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
            where = gettext("Code “%(path)s”") % {"path": " › ".join(names)}
            if not name:
                report.error(gettext("A code has no name."), where)
                continue
            kept: list[str] = []  # what shortening would lose, kept in the definition
            if len(name) > CODE_NAME_MAX_CHARS:
                kept.append(f"Full name: {name}")
                short_where = gettext("Code “%(path)s”") % {
                    "path": " › ".join((*prefix, _shorten(name, 60)))
                }
                report.warn(
                    gettext(
                        "%(where)s: the name is %(n)s characters long; shortened to %(max)s "
                        "(the full name is kept in its definition)."
                    )
                    % {"where": short_where, "n": len(name), "max": CODE_NAME_MAX_CHARS}
                )
                name = _shorten(name, CODE_NAME_MAX_CHARS)
                names = (*prefix, name)
            if len(names) > CODEBOOK_MAX_DEPTH:
                kept.append("Full path: " + " › ".join(names))
                report.warn(
                    gettext(
                        "%(where)s: the code is %(n)s levels deep; the codebook allows at most "
                        "%(max)s, so it was placed at level %(max)s (its full path is kept in "
                        "its definition)."
                    )
                    % {"where": where, "n": len(names), "max": CODEBOOK_MAX_DEPTH}
                )
                names = (*prefix[: CODEBOOK_MAX_DEPTH - 1], name)
            if not key:
                key = f"path:{'/'.join(n.lower() for n in names)}"
                odd_ids.append(name)
            elif not _GUID.match(key):
                odd_ids.append(node.get("guid"))
            if key in codes:
                report.error(
                    gettext("The id “%(id)s” is used by two codes.") % {"id": node.get("guid")},
                    where,
                )
                continue
            color = repair_color(node.get("color"))
            if node.get("color") and color is None:
                bad_colors += 1
            fields = parse_code_description(_clean(_child_text(node, "Description")))
            if kept:
                fields["description"] = "\n\n".join([*kept, fields.get("description", "")]).strip()
            if len(fields.get("name2", "")) > 120:
                fields["name2"] = _shorten(fields["name2"], 120)
            for field_name, value in fields.items():
                if len(value) > CODE_TEXT_MAX_CHARS:
                    report.warn(
                        gettext("%(where)s: the %(field)s has %(n)s characters; cut to %(max)s.")
                        % {
                            "where": where,
                            "field": _field_label(field_name),
                            "n": f"{len(value):,}",
                            "max": f"{CODE_TEXT_MAX_CHARS:,}",
                        }
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
            gettext(
                "%(n)s code(s) have ids that are not GUIDs (e.g. %(sample)s); they were matched "
                "within the file and given new GUIDs."
            )
            % {"n": len(odd_ids), "sample": sample}
        )
    if bad_colors:
        report.warn(
            gettext("%(n)s code colour(s) could not be read; the parent's colour was used.")
            % {"n": bad_colors}
        )
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
    media: list = field(default_factory=list)  # coding.exchange.media_import._MediaIn


class _Archive:
    """Safe access to the files of a QDPX zip (case-insensitive, wrapped folder accepted)."""

    def __init__(self, data, report: RefiImportReport):
        self.report = report
        self.unpacked = 0  # bytes unpacked so far, against WORKBENCH_MAX_IMPORT_BYTES
        self.archive = zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data)
        infos = self.archive.infolist()
        if len(infos) > MAX_ZIP_ENTRIES:
            report.error(
                gettext("The archive holds %(n)s entries; the limit is %(max)s.")
                % {"n": f"{len(infos):,}", "max": f"{MAX_ZIP_ENTRIES:,}"}
            )
        self.members: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            name = info.filename.replace("\\", "/")
            parts = name.split("/")
            if name.startswith("/") or ".." in parts or re.match(r"^[A-Za-z]:", name):
                report.error(
                    gettext("The archive entry “%(name)s” has an unsafe path.")
                    % {"name": info.filename}
                )
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
                report.error(
                    gettext("The archive has no project.qde: is it a REFI-QDA .qdpx file?")
                )
            else:
                report.error(
                    gettext("The archive holds several .qde files (%(names)s).")
                    % {"names": ", ".join(sorted(qde)[:5])}
                )
        self.prefix = posixpath.dirname(self.qde) + "/" if self.qde and "/" in self.qde else ""

    def read(self, lower_name: str, limit: int) -> bytes | None:
        info = self.members.get(lower_name)
        if info is None:
            return None
        if info.file_size > limit:
            raise ValueError(
                gettext("%(file)s is %(size)s MB unpacked (limit %(limit)s MB)")
                % {
                    "file": info.filename,
                    "size": f"{info.file_size / 1e6:.1f}",
                    "limit": f"{limit / 1e6:.1f}",
                }
            )
        with self.archive.open(info) as handle:
            data = handle.read(limit + 1)
        if len(data) > limit:
            raise ValueError(
                gettext("%(file)s is larger than %(limit)s MB unpacked")
                % {"file": info.filename, "limit": f"{limit / 1e6:.1f}"}
            )
        self.unpacked += len(data)
        total = settings.WORKBENCH_MAX_IMPORT_BYTES
        if self.unpacked > total:
            raise ValueError(
                gettext(
                    "with %(file)s the archive unpacks to more than %(limit)s MB, the limit for "
                    "one import"
                )
                % {"file": info.filename, "limit": f"{total / 1e6:.1f}"}
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
            report.warn(
                gettext("%(what)s is not valid UTF-8; unreadable bytes were replaced by “�”.")
                % {"what": what}
            )
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
    _parse_cases(root, parsed, report)

    text_limit = settings.WORKBENCH_MAX_UPLOAD_BYTES * 4
    sources_el = _child(root, "Sources")
    max_sources = settings.WORKBENCH_MAX_FILES
    if sources_el is not None and len(sources_el) > max_sources:
        report.error(
            gettext("The project holds %(n)s sources; the limit for one import is %(max)s.")
            % {"n": f"{len(sources_el):,}", "max": f"{max_sources:,}"}
        )
        return _Parsed(kind="project")
    for source in list(sources_el) if sources_el is not None else []:
        parsed_source = _parse_source(source, archive, parsed, report, text_limit)
        if parsed_source is not None:
            parsed.sources.append(parsed_source)

    _parse_notes(root, archive, parsed, report, text_limit)
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


def _parse_cases(root, parsed: _Parsed, report: RefiImportReport) -> None:
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


_NON_TEXT_SOURCES = {
    "PictureSource": "pictures",
    "PDFSource": "PDF documents",
}


def _parse_source(
    source, archive: _Archive | None, parsed: _Parsed, report: RefiImportReport, text_limit: int
) -> _SourceIn | None:
    """One ``<Sources>`` child; None (and counted as skipped) unless a ``TextSource``; a
    recording is read afterwards by :func:`coding.exchange.media_import.read_media`."""
    if source.tag in ("AudioSource", "VideoSource"):
        return None
    if source.tag != "TextSource":
        label = _NON_TEXT_SOURCES.get(source.tag, f"{source.tag} elements")
        report.skip(label)
        codings = sum(1 for el in source.iter() if el.tag == "Coding")
        report.skip(f"codings on {label}", codings)
        return None
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
    where = gettext("Source “%(name)s”") % {"name": name or key}
    raw, bom = _read_source_text(source, name, where, archive, report, text_limit)
    selections = _parse_selections(source, where, report)
    values = {}
    for holder in _children(source, "VariableValue"):
        value = _variable_value(holder, parsed.variables)
        if value:
            values[value[0].lower()] = (value[0], value[2])
    report.skip("whole-source codings", len(_children(source, "Coding")))
    return _SourceIn(
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


def _read_source_text(
    source, name: str, where: str, archive: _Archive | None, report, text_limit: int
) -> tuple[str | None, bool]:
    """The source's text (None when unreadable, reported) and whether it had a BOM."""
    raw, bom = None, False
    path = source.get("plainTextPath")
    content = _child(source, "PlainTextContent")
    try:
        if path:
            member = archive.source_file(path) if archive else None
            data = archive.read(member, text_limit) if member else None
            if data is None:
                report.error(
                    gettext("The text file “%(path)s” is not in the archive.") % {"path": path},
                    where,
                )
            else:
                raw, bom = _decode_source(data, where, report)
        elif content is not None:
            raw = content.text or ""
        elif source.get("richTextPath"):
            member = archive.source_file(source.get("richTextPath")) if archive else None
            data = archive.read(member, text_limit) if member else None
            if data is None or not member.endswith(".docx"):
                report.error(gettext("The source has no plain text and no readable .docx."), where)
            else:
                raw = docx_text(data, name or member)
                report.warn(
                    gettext(
                        "%(where)s: no plain text; read from its .docx (coding offsets may not "
                        "fit)."
                    )
                    % {"where": where}
                )
        else:
            report.error(
                gettext("The source has neither a plainTextPath nor PlainTextContent."), where
            )
    except (
        ValueError,
        zipfile.BadZipFile,
        OSError,
        RuntimeError,
        textlib.TextDecodeError,
    ) as exc:
        report.error(gettext("The text cannot be read (%(error)s).") % {"error": exc}, where)
    return raw, bom


def _parse_selections(source, where: str, report: RefiImportReport) -> list[_SelectionIn]:
    selections = []
    for selection in source:
        if selection.tag != "PlainTextSelection":
            continue
        start, end = _int(selection.get("startPosition")), _int(selection.get("endPosition"))
        if start is None or end is None:
            report.warn(
                gettext("%(where)s: a selection without valid positions was skipped.")
                % {"where": where}
            )
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
    return selections


def _parse_notes(
    root, archive: _Archive | None, parsed: _Parsed, report: RefiImportReport, text_limit: int
) -> None:
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
                report.error(
                    gettext("Note “%(name)s”: %(error)s.")
                    % {"name": note.get("name"), "error": exc}
                )
                data = None
            if data is not None:
                what = gettext("Note “%(name)s”") % {"name": note.get("name")}
                text = _decode_source(data, what, report)[0]
        if not text.strip():
            text = _child_text(note, "Description")
        parsed.notes[key] = _NoteIn(
            key=key,
            name=" ".join((note.get("name") or "").split()),
            text=_clean(text).strip(),
            author=_key(note.get("creatingUser")) or None,
        )


# --- import: offsets ------------------------------------------------------------------
