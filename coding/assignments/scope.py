"""The agreement report's "double-coded sample" scope (``sample=`` on the report, its
exports and GET /api/v1/studies/{id}/agreement):

* ``double``: the transcripts assigned to every compared layer;
* ``draw:<id>``: the transcripts of one recorded sampler draw (:class:`SamplerDraw`).

Read by :class:`coding.agreement.forms.ReportForm`; the transcripts become
:attr:`coding.agreement.loading.Scope.sample_transcripts`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Count

from coding.models import Assignment, SamplerDraw

DOUBLE = "double"


def _draw_label(draw: SamplerDraw) -> str:
    p = draw.params
    size = f"{p['percent']:g}%" if p.get("percent") else f"{p.get('count')} transcripts"
    coders = " and ".join(p.get("coders", []))
    return f"Draw #{draw.pk}: {size} for {coders}, seed {draw.seed} ({len(draw.transcript_ids)})"


def sample_choices(study) -> list[tuple[str, str]]:
    """The options of the report's sample field: one query (the study's draws)."""
    choices = [("", "All transcripts"), (DOUBLE, "Double-coded: assigned to every layer compared")]
    for draw in SamplerDraw.objects.filter(study=study)[:50]:
        choices.append((f"draw:{draw.pk}", _draw_label(draw)))
    return choices


def sample_transcripts(study, value: str, layers) -> tuple[list[int], str] | None:
    """(transcript ids, words) for a ``sample`` value; None for no sample. One query."""
    if not value:
        return None
    if value == DOUBLE:
        ids = sorted(
            Assignment.objects.filter(layer__in=[la.pk for la in layers], transcript__study=study)
            .values("transcript_id")
            .annotate(n=Count("layer_id", distinct=True))
            .filter(n=len(layers))
            .values_list("transcript_id", flat=True)
        )
        return ids, f"double-coded sample: {len(ids)} transcripts assigned to every layer compared"
    name, _, pk = value.partition(":")
    draw = (
        SamplerDraw.objects.filter(study=study, pk=int(pk)).first()
        if name == "draw" and pk.isdigit()
        else None
    )
    if draw is None:
        raise ValidationError("sample: no such draw in this study.")
    return sorted(draw.transcript_ids), _draw_label(draw).replace("Draw", "sampler draw", 1)
