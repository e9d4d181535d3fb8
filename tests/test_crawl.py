"""Crawl every URL of the project as every persona.

For each URL pattern (the project's own and the JSON API's; Django's admin is left to Django)
the table below says how to build a request and which status each persona gets. Each persona
GETs every page, its htmx fragment (``HX-Request: true``) and its exports, and the test fails
on a server error, an unexpected status, markup inside a ``<title>``, or, for a coder under
blind coding, a *canary*: a marker string that another coder and the PI wrote into memos,
a proposed code and a framework summary before the crawl. Zip downloads (``.qdpx``,
``.xlsx``) are opened and every member is searched.

A URL pattern with no entry in :data:`ROUTES` fails :func:`test_every_url_pattern_has_a_crawl_entry`,
so a new view cannot skip the crawl.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.http import QueryDict
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from coding.codebook import services as codebook_services
from coding.codebook import versions
from coding.compare import services as compare_services
from coding.jobs import services as job_services
from coding.memos import services as memo_services
from coding.models import JobKind, Layer, LayerKind
from coding.segments import services as segment_services
from studies import services as studies_services
from studies.access import study_access
from studies.models import Attribute, Role
from tests import factories

CANARY = "zqcanary7731"  # coder2's memos, proposed code, segment memos; consensus memos
SUMMARY_CANARY = "zqsummary4410"  # the PI's framework-matrix summary
CANARIES = (CANARY, SUMMARY_CANARY)

PERSONAS = ("owner", "coder_blind", "coder_open", "viewer", "outsider", "anonymous")
MEMBERS = ("owner", "coder_blind", "coder_open", "viewer")

# Expected statuses, by persona. A login redirect is 302; the API answers 401 instead.
_ANON = {"anonymous": 302, "outsider": 404}


def _status(members: dict[str, int], **others: int) -> dict[str, int]:
    table = {**_ANON, **members}
    table.update(others)
    return table


PUBLIC = dict.fromkeys(PERSONAS, 200)
SIGNED_IN = {**dict.fromkeys(PERSONAS, 200), "anonymous": 302}
READ = _status(dict.fromkeys(MEMBERS, 200))
CODE = _status({"owner": 200, "coder_blind": 200, "coder_open": 200, "viewer": 403})
OWNER = _status({"owner": 200, "coder_blind": 403, "coder_open": 403, "viewer": 403})
# Owners and viewers read agreement; coders only when it is shared and blind coding is off.
AGREEMENT = _status({"owner": 200, "coder_blind": 403, "coder_open": 200, "viewer": 200})
# A GET on a write URL: the login redirect first, then 405 for everybody signed in.
POST_ONLY = {**dict.fromkeys(PERSONAS, 405), "anonymous": 302}
API_READ = _status(dict.fromkeys(MEMBERS, 200), anonymous=401)
API_AGREEMENT = _status(
    {"owner": 200, "coder_blind": 403, "coder_open": 200, "viewer": 200}, anonymous=401
)
API_SIGNED_IN = {**dict.fromkeys(PERSONAS, 200), "anonymous": 401}
API_WRITE_ONLY = {**dict.fromkeys(PERSONAS, 405), "anonymous": 405}


@dataclass
class Get:
    """One request: the URL's kwargs from the crawl context, a query string, htmx or not."""

    kwargs: Callable[[Crawl], dict] = lambda ctx: {}
    query: str = ""
    htmx: bool = False
    expect: dict[str, int] | None = None  # overrides the route's table


@dataclass
class Route:
    expect: dict[str, int]
    gets: list[Get] = field(default_factory=lambda: [Get()])
    both: bool = True  # also GET every request with HX-Request: true


def _s(ctx):
    return {"study_id": ctx.study.pk}


def _t(ctx):
    return {"study_id": ctx.study.pk, "transcript_id": ctx.transcript.pk}


def _code(ctx):
    return {"study_id": ctx.study.pk, "code_id": ctx.code.pk}


def _proposal(ctx):
    return {"study_id": ctx.study.pk, "code_id": ctx.proposal.pk}


def _seg(ctx):
    return {**_t(ctx), "segment_id": ctx.segment.pk}


def _event(ctx, which: str) -> int:
    events = ctx.study.audit_events.order_by("pk").values_list("pk", flat=True)
    return events.first() if which == "first" else events.last()


def _autocode_batch(ctx) -> int:
    """A batch bob (the coder) auto-coded: every "the" of the study in his layer (made on
    the first call, then the same while it exists)."""
    from coding.models import AuditEvent
    from coding.search import autocode
    from coding.search.forms import search_params
    from studies.access import study_access, writable_layer

    known = getattr(ctx, "autocode_batch", None)
    if known and AuditEvent.objects.filter(pk=known).exists():
        return known
    access = study_access(ctx.users["coder"], ctx.study.pk)
    params = search_params(QueryDict("q=the"))
    found = autocode.plan(
        access, params, code=ctx.code2, layer=writable_layer(access, "mine"), rule="match"
    )
    ctx.autocode_batch = autocode.create(access, found, actor=ctx.users["coder"], params=params).pk
    return ctx.autocode_batch


def _th(ctx):
    return {"study_id": ctx.study.pk, "theme_id": ctx.theme.pk}


def _layer_views(kwargs, *keys):
    return [Get(kwargs, query=f"layer={key}") for key in keys]


ROUTES: dict[str, Route] = {
    # Accounts
    "login": Route(PUBLIC, both=False),
    "logout": Route(POST_ONLY | {"anonymous": 405}, both=False),
    "password_change": Route(SIGNED_IN, both=False),
    "password_change_done": Route(SIGNED_IN, both=False),
    "profile": Route(SIGNED_IN),
    "profile_token_create": Route(POST_ONLY),
    "profile_token_revoke": Route(POST_ONLY, [Get(lambda ctx: {"token_id": 1})]),
    # The header's language switcher (anonymous visitors may switch too) and the JS catalogue.
    "set_language": Route({**dict.fromkeys(PERSONAS, 405)}, both=False),
    "javascript-catalog": Route(PUBLIC, both=False),
    # Studies
    "studies:study_list": Route(SIGNED_IN),
    "studies:study_create": Route(SIGNED_IN),
    "studies:study_dashboard": Route(READ, [Get(_s)]),
    "studies:study_setup": Route(OWNER, [Get(_s)]),
    "studies:study_delete": Route(POST_ONLY, [Get(_s)]),
    "studies:ordered_create": Route(
        POST_ONLY,
        [Get(lambda ctx, kind=kind: {**_s(ctx), "kind": kind}) for kind in ("group", "wave")],
    ),
    "studies:ordered_action": Route(
        POST_ONLY,
        [Get(lambda ctx: {**_s(ctx), "kind": "group", "pk": ctx.group.pk, "action": "up"})],
    ),
    "studies:member_add": Route(POST_ONLY, [Get(_s)]),
    "studies:member_action": Route(
        POST_ONLY, [Get(lambda ctx: {**_s(ctx), "pk": ctx.viewer_membership.pk, "action": "role"})]
    ),
    "studies:participant_list": Route(READ, [Get(_s)]),
    "studies:participant_delete": Route(
        OWNER, [Get(lambda ctx: {**_s(ctx), "pk": ctx.participant.pk})]
    ),
    "studies:transcript_delete": Route(
        OWNER, [Get(lambda ctx: {**_s(ctx), "pk": ctx.transcript.pk})]
    ),
    "studies:invitation_create": Route(POST_ONLY, [Get(_s)]),
    "studies:invitation_revoke": Route(
        POST_ONLY, [Get(lambda ctx: {**_s(ctx), "pk": ctx.invitation.pk})]
    ),
    "studies:invitation_respond": Route(
        POST_ONLY, [Get(lambda ctx: {"pk": ctx.invitation.pk, "action": "accept"})]
    ),
    # An invitation link is opened by people who may have no account yet.
    "invitation_accept": Route(
        PUBLIC,
        [
            Get(lambda ctx: {"token": ctx.invitation_token}),
            Get(lambda ctx: {"token": "not-a-token"}, expect=dict.fromkeys(PERSONAS, 404)),
        ],
    ),
    "studies:participant_import": Route(POST_ONLY, [Get(_s)]),
    "studies:attribute_create": Route(POST_ONLY, [Get(_s)]),
    "studies:attribute_update": Route(
        POST_ONLY, [Get(lambda ctx: {**_s(ctx), "pk": ctx.attribute.pk})]
    ),
    "studies:attribute_delete": Route(
        POST_ONLY, [Get(lambda ctx: {**_s(ctx), "pk": ctx.attribute.pk})]
    ),
    "studies:participant_edit": Route(
        OWNER, [Get(lambda ctx: {**_s(ctx), "pk": ctx.participant.pk})]
    ),
    "studies:transcript_list": Route(READ, [Get(_s)]),
    "studies:transcript_upload": Route(POST_ONLY, [Get(_s)]),
    "studies:transcript_bulk_import": Route(POST_ONLY, [Get(_s)]),
    "studies:transcript_edit": Route(
        OWNER, [Get(lambda ctx: {**_s(ctx), "pk": ctx.transcript.pk})]
    ),
    "studies:transcript_text": Route(
        OWNER, [Get(lambda ctx: {**_s(ctx), "pk": ctx.transcript.pk})]
    ),
    # The transcript's recording: played by every member, attached and removed by owners.
    "studies:transcript_media_file": Route(
        READ, [Get(lambda ctx: {**_s(ctx), "pk": ctx.transcript.pk})]
    ),
    "studies:transcript_media_upload": Route(
        POST_ONLY, [Get(lambda ctx: {**_s(ctx), "pk": ctx.transcript.pk})]
    ),
    "studies:transcript_media_remove": Route(
        POST_ONLY, [Get(lambda ctx: {**_s(ctx), "pk": ctx.transcript.pk})]
    ),
    # Coding page
    "coding:transcript_code": Route(
        READ,
        [
            Get(_t),
            *_layer_views(_t, "mine", "all", "consensus", "union", "erin", "bob"),
            Get(_t, query="code={proposal}"),
            Get(_t, query="focus={segment}"),
            Get(_t, query="focus={canary_segment}"),
        ],
    ),
    "coding:segment_create": Route(POST_ONLY, [Get(_t)]),
    "coding:segment_update": Route(POST_ONLY, [Get(_seg)]),
    "coding:segment_delete": Route(POST_ONLY, [Get(_seg)]),
    "coding:segment_undo": Route(POST_ONLY, [Get(_t)]),
    "coding:transcript_done": Route(POST_ONLY, [Get(_t)]),
    "coding:transcript_memo_create": Route(POST_ONLY, [Get(_t)]),
    # Codebook
    "coding:codebook": Route(READ, [Get(_s), Get(_s, query="q=zq"), Get(_s, query="archived=1")]),
    "coding:code_create": Route(POST_ONLY, [Get(_s)]),
    "coding:codebook_export": Route(READ, [Get(_s)], both=False),
    "coding:codebook_import": Route(POST_ONLY, [Get(_s)]),
    # Codebook versions: members read (blind coders without erin's proposal), owners freeze
    "coding:codebook_versions": Route(READ, [Get(_s)]),
    "coding:codebook_version_create": Route(POST_ONLY, [Get(_s)]),
    "coding:codebook_version_diff": Route(
        READ,
        [
            Get(_s),
            Get(_s, query="from={version1}&to={version}"),
            Get(_s, query="from={version1}&to=current"),
            Get(_s, query="from={version}&to={version1}"),
            Get(_s, query="from=999999", expect=_status(dict.fromkeys(MEMBERS, 400))),
        ],
    ),
    "coding:codebook_version_export": Route(
        READ,
        [
            Get(lambda ctx, f=f: {**_s(ctx), "version_id": ctx.version.pk, "fmt": f})
            for f in ("csv", "qdc")
        ],
        both=False,
    ),
    "coding:codebook_change_decision": Route(
        POST_ONLY, [Get(lambda ctx: {**_s(ctx), "event_id": _event(ctx, "last")})]
    ),
    "coding:codebook_change_reason": Route(
        POST_ONLY, [Get(lambda ctx: {**_s(ctx), "event_id": _event(ctx, "last")})]
    ),
    "coding:code_update": Route(
        READ,
        [
            Get(_code),
            # Another coder's proposed code does not exist for a blind coder.
            Get(_proposal, expect=READ | {"coder_blind": 404}),
        ],
    ),
    "coding:code_detail": Route(READ, [Get(_code)]),
    "coding:code_move": Route(POST_ONLY, [Get(_code)]),
    "coding:code_merge": Route(POST_ONLY, [Get(_code)]),
    "coding:code_archive": Route(POST_ONLY, [Get(_code)]),
    "coding:code_adopt": Route(POST_ONLY, [Get(_proposal)]),
    # Retrieval and memos
    "coding:retrieval": Route(
        READ,
        [
            Get(_s),
            Get(_s, query="code={code}"),
            Get(_s, query="code={proposal}"),
            Get(_s, query="review=1"),
            *_layer_views(_s, "union", "consensus", "erin", "bob"),
            Get(_s, query="code={code}&attribute:gender=female&attribute:interviewer=KL"),
            Get(_s, query="code={code}&attribute:nosuch=x"),
        ],
    ),
    "coding:search": Route(
        READ,
        [
            Get(_s),
            Get(_s, query="q=the"),
            Get(_s, query="q=the+%E7%9A%84&mode=any&variants=1&word=1"),
            Get(_s, query="q=the&speech=participant&page=2"),
            Get(_s, query="q=the&batch=1"),
        ],
    ),
    "coding:words": Route(
        READ,
        [
            Get(_s),
            Get(_s, query="speech=participant&stop=include&min=1&top=500"),
            Get(_s, query="by=attribute:gender&attribute:interviewer=KL&extra=the,%E7%9A%84"),
            Get(_s, query="by=attribute:nosuch&speaker=Interviewer&format=csv"),
            Get(_s, query="format=xlsx"),
        ],
    ),
    "coding:autocode": Route(POST_ONLY, [Get(_s)]),
    "coding:autocode_undo": Route(
        POST_ONLY, [Get(lambda ctx: {**_s(ctx), "batch_id": _autocode_batch(ctx)})]
    ),
    "coding:retrieval_export": Route(
        READ,
        [
            Get(lambda ctx, fmt=fmt: {**_s(ctx), "fmt": fmt}, query=query)
            for fmt in ("csv", "xlsx")
            for query in ("", "layer=union", "review=1")
        ]
        + [
            # Another coder's proposal does not exist for a blind coder.
            Get(
                lambda ctx, fmt=fmt: {**_s(ctx), "fmt": fmt},
                query="code={proposal}",
                expect=READ | {"coder_blind": 400},
            )
            for fmt in ("csv", "xlsx")
        ]
        + [
            # A layer the requester cannot see is refused, not silently replaced.
            Get(
                lambda ctx: {**_s(ctx), "fmt": "csv"},
                query="layer=erin",
                expect=READ | {"coder_blind": 400},
            )
        ],
        both=False,
    ),
    "coding:segment_reviewed": Route(
        POST_ONLY, [Get(lambda ctx: {**_s(ctx), "segment_id": ctx.segment.pk})]
    ),
    "coding:memo_list": Route(
        READ, [Get(_s), *[Get(_s, query=f"kind={k}") for k in ("study", "transcript", "code")]]
    ),
    "coding:memo_create": Route(POST_ONLY, [Get(_s)]),
    "coding:memo_update": Route(
        # Only a memo's author (or an owner) edits it.
        CODE,
        [
            Get(
                lambda ctx: {**_s(ctx), "memo_id": ctx.own_memo.pk},
                expect=_status(
                    {"owner": 200, "coder_blind": 200, "coder_open": 200, "viewer": 403}
                ),
            )
        ],
    ),
    "coding:memo_delete": Route(
        POST_ONLY, [Get(lambda ctx: {**_s(ctx), "memo_id": ctx.erin_memo.pk})]
    ),
    # Themes and the reflexive journal
    "coding:theme_board": Route(READ, [Get(_s), *_layer_views(_s, "union", "consensus", "erin")]),
    "coding:theme_detail": Route(
        READ, [Get(_th), *_layer_views(_th, "union", "consensus", "erin")]
    ),
    "coding:theme_create": Route(POST_ONLY, [Get(_s)]),
    "coding:theme_merge": Route(POST_ONLY, [Get(_s)]),
    "coding:theme_update": Route(POST_ONLY, [Get(_th)]),
    "coding:theme_status": Route(POST_ONLY, [Get(_th)]),
    "coding:theme_codes": Route(POST_ONLY, [Get(_th)]),
    "coding:theme_through_line": Route(POST_ONLY, [Get(_th)]),
    "coding:theme_split": Route(POST_ONLY, [Get(_th)]),
    # Exemplars, the theme report and participant portraits
    "coding:exemplar_list": Route(READ, [Get(_s)]),
    "coding:exemplar_create": Route(
        CODE,
        [
            Get(_s, query="segment={segment}"),
            # erin's highlight: hidden from a blind coder
            Get(
                _s,
                query="segment={canary_segment}",
                expect={**CODE, "coder_blind": 404},
            ),
        ],
    ),
    "coding:exemplar_delete": Route(
        POST_ONLY, [Get(lambda ctx: {**_s(ctx), "exemplar_id": ctx.exemplar.pk})]
    ),
    "coding:theme_report": Route(
        READ,
        [
            Get(_s),
            Get(_s, query="format=docx"),
            Get(_s, query="format=md"),
            *_layer_views(_s, "union", "consensus", "erin"),
        ],
    ),
    "coding:portrait_list": Route(
        READ,
        [
            Get(_s),
            *(Get(_s, query=f"format={f}") for f in ("csv", "xlsx", "docx", "md")),
            *_layer_views(_s, "union", "erin"),
        ],
    ),
    "coding:portrait_detail": Route(
        READ,
        [
            Get(lambda ctx: {**_s(ctx), "participant_id": ctx.participant.pk}),
            Get(
                lambda ctx: {**_s(ctx), "participant_id": ctx.participant.pk},
                query="layer=union",
            ),
        ],
    ),
    "coding:journal": Route(
        READ, [Get(_s), Get(_s, query="code={code}"), Get(_s, query="code={code2}")]
    ),
    "coding:journal_create": Route(POST_ONLY, [Get(_s)]),
    # The PI's shared entry: others read it, only the PI edits it.
    "coding:journal_update": Route(
        _status({"owner": 200, "coder_blind": 403, "coder_open": 403, "viewer": 403}),
        [
            Get(
                lambda ctx: {
                    **_s(ctx),
                    "entry_id": ctx.study.journal_entries.get(body="PI shares a reflection").pk,
                }
            )
        ],
    ),
    # Comparison
    "coding:compare_matrix": Route(
        READ,
        [
            Get(_s),
            *_layer_views(_s, "union", "consensus", "erin"),
            *[Get(_s, query=f"format={fmt}") for fmt in ("csv", "xlsx", "svg")],
            Get(_s, query="measure=participants&rollup=0"),
            Get(_s, query="by=attribute:gender&measure=segments"),
            Get(_s, query="by=attribute:age&bins=18,30,45"),
            Get(_s, query="by=attribute:interviewer&attribute:gender=female&format=csv"),
            Get(_s, query="by=attribute:nosuch&bins=x"),
        ],
    ),
    "coding:compare_trajectory": Route(
        READ,
        [
            Get(_s),
            Get(_s, query="code={code}"),
            Get(_s, query="code={proposal}"),
            *[Get(_s, query=f"code={{code}}&format={fmt}") for fmt in ("csv", "xlsx", "svg")],
        ],
    ),
    "coding:compare_cooccurrence": Route(
        READ, [Get(_s), *[Get(_s, query=f"format={fmt}") for fmt in ("csv", "xlsx")]]
    ),
    "coding:compare_passages": Route(
        READ,
        [
            Get(_s, expect=READ | dict.fromkeys(MEMBERS, 404)),  # no pair of codes chosen
            Get(_s, query="a={code}&b={code2}"),
            Get(_s, query="a={proposal}&b={code}", expect=READ | {"coder_blind": 404}),
        ],
    ),
    "coding:compare_framework": Route(
        READ,
        [
            Get(_s),
            Get(_s, query="wave={wave}"),
            *[Get(_s, query=f"wave={{wave}}&format={fmt}") for fmt in ("csv", "xlsx")],
        ],
    ),
    "coding:compare_framework_summary": Route(POST_ONLY, [Get(_s)]),
    # Agreement and consensus
    "coding:agreement_report": Route(AGREEMENT, [Get(_s), Get(_s, query="layers=bob&layers=erin")]),
    "coding:agreement_export": Route(
        AGREEMENT, [Get(_s, query=f"format={fmt}") for fmt in ("csv", "xlsx")], both=False
    ),
    "coding:agreement_over_time": Route(
        AGREEMENT, [Get(_s, query="bootstrap=20"), Get(_s, query="layers=bob&layers=erin")]
    ),
    "coding:agreement_over_time_export": Route(
        AGREEMENT,
        [Get(_s, query=f"bootstrap=20&format={fmt}") for fmt in ("csv", "xlsx")],
        both=False,
    ),
    "coding:methods_appendix": Route(
        AGREEMENT, [Get(_s, query="bootstrap=20"), Get(_s, query="bootstrap=20&sample=double")]
    ),
    "coding:methods_export": Route(
        AGREEMENT,
        [Get(_s, query=f"bootstrap=20&format={fmt}") for fmt in ("md", "docx")],
        both=False,
    ),
    "coding:disagreements": Route(
        AGREEMENT, [Get(lambda ctx: {**_t(ctx), "code_id": ctx.code.pk})]
    ),
    "coding:consensus_decide": Route(POST_ONLY, [Get(_s)]),
    "coding:consensus_copy_agreed": Route(POST_ONLY, [Get(_s)]),
    "coding:consensus_undo": Route(POST_ONLY, [Get(lambda ctx: {**_s(ctx), "decision_id": 1})]),
    # The dashboard embeds it for everyone; who may not see progress gets an empty section.
    "coding:consensus_progress": Route(READ, [Get(_s)]),
    # Calibration
    "coding:assignments": Route(READ, [Get(_s), Get(_s, query="group=1&wave=2")]),
    "coding:assignments_bulk": Route(POST_ONLY, [Get(_s)]),
    "coding:assignments_sample": Route(
        OWNER, [Get(_s), Get(_s, query="percent=50&seed=1"), Get(_s, query="count=2&seed=x")]
    ),
    "coding:calibration_list": Route(READ, [Get(_s)]),
    "coding:calibration_create": Route(OWNER, [Get(_s)]),
    "coding:calibration_code": Route(
        # Coders assigned to the round code it; the owner and viewers do not.
        _status({"owner": 403, "coder_blind": 200, "coder_open": 200, "viewer": 403}),
        [Get(lambda ctx: {**_s(ctx), "round_id": ctx.round.pk})],
    ),
    "coding:calibration_results": Route(
        # An open round's results are the owner's until it is closed.
        OWNER,
        [Get(lambda ctx: {**_s(ctx), "round_id": ctx.round.pk})],
    ),
    "coding:calibration_close": Route(
        POST_ONLY, [Get(lambda ctx: {**_s(ctx), "round_id": ctx.round.pk})]
    ),
    # Audit log (owners)
    "coding:audit": Route(
        OWNER, [Get(_s), Get(_s, query="action=memo"), Get(_s, query="date_from=2000-01-01")]
    ),
    "coding:audit_export": Route(
        OWNER,
        [Get(lambda ctx, fmt=fmt: {**_s(ctx), "fmt": fmt}) for fmt in ("csv", "jsonl")],
        both=False,
    ),
    "coding:audit_restore": Route(
        OWNER,
        [
            Get(lambda ctx, which=which: {**_s(ctx), "event_id": _event(ctx, which)})
            for which in ("first", "last")
        ],
    ),
    # Exchange
    "coding:exchange": Route(READ, [Get(_s)]),
    "coding:qdpx_export": Route(READ, [Get(_s)], both=False),
    "coding:qdc_export": Route(READ, [Get(_s)], both=False),
    # Background jobs: only the member who started one (bob) sees it and its file.
    "coding:job_detail": Route(
        _status({"owner": 404, "coder_blind": 200, "coder_open": 200, "viewer": 404}),
        [Get(lambda ctx: {**_s(ctx), "job_id": ctx.job.pk})],
    ),
    "coding:job_download": Route(
        _status({"owner": 404, "coder_blind": 200, "coder_open": 200, "viewer": 404}),
        [Get(lambda ctx: {**_s(ctx), "job_id": ctx.job.pk})],
        both=False,
    ),
    # A GET goes back to the exchange page, where the import form is.
    "coding:qdpx_import": Route(OWNER | {"owner": 302}, [Get(_s)]),
    # JSON API
    "api:api-root": Route(dict.fromkeys(PERSONAS, 404), both=False),  # the docs are the root
    "api:openapi-json": Route(PUBLIC, both=False),
    "api:openapi-view": Route(PUBLIC, both=False),
    "api:study_list": Route(API_SIGNED_IN, both=False),
    "api:code_list": Route(API_READ, [Get(_s)], both=False),
    "api:codebook_versions": Route(API_READ, [Get(_s)], both=False),
    "api:codebook_version": Route(
        API_READ, [Get(lambda ctx: {**_s(ctx), "version_id": ctx.version.pk})], both=False
    ),
    "api:codebook_version_diff": Route(
        API_READ,
        [Get(_s, query="from={version1}&to={version}"), Get(_s, query="from={version1}")],
        both=False,
    ),
    "api:transcript_list": Route(API_READ, [Get(_s)], both=False),
    "api:transcript_detail": Route(
        API_READ, [Get(lambda ctx: {"transcript_id": ctx.transcript.pk})], both=False
    ),
    "api:segment_create": Route(
        API_WRITE_ONLY, [Get(lambda ctx: {"transcript_id": ctx.transcript.pk})], both=False
    ),
    "api:segment_delete": Route(
        API_WRITE_ONLY, [Get(lambda ctx: {"segment_id": ctx.segment.pk})], both=False
    ),
    "api:study_search": Route(
        API_READ,
        [Get(_s, query="q=the"), Get(_s, query="q=the+%E7%9A%84&mode=any&variants=1")],
        both=False,
    ),
    "api:study_assignments": Route(API_READ, [Get(_s)], both=False),
    "api:study_assignments_write": Route(API_READ, [Get(_s)], both=False),
    "api:study_assignments_sample": Route(API_WRITE_ONLY, [Get(_s)], both=False),
    "api:study_words": Route(
        API_READ,
        [Get(_s), Get(_s, query="speech=participant&by=attribute:gender&stop=include")],
        both=False,
    ),
    "api:study_autocode": Route(API_WRITE_ONLY, [Get(_s)], both=False),
    "api:study_autocode_undo": Route(
        API_WRITE_ONLY, [Get(lambda ctx: {**_s(ctx), "batch_id": _autocode_batch(ctx)})], both=False
    ),
    "api:study_matrix": Route(
        API_READ,
        [
            Get(_s),
            Get(_s, query="layer=union"),
            Get(_s, query="layer=erin", expect=API_READ | {"coder_blind": 404}),
            Get(_s, query="by=attribute:gender&attribute:interviewer=KL"),
        ],
        both=False,
    ),
    "api:study_agreement": Route(
        API_AGREEMENT,
        [Get(_s, query="bootstrap=20"), Get(_s, query="layers=bob,erin&bootstrap=20&seed=3")],
        both=False,
    ),
    "api:study_agreement_over_time": Route(
        API_AGREEMENT,
        [Get(_s, query="bootstrap=20"), Get(_s, query="layers=bob,erin&bootstrap=20&seed=3")],
        both=False,
    ),
    "api:study_retrieval": Route(
        API_READ,
        [
            Get(_s),
            Get(_s, query="code={code}&attribute:gender=female"),
            Get(_s, query="layer=erin", expect=API_READ | {"coder_blind": 400}),
        ],
        both=False,
    ),
    "api:theme_list": Route(API_READ, [Get(_s)], both=False),
    "api:theme_create": Route(API_READ, [Get(_s)], both=False),  # its GET is the list
    "api:theme_detail": Route(API_READ, [Get(_th)], both=False),
    "api:theme_update": Route(API_READ, [Get(_th)], both=False),  # its GET is the detail
    "api:theme_split": Route(API_WRITE_ONLY, [Get(_th)], both=False),
    "api:theme_merge": Route(API_WRITE_ONLY, [Get(_th)], both=False),
    "api:theme_prevalence": Route(
        API_READ,
        [Get(_th), Get(_th, query="layer=erin", expect=API_READ | {"coder_blind": 404})],
        both=False,
    ),
    "api:journal_list": Route(API_READ, [Get(_s), Get(_s, query="code={code}")], both=False),
    "api:journal_create": Route(API_READ, [Get(_s)], both=False),  # its GET is the list
    "api:not_found": Route(
        {**dict.fromkeys(PERSONAS, 404)}, [Get(lambda ctx: {"rest": "nothing/here"})], both=False
    ),
}

# Django's own pages: the admin is staff-only and tested by Django.
SKIPPED_NAMESPACES = ("admin",)


def url_patterns():
    """Every named URL pattern of the project as ``(qualified name, pattern)``."""

    def walk(patterns, namespace=""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = entry.namespace or ""
                qualified = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
                yield from walk(entry.url_patterns, qualified)
            elif isinstance(entry, URLPattern):
                yield (f"{namespace}:{entry.name}" if namespace else entry.name), entry

    return [
        (name, entry)
        for name, entry in walk(get_resolver().url_patterns)
        if name and not name.startswith(SKIPPED_NAMESPACES)
    ]


def test_every_url_pattern_has_a_crawl_entry():
    missing = sorted({name for name, _ in url_patterns()} - set(ROUTES))
    assert not missing, f"add these URL names to tests/test_crawl.py ROUTES: {missing}"
    stale = sorted(set(ROUTES) - {name for name, _ in url_patterns()})
    assert not stale, f"ROUTES names URLs that no longer exist: {stale}"


# --- the study under crawl ----------------------------------------------------------------


def _attach_recording(transcript, owner) -> None:
    """A one-second WAV, so that the coding page shows its player and the file view answers."""
    import io
    import wave

    from django.core.files.uploadedfile import SimpleUploadedFile

    from studies.media import attach_media

    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\0\0" * 8000)
    attach_media(
        transcript=transcript,
        upload=SimpleUploadedFile("psw01.wav", out.getvalue()),
        actor=owner,
    )


@dataclass
class Crawl:
    study: object
    users: dict
    group: object
    wave: object
    participant: object
    transcript: object
    code: object
    code2: object
    proposal: object
    segment: object
    canary_segment: object
    own_memo: object
    erin_memo: object  # a coder's memo on the transcript, hidden from a blind coder
    viewer_membership: object
    round: object
    invitation: object
    invitation_token: str
    job: object = None  # bob's QDPX export job (its file is searched for canaries)
    attribute: object = None  # the participants' "gender" definition
    theme: object = None  # the PI's theme, fed by the code (journal entries link to it)
    exemplar: object = None  # the PI's exemplar on erin's highlight (its note a canary)
    version1: object = None  # a codebook version before erin's proposal
    version: object = None  # one after it (its snapshot holds the proposal)

    def fill(self, query: str) -> str:
        return query.format(
            version1=self.version1.pk,
            version=self.version.pk,
            code=self.code.pk,
            code2=self.code2.pk,
            proposal=self.proposal.pk,
            wave=self.wave.pk,
            segment=self.segment.pk,
            canary_segment=self.canary_segment.pk,
        )


def build_crawl(*, blind: bool) -> Crawl:
    study = factories.make_study(
        name="Crawled study", blind_coding=blind, share_agreement_with_coders=True
    )
    users = {
        "owner": factories.make_user(username="alice"),
        "coder": factories.make_user(username="bob"),
        "coder2": factories.make_user(username="erin"),
        "viewer": factories.make_user(username="carol"),
        "outsider": factories.make_user(username="dave"),
    }
    factories.add_member(study, users["owner"], Role.OWNER)
    factories.add_member(study, users["coder"], Role.CODER)
    factories.add_member(study, users["coder2"], Role.CODER)
    viewer_membership = factories.add_member(study, users["viewer"], Role.VIEWER)
    group = factories.make_group(study, name="Peer support workers")
    wave = factories.make_wave(study, name="T1 Training")
    participant = factories.make_participant(
        study, pseudonym="PSW01", group=group, attributes={"gender": "female", "age": 34}
    )
    transcript = factories.make_transcript(
        study,
        participant=participant,
        wave=wave,
        title="PSW01 at T1",
        attributes={"interviewer": "KL"},
    )
    _attach_recording(transcript, users["owner"])
    gender = Attribute.objects.create(
        study=study, name="gender", kind="choice", choices=["female", "male"]
    )
    Attribute.objects.create(study=study, name="age", kind="number", position=1)
    Attribute.objects.create(study=study, name="interviewer", scope="transcript")
    theme = codebook_services.code_create(study=study, name="Role", actor=users["owner"])
    code = codebook_services.code_create(
        study=study, name="Role confusion", parent=theme, actor=users["owner"]
    )
    code2 = codebook_services.code_create(
        study=study, name="Lived experience", actor=users["owner"]
    )

    own = Layer.objects.create(study=study, kind=LayerKind.CODER, user=users["coder"])
    other = Layer.objects.create(study=study, kind=LayerKind.CODER, user=users["coder2"])
    consensus = Layer.objects.create(study=study, kind=LayerKind.CONSENSUS)
    text = transcript.text
    start = text.index("At first")
    end = text.index("角色") + 2
    segment, _ = segment_services.segment_create(
        transcript=transcript, code=code, layer=own, start=start, end=end, actor=users["coder"]
    )
    segment_services.segment_create(
        transcript=transcript, code=code2, layer=own, start=start, end=end, actor=users["coder"]
    )
    version1 = versions.version_create(study=study, name="v1", actor=users["owner"])
    # What coder2 (erin) thinks, which a blind coder must never see.
    proposal = codebook_services.code_create(
        study=study,
        name=f"Guilt {CANARY}",
        actor=users["coder2"],
        description=CANARY,
        proposed=True,
    )
    canary_segment, _ = segment_services.segment_create(
        transcript=transcript,
        code=code,
        layer=other,
        start=start,
        end=end - 1,
        memo=f"segment memo {CANARY}",
        actor=users["coder2"],
    )
    segment_services.segment_create(
        transcript=transcript,
        code=proposal,
        layer=other,
        start=text.index("Later"),
        end=len(text),
        actor=users["coder2"],
    )
    erin_memos = []
    for target in ({"transcript": transcript}, {"code": code}, {"segment": canary_segment}, {}):
        erin_memo = memo_services.memo_create(
            study=study,
            author=users["coder2"],
            title=f"erin's thought {CANARY}",
            body=f"body {CANARY}",
            **target,
        )
        erin_memos.append(erin_memo)
    segment_services.segment_create(
        transcript=transcript,
        code=code,
        layer=consensus,
        start=start,
        end=end,
        memo=f"consensus memo {CANARY}",
        actor=users["owner"],
    )
    compare_services.framework_summary_save(
        study=study,
        participant=participant,
        code=code,
        wave=wave,
        body=f"PI summary {SUMMARY_CANARY}",
        author=users["owner"],
    )
    own_memo = memo_services.memo_create(
        study=study, author=users["coder"], title="bob's memo", body="bob's own thinking"
    )
    round_ = _calibration_round(study, transcript, code, users)
    invitation, token = studies_services.invitation_create(
        study=study, role=Role.CODER, note=f"for a new coder {CANARY}", actor=users["owner"]
    )
    ctx = Crawl(
        study=study,
        users=users,
        group=group,
        wave=wave,
        participant=participant,
        transcript=transcript,
        code=code,
        code2=code2,
        proposal=proposal,
        segment=segment,
        canary_segment=canary_segment,
        own_memo=own_memo,
        erin_memo=erin_memos[0],
        viewer_membership=viewer_membership,
        round=round_,
        invitation=invitation,
        invitation_token=token,
    )
    ctx.attribute = gender
    ctx.theme = _themes_and_journal(study, users, transcript, code, code2)
    ctx.exemplar = _exemplars_and_portrait(ctx)
    ctx.version1 = version1
    ctx.version = versions.version_create(study=study, name="v2", actor=users["owner"])
    ctx.job = job_services.job_start(
        access=study_access(users["coder"], study.pk),
        kind=JobKind.QDPX_EXPORT,
        filename="crawled-study.qdpx",
    )
    return ctx


def _themes_and_journal(study, users, transcript, code, code2):
    """The PI's theme, erin's shared entry and everyone's private ones: the canary in each
    (a blind coder reads only the owners' shared entries; no one reads another's private)."""
    from coding.themes import services as theme_services

    theme = theme_services.theme_create(
        study=study, actor=users["owner"], name="Becoming a colleague", codes=[code, code2]
    )
    for author, shared in (("coder2", True), ("coder2", False), ("owner", False)):
        theme_services.journal_entry_create(
            study=study,
            author=users[author],
            body=f"{author} journal {shared} {CANARY}",
            shared=shared,
            transcripts=[transcript],
            codes=[code],
            themes=[theme],
        )
    theme_services.journal_entry_create(
        study=study,
        author=users["owner"],
        body="PI shares a reflection",
        shared=True,
        themes=[theme],
    )
    return theme


def _exemplars_and_portrait(ctx):
    """Exemplars on bob's and erin's highlights (erin's note a canary) and the team's stored
    portrait of the participant (a blind coder sees neither erin's nor the stored text)."""
    from coding.exemplars import services as exemplar_services

    users = ctx.users
    exemplar_services.exemplar_create(
        segment=ctx.segment, actor=users["coder"], theme=ctx.theme, note="bob's exemplar"
    )
    on_erin = exemplar_services.exemplar_create(
        segment=ctx.canary_segment, actor=users["owner"], code=ctx.code, note=f"PI {CANARY}"
    )
    exemplar_services.portrait_save(
        participant=ctx.participant,
        actor=users["owner"],
        text=f"PSW01 across the year {CANARY}",
        generated="",
    )
    return on_erin


def _calibration_round(study, transcript, code, users):
    from coding.models import CalibrationRound, CalibrationUnit

    rnd = CalibrationRound.objects.create(study=study, name="Round 1")
    rnd.codes.add(code)
    rnd.coders.add(users["coder"], users["coder2"])
    CalibrationUnit.objects.create(
        round=rnd, transcript=transcript, start=0, end=12, quote=transcript.text[0:12]
    )
    return rnd


# --- the crawl ---------------------------------------------------------------------------


def _client(ctx: Crawl, persona: str) -> Client:
    client = Client()
    user = {
        "owner": "owner",
        "coder_blind": "coder",
        "coder_open": "coder",
        "viewer": "viewer",
        "outsider": "outsider",
    }.get(persona)
    if user:
        client.force_login(ctx.users[user])
    return client


def _texts(response) -> list[str]:
    """Everything a response carries, as text: zip archives are opened member by member."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return [archive.read(name).decode("utf-8", "replace") for name in archive.namelist()]
    return [body.decode("utf-8", "replace")]


TITLE = re.compile(r"<title>(.*?)</title>", re.S | re.I)


def crawl(ctx: Crawl, persona: str) -> list[str]:
    """Every problem found, as lines."""
    client = _client(ctx, persona)
    problems = []
    for name, route in ROUTES.items():
        for get in route.gets:
            try:
                from django.urls import reverse

                url = reverse(name, kwargs=get.kwargs(ctx))
            except Exception as exc:  # a route entry that cannot be built is a test bug
                problems.append(f"{name}: cannot build URL: {exc}")
                continue
            if get.query:
                url += "?" + ctx.fill(get.query)
            expected = (get.expect or route.expect)[persona]
            for htmx in (False, True) if route.both else (False,):
                headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
                response = client.get(url, **headers)
                where = f"{url}{' (htmx)' if htmx else ''}"
                if response.status_code >= 500 or response.status_code != expected:
                    problems.append(f"{where}: status {response.status_code}, expected {expected}")
                texts = _texts(response)
                for text in texts:
                    for title in TITLE.findall(text):
                        if "<" in title or "&lt;" in title:
                            problems.append(f"{where}: markup in <title>: {title.strip()[:80]!r}")
                if persona == "coder_blind":
                    for text in texts:
                        for canary in CANARIES:
                            if canary in text:
                                at = text.index(canary)
                                problems.append(
                                    f"{where}: blind coder received {canary!r}: "
                                    f"…{text[max(0, at - 80) : at + 20]!r}"
                                )
    return problems


@pytest.mark.parametrize("persona", PERSONAS)
def test_crawl_as(persona, db):
    ctx = build_crawl(blind=persona != "coder_open")
    problems = crawl(ctx, persona)
    assert not problems, f"{len(problems)} problems as {persona}:\n" + "\n".join(problems)


def test_the_canaries_are_there_to_be_found(db):
    """The crawl would find a leak: the owner (who may see everything) receives each canary."""
    ctx = build_crawl(blind=True)
    client = _client(ctx, "owner")
    seen = set()
    for url in (
        f"/studies/{ctx.study.pk}/memos/",
        f"/studies/{ctx.study.pk}/export/project.qdpx",
        f"/studies/{ctx.study.pk}/codes/",
    ):
        for text in _texts(client.get(url)):
            seen.update(c for c in CANARIES if c in text)
    assert seen == set(CANARIES)
