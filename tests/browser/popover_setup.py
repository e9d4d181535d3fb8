"""A bilingual study whose transcript has two overlapping highlights by one coder, as the
demo's CW06 opens: "Unclear job description" (職責不清) and "Earning trust over time"
(慢慢建立信任), the second with a memo. Shared by the popover and change-picker tests."""

from __future__ import annotations

from django.conf import settings as django_settings
from django.test import Client

from studies.models import Role
from tests import factories

TEXT = (
    "Interview with CW06 (Co-workers), T1 Training.\n"
    "Interviewer: Thank you for meeting me today. This is the first of three interviews over"
    " the coming year. Today I'd like to hear what you think about peer support 𠝹 work.\n"
    "CW06: Okay, sure."
)
FIRST = (
    "Thank you for meeting me today. This is the first of three interviews over the coming year."
)
SECOND = "first of three interviews over the coming year. Today I'd like"


def overlap_study() -> dict:
    study = factories.make_study(name="Popover study")
    study.codebook_language = "en"
    study.codebook_language_name = "English"
    study.codebook_language2 = "zh-Hant-HK"
    study.codebook_language2_name = "繁體中文"
    study.save()
    bob = factories.make_user(username="bob")
    factories.add_member(study, bob, Role.CODER)
    transcript = factories.make_transcript(study, text=TEXT, title="CW06 – T1 Training")
    role = factories.make_code(study, name="Role and identity", name2="角色與身份", position=0)
    confusion = factories.make_code(
        study, name="Role confusion", name2="角色混淆", parent=role, position=0
    )
    unclear = factories.make_code(
        study,
        name="Unclear job description",
        name2="職責不清",
        parent=confusion,
        position=0,
        color="#0072B2",
    )
    asset = factories.make_code(study, name="Lived experience as asset", name2="親身經歷是資產")
    trust = factories.make_code(
        study, name="Trust and relationships", name2="信任與關係", parent=asset, position=0
    )
    earning = factories.make_code(
        study,
        name="Earning trust over time",
        name2="慢慢建立信任",
        parent=trust,
        position=0,
        color="#009E73",
    )
    layer = factories.make_layer(study, bob)
    a = TEXT.index(FIRST)
    b = TEXT.index(SECOND)
    seg_unclear = factories.make_segment(transcript, unclear, layer, a, a + len(FIRST))
    seg_earning = factories.make_segment(transcript, earning, layer, b, b + len(SECOND))
    seg_earning.memo = "備忘：訪問開場白 — opening remarks 刪"
    seg_earning.save()
    return {
        "study": study,
        "bob": bob,
        "t": transcript,
        "unclear": unclear,
        "earning": earning,
        "seg_unclear": seg_unclear,
        "seg_earning": seg_earning,
    }


def page_for(browser, live_server, user, locale: str):
    """A context and page logged in as ``user`` whose browser asks for ``locale``."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 1400, "height": 900},
        bypass_csp=True,
        locale=locale,
    )
    context.set_default_timeout(10_000)
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": cookie.value,
                "url": live_server.url,
            }
        ]
    )
    return context, context.new_page()


def coding_url(s: dict) -> str:
    return f"/studies/{s['study'].pk}/transcripts/{s['t'].pk}/"
