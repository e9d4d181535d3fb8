"""REFI-QDA import, last step: write what :class:`coding.exchange.importer._Plan` resolved
(in the import's transaction)."""

from __future__ import annotations

from coding.audit import audit
from coding.models import Code, Memo, Segment
from studies import attribute_services
from studies.models import AttributeScope, Participant, StakeholderGroup, Transcript, Wave


def write_plan(plan, actor) -> None:
    study, report = plan.study, plan.report
    _write_structure(plan)
    segments = _write_segments(plan)
    _write_memos(plan, segments, actor)
    report.created = len(segments)
    audit(
        study=study,
        actor=actor,
        action="refi.import",
        object_type="study",
        object_id=study.pk,
        after={
            "file": plan.filename,
            "kind": report.kind,
            "counts": report.counts,
            "skipped": report.skipped,
        },
    )


def _write_structure(plan) -> None:
    """The study description, groups, waves, participants, transcripts, codes and layers."""
    study = plan.study
    if plan.study_description:
        study.description = plan.study_description
        study.save(update_fields=["description"])
    for model, items in ((StakeholderGroup, plan.new_groups), (Wave, plan.new_waves)):
        start = (
            model.objects.filter(study=study)
            .order_by("-position")
            .values_list("position", flat=True)
            .first()
            or 0
        )
        for offset, obj in enumerate(items.values(), start=1):
            obj.position = start + offset
            obj.save()
    for participant in plan.new_participants.values():
        if participant.group is not None:
            participant.group_id = participant.group.pk
    Participant.objects.bulk_create(list(plan.new_participants.values()))
    # REFI-QDA variables arrive typed (Integer, Float): define the new keys with their type.
    attribute_services.attributes_define_missing(
        study=study,
        scope=AttributeScope.PARTICIPANT,
        rows=[p.attributes for p in plan.new_participants.values()],
    )
    for transcript in plan.new_transcripts:
        if transcript.participant is not None:
            transcript.participant_id = transcript.participant.pk
        if transcript.wave is not None:
            transcript.wave_id = transcript.wave.pk
    Transcript.objects.bulk_create(plan.new_transcripts, batch_size=50)
    # Codes level by level so that parents have primary keys.
    for depth in sorted({len(path) for path in plan.new_codes}):
        level = [code for path, code in plan.new_codes.items() if len(path) == depth]
        for code in level:
            parent_id = code.parent.pk if code.parent is not None else None
            code.parent_id = parent_id
            code.position = plan.next_position.get(parent_id, 0)
            plan.next_position[parent_id] = code.position + 1
        Code.objects.bulk_create(level)
    for layer in plan.new_layers.values():
        layer.save()


def _write_segments(plan) -> list[Segment]:
    segments = []
    for planned in plan.segments:
        transcript = planned.transcript
        segments.append(
            Segment(
                transcript_id=transcript if isinstance(transcript, int) else transcript.pk,
                code_id=plan.code_by_path[planned.code_path].pk,
                layer_id=plan.layers_by_name[planned.layer_name.lower()].pk,
                start=planned.start,
                end=planned.end,
                quote=planned.quote,
                memo=planned.memo,
                provenance={
                    "source": "refi-qda",
                    "file": plan.filename[:200],
                    "selection": planned.selection,
                },
            )
        )
    Segment.objects.bulk_create(segments, batch_size=1000)
    return segments


def _write_memos(plan, segments: list[Segment], actor) -> None:
    study = plan.study
    segment_of = {id(planned): seg for planned, seg in zip(plan.segments, segments, strict=True)}
    memos = []
    for title, body, target in plan.memos:
        transcript, code, segment = (
            target.get("transcript"),
            target.get("code"),
            target.get("segment"),
        )
        segment_obj = segment_of.get(id(segment)) if segment is not None else None
        memos.append(
            Memo(
                study=study,
                author=target["user"]
                if "user" in target
                else (actor if getattr(actor, "is_authenticated", False) else None),
                transcript_id=(transcript if isinstance(transcript, int) else transcript.pk)
                if transcript is not None
                else None,
                code_id=code.pk if code is not None else None,
                segment_id=segment_obj.pk if segment_obj is not None else None,
                title=title,
                body=body,
                extra={
                    "refi": {
                        "file": plan.filename[:200],
                        "note": target["note"],
                        "author": target["author"],
                    }
                },
            )
        )
    Memo.objects.bulk_create(memos)
