"""JSON API v1: themes (with their history and prevalence) and the reflexive journal.

A router that :data:`workbench.api.api` adds before its catch-all route; the same
authentication, access rules and errors as the rest of the API.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext
from ninja import Router, Schema, Status
from pydantic import Field

from coding.compare.layers import PLACED, layer_choice
from coding.themes import selectors as theme_selectors
from coding.themes import services as theme_services
from studies.access import StudyAccess
from workbench.api_common import READ_ERRORS, WRITE_ERRORS, Id, _access

router = Router()


# --- Themes and the reflexive journal (coding.themes) -----------------------------------


class ThemeEventOut(Schema):
    kind: str
    date: str
    actor: str | None
    reason: str
    before: dict | None
    after: dict | None
    related: list[int] = Field(description="Themes split off, merged in or merged into.")


class ThemeOut(Schema):
    id: int
    name: str
    concept: str = Field(description="The central organising concept.")
    status: str = Field(description="candidate, reviewed, final or discarded.")
    code_ids: list[int] = Field(description="Codes feeding the theme (those you may see).")
    through_line: str
    created_at: str
    updated_at: str


class ThemeDetailOut(ThemeOut):
    events: list[ThemeEventOut]


class ThemeIn(Schema):
    name: str
    concept: str = ""
    code_ids: list[Id] = []


class ThemePatch(Schema):
    name: str | None = None
    concept: str | None = None
    status: str | None = None
    code_ids: list[Id] | None = None
    through_line: str | None = None
    reason: str = Field("", description="Required for a change of name, concept, status or codes.")


def _theme_codes(access: StudyAccess, ids) -> list:
    from studies.access import visible_codes

    ids = list(dict.fromkeys(ids))
    codes = list(visible_codes(access).filter(pk__in=ids))
    if len(codes) != len(ids):
        raise DjangoValidationError(gettext("code_ids: a code that is not in the study."))
    return codes


def _theme_out(theme, visible: set[int]) -> dict:
    return {
        "id": theme.pk,
        "name": theme.name,
        "concept": theme.concept,
        "status": theme.status,
        "code_ids": sorted(c.pk for c in theme.codes.all() if c.pk in visible),
        "through_line": theme.through_line,
        "created_at": theme.created_at.isoformat(),
        "updated_at": theme.updated_at.isoformat(),
    }


def _get_theme(access: StudyAccess, theme_id: int):
    theme = access.study.themes.prefetch_related("codes").filter(pk=theme_id).first()
    if theme is None:
        raise Http404(gettext("No such theme."))
    theme.study = access.study
    return theme


def _theme_detail_out(access: StudyAccess, theme) -> dict:
    from studies.access import visible_codes

    visible = set(visible_codes(access).values_list("pk", flat=True))
    events = theme.events.select_related("actor").prefetch_related("related")
    return {
        **_theme_out(theme, visible),
        "events": [
            {
                "kind": e.kind,
                "date": e.created_at.isoformat(),
                "actor": e.actor.username if e.actor else None,
                "reason": e.reason,
                "before": e.before,
                "after": e.after,
                "related": [t.pk for t in e.related.all()],
            }
            for e in events
        ],
    }


@router.get(
    "/studies/{study_id}/themes",
    response={200: list[ThemeOut], **READ_ERRORS},
    url_name="theme_list",
)
def theme_list(request, study_id: Id):
    """The study's themes in board order, with the ids of the codes feeding each."""
    from studies.access import visible_codes

    access = _access(request, study_id, missing=gettext("No such study."))
    visible = set(visible_codes(access).values_list("pk", flat=True))
    themes = access.study.themes.prefetch_related("codes").order_by("position", "name", "pk")
    return [_theme_out(t, visible) for t in themes]


@router.post(
    "/studies/{study_id}/themes",
    response={201: ThemeDetailOut, **WRITE_ERRORS},
    url_name="theme_create",
)
def theme_create(request, study_id: Id, payload: ThemeIn):
    """A candidate theme from codes (owners and coders)."""
    access = _access(request, study_id, missing=gettext("No such study."))
    access.require_coder()
    theme = theme_services.theme_create(
        study=access.study,
        actor=request.auth,
        name=payload.name,
        concept=payload.concept,
        codes=_theme_codes(access, payload.code_ids),
    )
    return Status(201, _theme_detail_out(access, _get_theme(access, theme.pk)))


@router.get(
    "/studies/{study_id}/themes/{theme_id}",
    response={200: ThemeDetailOut, **READ_ERRORS},
    url_name="theme_detail",
)
def theme_detail(request, study_id: Id, theme_id: Id):
    """One theme and its history (events oldest first, each with its date and reason)."""
    access = _access(request, study_id, missing=gettext("No such study."))
    return _theme_detail_out(access, _get_theme(access, theme_id))


@router.patch(
    "/studies/{study_id}/themes/{theme_id}",
    response={200: ThemeDetailOut, **WRITE_ERRORS},
    url_name="theme_update",
)
def theme_update(request, study_id: Id, theme_id: Id, payload: ThemePatch):
    """Change a theme's name, concept, status, codes or through-line; each change is an event
    with `reason` (required except for the through-line). Split and merge: their own
    endpoints (`/split`, `/merge`)."""
    access = _access(request, study_id, missing=gettext("No such study."))
    access.require_coder()
    theme = _get_theme(access, theme_id)
    actor, reason = request.auth, payload.reason
    with transaction.atomic():
        if payload.name is not None or payload.concept is not None:
            theme_services.theme_update(
                theme=theme,
                actor=actor,
                name=theme.name if payload.name is None else payload.name,
                concept=theme.concept if payload.concept is None else payload.concept,
                reason=reason,
            )
        if payload.status is not None:
            theme_services.theme_set_status(
                theme=theme, actor=actor, status=payload.status, reason=reason
            )
        if payload.code_ids is not None:
            theme_services.theme_set_codes(
                theme=theme,
                actor=actor,
                codes=_theme_codes(access, payload.code_ids),
                reason=reason,
            )
        if payload.through_line is not None:
            theme_services.theme_set_through_line(
                theme=theme, actor=actor, text=payload.through_line, reason=reason
            )
    return _theme_detail_out(access, _get_theme(access, theme_id))


class SplitPartIn(Schema):
    name: str
    concept: str = ""
    code_ids: list[Id] = Field(description="Codes of the theme split that the new theme takes.")


class ThemeSplitIn(Schema):
    parts: list[SplitPartIn] = Field(description="One new candidate theme per part.")
    reason: str = Field(description="Why the theme is split (required; kept in the history).")


class ThemeSplitOut(Schema):
    theme: ThemeDetailOut = Field(description="The theme split, with the codes it keeps.")
    new_themes: list[ThemeDetailOut]


class ThemeMergeIn(Schema):
    theme_ids: list[Id] = Field(description="The themes merged into this one (discarded).")
    reason: str = Field(description="Why they are merged (required; kept in every history).")


@router.post(
    "/studies/{study_id}/themes/{theme_id}/split",
    response={201: ThemeSplitOut, **WRITE_ERRORS},
    url_name="theme_split",
)
def theme_split(request, study_id: Id, theme_id: Id, payload: ThemeSplitIn):
    """Split a theme: each part becomes a new candidate theme taking some of its codes; the
    theme keeps the rest (at least one). The same service and history events as the page."""
    access = _access(request, study_id, missing=gettext("No such study."))
    access.require_coder()
    theme = _get_theme(access, theme_id)
    parts = [
        {"name": p.name, "concept": p.concept, "codes": _theme_codes(access, p.code_ids)}
        for p in payload.parts
    ]
    made = theme_services.theme_split(
        theme=theme, actor=request.auth, parts=parts, reason=payload.reason
    )
    return Status(
        201,
        {
            "theme": _theme_detail_out(access, _get_theme(access, theme.pk)),
            "new_themes": [_theme_detail_out(access, _get_theme(access, t.pk)) for t in made],
        },
    )


@router.post(
    "/studies/{study_id}/themes/{theme_id}/merge",
    response={200: ThemeDetailOut, **WRITE_ERRORS},
    url_name="theme_merge",
)
def theme_merge(request, study_id: Id, theme_id: Id, payload: ThemeMergeIn):
    """Merge `theme_ids` into this theme: it takes all their codes; they are discarded, each
    with an event pointing here. The same service and history events as the page."""
    access = _access(request, study_id, missing=gettext("No such study."))
    access.require_coder()
    target = _get_theme(access, theme_id)
    wanted = list(dict.fromkeys(payload.theme_ids))
    others = list(access.study.themes.filter(pk__in=wanted))
    if len(others) != len(wanted):
        raise Http404(gettext("No such theme."))
    others.sort(key=lambda t: wanted.index(t.pk))
    theme_services.theme_merge(
        target=target, others=others, actor=request.auth, reason=payload.reason
    )
    return _theme_detail_out(access, _get_theme(access, theme_id))


class PrevalenceCellOut(Schema):
    group: str
    wave: str
    present: int | None = Field(
        description="Participants with the theme; null: nobody interviewed."
    )
    transcripts: int | None
    denominator: int = Field(description="Participants of the group interviewed at the wave.")


class ChangeStepOut(Schema):
    kind: str = Field(description="rises, falls, appears, disappears or stays.")
    text: str = Field(description='e.g. "2/9 at T1 → 7/9 at T3".')
    from_wave: str
    to_wave: str


class GroupChangeOut(Schema):
    group: str
    overall: ChangeStepOut | None = Field(description="First to last wave interviewed.")
    steps: list[ChangeStepOut] = Field(description="Between consecutive waves interviewed.")


class PrevalenceOut(Schema):
    theme_id: int
    layer: str
    groups: list[str]
    waves: list[str]
    cells: list[PrevalenceCellOut]
    changes: list[GroupChangeOut]


@router.get(
    "/studies/{study_id}/themes/{theme_id}/prevalence",
    response={200: PrevalenceOut, **READ_ERRORS},
    url_name="theme_prevalence",
)
def theme_prevalence(request, study_id: Id, theme_id: Id, layer: str = ""):
    """Participants with the theme (any of its codes or their descendants applied) per
    stakeholder group and wave, out of those interviewed, in `layer` as for the matrix
    (consensus by default when it covers everything, else the union; blind coders: their
    own layer), and the change across waves per group."""
    access = _access(request, study_id, missing=gettext("No such study."))
    theme = _get_theme(access, theme_id)
    try:
        choice = layer_choice(access, layer or None, scope=PLACED)
    except LookupError:
        raise Http404(gettext("No such layer.")) from None
    prev = theme_selectors.theme_prevalence(access, theme, choice)
    groups = {g.pk: g.name for g in prev.frame.groups}
    waves = {w.pk: w.name for w in prev.frame.waves}

    def step(s):
        if s is None:
            return None
        return {"kind": s.kind, "text": s.text, "from_wave": s.before_wave, "to_wave": s.after_wave}

    return {
        "theme_id": theme.pk,
        "layer": choice.key,
        "groups": list(groups.values()),
        "waves": list(waves.values()),
        "cells": [
            {
                "group": groups[c.group_id],
                "wave": waves[c.wave_id],
                "present": c.present if c.interviewed else None,
                "transcripts": c.transcripts if c.interviewed else None,
                "denominator": c.denominator,
            }
            for c in prev.cells
        ],
        "changes": [
            {
                "group": g.group.name,
                "overall": step(g.overall),
                "steps": [step(s) for s in g.steps],
            }
            for g in prev.changes
        ],
    }


class JournalEntryOut(Schema):
    id: int
    author: str
    created_at: str
    title: str
    body: str
    shared: bool
    transcript_ids: list[int]
    code_ids: list[int]
    theme_ids: list[int]


class JournalEntryIn(Schema):
    title: str = ""
    body: str
    shared: bool = False
    transcript_ids: list[Id] = []
    code_ids: list[Id] = []
    theme_ids: list[Id] = []


def _journal_out(entry, visible_codes_ids: set[int]) -> dict:
    return {
        "id": entry.pk,
        "author": entry.author.username,
        "created_at": entry.created_at.isoformat(),
        "title": entry.title,
        "body": entry.body,
        "shared": entry.shared,
        "transcript_ids": [t.pk for t in entry.transcripts.all()],
        "code_ids": [c.pk for c in entry.codes.all() if c.pk in visible_codes_ids],
        "theme_ids": [t.pk for t in entry.themes.all()],
    }


@router.get(
    "/studies/{study_id}/journal",
    response={200: list[JournalEntryOut], **READ_ERRORS},
    url_name="journal_list",
)
def journal_list(
    request,
    study_id: Id,
    transcript: int | None = None,
    code: int | None = None,
    theme: int | None = None,
):
    """Reflexive journal entries, newest first: your own, and others' shared ones (under
    blind coding a coder gets only the owners' shared ones). Others' private entries are
    never returned. `transcript`, `code`, `theme` keep entries linked to that id."""
    from studies.access import visible_codes

    access = _access(request, study_id, missing=gettext("No such study."))
    filters = {}
    if transcript:
        filters["transcript"] = transcript
    if code:
        filters["code"] = code
    if theme:
        filters["theme"] = theme
    entries = theme_selectors.journal_entries(access, **filters)
    visible = set(visible_codes(access).values_list("pk", flat=True))
    return [_journal_out(e, visible) for e in entries]


@router.post(
    "/studies/{study_id}/journal",
    response={201: JournalEntryOut, **WRITE_ERRORS},
    url_name="journal_create",
)
def journal_create(request, study_id: Id, payload: JournalEntryIn):
    """A journal entry by you, private unless `shared` (owners and coders)."""
    from studies.access import visible_codes

    access = _access(request, study_id, missing=gettext("No such study."))
    access.require_coder()
    study = access.study
    transcripts = list(study.transcripts.defer("text").filter(pk__in=payload.transcript_ids))
    themes = list(study.themes.filter(pk__in=payload.theme_ids))
    if len(transcripts) != len(set(payload.transcript_ids)) or len(themes) != len(
        set(payload.theme_ids)
    ):
        raise DjangoValidationError(gettext("A linked transcript or theme is not in the study."))
    entry = theme_services.journal_entry_create(
        study=study,
        author=request.auth,
        title=payload.title,
        body=payload.body,
        shared=payload.shared,
        transcripts=transcripts,
        codes=_theme_codes(access, payload.code_ids),
        themes=themes,
    )
    visible = set(visible_codes(access).values_list("pk", flat=True))
    return Status(201, _journal_out(entry, visible))
