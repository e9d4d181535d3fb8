"""Writes for the consensus layer: settle disagreements, copy agreements, undo.

Every function runs in one transaction, locks the study's consensus layer row first (so a
double submit, or two owners deciding at once, are serialised and the second sees the
first's decision) and records an :class:`~coding.models.AuditEvent`.

Consensus segments created by a decision carry ``provenance = {"decision": <id>, "action":
..., "sources": [<segment ids>]}``; undo removes exactly those. A consensus segment that
already existed with the same span is reused as the decision's ``result`` but never deleted
by an undo.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from coding import audit
from coding.agreement.loading import Scope, presence
from coding.consensus.review import Unit, review, units_for
from coding.models import AuditEvent, Code, ConsensusDecision, Decision, Layer, Segment
from coding.segments import services as segment_services
from studies.models import Study, Transcript

UNDECIDABLE = {Decision.AGREED}


def _locked_consensus_layer(study: Study) -> Layer:
    layer = segment_services.consensus_layer(study=study)
    return Layer.objects.select_for_update().get(pk=layer.pk)


def _source_snapshots(transcript, code, layers, start, end) -> list[dict]:
    rows = Segment.objects.filter(
        transcript=transcript, code=code, layer__in=list(layers), start__lt=end, end__gt=start
    ).order_by("start", "end", "pk")
    return [audit.segment_snapshot(s) for s in rows]


def _check_layers(study: Study, layers: Sequence[Layer]) -> None:
    if len(layers) < 2:
        raise ValidationError(gettext("Choose at least two layers to compare."), code="layers")
    for layer in layers:
        if layer.study_id != study.pk:
            raise ValidationError(gettext("That layer belongs to another study."), code="layers")
        if layer.kind == "consensus":
            raise ValidationError(
                gettext("The consensus layer receives decisions; compare the coders' layers."),
                code="layers",
            )


def _segment_events(since: int, action: str, segment_ids) -> list[int]:
    """Ids of the ``action`` audit events written since ``since`` for these segments: the
    general undo (:func:`coding.segments.undo.segment_undo`) treats them as part of the decision."""
    return list(
        AuditEvent.objects.filter(
            pk__gt=since, action=action, object_type="segment", object_id__in=list(segment_ids)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _undo(decision: ConsensusDecision, layer: Layer, actor) -> AuditEvent:
    since = audit.audit_mark(study=decision.study)
    created = Segment.objects.filter(
        layer=layer,
        transcript_id=decision.transcript_id,
        code_id=decision.code_id,
        provenance__decision=decision.pk,
    ).select_related("transcript__study")
    removed = []
    for segment in created:
        removed.append(audit.segment_snapshot(segment))
        segment_services.segment_delete(segment=segment, actor=actor)
    decision.undone_at = timezone.now()
    decision.save(update_fields=["undone_at"])
    return audit.audit(
        study=decision.study,
        actor=actor,
        action="consensus.undo",
        obj=decision,
        before={"action": decision.action, "removed": removed},
        after={
            "undone_at": decision.undone_at.isoformat(),
            "transcript_id": decision.transcript_id,
            "events": _segment_events(since, "segment.delete", [r["id"] for r in removed]),
        },
    )


def consensus_decide(
    *,
    study: Study,
    transcript: Transcript,
    code: Code,
    layers: Sequence[Layer],
    start: int,
    end: int,
    action: str,
    rationale: str = "",
    edit_start: int | None = None,
    edit_end: int | None = None,
    edit_quote: str | None = None,
    actor=None,
) -> ConsensusDecision:
    """Settle the unit ``[start, end)`` of ``code`` on ``transcript`` into consensus.

    ``layers`` are the compared layers in order (A, B, ...); ``action`` one of accept_a,
    accept_b, union, intersection, reject, edit (``edit_start``/``edit_end`` give the span;
    ``edit_quote``, the text the page showed there, must match it as on the coding page).
    The unit must still exist as computed from the layers (else ``ValidationError``, code
    ``stale``). Submitting the same decision twice returns the first one; a different
    decision on an already settled unit replaces it (the old one is undone, audited).
    """
    if action not in Decision.values or action in UNDECIDABLE:
        raise ValidationError(gettext("Unknown decision."), code="action")
    if transcript.study_id != study.pk or code.study_id != study.pk:
        raise ValidationError(gettext("That transcript or code belongs to another study."))
    _check_layers(study, layers)
    rationale = (rationale or "").strip()
    with transaction.atomic():
        consensus = _locked_consensus_layer(study)
        since = audit.audit_mark(study=study)
        unit = _current_unit(study, transcript, code, layers, start, end)
        if action == Decision.EDIT:
            spans = [_edited_span(transcript, edit_start, edit_end, edit_quote)]
        else:
            spans = unit.result_spans(action)
        layer_ids = [la.pk for la in layers]
        previous = unit.decision
        events: list[int] = []  # what the general undo reverts with this decision
        if previous is not None:
            same = (
                previous.action == action
                and previous.start == start
                and previous.end == end
                and previous.layers == layer_ids
                and (action != Decision.EDIT or _result_span(previous) == spans[0])
            )
            if same:
                return previous  # a double submit
            replaced = _undo(previous, consensus, actor)
            events += [replaced.pk, *replaced.after["events"]]
        decision = ConsensusDecision(
            study=study,
            transcript=transcript,
            code=code,
            start=start,
            end=end,
            action=action,
            layers=layer_ids,
            sources=_source_snapshots(transcript, code, layers, start, end),
            rationale=rationale,
            decided_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        decision.full_clean(exclude=["study", "transcript", "code", "result", "decided_by"])
        decision.save()
        made = _write_result(decision, consensus, spans, actor)
        events += _segment_events(since, "segment.create", made)
        audit.audit(
            study=study,
            actor=actor,
            action="consensus.decide",
            obj=decision,
            after={
                "transcript_id": transcript.pk,
                "code_id": code.pk,
                "unit": [start, end],
                "action": action,
                "spans": spans,
                "layers": layer_ids,
                "sources": [s["id"] for s in decision.sources],
                "rationale": rationale,
                "replaced": previous.pk if previous is not None else None,
                "events": events,
            },
        )
    return decision


def _current_unit(
    study: Study, transcript: Transcript, code: Code, layers: Sequence[Layer], start: int, end: int
) -> Unit:
    """The unit ``[start, end)`` as the layers make it now (``stale`` if it changed)."""
    rv = review(study, transcript, code, layers)
    unit = next((u for u in rv.units if u.start == start and u.end == end), None)
    if unit is None:
        raise ValidationError(
            gettext(
                "This passage changed since the page was loaded: a coder edited their "
                "segments. Reload the review; nothing was saved."
            ),
            code="stale",
        )
    return unit


def _edited_span(
    transcript: Transcript, start: int | None, end: int | None, quote: str | None
) -> tuple[int, int]:
    if start is None or end is None:
        raise ValidationError(gettext("Give the start and end of the edited span."), code="edit")
    segment_services.check_span(transcript=transcript, start=start, end=end, quote=quote or None)
    return (start, end)


def _write_result(
    decision: ConsensusDecision, consensus: Layer, spans: list[tuple[int, int]], actor
) -> list[int]:
    """Put the decision's spans into the consensus layer and link the first as its result.
    Returns the ids of the segments created (an existing identical one is reused)."""
    source_ids = [s["id"] for s in decision.sources]
    result = None
    made = []
    for s, e in spans:
        segment, created = segment_services.segment_create(
            transcript=decision.transcript,
            code=decision.code,
            layer=consensus,
            start=s,
            end=e,
            actor=actor,
            provenance={"decision": decision.pk, "action": decision.action, "sources": source_ids},
        )
        result = result or segment
        if created:
            made.append(segment.pk)
    if result is not None:
        decision.result = result
        decision.save(update_fields=["result"])
    return made


def _result_span(decision: ConsensusDecision) -> tuple[int, int] | None:
    if decision.result_id is None:
        return None
    segment = decision.result
    return (segment.start, segment.end)


def consensus_undo(*, decision: ConsensusDecision, actor=None) -> ConsensusDecision:
    """Undo a decision: remove the consensus segments it created and mark it undone.

    Undoing an undone decision does nothing (a double submit).
    """
    with transaction.atomic():
        consensus = _locked_consensus_layer(decision.study)
        decision = ConsensusDecision.objects.select_related("study").get(pk=decision.pk)
        if decision.undone_at is not None:
            return decision
        _undo(decision, consensus, actor)
    return decision


def consensus_copy_agreed(
    *,
    study: Study,
    layers: Sequence[Layer],
    scope: Scope | None = None,
    code_ids: Sequence[int] | None = None,
    actor=None,
) -> list[ConsensusDecision]:
    """Copy every unit on which all ``layers`` agree exactly into the consensus layer.

    Only transcripts on which every compared layer worked count; units already settled
    (an active decision overlaps them) are skipped, so running it twice copies nothing the
    second time. Bulk writes: a handful of queries whatever the number of units; one audit
    event lists the decisions. Returns the decisions created.
    """
    _check_layers(study, layers)
    scope = scope or Scope()
    keys = {la.pk: la.key for la in layers}
    order = [la.pk for la in layers]
    with transaction.atomic():
        consensus = _locked_consensus_layer(study)
        in_scope = scope.filter(Transcript.objects.filter(study=study)).values("pk")
        present = presence(in_scope, keys)
        full = [tid for tid, ks in present.items() if len(ks) == len(layers)]
        todo = _agreed_units(study, full, order, code_ids)
        if not todo:
            return []
        decided_by = actor if getattr(actor, "is_authenticated", False) else None
        decisions = _create_agreed_decisions(study, todo, order, decided_by)
        existing = {
            (tid, cid, s, e): pk
            for pk, tid, cid, s, e in Segment.objects.filter(
                layer=consensus, transcript_id__in=full
            ).values_list("pk", "transcript_id", "code_id", "start", "end")
        }
        new_segments = _create_agreed_segments(consensus, decisions, todo, existing, decided_by)
        audit.audit(
            study=study,
            actor=actor,
            action="consensus.copy_agreed",
            object_type="consensusdecision",
            after={
                "layers": order,
                "decisions": [d.pk for d in decisions],
                "segments": len(new_segments),
            },
        )
    return decisions


#: One agreed unit to copy: transcript, code, start, end and the coders' segments behind it.
Agreed = tuple[int, int, int, int, list[dict]]


def _agreed_units(
    study: Study, full: list[int], order: list[int], code_ids: Sequence[int] | None
) -> list[Agreed]:
    """The units on which every layer of ``order`` agrees exactly, on the transcripts
    ``full`` (all of them worked there), that no active decision settled yet. Two queries."""
    segs = Segment.objects.filter(transcript_id__in=full, layer_id__in=order)
    if code_ids is not None:
        segs = segs.filter(code_id__in=list(code_ids))
    coverage: dict[tuple[int, int], list[list[tuple[int, int]]]] = {}
    sources: dict[tuple[int, int], list[tuple[int, int, int, int]]] = defaultdict(list)
    for pk, tid, lid, cid, s, e in segs.order_by().values_list(
        "pk", "transcript_id", "layer_id", "code_id", "start", "end"
    ):
        cov = coverage.setdefault((tid, cid), [[] for _ in order])
        cov[order.index(lid)].append((s, e))
        sources[(tid, cid)].append((pk, lid, s, e))
    settled: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    for tid, cid, s, e in ConsensusDecision.objects.filter(
        study=study, transcript_id__in=full, undone_at__isnull=True
    ).values_list("transcript_id", "code_id", "start", "end"):
        settled[(tid, cid)].append((s, e))
    todo = []
    for (tid, cid), cov in coverage.items():
        taken = settled.get((tid, cid), [])
        for unit in units_for(cov):
            if not unit.agreed:
                continue
            if any(s < unit.end and unit.start < e for s, e in taken):
                continue
            src = [
                {"id": pk, "layer_id": lid, "start": s, "end": e}
                for pk, lid, s, e in sources[(tid, cid)]
                if s < unit.end and unit.start < e
            ]
            todo.append((tid, cid, unit.start, unit.end, src))
    return todo


def _create_agreed_decisions(
    study: Study, todo: list[Agreed], order: list[int], decided_by
) -> list[ConsensusDecision]:
    decisions = ConsensusDecision.objects.bulk_create(
        [
            ConsensusDecision(
                study=study,
                transcript_id=tid,
                code_id=cid,
                start=s,
                end=e,
                action=Decision.AGREED,
                layers=order,
                sources=src,
                decided_by=decided_by,
            )
            for tid, cid, s, e, src in todo
        ]
    )
    if any(d.pk is None for d in decisions):  # a backend that returns no ids
        decisions = list(
            ConsensusDecision.objects.filter(
                study=study,
                action=Decision.AGREED,
                undone_at__isnull=True,
                result__isnull=True,
            ).order_by("-pk")[: len(todo)]
        )[::-1]
    return decisions


def _create_agreed_segments(
    consensus: Layer,
    decisions: list[ConsensusDecision],
    todo: list[Agreed],
    existing: dict[tuple[int, int, int, int], int],
    decided_by,
) -> list[Segment]:
    """A consensus segment per decision (reusing an identical ``existing`` one), linked as
    the decision's result. Returns the segments created."""
    need_text = {tid for tid, cid, s, e, _ in todo if (tid, cid, s, e) not in existing}
    texts = dict(Transcript.objects.filter(pk__in=list(need_text)).values_list("pk", "text"))
    new_segments = []
    for decision, (tid, cid, s, e, src) in zip(decisions, todo, strict=True):
        if (tid, cid, s, e) in existing:
            continue
        new_segments.append(
            Segment(
                transcript_id=tid,
                code_id=cid,
                layer=consensus,
                start=s,
                end=e,
                quote=texts[tid][s:e],
                provenance={
                    "decision": decision.pk,
                    "action": Decision.AGREED,
                    "sources": [x["id"] for x in src],
                },
                created_by=decided_by,
            )
        )
    Segment.objects.bulk_create(new_segments)
    created = {
        (tid, cid, s, e): pk
        for pk, tid, cid, s, e in Segment.objects.filter(
            layer=consensus, transcript_id__in=list(need_text)
        ).values_list("pk", "transcript_id", "code_id", "start", "end")
    }
    created.update(existing)
    for decision, (tid, cid, s, e, _) in zip(decisions, todo, strict=True):
        decision.result_id = created.get((tid, cid, s, e))
    ConsensusDecision.objects.bulk_update(decisions, ["result"], batch_size=500)
    return new_segments
