"""The report's table rows: each code's coefficients ready for display, and their status.

A :class:`Metric` is a coefficient as a page or an export prints it; :func:`row_for` and
:func:`cell_for` turn the engine's per-code result into a row of the code table or a cell of
a breakdown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext, gettext_lazy, pgettext, pgettext_lazy

from coding.agreement.bootstrap import Interval
from coding.agreement.character_level import CodeAgreement
from coding.agreement.coefficient import Coefficient
from coding.codebook.selectors import CodeNode

#: Krippendorff's conventions: alpha >= .800 reliable, .667 the lowest acceptable.
DEFAULT_THRESHOLD = 0.667


GOOD_ALPHA = 0.8


def coefficient_text(value: float) -> str:
    rounded = round(value, 2)
    return "0.00" if rounded == 0 else f"{rounded:.2f}"


def share_text(value: float) -> str:
    """A share as a percentage with one decimal; "<0.1%" rather than "0.0%" when not zero."""
    if 0 < value < 0.0005:
        return "<0.1%"
    return f"{value * 100:.1f}%"


#: Below this share of compared characters coded (by any compared layer) a code is of *low
#: prevalence*: chance agreement on "not coded" is then so high that a few characters of
#: disagreement move kappa and alpha a lot (the prevalence effect, docs/agreement/DEFINITIONS.md 1.3).
LOW_PREVALENCE = 0.05


PREVALENCE_HELP = gettext_lazy(
    "Share of the compared characters coded by at least one compared layer "
    "(in the CSV: a fraction, 0 to 1)."
)


LOW_PREVALENCE_HELP = gettext_lazy(
    "Shown when percent agreement is at least 90% while kappa (alpha for more than two "
    "layers) is below 0.60. Below 5% of characters coded it reads 'Low prevalence': so "
    "few characters are coded that chance agreement on 'not coded' is high and a few "
    "characters of disagreement move the coefficient a lot (the prevalence effect). "
    "It says nothing about how many segments the code has: read the counts."
)


@dataclass
class Metric:
    """A coefficient ready for display: ``value`` None means undefined (``reason`` says why)."""

    value: float | None
    reason: str = ""

    @classmethod
    def of(cls, coefficient: Coefficient | None) -> Metric:
        if coefficient is None:
            return cls(None, "")
        return cls(coefficient.value, coefficient.reason)

    @property
    def defined(self) -> bool:
        return self.value is not None

    @property
    def text(self) -> str:
        """Two decimals, as a paper prints a coefficient: ``0.82``; a value that rounds to
        zero prints ``0.00`` (never ``-0.00``)."""
        return (
            pgettext("coefficient", "undefined")
            if self.value is None
            else coefficient_text(self.value)
        )

    @property
    def pct(self) -> str:
        return (
            pgettext("coefficient", "undefined")
            if self.value is None
            else f"{self.value * 100:.1f}%"
        )

    @property
    def raw(self) -> str:
        return "" if self.value is None else repr(self.value)


@dataclass
class CodeRow:
    node: CodeNode
    characters: int  # pairable characters
    coded_by: list[int]  # per compared layer
    both: int  # coded by every layer present (n11 for two layers)
    neither: int  # coded by none (n00 for two layers)
    segments: list[int]  # per compared layer
    percent_agreement: Metric
    cohen_kappa: Metric
    alpha: Metric
    fleiss_kappa: Metric
    prevalence_warning: bool
    status: str  # "good", "tentative", "below", "undefined", "unused"
    alpha_u: Metric | None = None
    u_alpha: Metric | None = None
    seg_agree: int | None = None
    seg_disagree: int | None = None
    seg_agreement: Metric | None = None
    alpha_ci: Interval | None = None  # the bootstrap interval of ``alpha``, when asked

    @property
    def code(self):
        return self.node.code

    @property
    def alpha_ci_text(self) -> str:
        return interval_text(self.alpha_ci)

    @property
    def used(self) -> bool:
        return any(self.segments)

    @property
    def is_parent(self) -> bool:
        """A parent's row rolls up its subtree (see :func:`rolled_up`)."""
        return bool(self.node.children)

    @property
    def n_descendants(self) -> int:
        count, stack = 0, list(self.node.children)
        while stack:
            node = stack.pop()
            count += 1
            stack.extend(node.children)
        return count

    @property
    def prevalence(self) -> float | None:
        """Share of the compared characters coded by at least one compared layer."""
        if not self.characters:
            return None
        return (self.characters - self.neither) / self.characters

    @property
    def low_prevalence(self) -> bool:
        return bool(self.prevalence_warning) and (self.prevalence or 0) < LOW_PREVALENCE

    @property
    def prevalence_label(self) -> str:
        """Why kappa is low despite high agreement, in words with the number behind it."""
        if not self.prevalence_warning or self.prevalence is None:
            return ""
        coefficient = "κ" if len(self.segments) == 2 else "α"
        share = share_text(self.prevalence)
        if self.low_prevalence:
            return gettext("Low prevalence: %(share)s of characters coded; %(c)s unstable") % {
                "share": share,
                "c": coefficient,
            }
        return gettext("High agreement, low %(c)s: %(share)s of characters coded") % {
            "share": share,
            "c": coefficient,
        }


def _status(alpha: Metric, used: bool, threshold: float) -> str:
    if not used:
        return "unused"
    if alpha.value is None:
        return "undefined"
    if alpha.value < threshold:
        return "below"
    if alpha.value < GOOD_ALPHA:
        return "tentative"
    return "good"


#: The statuses in English: the JSON API's values (a data contract, never translated).
STATUS_NAMES = {
    "good": "Good",
    "tentative": "Tentative",
    "below": "Below threshold",
    "undefined": "Undefined",
    "unused": "Not used",
}
#: The statuses in the reader's language (the page and the exports).
STATUS_WORDS = {
    "good": pgettext_lazy("agreement status", "Good"),
    "tentative": pgettext_lazy("agreement status", "Tentative"),
    "below": pgettext_lazy("agreement status", "Below threshold"),
    "undefined": pgettext_lazy("agreement status", "Undefined"),
    "unused": pgettext_lazy("agreement status", "Not used"),
}


def _counts_row(result: CodeAgreement) -> tuple[int, int]:
    c = result.counts
    if c.n11 is not None:
        return c.n11, c.n00 or 0
    both = sum(w[m] for m, w in c.profile.items() if m >= 2)
    neither = sum(w[0] for m, w in c.profile.items() if m >= 2)
    return both, neither


def _coded_by(result: CodeAgreement, keys: Sequence[str]) -> list[int]:
    c = result.counts
    if c.n11 is not None:
        return [c.n11 + (c.n10 or 0), c.n11 + (c.n01 or 0)]
    return [c.coded_by.get(k, 0) for k in keys]


@dataclass
class Column:
    """One column of a breakdown (a group, a wave, a design cell, a drift batch)."""

    key: str
    label: str
    n_transcripts: int
    note: str = ""


def interval_text(interval: Interval | None) -> str:
    """``[0.71, 0.90]`` as a paper prints an interval; empty when there is none."""
    if interval is None or not interval.defined:
        return ""
    return f"[{coefficient_text(interval.low)}, {coefficient_text(interval.high)}]"


@dataclass
class Cell:
    alpha: Metric
    percent_agreement: Metric
    cohen_kappa: Metric
    characters: int
    status: str


def row_for(node, result, keys, seg_counts, threshold) -> CodeRow:
    both, neither = _counts_row(result)
    segments = [seg_counts.get((node.pk, k), 0) for k in keys]
    alpha = Metric.of(result.alpha_binary)
    return CodeRow(
        node=node,
        characters=result.counts.characters,
        coded_by=_coded_by(result, keys),
        both=both,
        neither=neither,
        segments=segments,
        percent_agreement=Metric.of(result.percent_agreement),
        cohen_kappa=Metric.of(result.cohen_kappa),
        alpha=alpha,
        fleiss_kappa=Metric.of(result.fleiss_kappa),
        prevalence_warning=result.prevalence_warning,
        status=_status(alpha, any(segments), threshold),
    )


def cell_for(result: CodeAgreement, threshold: float) -> Cell:
    alpha = Metric.of(result.alpha_binary)
    used = any(result.counts.coded_by.values())
    return Cell(
        alpha=alpha,
        percent_agreement=Metric.of(result.percent_agreement),
        cohen_kappa=Metric.of(result.cohen_kappa),
        characters=result.counts.characters,
        status=_status(alpha, used, threshold),
    )


SORT_KEYS = {
    "code": None,
    "alpha": lambda r: r.alpha.value,
    "kappa": lambda r: r.cohen_kappa.value,
    "pa": lambda r: r.percent_agreement.value,
    "segments": lambda r: -sum(r.segments),
}


def sort_rows(rows: list[CodeRow], sort: str) -> list[CodeRow]:
    key = SORT_KEYS.get(sort.lstrip("-"))
    if key is None:
        return rows
    reverse = sort.startswith("-")
    defined = [r for r in rows if key(r) is not None]
    undefined = [r for r in rows if key(r) is None]
    return sorted(defined, key=key, reverse=reverse) + undefined
