"""Writes of themes and the reflexive journal. Each theme change is a ThemeEvent with its
date and reason (the theme's history) and an audit event; every change but creation asks
for a reason."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext

from coding.audit import audit
from coding.memos.services import clean_memo_text
from coding.models import (
    Code,
    JournalEntry,
    Theme,
    ThemeEvent,
    ThemeEventKind,
    ThemeStatus,
)
from studies.models import Study, Transcript


def _reason(reason: str | None) -> str:
    reason = clean_memo_text(reason, field="reason")
    if not reason:
        raise ValidationError({"reason": "Say why (the theme's history keeps the reason)."})
    return reason


def _name(name: str | None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "A theme needs a name."})
    if len(name) > 200:
        raise ValidationError({"name": "At most 200 characters."})
    return name


def _own_codes(study: Study, codes: Iterable[Code]) -> list[Code]:
    codes = list(dict.fromkeys(codes))
    if any(c.study_id != study.pk for c in codes):
        raise ValidationError({"codes": "A code of another study cannot feed this theme."})
    return codes


def _code_ids(theme: Theme) -> list[int]:
    return sorted(theme.codes.values_list("pk", flat=True))


def _snapshot(theme: Theme) -> dict:
    return {
        "id": theme.pk,
        "name": theme.name,
        "concept": theme.concept,
        "status": theme.status,
        "codes": _code_ids(theme),
        "through_line": theme.through_line,
    }


def _event(
    theme: Theme,
    *,
    kind: str,
    actor,
    reason: str = "",
    before=None,
    after=None,
    related: Sequence[Theme] = (),
) -> ThemeEvent:
    event = ThemeEvent.objects.create(
        theme=theme,
        kind=kind,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        reason=reason,
        before=before,
        after=after,
    )
    if related:
        event.related.set(related)
    audit(
        study=theme.study,
        actor=actor,
        action=f"theme.{kind}",
        obj=theme,
        before=before,
        after={**(after or {}), "reason": reason},
    )
    return event


@transaction.atomic
def theme_create(
    *,
    study: Study,
    actor,
    name: str,
    concept: str = "",
    codes: Iterable[Code] = (),
    status: str = ThemeStatus.CANDIDATE,
    reason: str = "",
    _event_kind: str = ThemeEventKind.CREATED,
    _before=None,
    _related: Sequence[Theme] = (),
) -> Theme:
    """A theme (a candidate by default) fed by ``codes``; its first event is ``created``."""
    codes = _own_codes(study, codes)
    position = (study.themes.aggregate(m=Max("position"))["m"] or 0) + 1
    theme = Theme(
        study=study,
        name=_name(name),
        concept=clean_memo_text(concept, field="concept"),
        status=status,
        position=position,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    theme.full_clean()
    theme.save()
    theme.codes.set(codes)
    _event(
        theme,
        kind=_event_kind,
        actor=actor,
        reason=(reason or "").strip(),
        before=_before,
        after=_snapshot(theme),
        related=_related,
    )
    return theme


@transaction.atomic
def theme_update(*, theme: Theme, actor, name: str, concept: str, reason: str) -> ThemeEvent | None:
    """Rename the theme and/or reword its central organising concept (None: nothing changed)."""
    name, concept = _name(name), clean_memo_text(concept, field="concept")
    if (name, concept) == (theme.name, theme.concept):
        return None
    reason = _reason(reason)
    before = {"name": theme.name, "concept": theme.concept}
    kind = ThemeEventKind.RENAMED if name != theme.name else ThemeEventKind.EDITED
    theme.name, theme.concept = name, concept
    theme.full_clean()
    theme.save(update_fields=["name", "concept", "updated_at"])
    return _event(
        theme,
        kind=kind,
        actor=actor,
        reason=reason,
        before=before,
        after={"name": name, "concept": concept},
    )


@transaction.atomic
def theme_set_status(*, theme: Theme, actor, status: str, reason: str) -> ThemeEvent | None:
    if status not in ThemeStatus.values:
        raise ValidationError({"status": "Choose candidate, reviewed, final or discarded."})
    if status == theme.status:
        return None
    reason = _reason(reason)
    before = {"status": theme.status}
    theme.status = status
    theme.save(update_fields=["status", "updated_at"])
    return _event(
        theme,
        kind=ThemeEventKind.STATUS,
        actor=actor,
        reason=reason,
        before=before,
        after={"status": status},
    )


@transaction.atomic
def theme_set_codes(
    *, theme: Theme, actor, codes: Iterable[Code], reason: str
) -> ThemeEvent | None:
    """The codes that feed the theme, replaced by ``codes``."""
    codes = _own_codes(theme.study, codes)
    before = _code_ids(theme)
    after = sorted(c.pk for c in codes)
    if before == after:
        return None
    reason = _reason(reason)
    theme.codes.set(codes)
    theme.save(update_fields=["updated_at"])
    return _event(
        theme,
        kind=ThemeEventKind.CODES,
        actor=actor,
        reason=reason,
        before={"codes": before},
        after={"codes": after},
    )


@transaction.atomic
def theme_set_through_line(
    *, theme: Theme, actor, text: str, reason: str = ""
) -> ThemeEvent | None:
    """The through-line memo; each version is kept in the theme's events (a reason is optional:
    this is writing, not a decision)."""
    text = clean_memo_text(text, field="through_line")
    if text == theme.through_line:
        return None
    before = {"through_line": theme.through_line}
    theme.through_line = text
    theme.save(update_fields=["through_line", "updated_at"])
    return _event(
        theme,
        kind=ThemeEventKind.THROUGH_LINE,
        actor=actor,
        reason=(reason or "").strip(),
        before=before,
        after={"through_line": text},
    )


@transaction.atomic
def theme_split(*, theme: Theme, actor, parts: Sequence[dict], reason: str) -> list[Theme]:
    """Split ``theme``: each part (``{"name", "concept"?, "codes"}``) becomes a new candidate
    theme taking those of the theme's codes; the theme keeps the rest (at least one)."""
    reason = _reason(reason)
    if not parts:
        raise ValidationError("Name at least one new theme.")
    current = set(theme.codes.all())
    moved: set[Code] = set()
    for part in parts:
        chosen = set(part.get("codes") or ())
        if not chosen:
            raise ValidationError({"codes": "Each new theme takes at least one of the codes."})
        if not chosen <= current:
            raise ValidationError({"codes": "A new theme can take only codes of the theme split."})
        if chosen & moved:
            raise ValidationError({"codes": "A code can go to one new theme only."})
        moved |= chosen
    if moved == current:
        raise ValidationError({"codes": "Leave at least one code with the theme split."})
    before = _snapshot(theme)
    new_themes = [
        theme_create(
            study=theme.study,
            actor=actor,
            name=part["name"],
            concept=part.get("concept", ""),
            codes=part["codes"],
            reason=reason,
            _event_kind=ThemeEventKind.SPLIT,
            _before={"from": theme.pk, "name": theme.name},
            _related=[theme],
        )
        for part in parts
    ]
    theme.codes.remove(*moved)
    theme.save(update_fields=["updated_at"])
    _event(
        theme,
        kind=ThemeEventKind.SPLIT,
        actor=actor,
        reason=reason,
        before=before,
        after={"codes": _code_ids(theme), "into": [t.pk for t in new_themes]},
        related=new_themes,
    )
    return new_themes


@transaction.atomic
def theme_merge(*, target: Theme, others: Sequence[Theme], actor, reason: str) -> ThemeEvent:
    """Merge ``others`` into ``target``: it takes all their codes; they are discarded, each
    with an event pointing to ``target``."""
    reason = _reason(reason)
    others = list(dict.fromkeys(others))
    if not others or any(t.pk == target.pk for t in others):
        raise ValidationError({"others": "Choose one or more other themes to merge in."})
    if any(t.study_id != target.study_id for t in others):
        raise ValidationError({"others": "Themes of another study cannot be merged."})
    before = _snapshot(target)
    for other in others:
        target.codes.add(*other.codes.all())
    target.save(update_fields=["updated_at"])
    event = _event(
        target,
        kind=ThemeEventKind.MERGED,
        actor=actor,
        reason=reason,
        before=before,
        after={"codes": _code_ids(target), "merged": [t.pk for t in others]},
        related=others,
    )
    for other in others:
        old = other.status
        other.status = ThemeStatus.DISCARDED
        other.save(update_fields=["status", "updated_at"])
        _event(
            other,
            kind=ThemeEventKind.MERGED,
            actor=actor,
            reason=reason,
            before={"status": old},
            after={"into": target.pk, "status": "discarded"},
            related=[target],
        )
    return event


# --- the reflexive journal ---------------------------------------------------------------


def _write_entry(entry: JournalEntry, title, body, shared, transcripts, codes, themes) -> None:
    """Check and save an entry's words, sharing and links (a new entry or the author's edit);
    ValidationError for an empty body or a link to another study's things."""
    transcripts, codes, themes = list(transcripts), list(codes), list(themes)
    if any(x.study_id != entry.study_id for x in (*transcripts, *codes, *themes)):
        raise ValidationError("A link names something of another study.")
    body = clean_memo_text(body, field="body")
    if not body:
        raise ValidationError({"body": "Write the entry."})
    entry.title = clean_memo_text(title, field="title")[:200]
    entry.body = body
    entry.shared = bool(shared)
    entry.full_clean()
    entry.save()
    entry.transcripts.set(transcripts)
    entry.codes.set(codes)
    entry.themes.set(themes)


@transaction.atomic
def journal_entry_create(
    *,
    study: Study,
    author,
    body: str,
    title: str = "",
    shared: bool = False,
    transcripts: Iterable[Transcript] = (),
    codes: Iterable[Code] = (),
    themes: Iterable[Theme] = (),
) -> JournalEntry:
    """A dated entry by ``author``, private unless ``shared``, linked to things of the study."""
    entry = JournalEntry(study=study, author=author)
    _write_entry(entry, title, body, shared, transcripts, codes, themes)
    # The audit log names the entry, not its words: a private entry stays private there.
    audit(
        study=study,
        actor=author,
        action="journal.create",
        obj=entry,
        after={"shared": entry.shared},
    )
    return entry


@transaction.atomic
def journal_entry_update(
    *,
    entry: JournalEntry,
    actor,
    body: str,
    title: str = "",
    shared: bool = False,
    transcripts: Iterable[Transcript] = (),
    codes: Iterable[Code] = (),
    themes: Iterable[Theme] = (),
) -> JournalEntry:
    """The author rewrites an entry, shares it or takes it back (ValidationError for anyone
    else: the journal is personal, owners included)."""
    if entry.author_id != getattr(actor, "pk", None):
        raise ValidationError(gettext("Only the entry's author can change it."))
    before = {"shared": entry.shared}
    _write_entry(entry, title, body, shared, transcripts, codes, themes)
    audit(
        study=entry.study,
        actor=actor,
        action="journal.update",
        obj=entry,
        before=before,
        after={"shared": entry.shared},
    )
    return entry
