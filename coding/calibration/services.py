"""Pre-segmented coding rounds (calibration): create a round, answer an excerpt, close it.

An owner fixes excerpts (units), assigned coders apply codes to each excerpt blind; the
results are :mod:`coding.calibration.results`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction

from coding import audit
from coding.models import (
    CalibrationAnswer,
    CalibrationRound,
    CalibrationSubmission,
    CalibrationUnit,
    Code,
    Layer,
    Segment,
)
from coding.segments import services as segment_services
from studies.models import Membership, Role, Study, Transcript


def units_from_layer(
    *,
    layer: Layer,
    transcript_ids: Sequence[int] = (),
    code_ids: Sequence[int] = (),
    limit: int = 20,
) -> list[tuple[int, int, int]]:
    """Distinct spans of ``layer``'s segments as candidate excerpts: (transcript, start, end).

    When there are more than ``limit``, an evenly spread sample is taken (deterministic).
    One query.
    """
    qs = Segment.objects.filter(layer=layer)
    if transcript_ids:
        qs = qs.filter(transcript_id__in=list(transcript_ids))
    if code_ids:
        qs = qs.filter(code_id__in=list(code_ids))
    spans = sorted(
        set(qs.order_by().values_list("transcript__title", "transcript_id", "start", "end"))
    )
    picked = spans
    if limit and len(spans) > limit:
        picked = [spans[i * len(spans) // limit] for i in range(limit)]
    return [(tid, s, e) for _, tid, s, e in picked]


def calibration_round_create(
    *,
    study: Study,
    name: str,
    spans: Iterable[tuple[int, int, int]],
    codes: Sequence[Code],
    coders: Sequence,
    instructions: str = "",
    single_code: bool = False,
    actor=None,
) -> CalibrationRound:
    """Create a round with its excerpts. Raises ValidationError for an empty name, no codes,
    no coders, no excerpts, a coder who is not a coding member, or a bad span."""
    name = (name or "").strip()
    spans = list(dict.fromkeys(spans))
    _check_round(study=study, name=name, codes=codes, coders=coders, spans=spans)
    units = _planned_units(study, spans)
    rnd = CalibrationRound(
        study=study,
        name=name,
        instructions=(instructions or "").strip(),
        single_code=single_code,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    rnd.full_clean(exclude=["study", "created_by"])
    with transaction.atomic():
        rnd.save()
        rnd.codes.set(codes)
        rnd.coders.set(coders)
        CalibrationUnit.objects.bulk_create(
            [
                CalibrationUnit(round=rnd, transcript=t, start=s, end=e, quote=q, position=p)
                for t, s, e, q, p in units
            ]
        )
        audit.audit(
            study=study,
            actor=actor,
            action="calibration.create",
            obj=rnd,
            after={
                "name": name,
                "single_code": single_code,
                "codes": [c.pk for c in codes],
                "coders": [u.pk for u in coders],
                "units": [[t.pk, s, e] for t, s, e, _, _ in units],
            },
        )
    return rnd


def _check_round(
    *,
    study: Study,
    name: str,
    codes: Sequence[Code],
    coders: Sequence,
    spans: list[tuple[int, int, int]],
) -> None:
    """Every problem with the round's settings at once, by field (one query: the members)."""
    errors = {}
    if not name:
        errors["name"] = "A round needs a name."
    if not codes:
        errors["codes"] = "Choose the codes coders may apply."
    if not coders:
        errors["coders"] = "Assign at least one coder (two or more for agreement)."
    if any(c.study_id != study.pk for c in codes):
        errors["codes"] = "A code belongs to another study."
    allowed = set(
        Membership.objects.filter(study=study, role__in=[Role.OWNER, Role.CODER]).values_list(
            "user_id", flat=True
        )
    )
    if any(u.pk not in allowed for u in coders):
        errors["coders"] = "Only the study's coders and owners can code a round."
    if not spans:
        errors["spans"] = "No excerpts: pick a layer with segments or list spans."
    if errors:
        raise ValidationError(errors)


def _planned_units(
    study: Study, spans: list[tuple[int, int, int]]
) -> list[tuple[Transcript, int, int, str, int]]:
    """(transcript, start, end, quote, position) per excerpt; the first bad span raises."""
    texts = {
        t.pk: t for t in Transcript.objects.filter(study=study, pk__in={tid for tid, _, _ in spans})
    }
    units = []
    for position, (tid, start, end) in enumerate(spans):
        transcript = texts.get(tid)
        if transcript is None:
            raise ValidationError({"spans": f"No transcript #{tid} in this study."})
        try:
            quote = segment_services.check_span(transcript=transcript, start=start, end=end)
        except ValidationError as exc:
            raise ValidationError(
                {"spans": f"{transcript.title} {start}–{end}: {' '.join(exc.messages)}"}
            ) from None
        units.append((transcript, start, end, quote, position))
    return units


def calibration_answer_submit(
    *, unit: CalibrationUnit, coder, code_ids: Sequence[int], actor=None
) -> CalibrationSubmission:
    """Record the coder's codes for one excerpt (replacing earlier ones) and mark it done.

    An empty ``code_ids`` means "none of these". Raises ValidationError when the round is
    closed, the coder is not assigned, a code is not in the round, or a single-code round
    gets more than one code. Submitting the same answer twice changes nothing.
    """
    rnd = unit.round
    if rnd.closed:
        raise ValidationError("This round is closed.", code="closed")
    if not rnd.coders.filter(pk=coder.pk).exists():
        raise ValidationError("You are not assigned to this round.", code="coder")
    wanted = set(code_ids)
    allowed = set(rnd.codes.values_list("pk", flat=True))
    if not wanted <= allowed:
        raise ValidationError("A code is not part of this round.", code="code")
    if rnd.single_code and len(wanted) > 1:
        raise ValidationError("Choose one code for this excerpt.", code="single")
    with transaction.atomic():
        current = set(
            CalibrationAnswer.objects.filter(unit=unit, coder=coder).values_list(
                "code_id", flat=True
            )
        )
        CalibrationAnswer.objects.filter(unit=unit, coder=coder).exclude(
            code_id__in=wanted
        ).delete()
        CalibrationAnswer.objects.bulk_create(
            [CalibrationAnswer(unit=unit, coder=coder, code_id=c) for c in wanted - current]
        )
        submission, created = CalibrationSubmission.objects.get_or_create(unit=unit, coder=coder)
        if not created:
            submission.save(update_fields=["submitted_at"])
        if created or current != wanted:
            audit.audit(
                study=rnd.study,
                actor=actor,
                action="calibration.answer",
                obj=submission,
                before={"codes": sorted(current)} if not created else None,
                after={"unit_id": unit.pk, "codes": sorted(wanted)},
            )
    return submission


def calibration_round_close(*, round: CalibrationRound, closed: bool = True, actor=None):
    if round.closed == closed:
        return round
    with transaction.atomic():
        round.closed = closed
        round.save(update_fields=["closed"])
        audit.audit(
            study=round.study,
            actor=actor,
            action="calibration.close" if closed else "calibration.reopen",
            obj=round,
            after={"closed": closed},
        )
    return round
