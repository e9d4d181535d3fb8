"""The agreement engine's reasons (why a coefficient is undefined, which convention produced
it) in the reader's interface language.

The engine and the JSON API keep their English reasons (a data contract); the report page
shows them through :func:`reason_text`, which knows each sentence the engine writes, numbers
and nested reasons included, and leaves anything else as it is.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext, gettext_noop

# (pattern over the English reason, its message with the pattern's named groups).
_PATTERNS: list[tuple[re.Pattern, str]] = [
    (re.compile(p), m)
    for p, m in (
        (
            r"^needs two or more compared transcripts: .*$",
            gettext_noop(
                "needs two or more compared transcripts: the bootstrap resamples whole transcripts"
            ),
        ),
        (
            r"^no variation: no layer coded this code$",
            gettext_noop("no variation: no layer coded this code"),
        ),
        (
            r"^no variation: every layer coded every character$",
            gettext_noop("no variation: every layer coded every character"),
        ),
        (
            r"^no characters rated by two or more of the compared layers$",
            gettext_noop("no characters rated by two or more of the compared layers"),
        ),
        (
            r"^no characters that both layers worked on$",
            gettext_noop("no characters that both layers worked on"),
        ),
        (
            r"^only (?P<who>.+) coded this code: kappa is 0 by arithmetic$",
            gettext_noop("only %(who)s coded this code: kappa is 0 by arithmetic"),
        ),
        (
            r"^Cohen's kappa compares exactly two layers \((?P<n>\d+) compared\); see alpha_binary or fleiss_kappa$",
            gettext_noop("Cohen's kappa compares exactly two layers (%(n)s compared)"),
        ),
        (r"^not computed \(bootstrap=0\)$", gettext_noop("not computed (0 replicates)")),
        (
            r"^no replicate had variation: alpha is undefined$",
            gettext_noop("no replicate had variation: α is undefined"),
        ),
        (
            r"^coded in only one compared transcript: .*$",
            gettext_noop(
                "coded in only one compared transcript: resampling transcripts cannot show its uncertainty (every replicate is that transcript's α or undefined)"
            ),
        ),
        (
            r"^only (?P<defined>[\d,]+) of (?P<replicates>[\d,]+) replicates had variation .*$",
            gettext_noop(
                "only %(defined)s of %(replicates)s replicates had variation (the code is too rare in the compared transcripts)"
            ),
        ),
        (
            r"^(?P<dropped>[\d,]+) of (?P<replicates>[\d,]+) replicates without variation dropped$",
            gettext_noop("%(dropped)s of %(replicates)s replicates without variation dropped"),
        ),
        (
            r"^no document on which two or more of the compared layers worked$",
            gettext_noop("no transcript on which two or more of the compared layers worked"),
        ),
        (r"^no units of any code$", gettext_noop("no units of any code")),
        (
            r"^no expected disagreement \(D_e = 0\)$",
            gettext_noop("no expected disagreement (D_e = 0)"),
        ),
        (
            r"^no expected disagreement \(D_e = 0\): every unit has length 1$",
            gettext_noop("no expected disagreement (D_e = 0): every unit has length 1"),
        ),
        (
            r"^no variation: one value everywhere$",
            gettext_noop("no variation: one value everywhere"),
        ),
        (
            r"^codes (declared non-exclusive|overlap within a layer).*: only the per-code binary.*$",
            gettext_noop("codes overlap within a layer: only the per-code binary uα is defined"),
        ),
        (r"^degenerate expected coincidences$", gettext_noop("degenerate expected coincidences")),
        (r"^no segments of this code$", gettext_noop("no segments of this code")),
        (r"^no segments$", gettext_noop("no segments")),
        (
            r"^only one code has segments: chance agreement 1/k = 1$",
            gettext_noop("only one code has segments: chance agreement 1/k = 1"),
        ),
        (r"^P_chance = 1/(?P<k>\d+) codes used$", gettext_noop("P_chance = 1/%(k)s codes used")),
        # the agreement over time (coding/agreement/over_time.py)
        (
            r"^fewer than two of the compared coders answered this round$",
            gettext_noop("fewer than two of the compared coders answered this round"),
        ),
        (
            r"^the code was not offered in this round$",
            gettext_noop("the code was not offered in this round"),
        ),
        (
            r"^no transcript was coded by two or more of the compared layers in this period$",
            gettext_noop(
                "no transcript was coded by two or more of the compared layers in this period"
            ),
        ),
        (r"^no code was applied$", gettext_noop("no code was applied")),
        (r"^alpha is undefined$", gettext_noop("α is undefined")),
        (
            r"^answers were given under two codebook states$",
            gettext_noop("answers were given under two codebook states"),
        ),
        (
            r"^the round has no codes or excerpts$",
            gettext_noop("the round has no codes or excerpts"),
        ),
        (r"^fewer than two excerpts$", gettext_noop("fewer than two excerpts")),
        (
            r"^no unit has two or more values$",
            gettext_noop("no unit has two or more values"),
        ),
        (r"^characters$", gettext_noop("characters")),
        (r"^excerpts$", gettext_noop("excerpts")),
        (r"^excerpt × code decisions$", gettext_noop("excerpt × code decisions")),
    )
]
_NESTED = re.compile(r"^alpha is undefined \((?P<inner>.*)\)$")
_NO_UNITS = re.compile(r"^no units: no layer coded (?P<what>.+) \(D_o = D_e = 0\)$")


def reason_text(reason: str) -> str:
    """``reason`` in the active language (unknown sentences unchanged)."""
    reason = str(reason or "")
    if not reason:
        return ""
    nested = _NESTED.match(reason)
    if nested:
        return gettext("α is undefined (%(reason)s)") % {"reason": reason_text(nested["inner"])}
    if _NO_UNITS.match(reason):
        return gettext("no units: no layer coded anything (D_o = D_e = 0)")
    for pattern, message in _PATTERNS:
        found = pattern.match(reason)
        if found:
            return gettext(message) % found.groupdict() if found.groupdict() else gettext(message)
    return reason
