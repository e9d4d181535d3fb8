"""The QDPX writer as it was before streaming (commit 3dfbbc5), kept only as a test oracle:
:func:`project_qdpx_before` builds the whole ElementTree and zip in memory. The streaming
:func:`coding.exchange.export.write_qdpx` must give the same segments, codes and notes.
"""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal
from xml.etree import ElementTree as ET

from coding.codebook import selectors as codebook_selectors
from coding.exchange.descriptions import code_description
from coding.exchange.export import (
    CONSENSUS_USER_NAME,
    ORIGIN,
    PROJECT_NS,
    _attribute_type,
    _GuidMaker,
    _Variables,
    preview,
)
from coding.exchange.xmlout import XML_DECLARATION, _clean, _timestamp
from coding.models import LayerKind, Segment
from studies.access import StudyAccess, visible_layers, visible_memos
from studies.models import Participant, Transcript


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
                "isCodable": "true",
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


def _value_element(parent, variable_guid: str, type_: str, value) -> None:
    if value is None or value == "" or value == [] or value == {}:
        return
    holder = _el(parent, "VariableValue")
    _el(holder, "VariableRef", {"targetGUID": variable_guid})
    if type_ == "Boolean":
        _el(holder, "BooleanValue", text="true" if value else "false")
    elif type_ == "Integer":
        _el(holder, "IntegerValue", text=str(int(value)))
    elif type_ == "Float":
        _el(holder, "FloatValue", text=format(Decimal(repr(float(value))), "f"))
    else:
        _el(holder, "TextValue", text=_clean(value))


def project_qdpx_before(access: StudyAccess, *, compresslevel: int = 1) -> bytes:
    """The study as a ``.qdpx`` archive, restricted to the layers ``access`` may see.

    Contents: ``project.qde`` (Users per visible layer, CodeBook, Variables, Cases for
    participants, Sources with one ``PlainTextSelection`` per segment, Notes for memos, Sets
    per group and wave) and ``sources/<guid>.txt`` per transcript. Seven queries whatever
    the size of the study.
    """
    study = access.study
    sid = study.pk
    make_guid = _GuidMaker(sid)
    layers = list(visible_layers(access))
    layer_ids = [layer.pk for layer in layers]
    book = codebook_selectors.codebook_for(access)
    participants = list(Participant.objects.filter(study=study).select_related("group"))
    transcripts = list(
        Transcript.objects.filter(study=study).select_related("wave").order_by("title", "pk")
    )
    segments = list(
        Segment.objects.filter(transcript__study=study, layer_id__in=layer_ids)
        .order_by("transcript_id", "start", "end", "layer_id", "code_id", "pk")
        .values_list(
            "pk", "transcript_id", "code_id", "layer_id", "start", "end", "memo", "created_at"
        )
    )
    memos = visible_memos(access)
    if access.blind:
        # A blind coder's project is their own work: their memos only, so that no other
        # <User> appears (the PI's study memos stay readable on the Memos page).
        memos = memos.filter(author_id=access.membership.user_id)
    memos = list(memos.select_related("author").order_by("created_at", "pk"))

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
    segment_ids = {row[0] for row in segments}
    note_guid = {memo.pk: make_guid("memo", memo.pk) for memo in memos}
    code_notes: dict[int, list[str]] = {}
    transcript_notes: dict[int, list[str]] = {}
    segment_notes: dict[int, list[str]] = {}
    project_notes: list[str] = []
    for memo in memos:
        guid = note_guid[memo.pk]
        if memo.segment_id and memo.segment_id in segment_ids:
            segment_notes.setdefault(memo.segment_id, []).append(guid)
        elif memo.transcript_id:
            transcript_notes.setdefault(memo.transcript_id, []).append(guid)
        elif memo.code_id and memo.code_id in code_guids:
            code_notes.setdefault(memo.code_id, []).append(guid)
        else:
            project_notes.append(guid)

    root = ET.Element(
        "Project",
        {
            "xmlns": PROJECT_NS,
            "name": _clean(study.name) or f"Study {sid}",
            "origin": ORIGIN,
            "creationDateTime": _timestamp(study.created_at),
        },
    )
    if users:
        users_el = _el(root, "Users")
        for guid, name in users.items():
            _el(users_el, "User", {"guid": guid, "name": _clean(name)})
    if book.roots:
        codes_el = _el(_el(root, "CodeBook"), "Codes")
        _code_elements(codes_el, book.roots, code_guids, note_refs=code_notes)

    # Variables: group (cases), wave (sources) and one per participant attribute.
    variables = _Variables(sid)
    group_var = variables.add("Group", "Text") if any(p.group_id for p in participants) else None
    attribute_values: dict[str, list] = {}
    for participant in participants:
        for key, value in (participant.attributes or {}).items():
            if value not in (None, "", [], {}):
                attribute_values.setdefault(str(key), []).append(value)
    attribute_vars: dict[str, tuple[str, str]] = {}
    taken = {"group", "wave"}
    for key in sorted(attribute_values, key=str.lower):
        name = _clean(key).strip() or "attribute"
        while name.lower() in taken:
            name = f"{name} (attribute)"
        taken.add(name.lower())
        type_ = _attribute_type(attribute_values[key])
        attribute_vars[key] = (variables.add(name, type_), type_)
    wave_var = variables.add("Wave", "Text") if any(t.wave_id for t in transcripts) else None
    if variables.defs:
        variables_el = _el(root, "Variables")
        for name, (guid, type_) in variables.defs.items():
            _el(variables_el, "Variable", {"guid": guid, "name": name, "typeOfVariable": type_})

    source_guid = {t.pk: make_guid("transcript", t.pk) for t in transcripts}
    by_participant: dict[int, list[str]] = {}
    for t in transcripts:
        if t.participant_id:
            by_participant.setdefault(t.participant_id, []).append(source_guid[t.pk])
    if participants:
        cases_el = _el(root, "Cases")
        for participant in participants:
            case = _el(
                cases_el,
                "Case",
                {
                    "guid": make_guid("participant", participant.pk),
                    "name": _clean(participant.pseudonym),
                },
            )
            if participant.group_id and group_var:
                _value_element(case, group_var, "Text", participant.group.name)
            for key, value in (participant.attributes or {}).items():
                if str(key) in attribute_vars:
                    guid, type_ = attribute_vars[str(key)]
                    _value_element(case, guid, type_, value)
            for guid in by_participant.get(participant.pk, ()):
                _el(case, "SourceRef", {"targetGUID": guid})

    by_transcript: dict[int, list] = {}
    for row in segments:
        by_transcript.setdefault(row[1], []).append(row)
    files: list[tuple[str, bytes]] = []
    if transcripts:
        sources_el = _el(root, "Sources")
        for t in transcripts:
            guid = source_guid[t.pk]
            text = t.text
            length = len(text)
            source = _el(
                sources_el,
                "TextSource",
                {
                    "guid": guid,
                    "name": _clean(t.title),
                    "plainTextPath": f"internal://{guid}.txt",
                    "creationDateTime": _timestamp(t.created_at),
                    "modifiedDateTime": _timestamp(t.updated_at),
                },
            )
            for pk, _tid, code_id, layer_id, start, end, memo, created in by_transcript.get(
                t.pk, ()
            ):
                if not 0 <= start < end <= length or code_id not in code_guids:
                    continue
                user = layer_user[layer_id]
                when = _timestamp(created)
                selection = ET.SubElement(
                    source,
                    "PlainTextSelection",
                    {
                        "guid": make_guid("selection", pk),
                        "name": _clean(preview(text[start:end])),
                        "startPosition": str(start),
                        "endPosition": str(end),
                        "creatingUser": user,
                        "creationDateTime": when,
                    },
                )
                if memo:
                    _el(selection, "Description", text=_clean(memo))
                coding = ET.SubElement(
                    selection,
                    "Coding",
                    {
                        "guid": make_guid("coding", pk),
                        "creatingUser": user,
                        "creationDateTime": when,
                    },
                )
                ET.SubElement(coding, "CodeRef", {"targetGUID": code_guids[code_id]})
                for note in segment_notes.get(pk, ()):
                    _el(coding, "NoteRef", {"targetGUID": note})
            for note in transcript_notes.get(t.pk, ()):
                _el(source, "NoteRef", {"targetGUID": note})
            if t.wave_id and wave_var:
                _value_element(source, wave_var, "Text", t.wave.name)
            files.append((f"sources/{guid}.txt", text.encode("utf-8")))

    if memos:
        notes_el = _el(root, "Notes")
        for memo in memos:
            body = _clean(memo.body)
            note = _el(
                notes_el,
                "Note",
                {
                    "guid": note_guid[memo.pk],
                    "name": _clean(memo.title) or _clean(preview(" ".join(body.split())))[:60],
                    "creatingUser": memo_author.get(memo.pk),
                    "creationDateTime": _timestamp(memo.created_at),
                    "modifiedDateTime": _timestamp(memo.updated_at),
                },
            )
            _el(note, "PlainTextContent", text=body)

    # Sets: one per group and per wave (how ATLAS.ti shows document groups).
    sets: list[tuple[str, str, list[str]]] = []
    group_members: dict[int, tuple[str, list[str]]] = {}
    for participant in participants:
        if participant.group_id:
            entry = group_members.setdefault(participant.group_id, (participant.group.name, []))
            entry[1].extend(by_participant.get(participant.pk, ()))
    for group_id, (name, members) in sorted(group_members.items()):
        if members:
            sets.append((make_guid("group", group_id), f"Group: {name}", members))
    wave_members: dict[int, tuple[str, list[str]]] = {}
    for t in transcripts:
        if t.wave_id:
            wave_members.setdefault(t.wave_id, (t.wave.name, []))[1].append(source_guid[t.pk])
    for wave_id, (name, members) in sorted(wave_members.items()):
        sets.append((make_guid("wave", wave_id), f"Wave: {name}", members))
    if sets:
        sets_el = _el(root, "Sets")
        for guid, name, members in sets:
            set_el = _el(sets_el, "Set", {"guid": guid, "name": _clean(name)})
            for member in members:
                _el(set_el, "MemberSource", {"targetGUID": member})

    if study.description.strip():
        _el(root, "Description", text=_clean(study.description.strip()))
    for note in project_notes:
        _el(root, "NoteRef", {"targetGUID": note})

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as archive:
        archive.writestr("project.qde", _serialise(root))
        for name, data in files:
            archive.writestr(name, data)
    return buffer.getvalue()
