"""Bootstrap confidence intervals for the character-level binary alpha, resampling whole
transcripts (docs/agreement/BOOTSTRAP.md; alpha as in DEFINITIONS.md section 3.5).

The unit of independence is the transcript: the characters of one transcript were read and
coded together, so their agreements are correlated. Each replicate draws the compared
transcripts (two or more compared layers worked on them) with replacement, as many as there
are, and recomputes alpha from the summed counts of the transcripts drawn (a transcript drawn
twice counts twice). Resampling characters instead, as a naive bootstrap of the coincidence
matrix would, treats every character as independent and gives falsely narrow intervals.

Each transcript's share of the binary alpha of section 3.5 is three numbers per code, from
its coverage profile w(k) with m layers present: ``n = m L`` pairable values,
``n1 = sum_k k w(k)`` values "coded" and ``o01 = sum_k w(k) k (m - k) / (m - 1)``
disagreeing coincidences. Pooling sums them, so a replicate costs a weighted sum (a matrix
product of the draw counts with these terms), not a recomputation over spans:
``alpha = 1 - (n - 1) o01 / (n0 n1)``, undefined when n0 or n1 is 0 (no variation).

Draws: ``numpy.random.default_rng(seed).integers(0, T, size=(B, T))``; row b holds the
indices (into the compared transcripts, in the report's order: title, then id) of replicate
b. The interval is the percentile interval: the 2.5% and 97.5% quantiles of the defined
replicates (``numpy.quantile``, its default linear interpolation, Hyndman and Fan's type 7).
Replicates without variation are dropped and counted; the interval is ``None`` with a reason
when fewer than two transcripts are compared, when alpha itself is undefined, when the code
was used in only one compared transcript (every replicate would be that transcript's alpha
or undefined: a falsely exact interval), or when fewer than half of the replicates are
defined.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from coding.agreement.spans import (
    Code,
    Document,
    Key,
    _bucket,
    _coverage_profile,
    _items,
    _present,
    _union,
)

DEFAULT_REPLICATES = 1000
MAX_REPLICATES = 10_000
DEFAULT_SEED = 1
MAX_SEED = 2**32 - 1
LEVEL = 0.95

RNG_NAME = "numpy.random.default_rng"
INTERVAL_KIND = "percentile"

FEW_TRANSCRIPTS = (
    "needs two or more compared transcripts: the bootstrap resamples whole transcripts"
)
NOT_COMPUTED = "not computed (bootstrap=0)"
ONE_TRANSCRIPT = (
    "coded in only one compared transcript: resampling transcripts cannot show its "
    "uncertainty (every replicate is that transcript's alpha or undefined)"
)


@dataclass(frozen=True)
class Interval:
    """A percentile bootstrap interval for one code (or overall), or ``None`` with a reason.

    ``dropped`` counts the replicates without variation (alpha undefined), left out.
    """

    low: float | None
    high: float | None
    replicates: int
    dropped: int = 0
    reason: str = ""

    @property
    def defined(self) -> bool:
        return self.low is not None

    @property
    def pair(self) -> list[float] | None:
        return None if self.low is None else [self.low, self.high]

    @property
    def raw_low(self) -> str:
        """The bound as a page's ``data-`` attribute carries it (exact, never localised)."""
        return "" if self.low is None else repr(self.low)

    @property
    def raw_high(self) -> str:
        return "" if self.high is None else repr(self.high)


@dataclass(frozen=True)
class Bootstrap:
    """How the intervals were drawn and on which transcripts they rest."""

    replicates: int
    seed: int
    transcripts: tuple[Key, ...]  # the resampled (compared) transcripts, in order
    level: float = LEVEL
    per_code: Mapping[Code, Interval] = field(default_factory=dict)


def document_profiles(
    documents: Mapping[Key, Document], layers: Sequence[str], codes: Sequence[Code]
) -> dict[Key, dict[Code, tuple[int, list[int]]]]:
    """Per document on which two or more of ``layers`` worked, each code's coverage
    profile ``(m, w)``: the same sweep over span boundaries as
    :func:`coding.agreement.character_level.character_agreement` (section 5), kept per
    document so that replicates only sum."""
    layers = tuple(layers)
    codes = tuple(codes)
    out: dict[Key, dict[Code, tuple[int, list[int]]]] = {}
    for key, doc in _items(documents):
        present = _present(doc, layers)
        m = len(present)
        if m < 2:
            continue
        buckets = _bucket(doc, present, codes)
        nothing = [doc.length] + [0] * m
        out[key] = {
            code: (
                m,
                nothing
                if code not in buckets
                else _coverage_profile([_union(iv) for iv in buckets[code]], doc.length),
            )
            for code in codes
        }
    return out


def alpha_terms(m: int, w: Sequence[int]) -> tuple[int, int, float]:
    """``(n, n1, o01)`` of one document's coverage profile with ``m >= 2`` layers present."""
    n1 = sum(k * wk for k, wk in enumerate(w))
    o01 = sum(wk * k * (m - k) for k, wk in enumerate(w)) / (m - 1)
    return m * sum(w), n1, o01


def draws(n_transcripts: int, replicates: int, seed: int) -> np.ndarray:
    """How often each transcript is drawn in each replicate: a ``(B, T)`` count matrix."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, n_transcripts, size=(replicates, n_transcripts))
    offsets = (np.arange(replicates) * n_transcripts)[:, None]
    counts = np.bincount((picks + offsets).ravel(), minlength=replicates * n_transcripts)
    return counts.reshape(replicates, n_transcripts).astype(float)


def intervals(
    profiles: Mapping[Key, Mapping[Code, tuple[int, Sequence[int]]]],
    transcripts: Sequence[Key],
    codes: Sequence[Code],
    *,
    replicates: int,
    seed: int,
    counts: np.ndarray | None = None,
    level: float = LEVEL,
) -> Bootstrap:
    """Per code, the bootstrap interval of alpha over ``transcripts`` (the compared ones).

    ``profiles[key][code] = (m, w)`` as :func:`document_profiles` returns them; a code missing
    from a transcript's profiles was not coded there (all its characters "not coded").
    ``counts`` (from :func:`draws`) lets several calls share the same replicates.
    """
    keys = tuple(transcripts)
    t = len(keys)
    if replicates <= 0:
        empty = Interval(None, None, 0, reason=NOT_COMPUTED)
        return Bootstrap(0, seed, keys, level, dict.fromkeys(codes, empty))
    if t < 2:
        few = Interval(None, None, replicates, reason=FEW_TRANSCRIPTS)
        return Bootstrap(replicates, seed, keys, level, dict.fromkeys(codes, few))
    k = len(codes)
    column = {code: j for j, code in enumerate(codes)}
    docs = [profiles.get(key, {}) for key in keys]
    widest = max((m for doc in docs for m, _ in doc.values()), default=2)
    # w[i, j, :]: the coverage profile of code j in transcript i; m[i]: its layers present.
    w = np.zeros((t, k, widest + 1))
    m = np.full(t, 2.0)
    n = np.zeros(t)
    for i, doc in enumerate(docs):
        for code, (layers, profile) in doc.items():
            j = column.get(code)
            if j is not None:
                w[i, j, : len(profile)] = profile
            m[i] = layers
            n[i] = layers * sum(profile)  # m L, the same for every code of the document
    values = np.arange(widest + 1)
    n1 = w @ values  # (T, K): sum_k k w(k)
    pairs = values[None, :] * (m[:, None] - values[None, :]) / (m[:, None] - 1)  # k(m-k)/(m-1)
    o01 = np.einsum("tjk,tk->tj", w, pairs)
    if counts is None:
        counts = draws(t, replicates, seed)
    total = counts @ n  # (B,)
    ones = counts @ n1  # (B, K)
    crossing = counts @ o01
    zeros = total[:, None] - ones
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = 1 - (total[:, None] - 1) * crossing / (zeros * ones)
    valid = (ones > 0) & (zeros > 0)
    tail = (1 - level) / 2
    # Percentiles over the defined replicates of every code at once (NaN: dropped).
    alpha[~valid] = np.nan
    n_defined = valid.sum(axis=0)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: handled below
        bounds = np.nanquantile(alpha, [tail, 1 - tail], axis=0)
    coded_in = (n1 > 0).sum(axis=0)  # compared transcripts where some layer used the code
    per_code: dict[Code, Interval] = {}
    for code, j in column.items():
        defined = int(n_defined[j])
        dropped = replicates - defined
        if not defined:
            reason = "no replicate had variation: alpha is undefined"
        elif coded_in[j] < 2:
            reason = ONE_TRANSCRIPT
        elif defined * 2 < replicates:
            reason = (
                f"only {defined:,} of {replicates:,} replicates had variation "
                "(the code is too rare in the compared transcripts)"
            )
        else:
            note = (
                f"{dropped:,} of {replicates:,} replicates without variation dropped"
                if dropped
                else ""
            )
            low, high = float(bounds[0, j]), float(bounds[1, j])
            per_code[code] = Interval(low, high, replicates, dropped, note)
            continue
        per_code[code] = Interval(None, None, replicates, dropped, reason)
    return Bootstrap(replicates, seed, keys, level, per_code)


def alpha_intervals(
    documents: Mapping[Key, Document],
    layers: Sequence[str],
    codes: Sequence[Code],
    *,
    replicates: int = DEFAULT_REPLICATES,
    seed: int = DEFAULT_SEED,
) -> Bootstrap:
    """The engine on its own: alpha's bootstrap interval per code over ``documents``
    (the compared ones are those on which two or more of ``layers`` worked, in the
    mapping's order)."""
    profiles = document_profiles(documents, layers, codes)
    compared = [key for key in documents if key in profiles]
    return intervals(profiles, compared, codes, replicates=replicates, seed=seed)
