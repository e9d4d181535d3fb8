"""Typed participant and transcript attributes: reading, checking, binning and filtering.

A study defines its attributes (:class:`studies.models.Attribute`: name, scope, kind,
choices); the values stay in ``Participant.attributes`` and ``Transcript.attributes`` under
the attribute's name. Values are stored typed: a number as a JSON number, a date as
``YYYY-MM-DD``, text and choices as strings. Older rows may hold numbers as strings (the CSV
import stored every value as text): every comparison here goes through :func:`parse`, which
reads both.

Filters are spelled ``attribute:<name>=<value>`` (query strings, the API): ``<value>`` is
compared case-insensitively for text and choices, as a number or a date otherwise, and for
a number it may be a range ``lo..hi`` holding both ends (``18..30`` is 18 <= age <= 30, as
the filters' hint "e.g. 30 or 18..30" reads; either end may be left out). ``lo..<hi`` leaves
the upper end out (18 <= age < 30): a binned matrix cell links to its half-open bin so.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from studies.models import Attribute, AttributeKind, AttributeScope

PREFIX = "attribute:"
RANGE = ".."
BELOW = "<"  # after RANGE: the upper end is left out


def parse(defn: Attribute, raw) -> object:
    """``raw`` (as typed, or as stored) as the attribute's type; None when empty.

    Raises ValueError with a message a person can act on."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raw = "yes" if raw else "no"
    if defn.kind == AttributeKind.NUMBER:
        if isinstance(raw, int | float):
            number = raw
        else:
            text = str(raw).strip()
            if not text:
                return None
            try:
                number = int(text)
            except ValueError:
                try:
                    number = float(text)
                except ValueError:
                    raise ValueError(_("“%(text)s” is not a number.") % {"text": text}) from None
        if isinstance(number, float) and not math.isfinite(number):
            raise ValueError(_("“%(raw)s” is not a number.") % {"raw": raw})
        if isinstance(number, float) and number.is_integer():
            number = int(number)
        return number
    text = str(raw).strip()
    if not text:
        return None
    if defn.kind == AttributeKind.DATE:
        try:
            return dt.date.fromisoformat(text[:10]).isoformat()
        except ValueError:
            raise ValueError(
                _("“%(text)s” is not a date as YYYY-MM-DD.") % {"text": text}
            ) from None
    if defn.kind == AttributeKind.CHOICE:
        for choice in defn.choices or []:
            if str(choice).lower() == text.lower():
                return str(choice)
        allowed = ", ".join(str(c) for c in defn.choices or []) or "none defined"
        raise ValueError(
            _("“%(text)s” is not one of the choices (%(allowed)s).")
            % {"text": text, "allowed": allowed}
        )
    return text


def infer_kind(values: Iterable) -> str:
    """Number when every non-empty value reads as a number, date when every one reads as
    an ISO date, text otherwise (and for no values)."""
    present = [v for v in values if v is not None and str(v).strip() != ""]
    if not present:
        return AttributeKind.TEXT
    for kind in (AttributeKind.NUMBER, AttributeKind.DATE):
        probe = Attribute(kind=kind)
        try:
            for value in present:
                parse(probe, value)
        except ValueError:
            continue
        return kind
    return AttributeKind.TEXT


def definitions(study, scope: str | None = None) -> list[Attribute]:
    """The study's attributes, participant ones then transcript ones, each in position
    order (one query)."""
    qs = Attribute.objects.filter(study=study)
    if scope is not None:
        qs = qs.filter(scope=scope)
    order = {AttributeScope.PARTICIPANT: 0, AttributeScope.TRANSCRIPT: 1}
    return sorted(qs, key=lambda a: (order.get(a.scope, 2), a.position, a.pk))


def by_name(defs: Iterable[Attribute], name: str) -> Attribute | None:
    """The definition called ``name`` (case-insensitive), participant ones first."""
    for defn in defs:
        if defn.name.lower() == name.strip().lower():
            return defn
    return None


def clean_values(defs: Iterable[Attribute], values: Mapping[str, object]) -> dict:
    """``values`` checked and typed against the definitions of one scope (keys matched
    case-insensitively and stored under the definition's name; undefined keys kept as
    text). Empty values are dropped. Raises ValidationError naming every bad value."""
    known = {d.name.lower(): d for d in defs}
    cleaned: dict = {}
    errors = []
    for key, raw in values.items():
        defn = known.get(str(key).strip().lower())
        if defn is None:
            if raw not in (None, ""):
                cleaned[str(key).strip()] = raw
            continue
        try:
            value = parse(defn, raw)
        except ValueError as exc:
            errors.append(f"{defn.name}: {exc}")
            continue
        if value is not None:
            cleaned[defn.name] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


def plan_definitions(
    study, scope: str, defs: list[Attribute], rows: Iterable[Mapping[str, object]]
) -> tuple[list[Attribute], list[Attribute]]:
    """``defs`` plus an unsaved definition for every key of ``rows`` not defined yet,
    typed from all its values (:func:`infer_kind`): (all definitions, the new ones)."""
    known = {d.name.lower() for d in defs}
    values: dict[str, list] = {}
    names: dict[str, str] = {}
    for row in rows:
        for key, value in row.items():
            lower = str(key).strip().lower()
            if lower and lower not in known:
                names.setdefault(lower, str(key).strip())
                values.setdefault(lower, []).append(value)
    start = max((d.position for d in defs), default=-1) + 1
    new = [
        Attribute(
            study=study,
            scope=scope,
            name=names[lower][:100],
            kind=infer_kind(values[lower]),
            position=start + i,
        )
        for i, lower in enumerate(names)
    ]
    return [*defs, *new], new


def value_errors(defs: Iterable[Attribute], values: Mapping[str, object]) -> list[tuple[str, str]]:
    """(column as given, message) for every value that does not read as its attribute."""
    known = {d.name.lower(): d for d in defs}
    out = []
    for key, raw in values.items():
        defn = known.get(str(key).strip().lower())
        if defn is None:
            continue
        try:
            parse(defn, raw)
        except ValueError as exc:
            out.append((str(key), f"{defn.name}: {exc}"))
    return out


def display(value) -> str:
    """A stored value as shown on pages and in filters."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


# --- filters -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttributeFilter:
    """``attribute:<name>=<value>`` as given."""

    name: str
    value: str

    @property
    def param(self) -> str:
        return PREFIX + self.name


def filters_from(params: Mapping) -> tuple[AttributeFilter, ...]:
    """Every ``attribute:<name>=<value>`` of a query dict (or a plain dict), empty values
    left out, in the order given."""
    found = []
    keys = params.keys()
    for key in keys:
        if not str(key).startswith(PREFIX):
            continue
        name = str(key)[len(PREFIX) :].strip()
        values = params.getlist(key) if hasattr(params, "getlist") else [params[key]]
        for value in values:
            if name and str(value).strip():
                found.append(AttributeFilter(name=name, value=str(value).strip()))
    return tuple(found)


def _range(defn: Attribute, wanted: str) -> tuple[object, object, bool] | None:
    """``(lo, hi, hi_included)`` of a number range, None when ``wanted`` is not one."""
    if defn.kind != AttributeKind.NUMBER or RANGE not in wanted:
        return None
    lo, hi = wanted.split(RANGE, 1)
    hi = hi.strip()
    below = hi.startswith(BELOW)
    if below:
        hi = hi[len(BELOW) :]
    return parse(defn, lo), parse(defn, hi), not below


def check(defn: Attribute, wanted: str) -> str | None:
    """An error message when ``wanted`` can never be a value of ``defn``."""
    try:
        if _range(defn, wanted) is None:
            parse(defn, wanted)
    except ValueError as exc:
        return f"{defn.name}: {exc}"
    return None


def matches(defn: Attribute, stored, wanted: str) -> bool:
    """Whether a stored value satisfies the filter value ``wanted`` (see the module)."""
    try:
        value = parse(defn, stored)
    except ValueError:
        # A value stored before the definition (or typed differently): compare as text.
        return display(stored).strip().lower() == wanted.strip().lower()
    if value is None:
        return False
    bounds = _range(defn, wanted)
    if bounds is not None:
        lo, hi, hi_included = bounds
        if hi is not None and (value > hi or (value == hi and not hi_included)):
            return False
        return lo is None or value >= lo
    try:
        target = parse(defn, wanted)
    except ValueError:
        return False
    if isinstance(value, str) and isinstance(target, str):
        return value.lower() == target.lower()
    return value == target


def resolve(
    study, given: Iterable[AttributeFilter], defs: list[Attribute] | None = None
) -> tuple[set[int] | None, set[int] | None, list[str]]:
    """The participants and transcripts that satisfy every filter (None: no filter of that
    scope) and an error per filter naming no attribute or holding an impossible value.

    Queries: the definitions (unless given), then one for participants and one for
    transcripts, each only when a filter of that scope is given."""
    given = list(given)
    if not given:
        return None, None, []
    defs = definitions(study) if defs is None else defs
    errors: list[str] = []
    by_scope: dict[str, list[tuple[Attribute, str]]] = {}
    for f in given:
        defn = by_name(defs, f.name)
        if defn is None:
            errors.append(_("There is no attribute “%(name)s” in this study.") % {"name": f.name})
            continue
        problem = check(defn, f.value)
        if problem:
            errors.append(problem)
            continue
        by_scope.setdefault(defn.scope, []).append((defn, f.value))
    from studies.models import Participant, Transcript

    participants = transcripts = None
    wanted = by_scope.get(AttributeScope.PARTICIPANT)
    if wanted:
        rows = Participant.objects.filter(study=study).values_list("pk", "attributes")
        participants = {
            pk
            for pk, attrs in rows
            if all(matches(d, (attrs or {}).get(d.name), v) for d, v in wanted)
        }
    wanted = by_scope.get(AttributeScope.TRANSCRIPT)
    if wanted:
        rows = Transcript.objects.filter(study=study).values_list("pk", "attributes")
        transcripts = {
            pk
            for pk, attrs in rows
            if all(matches(d, (attrs or {}).get(d.name), v) for d, v in wanted)
        }
    return participants, transcripts, errors


# --- binning ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bin:
    """One row of an attribute cut: its label and the filter value that selects it."""

    label: str
    value: str  # the attribute:<name>=<value> of its retrieval link
    lo: object = None
    hi: object = None


def parse_edges(raw: str) -> list[float | int]:
    """Bin edges as typed (``18,30,45,65``): numbers, strictly increasing.

    Raises ValueError with a message."""
    probe = Attribute(kind=AttributeKind.NUMBER)
    edges = []
    for part in (raw or "").replace(";", ",").split(","):
        if not part.strip():
            continue
        edges.append(parse(probe, part))
    if any(b <= a for a, b in zip(edges, edges[1:], strict=False)):
        raise ValueError(_("Bin edges must increase, e.g. 18,30,45,65."))
    return edges


def bins_for(edges: list) -> list[Bin]:
    """Half-open bins: below the first edge, between each pair, from the last edge on.

    Each bin's filter value leaves its upper edge out (``18..<30``), as its label says."""
    if not edges:
        return []
    upto = RANGE + BELOW
    out = [Bin(label=f"under {display(edges[0])}", value=f"{upto}{display(edges[0])}", hi=edges[0])]
    for lo, hi in zip(edges, edges[1:], strict=False):
        out.append(
            Bin(
                label=f"{display(lo)} to under {display(hi)}",
                value=f"{display(lo)}{upto}{display(hi)}",
                lo=lo,
                hi=hi,
            )
        )
    last = edges[-1]
    out.append(Bin(label=f"{display(last)} and over", value=f"{display(last)}{RANGE}", lo=last))
    return out


def bin_index(bins: list[Bin], value) -> int | None:
    for i, b in enumerate(bins):
        if (b.lo is None or value >= b.lo) and (b.hi is None or value < b.hi):
            return i
    return None


def categories(defn: Attribute, values: Iterable, edges: list | None = None):
    """The rows of a cut by ``defn``: ``(bins, place)`` where ``place(stored)`` gives the
    index of a stored value's bin or None (no value, or one that does not read).

    With ``edges`` (numbers only) the bins are ranges; otherwise one bin per distinct
    value: a choice's choices in their order, other values sorted."""
    if edges and defn.kind == AttributeKind.NUMBER:
        bins = bins_for(edges)

        def place(stored):
            try:
                value = parse(defn, stored)
            except ValueError:
                return None
            return None if value is None else bin_index(bins, value)

        return bins, place
    seen: dict[str, object] = {}
    for stored in values:
        try:
            value = parse(defn, stored)
        except ValueError:
            value = display(stored).strip() or None
        if value is not None:
            seen.setdefault(display(value).lower(), value)
    if defn.kind == AttributeKind.CHOICE:
        ordered = [c for c in defn.choices or [] if str(c).lower() in seen]
        ordered += sorted(
            (v for k, v in seen.items() if k not in {str(c).lower() for c in ordered}),
            key=lambda v: display(v).lower(),
        )
    elif defn.kind in (AttributeKind.NUMBER, AttributeKind.DATE):
        ordered = sorted(seen.values(), key=lambda v: (isinstance(v, str), v))
    else:
        ordered = sorted(seen.values(), key=lambda v: display(v).lower())
    bins = [Bin(label=display(v), value=display(v)) for v in ordered]
    index = {display(v).lower(): i for i, v in enumerate(ordered)}

    def place(stored):
        try:
            value = parse(defn, stored)
        except ValueError:
            value = display(stored).strip() or None
        return None if value is None else index.get(display(value).lower())

    return bins, place
