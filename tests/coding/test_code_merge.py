from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from coding.codebook import selectors as codebook_selectors
from coding.codebook import services as codebook_services
from coding.models import AuditEvent, Code, Memo, Segment
from tests import factories

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "code-detail"}


def merge_url(code) -> str:
    return reverse("coding:code_merge", args=[code.study_id, code.pk])


def spans(study) -> set[tuple[int, int, int, int]]:
    """Distinct (transcript, layer, start, end) of every segment in the study."""
    return set(
        Segment.objects.filter(transcript__study=study).values_list(
            "transcript_id", "layer_id", "start", "end"
        )
    )


@pytest.fixture
def setup(study, coder, coder2):
    transcript = factories.make_transcript(study)
    bob, erin = factories.make_layer(study, coder), factories.make_layer(study, coder2)
    stigma = factories.make_code(study, name="Stigma")
    shame = factories.make_code(study, name="Shame", parent=stigma)
    embarrassment = factories.make_code(study, name="Embarrassment")
    blushing = factories.make_code(study, name="Blushing", parent=embarrassment)
    return {
        "transcript": transcript,
        "bob": bob,
        "erin": erin,
        "stigma": stigma,
        "shame": shame,
        "source": embarrassment,
        "child": blushing,
    }


def segment(setup, code, layer, start, end, **kwargs):
    return factories.make_segment(setup["transcript"], code, layer, start, end, **kwargs)


# --- the service ---------------------------------------------------------------------------


def test_it_moves_every_segment_to_the_target(study, setup, owner):
    segment(setup, setup["source"], setup["bob"], 0, 5)
    segment(setup, setup["source"], setup["erin"], 10, 20)
    result = codebook_services.code_merge(
        source=setup["source"], target=setup["shame"], actor=owner
    )
    assert (result.moved, result.collapsed) == (2, 0)
    assert Segment.objects.filter(code=setup["shame"]).count() == 2
    assert not Code.objects.filter(pk=setup["source"].pk).exists()


def test_a_duplicate_span_collapses_into_the_target_segment(study, setup, owner):
    kept = segment(setup, setup["shame"], setup["bob"], 0, 5, memo="Target memo")
    segment(setup, setup["source"], setup["bob"], 0, 5, memo="Source memo", needs_review=True)
    segment(setup, setup["source"], setup["erin"], 0, 5)  # same span, other layer: not a dupe
    before = spans(study)
    result = codebook_services.code_merge(
        source=setup["source"], target=setup["shame"], actor=owner
    )
    assert (result.moved, result.collapsed) == (1, 1)
    assert spans(study) == before  # nothing lost
    kept.refresh_from_db()
    assert kept.memo == "Target memo\n\nSource memo"
    assert kept.needs_review is True
    assert Segment.objects.filter(code=setup["shame"]).count() == 2


def test_nothing_is_lost_when_many_spans_overlap(study, setup, owner):
    for i in range(0, 30, 3):
        segment(setup, setup["source"], setup["bob"], i, i + 4)
        segment(setup, setup["source"], setup["erin"], i, i + 2)
    for i in range(0, 30, 6):
        segment(setup, setup["shame"], setup["bob"], i, i + 4)
    segment(setup, setup["child"], setup["bob"], 1, 2)
    before = spans(study)
    total_before = Segment.objects.filter(transcript__study=study).count()
    result = codebook_services.code_merge(
        source=setup["source"], target=setup["shame"], actor=owner
    )
    assert spans(study) == before
    assert result.collapsed == 5
    assert Segment.objects.filter(transcript__study=study).count() == total_before - 5
    assert Segment.objects.filter(code=setup["child"]).count() == 1  # subcode keeps its own


def test_memos_are_joined_without_repeating_the_same_text(study, setup, owner):
    kept = segment(setup, setup["shame"], setup["bob"], 0, 5, memo="Same note")
    segment(setup, setup["source"], setup["bob"], 0, 5, memo="Same note")
    empty = segment(setup, setup["shame"], setup["bob"], 6, 9)
    segment(setup, setup["source"], setup["bob"], 6, 9, memo="Only the source had one")
    codebook_services.code_merge(source=setup["source"], target=setup["shame"], actor=owner)
    kept.refresh_from_db()
    empty.refresh_from_db()
    assert kept.memo == "Same note"
    assert empty.memo == "Only the source had one"


def test_memos_on_a_collapsed_segment_and_on_the_code_follow_the_merge(study, setup, owner):
    kept = segment(setup, setup["shame"], setup["bob"], 0, 5)
    dropped = segment(setup, setup["source"], setup["bob"], 0, 5)
    segment_memo = Memo.objects.create(study=study, segment=dropped, body="About this passage")
    code_memo = Memo.objects.create(study=study, code=setup["source"], body="About the code")
    codebook_services.code_merge(source=setup["source"], target=setup["shame"], actor=owner)
    segment_memo.refresh_from_db()
    code_memo.refresh_from_db()
    assert segment_memo.segment_id == kept.pk
    assert code_memo.code_id == setup["shame"].pk


def test_the_subcodes_of_the_source_move_under_the_target(study, setup, owner):
    result = codebook_services.code_merge(
        source=setup["source"], target=setup["shame"], actor=owner
    )
    assert result.children == 1
    book = codebook_selectors.codebook(study)
    assert book.path(setup["child"].pk) == "Stigma › Shame › Blushing"


def test_merging_a_child_into_its_parent_is_allowed(study, setup, owner):
    segment(setup, setup["child"], setup["bob"], 0, 5)
    codebook_services.code_merge(source=setup["child"], target=setup["source"], actor=owner)
    assert Segment.objects.get().code == setup["source"]


def test_it_records_what_is_needed_to_restore_the_source(study, setup, owner):
    moved = segment(setup, setup["source"], setup["bob"], 10, 20)
    kept = segment(setup, setup["shame"], setup["bob"], 0, 5, memo="Kept")
    dropped = segment(setup, setup["source"], setup["bob"], 0, 5, memo="Dropped")
    source_pk = setup["source"].pk
    codebook_services.code_merge(source=setup["source"], target=setup["shame"], actor=owner)
    event = AuditEvent.objects.get(action="code.merge")
    assert event.object_type == "code" and event.object_id == source_pk
    assert event.actor == owner
    assert event.before["source"]["name"] == "Embarrassment"
    assert event.before["source"]["parent_id"] is None
    assert event.before["moved_segment_ids"] == [moved.pk]
    assert event.before["collapsed_segments"][0]["id"] == dropped.pk
    assert event.before["collapsed_segments"][0]["memo"] == "Dropped"
    assert event.before["collapsed_segments"][0]["kept_id"] == kept.pk
    assert event.before["kept_segments"] == {str(kept.pk): {"memo": "Kept", "needs_review": False}}
    assert event.before["children"] == {
        str(setup["child"].pk): {"parent_id": source_pk, "position": 0}
    }
    assert event.after == {
        "target_id": setup["shame"].pk,
        "moved": 1,
        "collapsed": 1,
        "children": [setup["child"].pk],
    }


def test_it_refuses_to_merge_a_code_into_itself(setup, owner):
    with pytest.raises(ValidationError, match="into itself"):
        codebook_services.code_merge(source=setup["shame"], target=setup["shame"], actor=owner)


def test_it_refuses_to_merge_into_a_subcode_of_the_source(setup, owner):
    with pytest.raises(ValidationError, match="is a subcode of"):
        codebook_services.code_merge(source=setup["stigma"], target=setup["shame"], actor=owner)


def test_it_refuses_a_target_of_another_study(setup, owner):
    foreign = factories.make_code(factories.make_study())
    with pytest.raises(ValidationError, match="another study"):
        codebook_services.code_merge(source=setup["source"], target=foreign, actor=owner)


def test_it_refuses_an_archived_target(setup, owner):
    codebook_services.code_archive(code=setup["shame"], actor=owner)
    with pytest.raises(ValidationError, match="archived"):
        codebook_services.code_merge(source=setup["source"], target=setup["shame"], actor=owner)


def test_it_refuses_when_both_have_a_subcode_of_the_same_name(study, setup, owner):
    factories.make_code(study, name="blushing", parent=setup["shame"])
    segment(setup, setup["source"], setup["bob"], 0, 5)
    with pytest.raises(ValidationError, match="Both codes have a subcode named “Blushing”"):
        codebook_services.code_merge(source=setup["source"], target=setup["shame"], actor=owner)
    assert Code.objects.filter(pk=setup["source"].pk).exists()
    assert Segment.objects.get().code_id == setup["source"].pk


# --- the view ------------------------------------------------------------------------------


def test_an_owner_merges_with_confirmation_and_sees_the_target(owner_client, study, setup):
    segment(setup, setup["source"], setup["bob"], 0, 5)
    response = owner_client.post(
        merge_url(setup["source"]), {"target": setup["shame"].pk, "confirm": "on"}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="code-detail"')
    assert (
        "Merged “Embarrassment” into “Shame”: 1 segment moved, 0 duplicates collapsed, "
        "1 subcode moved." in html
    )
    assert ">Embarrassment<" not in html  # gone from the tree too


def test_without_htmx_a_merge_redirects_to_the_target(owner_client, study, setup):
    response = owner_client.post(
        merge_url(setup["source"]), {"target": setup["shame"].pk, "confirm": "on"}
    )
    assert response.status_code == 302
    assert reverse("coding:code_detail", args=[study.pk, setup["shame"].pk]) in response["Location"]


def test_a_merge_without_confirmation_is_refused(owner_client, study, setup):
    response = owner_client.post(merge_url(setup["source"]), {"target": setup["shame"].pk}, **HTMX)
    assert response.status_code == 200
    assert "Not merged" in response.content.decode()
    assert Code.objects.filter(pk=setup["source"].pk).exists()


def test_the_view_reports_a_refusal_from_the_service(owner_client, study, setup):
    factories.make_code(study, name="Blushing", parent=setup["shame"])
    response = owner_client.post(
        merge_url(setup["source"]), {"target": setup["shame"].pk, "confirm": "on"}, **HTMX
    )
    assert "Both codes have a subcode named" in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "status"), [("coder", 403), ("viewer", 403), ("outsider", 404)]
)
def test_only_owners_may_merge(persona_clients, setup, persona, status):
    response = persona_clients[persona].post(
        merge_url(setup["source"]), {"target": setup["shame"].pk, "confirm": "on"}
    )
    assert response.status_code == status
    assert Code.objects.filter(pk=setup["source"].pk).exists()
