"""The corpus search and auto-coding as the JSON API answers them: the schemas of
``GET /api/v1/studies/{id}/search`` and ``POST``/``DELETE /api/v1/studies/{id}/autocode``,
and the hits' JSON (each naming its participant, group and wave)."""

from __future__ import annotations

from ninja import Schema
from pydantic import Field

from coding.search.selectors import HitRow, SearchResult


class SearchHitOut(Schema):
    transcript_id: int
    start: int = Field(description="Code-point offset, inclusive.")
    end: int = Field(description="Code-point offset, exclusive; text[start:end] == match.")
    before: str
    match: str
    after: str
    participant_id: int | None = Field(None, description="The transcript's participant.")
    participant: str | None = Field(None, description="Their pseudonym.")
    group_id: int | None = Field(None, description="The participant's stakeholder group.")
    group: str | None = Field(None, description="The group's name.")
    wave_id: int | None = Field(None, description="The transcript's wave.")
    wave: str | None = Field(None, description="The wave's name.")


class SearchOut(Schema):
    count: int
    page: int
    pages: int
    page_size: int
    next: str | None
    previous: str | None
    terms: list[str]
    hits: list[SearchHitOut]


class AutocodeIn(Schema):
    search: dict[str, str | int | bool] = Field(
        default_factory=dict,
        description="The search's parameters as for GET /studies/{id}/search: `q`, `case`, "
        "`variants`, `word`, `mode`, `speaker`, `speech`, `group`, `wave`, `participant`, "
        "`transcript`, `attribute:<name>`.",
    )
    code_id: int | None = Field(None, description="A code (not a category, not archived).")
    extend: str = Field("match", description="`match`, `sentence`, `turn` or `chars`.")
    chars: int = Field(0, description="With `chars`: this many characters each side.")
    layer: str | None = Field(None, description="Yours (the default) or, owners, `consensus`.")
    preview: bool = Field(True, description="true: only say what would be created.")


class AutocodeSpanOut(Schema):
    transcript_id: int
    start: int
    end: int
    quote: str
    hits: int = Field(description="Hits merged into this span.")
    duplicate: bool = Field(description="Already coded with this code: skipped.")
    overlaps: bool = Field(description="Overlaps a span already coded with this code.")


class AutocodeOut(Schema):
    preview: bool
    hits: int
    count: int = Field(description="Segments created (or, in a preview, to create).")
    duplicates: int
    overlapping: int
    batch_id: int | None = None
    ids: list[int] = []
    spans: list[AutocodeSpanOut] = Field(description="A preview's spans (at most 1,000).")


class AutocodeUndoOut(Schema):
    batch_id: int
    removed: int


def hits_json(result: SearchResult, rows: list[HitRow]) -> list[dict]:
    """One dict per hit row (SearchHitOut): offsets, context, and the transcript's
    participant, group and wave by id and name (from ``result``, no query)."""
    groups = {g.pk: g.name for g in result.groups}
    waves = {w.pk: w.name for w in result.waves}
    return [
        {
            "transcript_id": row.hit.key,
            "start": row.hit.start,
            "end": row.hit.end,
            "before": row.context.before,
            "match": row.context.match,
            "after": row.context.after,
            "participant_id": row.transcript.participant_id,
            "participant": row.transcript.pseudonym,
            "group_id": row.transcript.group_id,
            "group": groups.get(row.transcript.group_id),
            "wave_id": row.transcript.wave_id,
            "wave": waves.get(row.transcript.wave_id),
        }
        for row in rows
    ]
