"""``python manage.py bench_taguette``: the workbench and Taguette side by side on Taguette's
workload (see ``workbench/bench/taguette.py``); prints the ratio table, ``--out`` writes JSON.

``--load FILE --info FILE`` is the step the driver runs in a subprocess against the fresh
database named by ``DATABASE_URL``: migrate, load the dumped workload, write the ids and a
login for the coder."""

from __future__ import annotations

import argparse
import json
import secrets
import signal
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Time the workbench against Taguette 1.5.2 on Taguette's workload (ratio table)."

    def add_arguments(self, parser):
        from workbench.bench.taguette import script_path

        parser.add_argument("--highlights", type=int, nargs="+", default=[300, 1200])
        parser.add_argument("--docs", type=int, default=20)
        parser.add_argument("--chars", type=int, default=60_000)
        parser.add_argument("--tags", type=int, default=40)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--warmup", type=int, default=2)
        parser.add_argument("--repeat", "-n", type=int, default=10)
        parser.add_argument("--browser-warmup", type=int, default=0)
        parser.add_argument("--browser-repeat", type=int, default=3)
        parser.add_argument(
            "--budget",
            type=float,
            default=60,
            help="Seconds per operation after which timing stops (at least 3 rounds; 0: none).",
        )
        parser.add_argument("--only", nargs="+", help="Operations to time (keys of the JSON).")
        parser.add_argument("--no-browser", dest="browser", action="store_false")
        parser.add_argument("--venv", default=None, help="Taguette's venv (the script's default)")
        parser.add_argument("--script", default=None, help=f"taguette_bench.py ({script_path()})")
        parser.add_argument("--keep", action="store_true", help="Keep the work folder.")
        parser.add_argument("--out", help="Also write the JSON result here.")
        parser.add_argument(
            "--screenshots", help="Save each tool's page after the browser runs here."
        )
        parser.add_argument("--load", help="(internal) load this dumped workload and exit")
        parser.add_argument("--info", help="(internal) where --load writes ids and the login")

    def handle(self, *args, **options):
        if options["load"]:
            return self.load(options["load"], options["info"])
        from workbench.bench import taguette

        if min([*options["highlights"], options["repeat"], options["browser_repeat"]]) < 1:
            raise SystemExit("highlights and repeat counts must be >= 1")
        keys = (
            "highlights docs chars tags seed warmup repeat browser_warmup browser_repeat budget "
            "browser keep script venv screenshots out only"
        )
        args = argparse.Namespace(**{k: options[k] for k in keys.split()})
        # A SIGTERM (timeout, Ctrl+C in make) stops the servers through the finally blocks.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        result = taguette.run(args)
        text = json.dumps(result, indent=2, ensure_ascii=False)
        if options["out"]:
            with open(options["out"], "w", encoding="utf-8") as fp:
                fp.write(text + "\n")
        sys.stderr.write(text + "\n")
        self.stdout.write(taguette.table(result))

    def load(self, workload: str, info_path: str):
        from django.contrib.auth import get_user_model

        from workbench import tokens
        from workbench.bench.taguette_load import CODER, load_workload, read_workload

        call_command("migrate", verbosity=0, interactive=False)
        loaded = load_workload(read_workload(workload))
        password = secrets.token_urlsafe(16)
        coder = get_user_model().objects.get(username=CODER)
        coder.set_password(password)
        coder.save(update_fields=["password"])
        _, key = tokens.token_create(user=coder, name="bench", scope="write", days=1)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        info = {**loaded.as_json(), "username": CODER, "password": password, "token": key}
        with open(info_path, "w", encoding="utf-8") as fp:
            json.dump(info, fp)
