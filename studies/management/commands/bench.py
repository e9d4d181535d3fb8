"""``python manage.py bench [--scale N] [--only KEY ...]``: one JSON object on stdout."""

from __future__ import annotations

import importlib
import json
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.test.utils import setup_databases, teardown_databases

from workbench.bench import harness as bench

# Modules that register operations with @bench.operation.
OPERATION_MODULES = [
    "workbench.bench.workload",
    "workbench.bench.coding_page",
    "workbench.bench.coding_writes",
    "workbench.bench.retrieval",
    "workbench.bench.search",
    "workbench.bench.agreement",
    "workbench.bench.compare",
    "workbench.bench.qdpx",
    "workbench.bench.exports",
    "workbench.bench.uploads",
]


class Command(BaseCommand):
    help = "Build the benchmark workload in a fresh database and time the operations (JSON)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=1, help="1 = seed scale, 10 = 10x.")
        parser.add_argument("--only", nargs="*", default=None, help="Bench keys to run.")
        parser.add_argument("--keep", action="store_true", help="Keep the bench database.")

    def handle(self, *args, scale: int, only, keep: bool, **options):
        for module in OPERATION_MODULES:
            try:
                importlib.import_module(module)
            except ModuleNotFoundError as exc:
                if exc.name != module:
                    raise
        settings.DEBUG = False
        # Exports are timed as answered in the request: above this many segments the views
        # hand them to a background job instead (timed as such by segments_export_job).
        settings.WORKBENCH_JOB_MIN_SEGMENTS = 2**62
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        log = sys.stderr
        old_config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        results: dict[str, dict] = {}
        try:
            from workbench.bench.workload import build_workload

            started = time.perf_counter()
            ctx = build_workload(scale=scale, log=log)
            log.write(f"workload built in {time.perf_counter() - started:.1f} s\n")
            for key, (fn, n, warmup) in bench.OPERATIONS.items():
                if only and key not in only:
                    continue
                log.write(f"timing {key} ...\n")
                runner = fn(ctx)
                if runner is None:
                    continue
                if isinstance(runner, dict):  # an operation that measured itself
                    results.update(runner)
                else:
                    results[key] = bench.measure(runner, n=n, warmup=warmup)
        finally:
            if not keep:
                teardown_databases(old_config, verbosity=0)
        self.stdout.write(json.dumps(results, indent=2))
