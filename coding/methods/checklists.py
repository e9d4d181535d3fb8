"""The reporting checklists a methods appendix answers, with their items short-named.

COREQ: Tong, Sainsbury & Craig (2007), 32 items; SRQR: O'Brien, Harris, Beckman, Reed & Cook
(2014), 21 items. Only the items the appendix's sections answer are listed; the texts are
short names, not the checklists' wording (see docs/methods/APPENDIX.md for the references).
The item names stay as published, in English; in another interface language each is followed
by a gloss in that language ("24 Number of data coders（編碼員人數）").
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy, pgettext

COREQ = {
    12: ("Sample size", gettext_lazy("Sample size")),
    13: ("Non-participation", gettext_lazy("Non-participation")),
    16: ("Description of sample", gettext_lazy("Description of sample")),
    18: ("Repeat interviews", gettext_lazy("Repeat interviews")),
    24: ("Number of data coders", gettext_lazy("Number of data coders")),
    25: ("Description of the coding tree", gettext_lazy("Description of the coding tree")),
    26: ("Derivation of themes", gettext_lazy("Derivation of themes")),
    27: ("Software", gettext_lazy("Software")),
}

SRQR = {
    8: ("Sampling strategy", gettext_lazy("Sampling strategy")),
    10: ("Data collection methods", gettext_lazy("Data collection methods")),
    12: ("Units of study", gettext_lazy("Units of study")),
    13: ("Data processing", gettext_lazy("Data processing")),
    14: ("Data analysis", gettext_lazy("Data analysis")),
    15: (
        "Techniques to enhance trustworthiness",
        gettext_lazy("Techniques to enhance trustworthiness"),
    ),
}

#: Section key -> (COREQ item numbers, SRQR item numbers) it answers.
SECTION_ITEMS: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    "design": ((12, 13, 16, 18), (8, 10, 12)),
    "coders": ((24,), (14, 15)),
    "codebook": ((25, 26), (14,)),
    "agreement": ((24,), (15,)),
    "consensus": ((24, 26), (14, 15)),
    "audit": ((), (13, 15)),
    "software": ((27,), (13,)),
}


def items_text(section: str) -> tuple[str, str]:
    """("COREQ 24 Number of data coders; ...", "SRQR 15 ...") for a section; "—" for none."""
    coreq, srqr = SECTION_ITEMS[section]
    separator = pgettext("checklist items", "; ")
    return (
        separator.join(f"{n} {item_name(COREQ[n])}" for n in coreq) or "—",
        separator.join(f"{n} {item_name(SRQR[n])}" for n in srqr) or "—",
    )


def item_name(item: tuple[str, object]) -> str:
    """The item's published (English) name, with the active language's gloss when there is
    one: "Number of data coders" in English, "Number of data coders（編碼員人數）" in zh-hant."""
    name, gloss = item[0], str(item[1])
    if gloss == name:
        return name
    return pgettext("checklist gloss", "%(name)s (%(gloss)s)") % {"name": name, "gloss": gloss}
