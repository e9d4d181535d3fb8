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
from django.utils.translation import gettext, gettext_lazy, ngettext

from coding.models import Assignment, SamplerDraw

DOUBLE = "double"


def _draw_label(draw: SamplerDraw) -> str:
    p = draw.params
    count = p.get("count") or 0
    size = (
        f"{p['percent']:g}%"
        if p.get("percent")
        else ngettext("%(n)s transcript", "%(n)s transcripts", count) % {"n": count}
    )
    coders = gettext(" and ").join(p.get("coders", []))
    return gettext("Draw #%(pk)s: %(size)s for %(coders)s, seed %(seed)s (%(n)s)") % {
        "pk": draw.pk,
        "size": size,
        "coders": coders,
        "seed": draw.seed,
        "n": len(draw.transcript_ids),
    }


def sample_choices(study) -> list[tuple[str, str]]:
    """The options of the report's sample field: one query (the study's draws)."""
    choices = [
        ("", gettext_lazy("All transcripts")),
        (DOUBLE, gettext_lazy("Double-coded: assigned to every layer compared")),
    ]
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
        return ids, gettext(
            "double-coded sample: %(n)s transcripts assigned to every layer compared"
        ) % {"n": len(ids)}
    name, _, pk = value.partition(":")
    draw = (
        SamplerDraw.objects.filter(study=study, pk=int(pk)).first()
        if name == "draw" and pk.isdigit()
        else None
    )
    if draw is None:
        raise ValidationError(gettext("sample: no such draw in this study."))
    return sorted(draw.transcript_ids), gettext("sampler draw: %(draw)s") % {
        "draw": _draw_label(draw)
    }
