"""The methods text of the agreement report: what each coefficient means, the paragraph for a
methods section and the column descriptions of the CSV export."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext, gettext_lazy, ngettext

from coding.agreement.result import Report
from coding.agreement.rows import GOOD_ALPHA, LOW_PREVALENCE_HELP, PREVALENCE_HELP, coefficient_text
from workbench.lib.spacing import close_up, join_sentences

METRIC_HELP = {
    "percent_agreement": gettext_lazy(
        "Share of characters on which the layers agree (coded by both or by neither). "
        "Not corrected for chance: always read it beside a chance-corrected coefficient."
    ),
    "cohen_kappa": gettext_lazy(
        "Cohen's kappa at the character level, as NVivo's coding comparison computes it "
        "(two layers only; 1 when neither layer used the code)."
    ),
    "alpha_binary": gettext_lazy(
        "Krippendorff's alpha on characters, coded or not coded: chance-corrected, any "
        "number of layers, missing layers allowed. 0.8 or more is good; below 0.667 is "
        "not acceptable for conclusions."
    ),
    "alpha_ci": gettext_lazy(
        "The 95% percentile bootstrap interval of α: each replicate draws the compared "
        "transcripts whole, with replacement, as many as there are, and recomputes α from "
        "their summed counts; the interval runs from the 2.5th to the 97.5th percentile of "
        "the replicates. Transcripts, not characters, are resampled because the characters "
        "of one transcript are not independent (they were read and coded together): "
        "resampling characters, as a naive bootstrap of the coincidence matrix would, gives "
        "falsely narrow intervals. Replicates without variation (a rare code not drawn) are "
        "dropped and counted; the seed makes the interval reproducible."
    ),
    "alpha_u": gettext_lazy(
        "Krippendorff's unitizing alpha (αU, 1995/2004 as in DKPro): also penalises "
        "segments that cover the same text but start or end elsewhere."
    ),
    "u_alpha": gettext_lazy(
        "Krippendorff's 2019 uα family (as in ATLAS.ti): agreement on where units lie, per "
        "code (binary) and over all codes when codes never overlap within a layer."
    ),
    "segment_matching": gettext_lazy(
        "MAXQDA-style segment matching: a segment agrees when the other layer has a "
        "segment of the same code overlapping it by at least the study's threshold "
        "(intersection over union)."
    ),
}


def _and(words: Sequence[str]) -> str:
    words = list(words)
    if len(words) == 1:
        return words[0]
    return gettext("%(first)s and %(last)s") % {
        "first": gettext(", ").join(words[:-1]),
        "last": words[-1],
    }


def _n(value: int) -> str:
    """A count as the locale writes it (thousands grouped)."""
    from django.utils.formats import number_format

    return number_format(value, force_grouping=True)


def methods_summary(report: Report, date=None, *, coefficient=coefficient_text) -> str:
    """A paragraph for a methods section, in the active language: coefficients with their
    counts, transcripts double-coded, unit of analysis, layers compared and the date.
    ``coefficient`` writes a coefficient (the report page's two decimals by default; the
    methods appendix writes three, as its tables do)."""
    from django.utils import timezone

    def coef(metric) -> str:
        return metric.text if metric.value is None else coefficient(metric.value)

    date = date or timezone.localdate()
    layers = _and([la.label for la in report.layers])
    n = report.pairable
    scope = len(report.transcripts)
    values = {"n": _n(n), "scope": _n(scope), "layers": layers}
    if report.two:
        first = ngettext(
            "Inter-coder agreement was assessed on %(n)s transcript double-coded by "
            "%(layers)s (%(n)s of the %(scope)s transcripts in scope), with the character "
            "(Unicode code point) as the unit of analysis.",
            "Inter-coder agreement was assessed on %(n)s transcripts double-coded by "
            "%(layers)s (%(n)s of the %(scope)s transcripts in scope), with the character "
            "(Unicode code point) as the unit of analysis.",
            n,
        )
    else:
        first = ngettext(
            "Inter-coder agreement was assessed on %(n)s transcript coded by two or more of "
            "%(layers)s (%(n)s of the %(scope)s transcripts in scope), with the character "
            "(Unicode code point) as the unit of analysis.",
            "Inter-coder agreement was assessed on %(n)s transcripts coded by two or more of "
            "%(layers)s (%(n)s of the %(scope)s transcripts in scope), with the character "
            "(Unicode code point) as the unit of analysis.",
            n,
        )
    parts = [first % values]
    h = report.headline
    if h is None or not n:
        parts.append(gettext("No code was applied on the compared transcripts."))
    else:
        ci = report.headline_ci
        alpha = gettext("Krippendorff's α = %(alpha)s") % {"alpha": coef(h.alpha)}
        if ci is not None and ci.defined:
            alpha += gettext(" (95%% CI %(low)s to %(high)s)") % {
                "low": coefficient(ci.low),
                "high": coefficient(ci.high),
            }
        figures = [alpha]
        if report.two:
            figures.append(gettext("Cohen's κ = %(kappa)s") % {"kappa": coef(h.cohen_kappa)})
        codes = report.n_codes_used
        parts.append(
            ngettext(
                "Pooled over the %(codes)s code used (each character × code one unit, "
                "N = %(chars)s), %(figures)s, with %(pct)s agreement.",
                "Pooled over the %(codes)s codes used (each character × code one unit, "
                "N = %(chars)s), %(figures)s, with %(pct)s agreement.",
                codes,
            )
            % {
                "codes": _n(codes),
                "chars": _n(h.characters),
                "figures": close_up(gettext(" and ").join(figures)),
                "pct": h.percent_agreement.pct,
            }
        )
        parts.append(_codes_used(report))
        own = [r for r in report.rows if not r.is_parent and r.used and r.alpha.defined]
        if own:
            values = sorted(r.alpha.value for r in own)
            mid = len(values) // 2
            median = values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2
            good = sum(1 for v in values if v >= GOOD_ALPHA)
            below = sum(1 for v in values if v < report.params.threshold)
            words = gettext(
                "Over the %(codes)s codes without subcodes whose α is defined on the compared "
                "transcripts, α ranged from %(low)s to %(high)s (median %(median)s); %(good)s "
                "reached α ≥ %(good_alpha)s and %(below)s fell below %(threshold)s."
            )
            if len(values) == 1:
                words = gettext(
                    "The one code without subcodes whose α is defined on the compared "
                    "transcripts has α = %(low)s."
                )
            parts.append(
                words
                % {
                    "low": coefficient(values[0]),
                    "high": coefficient(values[-1]),
                    "median": coefficient(median),
                    "codes": _n(len(values)),
                    "good": _n(good),
                    "good_alpha": coefficient(GOOD_ALPHA),
                    "below": _n(below),
                    "threshold": f"{report.params.threshold:.3f}",
                }
            )
    if report.coded_under:
        parts.append(
            gettext(
                "Each compared segment is dated by the codebook version current when it was "
                "created: %(coded_under)s."
            )
            % {"coded_under": report.coded_under_text}
        )
    boot = report.bootstrap
    if boot is not None and boot.replicates:
        parts.append(
            gettext(
                "Confidence intervals (95%%) are percentile bootstrap intervals from "
                "%(replicates)s replicates resampling whole transcripts with replacement "
                "(the %(n)s compared transcripts; numpy default_rng, seed %(seed)s): the "
                "characters within a transcript are not independent, and resampling "
                "characters, as a naive bootstrap of the coincidence matrix would, gives "
                "falsely narrow intervals."
            )
            % {"replicates": _n(boot.replicates), "n": _n(len(boot.transcripts)), "seed": boot.seed}
        )
    parts.append(
        gettext(
            "Percent agreement and Cohen's κ follow NVivo's coding comparison; α is "
            "Krippendorff's binary alpha (Krippendorff, 2011); counts are summed over "
            "transcripts, never averaged. Computed on %(date)s."
        )
        % {"date": date.isoformat()}
    )
    return join_sentences(*parts)


def _codes_used(report: Report) -> str:
    """What "the codes used" of the pooled figure counts: the codes a compared layer applied
    in the transcripts in scope, a category among them when it was applied itself."""
    parents = report.n_categories_used
    count = report.n_codes_used - parents
    leaves = ngettext("%(n)s code without subcodes", "%(n)s codes without subcodes", count) % {
        "n": _n(count)
    }
    if not parents:
        return gettext(
            "The codes used are the codes a compared layer applied in the transcripts in "
            "scope: %(leaves)s."
        ) % {"leaves": leaves}
    return gettext(
        "The codes used are the codes a compared layer applied in the transcripts in "
        "scope: %(leaves)s, and %(categories)s applied directly."
    ) % {
        "leaves": leaves,
        "categories": ngettext(
            "%(n)s category (a code with subcodes)",
            "%(n)s categories (codes with subcodes)",
            parents,
        )
        % {"n": _n(parents)},
    }


#: Column descriptions of the agreement CSV, written to the methods download.
EXPORT_COLUMNS = [
    ("level", gettext_lazy("pooled (over the compared transcripts) or transcript")),
    ("transcript_id, transcript", gettext_lazy("the transcript (empty on pooled rows)")),
    ("code_id, code_path", gettext_lazy("the code; paths joined with ' > '")),
    (
        "is_parent",
        gettext_lazy("yes: the row rolls up the code and all its subcodes, merged per layer"),
    ),
    (
        "status",
        gettext_lazy("Good (alpha >= 0.8), Tentative, Below threshold, Undefined, Not used"),
    ),
    ("segments_<layer>", gettext_lazy("segments of the layer (a parent: its whole subtree)")),
    (
        "chars_coded_<layer>",
        gettext_lazy("characters the layer coded, on transcripts it worked on"),
    ),
    (
        "chars_coded_by_both / _all, _neither / _none",
        gettext_lazy("characters coded by every / no layer"),
    ),
    ("chars_compared", gettext_lazy("characters rated by two or more of the compared layers")),
    ("percent_agreement", gettext_lazy("a fraction, 0 to 1")),
    ("cohen_kappa", gettext_lazy("NVivo's character-level kappa (two layers only)")),
    (
        "krippendorff_alpha",
        gettext_lazy("binary alpha on characters; empty when undefined (see note)"),
    ),
    (
        "alpha_ci_low, alpha_ci_high",
        gettext_lazy(
            "95% percentile bootstrap interval of alpha, resampling whole transcripts (pooled "
            "rows only; empty when there is none: see alpha_ci_note)"
        ),
    ),
    (
        "alpha_ci_note",
        gettext_lazy("why there is no interval, or how many replicates were dropped"),
    ),
    ("prevalence", PREVALENCE_HELP),
    ("low_prevalence_warning", LOW_PREVALENCE_HELP),
    ("note", gettext_lazy("why a coefficient is undefined, or which convention produced it")),
    (
        "coded_under",
        gettext_lazy(
            "pooled rows: the codebook version(s) the code's compared segments were coded "
            "under (current when each was created), with their numbers of segments"
        ),
    ),
]
