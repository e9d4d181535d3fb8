"""A code's REFI-QDA ``Description``: the workbench's four fields (definition, inclusion,
exclusion, example) as labelled paragraphs, and the study's second codebook language after a
``--- <tag> ---`` line (docs/exchange/BILINGUAL.md). Written on export, split back on import."""

from __future__ import annotations

import re

from coding.models import Code

# Code description sections: the workbench's four fields in one REFI ``Description``.
DESCRIPTION_LABELS = (
    ("description", "Definition"),
    ("inclusion", "Inclusion"),
    ("exclusion", "Exclusion"),
    ("example", "Example"),
)

#: The second codebook language's section of a code's ``Description`` starts with a line of
#: its own, ``--- <BCP 47 tag> ---``; then ``Name:`` and the same labels. Other tools show it
#: as text; :func:`parse_code_description` splits it back (docs/exchange/BILINGUAL.md).
SECOND_LANGUAGE_LINE = "--- {tag} ---"
_SECOND_LANGUAGE_RE = re.compile(r"^--- ([A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*) ---[ \t]*$", re.M)
SECOND_LABELS = (("name2", "Name"), *((f + "2", label) for f, label in DESCRIPTION_LABELS))


def _labelled(code, labels) -> list[str]:
    parts = []
    for field_name, label in labels:
        value = (getattr(code, field_name, "") or "").strip()
        if value:
            parts.append(f"{label}: {value}")
    return parts


def code_description(code: Code, tag2: str = "") -> str:
    """Definition, inclusion, exclusion and example, each on its own labelled paragraph;
    with the study's second codebook language ``tag2``, its name and texts after a
    ``--- <tag2> ---`` line (:data:`SECOND_LANGUAGE_LINE`)."""
    text = "\n\n".join(_labelled(code, DESCRIPTION_LABELS))
    second = _labelled(code, SECOND_LABELS) if tag2 else []
    if second:
        head = SECOND_LANGUAGE_LINE.format(tag=tag2)
        text = (text + "\n\n" if text else "") + head + "\n" + "\n\n".join(second)
    return text


_LABEL_LINE = re.compile(
    r"^(" + "|".join(label for _f, label in DESCRIPTION_LABELS) + r")\s*:\s?", re.IGNORECASE
)
_SECOND_LABEL_LINE = re.compile(
    r"^(" + "|".join(label for _f, label in SECOND_LABELS) + r")\s*:\s?", re.IGNORECASE
)


def _parse_labelled(text: str, labels, pattern) -> dict[str, str]:
    text = (text or "").strip()
    first = labels[0][0] if labels[0][0] != "name2" else labels[1][0]
    if not text or not pattern.match(text):
        return {first: text} if text else {}
    by_label = {label.lower(): name for name, label in labels}
    fields: dict[str, list[str]] = {}
    current = None
    for line in text.split("\n"):
        match = pattern.match(line)
        if match and by_label[match.group(1).lower()] not in fields:
            current = by_label[match.group(1).lower()]
            fields[current] = [line[match.end() :]]
        else:
            fields[current].append(line)
    return {name: "\n".join(lines).strip() for name, lines in fields.items()}


def parse_code_description(text: str) -> dict[str, str]:
    """Inverse of :func:`code_description`; unlabelled text is all definition. A second
    language's section gives ``name2``, ``description2``… and ``language2`` (its tag)."""
    text = text or ""
    match = _SECOND_LANGUAGE_RE.search(text)
    second = {}
    if match:
        second = _parse_labelled(text[match.end() :], SECOND_LABELS, _SECOND_LABEL_LINE)
        second = {k: v for k, v in second.items() if v}
        if second:
            second["language2"] = match.group(1)
        text = text[: match.start()]
    return {**_parse_labelled(text, DESCRIPTION_LABELS, _LABEL_LINE), **second}
