"""REFI-QDA ``<Sets>`` read back as themes (coding/themes) on import.

This workbench exports each theme as a Set named ``Theme: <name>`` whose members are the
theme's codes and whose description is the central organising concept and a last line
``Status: <label>.`` (coding/exchange/sets.py). Such a Set, from this workbench, becomes the
theme again (name, concept, status, codes); a Set from another tool that is plainly a set of
codes (codes, no documents) becomes a candidate theme with its description as the concept.
Sets with documents, and a codebook's (.qdc) sets, stay memos (importer ``_extra_memos``). A theme of the same name already
in the study is left as it is, so importing the file twice adds nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import translation

from coding.models import ThemeStatus

THEME_PREFIX = "Theme: "
_STATUS_LINE = re.compile(r"^Status: (.+)\.$")


@dataclass
class _ThemeIn:
    key: str
    name: str
    concept: str
    status: str
    codes: list = field(default_factory=list)  # Code objects (saved by the time it is written)


def _status_of(label: str) -> str | None:
    """The status whose label, in any of the interface's languages, is ``label``."""
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for status in ThemeStatus:
                if str(status.label) == label:
                    return status.value
    return None


def _read_own(description: str) -> tuple[str, str]:
    """(concept, status) from this workbench's description of a theme Set."""
    lines = description.split("\n")
    status = ThemeStatus.CANDIDATE.value
    match = _STATUS_LINE.match(lines[-1].strip()) if lines else None
    if match and _status_of(match.group(1)) is not None:
        status = _status_of(match.group(1))
        lines = lines[:-1]
    return "\n".join(lines).strip(), status


def plan_themes(plan) -> set[str]:
    """``plan.themes``: the Sets to import as themes; returns their keys (not memos then)."""
    from coding.exchange.export import ORIGIN
    from coding.exchange.parse import _shorten

    parsed, report = plan.parsed, plan.report
    existing = {name.lower() for name in plan.study.themes.values_list("name", flat=True)}
    plan.themes = []
    keys: set[str] = set()
    if parsed.kind != "project":
        return keys  # a codebook (.qdc) carries codes, not the analysis: sets stay memos
    for set_in in parsed.sets:
        ours = parsed.origin == ORIGIN and set_in.name.startswith(THEME_PREFIX)
        if not ours and not (set_in.codes and not set_in.sources):
            continue
        keys.add(set_in.key)
        name = set_in.name[len(THEME_PREFIX) :] if ours else set_in.name
        name = _shorten(" ".join(name.split()) or "Unnamed theme", 200)
        if name.lower() in existing:
            report.count("themes_existing")
            continue
        existing.add(name.lower())
        if ours:
            concept, status = _read_own(set_in.description)
        else:
            concept, status = set_in.description, ThemeStatus.CANDIDATE.value
        codes = [
            plan.code_by_path[parsed.codes[key].path]
            for key in set_in.codes
            if key in parsed.codes and parsed.codes[key].path in plan.code_by_path
        ]
        plan.themes.append(_ThemeIn(set_in.key, name, concept, status, codes))
    report.count("themes_created", len(plan.themes))
    return keys


def write_themes(plan, actor) -> None:
    from coding.themes.services import theme_create

    for theme in plan.themes:
        theme_create(
            study=plan.study,
            actor=actor,
            name=theme.name,
            concept=theme.concept,
            codes=theme.codes,
            status=theme.status,
            reason=f"Imported from {plan.filename}",
        )
