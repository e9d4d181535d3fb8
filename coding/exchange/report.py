"""What a REFI-QDA import did, dropped and noticed, and the labels the report page shows."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy

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
