"""The servers and data of ``make bench-taguette`` (see ``workbench/bench/taguette.py``): a
fresh database per density, the loader subprocess, gunicorn, a logged-in client, and
Taguette's project built as its benchmark script builds it. Everything runs on 127.0.0.1."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

from django.conf import settings

HOST = "127.0.0.1"
SERVER_SETTINGS = "workbench.bench.server_settings"


# --- the workbench server ---------------------------------------------------------------


class Database:
    """A fresh database for one density: an SQLite file in ``workdir``, or, when
    ``DATABASE_URL`` names PostgreSQL, a database ``<name>_taguette_<h>`` created and dropped
    beside it."""

    def __init__(self, workdir: str, highlights: int):
        base = os.environ.get("DATABASE_URL", "")
        self.pg = base.startswith(("postgres://", "postgresql://"))
        if self.pg:
            parts = urllib.parse.urlsplit(base)
            self.name = f"{parts.path.lstrip('/') or 'workbench'}_taguette_{highlights}"
            self.admin_url = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
            self.url = urllib.parse.urlunsplit(parts._replace(path="/" + self.name))
        else:
            self.url = f"sqlite:///{workdir}/workbench_{highlights}.sqlite3"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(sql)

    def create(self) -> None:
        if self.pg:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}"')
            self._admin(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        if self.pg:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def server_env(db_url: str) -> dict:
    """Production-like settings: DEBUG off, a throw-away key, static files from the finders."""
    env = dict(os.environ, DATABASE_URL=db_url, DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50))
    env["DJANGO_SETTINGS_MODULE"] = SERVER_SETTINGS
    env["CONN_MAX_AGE"] = "60"  # persistent connections, as the README's deployment
    env["WORKBENCH_JOB_MIN_SEGMENTS"] = str(2**62)  # nothing here is a background job
    env.pop("PYTEST_VERSION", None)
    return env


def load_into(env: dict, workload: Path, workdir: str) -> dict:
    """Migrate the fresh database and load the workload in a subprocess; its ids and logins."""
    info = Path(workdir) / f"{workload.stem}.info.json"
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "bench_taguette",
            "--load",
            str(workload),
            "--info",
            str(info),
        ],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        timeout=1200,
    )
    return json.loads(info.read_text(encoding="utf-8"))


class Gunicorn:
    def __init__(self, tb, env: dict, workdir: str):
        self.port = tb.free_port()
        self.log_path = Path(workdir) / f"gunicorn_{self.port}.log"
        self.env = env
        self.proc = None

    def start(self, tb, timeout: float = 60) -> None:
        self.logf = open(self.log_path, "w")  # noqa: SIM115 (open while the server runs)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "workbench.wsgi", "--workers", "1"]
            + ["--bind", f"{HOST}:{self.port}", "--timeout", "300", "--log-level", "warning"],
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=self.logf,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit("gunicorn exited early:\n" + self.log_path.read_text()[-3000:])
            try:
                status = tb.Client(self.port).request("GET", "/accounts/login/", expect=None)[0]
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit("gunicorn not ready:\n" + self.log_path.read_text()[-3000:])

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self.proc is not None:
            self.logf.close()


def workbench_login(tb, port: int, username: str, password: str):
    """A cookie-keeping client logged in through the login form, as a person does."""
    client = tb.Client(port)
    client.request("GET", "/accounts/login/")
    body = urllib.parse.urlencode(
        {
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": client.cookies["csrftoken"],
        }
    ).encode()
    client.request(
        "POST",
        "/accounts/login/",
        body,
        {"Content-Type": "application/x-www-form-urlencoded"},
        expect=302,
    )
    return client


# --- Taguette ---------------------------------------------------------------------------


def taguette_project(tb, server, args) -> dict:
    """Build Taguette's project exactly as the script's ``_bench`` does (same generator and
    seed): log in, project, tags and documents through its HTTP API, highlights seeded
    through its models by the script's ``_seed`` helper."""
    tag_paths, wl_docs = tb.generate_workload(args)
    cl = tb.Client(server.port)
    cl.request("GET", "/?token=" + server.token, expect=302)
    cl.request("GET", "/project/new")
    _, r, _ = cl.request(
        "POST",
        "/project/new",
        urllib.parse.urlencode(
            {"name": "bench", "description": "benchmark", "_xsrf": cl.cookies["_xsrf"]}
        ).encode(),
        {"Content-Type": "application/x-www-form-urlencoded"},
        expect=303,
    )
    pid = int(re.search(r"/project/(\d+)$", r.getheader("Location")).group(1))
    page = cl.request("GET", f"/project/{pid}")[2].decode("utf-8")
    m = re.search(r"var tags = (\{.*?\});\n", page)
    for tid in json.loads(m.group(1)) if m else []:
        cl.delete(f"/api/project/{pid}/tag/{tid}")  # the default tag
    tag_ids = {
        path: cl.post_json(f"/api/project/{pid}/tag/new", {"path": path, "description": ""})["id"]
        for path in tag_paths
    }
    docs = []
    for wd in wl_docs:
        boundary = secrets.token_hex(16)
        parts = [
            (f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n').encode()
            for k, v in (
                ("name", wd["name"]),
                ("description", "transcript"),
                ("text_direction", "LEFT_TO_RIGHT"),
            )
        ]
        parts.append(
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="{wd["name"]}.html"\r\nContent-Type: text/html\r\n\r\n'
            ).encode()
            + tb.document_html(wd["name"], wd["paras"])
            + b"\r\n"
        )
        parts.append(f"--{boundary}--\r\n".encode())
        _, _, data = cl.request(
            "POST",
            f"/api/project/{pid}/document/new?_xsrf={cl.xsrf()}",
            b"".join(parts),
            {"Content-Type": "multipart/form-data; boundary=" + boundary},
        )
        docs.append((json.loads(data)["created"], wd["text"]))
    ids = [tag_ids[p] for p in tag_paths]
    spec = {
        "db_url": "sqlite:///" + server.db_path,
        "project_id": pid,
        "user": "admin",
        "seed": args.seed,
        "verify_per_doc": 3,
        "documents": [],
    }
    for (doc_id, dt), wd in zip(docs, wl_docs, strict=True):
        hls = [[*dt.to_bytes(s, e), [ids[k] for k in tags]] for s, e, tags in wd["highlights"]]
        spec["documents"].append({"id": doc_id, "text_sha256": dt.sha256, "highlights": hls})
    spec_path = Path(server.workdir) / "seed.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    out = subprocess.run(
        [tb.venv_python(args.venv), tb.__file__, "_seed", str(spec_path)],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    if out.returncode != 0:
        raise SystemExit("Taguette seeding failed:\n" + out.stderr[-3000:] + out.stdout[-3000:])
    return {
        "client": cl,
        "pid": pid,
        "docs": docs,
        "tag_ids": tag_ids,
        "tag_paths": tag_paths,
        "seeded": json.loads(out.stdout.strip().splitlines()[-1]),
    }
