"""Database connections: gunicorn workers keep theirs between requests on PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from workbench.settings import BASE_DIR

READ = (
    "import json, workbench.settings as s; d = s.DATABASES['default']; "
    "print(json.dumps([d['ENGINE'], d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS']]))"
)


def _database_settings(**env) -> list:
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CONN_MAX_AGE")}
    result = subprocess.run(
        [sys.executable, "-c", READ],
        env={**base, "DEBUG": "0", "SECRET_KEY": "x" * 50, **env},
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_postgresql_connections_persist_across_requests_by_default():
    # A new PostgreSQL connection per request forks a backend and re-reads the catalogue.
    engine, max_age, health = _database_settings(DATABASE_URL="postgres://u@127.0.0.1:5432/wb")

    assert engine == "django.db.backends.postgresql"
    assert max_age == 60
    assert health is True  # a connection the server closed is replaced, not used


@pytest.mark.parametrize("value", ["0", "300"])
def test_conn_max_age_in_the_environment_wins(value):
    _, max_age, _ = _database_settings(
        DATABASE_URL="postgres://u@127.0.0.1:5432/wb", CONN_MAX_AGE=value
    )

    assert max_age == int(value)


@pytest.mark.parametrize(("env", "expected"), [({}, 60), ({"CONN_MAX_AGE": "0"}, 0)])
def test_sqlite_keeps_its_connection_between_requests_as_postgresql_does(env, expected):
    # Closing it after every request cost a coding-page write a reconnect and a WAL
    # checkpoint, about 40 % of its CPU (issue 12); CONN_MAX_AGE=0 still closes it.
    engine, max_age, _ = _database_settings(**env)

    assert engine == "django.db.backends.sqlite3"
    assert max_age == expected


PRAGMAS = (
    "import django, json; django.setup(); from django.db import connection; "
    "c = connection.cursor(); "
    "print(json.dumps([c.execute(f'PRAGMA {p}').fetchone()[0] "
    "for p in ('journal_mode', 'synchronous')]))"
)


def _sqlite_pragmas(tmp_path, **env) -> list:
    base = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    result = subprocess.run(
        [sys.executable, "-c", PRAGMAS],
        env={
            **base,
            "DEBUG": "0",
            "SECRET_KEY": "x" * 50,
            "DJANGO_SETTINGS_MODULE": "workbench.settings",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            **env,
        },
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_sqlite_file_commits_to_its_write_ahead_log(tmp_path):
    # A rollback journal written, synced and deleted at every commit was most of a
    # coding-page write; the log is synced at checkpoints (NORMAL = 1).
    assert _sqlite_pragmas(tmp_path) == ["wal", 1]


def test_sqlite_syncs_every_commit_when_asked(tmp_path):
    assert _sqlite_pragmas(tmp_path, WORKBENCH_SQLITE_SYNCHRONOUS="full") == ["wal", 2]


# Two requests in two threads (each its own connection, as two gunicorn workers have) read
# and then write in one transaction each, at the same time, on the project's SQLite file.
CONCURRENT_WRITERS = """
import django, json, threading, time
django.setup()
from django.db import connection, transaction
with connection.cursor() as c:
    c.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT)")
connection.close()
errors, started = [], threading.Barrier(2)

def writer(who):
    try:
        started.wait()
        with transaction.atomic(), connection.cursor() as c:
            c.execute("SELECT COUNT(*) FROM t")  # a write's checks read first
            time.sleep(0.3)  # the other writer reads meanwhile
            c.execute("INSERT INTO t (who) VALUES (%s)", [who])
    except Exception as exc:
        errors.append(str(exc))
    finally:
        connection.close()

threads = [threading.Thread(target=writer, args=(w,)) for w in ("a", "b")]
for t in threads: t.start()
for t in threads: t.join()
with connection.cursor() as c:
    c.execute("SELECT who FROM t ORDER BY who")
    print(json.dumps({"rows": [r[0] for r in c.fetchall()], "errors": errors}))
"""


def test_concurrent_sqlite_writers_queue_instead_of_failing(tmp_path):
    # A deferred transaction reads under a shared lock and fails with "database is
    # locked" when it then writes while another writer holds the lock; BEGIN IMMEDIATE
    # takes the write lock first, so the second writer waits its turn (``timeout``).
    result = subprocess.run(
        [sys.executable, "-c", CONCURRENT_WRITERS],
        env={
            **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
            "DEBUG": "0",
            "SECRET_KEY": "x" * 50,
            "DJANGO_SETTINGS_MODULE": "workbench.settings",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        },
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr

    assert json.loads(result.stdout) == {"rows": ["a", "b"], "errors": []}
