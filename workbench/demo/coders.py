"""The demo coder layers: segments derived from an interview's anchors."""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass

from workbench.demo.codebook import LEAF_PATHS, SUB_LEAVES
from workbench.demo.writer import Anchor, Generated

# ---------------------------------------------------------------------------------------
# Coder layers: segments derived from the anchors, as a trained team codes them. Both coders
# work through the same passages (a sample of the anchors, drawn once per transcript); each
# may pass one over, select other boundaries, pick a sibling code, or code a passage the
# other did not, at rates scaled per code by how hard its definition is to apply
# (_DIFFICULTY). The agreement report then shows most codes between alpha 0.67 and 0.9 and
# a few below, which the calibration memo and the disagreement review take up.
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _CoderProfile:
    miss: float  # passes over a passage of the shared sample
    shift: float  # selects other boundaries than the passage's
    sibling: float  # applies a sibling code instead
    extra: float  # passages nobody else coded, per passage of the shared sample
    done: float  # share of assignments marked done


PROFILES = (
    _CoderProfile(miss=0.05, shift=0.45, sibling=0.015, extra=0.025, done=0.7),
    _CoderProfile(miss=0.06, shift=0.5, sibling=0.02, extra=0.03, done=0.6),
    _CoderProfile(miss=0.06, shift=0.5, sibling=0.02, extra=0.03, done=0.5),
)

# How much harder than usual a code is to apply alike (multiplies the profile's rates).
# The Benefits codes blur hope and concrete change (see the calibration memo); impostor
# feelings and self-stigma overlap; the boundary codes have crisp definitions.
_DIFFICULTY = {
    "Steps towards goals": 5.0,
    "Confidence and self-worth": 4.5,
    "Personal recovery through work": 4.0,
    "Feeling like an impostor": 4.0,
    "Equal relationship": 3.5,
    "Saying no": 0.7,
    "Contact outside work": 0.7,
    "Friendship or professional relationship": 0.8,
    "Purposeful disclosure": 0.8,
    "Fear of disclosure": 0.8,
}
# A passage that fits none of its sub-theme's codes: both coders then apply the sub-theme
# itself, as the codebook asks. Weights of 0, 1, 2 such passages per sub-theme and interview:
_SUB_THEME_PASSAGES = (3, 4, 3)
# ... though now and then one coder finds that one of the codes fits after all.
_LEAF_INSTEAD = 0.08


def _is_word(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


class _Coder:
    def __init__(self, generated: Generated, profile: _CoderProfile, rng: random.Random):
        self.gen = generated
        self.text = generated.text
        self.profile = profile
        self.rng = rng
        self.sentence_starts = [s for s, _ in generated.sentences]
        self.turn_starts = [s for s, _ in generated.turns]

    def turn_of(self, offset: int) -> tuple[int, int]:
        index = bisect.bisect_right(self.turn_starts, offset) - 1
        if index < 0:
            return 0, len(self.text)
        return self.gen.turns[index]

    def code(self, path: tuple[str, ...], difficulty: float) -> tuple[str, ...]:
        if len(path) == 3 and self.rng.random() < self.profile.sibling * difficulty:
            siblings = [leaf for leaf in SUB_LEAVES[path[:2]] if leaf != path[2]]
            if siblings:
                return (*path[:2], self.rng.choice(siblings))
        return path

    def mutate(self, start: int, end: int, difficulty: float) -> tuple[int, int]:
        """The passage's boundaries as this coder selects them."""
        rng, text = self.rng, self.text
        if rng.random() >= min(0.9, self.profile.shift * difficulty):
            return start, end
        lo, hi = self.turn_of(start)
        if not (lo <= start < end <= hi):
            return start, end
        s, e = start, end
        r = rng.random()
        if r < 0.7:  # a few characters off, snapped to word boundaries
            if rng.random() < 0.6:
                s += rng.randint(-12, 12)
            if rng.random() < 0.6:
                e += rng.randint(-12, 12)
            s = max(lo, min(s, hi - 1))
            e = max(s + 1, min(e, hi))
            while s > lo and _is_word(text[s]) and _is_word(text[s - 1]):
                s -= 1
            while e < hi and _is_word(text[e - 1]) and _is_word(text[e]):
                e += 1
        elif r < 0.82:  # one sentence more
            if rng.random() < 0.5:
                i = bisect.bisect_left(self.sentence_starts, e)
                if i < len(self.gen.sentences) and self.gen.sentences[i][1] <= hi:
                    e = self.gen.sentences[i][1]
            else:
                i = bisect.bisect_left(self.sentence_starts, s) - 1
                if i >= 0 and self.gen.sentences[i][0] >= lo:
                    s = self.gen.sentences[i][0]
        elif r < 0.95:  # only the first or the last sentence, or up to a comma
            first = bisect.bisect_left(self.sentence_starts, s)
            last = bisect.bisect_left(self.sentence_starts, e) - 1
            if last > first:
                s, e = self.gen.sentences[first if rng.random() < 0.6 else last]
            else:
                comma = text.rfind(", ", s, e)
                if comma > s + 10:
                    e = comma
        else:  # the whole turn
            s, e = lo, hi
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s >= e:
            return start, end
        return s, e

    def nearest_code(self, offset: int, anchors: list[Anchor], starts: list[int]):
        index = bisect.bisect_left(starts, offset)
        candidates = [anchors[i] for i in (index - 1, index) if 0 <= i < len(anchors)]
        if not candidates:
            return self.rng.choice(LEAF_PATHS)
        return min(candidates, key=lambda a: abs(a.start - offset)).code_path

    def spans(
        self,
        pool: list[tuple[tuple[str, ...], int, int, tuple[str, ...]]],
        rest: list[Anchor],
        anchors: list[Anchor],
        *,
        at_least: int,
        at_most: int,
    ) -> list[tuple[tuple[str, ...], int, int]]:
        """Between ``at_least`` and ``at_most`` distinct (code path, start, end)."""
        rng, text, profile = self.rng, self.text, self.profile
        chosen: dict[tuple[tuple[str, ...], int, int], None] = {}

        def add(path: tuple[str, ...], s: int, e: int) -> None:
            key = (path, s, e)
            if len(chosen) < at_most and 0 <= s < e <= len(text) and text[s:e].strip():
                chosen[key] = None

        def code_as_i_see_it(path: tuple[str, ...], s: int, e: int) -> None:
            difficulty = _DIFFICULTY.get(path[-1], 1.0)
            add(self.code(path, difficulty), *self.mutate(s, e, difficulty))

        for path, start, end, leaf in pool:
            if rng.random() < min(0.5, profile.miss * _DIFFICULTY.get(path[-1], 1.0)):
                continue
            if path != leaf and rng.random() < _LEAF_INSTEAD:
                path = leaf  # this coder thinks one of the sub-theme's codes fits
            code_as_i_see_it(path, start, end)
        # Passages only this coder saw: as many, per sampled passage, as profile.extra says.
        scale = len(pool) / max(1, len(rest))
        for anchor in rest:
            difficulty = _DIFFICULTY.get(anchor.code_path[-1], 1.0)
            if rng.random() < profile.extra * difficulty * scale:
                code_as_i_see_it(anchor.code_path, anchor.start, anchor.end)
        extra = list(rest)
        rng.shuffle(extra)
        starts = [a.start for a in anchors]
        attempts = 0
        while len(chosen) < at_least and attempts < 20 * at_least:
            attempts += 1
            if extra and rng.random() < 0.6:
                anchor = extra.pop()
                code_as_i_see_it(anchor.code_path, anchor.start, anchor.end)
            elif self.gen.sentences:  # a sentence nobody anchored
                s, e = rng.choice(self.gen.sentences)
                add(self.nearest_code(s, anchors, starts), s, e)
        return list(chosen)


def code_spans(
    generated: Generated,
    *,
    layers: int,
    n: int | None,
    rng: random.Random,
    layer_rngs: list[random.Random],
) -> list[list[tuple[tuple[str, ...], int, int]]]:
    """Segments for each coder layer of one transcript: ``n`` each, or 25–60 by default."""
    anchors = sorted(generated.anchors, key=lambda a: (a.start, a.end, a.code_path))
    base = n if n is not None else rng.randint(27, 57)
    pool_size = min(len(anchors), round(base * 1.1) if n is not None else base)
    # One passage of every sub-theme the interview touches, then a random sample.
    by_sub: dict[tuple[str, ...], list[int]] = {}
    for i, anchor in enumerate(anchors):
        by_sub.setdefault(anchor.code_path[:2], []).append(i)
    first = {rng.choice(indices) for _, indices in sorted(by_sub.items())}
    others = [i for i in range(len(anchors)) if i not in first]
    more = max(0, pool_size - len(first))
    pool_indices = sorted(first | set(rng.sample(others, min(more, len(others)))))
    # Up to two passages of each sub-theme the interview touches fit none of its codes.
    pooled_by_sub: dict[tuple[str, ...], list[int]] = {}
    for i in pool_indices:
        pooled_by_sub.setdefault(anchors[i].code_path[:2], []).append(i)
    sub_level: set[int] = set()
    for _, indices in sorted(pooled_by_sub.items()):
        k = rng.choices((0, 1, 2), _SUB_THEME_PASSAGES)[0]
        sub_level.update(rng.sample(indices, min(k, len(indices) - 1)))
    pool = [
        (
            anchors[i].code_path[:2] if i in sub_level else anchors[i].code_path,
            anchors[i].start,
            anchors[i].end,
            anchors[i].code_path,
        )
        for i in pool_indices
    ]
    in_pool = set(pool_indices)
    rest = [a for i, a in enumerate(anchors) if i not in in_pool]
    result = []
    for index in range(layers):
        profile = PROFILES[min(index, len(PROFILES) - 1)]
        coder = _Coder(generated, profile, layer_rngs[index])
        low, high = (n, n) if n is not None else (25, 60)
        result.append(coder.spans(pool, rest, anchors, at_least=low, at_most=high))
    return result


SEGMENT_NOTES = (
    "Strong example, possible quote for the paper.",
    "Ambivalent: hope and worry in the same breath.",
    "Compare with this participant's earlier interview.",
    "Could also be read as a boundary issue; discuss at calibration.",
    "The participant laughs here (audio); tone is lighter than the words.",
    "Check translation of the Cantonese expression with the team.",
    "Typical of the co-workers' view at this wave.",
    "Contradicts what was said earlier in the interview.",
    "Not sure about the code here, flagging for consensus.",
    "Nice illustration of the storyline from T1 to T3.",
)
