"""How ``make bench-taguette`` interleaves the two tools' requests (no server is started)."""

from __future__ import annotations

import time

from workbench.bench.taguette import interleave, table


def test_requests_alternate_and_the_warm_up_is_not_timed():
    calls = []

    def tool(name):
        def run(i):
            calls.append((name, i))
            return float(100 * (name == "b") + i)

        return run

    a, b = interleave(tool("a"), tool("b"), warmup=2, n=3)

    # b goes first on odd rounds, so neither tool always runs on a cache the other warmed.
    assert calls == [(x, i) for i in range(5) for x in (("a", "b") if i % 2 == 0 else ("b", "a"))]
    assert a == [2.0, 3.0, 4.0] and b == [102.0, 103.0, 104.0]


def test_a_slow_operation_stops_after_its_budget_with_at_least_three_rounds():
    def slow(i):
        time.sleep(0.03)

    a, b = interleave(slow, slow, warmup=5, n=1000, budget_s=0.2)

    assert 3 <= len(a) == len(b) <= 6
    assert all(ms >= 25 for ms in a + b)  # wall-clock ms when the call measures nothing


def test_the_table_gives_one_ratio_column_per_density():
    def density(h, ratio):
        op = {"workbench_ms": 1.0, "taguette_ms": 1.0 / ratio, "ratio": ratio, "n": 3}
        return {"highlights_per_document": h, "ops": {"open_server": op}}

    text = table({"densities": [density(300, 0.46), density(1200, 0.044)]})

    assert text.splitlines()[0] == "| operation | 300 highlights/doc | 1,200 highlights/doc |"
    assert "| open a document, server | 0.46 | 0.044 |" in text


def test_each_tool_settles_after_its_call_before_the_other_is_timed():
    # A browser run leaves its renderer painting; the other tool's timed run must not share
    # the machine with that, so interleave settles the tool that ran, outside both timings.
    calls = []

    def tool(name):
        def run(i):
            calls.append(name)
            time.sleep(0.001)

        return run

    def settle(name):
        def run():
            calls.append("settle " + name)
            time.sleep(0.05)  # not part of either tool's sample

        return run

    a, b = interleave(tool("a"), tool("b"), warmup=1, n=2, settle=(settle("a"), settle("b")))

    # Each call is followed by its own tool's settle, b first on odd rounds as before.
    firsts = [("a", "b"), ("b", "a"), ("a", "b")]
    assert calls == [step for pair in firsts for x in pair for step in (x, "settle " + x)]
    assert all(ms < 40 for ms in a + b)
