"""Every write URL of the coding app and the API against every persona: the write rules in
one table, like tests/studies/test_access.py for the studies app.

The table is checked against the URL conf: a coding or API URL that accepts a write method
(POST, PATCH, PUT or DELETE: the owner is not answered 405) must have an entry in
:data:`WRITES`, so a new write view cannot ship without saying who may use it. Each request
runs in a rolled-back transaction on the crawl's study (tests/test_crawl.py), and a refused
request must leave the audit log, which every write records, as it was.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from coding.models import AuditEvent
from tests.test_crawl import ROUTES, _client, build_crawl, url_patterns

LOGIN = "302 login"
# Outsiders never learn that the study exists; viewers read but never write.
REFUSED = {"anonymous": LOGIN, "outsider": 404, "viewer": 403}
API_REFUSED = {"anonymous": 401, "outsider": 404, "viewer": 403}


def owners(owner, **coders):
    """Only owners write: both coders are refused (403)."""
    return {**REFUSED, "owner": owner, "coder_blind": 403, "coder_open": 403, **coders}


def coders(owner, coder, **others):
    """Owners and coders write (``coder`` for both the blind and the open coder)."""
    return {**REFUSED, "owner": owner, "coder_blind": coder, "coder_open": coder, **others}


# The crawl's segment is in bob's (the coder's) layer: the owner may read it but not change it.
WRITES: dict[str, dict] = {
    # the coding page (coding/segments/)
    "coding:segment_create post": coders(400, 400),
    "coding:segment_update post": coders(403, 400),
    "coding:segment_delete post": coders(403, 302),
    "coding:segment_undo post": coders(302, 302),
    "coding:transcript_done post": coders(302, 302),
    "coding:transcript_memo_create post": coders(302, 302),
    # the codebook (coding/codebook/): coders propose codes, owners change the codebook
    "coding:code_create post": coders(200, 200),
    "coding:codebook_import post": owners(400),
    "coding:code_update post": owners(200),
    "coding:code_detail post": owners(200),
    "coding:code_move post": owners(302),
    "coding:code_merge post": owners(200),
    "coding:code_archive post": owners(302),
    "coding:code_adopt post": owners(302),
    # codebook versions: owners freeze versions and edit the reasons of changes
    "coding:codebook_version_create post": owners(400),
    "coding:codebook_change_reason post": owners(302),
    "coding:codebook_change_decision post": owners(302),
    # retrieval and memos: the memo is erin's (a coder's), hidden from a blind coder
    "coding:segment_reviewed post": coders(403, 302),
    "coding:memo_create post": coders(200, 200),
    "coding:memo_update post": coders(200, 200),
    "coding:memo_delete post": coders(302, 403, coder_blind=404),
    # themes and the journal: owners and coders (empty forms come back with their errors;
    # an empty through-line is no change, back to the theme)
    "coding:theme_create post": coders(200, 200),
    "coding:theme_merge post": coders(200, 200),
    "coding:theme_update post": coders(200, 200),
    "coding:theme_status post": coders(200, 200),
    "coding:theme_codes post": coders(200, 200),
    "coding:theme_through_line post": coders(302, 302),
    "coding:theme_split post": coders(200, 200),
    "coding:journal_create post": coders(200, 200),
    # the PI's shared entry (an empty form comes back with its errors)
    "coding:journal_update post": {**REFUSED, "owner": 200, "coder_blind": 403, "coder_open": 403},
    # exemplars (no segment named: 404; the crawl's exemplar is the PI's on erin's
    # highlight: the PI unmarks it, an open coder may not, a blind coder cannot see it) and
    # portraits (a blind coder's portrait page is their own layer's summary: read only)
    "coding:exemplar_create post": coders(404, 404),
    "coding:exemplar_delete post": coders(302, 403, coder_blind=404),
    "coding:portrait_detail post": coders(302, 302, coder_blind=403),
    # comparison, consensus, calibration, audit, exchange: owners only (empty forms: the
    # owner's request is refused for its content, 404 for objects it does not name)
    "coding:compare_framework_summary post": owners(404),
    "coding:consensus_decide post": owners(404),
    "coding:consensus_copy_agreed post": owners(302),
    "coding:consensus_undo post": owners(404),
    "coding:calibration_create post": owners(200),
    "coding:calibration_code post": coders(403, 302),
    "coding:calibration_close post": owners(302),
    "coding:qdpx_import post": owners(400),
    "coding:audit_restore post": owners(302),
    # assignments and the sampler: owners only (an empty grid or form changes nothing)
    "coding:assignments post": owners(302),
    "coding:assignments_bulk post": owners(302),
    "coding:assignments_sample post": owners(200),
    # auto-coding from the search page (no code chosen: 400); undo bob's batch: bob only
    "coding:autocode post": coders(400, 400),
    "coding:autocode_undo post": coders(404, 302),
    # Pages that answer every method with the page (no method check; they write nothing).
    **{
        f"coding:calibration_list {method}": {
            **REFUSED,
            "owner": 200,
            "coder_blind": 200,
            "coder_open": 200,
            "viewer": 200,
        }
        for method in ("post", "patch", "put", "delete")
    },
    **{
        f"coding:calibration_results {method}": owners(200)
        for method in ("post", "patch", "put", "delete")
    },
    # the JSON API
    "api:codebook_versions post": {
        **API_REFUSED,
        "owner": 400,
        "coder_blind": 403,
        "coder_open": 403,
    },
    "api:segment_create post": {**API_REFUSED, "owner": 201, "coder_blind": 201, "coder_open": 201},
    "api:segment_delete delete": {
        **API_REFUSED,
        "owner": 403,
        "coder_blind": 204,
        "coder_open": 204,
    },
    # assignments: owners only (an empty change: 200; a sample without coders: 400)
    "api:study_assignments post": {
        **API_REFUSED,
        "owner": 200,
        "coder_blind": 403,
        "coder_open": 403,
    },
    "api:study_assignments_write post": {
        **API_REFUSED,
        "owner": 200,
        "coder_blind": 403,
        "coder_open": 403,
    },
    "api:study_assignments_sample post": {
        **API_REFUSED,
        "owner": 400,
        "coder_blind": 403,
        "coder_open": 403,
    },
    # auto-coding: bob's batch, undone by bob only (another member's batch is not theirs)
    "api:theme_list post": {**API_REFUSED, "owner": 201, "coder_blind": 201, "coder_open": 201},
    "api:theme_create post": {**API_REFUSED, "owner": 201, "coder_blind": 201, "coder_open": 201},
    "api:theme_detail patch": {**API_REFUSED, "owner": 200, "coder_blind": 200, "coder_open": 200},
    "api:theme_update patch": {**API_REFUSED, "owner": 200, "coder_blind": 200, "coder_open": 200},
    "api:theme_split post": {**API_REFUSED, "owner": 201, "coder_blind": 201, "coder_open": 201},
    # the crawl's study has one theme: merging it into itself is refused for its content
    "api:theme_merge post": {**API_REFUSED, "owner": 400, "coder_blind": 400, "coder_open": 400},
    "api:journal_list post": {**API_REFUSED, "owner": 201, "coder_blind": 201, "coder_open": 201},
    "api:journal_create post": {**API_REFUSED, "owner": 201, "coder_blind": 201, "coder_open": 201},
    "api:study_autocode post": {**API_REFUSED, "owner": 201, "coder_blind": 201, "coder_open": 201},
    "api:study_autocode_undo delete": {
        **API_REFUSED,
        "owner": 404,
        "coder_blind": 200,
        "coder_open": 200,
    },
}
# API URLs that answer every method and write nothing: the schema, its page, the 404s.
NOT_WRITES = {"api:openapi-json", "api:openapi-view", "api:not_found", "api:api-root"}
METHODS = ("post", "patch", "put", "delete")
PERSONAS = ("owner", "coder_blind", "coder_open", "viewer", "outsider", "anonymous")


def _payload(name, ctx):
    if name == "api:segment_create":
        text = ctx.transcript.text
        start = text.index("At first")
        return {"code_id": ctx.code2.pk, "start": start, "end": start + 8, "version": 1}
    if name in ("api:theme_list", "api:theme_create"):
        return {"name": "A theme from the API", "code_ids": [ctx.code.pk]}
    if name in ("api:theme_detail", "api:theme_update"):
        return {"status": "reviewed", "reason": "Checked"}
    if name == "api:theme_split":
        parts = [{"name": "Split off by the API", "code_ids": [ctx.code.pk]}]
        return {"parts": parts, "reason": "A separate story"}
    if name == "api:theme_merge":
        return {"theme_ids": [ctx.theme.pk], "reason": "The same"}
    if name in ("api:journal_list", "api:journal_create"):
        return {"body": "An entry", "theme_ids": [ctx.theme.pk]}
    if name == "api:codebook_versions":
        return {"name": ""}  # refused for its content when allowed at all
    if name == "api:study_autocode":
        return {"search": {"q": "the"}, "code_id": ctx.code.pk, "preview": False}
    return {}


def _send(client, name, method, ctx):
    url = reverse(name, kwargs=ROUTES[name].gets[0].kwargs(ctx))
    if name.startswith("api:"):
        response = getattr(client, method)(
            url, data=_payload(name, ctx), content_type="application/json"
        )
    else:
        response = getattr(client, method)(url)
    login = "/login" in response.headers.get("Location", "") or "login" in response.headers.get(
        "Location", ""
    )
    return LOGIN if response.status_code == 302 and login else response.status_code


def _candidates():
    for name, _pattern in url_patterns():
        if name.startswith(("coding:", "api:")) and name not in NOT_WRITES:
            yield name


def test_every_write_url_is_in_the_table(db):
    """The owner's write methods on every coding and API URL: anything not answered 405 is a
    write and must be in WRITES (and every WRITES entry must still be one)."""
    ctx = build_crawl(blind=True)
    client = _client(ctx, "owner")
    found = set()
    for name in _candidates():
        for method in METHODS:
            with transaction.atomic():
                if _send(client, name, method, ctx) != 405:
                    found.add(f"{name} {method}")
                transaction.set_rollback(True)
    missing = sorted(found - set(WRITES))
    assert not missing, f"write URLs with no entry in WRITES (say who may use them): {missing}"
    stale = sorted(set(WRITES) - found)
    assert not stale, f"WRITES entries that are no longer write URLs: {stale}"


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_write_url_answers_each_persona_as_the_table_says(persona, db):
    ctx = build_crawl(blind=persona != "coder_open")
    client = _client(ctx, persona)
    ROUTES["api:study_autocode_undo"].gets[0].kwargs(ctx)  # bob's batch, made for good
    problems = []
    for key, expected in WRITES.items():
        name, method = key.split()
        with transaction.atomic():
            events = AuditEvent.objects.count()
            got = _send(client, name, method, ctx)
            if got != expected[persona]:
                problems.append(f"{key}: {got}, expected {expected[persona]}")
            refused = got in (LOGIN, 401, 403, 404, 405)
            if refused and AuditEvent.objects.count() != events:
                problems.append(f"{key}: refused with {got} but wrote an audit event")
            transaction.set_rollback(True)
    assert not problems, f"{len(problems)} problems as {persona}:\n" + "\n".join(problems)
