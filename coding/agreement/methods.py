"""The methods text of the agreement report: what each coefficient means, the paragraph for a
methods section and the column descriptions of the CSV export."""

from __future__ import annotations

from collections.abc import Sequence

from coding.agreement.result import Report
from coding.agreement.rows import GOOD_ALPHA, LOW_PREVALENCE_HELP, PREVALENCE_HELP, coefficient_text

METRIC_HELP = {
    "percent_agreement": (
        "Share of characters on which the layers agree (coded by both or by neither). "
        "Not corrected for chance: always read it beside a chance-corrected coefficient."
    ),
    "cohen_kappa": (
        "Cohen's kappa at the character level, as NVivo's coding comparison computes it "
        "(two layers only; 1 when neither layer used the code)."
    ),
    "alpha_binary": (
        "Krippendorff's alpha on characters, coded or not coded: chance-corrected, any "
        "number of layers, missing layers allowed. 0.8 or more is good; below 0.667 is "
        "not acceptable for conclusions."
    ),
    "alpha_ci": (
        "The 95% percentile bootstrap interval of α: each replicate draws the compared "
        "transcripts whole, with replacement, as many as there are, and recomputes α from "
        "their summed counts; the interval runs from the 2.5th to the 97.5th percentile of "
        "the replicates. Transcripts, not characters, are resampled because the characters "
        "of one transcript are not independent (they were read and coded together): "
        "resampling characters, as a naive bootstrap of the coincidence matrix would, gives "
        "falsely narrow intervals. Replicates without variation (a rare code not drawn) are "
        "dropped and counted; the seed makes the interval reproducible."
    ),
    "alpha_u": (
        "Krippendorff's unitizing alpha (αU, 1995/2004 as in DKPro): also penalises "
        "segments that cover the same text but start or end elsewhere."
    ),
    "u_alpha": (
        "Krippendorff's 2019 uα family (as in ATLAS.ti): agreement on where units lie, per "
        "code (binary) and over all codes when codes never overlap within a layer."
    ),
    "segment_matching": (
        "MAXQDA-style segment matching: a segment agrees when the other layer has a "
        "segment of the same code overlapping it by at least the study's threshold "
        "(intersection over union)."
    ),
}


def _and(words: Sequence[str]) -> str:
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def methods_summary(report: Report, date=None) -> str:
    """A paragraph for a methods section: coefficients with their counts, transcripts
    double-coded, unit of analysis, layers compared and the date."""
    from django.utils import timezone

    date = date or timezone.localdate()
    layers = _and([la.label for la in report.layers])
    n = report.pairable
    scope = len(report.transcripts)
    coded_by = f"double-coded by {layers}" if report.two else f"coded by two or more of {layers}"
    parts = [
        f"Inter-coder agreement was assessed on {n:,} transcript{'s' if n != 1 else ''} "
        f"{coded_by} ({n:,} of the {scope:,} transcript{'s' if scope != 1 else ''} in scope), "
        "with the character (Unicode code point) as the unit of analysis."
    ]
    h = report.headline
    if h is None or not n:
        parts.append("No code was applied on the compared transcripts.")
    else:
        ci = report.headline_ci
        alpha = f"Krippendorff's α = {h.alpha.text}"
        if ci is not None and ci.defined:
            alpha += f" (95% CI {coefficient_text(ci.low)} to {coefficient_text(ci.high)})"
        figures = [alpha]
        if report.two:
            figures.append(f"Cohen's κ = {h.cohen_kappa.text}")
        codes = report.n_codes_used
        parts.append(
            f"Pooled over the {codes:,} code{'s' if codes != 1 else ''} used (each character "
            f"× code one unit, N = {h.characters:,}), {' and '.join(figures)}, with "
            f"{h.percent_agreement.pct} agreement."
        )
        own = [r for r in report.rows if not r.is_parent and r.used and r.alpha.defined]
        if own:
            values = sorted(r.alpha.value for r in own)
            mid = len(values) // 2
            median = values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2
            good = sum(1 for v in values if v >= GOOD_ALPHA)
            below = sum(1 for v in values if v < report.params.threshold)
            parts.append(
                f"Per code, α ranged from {coefficient_text(values[0])} to "
                f"{coefficient_text(values[-1])} (median {coefficient_text(median)}, "
                f"{len(values):,} codes); {good:,} reached α ≥ {GOOD_ALPHA:.2f} and {below:,} "
                f"fell below {report.params.threshold:.3f}."
            )
    if report.coded_under:
        parts.append(
            "The compared segments were "
            + report.coded_under_text
            + " (the codebook version current when each segment was created)."
        )
    boot = report.bootstrap
    if boot is not None and boot.replicates:
        parts.append(
            "Confidence intervals (95%) are percentile bootstrap intervals from "
            f"{boot.replicates:,} replicates resampling whole transcripts with replacement "
            f"(the {len(boot.transcripts):,} compared transcripts; numpy default_rng, seed "
            f"{boot.seed}): the characters within a transcript are not independent, and "
            "resampling characters, as a naive bootstrap of the coincidence matrix would, "
            "gives falsely narrow intervals."
        )
    parts.append(
        "Percent agreement and Cohen's κ follow NVivo's coding comparison; α is "
        "Krippendorff's binary alpha (Krippendorff, 2011); counts are summed over "
        f"transcripts, never averaged. Computed on {date.isoformat()}."
    )
    return " ".join(parts)


#: Column descriptions of the agreement CSV, written to the methods download.
EXPORT_COLUMNS = [
    ("level", "pooled (over the compared transcripts) or transcript"),
    ("transcript_id, transcript", "the transcript (empty on pooled rows)"),
    ("code_id, code_path", "the code; paths joined with ' > '"),
    ("is_parent", "yes: the row rolls up the code and all its subcodes, merged per layer"),
    ("status", "Good (alpha >= 0.8), Tentative, Below threshold, Undefined, Not used"),
    ("segments_<layer>", "segments of the layer (a parent: its whole subtree)"),
    ("chars_coded_<layer>", "characters the layer coded, on transcripts it worked on"),
    ("chars_coded_by_both / _all, _neither / _none", "characters coded by every / no layer"),
    ("chars_compared", "characters rated by two or more of the compared layers"),
    ("percent_agreement", "a fraction, 0 to 1"),
    ("cohen_kappa", "NVivo's character-level kappa (two layers only)"),
    ("krippendorff_alpha", "binary alpha on characters; empty when undefined (see note)"),
    (
        "alpha_ci_low, alpha_ci_high",
        "95% percentile bootstrap interval of alpha, resampling whole transcripts (pooled "
        "rows only; empty when there is none: see alpha_ci_note)",
    ),
    ("alpha_ci_note", "why there is no interval, or how many replicates were dropped"),
    ("prevalence", PREVALENCE_HELP),
    ("low_prevalence_warning", LOW_PREVALENCE_HELP),
    ("note", "why a coefficient is undefined, or which convention produced it"),
    (
        "coded_under",
        "pooled rows: the codebook version(s) the code's compared segments were coded under "
        "(current when each was created), with their numbers of segments",
    ),
]
