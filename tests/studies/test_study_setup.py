from __future__ import annotations

import pytest
from django.urls import reverse

from coding.models import AuditEvent
from studies.models import Membership, Role
from tests import factories


def test_owner_creates_a_study_and_becomes_its_owner(db, client):
    user = factories.make_user(username="pi")
    client.force_login(user)
    response = client.post(
        reverse("studies:study_create"), {"name": "Peer support", "description": ""}
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=user)
    assert membership.role == Role.OWNER
    assert membership.study.name == "Peer support"


def test_groups_are_added_renamed_reordered_and_deleted(study, owner, owner_client):
    base = f"/studies/{study.pk}/setup/group/"
    for name in ("Peer support workers", "Service users", "Co-workers"):
        assert owner_client.post(base, {"name": name}).status_code == 302
    groups = list(study.groups.all())
    assert [g.name for g in groups] == ["Peer support workers", "Service users", "Co-workers"]
    owner_client.post(f"{base}{groups[2].pk}/up/")
    assert [g.name for g in study.groups.all()] == [
        "Peer support workers",
        "Co-workers",
        "Service users",
    ]
    owner_client.post(f"{base}{groups[0].pk}/rename/", {"name": "PSW"})
    owner_client.post(f"{base}{groups[1].pk}/delete/")
    assert [g.name for g in study.groups.all()] == ["PSW", "Co-workers"]
    assert AuditEvent.objects.filter(study=study, action="group.create").count() == 3


def test_duplicate_group_names_are_refused_in_the_fragment(study, owner, owner_client):
    factories.make_group(study, name="Service users")
    response = owner_client.post(
        f"/studies/{study.pk}/setup/group/", {"name": "service USERS"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "already exists" in response.text
    assert study.groups.count() == 1


def test_a_group_with_participants_cannot_be_deleted(study, owner, owner_client):
    group = factories.make_group(study, name="Service users")
    factories.make_participant(study, group=group)
    response = owner_client.post(
        f"/studies/{study.pk}/setup/group/{group.pk}/delete/", HTTP_HX_REQUEST="true"
    )
    assert "still has participants" in response.text
    assert study.groups.count() == 1


def test_members_are_invited_with_a_role_and_the_last_owner_stays(study, owner, owner_client):
    newcoder = factories.make_user(username="newcoder")
    response = owner_client.post(
        reverse("studies:member_add", args=[study.pk]),
        {"username": "newcoder", "role": "coder"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "newcoder" in response.text
    # Not a member until they accept (see test_invitations.py).
    assert not study.memberships.filter(user=newcoder).exists()
    assert study.invitations.pending().get(invited_user=newcoder).role == "coder"
    response = owner_client.post(
        reverse("studies:member_add", args=[study.pk]),
        {"username": "ghost", "role": "coder"},
        HTTP_HX_REQUEST="true",
    )
    assert "No user “ghost”" in response.text
    mine = study.memberships.get(user=owner)
    response = owner_client.post(
        reverse("studies:member_action", args=[study.pk, mine.pk, "role"]),
        {"role": "viewer"},
        HTTP_HX_REQUEST="true",
    )
    assert "at least one owner" in response.text
    mine.refresh_from_db()
    assert mine.role == "owner"


def test_removing_a_member_keeps_their_coding(study, owner, coder, owner_client):
    transcript = factories.make_transcript(study)
    code = factories.make_code(study)
    layer = factories.make_layer(study, coder)
    factories.make_segment(transcript, code, layer, 0, 5)
    membership = study.memberships.get(user=coder)
    owner_client.post(reverse("studies:member_action", args=[study.pk, membership.pk, "remove"]))
    assert not study.memberships.filter(user=coder).exists()
    assert layer.segments.count() == 1


def test_settings_are_validated(study, owner, owner_client):
    response = owner_client.post(
        reverse("studies:study_setup", args=[study.pk]),
        {"name": "X", "segment_overlap_threshold": "1.5"},
    )
    assert response.status_code == 200
    study.refresh_from_db()
    assert study.name == "Peer support study"
    response = owner_client.post(
        reverse("studies:study_setup", args=[study.pk]),
        {"name": "X", "segment_overlap_threshold": "0.8", "blind_coding": "on"},
    )
    assert response.status_code == 302
    study.refresh_from_db()
    assert (study.name, study.blind_coding, study.segment_overlap_threshold) == ("X", True, 0.8)


def test_services_refuse_objects_of_another_study(study, owner):
    from django.core.exceptions import ValidationError

    from studies import services

    other = factories.make_study()
    transcript = factories.make_transcript(study)
    participant = factories.make_participant(study)
    with pytest.raises(ValidationError, match="another study"):
        services.transcript_update(
            transcript=transcript,
            title="T",
            participant=factories.make_participant(other),
            wave=None,
            actor=owner,
        )
    with pytest.raises(ValidationError, match="another study"):
        services.transcript_update(
            transcript=transcript,
            title="T",
            participant=None,
            wave=factories.make_wave(other),
            actor=owner,
        )
    with pytest.raises(ValidationError, match="another study"):
        services.participant_update(
            participant=participant,
            pseudonym="X",
            group=factories.make_group(other),
            attributes={},
            actor=owner,
        )


def test_an_owner_deletes_a_study_after_typing_its_name(study, owner, coder, owner_client):
    from coding.models import Segment
    from studies.models import Study

    transcript = factories.make_transcript(study)
    code = factories.make_code(study, name="Parent")
    child = factories.make_code(study, name="Child", parent=code)
    factories.make_segment(transcript, child, factories.make_layer(study, coder), 0, 5)
    url = reverse("studies:study_delete", args=[study.pk])
    response = owner_client.post(url, {"confirm": "wrong name"})
    assert response.status_code == 302
    assert Study.objects.filter(pk=study.pk).exists()
    response = owner_client.post(url, {"confirm": study.name})
    assert response.status_code == 302 and response.url == reverse("studies:study_list")
    assert not Study.objects.filter(pk=study.pk).exists()
    assert not Segment.objects.exists()


@pytest.mark.parametrize(
    ("persona", "status"), [("coder", 403), ("viewer", 403), ("outsider", 404)]
)
def test_only_owners_delete_a_study(study, owner, persona_clients, persona, status):
    from studies.models import Study

    response = persona_clients[persona].post(
        reverse("studies:study_delete", args=[study.pk]), {"confirm": study.name}
    )
    assert response.status_code == status
    assert Study.objects.filter(pk=study.pk).exists()


def test_a_group_in_use_cannot_be_deleted_alone(study, owner):
    from django.db.models import RestrictedError

    group = factories.make_group(study)
    factories.make_participant(study, group=group)
    with pytest.raises(RestrictedError):
        group.delete()


def test_accounts_named_like_a_layer_view_cannot_join(study, owner, owner_client):
    factories.make_user(username="Consensus")
    response = owner_client.post(
        reverse("studies:member_add", args=[study.pk]),
        {"username": "consensus", "role": "coder"},
        HTTP_HX_REQUEST="true",
    )
    assert "is also the name of a layer view" in response.text
    assert not study.memberships.filter(user__username="Consensus").exists()


def test_the_setup_page_title_is_plain_text(study, owner, owner_client):
    import re

    response = owner_client.get(reverse("studies:study_setup", args=[study.pk]))
    title = re.search(r"<title>(.*?)</title>", response.text, re.S).group(1)
    assert "<" not in title and ">" not in title
    assert title.strip().startswith("Setup · Peer support study")
    # The delete section is still on the page, once, in its body.
    assert response.text.count('id="danger-h"') == 1


def test_an_empty_group_or_wave_list_says_none_yet_without_a_number(study, owner, owner_client):
    import re

    html = owner_client.get(reverse("studies:study_setup", args=[study.pk])).text
    for kind in ("group", "wave"):
        block = html[html.index(f'<div id="{kind}-list">') :]
        block = block[: block.index("</form>", block.index(f'id="new-{kind}"'))]
        assert "<ol" not in block  # an <ol> numbers even its "none" line: "1. None yet."
        assert re.search(r"<p[^>]*>None yet\.</p>", block)


def test_a_list_with_items_is_an_ordered_list(study, owner, owner_client):
    factories.make_group(study, name="Service users")
    html = owner_client.get(reverse("studies:study_setup", args=[study.pk])).text
    block = html[html.index('<div id="group-list">') :]
    assert '<ol class="ordered-items">' in block[: block.index('id="new-group"')]
    assert "None yet." not in block[: block.index('id="new-group"')]


def test_the_delete_section_offers_a_final_snapshot_first(study, owner, owner_client):
    response = owner_client.get(reverse("studies:study_setup", args=[study.pk]))
    html = response.content.decode()
    danger = html[html.index('id="danger"') :]
    assert reverse("coding:qdpx_export", args=[study.pk]) in danger
    assert danger.index("final snapshot") < danger.index("Delete study")
