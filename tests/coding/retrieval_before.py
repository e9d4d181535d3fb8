"""The retrieval page's rows as they were read before issue 12 part 6 (commit 1131650), kept
only as a test oracle: the page's ids sorted, those segments loaded as models with their
relations, their context cut by ``SUBSTR`` in a CTE, then trimmed in Python.
:func:`rows_before` gives, for one page, what each passage showed: the new page must show
the same passages, context and order.
"""

from __future__ import annotations

from django.db import connection
from django.urls import reverse
from django.utils.http import urlencode

from coding.models import Segment
from studies.models import Transcript

_RELATED = ("code", "layer__user", "transcript__participant__group", "transcript__wave")


def _contexts(ids: list[int], chars: int) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    qn = connection.ops.quote_name
    vendor = connection.vendor
    greatest = "MAX" if vendor == "sqlite" else "GREATEST"
    materialized = "MATERIALIZED" if vendor == "postgresql" else ""
    marks = ", ".join(["%s"] * len(ids))
    seg, tr = qn(Segment._meta.db_table), qn(Transcript._meta.db_table)
    start, end, text = qn("start"), qn("end"), qn("text")
    sql = f"""
        WITH body AS {materialized} (
            SELECT t.id AS id, t.{text} || '' AS text FROM {tr} t
            WHERE t.id IN (SELECT s0.transcript_id FROM {seg} s0 WHERE s0.id IN ({marks}))
        )
        SELECT s.id, s.{start} - {greatest}(s.{start} - %s, 0), s.{end} - s.{start},
               SUBSTR(body.text, {greatest}(s.{start} - %s, 0) + 1,
                      s.{end} + %s - {greatest}(s.{start} - %s, 0))
        FROM {seg} s JOIN body ON body.id = s.transcript_id
        WHERE s.id IN ({marks})
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*ids, chars, chars, chars, chars, *ids])
        rows = cursor.fetchall()
    return {
        pk: (window[:before_len], window[before_len + span :])
        for pk, before_len, span, window in ((r[0], r[1], r[2], r[3] or "") for r in rows)
    }


def _trim_context(text: str, *, at_start: bool) -> str:
    if at_start:
        cut = text.find(" ", 0, 25)
        return text[cut + 1 :] if cut != -1 else text
    cut = text.rfind(" ", max(len(text) - 25, 0))
    return text[:cut] if cut != -1 else text


def rows_before(study_id, segments, book, index: slice, chars: int = 120) -> list[dict]:
    """What the old page showed for ``segments[index]`` (``segments``: the ordered QuerySet
    of :func:`coding.retrieval.selectors.retrieve`)."""
    ids = list(segments.values_list("pk", flat=True)[index])
    by_id = Segment.objects.select_related(*_RELATED).defer("transcript__text").in_bulk(ids)
    found = _contexts(ids, chars)
    out = []
    for seg in (by_id[pk] for pk in ids if pk in by_id):
        before, after = found.get(seg.pk, ("", ""))
        more_before = seg.start - len(before) > 0
        more_after = seg.end + len(after) < (seg.transcript.length or 0)
        t = seg.transcript
        url = reverse("coding:transcript_code", args=[study_id, seg.transcript_id])
        query = urlencode({"layer": seg.layer.key, "code": seg.code_id, "focus": seg.pk})
        out.append(
            {
                "pk": seg.pk,
                "meta": [
                    t.participant.pseudonym if t.participant else "No participant",
                    t.participant.group.name
                    if t.participant and t.participant.group
                    else "no group",
                    t.wave.name if t.wave else "no wave",
                    t.title,
                    f"Layer: {seg.layer.label}",
                ],
                "path": book.path(seg.code_id) or seg.code.name,
                "color": seg.code.color,
                "context": ("…" if more_before else "")
                + (_trim_context(before, at_start=True) if more_before else before)
                + seg.quote
                + (_trim_context(after, at_start=False) if more_after else after)
                + ("…" if more_after else ""),
                "quote": seg.quote,
                "link": f"{url}?{query}#seg-{seg.pk}",
                "chars": f"characters {seg.start}–{seg.end}",
                "memo": seg.memo,
            }
        )
    return out
