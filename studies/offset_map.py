"""Offsets of an old text mapped to a new one: :class:`OffsetMap` and the diff it is built on.

Offsets are code points of canonical text (:func:`studies.text.canonicalize`). The diff stays
fast on any input and draws on one work budget (:data:`DIFF_BUDGET`); see :class:`OffsetMap`.
"""

from __future__ import annotations


class OffsetMap:
    """Maps code-point offsets of an old text to a new text (DESIGN: text edits after coding).

    ``blocks`` are ``(old_start, old_end, new_start, new_end, equal)`` covering both texts in
    order. The diff is built to stay fast on any input, including long texts of repeated
    lines: the common prefix and suffix are matched first (C-speed slice comparisons), then
    the changed middle is diffed on lines (anchored on lines that occur once in both,
    patience-style, with Myers' O((N+M)D) diff between anchors), and on characters only inside
    changed line blocks. All of it draws on one work budget: where it runs out, or a block is
    too large for a character diff, the block is taken as replaced whole, so its segments are
    flagged for review rather than guessed (``exhausted`` then says so).
    """

    def __init__(self, old: str, new: str, *, budget: int | None = None):
        self.old, self.new = old, new
        self._meter = _Meter(DIFF_BUDGET if budget is None else budget)
        blocks: list[tuple[int, int, int, int, bool]] = []
        prefix = _common_prefix(old, 0, new, 0, min(len(old), len(new)))
        suffix = _common_suffix(old, len(old), new, len(new), min(len(old), len(new)) - prefix)
        # Whole lines only, so that the line diff sees the lines as they are.
        prefix = old.rfind("\n", 0, prefix) + 1
        newline = old.find("\n", len(old) - suffix) if suffix else -1
        suffix = len(old) - newline - 1 if newline != -1 else 0
        blocks.append((0, prefix, 0, prefix, True))
        self._line_blocks(blocks, prefix, len(old) - suffix, prefix, len(new) - suffix)
        blocks.append((len(old) - suffix, len(old), len(new) - suffix, len(new), True))
        self.blocks = _merged(blocks)
        self._starts = [b[0] for b in self.blocks]
        self.exhausted = self._meter.exhausted

    def _line_blocks(self, blocks: list, a1: int, a2: int, b1: int, b2: int) -> None:
        if a1 == a2 or b1 == b2:
            blocks.append((a1, a2, b1, b2, a1 == a2 and b1 == b2))
            return
        old_lines = self.old[a1:a2].splitlines(keepends=True)
        new_lines = self.new[b1:b2].splitlines(keepends=True)
        old_pos = _line_starts(old_lines, a1)
        new_pos = _line_starts(new_lines, b1)
        ids: dict[str, int] = {}
        a = [ids.setdefault(line, len(ids)) for line in old_lines]
        b = [ids.setdefault(line, len(ids)) for line in new_lines]
        i = j = 0
        for mi, mj, size in [*_match(a, b, self._meter, lines=True), (len(a), len(b), 0)]:
            if i < mi or j < mj:
                self._changed_lines(blocks, old_pos, new_pos, i, mi, j, mj)
            if size:
                blocks.append(
                    (old_pos[mi], old_pos[mi + size], new_pos[mj], new_pos[mj + size], True)
                )
            i, j = mi + size, mj + size

    def _changed_lines(self, blocks, old_pos, new_pos, i1, i2, j1, j2) -> None:
        a1, a2, b1, b2 = old_pos[i1], old_pos[i2], new_pos[j1], new_pos[j2]
        if i2 - i1 > 1 and i2 - i1 == j2 - j1:
            # Line for line (e.g. every line edited a little): diff each pair of lines.
            for k in range(i2 - i1):
                self._char_blocks(
                    blocks,
                    old_pos[i1 + k],
                    old_pos[i1 + k + 1],
                    new_pos[j1 + k],
                    new_pos[j1 + k + 1],
                )
        else:
            self._char_blocks(blocks, a1, a2, b1, b2)

    def _char_blocks(self, blocks: list, a1: int, a2: int, b1: int, b2: int) -> None:
        size = _common_prefix(self.old, a1, self.new, b1, min(a2 - a1, b2 - b1))
        blocks.append((a1, a1 + size, b1, b1 + size, True))
        a1, b1 = a1 + size, b1 + size
        size = _common_suffix(self.old, a2, self.new, b2, min(a2 - a1, b2 - b1))
        tail = (a2 - size, a2, b2 - size, b2, True)
        a2, b2 = a2 - size, b2 - size
        self._char_diff(blocks, a1, a2, b1, b2)
        blocks.append(tail)

    def _char_diff(self, blocks: list, a1: int, a2: int, b1: int, b2: int) -> None:
        if a1 == a2 or b1 == b2 or (a2 - a1) + (b2 - b1) > MAX_CHAR_DIFF:
            blocks.append((a1, a2, b1, b2, a1 == a2 and b1 == b2))
            if a1 != a2 and b1 != b2:
                self._meter.exhausted = True
            return
        i = j = 0
        matches = _match(self.old[a1:a2], self.new[b1:b2], self._meter, lines=False)
        for mi, mj, size in [*matches, (a2 - a1, b2 - b1, 0)]:
            if i < mi or j < mj:
                blocks.append((a1 + i, a1 + mi, b1 + j, b1 + mj, False))
            if size:
                blocks.append((a1 + mi, a1 + mi + size, b1 + mj, b1 + mj + size, True))
            i, j = mi + size, mj + size

    def _block(self, position: int, prefer_end: bool):
        from bisect import bisect_right

        index = bisect_right(self._starts, position) - 1
        if prefer_end:
            # An end boundary belongs to the block that ends there.
            while index > 0 and self.blocks[index][0] == position:
                index -= 1
        return self.blocks[max(index, 0)] if self.blocks else None

    def position(self, position: int, *, is_end: bool) -> int:
        block = self._block(position, prefer_end=is_end)
        if block is None:
            return 0
        a1, a2, b1, b2, equal = block
        if position > a2:  # past the last block (end of text)
            return len(self.new)
        if equal:
            return b1 + (position - a1)
        return b2 if is_end else b1

    def span(self, start: int, end: int) -> tuple[int, int, bool]:
        """New ``(start, end)`` and whether the passage itself changed."""
        new_start = self.position(start, is_end=False)
        new_end = self.position(end, is_end=True)
        changed = self.old[start:end] != self.new[new_start:new_end]
        return new_start, new_end, changed


# Work units (about a microsecond each) one OffsetMap may spend on diffs beyond the common
# prefix and suffix; past it, remaining changed blocks are taken as replaced whole.
DIFF_BUDGET = 3_000_000
# Larger changed blocks get no character diff (pairs of lines still do).
MAX_CHAR_DIFF = 20_000
# Regions of at most this many tokens go straight to Myers' diff; larger ones are first
# split at lines unique in both (patience), which is cheap when D is large.
_SMALL_REGION = 200


class _Meter:
    def __init__(self, budget: int):
        self.left = budget
        self.exhausted = False

    def spend(self, units: int) -> bool:
        self.left -= units
        if self.left < 0:
            self.exhausted = True
        return self.left >= 0


def _common_prefix(a, i: int, b, j: int, limit: int) -> int:
    """Length of the common run of ``a[i:]`` and ``b[j:]`` (at most ``limit``), found by
    galloping then bisecting with slice comparisons, so long runs cost C time."""
    if limit <= 0 or a[i] != b[j]:
        return 0
    low, step = 1, 1
    while low < limit:
        high = min(low + step, limit)
        if a[i + low : i + high] != b[j + low : j + high]:
            break
        low, step = high, step * 2
    else:
        return limit
    high = min(low + step, limit)  # a[i:i+low] matches; the mismatch is before i+high
    while high - low > 1:
        middle = (low + high) // 2
        if a[i + low : i + middle] == b[j + low : j + middle]:
            low = middle
        else:
            high = middle
    return low


def _common_suffix(a, i: int, b, j: int, limit: int) -> int:
    """Length of the common run ending just before ``a[i]`` and ``b[j]``."""
    if limit <= 0 or a[i - 1] != b[j - 1]:
        return 0
    low, step = 1, 1
    while low < limit:
        high = min(low + step, limit)
        if a[i - high : i - low] != b[j - high : j - low]:
            break
        low, step = high, step * 2
    else:
        return limit
    high = min(low + step, limit)
    while high - low > 1:
        middle = (low + high) // 2
        if a[i - middle : i - low] == b[j - middle : j - low]:
            low = middle
        else:
            high = middle
    return low


def _match(a, b, meter: _Meter, *, lines: bool) -> list[tuple[int, int, int]]:
    """Matching runs ``(i, j, size)`` of two sequences, in order.

    Each region is trimmed of its common prefix and suffix; a large region of lines is split
    at the lines unique in both (their longest increasing run, as patience diff does); what
    remains goes to Myers' diff within the meter's budget. A region the budget cannot pay for
    has no matches (replaced whole) or, for lines of equal count, matches line for line.
    """
    out: list[tuple[int, int, int]] = []
    stack = [(0, len(a), 0, len(b))]
    while stack:
        alo, ahi, blo, bhi = stack.pop()
        size = _common_prefix(a, alo, b, blo, min(ahi - alo, bhi - blo))
        if size:
            out.append((alo, blo, size))
            alo, blo = alo + size, blo + size
        size = _common_suffix(a, ahi, b, bhi, min(ahi - alo, bhi - blo))
        if size:
            out.append((ahi - size, bhi - size, size))
            ahi, bhi = ahi - size, bhi - size
        if alo == ahi or blo == bhi:
            continue
        if lines and (ahi - alo) + (bhi - blo) > _SMALL_REGION:
            if not meter.spend((ahi - alo) + (bhi - blo)):
                continue
            anchors = _unique_anchors(a, alo, ahi, b, blo, bhi)
            if anchors:
                edges = [(alo - 1, blo - 1), *anchors, (ahi, bhi)]
                for (i1, j1), (i2, j2) in zip(edges, edges[1:], strict=False):
                    if (i2, j2) != (ahi, bhi):
                        out.append((i2, j2, 1))
                    if i1 + 1 < i2 or j1 + 1 < j2:
                        stack.append((i1 + 1, i2, j1 + 1, j2))
                continue
        found = _myers(a, alo, ahi, b, blo, bhi, meter)
        if found is not None:
            out.extend(found)
        elif lines and ahi - alo == bhi - blo:
            out.extend((alo + k, blo + k, 1) for k in range(ahi - alo) if a[alo + k] == b[blo + k])
    out.sort()
    return out


def _unique_anchors(a, alo, ahi, b, blo, bhi) -> list[tuple[int, int]]:
    """Pairs ``(i, j)`` of tokens that occur once in each region, longest increasing chain."""
    from bisect import bisect_left
    from collections import Counter

    count_a = Counter(a[alo:ahi])
    count_b = Counter(b[blo:bhi])
    where_b = {b[j]: j for j in range(blo, bhi) if count_b[b[j]] == 1 and count_a[b[j]] == 1}
    pairs = [(i, where_b[a[i]]) for i in range(alo, ahi) if a[i] in where_b]
    # Longest increasing subsequence of the j's (patience sorting), kept with back links.
    tails: list[int] = []
    tail_index: list[int] = []
    back = [-1] * len(pairs)
    for index, (_, j) in enumerate(pairs):
        k = bisect_left(tails, j)
        if k == len(tails):
            tails.append(j)
            tail_index.append(index)
        else:
            tails[k] = j
            tail_index[k] = index
        back[index] = tail_index[k - 1] if k else -1
    chain = []
    index = tail_index[-1] if tail_index else -1
    while index != -1:
        chain.append(pairs[index])
        index = back[index]
    return chain[::-1]


def _myers(a, alo, ahi, b, blo, bhi, meter: _Meter) -> list[tuple[int, int, int]] | None:
    """Myers' greedy shortest edit script; ``None`` when it would overrun the budget.

    Costs O((N+M)·D) time and O(D²) memory for D differences, so it is only run while the
    meter can pay: large D (unrelated texts, shuffled repeated lines) gives up early.
    """
    n, m = ahi - alo, bhi - blo
    offset = n + m + 1
    v = [0] * (2 * offset + 1)
    trace: list[list[int]] = []
    spent = 0
    budget = meter.left
    for d in range(n + m + 1):
        trace.append(v[offset - d - 1 : offset + d + 2])
        for k in range(-d, d + 1, 2):
            if k == -d or (k != d and v[offset + k - 1] < v[offset + k + 1]):
                x = v[offset + k + 1]
            else:
                x = v[offset + k - 1] + 1
            y = x - k
            run = _common_prefix(a, alo + x, b, blo + y, min(n - x, m - y))
            x += run
            v[offset + k] = x
            spent += 2 + run // 16
            if x >= n and x - k >= m:
                meter.spend(spent)
                return [(alo + i, blo + j, size) for i, j, size in _myers_path(trace, d, n, m)]
        spent += 2 * d + 3  # the trace slice
        if spent > budget:
            meter.spend(spent)
            return None
    return None  # not reached: d = n + m always ends the search


def _myers_path(trace: list[list[int]], d_end: int, n: int, m: int) -> list[tuple[int, int, int]]:
    """The matching runs of the path found by :func:`_myers`, in order."""
    runs = []
    x, y = n, m
    for d in range(d_end, 0, -1):
        saved = trace[d]  # v before step d, for k in -d-1 .. d+1

        def reach(k, saved=saved, d=d):
            return saved[k + d + 1]

        k = x - y
        if k == -d or (k != d and reach(k - 1) < reach(k + 1)):
            prev_k = k + 1
            prev_x = reach(prev_k)
            mid_x = prev_x
        else:
            prev_k = k - 1
            prev_x = reach(prev_k)
            mid_x = prev_x + 1
        if x > mid_x:
            runs.append((mid_x, mid_x - k, x - mid_x))
        x, y = prev_x, prev_x - prev_k
    if x > 0:
        runs.append((0, 0, x))
    return runs[::-1]


def _merged(blocks: list[tuple[int, int, int, int, bool]]) -> list:
    """Drop empty blocks and join neighbours of the same kind."""
    out: list[tuple[int, int, int, int, bool]] = []
    for block in blocks:
        a1, a2, b1, b2, equal = block
        if a1 == a2 and b1 == b2:
            continue
        if out and out[-1][4] == equal and out[-1][1] == a1 and out[-1][3] == b1:
            out[-1] = (out[-1][0], a2, out[-1][2], b2, equal)
        else:
            out.append(block)
    return out


def _line_starts(lines: list[str], base: int = 0) -> list[int]:
    positions = [base]
    for line in lines:
        positions.append(positions[-1] + len(line))
    return positions
