"""What a load run measured, whether the acknowledged writes are all in the database, and
PASS/FAIL against the targets of issue 12 ("Under load")."""

from __future__ import annotations

from collections import Counter
from typing import Any

from workbench.loadtest.driver import OPERATIONS, Ledger, Run

TARGET_WRITE_P95_MS = 500.0
WRITE_OPERATIONS = ("create", "delete")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    position = (len(ordered) - 1) * q
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def summarise(
    run: Run, *, server_cpu_s: float | None = None, cpu_after_logins_s: float | None = None
) -> dict[str, Any]:
    """Latencies per operation and of all writes, requests/s, errors; with the server's CPU
    seconds, also its CPU milliseconds per request, overall and once everyone had logged in
    (a login checks a slow password hash on purpose)."""
    ops: dict[str, Any] = {}
    every = [*OPERATIONS, *(k for k in run.stats.latencies if k not in OPERATIONS)]
    for op in every:
        values = run.stats.latencies.get(op, [])
        if not values:
            continue
        ops[op] = {
            "n": len(values),
            "p50_ms": round(percentile(values, 0.5) * 1000, 1),
            "p95_ms": round(percentile(values, 0.95) * 1000, 1),
            "max_ms": round(max(values) * 1000, 1),
            "errors": run.stats.errors.get(op, 0),
        }
    writes = [v for op in WRITE_OPERATIONS for v in run.stats.latencies.get(op, [])]
    requests = sum(len(v) for v in run.stats.latencies.values())
    return {
        "users": run.users,
        "seconds": round(run.seconds, 1),
        "requests": requests,
        "requests_per_s": round(requests / run.seconds, 1) if run.seconds else 0.0,
        "operations": ops,
        "write": {
            "n": len(writes),
            "p50_ms": round(percentile(writes, 0.5) * 1000, 1),
            "p95_ms": round(percentile(writes, 0.95) * 1000, 1),
            "max_ms": round(max(writes, default=0.0) * 1000, 1),
        },
        "errors": sum(run.stats.errors.values()),
        "error_samples": run.stats.error_samples,
        "server_cpu_s": None if server_cpu_s is None else round(server_cpu_s, 1),
        "server_cpu_ms_per_request": (
            round(server_cpu_s * 1000 / requests, 1) if server_cpu_s and requests else None
        ),
        "server_cpu_ms_per_request_after_logins": _per_request(
            cpu_after_logins_s, requests - (run.stats.requests_at_logged_in or 0)
        ),
    }


def _per_request(cpu_s: float | None, requests: int) -> float | None:
    return round(cpu_s * 1000 / requests, 1) if cpu_s and requests > 0 else None


def verify_ledger(ledger: Ledger, rows: dict[int, tuple], twins: dict[tuple, int]) -> list[str]:
    """Problems with the acknowledged writes, given what the database holds.

    ``rows``: ``{segment id: (transcript id, username, code id, start, end)}`` for every id
    the ledger names that still exists; ``twins``: how many segments exist for each
    ``(transcript id, username, code id, start, end)`` of an acknowledged create. Every
    acknowledged create must exist exactly once, where it was acknowledged, unless its
    delete was acknowledged; every acknowledged delete must be gone.
    """
    problems: list[str] = []
    deleted = set(ledger.deleted)
    for pk, n in Counter(c.id for c in ledger.created).items():
        if n > 1:
            problems.append(f"segment {pk} was acknowledged as created {n} times")
    for pk, n in Counter(ledger.deleted).items():
        if n > 1:
            problems.append(f"segment {pk} was acknowledged as deleted {n} times")
    created_ids = {c.id for c in ledger.created}
    for pk in deleted - created_ids:
        problems.append(f"segment {pk} was deleted but never acknowledged as created")
    for item in ledger.created:
        key = (item.transcript, item.username, item.code, item.start, item.end)
        if item.id in deleted:
            if item.id in rows:
                problems.append(f"segment {item.id} was acknowledged as deleted but is still there")
            continue
        if item.id not in rows:
            problems.append(f"segment {item.id} was acknowledged as created but is missing")
        elif rows[item.id] != key:
            problems.append(f"segment {item.id} is stored as {rows[item.id]}, acknowledged {key}")
        if twins.get(key, 0) > 1:
            problems.append(f"{twins[key]} segments for {key} (acknowledged once)")
    return problems


def database_state(ledger: Ledger) -> tuple[dict[int, tuple], dict[tuple, int]]:
    """Read the rows :func:`verify_ledger` compares (two queries per 5,000 ids)."""
    from django.db.models import Count

    from coding.models import Segment

    ids = sorted({c.id for c in ledger.created} | set(ledger.deleted))
    rows: dict[int, tuple] = {}
    for first in range(0, len(ids), 5000):
        chunk = ids[first : first + 5000]
        for pk, *values in Segment.objects.filter(pk__in=chunk).values_list(
            "pk", "transcript_id", "layer__user__username", "code_id", "start", "end"
        ):
            rows[pk] = tuple(values)
    keys = {(c.transcript, c.username, c.code, c.start, c.end) for c in ledger.created}
    transcripts = sorted({k[0] for k in keys})
    twins: dict[tuple, int] = {}
    for first in range(0, len(transcripts), 500):
        counted = (
            Segment.objects.filter(transcript_id__in=transcripts[first : first + 500])
            .values_list("transcript_id", "layer__user__username", "code_id", "start", "end")
            .annotate(n=Count("pk"))
        )
        for *key, n in counted:
            if tuple(key) in keys:
                twins[tuple(key)] = n
    return rows, twins


def verdict(summary: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    checks = {
        "write_p95_under_500_ms": summary["write"]["n"] > 0
        and summary["write"]["p95_ms"] < TARGET_WRITE_P95_MS,
        "no_errors": summary["errors"] == 0,
        "every_acknowledged_write_present_once": not problems,
    }
    return {"pass": all(checks.values()), "checks": checks, "ledger_problems": problems[:50]}


def format_table(summary: dict[str, Any], result: dict[str, Any]) -> str:
    lines = [
        f"{summary['users']} coders, {summary['seconds']} s, {summary['requests']} requests, "
        f"{summary['requests_per_s']} requests/s, {summary['errors']} errors",
    ]
    if summary.get("server_cpu_ms_per_request"):
        lines.append(
            f"gunicorn workers: {summary['server_cpu_s']} s CPU, "
            f"{summary['server_cpu_ms_per_request']} ms CPU per request, "
            f"{summary['server_cpu_ms_per_request_after_logins']} once all had logged in"
        )
    lines += [
        f"{'operation':<12}{'n':>7}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}{'errors':>8}",
    ]
    for op, s in summary["operations"].items():
        lines.append(
            f"{op:<12}{s['n']:>7}{s['p50_ms']:>10}{s['p95_ms']:>10}{s['max_ms']:>10}{s['errors']:>8}"
        )
    w = summary["write"]
    lines.append(
        f"{'write (all)':<12}{w['n']:>7}{w['p50_ms']:>10}{w['p95_ms']:>10}{w['max_ms']:>10}"
    )
    for sample in summary["error_samples"][:5]:
        lines.append(f"  error: {sample}")
    for problem in result["ledger_problems"][:10]:
        lines.append(f"  ledger: {problem}")
    for name, ok in result["checks"].items():
        lines.append(f"{'PASS' if ok else 'FAIL'}  {name}")
    lines.append("PASS" if result["pass"] else "FAIL")
    return "\n".join(lines)
