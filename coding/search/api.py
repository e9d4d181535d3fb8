"""Schemas of the auto-coding endpoints of the JSON API (``workbench/api.py``)."""

from __future__ import annotations

from ninja import Field, Schema


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
    duplicate: bool = Field(description="Already coded so: skipped.")
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
