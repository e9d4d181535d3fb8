"""The reporting checklists a methods appendix answers, with their items short-named.

COREQ: Tong, Sainsbury & Craig (2007), 32 items; SRQR: O'Brien, Harris, Beckman, Reed & Cook
(2014), 21 items. Only the items the appendix's sections answer are listed; the texts are
short names, not the checklists' wording (see docs/methods/APPENDIX.md for the references).
"""

from __future__ import annotations

COREQ = {
    12: "Sample size",
    13: "Non-participation",
    16: "Description of sample",
    18: "Repeat interviews",
    24: "Number of data coders",
    25: "Description of the coding tree",
    26: "Derivation of themes",
    27: "Software",
}

SRQR = {
    8: "Sampling strategy",
    10: "Data collection methods",
    12: "Units of study",
    13: "Data processing",
    14: "Data analysis",
    15: "Techniques to enhance trustworthiness",
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
    return (
        "; ".join(f"{n} {COREQ[n]}" for n in coreq) or "—",
        "; ".join(f"{n} {SRQR[n]}" for n in srqr) or "—",
    )
