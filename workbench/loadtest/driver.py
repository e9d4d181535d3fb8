"""Simulated coders: threads that use the coding page over HTTP as its script does.

Each coder logs in through the login form, then, until the run ends: opens a transcript
(GET the coding page), codes a few passages through the picker form's htmx POST (CSRF
header and form token, ``HX-*`` headers, the same fields ``static/js/coding/requests.js``
fills in), removes one of them through the page's delete POST, and moves on. Between two
actions it pauses for the think time. Only this module speaks HTTP; it imports nothing of
Django, so it can be pointed at any server on the loopback interface.

Every write the server acknowledges (a 200 whose ``HX-Trigger-After-Settle`` carries
``segment-created`` with the new ids, or ``segment-deleted``) goes into the :class:`Ledger`,
which :mod:`workbench.loadtest.check` compares with the database afterwards.
"""

from __future__ import annotations

import http.client
import json
import random
import re
import threading
import time
from dataclasses import dataclass, field
from html import unescape
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

# Hard bounds: whatever the flags say, a run stops and stays small.
MAX_DURATION = 600.0
MAX_USERS = 100
MAX_THINK = 60.0
REQUEST_TIMEOUT = 30.0
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")

OPERATIONS = ("login", "page", "create", "delete")
# Statuses that are the expected answer of each operation; anything else is an error.
EXPECTED = {"login_form": {200}, "login": {302}, "page": {200}, "create": {200}, "delete": {200}}

_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_HX_HEADERS = re.compile(r"hx-headers='([^']*)'")
_PICKER = re.compile(r'<form id="picker".*?</form>', re.S)
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)"(?: value="([^"]*)")?')


def picker_fields(html: str) -> dict[str, str]:
    """The hidden fields of the page's picker form, as the browser would submit them
    (the script fills start, end, quote and the codes in)."""
    form = _PICKER.search(html)
    if not form:
        return {}
    return {name: unescape(value or "") for name, value in _HIDDEN.findall(form.group(0))}


def _json_script(html: str, element_id: str):
    match = re.search(
        rf'<script id="{re.escape(element_id)}" type="application/json">(.*?)</script>',
        html,
        re.S,
    )
    return json.loads(match.group(1)) if match else None


@dataclass
class Created:
    id: int
    transcript: int
    username: str
    code: int
    start: int
    end: int


@dataclass
class Ledger:
    """The writes the server acknowledged (thread-safe)."""

    created: list[Created] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add_created(self, item: Created) -> None:
        with self.lock:
            self.created.append(item)

    def add_deleted(self, pk: int) -> None:
        with self.lock:
            self.deleted.append(pk)


@dataclass
class Stats:
    """Latencies (seconds) per operation and the errors, with what they were (thread-safe)."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    logins_done: int = 0
    # Requests finished when the last coder had logged in, and what on_logged_in returned.
    requests_at_logged_in: int | None = None
    at_logged_in: object = None

    def requests(self) -> int:
        with self.lock:
            return sum(len(v) for v in self.latencies.values())

    def login_done(self, of: int, on_logged_in) -> None:
        with self.lock:
            self.logins_done += 1
            last = self.logins_done == of
        if last:
            self.requests_at_logged_in = self.requests()
            self.at_logged_in = on_logged_in() if on_logged_in else None

    def record(self, op: str, seconds: float, error: str = "") -> None:
        with self.lock:
            self.latencies.setdefault(op, []).append(seconds)
            if error:
                self.errors[op] = self.errors.get(op, 0) + 1
                if len(self.error_samples) < 20:
                    self.error_samples.append(f"{op}: {error}")


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: str


class Browser:
    """One person's cookies and requests (a new connection per request: gunicorn's sync
    workers close each one, and a loopback connect costs microseconds)."""

    def __init__(self, base_url: str):
        parts = urlsplit(base_url)
        if parts.hostname not in LOOPBACK:
            raise ValueError(f"The load test only talks to the loopback interface, not {base_url}")
        self.host, self.port = parts.hostname, parts.port or 80
        self.prefix = parts.path.rstrip("/")
        self.base_url = base_url.rstrip("/")
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, *, form=None, headers=None) -> Answer:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=REQUEST_TIMEOUT)
        try:
            send = {"Host": f"{self.host}:{self.port}", **(headers or {})}
            if self.cookies:
                send["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            body = None
            if form is not None:
                body = urlencode(form, doseq=True).encode()
                send["Content-Type"] = "application/x-www-form-urlencoded"
            conn.request(method, self.prefix + path, body=body, headers=send)
            response = conn.getresponse()
            data = response.read().decode("utf-8", "replace")
            for raw in response.headers.get_all("Set-Cookie") or []:
                cookie = SimpleCookie()
                cookie.load(raw)
                for name, morsel in cookie.items():
                    self.cookies[name] = morsel.value
            return Answer(response.status, response.headers, data)
        finally:
            conn.close()


@dataclass
class Plan:
    """What the coders work on: the study, its transcripts' texts (what a coder reads on
    screen; the page's runs carry the same text), the coders' usernames and password."""

    base_url: str
    study: int
    texts: dict[int, str]
    usernames: list[str]
    password: str
    duration: float = 120.0
    think: float = 5.0
    # People arrive over the first seconds, not all in one: coder i logs in at i/n of this.
    ramp: float = 30.0
    passages: tuple[int, int] = (2, 4)
    seed: int = 12

    def bounded(self) -> Plan:
        self.duration = max(0.0, min(float(self.duration), MAX_DURATION))
        self.think = max(0.0, min(float(self.think), MAX_THINK))
        self.ramp = max(0.0, min(float(self.ramp), self.duration / 2))
        self.usernames = self.usernames[:MAX_USERS]
        return self


def _trigger(answer: Answer, name: str):
    """The detail of the htmx event ``name`` the server sent after settle, or None."""
    raw = answer.headers.get("HX-Trigger-After-Settle") or answer.headers.get("HX-Trigger")
    if not raw:
        return None
    try:
        events = json.loads(raw)
    except ValueError:
        return {} if name in raw.split(",") else None
    return events.get(name) if isinstance(events, dict) else None


class Coder:
    """One simulated coder; :meth:`run` returns when the plan's time is up."""

    def __init__(self, plan: Plan, username: str, index: int, stats: Stats, ledger: Ledger):
        self.plan, self.username, self.index = plan, username, index
        self.stats, self.ledger = stats, ledger
        self.rng = random.Random(plan.seed * 1000 + index)
        self.browser = Browser(plan.base_url)
        self.deadline = 0.0

    # --- timing ------------------------------------------------------------------------

    def _timed(self, op: str, method: str, path: str, **kwargs) -> Answer | None:
        started = time.perf_counter()
        try:
            answer = self.browser.request(method, path, **kwargs)
        except (OSError, http.client.HTTPException) as exc:
            self.stats.record(op, time.perf_counter() - started, f"{type(exc).__name__} {exc}")
            return None
        elapsed = time.perf_counter() - started
        error = ""
        if answer.status not in EXPECTED[op]:
            error = f"HTTP {answer.status} {method} {path}"
        elif op in ("create", "delete") and _trigger(answer, "segment-error") is not None:
            error = f"refused: {_trigger(answer, 'segment-error').get('message', '')[:120]}"
        self.stats.record(op, elapsed, error)
        return None if error else answer

    def _pause(self) -> bool:
        """Think, then say whether there is time for another action."""
        if self.plan.think:
            time.sleep(self.rng.uniform(0.5, 1.5) * self.plan.think)
        return time.monotonic() < self.deadline

    # --- what a coder does ----------------------------------------------------------------

    def login(self) -> bool:
        form_page = self._timed("login_form", "GET", "/accounts/login/")
        if form_page is None:
            return False
        match = _CSRF_INPUT.search(form_page.body)
        token = match.group(1) if match else ""
        answer = self._timed(
            "login",
            "POST",
            "/accounts/login/",
            form={
                "csrfmiddlewaretoken": token,
                "username": self.username,
                "password": self.plan.password,
                "next": "",
            },
            headers={"Referer": self.browser.base_url + "/accounts/login/"},
        )
        return answer is not None

    def _span(self, text: str) -> tuple[int, int, str] | None:
        """A passage a person might select: a few words to a few sentences, not only
        white space, in code points."""
        for _ in range(20):
            length = self.rng.randint(12, 240)
            if len(text) <= length:
                continue
            start = self.rng.randrange(0, len(text) - length)
            quote = text[start : start + length]
            if quote.strip():
                return start, start + length, quote
        return None

    def code_transcript(self, transcript_id: int) -> None:
        study = self.plan.study
        path = f"/studies/{study}/transcripts/{transcript_id}/"
        opened = self._timed("page", "GET", path)
        if opened is None:
            return
        page = _json_script(opened.body, "coding-page") or {}
        codes = [
            c["id"]
            for c in _json_script(opened.body, "codes-data") or []
            if not c.get("ar") and not c.get("ca")
        ]
        hx = _HX_HEADERS.search(opened.body)
        csrf = json.loads(hx.group(1)).get("X-CSRFToken", "") if hx else ""
        fields = picker_fields(opened.body)
        if not (page.get("edit") and codes and csrf and fields):
            self.stats.record("page", 0.0, f"not a coding page for {self.username}: {path}")
            return
        page_url = self.browser.base_url + path
        text = self.plan.texts[transcript_id]
        # submitCoding() sends the version the transcript element carries (data-version).
        transcript_version = fields.get("version") or page["version"]
        made: list[int] = []
        for _ in range(self.rng.randint(*self.plan.passages)):
            if not self._pause():
                break
            span = self._span(text)
            if span is None:
                break
            start, end, quote = span
            chosen = self.rng.sample(codes, k=min(len(codes), self.rng.choice((1, 1, 1, 2))))
            answer = self._timed(
                "create",
                "POST",
                page["urls"]["create"].removeprefix(self.browser.prefix),
                # The picker form as requests.js submitCoding() fills it: its hidden fields
                # (token, version, layer, view, ...), the span, the codes, an empty memo.
                form={
                    **fields,
                    "start": start,
                    "end": end,
                    "quote": quote,
                    "version": transcript_version,
                    "code_ids": chosen,
                    "memo": "",
                },
                headers=self._htmx_headers(csrf, page_url, trigger="picker"),
            )
            detail = _trigger(answer, "segment-created") if answer else None
            if detail is None:
                continue
            ids = detail.get("ids") or []
            # The answer names each new segment's code (the server stores the codes in the
            # codebook's order, and not at all where the coder had that segment already).
            for pk, code in zip(ids, detail.get("codes") or [], strict=True):
                self.ledger.add_created(
                    Created(int(pk), transcript_id, self.username, int(code), start, end)
                )
                made.append(int(pk))
        if made and self._pause():
            victim = self.rng.choice(made)
            url = page["urls"]["delete"].replace("/0/delete/", f"/{victim}/delete/")
            # requests.js post(): htmx.ajax from #coding-app with the page's view values and
            # partial=1 (the answer holds only what changed, as the page receives it).
            answer = self._timed(
                "delete",
                "POST",
                url.removeprefix(self.browser.prefix),
                form={
                    "view": page["view"],
                    "code_filter": page.get("codeFilter") or "",
                    "partial": "1",
                },
                headers=self._htmx_headers(csrf, page_url, trigger="coding-app"),
            )
            if answer is not None and _trigger(answer, "segment-deleted") is not None:
                self.ledger.add_deleted(victim)

    @staticmethod
    def _htmx_headers(csrf: str, page_url: str, *, trigger: str) -> dict[str, str]:
        return {
            "HX-Request": "true",
            "HX-Current-URL": page_url,
            "HX-Target": "transcript",
            "HX-Trigger": trigger,
            "X-CSRFToken": csrf,
            "Referer": page_url,
        }

    def run(self, deadline: float, on_logged_in=None) -> None:
        self.deadline = deadline
        time.sleep(self.plan.ramp * self.index / max(1, len(self.plan.usernames)))
        logged_in = self.login()
        self.stats.login_done(len(self.plan.usernames), on_logged_in)
        if not logged_in:
            return
        transcripts = sorted(self.plan.texts)
        while time.monotonic() < deadline:
            self.code_transcript(self.rng.choice(transcripts))
            if not self._pause():
                break


@dataclass
class Run:
    stats: Stats
    ledger: Ledger
    seconds: float
    users: int


def run_coders(plan: Plan, on_logged_in=None) -> Run:
    """Run one coder thread per username until ``plan.duration`` has passed (bounded by
    :data:`MAX_DURATION`; in-flight requests end within :data:`REQUEST_TIMEOUT`).
    ``on_logged_in()`` is called once every coder has tried to log in (its result is kept
    in ``stats.at_logged_in``)."""
    plan.bounded()
    stats, ledger = Stats(), Ledger()
    started = time.monotonic()
    deadline = started + plan.duration
    coders = [Coder(plan, name, i, stats, ledger) for i, name in enumerate(plan.usernames)]
    threads = [
        threading.Thread(
            target=c.run, args=(deadline, on_logged_in), name=f"coder-{c.username}", daemon=True
        )
        for c in coders
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()) + REQUEST_TIMEOUT + MAX_THINK)
    return Run(stats, ledger, time.monotonic() - started, len(coders))
