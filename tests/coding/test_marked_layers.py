"""The visible layers read in one written-out query (coding/segments/selectors.py
``marked_layers``) are exactly what the ORM's query gives: the same layers in the same
order, the same fields, users, ``has_segments`` and ``done_at``; a blind coder's only
their own."""

from __future__ import annotations

import pytest
from django.utils import timezone

from coding.models import Assignment, Layer, LayerKind
from coding.segments import selectors
from studies.access import study_access
from tests import factories


def _seen(layers):
    return [
        (
            layer.pk,
            layer.study_id,
            layer.kind,
            layer.user_id,
            layer.name,
            layer.created_at,
            layer.user.username if layer.user_id else None,
            layer.user.email if layer.user_id else None,
            layer.has_segments,
            getattr(layer, "done_at", "absent"),
            layer.label,
            layer.key,
        )
        for layer in layers
    ]


@pytest.mark.parametrize("blind", [False, True])
def test_the_written_out_query_reads_what_the_orm_reads(study, owner, coder, coder2, viewer, blind):
    study.blind_coding = blind
    study.save()
    transcript = factories.make_transcript(study, text="P01: one turn.\nP02: another.")
    other = factories.make_transcript(study, text="P03: elsewhere.")
    code = factories.make_code(study, name="Shame")
    bob = factories.make_layer(study, coder)
    erin = factories.make_layer(study, coder2)
    consensus = Layer.objects.create(study=study, kind=LayerKind.CONSENSUS)
    Layer.objects.create(study=study, kind=LayerKind.IMPORTED, name="NVivo import")
    factories.make_segment(transcript, code, bob, 0, 4)
    factories.make_segment(other, code, consensus, 0, 4)
    done = timezone.now()
    Assignment.objects.create(layer=bob, transcript=transcript, done_at=done)
    Assignment.objects.create(layer=erin, transcript=transcript)
    Assignment.objects.create(layer=erin, transcript=other, done_at=done)

    for user in (owner, coder, coder2, viewer):
        access = study_access(user, study.pk)
        for t in (None, transcript, other):
            raw = selectors.marked_layers(access, t)
            orm = selectors.marked_layers_orm(access, t)
            assert _seen(raw) == _seen(orm)
            assert len(raw) == (1 if blind and user in (coder, coder2) else 4)
    bob_sees = selectors.marked_layers(study_access(coder, study.pk), transcript)
    if blind:
        assert [layer.pk for layer in bob_sees] == [bob.pk]
    assert next(lr for lr in bob_sees if lr.pk == bob.pk).done_at == done


def test_the_layers_users_are_read_without_their_password_hash(study, coder):
    """Every coding page and write reads every visible layer's user: their names, not the
    password hash or login times (deferred; reading one would cost a query)."""
    factories.make_layer(study, coder)
    (layer,) = selectors.marked_layers(study_access(coder, study.pk))
    assert layer.user.username == coder.username and layer.user.email == coder.email
    assert {"password", "last_login", "date_joined"} <= layer.user.get_deferred_fields()
