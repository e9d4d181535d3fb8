"""Consensus progress for the dashboard: decisions and consensus segments per transcript and code."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count

from coding.codebook.selectors import CodeNode, codebook
from coding.models import ConsensusDecision, LayerKind, Segment
from studies.access import StudyAccess
from studies.models import Transcript


@dataclass
class ProgressRow:
    transcript_id: int
    title: str
    decisions: int
    codes: int
    consensus_segments: int


@dataclass
class ConsensusProgress:
    rows: list[ProgressRow]
    total_decisions: int
    transcripts_with_consensus: int
    n_transcripts: int
    per_code: list[tuple[CodeNode, int, int]]  # (code, transcripts settled, decisions)


def consensus_progress(access: StudyAccess) -> ConsensusProgress:
    """Decisions and consensus segments per transcript and per code.

    Queries: transcripts (values), decisions grouped by transcript, decisions grouped by
    code, consensus segments grouped by transcript, codebook: 5, constant in study size.
    """
    study = access.study
    transcripts = list(
        Transcript.objects.filter(study=study).order_by("title", "pk").values_list("pk", "title")
    )
    active = ConsensusDecision.objects.filter(study=study, undone_at__isnull=True).order_by()
    per_t = {
        row["transcript_id"]: row
        for row in active.values("transcript_id").annotate(
            n=Count("pk"), codes=Count("code_id", distinct=True)
        )
    }
    per_c = {
        row["code_id"]: row
        for row in active.values("code_id").annotate(
            n=Count("pk"), ts=Count("transcript_id", distinct=True)
        )
    }
    cons_segments = dict(
        Segment.objects.filter(transcript__study=study, layer__kind=LayerKind.CONSENSUS)
        .order_by()
        .values("transcript_id")
        .annotate(n=Count("pk"))
        .values_list("transcript_id", "n")
    )
    rows = [
        ProgressRow(
            pk,
            title,
            per_t.get(pk, {}).get("n", 0),
            per_t.get(pk, {}).get("codes", 0),
            cons_segments.get(pk, 0),
        )
        for pk, title in transcripts
    ]
    book = codebook(study)
    per_code = [
        (node, per_c[node.pk]["ts"], per_c[node.pk]["n"])
        for node in book.walk()
        if node.pk in per_c
    ]
    return ConsensusProgress(
        rows=rows,
        total_decisions=sum(r.decisions for r in rows),
        transcripts_with_consensus=sum(1 for r in rows if r.consensus_segments or r.decisions),
        n_transcripts=len(rows),
        per_code=per_code,
    )
