"""The coding page's writes decide access and read their transcript in one written-out
query (studies/access.py ``get_study_and_transcript``): the same decision, in the same
order, as ``get_study_for_user`` followed by ``get_transcript(related=False)`` through the
ORM, and the same objects, for every persona, blind coding on and off, every write mode
and ids that name nothing (another study's transcript, none, not a number, too large)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import DataError, transaction
from django.http import Http404
from django.test import RequestFactory

from studies.access import get_study_and_transcript, get_study_for_user, get_transcript
from studies.models import Membership, Study, Transcript
from tests import factories

BAD_IDS = ["nope", None, 2**63, -(2**63) - 1, 10**30]


def _fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def _outcome(call):
    """What a view sees: the refusal (its kind and words) or the objects' every field."""
    try:
        access, transcript = call()
    except Http404 as exc:
        return ("404", str(exc))
    except PermissionDenied as exc:
        return ("403", str(exc))
    assert transcript.study is access.study  # preloaded: no query to reach it
    assert access.membership.study is access.study
    return (
        "ok",
        access.role,
        access.blind,
        access.user.pk,
        _fields(access.membership),
        _fields(access.study),
        _fields(transcript),
        transcript.get_deferred_fields(),
    )


def _orm(request, study_id, transcript_id, **mode):
    access = get_study_for_user(request, study_id, **mode)
    return access, get_transcript(access, transcript_id, related=False)


def _orm_outcome(call):
    """The ORM's outcome; an id beyond the id column's range crashes the ORM's foreign-key
    look-up (a server error: OverflowError on SQLite, DataError on PostgreSQL), where the
    written-out look-up finds nothing (404)."""
    try:
        with transaction.atomic():
            return _outcome(call)
    except (OverflowError, DataError):
        return None


@pytest.mark.parametrize("blind", [False, True])
def test_the_written_out_decision_is_the_orms(
    study, owner, coder, viewer, outsider, blind, django_assert_max_num_queries
):
    study.blind_coding = blind
    study.save()
    mine = factories.make_transcript(
        study, title="SU01 T1", text="P01: a turn — 你好.\nP02: another.", attributes={"site": "HK"}
    )
    elsewhere = factories.make_study(name="Another study")
    theirs = factories.make_transcript(elsewhere, title="Theirs")
    factories.add_member(elsewhere, outsider)  # a member of another study only
    rf = RequestFactory()
    users = [owner, coder, viewer, outsider, AnonymousUser()]
    study_ids = [study.pk, elsewhere.pk, 999_999, *BAD_IDS]
    transcript_ids = [mine.pk, theirs.pk, 999_999, *BAD_IDS]
    modes = [{}, {"write": True}, {"owner": True}]
    seen = set()
    for user in users:
        request = rf.post("/")
        request.user = user
        for sid in study_ids:
            for tid in transcript_ids:
                for mode in modes:
                    orm = _orm_outcome(lambda r=request, s=sid, t=tid, m=mode: _orm(r, s, t, **m))
                    with django_assert_max_num_queries(1):
                        raw = _outcome(
                            lambda r=request, s=sid, t=tid, m=mode: get_study_and_transcript(
                                r, s, t, **m
                            )
                        )
                    if orm is None:
                        assert raw[0] == "404", (user, sid, tid, mode)
                        continue
                    assert raw == orm, (user, sid, tid, mode)
                    seen.add(orm[0] if orm[0] != "ok" else (orm[0], orm[1], orm[2]))
    # Every decision was met: refusals of both kinds, and each role's access.
    assert {"404", "403"} <= seen
    roles = {s[1] for s in seen if isinstance(s, tuple)}
    assert roles == {"owner", "coder", "viewer"}
    assert ("ok", "coder", blind) in seen


def test_it_reads_in_one_query(study, coder, django_assert_num_queries):
    transcript = factories.make_transcript(study)
    request = RequestFactory().post("/")
    request.user = coder
    with django_assert_num_queries(1):
        access, got = get_study_and_transcript(request, study.pk, transcript.pk, write=True)
    assert got.text == transcript.text and access.study.pk == study.pk
    assert isinstance(access.membership, Membership) and isinstance(access.study, Study)
    assert isinstance(got, Transcript)


@pytest.mark.parametrize("huge", [2**63, 10**30])
def test_an_id_too_large_for_the_column_names_nothing(study, coder, huge):
    transcript = factories.make_transcript(study)
    request = RequestFactory().post("/")
    request.user = coder
    for sid, tid in ((huge, transcript.pk), (study.pk, huge)):
        with pytest.raises(Http404):
            get_study_and_transcript(request, sid, tid, write=True)


def _related(transcript) -> tuple:
    """The objects ``related=True`` preloads, field by field (None where there is none)."""
    participant = transcript.participant
    group = participant.group if participant is not None else None
    media = getattr(transcript, "media", None)
    return (
        _fields(participant) if participant is not None else None,
        _fields(group) if group is not None else None,
        _fields(transcript.wave) if transcript.wave is not None else None,
        _fields(media) if media is not None else None,
        media is None or media.transcript is transcript,
    )


def _orm_related(request, study_id, transcript_id):
    access = get_study_for_user(request, study_id)
    return access, get_transcript(access, transcript_id)


def _related_outcome(call, django_assert_num_queries=None):
    """:func:`_outcome` and the related objects, read without a query."""
    holder = {}

    def keep():
        holder["got"] = call()
        return holder["got"]

    outcome = _outcome(keep)
    if outcome[0] != "ok":
        return outcome
    _, transcript = holder["got"]
    with django_assert_num_queries(0):
        return (*outcome, _related(transcript))


@pytest.mark.parametrize("blind", [False, True])
def test_the_pages_written_out_read_preloads_what_the_orms_does(
    study, owner, coder, viewer, outsider, blind, django_assert_num_queries
):
    """The coding page reads access and transcript with ``related=True``: the participant
    (with and without a group), the wave and the recording, each present or not, are the
    ORM's ``get_transcript`` objects, and reading them runs no query."""

    study.blind_coding = blind
    study.save()
    group = factories.make_group(study, name="Teachers")
    everything = factories.make_transcript(
        study,
        title="Everything",
        participant=factories.make_participant(study, pseudonym="P01", group=group),
        wave=factories.make_wave(study, name="Wave 1"),
        turn_times=[[0, 1.5]],
    )
    factories.make_media(everything, owner)
    no_group = factories.make_transcript(
        study, title="No group", participant=factories.make_participant(study, pseudonym="P02")
    )
    bare = factories.make_transcript(study, title="Bare")
    elsewhere = factories.make_study(name="Another study")
    theirs = factories.make_transcript(elsewhere, title="Theirs")
    factories.add_member(elsewhere, outsider)
    rf = RequestFactory()
    seen = set()
    for user in [owner, coder, viewer, outsider]:
        request = rf.get("/")
        request.user = user
        for sid in [study.pk, elsewhere.pk]:
            for tid in [everything.pk, no_group.pk, bare.pk, theirs.pk, 999_999, "nope"]:
                orm = _related_outcome(
                    lambda r=request, s=sid, t=tid: _orm_related(r, s, t),
                    django_assert_num_queries,
                )
                with django_assert_num_queries(1):
                    raw = _related_outcome(
                        lambda r=request, s=sid, t=tid: get_study_and_transcript(
                            r, s, t, related=True
                        ),
                        django_assert_num_queries,
                    )
                assert raw == orm, (user, sid, tid)
                if orm[0] == "ok":
                    seen.add(tuple(part is not None for part in orm[-1][:4]))
    # Each related object was met both present and absent.
    assert {(True, True, True, True), (True, False, False, False), (False,) * 4} <= seen


@pytest.mark.parametrize("blind", [False, True])
def test_the_pages_memos_are_visible_memos(
    study, owner, coder, coder2, viewer, blind, django_assert_num_queries
):
    """The coding page's memos (``transcript_memos``) are :func:`visible_memos` of the
    transcript's own memos, newest first, for every persona: memos by each member, framework
    summaries, memos on segments (own and hidden layers), on the study, on another
    transcript, and one whose author was deleted."""
    from coding.models import FRAMEWORK_KEY, Memo
    from studies.access import study_access, transcript_memos, visible_memos

    study.blind_coding = blind
    study.save()
    transcript = factories.make_transcript(study, title="Read", text="P01: words here.")
    other = factories.make_transcript(study, title="Other")
    code = factories.make_code(study, name="Shame")
    for author in (owner, coder, coder2, viewer):
        layer = factories.make_layer(study, author)
        segment = factories.make_segment(transcript, code, layer, 0, 3)
        for where in (
            {"transcript": transcript},
            {"transcript": transcript, "extra": {FRAMEWORK_KEY: {"theme": 1}}},
            {"transcript": transcript, "segment": segment},
            {"transcript": other},
            {},
        ):
            Memo.objects.create(study=study, author=author, title=author.username, **where)
    Memo.objects.create(study=study, author=None, title="by someone gone", transcript=transcript)

    def fields(memos):
        return [(_fields(m), _fields(m.author) if m.author is not None else None) for m in memos]

    sizes = set()
    for user in (owner, coder, coder2, viewer):
        access = study_access(user, study.pk)
        orm = list(
            visible_memos(access, Memo.objects.filter(transcript=transcript, segment__isnull=True))
            .select_related("author")
            .order_by("-created_at", "-pk")[:50]
        )
        with django_assert_num_queries(1):
            raw = transcript_memos(access, transcript, limit=50)
        with django_assert_num_queries(0):
            assert fields(raw) == fields(orm), user
        assert transcript_memos(access, transcript, limit=3) == orm[:3]
        sizes.add(len(orm))
    # Everyone sees all nine but a blind coder, who sees their own two.
    assert sizes == ({2, 9} if blind else {9})
