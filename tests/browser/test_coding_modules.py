"""The coding page's pure ES modules (static/js/coding/offsets.js, runs.js) in Chromium.

Each test imports the module the page itself loads and compares what it computes with
Python's own counting: code points are what ``text[start:end]`` indexes, UTF-16 units are
``len(s.encode("utf-16-le")) // 2``.
"""

from __future__ import annotations

import random
import re

import pytest

from tests import factories
from tests.browser.coding_helpers import coding_study, page_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAMPLES = [
    "",
    "plain ascii",
    "我唔知自己嘅角色。",
    "𠝹",
    "😀",
    "a𠝹b😀c",
    "😀😀𠝹𠝹",
    "受訪者：我覺得 𠝹 好難講 😀 真係。",
]

# Text for the run tests: Chinese, astral characters, an empty line and speaker labels.
RUN_TEXT = (
    "Interviewer: 你點樣睇 😀 呢件事？\n"
    "P01: 我唔知 𠝹 自己嘅角色。 Then 😀 later it got better.\n"
    "\n"
    "Interviewer: And now? 𠝹𠝹 ok.\n"
    "P01: Now 我哋 trust 😀 each other!"
)


def units(s: str) -> int:
    """UTF-16 code units of ``s``, as JavaScript's ``s.length`` counts them."""
    return len(s.encode("utf-16-le")) // 2


def import_module(page, name: str) -> None:
    page.evaluate(
        "async (name) => { window.__mod = await import('/static/js/coding/' + name); }", name
    )


def test_code_point_and_utf16_offsets_agree_with_python(page, live_server):
    page.goto("/accounts/login/")
    import_module(page, "offsets.js")
    for s in SAMPLES:
        n = len(s)
        got = page.evaluate(
            """([s, n]) => {
                 const m = window.__mod;
                 const toUnits = [];
                 for (let cp = 0; cp <= n; cp++) toUnits.push(m.cpToUnits(s, cp));
                 const down = [], up = [];
                 for (let u = 0; u <= s.length; u++) {
                   down.push(m.unitsToCp(s, u, false));
                   up.push(m.unitsToCp(s, u, true));
                 }
                 return {toUnits, down, up, count: m.cpCount(s), length: s.length};
               }""",
            [s, n],
        )
        assert got["length"] == units(s)
        assert got["count"] == n
        assert got["toUnits"] == [units(s[:cp]) for cp in range(n + 1)]
        # A UTF-16 index inside a surrogate pair rounds down (start) or up (end).
        down = [max(cp for cp in range(n + 1) if units(s[:cp]) <= u) for u in range(units(s) + 1)]
        up = [min(cp for cp in range(n + 1) if units(s[:cp]) >= u) for u in range(units(s) + 1)]
        assert got["down"] == down, s
        assert got["up"] == up, s


def test_snippet_counts_code_points(page, live_server):
    page.goto("/accounts/login/")
    import_module(page, "offsets.js")
    for s in SAMPLES:
        for n in (1, 2, 3, 5):
            got = page.evaluate("([s, n]) => window.__mod.snippet(s, n)", [s, n])
            flat = re.sub(r"\s+", " ", s)
            want = flat[:n] + "…" if len(flat) > n else flat
            assert got == want, (s, n)


def python_runs(text: str, spans: list[tuple[int, int, int]]) -> list[tuple[int, int, str]]:
    """The page's runs, computed independently: every non-empty line is cut at the end of
    its ``Speaker:`` label and at every segment boundary inside it."""
    runs = []
    pos = 0
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        if not line:
            continue
        cuts = {start, end}
        colon = min((i for i in (line.find(":"), line.find("：")) if i >= 0), default=-1)
        if colon >= 0:
            label_end = start + colon + 1
            if label_end < end and text[label_end] in " \t":
                label_end += 1
            cuts.add(label_end)
        for _, s, e in spans:
            cuts.update(c for c in (s, e) if start < c < end)
        ordered = sorted(cuts)
        runs += [(a, b, text[a:b]) for a, b in zip(ordered, ordered[1:], strict=False)]
    return runs


def test_runs_over_overlapping_segments_give_python_text(setup_runs, page, login_as):
    s = setup_runs
    login_as(s["bob"])
    page.goto(page_url(s) + "?layer=all")
    import_module(page, "runs.js")
    dom_runs = page.evaluate(
        """() => Array.from(document.querySelectorAll('#transcript .r'), (el) =>
             [Number(el.dataset.start), Number(el.dataset.end), el.textContent])"""
    )
    assert [tuple(r) for r in dom_runs] == python_runs(RUN_TEXT, s["spans"])

    rng = random.Random(11)
    n = len(RUN_TEXT)
    pairs = [(a, b) for _, a, b in s["spans"]]
    pairs += [tuple(sorted(rng.sample(range(n + 1), 2))) for _ in range(150)]
    pairs += [(0, n), (0, 1), (n - 1, n)]
    got = page.evaluate(
        """([pairs]) => {
             const m = window.__mod;
             const runs = Array.from(document.querySelectorAll('#transcript .r'), (el) => ({
               start: Number(el.dataset.start), end: Number(el.dataset.end), text: el.textContent }));
             return pairs.map(([a, b]) => [m.textBetween(runs, a, b), m.trimmed(runs, a, b),
                                           m.runAfter(runs, a)]);
           }""",
        [pairs],
    )
    for (a, b), (between, trim, after) in zip(pairs, got, strict=True):
        assert between == RUN_TEXT[a:b], (a, b)
        inner = RUN_TEXT[a:b]
        if inner.strip():
            lead = len(inner) - len(inner.lstrip())
            quote = inner.strip()
            assert trim == {"start": a + lead, "end": a + lead + len(quote), "quote": quote}
        else:
            assert trim is None
        # runAfter: the first run whose end is past the offset.
        want = next((i for i, r in enumerate(dom_runs) if r[1] > a), len(dom_runs))
        assert after == want, a


def test_segment_order_reads_overlaps_start_first_longer_first(setup_runs, page, login_as):
    s = setup_runs
    login_as(s["bob"])
    page.goto(page_url(s))
    import_module(page, "runs.js")
    segs = {str(sid): {"s": a, "e": b} for sid, a, b in s["spans"]}
    got = page.evaluate("(segs) => window.__mod.segmentOrder(segs)", segs)
    assert got == [sid for sid, _, _ in sorted(s["spans"], key=lambda x: (x[1], -x[2], x[0]))]


@pytest.fixture
def setup_runs(db):
    s = coding_study(RUN_TEXT)
    layer = factories.make_layer(s["study"], s["bob"])
    t = RUN_TEXT
    wanted = [
        (t.index("你點樣"), t.index("事") + 1),
        (t.index("😀 呢"), t.index("？") + 1),  # overlaps the first
        (t.index("我唔知"), t.index("later")),  # across 𠝹 and 😀
        (t.index("𠝹 自己"), t.index("better.") + 7),
        (t.index("自己"), t.index("角色") + 2),  # inside the two above
        (t.index("better"), t.index("now?")),  # across the empty line
        (t.index("𠝹𠝹"), t.index("𠝹𠝹") + 2),
        (t.index("Now"), len(t)),
        (t.index("我哋"), t.index("each")),  # the same start as none, ends inside "Now…"
        (t.index("Now"), t.index("trust")),  # the same start as "Now…", shorter
    ]
    spans = []
    for i, (a, b) in enumerate(wanted):
        code = s["shame"] if i % 2 else s["hope"]
        seg = factories.make_segment(s["t"], code, layer, a, b)
        spans.append((seg.pk, a, b))
    s["spans"] = spans
    return s
