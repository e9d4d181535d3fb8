"""The margin as the page's script draws it (static/js/coding/margin.js), in Python: the
tests' twin of the script, so that a page's markup can be checked with its margin drawn
(stripes, labels and "+N" chips placed from each turn's ``data-m`` and the segment table)
against what the server wrote before the script drew it (tests/coding/runs_before.py).
The browser test tests/browser/test_coding_margin.py checks the script draws the same."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html import escape

from django.utils.translation import gettext, ngettext

from coding.segments.layout import clip_spans, stroke_color

LABEL_STEP_PX = 30
_STRIPE_CLASS = (("stripe", "stripe last"), ("stripe first", "stripe first last"))
_TURN = re.compile(
    r'<div class="turn[^"]*" id="ln-\d+" data-start="(\d+)" data-end="(\d+)" '
    r'data-n="(\d+)"(?: data-m="([^"]*)")?>.*?<div class="turn-margin">(</div>)',
    re.S,
)


@dataclass
class Seg:
    s: int
    e: int
    stroke: str
    block: int
    label: str  # the leaf name
    name: str  # the accessible name before ", turn N"
    suffix: str  # ... after it
    review: bool
    who: str


def segs_from_looks(spans, looks, blocks, length: int) -> dict[int, Seg]:
    """The segments as the renderer was given them (clipped), in reading order."""
    out = {}
    for sid, s, e in clip_spans(spans, length):
        look = looks[sid]
        suffix = f" ({look.path})" if look.path and look.path != look.label else ""
        if look.review:
            suffix += gettext(", changed since coding")
        out[sid] = Seg(
            s,
            e,
            stroke_color(look.color),
            blocks.get(sid, 0) if blocks else 0,
            look.label,
            look.description,
            suffix,
            look.review,
            look.who,
        )
    return out


def _json(html: str, element_id: str):
    m = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(m.group(1)) if m else None


def segs_from_page(html: str) -> dict[int, Seg]:
    """The segments of a page's table (``segments-data``) with their codes (``codes-data``),
    as the script reads them (static/js/coding/transcript.js)."""
    return segs_from_table(_json(html, "segments-data"), _json(html, "codes-data") or [])


def segs_from_table(table: dict, code_list: list) -> dict[int, Seg]:
    """The segments of the table ``table`` with the codebook's ``code_list``."""
    codes = {c["id"]: c for c in code_list}
    out = {}
    strokes, blocks, ini = table.get("strokes", {}), table.get("blocks"), table.get("ini")
    for sid, s, e, c, li, _memo, review, *_ in table["segs"]:
        code = codes.get(c, {})
        n, other, path = code.get("n", "?"), code.get("o", ""), code.get("p", "")
        words = gettext("%(code)s, by %(coder)s") % {
            "code": f"{n} ({other})" if other else n,
            "coder": table["layers"][li][0],
        }
        suffix = f" ({path})" if path and path != n else ""
        if review:
            suffix += gettext(", changed since coding")
        out[sid] = Seg(
            s,
            e,
            strokes.get(str(c), "#4d4d4d"),
            max(0, blocks[li]) if blocks else 0,
            n,
            words,
            suffix,
            bool(review),
            ini[li] if ini else "",
        )
    return out


def _stack_tops(tops: list[str]) -> list[str]:
    n = len(tops)
    out = []
    for i, own in enumerate(tops):
        terms = [own] + [f"calc({tops[j]} + {(i - j) * LABEL_STEP_PX}px)" for j in range(i)]
        top = own if not i else f"max({', '.join(terms)})"
        end = f"calc(max(100%, {n * LABEL_STEP_PX}px) - {(n - i) * LABEL_STEP_PX}px)"
        out.append(f"min({top}, {end})")
    return out


_BOUNDED = re.compile(r"top:min\((.*?), calc\(max\(100%, \d+px\) - \d+px\)\)\"")


def unbounded(html: str) -> str:
    """The margin with each button's top as it was before the turn's end bounded it
    (tests/coding/runs_before.py wrote that): ``min(<top>, <end>)`` back to ``<top>``."""
    return _BOUNDED.sub(lambda m: f'top:{m.group(1)}"', html)


def turn_margin(start: int, end: int, number: int, tokens: list[str], on: list, segs) -> tuple:
    """One turn's margin markup and room in px, as margin.js's ``turnMargin``."""
    assert len(on) == len(tokens), (on, tokens)
    size = end - start
    parts: list[str] = []
    columns: dict[int, list[tuple[int, str]]] = {}
    over: dict[int, list[int]] = {}
    dropped: dict[int, list[int]] = {}
    for sid, token in zip(on, tokens, strict=True):
        seg = segs[sid]
        lane = int(token.rstrip("!").split("@")[0])
        if lane >= BLOCK_LANES[0]:
            over.setdefault(seg.block, []).append(sid)
            continue
        lo = max(seg.s, start)
        first = seg.s >= start
        top, height = (lo - start) / size, (min(seg.e, end) - lo) / size
        parts.append(
            f'<span class="{_STRIPE_CLASS[first][seg.e <= end + 1]}" aria-hidden="true" '
            f'data-seg="{sid}" style="--c:{seg.stroke};--lane:{lane};--b:{seg.block};'
            f'top:{top * 100:.2f}%;height:{height * 100:.2f}%"></span>'
        )
        if "@" in token:
            columns.setdefault(seg.block, []).append((sid, token.split("@")[1] + "%"))
        elif token.endswith("!"):
            dropped.setdefault(seg.block, []).append(sid)
    chips = {b: list(ids) for b, ids in over.items()}
    for b, ids in dropped.items():
        chips.setdefault(b, []).extend(ids)
    if not columns and not chips:
        return "".join(parts), 0
    turn = escape(gettext(", turn %(number)s") % {"number": number})
    room = 0
    for block in sorted(set(columns) | set(chips)):
        column = columns.get(block, [])
        stack = [top for _, top in column]
        if block in chips:
            stack.append(stack[-1] if stack else "0.00%")
        tops = _stack_tops(stack)
        if len(stack) > 1:
            room = max(room, len(stack) * LABEL_STEP_PX)
        for (sid, _), top in zip(column, tops, strict=False):
            seg = segs[sid]
            flag = ""
            if seg.review:
                title = escape(gettext("The text changed since coding"))
                flag = f'<span class="review-flag" title="{title}">{escape(gettext("changed"))}</span> '
            who = f'<b class="who" translate="no">{escape(seg.who)}</b> ' if seg.who else ""
            parts.append(
                f'<button type="button" tabindex="-1" class="stripe-label'
                f'{" review" if seg.review else ""}" data-seg="{sid}" style="--c:{seg.stroke};'
                f'--b:{block};top:{top}" aria-label="{escape(seg.name)}{turn}{escape(seg.suffix)}">'
                f'<span class="nm">{flag}{who}<span translate="no">{escape(seg.label)}</span>'
                f"</span></button>"
            )
        if block in chips:
            ids = chips[block]
            more = ngettext(
                "%(count)s more code on turn %(number)s",
                "%(count)s more codes on turn %(number)s",
                len(ids),
            ) % {"count": len(ids), "number": number}
            parts.append(
                f'<button type="button" tabindex="-1" class="stripe-more" '
                f'data-seg="{" ".join(map(str, ids))}" style="--b:{block};top:{tops[-1]}" '
                f'aria-label="{escape(more)}">+{len(ids)}</button>'
            )
    return "".join(parts), room


BLOCK_LANES = [6]


def draw(html: str, segs: dict[int, Seg], block_lanes: int) -> str:
    """``html`` (turns as the server writes them) with every turn's margin drawn."""
    BLOCK_LANES[0] = block_lanes
    order = sorted(segs, key=lambda sid: (segs[sid].s, -segs[sid].e, sid))
    out: list[str] = []
    pos = k = 0
    carry: list[int] = []
    for m in _TURN.finditer(html):
        start, end, number = int(m.group(1)), int(m.group(2)), int(m.group(3))
        carry = [sid for sid in carry if segs[sid].e > start]
        while k < len(order) and segs[order[k]].s < end:
            if segs[order[k]].e > start:
                carry.append(order[k])
            k += 1
        if m.group(4) is None:
            continue
        margin, room = turn_margin(start, end, number, m.group(4).split(" "), carry, segs)
        out.append(html[pos : m.start(5)])
        out.append(margin + "</div>")
        if room:
            out.append(f'<span class="turn-room" style="--room:{room}px"></span>')
        pos = m.end(5)
    out.append(html[pos:])
    return "".join(out)


def strip_data(html: str) -> str:
    """``html`` without the turns' ``data-m`` (what the old renderer did not write)."""
    return re.sub(r' data-m="[^"]*"', "", html)


def drawn_page(html: str) -> str:
    """A coding page (or its transcript fragment) as the script leaves it: margins drawn."""
    if _json(html, "segments-data") is None:
        return html
    m = re.search(r"--block-lanes:(\d+)", html)
    return draw(html, segs_from_page(html), int(m.group(1)) if m else 6)


def draw_doc(doc) -> None:
    """What the script does in an lxml document: draw the margin of every turn not drawn
    (one with ``data-m`` and an empty margin: the page's turns, or those a write swapped
    in), from the document's segment table and codebook."""
    import lxml.html

    def text_of(ident):
        found = doc.xpath(f'//*[@id="{ident}"]')
        return json.loads(found[0].text) if found and found[0].text else None

    table = text_of("segments-data")
    if table is None:
        return
    segs = segs_from_table(table, text_of("codes-data") or [])
    transcript = doc.xpath('//*[@id="transcript"]')[0]
    m = re.search(r"--block-lanes:(\d+)", transcript.get("style", ""))
    BLOCK_LANES[0] = int(m.group(1)) if m else 6
    order = sorted(segs, key=lambda sid: (segs[sid].s, -segs[sid].e, sid))
    for turn in doc.find_class("turn"):
        margin = turn.find_class("turn-margin")
        if turn.get("data-m") is None or not margin or len(margin[0]):
            continue
        start, end = int(turn.get("data-start")), int(turn.get("data-end"))
        on = [sid for sid in order if segs[sid].s < end and segs[sid].e > start]
        html, room = turn_margin(
            start, end, int(turn.get("data-n")), turn.get("data-m").split(" "), on, segs
        )
        for part in lxml.html.fragments_fromstring(html) if html else []:
            margin[0].append(part)
        if room:
            spacer = lxml.html.fragment_fromstring(
                f'<span class="turn-room" style="--room:{room}px"></span>'
            )
            margin[0].addnext(spacer)
