"""``python manage.py loadtest``: simulated coders against gunicorn and PostgreSQL.

Drops and builds its own database (its name must contain ``loadtest``), seeds the demo
study with one coder layer per simulated coder, serves it with gunicorn on 127.0.0.1, runs
the coders (:mod:`workbench.loadtest.driver`), checks every acknowledged write against the
database and prints the latencies and PASS/FAIL (:mod:`workbench.loadtest.report`).
"""

from __future__ import annotations

import json
import secrets
import signal
import sys
import time

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from workbench.loadtest import driver, report, server


class Command(BaseCommand):
    help = "Load-test the coding page: N coders against gunicorn + PostgreSQL (loopback only)."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=30, help=f"at most {driver.MAX_USERS}")
        parser.add_argument(
            "--duration",
            type=float,
            default=120.0,
            help=f"seconds, at most {driver.MAX_DURATION:.0f}",
        )
        parser.add_argument(
            "--think",
            type=float,
            default=5.0,
            help="mean pause between a coder's actions in seconds (uniform 0.5x–1.5x; "
            f"0 = none; at most {driver.MAX_THINK:.0f})",
        )
        parser.add_argument(
            "--ramp", type=float, default=30.0, help="seconds over which the coders log in"
        )
        parser.add_argument("--workers", type=int, default=3)
        parser.add_argument("--worker-class", default="sync", choices=("sync", "gthread"))
        parser.add_argument("--threads", type=int, default=1, help="per worker (gthread)")
        parser.add_argument("--seed", type=int, default=12)
        parser.add_argument("--out", help="write the results as JSON to this file")
        parser.add_argument("--keep-db", action="store_true", help="keep the database afterwards")
        parser.add_argument(
            "--reuse-db",
            action="store_true",
            help="use the database a --keep-db run left (skips the seed; its segments stay)",
        )

    def handle(self, *args, **opts):
        log = sys.stderr
        # A SIGTERM (timeout, a CI job cancelled) ends the run like Ctrl+C: gunicorn is stopped
        # and the database dropped by the finally blocks below.
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
        users = max(1, min(opts["users"], driver.MAX_USERS))
        try:
            url = server.database_url()
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        try:
            if not opts["reuse_db"]:
                started = time.monotonic()
                server.recreate_database()
                call_command("migrate", verbosity=0, interactive=False)
                self._seed(users, log)
                log.write(f"database built in {time.monotonic() - started:.0f} s\n")
            plan = self._plan(users, opts)
            with server.gunicorn(
                workers=opts["workers"],
                worker_class=opts["worker_class"],
                threads=opts["threads"],
                env={"DATABASE_URL": url},
                log=log,
            ) as served:
                plan.base_url = served.base_url
                log.write(
                    f"{users} coders for {plan.duration:.0f} s, think time {plan.think} s …\n"
                )
                cpu_before = server.workers_cpu_seconds(served.pid)
                run = driver.run_coders(
                    plan, on_logged_in=lambda: server.workers_cpu_seconds(served.pid)
                )
                cpu_after = server.workers_cpu_seconds(served.pid)
            summary = report.summarise(
                run,
                server_cpu_s=cpu_after - cpu_before,
                cpu_after_logins_s=(
                    cpu_after - run.stats.at_logged_in if run.stats.at_logged_in else None
                ),
            )
            rows, twins = report.database_state(run.ledger)
            problems = report.verify_ledger(run.ledger, rows, twins)
            result = report.verdict(summary, problems)
            result.update(
                {
                    "acknowledged_creates": len(run.ledger.created),
                    "acknowledged_deletes": len(run.ledger.deleted),
                    "think_s": plan.think,
                    "server": {
                        "workers": opts["workers"],
                        "worker_class": opts["worker_class"],
                        "threads": opts["threads"],
                    },
                }
            )
            self.stdout.write(report.format_table(summary, result))
            self.stdout.write(
                f"acknowledged: {result['acknowledged_creates']} segments created, "
                f"{result['acknowledged_deletes']} deleted"
            )
            if opts["out"]:
                with open(opts["out"], "w") as out:
                    json.dump({**summary, **result}, out, indent=2)
        finally:
            if not (opts["keep_db"] or opts["reuse_db"]):
                server.drop_database()
        if not result["pass"]:
            raise CommandError("load test FAILED")

    def _seed(self, users: int, log) -> None:
        from workbench.demo.build import build_demo_study

        User = get_user_model()
        owner, _ = User.objects.get_or_create(username="pi")
        build_demo_study(coders=users, owner=owner, stdout=log)
        password = secrets.token_urlsafe(12)
        # One hash for all (hashing is slow on purpose); each coder logs in with it.
        User.objects.filter(username__startswith="coder").update(password=make_password(password))
        self._password = password

    def _plan(self, users: int, opts) -> driver.Plan:
        from studies.models import Study, Transcript
        from workbench.demo.build import DEMO_STUDY_NAME

        User = get_user_model()
        password = getattr(self, "_password", None) or secrets.token_urlsafe(12)
        names = [f"coder{i}" for i in range(1, users + 1)]
        User.objects.filter(username__in=names).update(password=make_password(password))
        study = Study.objects.get(name=DEMO_STUDY_NAME)
        texts = dict(Transcript.objects.filter(study=study).values_list("pk", "text"))
        return driver.Plan(
            base_url="",
            study=study.pk,
            texts=texts,
            usernames=names,
            password=password,
            duration=opts["duration"],
            think=opts["think"],
            ramp=opts["ramp"],
            seed=opts["seed"],
        )
