"""The theme report: for each theme (or each code, when the study has no themes yet), its
prevalence per group × wave with the denominators (the comparison's frame: participants of
the group interviewed at the wave) and its exemplar quotes, tagged as in a results section.

Prevalence is :func:`coding.themes.selectors.prevalence` (a code counts with its
descendants); the layers are the comparison's (:func:`coding.compare.layers.layer_choice`,
a blind coder only their own). Quotes are the segments' own text at their offsets.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext, pgettext_lazy

from coding.codebook import selectors as codebook_selectors
from coding.compare.frame import Frame, study_frame
from coding.compare.layers import LayerChoice
from coding.exemplars import selectors
from coding.exemplars.selectors import ExemplarRow
from coding.exemplars.tags import wave_label
from coding.models import ThemeStatus
from coding.themes import selectors as theme_selectors
from coding.themes.selectors import Prevalence, PrevalenceCell
from studies.access import StudyAccess


class _Codes:
    def __init__(self, codes):
        self._codes = list(codes)

    def all(self):
        return self._codes


@dataclass
class _CodeUnit:
    """A code standing in for a theme in :func:`theme_selectors.prevalence`."""

    pk: int
    name: str
    codes: _Codes


@dataclass
class ReportUnit:
    kind: str  # "theme" or "code"
    pk: int
    name: str
    about: str  # the theme's central organising concept, or the code's description
    status: str  # the theme's status label ("" for a code)
    prevalence: Prevalence
    quotes: list[ExemplarRow] = field(default_factory=list)

    def row(self, group_id: int) -> list[PrevalenceCell]:
        return self.prevalence.row(group_id)


@dataclass
class ThemeReport:
    study: object
    choice: LayerChoice
    frame: Frame
    kind: str  # "theme" or "code"
    units: list[ReportUnit]

    @property
    def wave_headers(self) -> list[str]:
        return [wave_label(w.name) for w in self.frame.waves]

    @property
    def layer_sentence(self) -> str:
        return gettext("Counted in: %(layer)s.") % {"layer": self.choice.label}


def cell_text(cell: PrevalenceCell) -> str:
    """ "3/5 (60%)", or "not interviewed" when nobody of the group was at that wave."""
    if not cell.interviewed:
        return gettext("not interviewed")
    return f"{cell.present}/{cell.denominator} ({cell.percent}%)"


#: A theme's status in the reader's language (the model's labels are English).
THEME_STATUS_WORDS = {
    "candidate": pgettext_lazy("theme status", "Candidate"),
    "reviewed": pgettext_lazy("theme status", "Reviewed"),
    "final": pgettext_lazy("theme status", "Final"),
    "discarded": pgettext_lazy("theme status", "Discarded"),
}


def _order_key(frame: Frame):
    gpos = {g.pk: i for i, g in enumerate(frame.groups)}
    wpos = {w.pk: i for i, w in enumerate(frame.waves)}

    def key(row: ExemplarRow):
        t = row.exemplar.segment.transcript
        p = t.participant
        return (
            gpos.get(p.group_id if p else None, len(gpos)),
            wpos.get(t.wave_id, len(wpos)),
            (p.pseudonym.lower() if p else ""),
            row.exemplar.segment.start,
            row.exemplar.pk,
        )

    return key


def theme_report(access: StudyAccess, choice: LayerChoice) -> ThemeReport:
    """The report. Queries: codebook 1, frame 4, themes 2, segments 1, exemplars 1."""
    book = codebook_selectors.codebook_for(access)  # with definitions
    frame = study_frame(access.study)
    themes = [
        t for t in theme_selectors.themes_for_board(access) if t.status != ThemeStatus.DISCARDED
    ]
    exemplars = selectors.exemplar_rows(access)
    key = _order_key(frame)
    if themes:
        prev = theme_selectors.prevalence(access, themes, choice, book=book, frame=frame)
        # a theme's quotes: marked for it, or for one of its codes or their descendants
        feeds: dict[int, set[int]] = defaultdict(set)
        for theme in themes:
            for code in theme.codes.all():
                node = book.by_id.get(code.pk)
                stack = [node] if node else []
                while stack:
                    n = stack.pop()
                    feeds[n.pk].add(theme.pk)
                    stack.extend(n.children)
        quotes: dict[int, list[ExemplarRow]] = defaultdict(list)
        for row in exemplars:
            ex = row.exemplar
            targets = {ex.theme_id} if ex.theme_id else feeds.get(ex.code_id, set())
            for tid in targets:
                quotes[tid].append(row)
        units = [
            ReportUnit(
                kind="theme",
                pk=t.pk,
                name=t.name,
                about=t.concept,
                status=str(THEME_STATUS_WORDS.get(t.status, t.get_status_display())),
                prevalence=prev[t.pk],
                quotes=sorted(quotes[t.pk], key=key),
            )
            for t in themes
        ]
        return ThemeReport(access.study, choice, frame, "theme", units)
    nodes = list(book.walk(include_archived=False))
    shims = [_CodeUnit(n.pk, n.path, _Codes([n.code])) for n in nodes]
    prev = theme_selectors.prevalence(access, shims, choice, book=book, frame=frame)
    quotes = defaultdict(list)
    for row in exemplars:
        if row.exemplar.code_id:
            quotes[row.exemplar.code_id].append(row)
    units = [
        ReportUnit(
            kind="code",
            pk=n.pk,
            name=n.path,
            about=n.code.description,
            status="",
            prevalence=prev[n.pk],
            quotes=sorted(quotes[n.pk], key=key),
        )
        for n in nodes
    ]
    return ThemeReport(access.study, choice, frame, "code", units)
