"""Load the workload that Taguette's benchmark generates into a workbench study.

``taguette_bench.py --workload-only --dump-workload FILE`` (in ``../shared/bench/``) writes the
documents, tags and highlights it gives Taguette; :func:`load_workload` stores exactly that data
here, so both tools are timed on the same texts, codes and spans:

- one study, owned by ``pi``, with one coder, ``coder1``;
- each tag path ``category/leaf`` as a code ``leaf`` under a category code ``category`` (a
  category is not applied to text: Taguette's highlights carry only the full paths);
- each document as a transcript (its text as dumped: speaker turns joined by ``\\n``);
- each highlight as one segment per tag, all in ``coder1``'s layer (Taguette's workload has no
  notion of coders; the driver also times the "All" view of that one layer).

Every highlight's code-point span is checked against its UTF-8 byte span (the unit Taguette
stores) before anything is written: ``text[start:end]`` must be the same words as
``text.encode()[start_utf8:end_utf8]``.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction

from coding.models import Code, Layer, LayerKind, Segment
from studies.models import Membership, Role, Study, Transcript

# Okabe–Ito, the codebook's own palette (a category and its codes share a colour).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
CODER = "coder1"
OWNER = "pi"


class WorkloadError(ValueError):
    """The dumped workload does not fit the workbench's offset contract."""


@dataclass
class LoadedStudy:
    """What :func:`load_workload` stored: ids the driver needs, in the workload's order."""

    study_id: int
    layer_id: int
    transcript_ids: list[int]
    code_ids: dict[str, int]  # tag path -> leaf code id
    segments: int
    duplicates: int  # (span, tag) pairs given twice in one document, stored once
    segments_per_transcript: list[int] = field(default_factory=list)

    def as_json(self) -> dict:
        return self.__dict__.copy()


def read_workload(path: str | Path) -> dict:
    with open(path, encoding="utf-8") as fp:
        return json.load(fp)


def check_spans(document: dict) -> None:
    """Raise WorkloadError unless every highlight of ``document`` is a non-empty code-point
    span within its text whose words equal those at its UTF-8 byte offsets."""
    text = document["text"]
    if not unicodedata.is_normalized("NFC", text) or "\r" in text:
        raise WorkloadError(f"{document['name']}: the text is not NFC with \\n line endings")
    data = text.encode("utf-8")
    for n, h in enumerate(document["highlights"]):
        start, end = h["start"], h["end"]
        if not 0 <= start < end <= len(text):
            raise WorkloadError(f"{document['name']} highlight {n}: [{start}, {end}) out of bounds")
        by_bytes = data[h["start_utf8"] : h["end_utf8"]].decode("utf-8")
        if text[start:end] != by_bytes:
            raise WorkloadError(
                f"{document['name']} highlight {n}: text[{start}:{end}] differs from the "
                f"words at UTF-8 bytes [{h['start_utf8']}, {h['end_utf8']})"
            )


def _codes(study: Study, paths: list[str], owner) -> dict[str, Code]:
    categories: dict[str, Code] = {}
    leaves: dict[str, Code] = {}
    for path in paths:
        head, _, name = path.rpartition("/")
        parent = None
        if head:
            parent = categories.get(head)
            if parent is None:
                parent = Code.objects.create(
                    study=study,
                    name=head,
                    color=PALETTE[len(categories) % len(PALETTE)],
                    position=len(categories),
                    is_codable=False,
                    created_by=owner,
                )
                categories[head] = parent
        leaves[path] = Code.objects.create(
            study=study,
            parent=parent,
            name=name,
            color=parent.color if parent else PALETTE[len(leaves) % len(PALETTE)],
            position=len(leaves),
            created_by=owner,
        )
    return leaves


def load_workload(data: dict, *, name: str | None = None) -> LoadedStudy:
    """Store the dumped workload ``data`` as a new study (see the module docstring).

    Raises WorkloadError (before writing anything) when a span does not fit its text."""
    for document in data["documents"]:
        check_spans(document)
    User = get_user_model()
    with transaction.atomic():
        owner, _ = User.objects.get_or_create(username=OWNER)
        coder, _ = User.objects.get_or_create(username=CODER)
        study = Study.objects.create(
            name=name or f"Taguette workload (seed {data['seed']})",
            description="Taguette's benchmark workload (taguette_bench.py --dump-workload).",
        )
        Membership.objects.create(study=study, user=owner, role=Role.OWNER)
        Membership.objects.create(study=study, user=coder, role=Role.CODER)
        layer = Layer.objects.create(study=study, kind=LayerKind.CODER, user=coder)
        codes = _codes(study, data["tags"], owner)
        transcript_ids, per_transcript = [], []
        duplicates = 0
        for document in data["documents"]:
            text = document["text"]
            transcript = Transcript.objects.create(
                study=study,
                title=document["name"],
                text=text,
                length=len(text),
                checksum=Transcript.checksum_of(text),
            )
            rows, seen = [], set()
            for h in document["highlights"]:
                start, end = h["start"], h["end"]
                for path in h["tags"]:
                    key = (path, start, end)
                    if key in seen:
                        duplicates += 1
                        continue
                    seen.add(key)
                    rows.append(
                        Segment(
                            transcript=transcript,
                            code=codes[path],
                            layer=layer,
                            start=start,
                            end=end,
                            quote=text[start:end],
                            created_by=coder,
                        )
                    )
            Segment.objects.bulk_create(rows, batch_size=1000)
            transcript_ids.append(transcript.pk)
            per_transcript.append(len(rows))
    return LoadedStudy(
        study_id=study.pk,
        layer_id=layer.pk,
        transcript_ids=transcript_ids,
        code_ids={path: code.pk for path, code in codes.items()},
        segments=sum(per_transcript),
        duplicates=duplicates,
        segments_per_transcript=per_transcript,
    )
