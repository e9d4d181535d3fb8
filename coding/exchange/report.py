"""What a REFI-QDA import did, dropped and noticed, and the labels the report page shows."""

from __future__ import annotations

from dataclasses import dataclass, field

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
    "transcripts_created": "Transcripts created",
    "transcripts_matched": "Transcripts already in the study (coding added to them)",
    "codes_created": "Codes created",
    "codes_reused": "Codes matched to existing codes by path",
    "categories": "Categories (not codable in the file; imported as categories, which hold "
    "codes but are not applied to text)",
    "participants_created": "Participants created",
    "participants_matched": "Participants matched by pseudonym",
    "groups_created": "Groups created",
    "waves_created": "Waves created",
    "layers_created": "Imported layers created",
    "layers_reused": "Imported layers added to",
    "segments_created": "Segments created",
    "segments_existing": "Selections already in the study (skipped)",
    "sources_unnamed": "Sources without a name (titled by their file or number)",
    "selections_unsure": "Selections whose position convention is uncertain (imported)",
    "memos_created": "Memos created",
    "memos_existing": "Memos already in the study (skipped)",
    "study_description": "Project description (became the study's description)",
    "sets": "Code and document sets (kept as study memos)",
    "memo_authors_matched": "Memo authors matched to members of the study",
    "memo_authors_kept": "Memo authors without an account here (name kept with the memo)",
}


# --- import: parsing ------------------------------------------------------------------
