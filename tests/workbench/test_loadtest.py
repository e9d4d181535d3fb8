"""The load driver (``make loadtest``) against the live server: two coders for a few seconds
through the real login form and coding-page endpoints, and the check that every write the
server acknowledged is in the database exactly once."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest
from django.db import connection

from coding.models import Segment
from studies.models import Role
from tests import factories
from workbench.loadtest import driver, report, server

TEXT = factories.SAMPLE_TEXT.replace("\n", " ") * 12


@pytest.fixture
def plan(transactional_db, live_server, monkeypatch):
    if connection.vendor == "sqlite":
        # The live server shares one in-memory SQLite connection between its threads, which
        # cannot run two requests at once; PostgreSQL gets the coders' requests concurrently.
        one_at_a_time = threading.Lock()
        request = driver.Browser.request

        def serialised(self, *args, **kwargs):
            with one_at_a_time:
                return request(self, *args, **kwargs)

        monkeypatch.setattr(driver.Browser, "request", serialised)
    study = factories.make_study(name="Load")
    transcripts = [factories.make_transcript(study, text=TEXT) for _ in range(2)]
    for name in ("Role", "Trust", "Family"):
        factories.make_code(study, name=name)
    names = []
    for i in (1, 2):
        user = factories.make_user(username=f"load{i}", password="load-pw")
        factories.add_member(study, user, Role.CODER)
        factories.make_layer(study, user)
        names.append(user.username)
    # The live server's first answers load the templates and URL modules: not the load test.
    warm = driver.Browser(live_server.url)
    warm.request("GET", "/accounts/login/")
    return driver.Plan(
        base_url=live_server.url,
        study=study.pk,
        texts={t.pk: t.text for t in transcripts},
        usernames=names,
        password="load-pw",
        duration=5.0,
        think=0.05,
        ramp=0.0,
    )


def test_two_coders_code_and_remove_and_every_acknowledged_write_is_stored_once(plan):
    """...and the check fails for a missing, a kept or a doubled write."""
    run = driver.run_coders(plan)

    summary = report.summarise(run)
    assert summary["errors"] == 0, summary["error_samples"]
    assert summary["operations"]["login"]["n"] == 2
    assert summary["operations"]["page"]["n"] >= 2
    assert run.ledger.created and run.ledger.deleted
    # Independently of the report's check: each acknowledged create is stored at its offsets
    # with the words of the text there (code points), in its coder's layer; each delete is gone.
    deleted = set(run.ledger.deleted)
    for item in run.ledger.created:
        rows = list(Segment.objects.filter(pk=item.id).select_related("layer__user"))
        if item.id in deleted:
            assert rows == []
            continue
        (segment,) = rows
        assert (segment.start, segment.end, segment.code_id) == (item.start, item.end, item.code)
        assert segment.quote == TEXT[item.start : item.end]
        assert segment.layer.user.username == item.username
    rows, twins = report.database_state(run.ledger)
    result = report.verdict(summary, report.verify_ledger(run.ledger, rows, twins))
    assert result["checks"]["every_acknowledged_write_present_once"], result["ledger_problems"]
    assert result["checks"]["no_errors"]

    # The same check fails once the ledger holds a write the database does not.
    kept = next(c for c in run.ledger.created if c.id not in set(run.ledger.deleted))
    missing = driver.Created(10**9, kept.transcript, kept.username, kept.code, 0, 5)
    run.ledger.add_created(missing)  # acknowledged but never stored
    run.ledger.add_created(kept)  # the same id acknowledged twice
    undeleted = factories.make_segment(
        Segment.objects.get(pk=kept.id).transcript,
        Segment.objects.get(pk=kept.id).code,
        Segment.objects.get(pk=kept.id).layer,
        1,
        9,
    )
    run.ledger.add_created(
        driver.Created(undeleted.pk, kept.transcript, kept.username, kept.code, 1, 9)
    )
    run.ledger.add_deleted(undeleted.pk)  # acknowledged as deleted, still there

    rows, twins = report.database_state(run.ledger)
    problems = report.verify_ledger(run.ledger, rows, twins)
    result = report.verdict(report.summarise(run), problems)

    assert f"segment {missing.id} was acknowledged as created but is missing" in problems
    assert f"segment {kept.id} was acknowledged as created 2 times" in problems
    assert f"segment {undeleted.pk} was acknowledged as deleted but is still there" in problems
    assert not result["checks"]["every_acknowledged_write_present_once"]
    assert not result["pass"]
    assert "FAIL" in report.format_table(report.summarise(run), result).splitlines()[-1]


def test_a_segment_stored_twice_for_one_acknowledgement_fails_the_check():
    ledger = driver.Ledger()
    ledger.add_created(driver.Created(7, 1, "load1", 3, 10, 20))
    key = (1, "load1", 3, 10, 20)
    assert report.verify_ledger(ledger, {7: key}, {key: 1}) == []
    assert report.verify_ledger(ledger, {7: key}, {key: 2}) == [
        f"2 segments for {key} (acknowledged once)"
    ]


def test_it_talks_only_to_the_loopback_interface():
    with pytest.raises(ValueError, match="loopback"):
        driver.Browser("http://example.org:8000")
    assert driver.Browser("http://127.0.0.1:8000").host == "127.0.0.1"


def test_duration_think_time_and_users_are_bounded():
    plan = driver.Plan(
        base_url="http://127.0.0.1:1",
        study=1,
        texts={},
        usernames=[f"c{i}" for i in range(500)],
        password="",
        duration=10_000,
        think=1_000,
        ramp=1_000,
    ).bounded()
    assert plan.duration == driver.MAX_DURATION
    assert plan.think == driver.MAX_THINK
    assert plan.ramp == driver.MAX_DURATION / 2
    assert len(plan.usernames) == driver.MAX_USERS


def test_the_server_cpu_counts_the_workers_cpu_time():
    before = server.workers_cpu_seconds(os.getpid())
    busy = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time\nend = time.process_time() + 0.6\nwhile time.process_time() < end: pass\ntime.sleep(30)",
        ]
    )
    try:
        deadline = time.monotonic() + 20
        while server.workers_cpu_seconds(os.getpid()) - before < 0.5:
            assert time.monotonic() < deadline, "the child's CPU time was not counted"
            time.sleep(0.1)
    finally:
        busy.kill()
        busy.wait()


def test_the_coders_writes_get_the_answer_the_page_script_gets(plan, monkeypatch):
    """requests.js sends ``partial=1`` with every write and receives only what changed
    (``HX-Reswap: none`` and out-of-band parts), not the whole transcript: the simulated
    coders must ask for the same, or the load test measures a page nobody uses."""
    answers = []
    request = driver.Browser.request

    def recorded(self, method, path, **kwargs):
        answer = request(self, method, path, **kwargs)
        answers.append((method, path, kwargs.get("form") or {}, answer))
        return answer

    monkeypatch.setattr(driver.Browser, "request", recorded)
    plan.duration = 3.0
    run = driver.run_coders(plan)
    assert run.ledger.created and run.ledger.deleted
    writes = [(p, f, a) for m, p, f, a in answers if m == "POST" and "/segments/" in p]
    assert any(p.endswith("/delete/") for p, _, _ in writes)
    for path, form, answer in writes:
        assert form.get("partial") == "1", path
        assert answer.headers.get("HX-Reswap") == "none", path
        assert 'id="transcript"' not in answer.body, path
