"""Every view of the studies app against every persona: the access rules in one table."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories


@pytest.fixture
def setup(study, owner, coder, viewer, outsider):
    group = factories.make_group(study, name="Service users")
    wave = factories.make_wave(study, name="T1")
    participant = factories.make_participant(study, pseudonym="SU01", group=group)
    transcript = factories.make_transcript(study, participant=participant, wave=wave)
    membership = study.memberships.get(user=coder)
    return {
        "study": study,
        "group": group,
        "wave": wave,
        "participant": participant,
        "transcript": transcript,
        "membership": membership,
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
    ("transcript_upload", (), {}),
    ("transcript_bulk_import", (), {}),
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
    )
    assert after == before


@pytest.mark.parametrize(("name", "args", "data"), OWNER_POSTS[:8])
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
