"""REFI-QDA positions: detect the convention a source's selections count in and convert
them to code points of the canonical text (see the notes in :mod:`coding.exchange.export`)."""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext

from coding.exchange.parse import _SOURCE_EXTENSIONS, _Parsed, _SelectionIn, _SourceIn
from coding.exchange.report import RefiImportReport, convention_label
from coding.exchange.xmlout import _ASTRAL, _identity
from studies import text as textlib
from studies.models import Transcript
from studies.offset_map import OffsetMap

_WS = re.compile(r"\s+")


def _squash(text: str) -> str:
    return _WS.sub(" ", text).strip()


def _preview_matches(name: str | None, text: str) -> bool | None:
    """Does a selection's ``name`` describe ``text``? None when there is no preview."""
    if not name or not name.strip() or _LINE_NAME.match(name):
        return None  # qc names selections ``line:N``: not a preview
    expected = _squash(unicodedata.normalize("NFC", name))
    actual = _squash(unicodedata.normalize("NFC", text))
    if expected == actual:
        return True
    for ellipsis in ("…", "..."):
        if expected.endswith(ellipsis):
            stem = expected[: -len(ellipsis)].rstrip()
            return bool(stem) and actual.startswith(stem)
    return False


def _conventions(raw: str, bom: bool) -> dict[str, object]:
    """Position converters ``offset -> index into raw``, one per candidate convention.

    The candidates combine what a tool may count differently from code points: UTF-16
    units (astral characters such as emoji and 𠝹 count two), CR LF counted once, a BOM
    counted as a character; only the combinations the text makes distinct are built.
    """
    astral = [m.start() for m in _ASTRAL.finditer(raw)]
    crs = [m.start() for m in re.finditer("\r\n", raw)]
    found: dict[str, object] = {}
    for utf16 in (False, True) if astral else (False,):
        for once in (False, True) if crs else (False,):
            for counted in (False, True) if bom else (False,):
                parts = [
                    label
                    for label, on in (
                        ("UTF-16 units", utf16),
                        ("CR LF counted once", once),
                        ("BOM counted", counted),
                    )
                    if on
                ]
                weights = sorted([(i, 2) for i in astral] * utf16 + [(i, 0) for i in crs] * once)
                found[", ".join(parts) or "code points"] = _converter(weights, int(counted))
    return found


def _converter(weights: list[tuple[int, int]], shift: int):
    """``position -> raw index`` where the raw characters in ``weights`` count 0 or 2."""
    if not weights:
        return _identity if not shift else (lambda p: p - shift)
    starts, delta = [], 0
    for index, weight in weights:
        starts.append(index + delta)
        delta += weight - 1

    def convert(position: int) -> int:
        position -= shift
        k = bisect.bisect_right(starts, position) - 1
        if k < 0:
            return position
        index, weight = weights[k]
        if position == starts[k]:
            return index
        if weight == 2 and position == starts[k] + 1:
            return index + 1  # inside a surrogate pair: round past the character
        return position - (starts[k] - index + weight - 1)

    return convert


_LINE_NAME = re.compile(r"^\s*line:\s*\d+\s*$", re.I)


def _is_word(ch: str) -> bool:
    return ch.isalnum() and ord(ch) < 0x2E80  # CJK characters are words on their own


def _sensible(raw: str, index: int) -> bool:
    """Does a selection boundary at ``index`` fall between words (not inside one)?"""
    if index <= 0 or index >= len(raw):
        return index == 0 or index == len(raw)
    before, after = raw[index - 1], raw[index]
    if before == "\r" and after == "\n":
        return False
    if unicodedata.combining(after):
        return False
    return not (_is_word(before) and _is_word(after))


def _score(source: _SourceIn, convert) -> tuple[int, int, int]:
    """(previews matched, selections with a preview, sensible boundaries) under ``convert``."""
    raw = source.raw or ""
    matched = with_preview = sensible = 0
    for selection in source.selections:
        start, end = convert(selection.start), convert(selection.end)
        if 0 <= start < end <= len(raw) and raw[start:end].strip():
            sensible += _sensible(raw, start) + _sensible(raw, end)
        result = _preview_matches(selection.name, raw[max(start, 0) : max(end, 0)])
        if result is not None:
            with_preview += 1
            matched += bool(result)
    return matched, with_preview, sensible


@dataclass
class _Convention:
    name: str
    convert: object
    matched: int = 0  # previews matching the text
    previews: int = 0  # selections with a preview
    sensible: int = 0  # selection boundaries between words
    unsure: int = 0  # selections another plausible convention would put elsewhere


def _origin_hint(origin: str, options) -> str | None:
    """The convention the producing tool is known to use, among ``options``."""
    if re.search(r"nvivo", origin, re.I):  # UTF-16 units, CR LF as two, BOM not counted
        return "UTF-16 units" if "UTF-16 units" in options else "code points"
    if re.search(r"atlas|maxqda", origin, re.I):  # code points, CR LF as one
        return "CR LF counted once" if "CR LF counted once" in options else "code points"
    return None


def _choose_convention(source: _SourceIn, origin: str) -> _Convention:
    """The convention under which the selections make most sense.

    Ranked by previews matched (``name``), then by selection boundaries that fall between
    words, then by the producing tool's habit (``origin``: NVivo counts UTF-16 units,
    ATLAS.ti and MAXQDA count CR LF once), then the standard (code points). ``unsure``
    counts the selections that an equally ranked other convention would place
    differently: they are imported, and the report says so.
    """
    matched, with_preview, sensible = _score(source, _identity)
    if with_preview and matched == with_preview:
        return _Convention("code points", _identity, matched, with_preview, sensible)
    options = _conventions(source.raw or "", source.bom)
    if len(options) == 1:
        return _Convention("code points", _identity, matched, with_preview, sensible)
    hint = _origin_hint(origin, options)
    ranked = []
    for name, convert in options.items():
        m, p, s = _score(source, convert)
        hinted = name == hint
        ranked.append(((m, s, hinted, name == "code points"), _Convention(name, convert, m, p, s)))
    ranked.sort(key=lambda item: item[0], reverse=True)
    (best_rank, best), rest = ranked[0], ranked[1:]
    # Ties on the evidence (previews, boundaries) are broken by the tool's habit: sure
    # when the tool is known, unsure (and counted) otherwise.
    rivals = [c for rank, c in rest if rank[:2] == best_rank[:2] and not best_rank[2]]
    if rivals:
        placements = [
            {(c.convert(s.start), c.convert(s.end)) for c in (best, *rivals)}
            for s in source.selections
        ]
        best.unsure = sum(1 for p in placements if len(p) > 1)
    return best


class _Canonicaliser:
    """Canonical text of an imported source and the map of raw indices onto it.

    CR LF → LF, lone CR → LF and the removal of control characters are exact (a count of
    removed characters before each index); so are NFC and the stripping of blank lines at
    either end: NFC never reaches across a newline, so each line is composed on its own and
    only a line that NFC changed gets a (small) :class:`studies.offset_map.OffsetMap`. No diff runs
    over the whole text, which kept repetitive sources from pinning a worker.
    """

    _REMOVED = re.compile(r"\r(?=\n)|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff]")

    def __init__(self, raw: str):
        self.removed = [m.start() for m in self._REMOVED.finditer(raw)]
        stage = self._REMOVED.sub("", raw).replace("\r", "\n")
        self.text = textlib.canonicalize(stage)
        self._stage_starts: list[int] = []
        self._composed_starts: list[int] = []
        self._changed: dict[int, OffsetMap] = {}
        stage_at = composed_at = 0
        parts = []
        for index, line in enumerate(stage.split("\n")):
            composed = unicodedata.normalize("NFC", line)
            if composed != line:
                self._changed[index] = OffsetMap(line, composed)
            self._stage_starts.append(stage_at)
            self._composed_starts.append(composed_at)
            stage_at += len(line) + 1
            composed_at += len(composed) + 1
            parts.append(composed)
        composed_text = "\n".join(parts)
        self._lead = len(composed_text) - len(composed_text.lstrip("\n"))
        # Should canonicalize ever do more than this, fall back to a (bounded) diff.
        self._diff = None
        if composed_text.strip("\n") != self.text:
            self._diff = OffsetMap(stage, self.text)

    def _position(self, position: int, *, is_end: bool) -> int:
        index = bisect.bisect_right(self._stage_starts, position) - 1
        within = position - self._stage_starts[index]
        if index in self._changed:
            within = self._changed[index].position(within, is_end=is_end)
        return min(max(self._composed_starts[index] + within - self._lead, 0), len(self.text))

    def span(self, start: int, end: int) -> tuple[int, int]:
        start -= bisect.bisect_left(self.removed, start)
        end -= bisect.bisect_left(self.removed, end)
        if self._diff is not None:
            return self._diff.span(start, end)[:2]
        return self._position(start, is_end=False), self._position(end, is_end=True)


# --- import: planning and writing -----------------------------------------------------


def _strip_extension(name: str) -> str:
    lower = name.lower()
    for extension in _SOURCE_EXTENSIONS:
        if lower.endswith(extension) and len(name) > len(extension):
            return name[: -len(extension)].strip()
    return name


@dataclass
class _PreparedSource:
    source: _SourceIn
    title: str
    text: str
    checksum: str
    # (selection, start, end, quote) on the canonical text
    spans: list[tuple[_SelectionIn, int, int, str]]
    convert: object = None  # position -> raw index (the source's convention)
    canon: object = None  # _Canonicaliser: raw index -> canonical code point


def _prepare_sources(parsed: _Parsed, report: RefiImportReport) -> list[_PreparedSource]:
    """Canonicalise every source and carry its selections onto the canonical text (no DB)."""
    prepared = []
    max_chars = settings.WORKBENCH_MAX_TEXT_CHARS
    max_total, total = settings.WORKBENCH_MAX_IMPORT_CHARS, 0
    for source in parsed.sources:
        if source.raw is None:
            continue
        total += len(source.raw)
        if total > max_total:
            report.error(
                gettext(
                    "With this source the project holds more than %(max)s characters of text, "
                    "the limit for one import."
                )
                % {"max": f"{max_total:,}"},
                source.where,
            )
            break
        canon = _Canonicaliser(source.raw)
        text = canon.text
        if not text.strip():
            report.warn(
                gettext("%(where)s has no text; it was skipped (%(n)s selection(s)).")
                % {"where": source.where, "n": len(source.selections)}
            )
            report.skip("sources without text")
            continue
        if len(text) > max_chars:
            report.error(
                gettext("The text has %(n)s characters; the limit is %(max)s.")
                % {"n": f"{len(text):,}", "max": f"{max_chars:,}"},
                source.where,
            )
            continue
        convention = _choose_convention(source, parsed.origin)
        convert = convention.convert
        report.conventions[convention.name] = report.conventions.get(convention.name, 0) + 1
        if convention.name != "code points" and convention.previews:
            report.warn(
                gettext(
                    "%(where)s: positions read as %(convention)s (%(n)s of %(all)s previews match)."
                )
                % {
                    "where": source.where,
                    "convention": convention_label(convention.name),
                    "n": convention.matched,
                    "all": convention.previews,
                }
            )
        if convention.unsure:
            report.count("selections_unsure", convention.unsure)
            report.warn(
                gettext(
                    "%(where)s: the position convention could not be established; read as "
                    "%(convention)s. %(unsure)s of %(n)s selection(s) would land elsewhere under "
                    "another convention: check them (%(sensible)s of %(boundaries)s boundaries "
                    "fall between words)."
                )
                % {
                    "where": source.where,
                    "convention": convention_label(convention.name),
                    "unsure": convention.unsure,
                    "n": len(source.selections),
                    "sensible": convention.sensible,
                    "boundaries": 2 * len(source.selections),
                }
            )
        spans = _carry_spans(source, canon, convert, report)
        title = _strip_extension(source.name) or f"Source {source.key[:8]}"
        if len(title) > 200:
            report.warn(
                gettext("%(where)s: the title was cut to 200 characters.") % {"where": source.where}
            )
            title = title[:200].strip()
        prepared.append(
            _PreparedSource(
                source=source,
                title=title,
                text=text,
                checksum=Transcript.checksum_of(text),
                spans=spans,
                convert=convert,
                canon=canon,
            )
        )
    return prepared


def _carry_spans(source: _SourceIn, canon, convert, report: RefiImportReport) -> list:
    """The source's selections as (selection, start, end, quote) on the canonical text."""
    text = canon.text
    mismatched, clamped = 0, 0
    spans = []
    raw_length = len(source.raw)
    for selection in source.selections:
        start, end = convert(selection.start), convert(selection.end)
        if start < 0 or end > raw_length or start > end:
            clamped += 1
            start, end = max(0, min(start, raw_length)), max(0, min(end, raw_length))
        if _preview_matches(selection.name, source.raw[start:end]) is False:
            mismatched += 1
        start, end = canon.span(start, end)
        quote = text[start:end]
        if start >= end or not quote.strip():
            report.warn(
                gettext(
                    "%(where)s: the selection %(start)s–%(end)s is empty or only white space "
                    "after conversion; skipped."
                )
                % {"where": source.where, "start": selection.start, "end": selection.end}
            )
            report.skip("empty selections")
            continue
        spans.append((selection, start, end, quote))
    if clamped:
        report.warn(
            gettext("%(where)s: %(n)s selection(s) reached outside the text and were clamped.")
            % {"where": source.where, "n": clamped}
        )
    if mismatched:
        report.warn(
            gettext(
                "%(where)s: %(n)s selection name(s) do not match the text at their positions "
                "(imported by position)."
            )
            % {"where": source.where, "n": mismatched}
        )
    return spans
