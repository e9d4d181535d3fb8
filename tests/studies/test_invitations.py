"""Nobody joins a study without accepting: owners invite, people accept (or create an
account and accept) through a single-use, expiring link."""

from __future__ import annotations

import datetime as dt
import html
import re

from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from studies import services
from studies.models import Invitation, Membership
from tests import factories


def invite(owner_client, study, **data):
    """Create an invitation through the setup page; returns (response, link path)."""
    data.setdefault("role", "coder")
    response = owner_client.post(reverse("studies:invitation_create", args=[study.pk]), data)
    assert response.status_code == 302
    page = owner_client.get(response.url)
    match = re.search(r"https?://[^/\"]+(/invitations/[\w-]+/)", page.text)
    assert match, "the setup page shows the new link"
    return page, match.group(1)


def test_an_owner_gets_a_copyable_link_and_only_a_hash_is_stored(study, owner_client):
    page, link = invite(owner_client, study, email="new.coder@example.org")
    assert "Copy link" in page.text
    invitation = Invitation.objects.get()
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert invitation.token_hash == Invitation.hash_token(token)
    assert token not in invitation.token_hash
    assert invitation.role == "coder" and invitation.email == "new.coder@example.org"
    remaining = invitation.expires_at - timezone.now()
    assert dt.timedelta(days=6, hours=23) < remaining <= dt.timedelta(days=7)
    # The link is shown once: reloading the page does not show it again.
    assert link not in owner_client.get(reverse("studies:study_setup", args=[study.pk])).text
    assert (
        "new.coder@example.org"
        in owner_client.get(reverse("studies:study_setup", args=[study.pk])).text
    )


def test_the_lifetime_is_configurable(study, owner_client, settings):
    settings.WORKBENCH_INVITATION_DAYS = 2
    invite(owner_client, study)
    remaining = Invitation.objects.get().expires_at - timezone.now()
    assert dt.timedelta(days=1, hours=23) < remaining <= dt.timedelta(days=2)


def test_a_person_without_an_account_creates_one_and_joins(study, owner_client):
    _page, link = invite(owner_client, study)
    visitor = Client()
    page = visitor.get(link)
    assert page.status_code == 200
    assert f'Join “<span translate="no">{study.name}</span>” as coder?' in html.unescape(page.text)
    response = visitor.post(
        link, {"username": "newcoder", "password1": "a-long-pass-83", "password2": "a-long-pass-83"}
    )
    assert response.status_code == 302
    assert response.url == reverse("studies:study_dashboard", args=[study.pk])
    user = get_user_model().objects.get(username="newcoder")
    assert user.check_password("a-long-pass-83")
    assert study.memberships.get(user=user).role == "coder"
    invitation = Invitation.objects.get()
    assert invitation.accepted_by == user and invitation.accepted_at is not None
    assert visitor.get(response.url).status_code == 200  # logged in


def test_a_logged_in_person_is_asked_before_joining(study, owner_client, outsider, outsider_client):
    _page, link = invite(owner_client, study, role="viewer")
    page = outsider_client.get(link)
    assert f'Join “<span translate="no">{study.name}</span>” as viewer?' in html.unescape(page.text)
    assert not study.memberships.filter(user=outsider).exists()
    response = outsider_client.post(link)
    assert response.status_code == 302
    assert study.memberships.get(user=outsider).role == "viewer"


def test_a_link_works_once(study, owner_client, outsider_client, outsider):
    _page, link = invite(owner_client, study)
    outsider_client.post(link)
    other = factories.make_user(username="frank")
    client = Client()
    client.force_login(other)
    page = client.get(link)
    assert page.status_code == 410
    assert "already been used" in page.text
    client.post(link)
    assert not study.memberships.filter(user=other).exists()


def test_expired_and_revoked_links_say_so(study, owner, owner_client, outsider, outsider_client):
    _page, link = invite(owner_client, study)
    Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    page = outsider_client.get(link)
    assert page.status_code == 410 and "expired" in page.text
    outsider_client.post(link)
    assert not study.memberships.filter(user=outsider).exists()

    _page, link = invite(owner_client, study)
    invitation = Invitation.objects.latest("pk")
    response = owner_client.post(
        reverse("studies:invitation_revoke", args=[study.pk, invitation.pk])
    )
    assert response.status_code == 302
    page = outsider_client.get(link)
    assert page.status_code == 410 and "withdrawn" in page.text
    assert Client().get("/invitations/not-a-real-token/").status_code == 404


def test_new_accounts_cannot_take_a_layer_view_name(study, owner_client):
    _page, link = invite(owner_client, study)
    visitor = Client()
    response = visitor.post(
        link,
        {"username": "consensus", "password1": "a-long-pass-83", "password2": "a-long-pass-83"},
    )
    assert response.status_code == 200
    assert "is also the name of a layer view" in html.unescape(response.text)
    assert not get_user_model().objects.filter(username="consensus").exists()
    assert Invitation.objects.get().accepted_at is None


def test_an_existing_account_named_like_a_layer_view_cannot_accept(study, owner_client):
    _page, link = invite(owner_client, study)
    client = Client()
    client.force_login(factories.make_user(username="all"))
    response = client.post(link)
    assert "is also the name of a layer view" in html.unescape(response.text)
    assert not study.memberships.filter(user__username="all").exists()


def test_adding_an_existing_user_sends_them_an_invitation(study, owner_client):
    newcoder = factories.make_user(username="newcoder")
    response = owner_client.post(
        reverse("studies:member_add", args=[study.pk]),
        {"username": "newcoder", "role": "coder"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Invited newcoder" in response.text
    assert not study.memberships.filter(user=newcoder).exists()
    client = Client()
    client.force_login(newcoder)
    studies = client.get(reverse("studies:study_list"))
    assert study.name in studies.text and "Accept" in studies.text
    invitation = Invitation.objects.get(invited_user=newcoder)
    response = client.post(reverse("studies:invitation_respond", args=[invitation.pk, "accept"]))
    assert response.status_code == 302
    assert study.memberships.get(user=newcoder).role == "coder"


def test_an_invited_user_may_decline(study, owner, outsider, outsider_client):
    invitation, _token = services.member_invite(
        study=study, username="dave", role="coder", actor=owner
    )
    outsider_client.post(reverse("studies:invitation_respond", args=[invitation.pk, "decline"]))
    assert not study.memberships.filter(user=outsider).exists()
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    studies = outsider_client.get(reverse("studies:study_list")).text
    assert reverse("studies:invitation_respond", args=[invitation.pk, "accept"]) not in studies


def test_only_the_invited_user_can_accept_an_invitation_by_username(
    study, owner, outsider, viewer_client, viewer
):
    invitation, token = services.member_invite(
        study=study, username="dave", role="owner", actor=owner
    )
    response = viewer_client.post(
        reverse("studies:invitation_respond", args=[invitation.pk, "accept"])
    )
    assert response.status_code == 404
    response = viewer_client.post(reverse("invitation_accept", args=[token]))
    assert "for dave" in response.text
    assert study.memberships.get(user=viewer).role == "viewer"
    assert not study.memberships.filter(user=outsider).exists()


def test_a_member_accepting_again_changes_nothing(study, owner, owner_client, coder, coder_client):
    _page, link = invite(owner_client, study, role="owner")
    response = coder_client.post(link)
    assert "already a member" in response.text
    assert study.memberships.get(user=coder).role == "coder"
    assert Invitation.objects.get().accepted_at is None
    assert Membership.objects.filter(study=study).count() == 2
