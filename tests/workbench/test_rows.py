"""Written-out INSERTs (workbench/lib/rows.py ``insert``) store what the ORM's ``save()``
stores, and instances built from written-out SELECTs (``columns``) are the ORM's."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from coding import audit
from coding.models import AuditEvent, Segment
from studies.models import Transcript
from tests import factories
from workbench.lib import rows

TEXT = "P01: 我唔知自己嘅角色 𠝹.\nP02: the end."


def _stored(model, pk) -> dict:
    obj = model.objects.get(pk=pk)
    return {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields}


def _same_but_moments(a: dict, b: dict, moments=("created_at", "updated_at")) -> None:
    assert {k: v for k, v in a.items() if k not in moments and k != "id"} == {
        k: v for k, v in b.items() if k not in moments and k != "id"
    }
    for k in moments:
        if k in a:
            assert a[k] is not None and b[k] is not None


def test_a_written_out_insert_stores_what_save_stores(study, coder):
    transcript = factories.make_transcript(study, text=TEXT)
    code = factories.make_code(study, name="Shame")
    layer = factories.make_layer(study, coder)

    def segment(start, end):
        return Segment(
            transcript=transcript,
            code=code,
            layer=layer,
            start=start,
            end=end,
            quote=TEXT[start:end],
            memo="備註 — a memo",
            created_by=coder,
            provenance={"source": "自動", "n": [1, 2.5, None]},
        )

    by_orm = segment(5, 9)
    by_orm.save()
    raw = [segment(5, 12), segment(0, 3)]
    rows.insert(raw)
    assert all(s.pk and not s._state.adding for s in raw)
    assert raw[0].pk < raw[1].pk  # in the order given
    for made in raw:
        got = _stored(Segment, made.pk)
        assert TEXT[got["start"] : got["end"]] == got["quote"] == made.quote
        _same_but_moments(
            {**_stored(Segment, by_orm.pk), "start": 0, "end": 0, "quote": ""},
            {**got, "start": 0, "end": 0, "quote": ""},
        )
        assert got["created_at"] == made.created_at  # auto_now_add set on the instance


def test_an_event_recorded_written_out_reads_back_as_the_orms(study, owner):
    snapshot = {"id": 7, "quote": "我唔知 𠝹", "nested": {"a": [1, None, True]}, "memo": ""}
    by_orm = AuditEvent.objects.create(
        study=study,
        study_ref=study.pk,
        study_name=study.name,
        actor=owner,
        action="segment.delete",
        object_type="segment",
        object_id=7,
        before=snapshot,
    )
    with audit.recorded() as events:
        event = audit.audit(
            study=study, actor=owner, action="segment.delete", object_type="segment",
            object_id=7, before=snapshot,
        )  # fmt: skip
    assert events == [event]
    _same_but_moments(_stored(AuditEvent, by_orm.pk), _stored(AuditEvent, event.pk))
    assert AuditEvent.objects.get(pk=event.pk).before == snapshot
    assert AuditEvent.objects.get(pk=event.pk).after is None  # SQL NULL, as the ORM stores it
    assert AuditEvent.objects.filter(pk=event.pk, after__isnull=True).exists()


def test_several_events_are_one_insert(study, owner, django_assert_num_queries):
    made = [
        audit.event_for(study=study, actor=owner, action="segment.create", object_id=i)
        for i in range(3)
    ]
    with audit.recorded() as events, django_assert_num_queries(1):
        audit.audit_many(made)
    assert events == made
    assert [e.object_id for e in AuditEvent.objects.order_by("pk")] == [0, 1, 2]


def test_a_duplicate_span_breaks_the_unique_constraint(study, coder):
    transcript = factories.make_transcript(study, text=TEXT)
    code = factories.make_code(study, name="Shame")
    layer = factories.make_layer(study, coder)
    factories.make_segment(transcript, code, layer, 0, 3)
    again = Segment(transcript=transcript, code=code, layer=layer, start=0, end=3, quote="P01")
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.insert([again])
    assert Segment.objects.count() == 1


def test_an_instance_built_from_a_written_out_row_is_the_orms(study):
    transcript = factories.make_transcript(
        study, text=TEXT, attributes={"site": "香港"}, turn_times=[[0, 1.5]]
    )
    cols = rows.columns(Transcript, "T")
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT {cols.sql} FROM "studies_transcript" T WHERE T."id" = %s', [transcript.pk]
        )
        built = cols.build(cursor.fetchone())
    assert _stored(Transcript, transcript.pk) == {
        f.attname: getattr(built, f.attname) for f in Transcript._meta.concrete_fields
    }
    assert not built._state.adding
