"""The column names of the analysis exports and their labels in other interface languages.

CSV and XLSX exports write ``snake_case`` names (``code_path``); in another interface
language :func:`coding.exports.header_text` shows each known name as its catalogue label
(context ``export column``): "編碼路徑". Names made of a known prefix and a layer's or a
wave's name (``segments_bob``) are labelled from the prefix (``segments_{name}``). A name
not listed here (an attribute's column, a code path heading a co-occurrence column) is
written as it is. Add a new export's columns here so that they are translated.
"""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

#: Every column name of the analysis exports and its label.
LABELS = {
    # agreement (coding/agreement/exports.py)
    "level": pgettext_lazy("export column", "level"),
    "transcript_id": pgettext_lazy("export column", "transcript_id"),
    "transcript": pgettext_lazy("export column", "transcript"),
    "code_id": pgettext_lazy("export column", "code_id"),
    "code_path": pgettext_lazy("export column", "code_path"),
    "is_parent": pgettext_lazy("export column", "is_parent"),
    "status": pgettext_lazy("export column", "status"),
    "chars_coded_by_all": pgettext_lazy("export column", "chars_coded_by_all"),
    "chars_coded_by_both": pgettext_lazy("export column", "chars_coded_by_both"),
    "chars_coded_by_none": pgettext_lazy("export column", "chars_coded_by_none"),
    "chars_coded_by_neither": pgettext_lazy("export column", "chars_coded_by_neither"),
    "chars_compared": pgettext_lazy("export column", "chars_compared"),
    "percent_agreement": pgettext_lazy("export column", "percent_agreement"),
    "cohen_kappa": pgettext_lazy("export column", "cohen_kappa"),
    "krippendorff_alpha": pgettext_lazy("export column", "krippendorff_alpha"),
    "alpha_ci_low": pgettext_lazy("export column", "alpha_ci_low"),
    "alpha_ci_high": pgettext_lazy("export column", "alpha_ci_high"),
    "prevalence": pgettext_lazy("export column", "prevalence"),
    "low_prevalence_warning": pgettext_lazy("export column", "low_prevalence_warning"),
    "note": pgettext_lazy("export column", "note"),
    "alpha_ci_note": pgettext_lazy("export column", "alpha_ci_note"),
    # the agreement's codebook periods and over time (docs/agreement/OVER_TIME.md)
    "coded_under": pgettext_lazy("export column", "coded_under"),
    "label": pgettext_lazy("export column", "label"),
    "units": pgettext_lazy("export column", "units"),
    "unit": pgettext_lazy("export column", "unit"),
    "transcripts_compared": pgettext_lazy("export column", "transcripts_compared"),
    "coders": pgettext_lazy("export column", "coders"),
    "unitizing_alpha": pgettext_lazy("export column", "unitizing_alpha"),
    "u_alpha_binary": pgettext_lazy("export column", "u_alpha_binary"),
    "segments_matched": pgettext_lazy("export column", "segments_matched"),
    "segments_unmatched": pgettext_lazy("export column", "segments_unmatched"),
    "segment_agreement": pgettext_lazy("export column", "segment_agreement"),
    # coded retrieval (coding/retrieval/exports.py)
    "group": pgettext_lazy("export column", "group"),
    "wave": pgettext_lazy("export column", "wave"),
    "participant": pgettext_lazy("export column", "participant"),
    "layer": pgettext_lazy("export column", "layer"),
    "start": pgettext_lazy("export column", "start"),
    "end": pgettext_lazy("export column", "end"),
    "quote": pgettext_lazy("export column", "quote"),
    "memo": pgettext_lazy("export column", "memo"),
    "segment_id": pgettext_lazy("export column", "segment_id"),
    "coded_at": pgettext_lazy("export column", "coded_at"),
    "needs_review": pgettext_lazy("export column", "needs_review"),
    "quote_at_coding": pgettext_lazy("export column", "quote_at_coding"),
    "codebook_version": pgettext_lazy("export column", "codebook_version"),
    # comparisons (coding/compare/exports.py)
    "depth": pgettext_lazy("export column", "depth"),
    "value": pgettext_lazy("export column", "value"),
    "participants_interviewed": pgettext_lazy("export column", "participants_interviewed"),
    "percent": pgettext_lazy("export column", "percent"),
    "cell_as_shown": pgettext_lazy("export column", "cell_as_shown"),
    "code_a_id": pgettext_lazy("export column", "code_a_id"),
    "code_a_path": pgettext_lazy("export column", "code_a_path"),
    "code_b_id": pgettext_lazy("export column", "code_b_id"),
    "code_b_path": pgettext_lazy("export column", "code_b_path"),
    "pairs": pgettext_lazy("export column", "pairs"),
    "interviewed": pgettext_lazy("export column", "interviewed"),
    "segments": pgettext_lazy("export column", "segments"),
    "summary": pgettext_lazy("export column", "summary"),
    "quotes": pgettext_lazy("export column", "quotes"),
    "from_wave": pgettext_lazy("export column", "from_wave"),
    "to_wave": pgettext_lazy("export column", "to_wave"),
    "gained": pgettext_lazy("export column", "gained"),
    "kept": pgettext_lazy("export column", "kept"),
    "lost": pgettext_lazy("export column", "lost"),
    "never": pgettext_lazy("export column", "never"),
    "interviewed_at_both": pgettext_lazy("export column", "interviewed_at_both"),
    "not_interviewed_at_one": pgettext_lazy("export column", "not_interviewed_at_one"),
    "participants_with_code": pgettext_lazy("export column", "participants_with_code"),
    "code": pgettext_lazy("export column", "code"),
    # word frequency (coding/words/exports.py)
    "kind": pgettext_lazy("export column", "kind"),
    "rank": pgettext_lazy("export column", "rank"),
    "text": pgettext_lazy("export column", "text"),
    "total": pgettext_lazy("export column", "total"),
    "count": pgettext_lazy("export column", "count"),
    "transcripts_in_cell": pgettext_lazy("export column", "transcripts_in_cell"),
    "words_in_cell": pgettext_lazy("export column", "words_in_cell"),
}

#: (prefix, suffix) of names built around a layer's or a wave's name, and their label.
PATTERNS = (
    ("segments_", "", pgettext_lazy("export column", "segments_{name}")),
    ("chars_coded_", "", pgettext_lazy("export column", "chars_coded_{name}")),
    ("", "_segments", pgettext_lazy("export column", "{name}_segments")),
)


def label(name: str) -> str:
    """``name``'s label in the active language (``name`` itself when none is known)."""
    name = str(name)
    if name in LABELS:
        return str(LABELS[name])
    for prefix, suffix, pattern in PATTERNS:
        if name.startswith(prefix) and name.endswith(suffix) and len(name) > len(prefix + suffix):
            inner = name[len(prefix) : len(name) - len(suffix)]
            return str(pattern).format(name=inner)
    return name
