"""The themes CSV: one row per theme (board order) with its status, central organising
concept, codes (their paths, ``; `` between them) and its prevalence in every group x wave cell, as two numbers (participants
with the theme, participants of the group interviewed at the wave), so a spreadsheet can
compute with them."""

from __future__ import annotations

from coding.codebook import selectors as codebook_selectors
from coding.compare.layers import LayerChoice
from coding.exports import code_paths
from coding.models import ThemeStatus
from coding.themes import selectors
from studies.access import StudyAccess

CODES_SEPARATOR = "; "


def themes_table(access: StudyAccess, choice: LayerChoice) -> tuple[list[str], list[list]]:
    """Header and rows. Queries: themes 2, codebook 1, frame 4, segments 1."""
    book = codebook_selectors.codebook_for(access, light=True)
    themes = selectors.themes_for_board(access)
    prev = selectors.prevalence(access, themes, choice, book=book)
    paths = code_paths(book)
    frame = next(iter(prev.values())).frame if prev else None
    columns = frame.columns if frame is not None else []
    header = ["theme", "status", "concept", "codes"]
    for col in columns:
        label = f"{col.group.name} {col.wave.name}"
        header += [f"{label}: participants with the theme", f"{label}: interviewed"]
    header += ["layer"]
    rows = []
    for theme in themes:
        cells = {(c.group_id, c.wave_id): c for c in prev[theme.pk].cells}
        codes = sorted(paths[c.pk] for c in theme.codes.all() if c.pk in paths)
        row = [theme.name, ThemeStatus(theme.status).label, theme.concept]
        row.append(CODES_SEPARATOR.join(codes))
        for col in columns:
            cell = cells[col.key]
            row += [cell.present if cell.interviewed else "", cell.denominator]
        row.append(choice.label)
        rows.append(row)
    return header, rows
