"""How a quote is tagged in prose: "(PSW03, peer support worker, T2)"."""

from __future__ import annotations


def member_noun(group_name: str) -> str:
    """One member of a stakeholder group, in lower case as in prose: "Peer support workers"
    → "peer support worker", "Co-workers" → "co-worker". Only a final English plural "s"
    is dropped (not "ss"); a name in another script is kept as written."""
    name = (group_name or "").strip()
    lowered = name.lower()
    if lowered.endswith("s") and not lowered.endswith("ss") and name.isascii():
        lowered = lowered[:-1]
    return lowered


def wave_label(wave_name: str) -> str:
    """The wave's short name: its first word when that word holds a digit ("T2 Work
    placement" → "T2"), else the whole name ("Baseline", "Wave 1")."""
    name = (wave_name or "").strip()
    first = name.split(maxsplit=1)[0] if name else ""
    return first if any(ch.isdigit() for ch in first) else name


def quote_tag(pseudonym: str | None, group_name: str | None, wave_name: str | None) -> str:
    """ "(PSW03, peer support worker, T2)"; parts the transcript lacks are left out."""
    parts = [
        p
        for p in (
            pseudonym or "",
            member_noun(group_name or ""),
            wave_label(wave_name or ""),
        )
        if p
    ]
    return f"({', '.join(parts)})" if parts else ""


def transcript_tag(transcript) -> str:
    """:func:`quote_tag` of a transcript with ``participant__group`` and ``wave`` loaded."""
    person = transcript.participant
    group = person.group if person is not None else None
    wave = transcript.wave
    return quote_tag(
        person.pseudonym if person else None,
        group.name if group else None,
        wave.name if wave else None,
    )
