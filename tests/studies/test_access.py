"""Every view of the studies app against every persona: the access rules in one table."""

from __future__ import annotations

import pytest
from django.urls import reverse

from studies import services
from studies.models import Attribute, Invitation
from tests import factories


@pytest.fixture
def setup(study, owner, coder, viewer, outsider):
    group = factories.make_group(study, name="Service users")
    wave = factories.make_wave(study, name="T1")
    participant = factories.make_participant(study, pseudonym="SU01", group=group)
    transcript = factories.make_transcript(
        study, title="SU01 T1", participant=participant, wave=wave
    )
    membership = study.memberships.get(user=coder)
    attribute = Attribute.objects.create(study=study, name="gender")
    invitation, _token = services.invitation_create(study=study, role="coder", actor=owner)
    return {
        "invitation": invitation,
        "study": study,
        "group": group,
        "wave": wave,
        "participant": participant,
        "transcript": transcript,
        "membership": membership,
        "attribute": attribute,
    }


def url(name, s, *extra):
    return reverse(f"studies:{name}", args=[s["study"].pk, *extra])


READS = [
    ("study_dashboard", ()),
    ("participant_list", ()),
    ("transcript_list", ()),
]

OWNER_PAGES = [
    ("study_setup", ()),
    ("participant_edit", ("participant",)),
    ("transcript_edit", ("transcript",)),
    ("transcript_delete", ("transcript",)),
    ("participant_delete", ("participant",)),
]

OWNER_POSTS = [
    ("study_setup", (), {"name": "Renamed", "segment_overlap_threshold": "0.9"}),
    ("ordered_create", ("group-kind",), {"name": "Co-workers"}),
    ("ordered_action", ("wave-kind", "wave", "rename"), {"name": "T1 Training"}),
    ("member_add", (), {"username": "dave", "role": "viewer"}),
    ("member_action", ("membership", "role"), {"role": "viewer"}),
    ("participant_list", (), {"pseudonym": "SU02"}),
    ("participant_edit", ("participant",), {"pseudonym": "SU01b"}),
    ("transcript_edit", ("transcript",), {"title": "New title"}),
    ("participant_import", (), {}),
    ("attribute_create", (), {"name": "site", "scope": "participant", "kind": "text"}),
    ("attribute_update", ("attribute",), {"name": "sex", "kind": "text"}),
    ("attribute_delete", ("attribute",), {}),
    ("transcript_upload", (), {}),
    ("transcript_bulk_import", (), {}),
    ("transcript_delete", ("transcript",), {"confirm": "SU01 T1"}),
    ("participant_delete", ("participant",), {"confirm": "SU01"}),
    ("invitation_create", (), {"role": "owner"}),
    ("invitation_revoke", ("invitation",), {}),
    ("transcript_media_upload", ("transcript",), {}),
    ("transcript_media_remove", ("transcript",), {}),
]


def resolve_args(s, names):
    out = []
    for name in names:
        if name == "group-kind":
            out.append("group")
        elif name == "wave-kind":
            out.append("wave")
        elif name in ("rename", "role"):
            out.append(name)
        else:
            out.append(s[name].pk)
    return out


@pytest.mark.parametrize(("name", "args"), READS)
@pytest.mark.parametrize(
    ("persona", "status"), [("owner", 200), ("coder", 200), ("viewer", 200), ("outsider", 404)]
)
def test_members_read_and_outsiders_get_404(setup, persona_clients, name, args, persona, status):
    response = persona_clients[persona].get(url(name, setup, *resolve_args(setup, args)))
    assert response.status_code == status


@pytest.mark.parametrize(("name", "args"), READS + OWNER_PAGES)
def test_anonymous_users_are_sent_to_login(setup, client, name, args):
    response = client.get(url(name, setup, *resolve_args(setup, args)))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(("name", "args"), OWNER_PAGES)
@pytest.mark.parametrize(
    ("persona", "status"), [("owner", 200), ("coder", 403), ("viewer", 403), ("outsider", 404)]
)
def test_only_owners_open_setup_pages(setup, persona_clients, name, args, persona, status):
    response = persona_clients[persona].get(url(name, setup, *resolve_args(setup, args)))
    assert response.status_code == status


@pytest.mark.parametrize(("name", "args", "data"), OWNER_POSTS)
@pytest.mark.parametrize(
    ("persona", "status"), [("coder", 403), ("viewer", 403), ("outsider", 404)]
)
def test_non_owners_cannot_write_setup(setup, persona_clients, name, args, data, persona, status):
    before = (
        setup["study"].name,
        setup["study"].groups.count(),
        setup["study"].participants.count(),
        setup["study"].memberships.count(),
        setup["study"].transcripts.count(),
        setup["study"].invitations.pending().count(),
        list(setup["study"].attribute_defs.values_list("name", flat=True)),
    )
    response = persona_clients[persona].post(url(name, setup, *resolve_args(setup, args)), data)
    assert response.status_code == status
    s = setup["study"]
    s.refresh_from_db()
    after = (
        s.name,
        s.groups.count(),
        s.participants.count(),
        s.memberships.count(),
        s.transcripts.count(),
        s.invitations.pending().count(),
        list(s.attribute_defs.values_list("name", flat=True)),
    )
    assert after == before


@pytest.mark.parametrize(("name", "args", "data"), OWNER_POSTS[:8] + OWNER_POSTS[9:12])
def test_owners_can_write_setup(setup, owner_client, name, args, data):
    response = owner_client.post(url(name, setup, *resolve_args(setup, args)), data)
    assert response.status_code == 302


def test_study_list_shows_only_the_users_studies(setup, coder_client, coder):
    other = factories.make_study(name="Someone else's study")
    factories.add_member(other, factories.make_user(), "owner")
    response = coder_client.get(reverse("studies:study_list"))
    assert response.status_code == 200
    assert "Peer support study" in response.text
    assert "Someone else" not in response.text


def test_ids_that_are_not_numbers_are_not_found(owner_client):
    assert owner_client.get("/studies/abc/").status_code == 404


NEW_OWNER_POSTS = OWNER_POSTS[-4:]


@pytest.mark.parametrize(("name", "args", "data"), NEW_OWNER_POSTS)
def test_owners_can_delete_and_invite(setup, owner_client, name, args, data):
    response = owner_client.post(url(name, setup, *resolve_args(setup, args)), data)
    assert response.status_code == 302


@pytest.mark.parametrize(("name", "args", "data"), NEW_OWNER_POSTS)
def test_anonymous_users_cannot_delete_or_invite(setup, client, name, args, data):
    response = client.post(url(name, setup, *resolve_args(setup, args)), data)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert setup["study"].transcripts.count() == 1
    assert setup["study"].participants.count() == 1
    assert setup["study"].invitations.pending().count() == 1


@pytest.mark.parametrize(
    ("persona", "status", "text"),
    [
        ("owner", 200, "already a member"),
        ("coder", 200, "already a member"),
        ("viewer", 200, "already a member"),
        ("outsider", 200, "Join as coder"),
        ("anonymous", 200, "Create account and join"),
    ],
)
def test_an_invitation_link_opens_for_everyone_but_joins_no_one(
    setup, persona_clients, client, persona, status, text
):
    token = "t0ken-for-the-access-table"
    Invitation.objects.filter(pk=setup["invitation"].pk).update(
        token_hash=Invitation.hash_token(token)
    )
    who = client if persona == "anonymous" else persona_clients[persona]
    members = setup["study"].memberships.count()
    response = who.get(reverse("invitation_accept", args=[token]))
    assert response.status_code == status
    assert text in response.text
    assert setup["study"].memberships.count() == members


@pytest.mark.parametrize(
    ("persona", "status"),
    [("owner", 404), ("coder", 404), ("viewer", 404), ("outsider", 302), ("anonymous", 302)],
)
def test_only_the_invited_user_answers_an_invitation_by_username(
    setup, persona_clients, client, owner, outsider, persona, status
):
    invitation, _token = services.member_invite(
        study=setup["study"], username="dave", role="viewer", actor=owner
    )
    who = client if persona == "anonymous" else persona_clients[persona]
    response = who.post(reverse("studies:invitation_respond", args=[invitation.pk, "accept"]))
    assert response.status_code == status
    joined = setup["study"].memberships.filter(user=outsider).exists()
    assert joined == (persona == "outsider")
    if persona == "anonymous":
        assert response.url.startswith(reverse("login"))
