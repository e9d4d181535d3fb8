"""The interview generator: one synthetic semi-structured interview, one speaker turn per
line, with the code-point offsets of every passage that expresses a code (its anchors).
"""

from __future__ import annotations

import functools
import random
import re
from dataclasses import dataclass

from studies.text import canonicalize
from workbench.demo.codebook import LEAF_BY_NAME, SUB_LEAVES
from workbench.demo.interviews import (
    BACKCHANNEL,
    BACKCHANNEL_ZH,
    CLOSERS,
    CONTEXT,
    ELABORATIONS,
    ELABORATIONS_ZH,
    FILLERS,
    FILLERS_ZH,
    FINAL_WORDS,
    GROUP_SUB_WEIGHTS,
    GROUPS,
    INTRO_TOPICS,
    INTROS,
    LEAF_SHARE,
    OPENERS,
    PEER_WORKERS,
    PROBES,
    PROBES_LATER,
    PROBES_ZH,
    PRONOUNS,
    QUESTIONS,
    READY,
    SHORT_REPLIES,
    SHORT_REPLIES_ZH,
    SLOTS,
    SUPERVISORS,
    TAILS,
    THEME_WEIGHTS,
    WAVES,
    ZH_FAMILY,
)
from workbench.demo.sentences import ASTRAL, LIBRARY, LIBRARY_MORE, LIBRARY_T1, RELATED


@dataclass(frozen=True, slots=True)
class Anchor:
    """A passage of a generated interview that expresses a code (code-point offsets)."""

    code_path: tuple[str, ...]
    start: int
    end: int


_WAVE_TAG = re.compile(r"^\[(\d(?:,\d)*)\]\s*")
_SLOT = re.compile(r"\{(\w+)\}")
_ALL_WAVES = frozenset((0, 1, 2))


@dataclass(frozen=True, slots=True)
class _Template:
    text: str
    waves: frozenset[int]
    group: str


def _parse(raw: str, group: str) -> _Template:
    match = _WAVE_TAG.match(raw)
    if not match:
        return _Template(raw, _ALL_WAVES, group)
    waves = frozenset(int(w) - 1 for w in match.group(1).split(","))
    return _Template(raw[match.end() :], waves, group)


def _compile_library() -> dict[str, dict[str, list[_Template]]]:
    compiled: dict[str, dict[str, list[_Template]]] = {}
    for leaf, entries in LIBRARY.items():
        kinds: dict[str, list[_Template]] = {"en": [], "zh": [], "mix": []}
        for key, values in entries.items():
            if key in ("zh", "mix"):
                kinds[key].extend(_parse(text, group) for group, text in values)
            else:
                kinds["en"].extend(_parse(text, key) for text in values)
        for more in (LIBRARY_MORE, LIBRARY_T1):
            for key, values in more.get(leaf, {}).items():
                kinds["en"].extend(_parse(text, key) for text in values)
        compiled[leaf] = kinds
    return compiled


_COMPILED = _compile_library()
_RELATED_MAP: dict[str, list[str]] = {}
for _a, _b in RELATED:
    _RELATED_MAP.setdefault(_a, []).append(_b)
    _RELATED_MAP.setdefault(_b, []).append(_a)


@functools.cache
def templates_for(leaf: str, kind: str, group: str, wave: int) -> list[_Template]:
    return [
        t
        for t in _COMPILED[leaf][kind]
        if wave in t.waves and (t.group == group or t.group == "all")
    ]


@dataclass
class Generated:
    text: str
    anchors: list[Anchor]
    sentences: list[tuple[int, int]]  # every sentence of the participant's turns
    turns: list[tuple[int, int]]  # the participant's turns, without the speaker label


class _Writer:
    """Builds one interview line by line, keeping code-point offsets of every passage."""

    def __init__(self, pseudonym, group, wave, rng, *, chinese, astral, target_chars, topics=None):
        self.pseudonym = pseudonym
        self.group = group
        self.wave = wave
        self.rng = rng
        self.chinese = chinese
        self.astral = astral
        self.target = target_chars
        self.lines: list[str] = []
        self.pos = 0
        self.anchors: list[Anchor] = []
        self.sentences: list[tuple[int, int]] = []
        self.turns: list[tuple[int, int]] = []
        self.used: set[str] = set()
        self.usage: dict[str, int] = {}
        self.leaf_uses: dict[tuple[str, str], int] = {}
        name, zh_name, gender = rng.choice(PEER_WORKERS)
        sup, zh_sup = rng.choice(SUPERVISORS)
        self.fixed = {"pw": name, "zh_pw": zh_name, "sup": sup, "zh_sup": zh_sup}
        self.fixed.update(PRONOUNS[gender])
        # Sub-themes this participant talks about at this wave (``topics``, else every one
        # with sentences for the group and wave), with their weights.
        self.subs: list[tuple[tuple[str, str], list[str], float]] = []
        for sub_path, leaves in SUB_LEAVES.items():
            available = [leaf for leaf in leaves if templates_for(leaf, "en", group, wave)]
            if not available or (topics is not None and sub_path not in topics):
                continue
            if topics is not None:
                # Not every aspect of a sub-theme comes up in every interview.
                kept = [leaf for leaf in available if rng.random() < LEAF_SHARE]
                available = kept or [rng.choice(available)]
            weight = THEME_WEIGHTS[sub_path[0]][wave]
            weight *= GROUP_SUB_WEIGHTS.get((group, sub_path[1]), 1.0)
            self.subs.append((sub_path, available, weight))
        self.topic_leaves = {leaf for _, leaves, _ in self.subs for leaf in leaves}
        self.topic_subs = {sub_path for sub_path, _, _ in self.subs}

    # -- rendering ------------------------------------------------------------------------

    def fill(self, template: str) -> str:
        def repl(match: re.Match) -> str:
            name = match.group(1)
            if name in self.fixed:
                return self.fixed[name]
            if name == "zh_family":
                return self.rng.choice(ZH_FAMILY)
            return self.rng.choice(SLOTS[name])

        text = _SLOT.sub(repl, template)
        if text[:1].islower():
            text = text[0].upper() + text[1:]
        return text

    def vary(self, raw: str, sentence: str) -> str:
        """Openers and tails, so that the same template rarely reads the same twice."""
        rng = self.rng
        first = sentence.split(" ", 1)[0]
        if (
            not sentence.endswith("?")
            and not raw.startswith("{")
            and not first.endswith(",")
            and rng.random() < 0.25
        ):
            if first in ("I", "I'm", "I've", "I'd", "I'll"):
                return rng.choice(OPENERS) + sentence
            if len(sentence) > 1 and sentence[0].isupper() and sentence[1].islower():
                return rng.choice(OPENERS) + sentence[0].lower() + sentence[1:]
        if sentence.endswith(".") and not sentence.endswith("'.") and rng.random() < 0.15:
            return sentence[:-1] + rng.choice(TAILS) + "."
        return sentence

    def pick(self, templates: list[_Template], *, vary: bool) -> str:
        """A sentence from the least used of ``templates``, avoiding verbatim repeats."""
        rng = self.rng
        order = sorted(templates, key=lambda t: (self.usage.get(t.text, 0), rng.random()))
        chosen, sentence = order[0], ""
        for template in order[:4]:
            for _ in range(2 if vary else 1):
                candidate = self.fill(template.text)
                if vary:
                    candidate = self.vary(template.text, candidate)
                if candidate not in self.used:
                    chosen, sentence = template, candidate
                    break
            if sentence:
                break
        if not sentence:
            sentence = self.fill(chosen.text)
        self.usage[chosen.text] = self.usage.get(chosen.text, 0) + 1
        self.used.add(sentence)
        return sentence

    def weight(self, leaf: str, kind: str = "en") -> float:
        """Leaves with many unused sentences are chosen more often than exhausted ones."""
        count = len(templates_for(leaf, kind, self.group, self.wave))
        if not count:
            return 0.0
        return count / (1 + self.leaf_uses.get((leaf, kind), 0) / count) ** 2

    def pick_for(self, leaf: str, kind: str, *, vary: bool) -> str:
        self.leaf_uses[(leaf, kind)] = self.leaf_uses.get((leaf, kind), 0) + 1
        return self.pick(templates_for(leaf, kind, self.group, self.wave), vary=vary)

    # -- lines ----------------------------------------------------------------------------

    def room(self) -> int:
        return self.target - self.pos

    def emit(
        self,
        label: str,
        parts: list[str],
        codes: list[tuple[int, int, str]] | tuple = (),
        *,
        zh: bool = False,
    ) -> bool:
        """Add one speaker turn of sentences ``parts``; False (and nothing added) if no room.

        ``codes`` are (first part, last part, leaf code name): the passages that express a
        code. They may overlap (two codes on the same passage).
        """
        colon = "：" if zh else ": "
        joiner = "" if zh else " "
        content = ""
        offsets: list[tuple[int, int]] = []
        for sentence in parts:
            if content:
                content += joiner
            offsets.append((len(content), len(content) + len(sentence)))
            content += sentence
        line = f"{label}{colon}{content}"
        newline = 1 if self.lines else 0
        if self.pos + newline + len(line) > self.target:
            return False
        base = self.pos + newline + len(label) + len(colon)
        self.lines.append(line)
        self.pos += newline + len(line)
        if label == self.pseudonym:
            self.turns.append((base, base + len(content)))
            self.sentences.extend((base + s, base + e) for s, e in offsets)
        for first, last, leaf in codes:
            start, end = base + offsets[first][0], base + offsets[last][1]
            self.anchors.append(Anchor(LEAF_BY_NAME[leaf], start, end))
        return True

    # -- content --------------------------------------------------------------------------

    def ask(self, text: str, *, zh: bool = False) -> bool:
        return self.emit("訪問員" if zh else "Interviewer", [text], zh=zh)

    def reply(self, parts: list[str], codes=(), *, zh: bool = False) -> bool:
        return self.emit(self.pseudonym, parts, codes, zh=zh)

    def question(self, sub_name: str, *, zh: bool) -> str:
        entries = QUESTIONS.get(sub_name, {})
        if zh:
            options = [q for g, q in entries.get("zh", ()) if g in (self.group, "all")]
            return self.fill(self.rng.choice(options or PROBES_ZH))
        return self.fill(self.rng.choice(entries.get(self.group, ()) or PROBES))

    def probe(self, *, zh: bool) -> str:
        if zh:
            return self.rng.choice(PROBES_ZH + BACKCHANNEL_ZH)
        options = PROBES + BACKCHANNEL
        if self.wave > 0:
            options += PROBES_LATER
        return self.rng.choice(options)

    def choose_leaf(self, leaves: list[str], kind: str = "en") -> str:
        weights = [self.weight(leaf, kind) for leaf in leaves]
        if not any(weights):
            return self.rng.choice(leaves)
        return self.rng.choices(leaves, weights)[0]

    def elaboration(self, leaf: str) -> str:
        theme = LEAF_BY_NAME[leaf][0]
        options = ELABORATIONS[theme].get("all", ()) + ELABORATIONS[theme].get(self.group, ())
        return self.pick([_Template(o, _ALL_WAVES, "all") for o in options], vary=False)

    def zh_leaves(self, leaves: list[str]) -> list[str]:
        return [leaf for leaf in leaves if templates_for(leaf, "zh", self.group, self.wave)]

    def answer(
        self,
        leaves: list[str],
        *,
        zh: bool,
        passages: int,
        forced: _AstralTemplate | None = None,
    ) -> tuple[list[str], list[tuple[int, int, str]]]:
        """One answer: optional filler, ``passages`` coded passages, optional asides.

        ``forced`` is a sentence with non-BMP characters that makes the first passage.
        """
        rng = self.rng
        parts: list[str] = []
        codes: list[tuple[int, int, str]] = []
        if rng.random() < 0.3:
            parts.append(rng.choice(FILLERS_ZH) if zh else self.fill(rng.choice(FILLERS)))
        candidates = self.zh_leaves(leaves) if zh else leaves
        for k in range(passages):
            leaf = forced.leaf if (forced is not None and k == 0) else None
            if leaf is None:
                if not candidates:
                    break
                leaf = self.choose_leaf(candidates, "zh" if zh else "en")
                related = [
                    r
                    for r in _RELATED_MAP.get(leaf, ())
                    if r in self.topic_leaves
                    and templates_for(r, "zh" if zh else "en", self.group, self.wave)
                ]
                if k > 0 and related and rng.random() < 0.25:
                    leaf = rng.choice(related)
            first = len(parts)
            if zh:
                if forced is not None and k == 0:
                    parts.append(self.fill(forced.text))
                else:
                    parts.append(self.pick_for(leaf, "zh", vary=False))
                if rng.random() < 0.35:
                    parts.append(rng.choice(ELABORATIONS_ZH))
            else:
                mixed = templates_for(leaf, "mix", self.group, self.wave) if self.chinese else []
                mixed = [t for t in mixed if self.usage.get(t.text, 0) < 2]
                if mixed and rng.random() < 0.3:
                    parts.append(self.pick(mixed, vary=False))
                elif templates_for(leaf, "en", self.group, self.wave):
                    parts.append(self.pick_for(leaf, "en", vary=True))
                if forced is not None and k == 0:
                    # Code-switching: the Cantonese sentence continues the English one.
                    parts.append(self.fill(forced.text))
                elif rng.random() < 0.45:
                    parts.append(self.elaboration(leaf))
                if self.chinese and rng.random() < 0.12:
                    chinese = templates_for(leaf, "zh", self.group, self.wave)
                    chinese = [t for t in chinese if self.usage.get(t.text, 0) < 3]
                    if chinese:
                        parts.append(self.pick(chinese, vary=False))
            if len(parts) == first:
                continue
            codes.append((first, len(parts) - 1, leaf))
            overlapping = [r for r in _RELATED_MAP.get(leaf, ()) if r in self.topic_leaves]
            if not overlapping:
                # Another aspect of the same sub-theme, when it comes up in this interview.
                sub_path = LEAF_BY_NAME[leaf][:2]
                overlapping = [
                    sibling
                    for sibling in SUB_LEAVES[sub_path]
                    if sibling != leaf and sibling in self.topic_leaves
                ]
            if overlapping and rng.random() < 0.3:
                last = first if rng.random() < 0.5 else len(parts) - 1
                codes.append((first, last, rng.choice(overlapping)))
            if rng.random() < 0.2:
                parts.append(rng.choice(ELABORATIONS_ZH) if zh else self.fill(rng.choice(CONTEXT)))
        if not zh and rng.random() < 0.15:
            parts.append(rng.choice(CLOSERS))
        if not parts:
            parts.append(rng.choice(SHORT_REPLIES_ZH if zh else SHORT_REPLIES))
        return parts, codes

    def run(self) -> Generated:
        closing = self.introduce()
        reserve = sum(len(label) + 2 + len(text) + 1 for label, text in closing)
        final_target = self.target
        self.target = final_target - reserve
        self.converse(self.astral_plan())
        self.target = final_target
        for label, text in closing:
            self.emit(label, [text])
        text = "\n".join(self.lines)
        assert canonicalize(text) == text, "generated text must be canonical"
        return Generated(text, self.anchors, self.sentences, self.turns)

    def introduce(self) -> list[tuple[str, str]]:
        """The header line and the introduction; the closing lines, to keep room for."""
        rng = self.rng
        group_name = _GROUP_NAMES[self.group]
        header = (
            f"Interview with {self.pseudonym} ({group_name}), {WAVES[self.wave]}. "
            "Names, places and other identifying details have been changed."
        )
        self.lines.append(header)
        self.pos = len(header)
        self.ask(INTROS[self.wave] + " " + INTRO_TOPICS[self.group][self.wave])
        self.reply([rng.choice(READY)])
        return [
            (
                "Interviewer",
                "That's everything I wanted to ask today. Is there anything you would like to add?",
            ),
            (self.pseudonym, rng.choice(FINAL_WORDS)),
            ("Interviewer", "Thank you very much for your time. [End of recording]"),
        ]

    def astral_plan(self) -> dict[int, _AstralTemplate]:
        """The exchanges (by number) that carry a sentence with non-BMP characters."""
        rng = self.rng
        astral_plan: dict[int, _AstralTemplate] = {}
        if self.astral:
            options = [
                t
                for t in ASTRAL_TEMPLATES
                if t.group in (self.group, "all") and LEAF_BY_NAME[t.leaf][:2] in self.topic_subs
            ]
            chosen = rng.sample(options, min(2, len(options)))
            for index, template in zip(rng.sample(range(1, 10), len(chosen)), chosen, strict=True):
                astral_plan[index] = template
        return astral_plan

    def converse(self, astral_plan: dict[int, _AstralTemplate]) -> None:
        """The interview guide: every sub-theme of the interview comes up once, in random
        order, before the conversation returns to some of them."""
        rng = self.rng
        unvisited = list(self.subs)
        rng.shuffle(unvisited)
        previous = None
        exchange = 0
        while self.room() > 60:
            if self.room() < 250 or rng.random() < 0.05:
                # A short exchange, also used to fill the last few hundred characters.
                if not self.ask(rng.choice(BACKCHANNEL)):
                    break
                if not self.reply([rng.choice(SHORT_REPLIES)]):
                    break
                continue
            forced = astral_plan.get(exchange)
            if forced is not None:
                sub_path = LEAF_BY_NAME[forced.leaf][:2]
                leaves = [
                    leaf
                    for leaf in SUB_LEAVES[sub_path]
                    if leaf in self.topic_leaves or leaf == forced.leaf
                ]
                unvisited = [s for s in unvisited if s[0] != sub_path]
            elif unvisited:
                sub_path, leaves, _ = unvisited.pop()
            else:
                subs = [s for s in self.subs if s[0] != previous] or self.subs
                weights = [w * sum(self.weight(leaf) for leaf in ls) ** 0.8 for _, ls, w in subs]
                sub_path, leaves, _ = rng.choices(subs, weights)[0]
            previous = sub_path
            exchange += 1
            if not self.discuss(sub_path, leaves, forced):
                break

    def discuss(self, sub_path, leaves: list[str], forced: _AstralTemplate | None) -> bool:
        """One question about a sub-theme, the answer and up to three follow-ups; False if
        there was no room for the question."""
        rng = self.rng
        zh = self.chinese and (
            (forced is not None) or (rng.random() < 0.3 and bool(self.zh_leaves(leaves)))
        )
        if not self.ask(self.question(sub_path[1], zh=zh), zh=zh):
            return False
        big = self.room() > 2500
        passages = rng.choices((1, 2, 3), (5, 3.5, 1.5))[0] if big else 1
        parts, codes = self.answer(leaves, zh=zh, passages=passages, forced=forced)
        tries = 0
        while not self.reply(parts, codes, zh=zh):
            tries += 1
            if tries > 4:
                self.reply([rng.choice(SHORT_REPLIES_ZH if zh else SHORT_REPLIES)], zh=zh)
                break
            parts, codes = self.answer(leaves, zh=zh, passages=1)
        followups = 0
        while followups < 3 and rng.random() < 0.5 and self.room() > 2500:
            followups += 1
            zh = self.chinese and rng.random() < 0.3 and bool(self.zh_leaves(leaves))
            if not self.ask(self.probe(zh=zh), zh=zh):
                break
            parts, codes = self.answer(leaves, zh=zh, passages=rng.choice((1, 1, 2)))
            if not self.reply(parts, codes, zh=zh):
                break
        return True


@dataclass(frozen=True, slots=True)
class _AstralTemplate:
    leaf: str
    group: str
    text: str


ASTRAL_TEMPLATES = tuple(_AstralTemplate(leaf, group, text) for leaf, group, text in ASTRAL)
_GROUP_NAMES = {key: name for key, name, *_ in GROUPS}


def interview(
    pseudonym: str,
    group_key: str,
    wave_index: int,
    rng: random.Random,
    *,
    chinese: bool,
    astral: bool,
    target_chars: int,
) -> tuple[str, list[Anchor]]:
    """A synthetic semi-structured interview of at most ``target_chars`` code points.

    ``group_key`` is "psw", "su" or "cw"; ``wave_index`` 0, 1 or 2. The text is canonical
    (``studies.text.canonicalize``), one speaker turn per line, and usually ends within a
    hundred characters of ``target_chars``. The anchors are the passages that express a
    code, as code-point offsets into the text; they may overlap.
    """
    generated = generate(
        pseudonym,
        group_key,
        wave_index,
        rng,
        chinese=chinese,
        astral=astral,
        target_chars=target_chars,
    )
    return generated.text, generated.anchors


def generate(pseudonym, group_key, wave_index, rng, *, chinese, astral, target_chars, topics=None):
    if group_key not in _GROUP_NAMES:
        raise ValueError(f"Unknown group {group_key!r}; expected one of {sorted(_GROUP_NAMES)}.")
    if wave_index not in (0, 1, 2):
        raise ValueError(f"Unknown wave {wave_index!r}; expected 0, 1 or 2.")
    writer = _Writer(
        pseudonym,
        group_key,
        wave_index,
        rng,
        chinese=chinese,
        astral=astral,
        target_chars=target_chars,
        topics=topics,
    )
    return writer.run()
