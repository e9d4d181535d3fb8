"""The load test's own PostgreSQL database and gunicorn, on the loopback interface only."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
HOST = "127.0.0.1"


def database_url() -> str:
    """The DATABASE_URL of the configured database, which must be a PostgreSQL database
    whose name says it is the load test's (it is dropped and created again)."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise RuntimeError(
            "The load test needs PostgreSQL: set DATABASE_URL=postgres://…/wb_loadtest."
        )
    if "loadtest" not in db["NAME"]:
        raise RuntimeError(
            f"Refusing to drop and rebuild the database {db['NAME']!r}: its name must contain "
            "'loadtest' (e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/wb_loadtest)."
        )
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{db['NAME']}"


def _maintenance(sql: str) -> None:
    import psycopg

    db = settings.DATABASES["default"]
    with psycopg.connect(
        dbname="postgres",
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        autocommit=True,
    ) as conn:
        conn.execute(sql)


def recreate_database() -> None:
    from django.db import connections

    name = settings.DATABASES["default"]["NAME"]
    database_url()  # refuses anything but a *loadtest* PostgreSQL database
    connections.close_all()
    _maintenance(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _maintenance(f'CREATE DATABASE "{name}"')


def drop_database() -> None:
    from django.db import connections

    name = settings.DATABASES["default"]["NAME"]
    database_url()
    connections.close_all()
    _maintenance(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def workers_cpu_seconds(master_pid: int) -> float:
    """CPU time (user + system) the gunicorn workers under ``master_pid`` have used so far,
    from /proc (0.0 where /proc is missing). Unlike latency it hardly depends on what else
    the machine is running, so it compares two versions of the app on a busy machine."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    try:
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    except OSError:
        return 0.0
    total = 0
    for pid in children:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / ticks


@dataclass
class Server:
    base_url: str
    pid: int


@contextmanager
def gunicorn(*, workers: int, worker_class: str, threads: int, env: dict[str, str], log):
    """Serve the project with gunicorn on 127.0.0.1 until the block ends (the server is
    stopped however the block ends). Yields the :class:`Server`."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "workbench.wsgi:application",
        "--config",
        str(BASE_DIR / "gunicorn.conf.py"),
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
        "--threads",
        str(threads),
        "--timeout",
        "60",
    ]
    full_env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": f"{HOST},localhost",
        **env,
    }
    log_path = BASE_DIR / "var" / "loadtest-gunicorn.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as out:
        process = subprocess.Popen(
            command, cwd=BASE_DIR, env=full_env, stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://{HOST}:{port}"
    try:
        _wait_until_up(base, process, log_path)
        log.write(f"gunicorn {worker_class} x{workers} (threads {threads}) on {base}\n")
        yield Server(base, process.pid)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        log.write(f"gunicorn stopped (log: {log_path})\n")


def _wait_until_up(base: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode}); see {log_path}")
        try:
            with urllib.request.urlopen(base + "/accounts/login/", timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer within 60 s; see {log_path}")
