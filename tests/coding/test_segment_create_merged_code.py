"""Issue 9 §6: a segment created with a code that was merged meanwhile is refused with a
message naming the target, not a foreign-key error."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from coding import services
from coding.models import Code, Segment
from tests import factories


def test_a_code_merged_meanwhile_is_refused_with_the_target(study, owner, coder):
    transcript = factories.make_transcript(study, text="Interviewer: hello there")
    layer = services.coder_layer(study=study, user=coder)
    stale = factories.make_code(study, name="Family")
    target = factories.make_code(study, name="Support")
    services.code_merge(source=Code.objects.get(pk=stale.pk), target=target, actor=owner)

    with pytest.raises(ValidationError) as refused:
        services.segment_create(
            transcript=transcript, code=stale, layer=layer, start=0, end=11, actor=coder
        )
    assert "“Family” was just merged into “Support”" in refused.value.messages[0]
    assert "reload" in refused.value.messages[0]
    assert not Segment.objects.exists()


def test_a_code_deleted_meanwhile_is_refused(study, coder):
    transcript = factories.make_transcript(study, text="Interviewer: hello there")
    layer = services.coder_layer(study=study, user=coder)
    stale = factories.make_code(study, name="Gone")
    Code.objects.filter(pk=stale.pk).delete()
    with pytest.raises(ValidationError, match="“Gone” no longer exists"):
        services.segment_create(
            transcript=transcript, code=stale, layer=layer, start=0, end=11, actor=coder
        )
    assert not Segment.objects.exists()
