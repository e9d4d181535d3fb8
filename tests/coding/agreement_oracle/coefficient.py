"""``Coefficient``: a value, or ``None`` with the reason (see :mod:`coding.agreement.spans`).

Every measure family returns these; ``_value`` and ``_undefined`` build them (package-internal).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

NOBODY_CODED = "no variation: no layer coded this code"
EVERYTHING_CODED = "no variation: every layer coded every character"
NO_PAIRABLE = "no characters rated by two or more of the compared layers"


@dataclass(frozen=True)
class Coefficient:
    """A coefficient, or ``None`` with the reason; ``reason`` also names any convention."""

    value: float | None
    reason: str = ""
    exact: Fraction | None = field(default=None, repr=False, compare=False)

    @property
    def defined(self) -> bool:
        return self.value is not None


def _value(exact: Fraction | int, reason: str = "") -> Coefficient:
    exact = Fraction(exact)
    return Coefficient(float(exact), reason, exact)


def _undefined(reason: str) -> Coefficient:
    return Coefficient(None, reason, None)
