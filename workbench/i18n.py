"""The interface language: chosen per person, else by the browser (README "Languages").

Order of precedence, on every request:

1. a logged-in person's saved choice (``studies.UserPreferences.language``), copied into the
   session at login and by the switcher, so no query is made per request;
2. the language cookie (set by the switcher, also for anonymous visitors);
3. the browser's ``Accept-Language`` (zh-HK, zh-Hant-HK, zh-TW, zh-Hant, zh → zh-hant),
   which Django's LocaleMiddleware reads for 2 and 3.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponseRedirect
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

SESSION_KEY = "_language"

# The BCP 47 tag of each interface language, for <html lang> and the switcher's own names.
HTML_LANG = {"en": "en", "zh-hant": "zh-Hant-HK"}


def html_lang(code: str | None = None) -> str:
    code = code or translation.get_language() or settings.LANGUAGE_CODE
    return HTML_LANG.get(code, code)


def _supported(code: str) -> str | None:
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


class UserLanguageMiddleware:
    """After authentication: activate the person's saved language over the browser's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is not None and user is not None and user.is_authenticated:
            code = _supported(session.get(SESSION_KEY) or "")
            if code:
                translation.activate(code)
                request.LANGUAGE_CODE = code
        return self.get_response(request)


def apply_at_login(sender, request, user, **kwargs):
    """Connected to ``user_logged_in``: the saved language becomes the session's."""
    from studies.models import UserPreferences

    if request is None or not hasattr(request, "session"):
        return
    language = UserPreferences.objects.filter(user=user).values_list("language", flat=True).first()
    code = _supported(language or "")
    if code:
        request.session[SESSION_KEY] = code
        translation.activate(code)
        request.LANGUAGE_CODE = code


@require_POST
def set_language(request):
    """The header's switcher: remember the choice (per person when logged in) and go back."""
    from studies.models import UserPreferences

    code = _supported(request.POST.get("language", ""))
    next_url = request.POST.get("next") or request.headers.get("referer") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if code is None:
        return response
    if request.user.is_authenticated:
        UserPreferences.objects.update_or_create(user=request.user, defaults={"language": code})
        request.session[SESSION_KEY] = code
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE or request.is_secure(),
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def languages(request):
    """Template context: the switcher's choices, each named in its own language."""
    current = translation.get_language() or settings.LANGUAGE_CODE
    return {
        "html_lang": html_lang(current),
        "interface_languages": [
            {"code": code, "name": name, "lang": html_lang(code), "current": code == current}
            for code, name in settings.LANGUAGES
        ],
    }


def with_user_content(message: str, **values) -> str:
    """``message`` (translated, with %(name)s placeholders) as HTML in which each value, the
    study's own words (a code's name), sits in ``<span translate="no">`` (a value already
    safe HTML, interface words, goes in as it is): a toast mixes interface words and user
    content, and only the interface words are translated."""
    from django.utils.html import escape, format_html
    from django.utils.safestring import SafeData, mark_safe

    spans = {
        k: v if isinstance(v, SafeData) else format_html('<span translate="no">{}</span>', v)
        for k, v in values.items()
    }
    return mark_safe(escape(message) % spans)
