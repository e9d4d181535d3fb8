"""Compute the metrics of agreement test cases (``shared/agreement/cases.json`` format).

    python manage.py agreement_cases CASES.json --out RESULTS.json

Writes ``{case_name: {metric: value_or_null}}``: every metric in each case's ``expected``
and, for span kinds, every metric the kind supports (for every listed code).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from coding.agreement.character_level import character_agreement
from coding.agreement.segment_matching import segment_matching
from coding.agreement.spans import Document, Span
from coding.agreement.unitizing import u_alpha_2019, unitizing_alpha
from coding.agreement.units_by_coders import (
    ReliabilityResult,
    category_counts_coefficients,
    contingency_table_coefficients,
    reliability_matrix_coefficients,
)

SPAN_KINDS = {
    "cohen_kappa_chars": (
        "cohen_kappa[]",
        "percent_agreement[]",
        "alpha_binary[]",
        "fleiss_kappa[]",
    ),
    "alpha_chars": ("cohen_kappa[]", "percent_agreement[]", "alpha_binary[]", "fleiss_kappa[]"),
    "alpha_unitizing": ("alpha_u[]", "alpha_u_Do[]", "alpha_u_De[]", "alpha_u"),
    "u_alpha_2019": ("u_alpha", "u_alpha_binary", "u_alpha_binary[]"),
    "maxqda_segment": (
        "n_agree[]",
        "n_disagree[]",
        "segment_agreement[]",
        "segment_agreement",
        "kappa_bp",
    ),
}
TABLE_KINDS = ("reliability_matrix", "contingency_table", "category_counts")
TABLE_METRICS = {
    "alpha_nominal",
    "alpha_ordinal",
    "alpha_interval",
    "alpha_ratio",
    "percent_agreement",
    "fleiss_kappa",
    "gwet_ac1",
    "brennan_prediger",
    "cohen_kappa",
    "scott_pi",
}
METRIC = re.compile(r"^(?P<name>[A-Za-z_]+)(?:\[(?P<code>.*)\])?$")


class CaseError(Exception):
    pass


class Command(BaseCommand):
    help = "Compute inter-coder agreement metrics for a file of worked cases."

    def add_arguments(self, parser):
        parser.add_argument("cases", help="JSON file in the cases.json format")
        parser.add_argument("--out", help="write the results here (default: stdout)")

    def handle(self, *args, **options):
        path = Path(options["cases"])
        try:
            cases = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from exc
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"{path} is not valid JSON: {exc}") from exc
        if not isinstance(cases, list):
            raise CommandError(f"{path}: expected a JSON list of cases")
        results = {}
        for number, case in enumerate(cases):
            name = case.get("name") if isinstance(case, dict) else None
            label = name or f"case #{number}"
            if not name:
                raise CommandError(f"{label}: every case needs a name")
            try:
                results[name] = compute_case(case)
            except CaseError as exc:
                raise CommandError(f"{label}: {exc}") from exc
            except (KeyError, TypeError, ValueError) as exc:
                raise CommandError(f"{label}: invalid input ({exc!r})") from exc
        text = json.dumps(results, indent=1, ensure_ascii=False, allow_nan=False) + "\n"
        if options["out"]:
            try:
                Path(options["out"]).write_text(text, encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"cannot write {options['out']}: {exc}") from exc
        else:
            self.stdout.write(text, ending="")


def compute_case(case: dict[str, Any]) -> dict[str, Any]:
    kind = case.get("kind")
    data = case.get("input") or {}
    wanted = list((case.get("expected") or {}).keys())
    if kind in SPAN_KINDS:
        codes = _codes(data)
        templates = SPAN_KINDS[kind]
        if len(data.get("coders") or ()) != 2:
            # Cohen's kappa and segment matching compare exactly two layers.
            templates = tuple(t for t in templates if not t.startswith("cohen_kappa"))
        defaults = [
            template.replace("[]", f"[{code}]") if template.endswith("[]") else template
            for template in templates
            for code in (codes if template.endswith("[]") else [None])
        ]
        metrics = list(dict.fromkeys(defaults + wanted))
        return _span_metrics(kind, data, codes, metrics)
    if kind in TABLE_KINDS:
        result = _table_result(kind, data)
        out = {}
        for metric in wanted:
            if metric not in TABLE_METRICS:
                raise CaseError(f"unknown metric {metric!r} for kind {kind!r}")
            out[metric] = getattr(result, metric).value
        return out
    known = ", ".join([*SPAN_KINDS, *TABLE_KINDS])
    raise CaseError(f"unknown kind {kind!r} (known kinds: {known})")


def _codes(data: dict[str, Any]) -> list:
    codes = list(data.get("codes") or [])
    for span in data.get("spans", []):
        if span["code"] not in codes:
            codes.append(span["code"])
    return codes


def _document(data: dict[str, Any]) -> Document:
    spans = [
        Span(
            layer=span.get("coder", span.get("layer")),
            code=span["code"],
            start=span["start"],
            end=span["end"],
        )
        for span in data.get("spans", [])
    ]
    return Document(length=data["length"], spans=spans, layers=tuple(data["coders"]))


class _SpanResults:
    """Computes each analysis of a span case once, on first use."""

    def __init__(self, data: dict[str, Any], codes: list) -> None:
        self.data = data
        self.codes = codes
        self.documents = [_document(data)]
        self.layers = list(data["coders"])
        self._cache: dict[str, Any] = {}

    def get(self, analysis: str) -> Any:
        if analysis not in self._cache:
            self._cache[analysis] = self._compute(analysis)
        return self._cache[analysis]

    def _compute(self, analysis: str) -> Any:
        args = (self.documents, self.layers, self.codes)
        if analysis == "chars":
            return character_agreement(*args, include_documents=False)
        if analysis == "unitizing":
            return unitizing_alpha(*args, include_documents=False)
        if analysis == "u2019":
            return u_alpha_2019(
                *args, partition=self.data.get("partition"), include_documents=False
            )
        if analysis == "segments":
            return segment_matching(
                *args,
                min_overlap=self.data.get("min_overlap", 0.9),
                overlap_measure=self.data.get("overlap_measure", "iou"),
            )
        raise AssertionError(analysis)


PER_CODE = {
    "cohen_kappa": ("chars", lambda r: r.cohen_kappa.value),
    "percent_agreement": ("chars", lambda r: r.percent_agreement.value),
    "alpha_binary": ("chars", lambda r: r.alpha_binary.value),
    "fleiss_kappa": ("chars", lambda r: r.fleiss_kappa.value),
    "alpha_u": ("unitizing", lambda r: r.alpha.value),
    "alpha_u_Do": ("unitizing", lambda r: r.d_o),
    "alpha_u_De": ("unitizing", lambda r: r.d_e),
    "u_alpha_binary": ("u2019", lambda r: r.alpha.value),
    "n_agree": ("segments", lambda r: r.n_agree),
    "n_disagree": ("segments", lambda r: r.n_disagree),
    "segment_agreement": ("segments", lambda r: r.agreement.value),
}
OVERALL = {
    "alpha_u": ("unitizing", lambda r: r.overall.alpha.value),
    "u_alpha": ("u2019", lambda r: r.u_alpha.alpha.value),
    "u_alpha_binary": ("u2019", lambda r: r.u_alpha_binary.alpha.value),
    "segment_agreement": ("segments", lambda r: r.segment_agreement.value),
    "kappa_bp": ("segments", lambda r: r.kappa_bp.value),
}


def _span_metrics(kind: str, data: dict[str, Any], codes: list, metrics: list[str]) -> dict:
    results = _SpanResults(data, codes)
    by_label = {str(code): code for code in codes}
    out = {}
    for metric in metrics:
        match = METRIC.match(metric)
        if not match:
            raise CaseError(f"malformed metric name {metric!r}")
        name, label = match["name"], match["code"]
        if label is None:
            if name not in OVERALL:
                raise CaseError(f"unknown metric {metric!r} for kind {kind!r}")
            analysis, read = OVERALL[name]
            out[metric] = read(results.get(analysis))
        else:
            if name not in PER_CODE:
                raise CaseError(f"unknown metric {metric!r} for kind {kind!r}")
            if label not in by_label:
                raise CaseError(f"metric {metric!r} names a code that is not in the case")
            analysis, read = PER_CODE[name]
            out[metric] = read(results.get(analysis).per_code[by_label[label]])
    return out


def _table_result(kind: str, data: dict[str, Any]) -> ReliabilityResult:
    if kind == "reliability_matrix":
        return reliability_matrix_coefficients(data["units"], categories=data.get("categories"))
    if kind == "contingency_table":
        return contingency_table_coefficients(data["table"], categories=data["categories"])
    return category_counts_coefficients(data["counts"], categories=data["categories"])
