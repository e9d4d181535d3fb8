"""The study's two codebook languages (issue 15) and which of them a person reads first.

A study names its codebook's first language (a BCP 47 tag and a display name, "en" /
"English" by default) and, optionally, a second one. Each code has its name, definition,
inclusion, exclusion and example in the first language and, optionally, in the second
(``Code.name2``…). A person whose interface language is one of the two reads that one
first and the other on hover; anyone else reads the study's first language first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import translation

# language[-script][-region][-variant…]: enough of BCP 47 (RFC 5646) for a codebook's language.
BCP47_RE = re.compile(
    r"[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?(-([A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*"
)

#: Tags that are Traditional Chinese even without the script subtag.
_TRADITIONAL = ("zh-hk", "zh-tw", "zh-mo", "yue")

#: The code fields written in both languages, the second's model field ``<name>2``.
BILINGUAL_FIELDS = ("name", "description", "inclusion", "exclusion", "example")


def validate_tag(value: str) -> None:
    if value and not BCP47_RE.fullmatch(value):
        raise ValidationError(
            "“%(value)s” is not a BCP 47 language tag (e.g. en, zh-Hant-HK, yue-Hant).",
            params={"value": value},
        )


def tag_matches(tag: str, interface: str) -> bool:
    """Whether the study's language ``tag`` is what a person with the Django interface
    language ``interface`` ("en", "zh-hant") reads: same language and, for Chinese, the
    same script (zh-Hant-HK, zh-HK, zh-TW and yue read as zh-hant; zh-Hans, zh-CN do not)."""
    tag, interface = (tag or "").lower(), (interface or "").lower()
    if not tag or not interface:
        return False
    if tag == interface or tag.startswith(interface + "-"):
        return True
    if interface == "zh-hant":
        return tag.startswith(_TRADITIONAL) and "-hans" not in tag
    if interface.startswith("zh"):
        return False
    return tag.split("-")[0] == interface.split("-")[0]


def normalise_tag(tag: str) -> str:
    """BCP 47's usual case: language lower, script title, region upper (zh-Hant-HK)."""
    parts = (tag or "").strip().split("-")
    out = [parts[0].lower()] if parts and parts[0] else []
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif len(part) in (2, 3) and (part.isalpha() or part.isdigit()):
            out.append(part.upper())
        else:
            out.append(part.lower())
    return "-".join(out)


@dataclass(frozen=True)
class CodebookLanguages:
    """A study's codebook languages as one person reads them."""

    tag: str
    name: str
    tag2: str = ""
    name2: str = ""
    swapped: bool = False  # the person reads the second language first

    @property
    def bilingual(self) -> bool:
        return bool(self.tag2)

    @property
    def first_tag(self) -> str:
        return self.tag2 if self.swapped else self.tag

    @property
    def other_tag(self) -> str:
        return self.tag if self.swapped else self.tag2

    @property
    def first_name(self) -> str:
        return self.name2 if self.swapped else self.name

    @property
    def other_name(self) -> str:
        return self.name if self.swapped else self.name2

    def pair(self, code, field: str = "name") -> tuple[str, str, str, str]:
        """(shown, shown's tag, other, other's tag) of a code's ``field``: the person's
        language first; a code without the text in that language shows the other one (and
        then nothing on hover)."""
        one, two = getattr(code, field, ""), getattr(code, field + "2", "") if self.tag2 else ""
        if self.swapped:
            if two:
                return two, self.tag2, one, self.tag
            return one, self.tag, "", ""
        return one, self.tag, two, (self.tag2 if two else "")

    def shown(self, code, field: str = "name") -> str:
        return self.pair(code, field)[0]

    def other(self, code, field: str = "name") -> str:
        return self.pair(code, field)[2]


def for_study(study, interface: str | None = None) -> CodebookLanguages:
    """``study``'s codebook languages as read with the interface language ``interface``
    (the active one by default)."""
    interface = interface or translation.get_language() or "en"
    tag, tag2 = study.codebook_language or "en", study.codebook_language2 or ""
    swapped = bool(tag2) and tag_matches(tag2, interface) and not tag_matches(tag, interface)
    return CodebookLanguages(
        tag=tag,
        name=study.codebook_language_name or tag,
        tag2=tag2,
        name2=(study.codebook_language2_name or tag2) if tag2 else "",
        swapped=swapped,
    )


def fold_for_matching(text: str) -> str:
    """``text`` as codebook search and the picker compare it: case folded and, when it has
    Han characters, with Traditional and Simplified forms folded together
    (``studies.folding``: 朋輩 and 朋辈 are the same)."""
    from studies.folding import _HAN, fold_variants

    folded = (text or "").casefold()
    return fold_variants(folded) if _HAN.search(folded) else folded
