"""What a REFI-QDA import did, dropped and noticed, and the labels the report page shows."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy, gettext_noop, pgettext

from studies.imports import ImportRefused, ImportReport, RowError

MAX_WARNINGS = 200


@dataclass
class RefiImportReport(ImportReport):
    """What an import did (``counts``), dropped (``skipped``) and noticed (``warnings``).

    ``errors`` (inherited) are the problems that refused the import; ``created`` is the
    number of segments created.
    """

    kind: str = "project"  # "project" or "codebook"
    counts: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    omitted_warnings: int = 0
    # position convention -> number of sources read with it
    conventions: dict[str, int] = field(default_factory=dict)

    def count(self, key: str, n: int = 1) -> None:
        if n:
            self.counts[key] = self.counts.get(key, 0) + n

    def skip(self, what: str, n: int = 1) -> None:
        """Count ``n`` of ``what`` as not imported: ``what`` is an English key of
        :data:`SKIP_LABELS` (``codings on`` one of them, or ``<Tag> elements``), shown in the
        reader's language by :func:`skipped_rows`."""
        if n:
            self.skipped[what] = self.skipped.get(what, 0) + n

    def warn(self, message: str) -> None:
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(message)
        else:
            self.omitted_warnings += 1

    def error(self, message: str, where: str = "") -> None:
        self.errors.append(RowError(0, message, where))

    def refuse_if_errors(self) -> None:
        if self.errors:
            raise ImportRefused(self)


COUNT_LABELS = {
    "transcripts_created": gettext_lazy("Transcripts created"),
    "transcripts_matched": gettext_lazy("Transcripts already in the study (coding added to them)"),
    "codes_created": gettext_lazy("Codes created"),
    "codes_reused": gettext_lazy("Codes matched to existing codes by path"),
    "categories": gettext_lazy(
        "Categories (not codable in the file; imported as categories, which hold "
        "codes but are not applied to text)"
    ),
    "participants_created": gettext_lazy("Participants created"),
    "participants_matched": gettext_lazy("Participants matched by pseudonym"),
    "groups_created": gettext_lazy("Groups created"),
    "waves_created": gettext_lazy("Waves created"),
    "layers_created": gettext_lazy("Imported layers created"),
    "layers_reused": gettext_lazy("Imported layers added to"),
    "segments_created": gettext_lazy("Segments created"),
    "segments_existing": gettext_lazy("Selections already in the study (skipped)"),
    "sources_unnamed": gettext_lazy("Sources without a name (titled by their file or number)"),
    "selections_unsure": gettext_lazy(
        "Selections whose position convention is uncertain (imported)"
    ),
    "recordings_imported": gettext_lazy("Recordings imported (played on the coding page)"),
    "memos_created": gettext_lazy("Memos created"),
    "memos_existing": gettext_lazy("Memos already in the study (skipped)"),
    "study_description": gettext_lazy("Project description (became the study's description)"),
    "sets": gettext_lazy("Code and document sets (kept as study memos)"),
    "themes_created": gettext_lazy("Themes created (from the file's sets of codes)"),
    "themes_existing": gettext_lazy("Themes already in the study (skipped)"),
    "memo_authors_matched": gettext_lazy("Memo authors matched to members of the study"),
    "memo_authors_kept": gettext_lazy(
        "Memo authors without an account here (name kept with the memo)"
    ),
}


# --- import: parsing ------------------------------------------------------------------


# What an import leaves out (``RefiImportReport.skipped``): the keys stay English (the job
# keeps them, scripts read them); the report page shows them in the reader's language.
SKIP_LABELS = {
    key: key
    for key in (
        gettext_noop("pictures"),
        gettext_noop("PDF documents"),
        gettext_noop("audio recordings (not imported: attach the file on the transcript's page)"),
        gettext_noop("video recordings (not imported: attach the file on the transcript's page)"),
        gettext_noop("cases without a name"),
        gettext_noop("selections without a code"),
        gettext_noop("codings of unknown codes"),
        gettext_noop("empty notes"),
        gettext_noop("document sets of groups and waves (carried by cases and waves)"),
        gettext_noop("sources without text"),
        gettext_noop("empty selections"),
        gettext_noop("links between objects"),
        gettext_noop("graphs"),
        gettext_noop("case code references (CodeRef)"),
        gettext_noop("case selection references (SelectionRef)"),
        gettext_noop("whole-source codings"),
    )
}
CODINGS_ON, ELEMENTS = "codings on ", " elements"


def skip_label(what: str) -> str:
    """A ``skipped`` key in the active language (HTML: an unknown element's tag as code)."""
    if what in SKIP_LABELS:
        return format_html("{}", gettext(what))
    if what.startswith(CODINGS_ON):
        inner = skip_label(what[len(CODINGS_ON) :])
        return format_html(gettext("codings on {what}").replace("{what}", "{}"), inner)
    if what.endswith(ELEMENTS):
        tag = what[: -len(ELEMENTS)]
        return format_html(
            gettext("{tag} elements").replace("{tag}", "{}"), format_html("<code>{}</code>", tag)
        )
    return format_html('<span translate="no">{}</span>', what)


def skipped_rows(report: RefiImportReport | None) -> list[tuple[str, int]]:
    """The report page's "Not imported" table: (label, count) in the reader's language."""
    if report is None:
        return []
    return [(skip_label(what), n) for what, n in report.skipped.items()]


# The position conventions a source is read with (coding/exchange/offsets.py): the parts of
# a name as the import writes it, joined by ", " ("UTF-16 units, CR LF counted once").
CONVENTION_PARTS = {
    "code points": gettext_lazy("code points"),
    "UTF-16 units": gettext_lazy("UTF-16 units"),
    "CR LF counted once": gettext_lazy("CR LF counted once"),
    "BOM counted": gettext_lazy("BOM counted"),
}


def convention_label(name: str) -> str:
    """A convention's name in the active language."""
    separator = pgettext("between the parts of a position convention", ", ")
    return separator.join(str(CONVENTION_PARTS.get(part, part)) for part in name.split(", "))


def convention_rows(report: RefiImportReport | None) -> list[tuple[str, int]]:
    """The report page's "Positions read as" line: (label, sources read with it)."""
    if report is None:
        return []
    return [(convention_label(name), n) for name, n in report.conventions.items()]
