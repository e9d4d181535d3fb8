"""The coding page's recording player (templates/coding/segments/_player.html,
static/js/coding/player.js): what the page needs to show it."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from studies.models import Transcript


def add_media(ctx: dict[str, Any], transcript: Transcript) -> None:
    """When the transcript has a recording: its URL (the access-checked view) and the turn
    times, in the page JSON. The recording comes with the transcript (``get_transcript``
    preloads it): no query of its own."""
    media = getattr(transcript, "media", None)  # None: no recording (the join found none)
    if media is None:
        return
    url = reverse("studies:transcript_media_file", args=[transcript.study_id, transcript.pk])
    ctx["media"] = media
    ctx["media_url"] = url
    ctx["times_count"] = len(transcript.turn_times or [])
    ctx["page_json"]["media"] = {"url": url, "kind": media.kind, "times": transcript.turn_times}
