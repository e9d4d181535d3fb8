"""Editing a journal entry: only its author, who may share it later or take it back."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from coding.models import JournalEntry
from coding.themes import services
from tests import factories


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_author_edits_and_shares_an_entry(study, owner, coder):
    theme = services.theme_create(study=study, actor=owner, name="Belonging")
    entry = services.journal_entry_create(study=study, author=coder, body="First thoughts")
    url = reverse("coding:journal_update", args=[study.pk, entry.pk])
    assert _client(coder).get(url).status_code == 200
    response = _client(coder).post(
        url, {"title": "Later", "body": "Second thoughts", "shared": "on", "themes": [theme.pk]}
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.title, entry.body, entry.shared) == ("Later", "Second thoughts", True)
    assert list(entry.themes.all()) == [theme]


def test_nobody_else_edits_it(study, owner, coder, coder2, viewer, outsider):
    private = services.journal_entry_create(study=study, author=coder, body="Mine alone")
    shared = services.journal_entry_create(study=study, author=coder, body="For all", shared=True)
    for entry, user, expected in [
        (private, owner, 404),  # a private entry does not exist for anyone else
        (private, coder2, 404),
        (shared, owner, 403),  # others read a shared entry but do not change it
        (shared, coder2, 403),
        (shared, viewer, 403),
        (shared, outsider, 404),
    ]:
        url = reverse("coding:journal_update", args=[study.pk, entry.pk])
        assert _client(user).post(url, {"body": "changed"}).status_code == expected, user
    assert set(JournalEntry.objects.values_list("body", flat=True)) == {"Mine alone", "For all"}


def test_another_studys_entry_is_a_404(study, coder):
    other = factories.make_study()
    factories.add_member(other, coder, "coder")
    entry = services.journal_entry_create(study=other, author=coder, body="Elsewhere")
    url = reverse("coding:journal_update", args=[study.pk, entry.pk])
    assert _client(coder).get(url).status_code == 404
