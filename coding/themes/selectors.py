"""Reads of the theme board: prevalence across group x wave, the change summary across
waves, the history of a theme and the journal entries a member may see.

Prevalence follows :mod:`coding.compare`: the same frame (denominator = participants of the
group interviewed at the wave), the same layer choice (consensus by default, the coders'
union or one layer; a blind coder only their own layer) and the same rollup: a theme is
present in a transcript when any of its codes, or a descendant of one, is applied there.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_lazy, pgettext

from coding.codebook import selectors as codebook_selectors
from coding.compare.frame import Column, Frame, counts_by_code_transcript, percent, study_frame
from coding.compare.layers import LayerChoice
from coding.models import JournalEntry, Theme, ThemeEvent, ThemeStatus
from studies.access import StudyAccess


@dataclass
class PrevalenceCell:
    group_id: int
    wave_id: int
    present: int  # participants with the theme
    transcripts: int  # transcripts with the theme
    denominator: int  # participants of the group interviewed at the wave

    @property
    def interviewed(self) -> bool:
        return self.denominator > 0

    @property
    def percent(self) -> int | None:
        return percent(self.present, self.denominator)

    @property
    def text(self) -> str:
        if not self.interviewed:
            return "—"
        return f"{self.present}/{self.denominator} · {self.percent}%"


@dataclass(frozen=True)
class Step:
    """One group's theme from one wave to a later one."""

    kind: str  # rises, falls, appears, disappears, stays
    before: PrevalenceCell
    after: PrevalenceCell
    before_wave: str
    after_wave: str

    @property
    def text(self) -> str:
        return gettext("%(before)s at %(before_wave)s → %(after)s at %(after_wave)s") % {
            "before": f"{self.before.present}/{self.before.denominator}",
            "before_wave": self.before_wave,
            "after": f"{self.after.present}/{self.after.denominator}",
            "after_wave": self.after_wave,
        }

    @property
    def html(self) -> str:
        """:attr:`text` as HTML: the waves' names (the study's) in ``translate="no"``, the
        words between them the interface's."""
        return mark_safe(
            escape(gettext("%(before)s at %(before_wave)s → %(after)s at %(after_wave)s"))
            % {
                "before": f"{self.before.present}/{self.before.denominator}",
                "before_wave": _name(self.before_wave),
                "after": f"{self.after.present}/{self.after.denominator}",
                "after_wave": _name(self.after_wave),
            }
        )

    @property
    def step_html(self) -> str:
        """One step of a group's list: "Rises: 1/3 at T1 → 2/3 at T2"."""
        return mark_safe(
            escape(gettext("%(kind)s: %(change)s"))
            % {
                "kind": escape(self.kind_words[:1].upper() + self.kind_words[1:]),
                "change": self.html,
            }
        )

    @property
    def kind_words(self) -> str:
        """The kind in the interface language ("rises")."""
        return str(STEP_WORDS.get(self.kind, self.kind))

    @property
    def overall_words(self) -> str:
        """``rises overall`` in the interface language."""
        return str(OVERALL_WORDS.get(self.kind, self.kind))


STEP_WORDS = {
    "rises": gettext_lazy("rises"),
    "falls": gettext_lazy("falls"),
    "appears": gettext_lazy("appears"),
    "disappears": gettext_lazy("disappears"),
    "stays": gettext_lazy("stays"),
}
OVERALL_WORDS = {
    "rises": gettext_lazy("rises overall"),
    "falls": gettext_lazy("falls overall"),
    "appears": gettext_lazy("appears overall"),
    "disappears": gettext_lazy("disappears overall"),
    "stays": gettext_lazy("stays overall"),
}


def _name(text) -> str:
    """The study's own words (a group's, a wave's name), kept from machine translation."""
    return format_html('<span translate="no">{}</span>', text)


@dataclass
class GroupChange:
    group: object
    steps: list[Step]  # between consecutive waves the group was interviewed at
    overall: Step | None  # first to last of those waves

    @property
    def html(self) -> str:
        """The group's line on a theme's page, "PSW: 2/9 at T1 → 7/9 at T3 (rises
        overall)", the separators from the catalogue (a full-width colon in Chinese)."""
        group = format_html("<strong>{}</strong>", _name(self.group.name))
        if self.overall:
            return mark_safe(
                escape(gettext("%(group)s: %(change)s (%(overall)s)"))
                % {
                    "group": group,
                    "change": self.overall.html,
                    "overall": escape(self.overall.overall_words),
                }
            )
        note = format_html(
            '<span class="muted">{}</span>', gettext("interviewed at fewer than two waves")
        )
        return mark_safe(escape(gettext("%(group)s: %(trail)s")) % {"group": group, "trail": note})


@dataclass
class Prevalence:
    theme: Theme
    frame: Frame
    columns: list[Column]
    cells: list[PrevalenceCell]
    participants: int  # distinct participants with the theme at any wave
    placed: int  # participants of the frame interviewed at some wave
    changes: list[GroupChange] = field(default_factory=list)

    def row(self, group_id: int) -> list[PrevalenceCell]:
        return [c for c in self.cells if c.group_id == group_id]

    def _trails(self, name=str):
        """(group, [(share, wave), ...]) per group interviewed at some wave; ``name`` wraps
        the study's names (groups and waves)."""
        waves = {w.pk: w.name for w in self.frame.waves}
        for group in self.frame.groups:
            cells = [c for c in self.row(group.pk) if c.interviewed]
            if cells:
                yield (
                    name(group.name),
                    [(f"{c.present}/{c.denominator}", name(waves[c.wave_id])) for c in cells],
                )

    def trail_lines(self) -> list[str]:
        """One line per group through every wave it was interviewed at, e.g.
        "PSW: 0/3 at T1 → 1/3 at T2 → 0/3 at T3", in the interface language."""
        return [
            gettext("%(group)s: %(trail)s")
            % {
                "group": group,
                "trail": " → ".join(
                    gettext("%(share)s at %(wave)s") % {"share": share, "wave": wave}
                    for share, wave in steps
                ),
            }
            for group, steps in self._trails()
        ]

    def trail_html(self) -> list[str]:
        """:meth:`trail_lines` as HTML for the board's cards: the study's names marked
        ``translate="no"``, the words between them the interface's."""

        def name(text):
            return format_html('<span translate="no">{}</span>', text)

        return [
            mark_safe(
                escape(gettext("%(group)s: %(trail)s"))
                % {
                    "group": group,
                    "trail": " → ".join(
                        escape(gettext("%(share)s at %(wave)s")) % {"share": share, "wave": wave}
                        for share, wave in steps
                    ),
                }
            )
            for group, steps in self._trails(name)
        ]

    def summary_lines(self) -> list[str]:
        """One sentence per group: the first wave to the last, e.g. "PSW: 2/9 at T1 → 7/9 at T3"."""
        return [
            gettext("%(group)s: %(trail)s") % {"group": g.group.name, "trail": g.overall.text}
            for g in self.changes
            if g.overall
        ]


def _kind(a: PrevalenceCell, b: PrevalenceCell) -> str:
    if a.present == 0 and b.present > 0:
        return "appears"
    if a.present > 0 and b.present == 0:
        return "disappears"
    # Compare shares, not counts: the denominators differ when someone missed a wave.
    left, right = a.present * b.denominator, b.present * a.denominator
    if right > left:
        return "rises"
    if right < left:
        return "falls"
    return "stays"


def _changes(frame: Frame, cells: dict[tuple[int, int], PrevalenceCell]) -> list[GroupChange]:
    out = []
    for group in frame.groups:
        seen = [
            (w, cells[group.pk, w.pk]) for w in frame.waves if cells[group.pk, w.pk].interviewed
        ]

        def step(first, second):
            (w1, c1), (w2, c2) = first, second
            return Step(_kind(c1, c2), c1, c2, w1.name, w2.name)

        steps = [step(seen[i], seen[i + 1]) for i in range(len(seen) - 1)]
        overall = step(seen[0], seen[-1]) if len(seen) > 1 else None
        out.append(GroupChange(group=group, steps=steps, overall=overall))
    return out


def _chains(book: codebook_selectors.Codebook) -> dict[int, tuple[int, ...]]:
    """Code id -> itself and its ancestors (codes the member may see)."""
    out: dict[int, tuple[int, ...]] = {}
    stack = [(root, ()) for root in book.roots]
    while stack:
        node, chain = stack.pop()
        chain = (*chain, node.pk)
        out[node.pk] = chain
        stack.extend((child, chain) for child in node.children)
    return out


def prevalence(
    access: StudyAccess,
    themes: Sequence[Theme],
    choice: LayerChoice,
    *,
    book: codebook_selectors.Codebook | None = None,
    frame: Frame | None = None,
) -> dict[int, Prevalence]:
    """Each theme's prevalence across group x wave in the layers of ``choice``.

    ``themes`` need ``codes`` loaded (prefetched) or cost one query each. Queries:
    codebook (1) and frame (4) unless given, and one aggregate over segments (distinct
    (code, transcript) pairs)."""
    book = book if book is not None else codebook_selectors.codebook_for(access, light=True)
    frame = frame if frame is not None else study_frame(access.study)
    chains = _chains(book)
    theme_codes = {t.pk: {c.pk for c in t.codes.all()} for t in themes}
    # code id -> the themes it (or an ancestor) feeds
    feeds: dict[int, list[int]] = defaultdict(list)
    for code_id, chain in chains.items():
        for tid, codes in theme_codes.items():
            if codes.intersection(chain):
                feeds[code_id].append(tid)
    parts: dict[tuple[int, int, int], set[int]] = defaultdict(set)
    trans: dict[tuple[int, int, int], set[int]] = defaultdict(set)
    anywhere: dict[int, set[int]] = defaultdict(set)
    rows = counts_by_code_transcript(choice.layer_ids, count=False) if feeds else []
    for code_id, transcript_id, _ in rows:
        where = frame.transcripts.get(transcript_id)
        if where is None or code_id not in feeds:
            continue
        pid, gid, wid = where
        for tid in feeds[code_id]:
            parts[tid, gid, wid].add(pid)
            trans[tid, gid, wid].add(transcript_id)
            anywhere[tid].add(pid)
    columns = frame.columns
    placed = len(set().union(*frame.interviewed.values())) if frame.interviewed else 0
    out = {}
    for theme in themes:
        by_key = {}
        for col in columns:
            key = (theme.pk, col.group.pk, col.wave.pk)
            by_key[col.key] = PrevalenceCell(
                group_id=col.group.pk,
                wave_id=col.wave.pk,
                present=len(parts.get(key, ())),
                transcripts=len(trans.get(key, ())),
                denominator=col.participants,
            )
        out[theme.pk] = Prevalence(
            theme=theme,
            frame=frame,
            columns=columns,
            cells=list(by_key.values()),
            participants=len(anywhere.get(theme.pk, ())),
            placed=placed,
            changes=_changes(frame, by_key),
        )
    return out


def theme_prevalence(access: StudyAccess, theme: Theme, choice: LayerChoice, **kw) -> Prevalence:
    """:func:`prevalence` of one theme (its codes: one query more)."""
    return prevalence(access, [theme], choice, **kw)[theme.pk]


def themes_for_board(access: StudyAccess):
    """The study's themes with their codes and journal links (counted) preloaded: 2 queries
    (themes, codes) plus 1 for the visible journal entries linked to them."""
    return list(access.study.themes.prefetch_related("codes").order_by("position", "name", "pk"))


@dataclass
class Card:
    theme: Theme
    chips: list  # CodeNodes the member may see
    prevalence: Prevalence
    journal: int  # visible journal entries linked to it


def board(access: StudyAccess, choice: LayerChoice, book=None, frame=None) -> dict[str, list[Card]]:
    """Cards by status column, in :class:`ThemeStatus` order. Queries: themes 2, codebook 1,
    frame 4, segments 1, journal links 1."""
    book = book if book is not None else codebook_selectors.codebook_for(access, light=True)
    themes = themes_for_board(access)
    prev = prevalence(access, themes, choice, book=book, frame=frame)
    links: dict[int, int] = defaultdict(int)
    through = JournalEntry.themes.through.objects.filter(
        journalentry__in=visible_journal(access), theme__study=access.study
    )
    for tid in through.values_list("theme_id", flat=True):
        links[tid] += 1
    columns: dict[str, list[Card]] = {s: [] for s in ThemeStatus.values}
    for theme in themes:
        chips = [book.by_id[c.pk] for c in theme.codes.all() if c.pk in book.by_id]
        columns[theme.status].append(
            Card(theme=theme, chips=chips, prevalence=prev[theme.pk], journal=links[theme.pk])
        )
    return columns


@dataclass
class HistoryItem:
    event: ThemeEvent
    summary: str


def theme_history(
    theme: Theme, book: codebook_selectors.Codebook | None = None
) -> list[HistoryItem]:
    """The theme's events, oldest first, each said in words. Queries: 1 (events with actor
    and related themes) plus codebook names (1 unless ``book`` is given)."""
    events = list(
        theme.events.select_related("actor").prefetch_related(
            Prefetch("related", queryset=Theme.objects.only("pk", "name"))
        )
    )
    if book is None:
        book = codebook_selectors.codebook(theme.study, light=True)

    def names(ids) -> str:
        # Names quoted 「…」 (the glossary's marks for a name inside a sentence).
        found = [
            pgettext("a name in a sentence", "%(name)s") % {"name": book.by_id[i].code.name}
            for i in ids or ()
            if i in book.by_id
        ]
        return gettext(", ").join(found) or gettext("none")

    out = []
    for e in events:
        related = gettext(", ").join(
            gettext("“%(name)s”") % {"name": t.name} for t in e.related.all()
        )
        before, after = e.before or {}, e.after or {}
        if e.kind == "created":
            s = gettext("Created with codes: %(codes)s") % {"codes": names(after.get("codes"))}
        elif e.kind == "renamed":
            s = gettext("Renamed “%(old)s” → “%(new)s”") % {
                "old": before.get("name"),
                "new": after.get("name"),
            }
        elif e.kind == "edited":
            s = gettext("Central organising concept reworded")
        elif e.kind == "status":
            s = gettext("Status %(old)s → %(new)s") % {
                "old": _status_words(before.get("status")),
                "new": _status_words(after.get("status")),
            }
        elif e.kind == "codes":
            s = gettext("Codes: %(old)s → %(new)s") % {
                "old": names(before.get("codes")),
                "new": names(after.get("codes")),
            }
        elif e.kind == "through_line":
            s = gettext("Through-line memo edited")
        elif e.kind == "split" and "from" in before:
            s = gettext("Split off from %(theme)s with codes: %(codes)s") % {
                "theme": related,
                "codes": names(after.get("codes")),
            }
        elif e.kind == "split":
            s = gettext("Split: %(themes)s took codes; kept %(codes)s") % {
                "themes": related,
                "codes": names(after.get("codes")),
            }
        elif e.kind == "merged" and "into" in after:
            s = gettext("Merged into %(theme)s (discarded)") % {"theme": related}
        elif e.kind == "merged":
            s = gettext("Merged in %(themes)s; codes now %(codes)s") % {
                "themes": related,
                "codes": names(after.get("codes")),
            }
        else:
            s = e.get_kind_display()
        out.append(HistoryItem(event=e, summary=s))
    return out


# --- the reflexive journal ---------------------------------------------------------------


def visible_journal(access: StudyAccess):
    """Journal entries the member may read: their own, and others' shared ones; under blind
    coding a coder reads, of others', only the owners' shared entries (as with memos).
    A private entry is never anyone else's, owners included."""
    from studies.models import Membership, Role

    me = access.membership.user_id
    qs = JournalEntry.objects.filter(study=access.study)
    others = Q(shared=True)
    if access.blind:
        owners = Membership.objects.filter(study=access.study, role=Role.OWNER).values("user_id")
        others &= Q(author_id__in=owners)
    return qs.filter(Q(author_id=me) | others)


def journal_entries(access: StudyAccess, *, transcript=None, code=None, theme=None):
    """Visible entries, newest first, with author and links preloaded (links to codes the
    member may not see are dropped by the caller's codebook). Queries: 1 + 3 prefetches."""
    qs = visible_journal(access)
    if transcript is not None:
        qs = qs.filter(transcripts=transcript)
    if code is not None:
        qs = qs.filter(codes=code)
    if theme is not None:
        qs = qs.filter(themes=theme)
    return list(
        qs.select_related("author")
        .prefetch_related(
            Prefetch("transcripts", queryset=access.study.transcripts.defer("text")),
            "codes",
            Prefetch("themes", queryset=Theme.objects.only("pk", "name", "study_id")),
        )
        .order_by("-created_at", "-pk")
    )


def _status_words(status) -> str:
    """A theme status as the history writes it ("candidate"), in the interface language."""
    words = {
        "candidate": pgettext("theme status", "candidate"),
        "reviewed": pgettext("theme status", "reviewed"),
        "final": pgettext("theme status", "final"),
        "discarded": pgettext("theme status", "discarded"),
    }
    return words.get(status, str(status))
