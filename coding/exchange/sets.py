"""REFI-QDA ``<Sets>`` in the project export: one per theme (its codes and the shared journal
entries linked to it) and, for ATLAS.ti, one per group and per wave (document groups)."""

from __future__ import annotations

from dataclasses import dataclass, field

from coding.exchange.xmlout import _clean
from coding.models import ThemeStatus


@dataclass
class _Set:
    guid: str
    name: str
    description: str = ""
    codes: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def theme_sets(themes, theme_codes, theme_notes, code_guids, make_guid) -> list[_Set]:
    """One Set per theme: its codes the exporter may see, the shared journal entries
    linked to it; the description holds the central organising concept and the status."""
    out = []
    for pk, name, concept, status in themes:
        description = f"Status: {ThemeStatus(status).label}."
        if concept.strip():
            description = f"{_clean(concept.strip())}\n{description}"
        out.append(
            _Set(
                guid=make_guid("theme", pk),
                name=f"Theme: {name}",
                description=description,
                codes=[code_guids[c] for c in theme_codes.get(pk, ()) if c in code_guids],
                notes=theme_notes.get(pk, []),
            )
        )
    return out


def _document_sets(make_guid, participants, transcripts, by_participant, source_guid):
    """One Set per group and per wave with its sources (ATLAS.ti's document groups)."""
    sets: list[_Set] = []
    group_members: dict[int, tuple[str, list[str]]] = {}
    for pk, _pseudonym, group_id, group_name, _attributes in participants:
        if group_id:
            entry = group_members.setdefault(group_id, (group_name, []))
            entry[1].extend(by_participant.get(pk, ()))
    for group_id, (name, members) in sorted(group_members.items()):
        if members:
            sets.append(_Set(make_guid("group", group_id), f"Group: {name}", sources=members))
    wave_members: dict[int, tuple[str, list[str]]] = {}
    for t in transcripts:
        if t[4]:
            wave_members.setdefault(t[4], (t[5], []))[1].append(source_guid[t[0]])
    for wave_id, (name, members) in sorted(wave_members.items()):
        sets.append(_Set(make_guid("wave", wave_id), f"Wave: {name}", sources=members))
    return sets


def _write_sets(xml, sets: list[_Set]) -> None:
    """``<Sets>``: the schema's order in each Set is Description, MemberCode, MemberSource,
    MemberNote."""
    if not sets:
        return
    xml.start("Sets")
    for item in sets:
        xml.start("Set", {"guid": item.guid, "name": _clean(item.name)})
        if item.description:
            xml.leaf("Description", text=item.description)
        for member in item.codes:
            xml.leaf("MemberCode", {"targetGUID": member})
        for member in item.sources:
            xml.leaf("MemberSource", {"targetGUID": member})
        for member in item.notes:
            xml.leaf("MemberNote", {"targetGUID": member})
        xml.end("Set")
    xml.end("Sets")
