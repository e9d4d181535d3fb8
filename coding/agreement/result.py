"""What an agreement report holds: its parameters, its rows and what they rest on
(built by :func:`coding.agreement.report.agreement_report`, worded by
:mod:`coding.agreement.methods`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from coding.agreement.bootstrap import Bootstrap, Interval
from coding.agreement.breakdowns import Breakdown, DriftBasis, DriftRow
from coding.agreement.loading import Scope, TranscriptInfo
from coding.agreement.periods import Period, coded_under_words
from coding.agreement.rows import (
    DEFAULT_THRESHOLD,
    Cell,
    CodeRow,
    Column,
    Metric,
    interval_text,
)
from coding.codebook.selectors import Codebook, CodeNode
from coding.models import Layer


@dataclass
class ReportParams:
    layers: list[Layer]
    scope: Scope = field(default_factory=Scope)
    root_code: int | None = None
    threshold: float = DEFAULT_THRESHOLD
    expert: bool = False
    by: str = ""  # "", "group", "wave", "design", "drift"
    focus: int | None = None  # a code: per-transcript table
    sort: str = "code"
    # Bootstrap replicates for alpha's confidence interval (0: none) and the RNG seed.
    bootstrap: int = 0
    seed: int = 1


@dataclass
class TranscriptRow:
    info: TranscriptInfo
    row: CodeRow | None  # None: fewer than two layers worked on it


@dataclass
class Report:
    layers: list[Layer]
    keys: list[str]
    params: ReportParams
    book: Codebook
    transcripts: list[TranscriptInfo]
    rows: list[CodeRow]
    pooled_note: str
    worked_on: list[tuple[Layer, int, list[TranscriptInfo]]]  # (layer, n, missing from)
    pairable: int  # transcripts with two or more compared layers
    skipped: int
    breakdown: Breakdown | None = None
    drift: list[DriftRow] | None = None
    drift_columns: list[Column] | None = None
    drift_basis: DriftBasis | None = None
    focus: CodeNode | None = None
    focus_rows: list[TranscriptRow] | None = None
    alpha_u_overall: Metric | None = None
    u_alpha_binary: Metric | None = None
    u_alpha_nominal: Metric | None = None
    is_partition: bool | None = None
    seg_total: Metric | None = None
    seg_kappa_bp: Metric | None = None
    seg_threshold: float | None = None
    seg_disagreements: int | None = None
    per_transcript: list[tuple[TranscriptInfo, CodeRow]] = field(default_factory=list)
    headline: Cell | None = None  # every used code pooled (each character x code a unit)
    n_codes_used: int = 0  # codes a compared layer applied in scope (each pooled in headline)
    n_categories_used: int = 0  # of them, codes with subcodes (applied themselves)
    summary: str = ""  # the methods-section paragraph
    bootstrap: Bootstrap | None = None  # how alpha's intervals were drawn (None: not asked)
    headline_ci: Interval | None = None
    # Under which codebook the compared segments were coded: (period, segments), time order,
    # overall and per code row (rolled up like the row), see coding/agreement/periods.py.
    coded_under: list[tuple[Period, int]] = field(default_factory=list)
    coded_under_by_code: dict[int, list[tuple[Period, int]]] = field(default_factory=dict)

    @property
    def coded_under_text(self) -> str:
        return coded_under_words(self.coded_under)

    @property
    def headline_ci_text(self) -> str:
        return interval_text(self.headline_ci)

    @property
    def compared(self) -> list[TranscriptInfo]:
        """The transcripts two or more compared layers worked on: what alpha rests on."""
        return [t for t in self.transcripts if len(t.layers) >= 2]

    @property
    def two(self) -> bool:
        return len(self.layers) == 2

    @property
    def below(self) -> list[CodeRow]:
        return [r for r in self.rows if r.status == "below"]
