from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

HERE = Path(__file__).resolve()
# In CI the repository is cloned next to a copy of shared/; the committed copy stands in
# when it is missing, so these tests never silently skip.
SHARED_CASES = HERE.parents[2].parent / "shared" / "agreement" / "cases.json"
COPIED_CASES = HERE.parent / "data" / "agreement_cases.json"
CASES_FILE = SHARED_CASES if SHARED_CASES.is_file() else COPIED_CASES
CASES = json.loads(CASES_FILE.read_text(encoding="utf-8"))

SPAN_DEFAULTS = {
    "cohen_kappa_chars": ["percent_agreement", "alpha_binary", "fleiss_kappa"],
    "alpha_chars": ["percent_agreement", "alpha_binary", "fleiss_kappa"],
    "alpha_unitizing": ["alpha_u", "alpha_u_Do", "alpha_u_De"],
    "u_alpha_2019": ["u_alpha_binary"],
    "maxqda_segment": ["n_agree", "n_disagree", "segment_agreement"],
}


def run(tmp_path: Path, cases_file: Path) -> dict:
    out = tmp_path / "results.json"
    call_command("agreement_cases", str(cases_file), "--out", str(out))
    return json.loads(out.read_text(encoding="utf-8"))


def write_cases(tmp_path: Path, cases: list) -> Path:
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(cases), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict:
    return run(tmp_path_factory.mktemp("agreement"), CASES_FILE)


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_it_reproduces_the_expected_values(case, results):
    got = results[case["name"]]
    tolerance = case["tolerance"]
    wrong = {}
    for metric, expected in case["expected"].items():
        value = got.get(metric, "missing")
        if expected is None:
            ok = value is None
        else:
            ok = isinstance(value, int | float) and abs(value - expected) <= tolerance
        if not ok:
            wrong[metric] = {"expected": expected, "got": value}
    assert not wrong, f"{case['name']} (tolerance {tolerance}): {wrong}"


@pytest.mark.parametrize(
    "case",
    [case for case in CASES if case["kind"] in SPAN_DEFAULTS],
    ids=[case["name"] for case in CASES if case["kind"] in SPAN_DEFAULTS],
)
def test_span_kinds_report_every_supported_metric_for_every_code(case, results):
    got = results[case["name"]]
    for name in SPAN_DEFAULTS[case["kind"]]:
        for code in case["input"]["codes"]:
            assert f"{name}[{code}]" in got


def test_the_committed_copy_of_the_cases_is_usable():
    copied = json.loads(COPIED_CASES.read_text(encoding="utf-8"))
    assert len(copied) >= 25
    assert {case["name"] for case in copied} >= {"k2011_4coders_12units", "k2004_p254_unitizing"}


def test_it_writes_to_stdout_without_out(capsys):
    path = COPIED_CASES
    call_command("agreement_cases", str(path))
    printed = json.loads(capsys.readouterr().out)
    assert printed["nvivo_doc_1000chars"]["percent_agreement[node]"] == pytest.approx(0.85)


def test_it_rejects_an_unreadable_file(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("agreement_cases", str(tmp_path / "missing.json"))


def test_it_rejects_a_file_that_is_not_json(tmp_path):
    path = tmp_path / "cases.json"
    path.write_text("[{", encoding="utf-8")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("agreement_cases", str(path))


def test_it_rejects_an_unknown_kind(tmp_path):
    path = write_cases(tmp_path, [{"name": "odd", "kind": "gamma_mathet", "input": {}}])
    with pytest.raises(CommandError, match=r"odd: unknown kind 'gamma_mathet'"):
        call_command("agreement_cases", str(path))


def test_it_rejects_an_unknown_metric(tmp_path):
    case = {
        "name": "typo",
        "kind": "contingency_table",
        "input": {"categories": [0, 1], "table": [[3, 1], [0, 4]]},
        "expected": {"cohens_kappa": 0.5},
    }
    with pytest.raises(CommandError, match="unknown metric 'cohens_kappa'"):
        call_command("agreement_cases", str(write_cases(tmp_path, [case])))


def test_it_reports_undefined_metrics_as_null(tmp_path):
    case = {
        "name": "unused",
        "kind": "alpha_chars",
        "input": {"length": 10, "coders": ["A", "B", "C"], "codes": ["x"], "spans": []},
        "expected": {},
    }
    got = run(tmp_path, write_cases(tmp_path, [case]))["unused"]
    assert got["alpha_binary[x]"] is None
    assert got["fleiss_kappa[x]"] is None
    assert got["percent_agreement[x]"] == 1.0
    assert "cohen_kappa[x]" not in got  # three coders: no Cohen's kappa
