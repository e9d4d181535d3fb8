"""Which language a page is in: the account's choice, else the cookie, else Accept-Language;
and dates and numbers in the language's formats."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from studies.models import UserPreferences
from tests import factories

pytestmark = pytest.mark.django_db

STUDIES = "/studies/"


def lang_of(response) -> str:
    return re.search(r'<html lang="([^"]+)">', response.content.decode()).group(1)


@pytest.mark.parametrize(
    "header, lang",
    [
        ("zh-HK,zh;q=0.9,en;q=0.5", "zh-Hant-HK"),
        ("zh-Hant-HK", "zh-Hant-HK"),
        ("zh-TW", "zh-Hant-HK"),
        ("zh-Hant", "zh-Hant-HK"),
        ("zh", "zh-Hant-HK"),
        ("en-US,en;q=0.9", "en"),
        ("fr-FR", "en"),
        ("", "en"),
    ],
)
def test_the_browser_language_chooses_the_interface(client, header, lang):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE=header)
    assert lang_of(response) == lang
    assert response["Content-Language"] == ("zh-hant" if lang != "en" else "en")
    assert ("登入" in response.content.decode()) == (lang != "en")


def test_an_anonymous_visitor_switches_with_the_cookie(client):
    response = client.post(
        reverse("set_language"), {"language": "zh-hant", "next": reverse("login")}
    )
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hant"
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en")
    assert lang_of(page) == "zh-Hant-HK"


def test_the_switcher_never_redirects_off_site_and_ignores_unknown_languages(client):
    response = client.post(
        reverse("set_language"), {"language": "xx", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_the_account_choice_wins_over_the_browser_and_is_applied_at_login(db):
    user = factories.make_user(username="kayan", password="pw")
    browser = Client()
    browser.force_login(user)
    browser.post(reverse("set_language"), {"language": "en", "next": STUDIES})
    assert UserPreferences.objects.get(user=user).language == "en"
    del browser.cookies[settings.LANGUAGE_COOKIE_NAME]  # only the account remembers
    assert lang_of(browser.get(STUDIES, HTTP_ACCEPT_LANGUAGE="zh-HK")) == "en"

    # Another computer: no cookie, a Chinese browser; logging in brings the account's choice.
    UserPreferences.objects.filter(user=user).update(language="zh-hant")
    other = Client()
    login = other.post(
        reverse("login"), {"username": "kayan", "password": "pw"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert login.status_code == 302
    assert lang_of(other.get(STUDIES, HTTP_ACCEPT_LANGUAGE="en")) == "zh-Hant-HK"


def test_without_a_choice_a_logged_in_person_follows_the_browser(coder_client):
    assert lang_of(coder_client.get(STUDIES, HTTP_ACCEPT_LANGUAGE="zh-HK")) == "zh-Hant-HK"
    assert lang_of(coder_client.get(STUDIES, HTTP_ACCEPT_LANGUAGE="en")) == "en"


def test_counts_and_dates_are_formatted_for_hong_kong(owner_client, study):
    factories.make_transcript(study, title="Long one", text="字" * 12345)
    listing = owner_client.get(
        reverse("studies:transcript_list", args=[study.pk]), HTTP_ACCEPT_LANGUAGE="zh-HK"
    ).content.decode()
    assert '<td class="num">12,345</td>' in listing  # Django's zh_Hant would write 12345
    owner_client.post(reverse("studies:ordered_create", args=[study.pk, "wave"]), {"name": "T1"})
    audit = owner_client.get(
        reverse("coding:audit", args=[study.pk]), HTTP_ACCEPT_LANGUAGE="zh-HK"
    ).content.decode()
    event = study.audit_events.order_by("-pk").first()
    day = event.created_at
    assert f"{day.year}年{day.month}月{day.day}日" in audit
    english = owner_client.get(
        reverse("studies:transcript_list", args=[study.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert '<td class="num">12,345</td>' in english
