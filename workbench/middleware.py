"""Project middleware: idle sessions end, and nothing with study data is cached."""

from __future__ import annotations

import re
import time

from django.conf import settings
from django.utils.cache import patch_cache_control

SEEN_KEY = "_seen"
# The session's expiry is renewed at most this often, so that a busy coder's requests do
# not write the session row each time; the idle timeout is exact to within this.
RENEW_SECONDS = 60


class SessionIdleMiddleware:
    """End a session after ``SESSION_COOKIE_AGE`` seconds without a request.

    Django computes a session's expiry when it is saved; touching the session once a
    minute moves the expiry forward while the person is working.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is not None and user is not None and user.is_authenticated:
            now = int(time.time())
            if now - int(session.get(SEEN_KEY, 0)) >= RENEW_SECONDS:
                session[SEEN_KEY] = now
        return self.get_response(request)


def mark_seen_at_login(sender, request, user, **kwargs):
    """Connected to ``user_logged_in`` (workbench.apps): a new session starts as seen now."""
    if request is not None and hasattr(request, "session"):
        request.session[SEEN_KEY] = int(time.time())


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every page and download the app answers.

    Transcripts are confidential and study computers are often shared: no page, fragment,
    export or API answer may stay in a browser's or a proxy's cache. (Static files are
    answered by WhiteNoise before this middleware and keep their long cache lifetimes.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(
            settings.STATIC_URL
            if settings.STATIC_URL.startswith("/")
            else "/" + settings.STATIC_URL
        ):
            return response
        patch_cache_control(response, no_store=True, private=True)
        return response


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1_000_000 else f"{n / 1e3:.0f} kB"


_MEDIA_UPLOAD = re.compile(r"^/studies/\d+/transcripts/\d+/media/$")


class RequestSizeMiddleware:
    """Answer 413 to a request whose declared body is over WORKBENCH_MAX_REQUEST_BYTES,
    before anything reads it (Django's own limits do not count uploaded files)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.WORKBENCH_MAX_REQUEST_BYTES
        if _MEDIA_UPLOAD.match(request.path_info):  # a recording: its own, larger limit
            limit = max(limit, settings.WORKBENCH_MAX_MEDIA_BYTES + 64 * 1024)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            from django.http import HttpResponse
            from django.utils.html import escape

            message = (
                f"The upload is {_size(length)}, larger than the limit of {_size(limit)} "
                "for one request. Nothing was saved: upload fewer or smaller files."
            )
            return HttpResponse(
                f"<!doctype html><title>Upload too large</title><p>{escape(message)}</p>",
                status=413,
            )
        return self.get_response(request)
