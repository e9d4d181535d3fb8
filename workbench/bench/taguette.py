"""``make bench-taguette``: the workbench and Taguette 1.5.2 side by side, on Taguette's workload.

Per density (highlights per document), in one run:

1. Taguette's benchmark script (``../shared/bench/taguette_bench.py``, or
   ``$TAGUETTE_BENCH_SCRIPT``, imported by path) dumps its workload; a subprocess
   (``manage.py bench_taguette --load``) migrates a fresh database (an SQLite file, or a new
   PostgreSQL database next to ``DATABASE_URL``'s) and loads it (``taguette_load.py``);
2. gunicorn (one sync worker, ``DEBUG=0``) serves the workbench on 127.0.0.1; the script's
   own ``ensure_venv`` and ``Server`` start Taguette (one Tornado process) on 127.0.0.1 and
   the project is built as the script's ``_bench`` builds it (tags and documents through
   Taguette's HTTP API, highlights bulk-seeded through its models);
3. every operation is timed interleaved: after a warm-up, request to one tool, then to the
   other, alternating which goes first, ``n`` times; the medians and their ratio
   (workbench / Taguette, lower is better) are printed as a table and written as JSON.

Both servers, the browser and the databases are removed at the end, also on error.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from contextlib import ExitStack
from pathlib import Path

from django.conf import settings

from workbench.bench.taguette_servers import (
    HOST,
    Database,
    Gunicorn,
    load_into,
    server_env,
    taguette_project,
    workbench_login,
)

ENV_SCRIPT = "TAGUETTE_BENCH_SCRIPT"

# (key, label in the table)
ROWS = [
    ("open_server", "open a document, server"),
    ("open_server_all", "open a document, server (workbench: All view)"),
    ("open_browser", "open a document in Chromium until every highlight is drawn"),
    ("create_page", "create one highlight through the coding page (htmx)"),
    ("create_api", "create one highlight through the API"),
    ("passages", "one code's passages, first page"),
]


def script_path() -> Path:
    """Where Taguette's benchmark script is: ``$TAGUETTE_BENCH_SCRIPT``, else
    ``../shared/bench/taguette_bench.py`` beside the repository."""
    default = Path(settings.BASE_DIR).parent / "shared" / "bench" / "taguette_bench.py"
    return Path(os.environ.get(ENV_SCRIPT) or default)


def load_script(path: Path):
    """Import the script as a module (it is not copied into the repository)."""
    if not path.is_file():
        raise SystemExit(
            f"Taguette's benchmark script is not at {path}: put the shared/ folder beside the "
            f"repository or set {ENV_SCRIPT}=/path/to/taguette_bench.py"
        )
    spec = importlib.util.spec_from_file_location("taguette_bench", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["taguette_bench"] = module
    spec.loader.exec_module(module)
    return module


def log(msg: str) -> None:
    print(f"[bench-taguette] {msg}", file=sys.stderr, flush=True)


def process_cpu_ms(pid: int | None) -> float | None:
    """User and system CPU of process ``pid`` and its descendants (Linux ``/proc``), ms."""
    if pid is None:
        return None
    total, todo = 0.0, [pid]
    tick = os.sysconf("SC_CLK_TCK")
    while todo:
        p = todo.pop()
        try:
            stat = Path(f"/proc/{p}/stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) * 1000 / tick
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError, IndexError):
            continue
    return total


def median(values: list[float]) -> float:
    return round(statistics.median(values), 2)


# --- timing -----------------------------------------------------------------------------


#: Rounds run by :func:`interleave` (one call to each tool a round), for CPU per request.
ROUNDS = [0]


def interleave(
    a, b, *, warmup: int, n: int, budget_s: float = 0, min_rounds: int = 3, settle=None
) -> tuple[list[float], list[float]]:
    """Call ``a(i)`` and ``b(i)`` alternately (``b`` first on odd rounds), ``warmup`` rounds
    untimed, then ``n`` timed; a call's sample is what it returns (a time it measured itself,
    in ms) or else its wall-clock time. ``settle``, a pair of callables, runs the one of the
    tool that was just called after its call, outside both timings (a browser tool's trailing
    paint, which the next call would otherwise share the machine with).

    With ``budget_s``, an operation of several seconds (Taguette opening a dense document)
    stops early: warm-up after one round that took longer than a tenth of the budget, timing
    after the budget is spent and at least ``min_rounds`` rounds are timed."""
    samples: tuple[list[float], list[float]] = ([], [])
    started, i, warm = time.perf_counter(), 0, 0
    while len(samples[0]) < n:
        ROUNDS[0] += 1
        order = [(a, samples[0]), (b, samples[1])]
        round_start = time.perf_counter()
        timed = warm >= warmup
        for k in (1, 0) if i % 2 else (0, 1):
            fn, out = order[k]
            t0 = time.perf_counter()
            own = fn(i)
            wall = (time.perf_counter() - t0) * 1000
            if timed:
                out.append(own if isinstance(own, float) else wall)
            if settle:
                settle[k]()
        i += 1
        if not timed:
            warm += 1
            if budget_s and time.perf_counter() - round_start > budget_s / 10:
                warm = warmup
            started = time.perf_counter()
        elif (
            budget_s and len(samples[0]) >= min_rounds and time.perf_counter() - started > budget_s
        ):
            break
    return samples


class Ops:
    """The operations of the issue's table, for both tools, on one loaded density."""

    def __init__(self, tb, args, wb: dict, tg: dict):
        self.tb, self.args, self.wb, self.tg = tb, args, wb, tg
        info = wb["info"]
        self.study = info["study_id"]
        self.transcripts = info["transcript_ids"]
        self.codes = info["code_ids"]
        self.client = wb["client"]
        self.api_headers = {"Authorization": "Bearer " + info["token"]}
        self.cl, self.pid = tg["client"], tg["pid"]
        self.doc_ids = [d for d, _ in tg["docs"]]
        self.texts = [dt for _, dt in tg["docs"]]
        paths = tg["tag_paths"]
        # The tag the script lists: a leaf whose path is no other path's prefix.
        self.tag = next(p for p in paths if not any(q != p and q.startswith(p) for q in paths))
        self.picker = self._picker_fields()

    def page_url(self, k: int, view: str) -> str:
        return f"/studies/{self.study}/transcripts/{self.transcripts[k]}/?layer={view}"

    def _picker_fields(self) -> list[tuple[str, str]]:
        """The coding page's picker form as the page sends it: its hidden fields, read from
        the page (so a change of the form is followed here)."""
        html = self.client.request("GET", self.page_url(0, "mine"))[2].decode("utf-8")
        form = re.search(r'<form id="picker".*?</form>', html, re.S)
        if form is None:
            raise SystemExit("the coding page (Mine) has no picker form")
        fields = []
        for tag in re.findall(r"<input\b[^>]*>", form.group(0)):
            name = re.search(r'\bname="([^"]*)"', tag)
            value = re.search(r'\bvalue="([^"]*)"', tag)
            if name and 'type="hidden"' in tag:
                fields.append((name.group(1), value.group(1) if value else ""))
        return fields

    # (a) open a document, server
    def wb_open(self, view: str):
        def run(i):
            body = self.client.request("GET", self.page_url(i % len(self.transcripts), view))[2]
            assert b'id="transcript"' in body
            self.wb.setdefault("page_bytes", {})[view] = len(body)

        return run

    def tg_open(self, i):
        did = self.doc_ids[i % len(self.doc_ids)]
        info = self.cl.get_json(f"/api/project/{self.pid}/document/{did}")
        contents = self.cl.get_json(f"/api/project/{self.pid}/document/{did}/contents")
        assert info["highlights"] and contents["contents"][0]["contents"]

    # one code's passages, first page
    def wb_passages(self, i):
        code = self.codes[self.tag]
        body = self.client.request("GET", f"/studies/{self.study}/retrieval/?code={code}")[2]
        self.wb["passages_bytes"] = len(body)

    def tg_passages(self, i):
        q = urllib.parse.quote(self.tag, safe="")
        r = self.cl.get_json(f"/api/project/{self.pid}/highlights/{q}?page=1")
        self.tg["passages_shown"] = len(r["highlights"])

    # creates: the same random spans and tags for both tools
    def spans(self, salt: int, count: int, max_tags: int):
        rng = random.Random(self.args.seed + salt)
        out = []
        for _ in range(count):
            k = rng.randrange(len(self.texts))
            start, end = self.texts[k].random_char_span(rng)
            tags = rng.sample(self.tg["tag_paths"], 1 if rng.random() < 0.5 else max_tags)
            out.append((k, start, end, sorted(tags)))
        return out

    def wb_create_page(self, spans):
        def run(i):
            k, start, end, tags = spans[i]
            text = self.texts[k].text
            fields = [(n, v) for n, v in self.picker if n not in ("start", "end", "quote")]
            fields += [("start", start), ("end", end), ("quote", text[start:end]), ("memo", "")]
            fields += [("code_ids", self.codes[t]) for t in tags]
            url = self.page_url(k, "mine")
            _, r, _ = self.client.request(
                "POST",
                f"/studies/{self.study}/transcripts/{self.transcripts[k]}/segments/",
                urllib.parse.urlencode(fields).encode(),
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "HX-Request": "true",
                    "HX-Current-URL": f"http://{HOST}:{self.wb['port']}{url}",
                    "HX-Target": "transcript",
                    "HX-Trigger": "picker",
                    "X-CSRFToken": self.client.cookies["csrftoken"],
                },
            )
            events = (r.getheader("HX-Trigger-After-Settle") or "") + (
                r.getheader("HX-Trigger") or ""
            )
            if "segment-created" not in events:
                raise RuntimeError(f"coding-page write not saved: {events!r}")

        return run

    def wb_create_api(self, spans):
        def run(i):
            k, start, end, tags = spans[i]
            body = {
                "code_id": self.codes[tags[0]],
                "start": start,
                "end": end,
                "quote": self.texts[k].text[start:end],
                "version": 1,
            }
            status = self.client.request(
                "POST",
                f"/api/v1/transcripts/{self.transcripts[k]}/segments",
                json.dumps(body).encode(),
                {"Content-Type": "application/json", **self.api_headers},
                expect=None,
            )[0]
            if status not in (200, 201):
                raise RuntimeError(f"API create answered {status}")

        return run

    def tg_create(self, spans):
        def run(i):
            k, start, end, tags = spans[i]
            s, e = self.texts[k].to_bytes(start, end)
            r = self.cl.post_json(
                f"/api/project/{self.pid}/document/{self.doc_ids[k]}/highlight/new",
                {
                    "start_offset": s,
                    "end_offset": e,
                    "tags": sorted(self.tg["tag_ids"][t] for t in tags),
                },
            )
            assert isinstance(r["id"], int)

        return run


# Measured in the page, as workbench/bench/coding_page.py does: navigation start until the
# frame after the load event. Then every segment of `#segments-data` must be drawn both in the
# text (a mark whose run it covers: the page script's `segmentsAt` where it has one, else the
# mark's own `data-seg` ids) and in the margin (an element naming it in `data-seg`).
DRAWN_JS = """() => new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(() => {
  const t = performance.now();
  const root = document.getElementById('transcript');
  const el = document.getElementById('segments-data');
  const data = el ? JSON.parse(el.textContent) : {};
  // The table is {id: {...}}, [[id, ...]] or {segs: [[id, ...]], ...} as the page evolves.
  const rows = Array.isArray(data) ? data : Array.isArray(data.segs) ? data.segs : null;
  const ids = new Set(rows
    ? rows.map(s => String(Array.isArray(s) ? s[0] : s.id)) : Object.keys(data));
  const named = e => (e.dataset.seg || '').split(/[^0-9]+/).filter(x => ids.has(x));
  const margin = new Set(), text = new Set();
  root.querySelectorAll('[data-seg]:not(mark)').forEach(e => named(e).forEach(x => margin.add(x)));
  const at = window.codingPage && window.codingPage.segmentsAt;
  root.querySelectorAll('mark').forEach(m => {
    const found = at && m.dataset.start !== undefined
      ? at(Number(m.dataset.start)).map(String).filter(x => ids.has(x)) : named(m);
    found.forEach(x => text.add(x));
  });
  resolve({t, ids: ids.size, margin: margin.size, text: text.size});
})))"""


# Run in the page a tool has just used, before the other tool's timed run: two frames (its
# paint of what it drew) and then an idle period of its renderer. Taguette's own measure ends
# at a forced layout, before the paint of its ~10,000 highlight elements; without this the
# other tool's run would share the machine's 2 cores with that paint and its garbage
# collection, and be timed slower than it is.
SETTLE_JS = """() => new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(
  () => requestIdleCallback(() => resolve(true), {timeout: 10000}))))"""


def browser_samples(ops: Ops, chromium: str) -> tuple[list[float], list[float], dict]:
    """Interleaved Chromium runs: the workbench's coding page (Mine) navigated to until drawn,
    and Taguette's own ``loadDocument`` timed by the script's ``OPEN_DOCUMENT_JS``."""
    from playwright.sync_api import sync_playwright

    tb, args, wb, tg = ops.tb, ops.args, ops.wb, ops.tg
    base_wb = f"http://{HOST}:{wb['port']}"
    base_tg = f"http://{HOST}:{tg['server'].port}"
    per_doc = wb["info"]["segments_per_transcript"]
    highlights = args.highlights
    notes: dict = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
            + ["--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        try:
            wb_ctx = browser.new_context(viewport={"width": 1280, "height": 1024})
            wb_ctx.add_cookies(
                [
                    {"name": name, "value": value, "url": base_wb}
                    for name, value in ops.client.cookies.items()
                ]
            )
            wb_page = wb_ctx.new_page()
            tg_ctx = browser.new_context(viewport={"width": 1280, "height": 1024})
            tg_page = tg_ctx.new_page()
            tg_page.add_init_script(
                "window.alert = m => { window.__alerts = (window.__alerts || []).concat([String(m)]); };"
            )
            tg_page.goto(base_tg + "/?token=" + tg["server"].token)
            tg_page.goto(f"{base_tg}/project/{ops.pid}/document/{ops.doc_ids[0]}")
            tg_page.wait_for_function(
                f"typeof current_document !== 'undefined' && current_document === {ops.doc_ids[0]}",
                timeout=600_000,
            )

            def wb_run(i):
                k = (i + 1) % len(ops.transcripts)
                wb_page.bring_to_front()
                wb_page.goto(base_wb + ops.page_url(k, "mine"), wait_until="load")
                r = wb_page.evaluate(DRAWN_JS)
                if not r["ids"] == r["text"] == r["margin"] == per_doc[k]:
                    raise RuntimeError(
                        f"workbench drew {r['text']} (text) and {r['margin']} (margin) of "
                        f"{per_doc[k]} segments ({r['ids']} in #segments-data)"
                    )
                notes["workbench_segments_drawn"] = r["text"]
                return float(r["t"])

            def tg_run(i):
                did = ops.doc_ids[(i + 1) % len(ops.doc_ids)]
                tg_page.bring_to_front()
                r = tg_page.evaluate("() => " + (tb.OPEN_DOCUMENT_JS % did).strip())
                if r["current_document"] != did or r["highlights"] != highlights:
                    raise RuntimeError(f"Taguette browser run failed: {r!r}")
                notes["taguette_highlights_drawn"] = r["highlights"]
                notes["taguette_highlight_elements"] = r["highlight_elements"]
                return float(r["with_layout_ms"])

            # Both pages are warm before the first timed round: Taguette's loaded its first
            # document on navigation, the workbench's is opened once here. A Taguette round
            # at 1,200 highlights takes minutes, so one timed round may have to do.
            wb_page.goto(base_wb + ops.page_url(0, "mine"), wait_until="load")
            a, b = interleave(
                wb_run,
                tg_run,
                warmup=args.browser_warmup,
                n=args.browser_repeat,
                budget_s=args.budget,
                min_rounds=1,
                settle=(lambda: wb_page.evaluate(SETTLE_JS), lambda: tg_page.evaluate(SETTLE_JS)),
            )
            notes["browser"] = browser.version
            if getattr(args, "screenshots", None):
                Path(args.screenshots).mkdir(parents=True, exist_ok=True)
                for tool, page in (("workbench", wb_page), ("taguette", tg_page)):
                    path = Path(args.screenshots) / f"{tool}_{highlights}.png"
                    page.screenshot(path=str(path))
                    notes[f"{tool}_screenshot"] = str(path)
        finally:
            browser.close()
    return a, b, notes


def run_density(tb, args, highlights: int, workdir: str) -> dict:
    """Load, serve and time one density; everything started here is stopped here."""
    d_args = argparse.Namespace(**{**vars(args), "highlights": highlights})
    workload = Path(workdir) / f"workload_{highlights}.json"
    subprocess.run(
        [sys.executable, tb.__file__, "--workload-only", "--dump-workload", str(workload)]
        + ["--docs", str(args.docs), "--chars", str(args.chars), "--tags", str(args.tags)]
        + ["--highlights", str(highlights), "--seed", str(args.seed)],
        check=True,
        timeout=600,
    )
    result: dict = {"highlights_per_document": highlights, "setup": {}}
    setup = result["setup"]
    db = Database(workdir, highlights)
    with ExitStack() as stack:
        db.create()
        stack.callback(db.drop)
        env = server_env(db.url)
        t0 = time.perf_counter()
        info = load_into(env, workload, workdir)
        setup["workbench_load_s"] = round(time.perf_counter() - t0, 1)
        setup["workbench_segments"] = info["segments"]
        setup["workbench_duplicate_tag_spans"] = info["duplicates"]
        setup["workbench_database"] = "postgresql" if db.pg else "sqlite"
        gunicorn = Gunicorn(tb, env, workdir)
        stack.callback(gunicorn.stop)
        gunicorn.start(tb)
        log(f"{highlights}/doc: workbench on {HOST}:{gunicorn.port} (pid {gunicorn.proc.pid})")
        tg_dir = tempfile.mkdtemp(prefix="taguette_", dir=workdir)
        server = tb.Server(args.venv, tg_dir)
        stack.callback(server.stop)
        setup["taguette_start_s"] = round(server.start(), 1)
        log(f"{highlights}/doc: Taguette on {HOST}:{server.port} (pid {server.proc.pid})")
        t0 = time.perf_counter()
        tg = taguette_project(tb, server, d_args)
        tg["server"] = server
        setup["taguette_build_s"] = round(time.perf_counter() - t0, 1)
        setup["taguette_seeded"] = tg["seeded"]
        dumped = json.loads(workload.read_text(encoding="utf-8"))
        if [d["text"] for d in dumped["documents"]] != [dt.text for _, dt in tg["docs"]]:
            raise SystemExit("the dumped workload differs from the one given to Taguette")
        client = workbench_login(tb, gunicorn.port, info["username"], info["password"])
        wb = {"info": info, "client": client, "port": gunicorn.port, "pid": gunicorn.proc.pid}
        ops = Ops(tb, d_args, wb, tg)
        result["ops"] = time_ops(ops, args)
        result["sizes"] = {
            "workbench_page_bytes": wb.get("page_bytes"),
            "workbench_passages_page_bytes": wb.get("passages_bytes"),
            "workbench_passages_per_page": 100,
            "taguette_passages_per_page": tg.get("passages_shown"),
            "code": ops.tag,
        }
    return result


def time_ops(ops: Ops, args) -> dict:
    """Time the operations (``args.only``: some of the ROWS keys), reads first, writes last
    (they change the data set, as in Taguette's own script)."""
    W, N, budget = args.warmup, args.repeat, args.budget
    only = set(getattr(args, "only", None) or [key for key, _ in ROWS])
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if args.browser and not chromium:
        log("Chromium not on PATH: no browser timings")
    page_spans, api_spans = ops.spans(1, W + N, 2), ops.spans(2, W + N, 1)
    plan = [
        (
            "open_server",
            lambda: interleave(ops.wb_open("mine"), ops.tg_open, warmup=W, n=N, budget_s=budget),
        ),
        (
            "open_server_all",
            lambda: interleave(ops.wb_open("all"), ops.tg_open, warmup=W, n=N, budget_s=budget),
        ),
        (
            "passages",
            lambda: interleave(ops.wb_passages, ops.tg_passages, warmup=W, n=N, budget_s=budget),
        ),
        (
            "open_browser",
            lambda: browser_samples(ops, chromium) if args.browser and chromium else None,
        ),
        (
            "create_page",
            lambda: interleave(
                ops.wb_create_page(page_spans),
                ops.tg_create(page_spans),
                warmup=W,
                n=N,
                budget_s=budget,
            ),
        ),
        (
            "create_api",
            lambda: interleave(
                ops.wb_create_api(api_spans),
                ops.tg_create(api_spans),
                warmup=W,
                n=N,
                budget_s=budget,
            ),
        ),
    ]
    out: dict = {}
    pids = (ops.wb.get("pid"), getattr(getattr(ops.tg.get("server"), "proc", None), "pid", None))
    for key, timed in plan:
        if key not in only:
            continue
        cpu0 = [process_cpu_ms(pid) for pid in pids]
        calls0 = ROUNDS[0]
        samples = timed()
        calls = ROUNDS[0] - calls0
        if samples is None:
            continue
        a, b, *notes = samples
        wb_ms, tg_ms = median(a), median(b)
        out[key] = {
            "workbench_ms": wb_ms,
            "taguette_ms": tg_ms,
            "ratio": round(wb_ms / tg_ms, 3),
            "n": len(a),
            **(notes[0] if notes else {}),
        }
        cpu = [process_cpu_ms(pid) - c for pid, c in zip(pids, cpu0, strict=True)]
        if calls and all(c is not None and c >= 0 for c in cpu):
            # The servers' own CPU per request (warm-up included): less sensitive to a
            # loaded machine than wall-clock medians.
            out[key]["workbench_cpu_ms"] = round(cpu[0] / calls, 2)
            out[key]["taguette_cpu_ms"] = round(cpu[1] / calls, 2)
            out[key]["cpu_ratio"] = round(cpu[0] / cpu[1], 3) if cpu[1] else None
        log(f"  {key}: workbench {wb_ms} ms, Taguette {tg_ms} ms, ratio {out[key]['ratio']}")
    return out


def table(result: dict) -> str:
    """The issue's layout: one row per operation, one ratio column per density; then the
    medians behind every ratio."""
    densities = result["densities"]
    head = "| operation | " + " | ".join(
        f"{d['highlights_per_document']:,} highlights/doc" for d in densities
    )
    lines = [head + " |", "|---|" + "---|" * len(densities)]
    for key, label in ROWS:
        cells = [d["ops"].get(key) for d in densities]
        if not any(cells):
            continue
        lines.append(
            f"| {label} | " + " | ".join(f"{c['ratio']:.3g}" if c else "-" for c in cells) + " |"
        )
    lines += ["", "| operation | highlights/doc | workbench ms | Taguette ms | ratio | n |"]
    lines.append("|---|---|---|---|---|---|")
    for key, label in ROWS:
        for d in densities:
            c = d["ops"].get(key)
            if c:
                lines.append(
                    f"| {label} | {d['highlights_per_document']:,} | {c['workbench_ms']} | "
                    f"{c['taguette_ms']} | {c['ratio']:.3g} | {c['n']} |"
                )
    cpu = [
        (label, d["highlights_per_document"], d["ops"][key])
        for key, label in ROWS
        for d in densities
        if d["ops"].get(key, {}).get("cpu_ratio") is not None
    ]
    if cpu:
        lines += ["", "| operation (server CPU per request) | highlights/doc | workbench ms |"]
        lines[-1] += " Taguette ms | ratio |"
        lines.append("|---|---|---|---|---|")
        for label, h, c in cpu:
            lines.append(
                f"| {label} | {h:,} | {c['workbench_cpu_ms']} | {c['taguette_cpu_ms']} | "
                f"{c['cpu_ratio']:.3g} |"
            )
    return "\n".join(lines)


def run(args) -> dict:
    tb = load_script(Path(args.script) if args.script else script_path())
    started = time.perf_counter()
    result = {
        "tool": "workbench vs taguette",
        "taguette_version": tb.TAGUETTE_VERSION,
        "workload": {
            "documents": args.docs,
            "chars_per_document": args.chars,
            "tags": args.tags,
            "seed": args.seed,
        },
        "repeat": {
            "warmup": args.warmup,
            "n": args.repeat,
            "browser_warmup": args.browser_warmup,
            "browser_n": args.browser_repeat if args.browser else 0,
        },
        "ratio": "workbench median / Taguette median (lower is better)",
        "workbench_coder_layers": "all highlights in one coder's layer (the workload has no coders)",
    }
    args.venv = args.venv or tb.DEFAULT_VENV
    result["taguette_venv"] = tb.ensure_venv(args.venv, tb.TAGUETTE_VERSION)
    workdir = tempfile.mkdtemp(prefix="bench_taguette_")
    try:
        result["densities"] = []
        for h in args.highlights:
            result["densities"].append(run_density(tb, args, h, workdir))
            if getattr(args, "out", None):  # what is measured so far survives a later failure
                Path(args.out).write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    finally:
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    result["total_wall_s"] = round(time.perf_counter() - started, 1)
    return result
