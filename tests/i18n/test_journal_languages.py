"""The journal names a bilingual codebook's codes as the rest of the app does: the reader's
interface language first, the other on hover (studies/languages.py), in the entries' code
chips, the code filter and the new entry's code list."""

from __future__ import annotations

import lxml.html
import pytest
from django.test import Client
from django.urls import reverse

from coding.models import JournalEntry
from studies.models import Role
from tests import factories


@pytest.fixture
def journal(db):
    study = factories.make_study(
        codebook_language="en",
        codebook_language_name="English",
        codebook_language2="zh-Hant-HK",
        codebook_language2_name="繁體中文",
    )
    owner = factories.make_user(username="pi")
    factories.add_member(study, owner, Role.OWNER)
    code = factories.make_code(study, name="Role confusion", name2="角色混淆")
    entry = JournalEntry.objects.create(study=study, author=owner, body="Today.")
    entry.codes.add(code)
    client = Client()
    client.force_login(owner)
    return client, reverse("coding:journal", kwargs={"study_id": study.pk})


@pytest.mark.parametrize(
    ("accept", "shown", "lang", "other"),
    [
        ("zh-HK", "角色混淆", "zh-Hant-HK", "Role confusion"),
        ("en", "Role confusion", "en", "角色混淆"),
    ],
)
def test_the_journal_shows_a_codes_name_in_the_readers_language_first(
    journal, accept, shown, lang, other
):
    client, url = journal
    root = lxml.html.fromstring(client.get(url, HTTP_ACCEPT_LANGUAGE=accept).content)
    chip = root.xpath("//a[contains(@class, 'chip')]")[0]
    name = chip.xpath(".//*[@lang]")[0]
    assert name.text_content().strip() == shown and name.get("lang") == lang
    assert chip.get("title") == other
    options = [o.text_content().strip() for o in root.xpath("//*[@id='filter-code']/option")[1:]]
    assert options == [shown]
    assert [o.text_content().strip() for o in root.xpath("//*[@id='journal-codes']//option")] == [
        shown
    ]
