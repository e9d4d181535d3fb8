"""Codebook versions: named frozen snapshots, the diff between two of them (or one and the
current codebook) with the reason recorded for each change, and which version a segment
was coded under.

A snapshot alone cannot tell a merge from a deletion, nor say why something changed: both
come from the audit log, from the events between the two versions' ``audit_mark``.
"""

from __future__ import annotations

import bisect
import dataclasses
import difflib
import re
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext as _

from coding.audit import audit, audit_mark
from coding.codebook import selectors
from coding.models import AuditEvent, Code, CodebookVersion
from studies.access import StudyAccess

DEFINITION_FIELDS = ("description", "inclusion", "exclusion", "example")
#: The study's second codebook language (``studies.languages``): a snapshot made before
#: there was one has no such keys, read as "".
SECOND_DEFINITION_FIELDS = tuple(f + "2" for f in DEFINITION_FIELDS)
SECOND_FIELDS = ("name2", *SECOND_DEFINITION_FIELDS)
#: How the version diff names a changed field (the code page's words).
FIELD_LABELS = {
    "name": gettext_lazy("Name"),
    "description": gettext_lazy("Definition"),
    "inclusion": gettext_lazy("Include when"),
    "exclusion": gettext_lazy("Exclude when"),
    "example": gettext_lazy("Example"),
}
SNAPSHOT_FIELDS = (
    "id",
    "parent_id",
    "path",
    "name",
    *DEFINITION_FIELDS,
    *SECOND_FIELDS,
    "color",
    "archived",
    "is_codable",
    "proposed",
    "created_by_id",
    "position",
)
#: The audit actions of codebook changes that carry a reason (``after["reason"]``).
CHANGE_ACTIONS = (
    "code.create",
    "code.update",
    "code.move",
    "code.merge",
    "code.archive",
    "code.unarchive",
)
REASON_MAX_CHARS = 2000
CURRENT = "current"


# --- snapshots -----------------------------------------------------------------------------


def snapshot_codes(study) -> list[dict]:
    """Every code of the study, archived and proposed ones included, parents before
    children in tree order. One query."""
    book = selectors.codebook(study)
    rows = []
    for node in book.walk():
        code = node.code
        row = {name: getattr(code, name) for name in SNAPSHOT_FIELDS if name != "path"}
        row["path"] = node.path
        rows.append(row)
    return rows


def snapshot_book(study, snapshot: list[dict]) -> selectors.Codebook:
    """A frozen snapshot as a :class:`~coding.codebook.selectors.Codebook` of unsaved codes,
    for the exporters (CSV, QDC). No query."""
    by_parent: dict[int | None, list[dict]] = {}
    for row in snapshot:
        by_parent.setdefault(row["parent_id"], []).append(row)
    by_id: dict[int, selectors.CodeNode] = {}

    def build(parent_id, depth):
        nodes = []
        rows = sorted(by_parent.get(parent_id, []), key=lambda r: (r["position"], r["id"]))
        for row in rows:
            code = Code(
                study_id=study.pk,
                **{
                    k: (row.get(k) or "") if k in SECOND_FIELDS else row.get(k)
                    for k in SNAPSHOT_FIELDS
                    if k not in ("path", "id")
                },
            )
            code.pk = row["id"]
            node = selectors.CodeNode(code=code, path=row["path"], depth=depth)
            by_id[code.pk] = node
            node.children = build(code.pk, depth + 1)
            nodes.append(node)
        return nodes

    return selectors.Codebook(roots=build(None, 0), by_id=by_id)


def visible_snapshot(access: StudyAccess, snapshot: list[dict]) -> list[dict]:
    """The rows of ``snapshot`` ``access`` may see: for a blind coder, the rule of
    :func:`studies.access.visible_codes` (other coders' proposals hidden with their
    subtrees)."""
    if not access.blind:
        return list(snapshot)
    me = access.membership.user_id
    by_id = {row["id"]: row for row in snapshot}
    hidden: dict[int, bool] = {}

    def is_hidden(row) -> bool:
        if row["id"] in hidden:
            return hidden[row["id"]]
        hide = bool(row.get("proposed")) and row.get("created_by_id") != me
        parent = by_id.get(row["parent_id"]) if row["parent_id"] else None
        if not hide and parent is not None:
            hide = is_hidden(parent)
        hidden[row["id"]] = hide
        return hide

    return [row for row in snapshot if not is_hidden(row)]


def version_create(*, study, name: str, note: str = "", actor=None) -> CodebookVersion:
    """Freeze the codebook as it is now under ``name`` (unique in the study). Audited
    (``codebook.version``)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "A version needs a name."})
    if len(name) > 120:
        raise ValidationError({"name": "At most 120 characters."})
    if CodebookVersion.objects.filter(study=study, name__iexact=name).exists():
        raise ValidationError({"name": f"A version named “{name}” already exists."})
    try:
        with transaction.atomic():
            version = CodebookVersion.objects.create(
                study=study,
                name=name,
                note=(note or "").strip(),
                snapshot=snapshot_codes(study),
                audit_mark=audit_mark(study=study),
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            audit(
                study=study,
                actor=actor,
                action="codebook.version",
                obj=version,
                after={"name": version.name, "codes": len(version.snapshot)},
            )
    except IntegrityError:
        raise ValidationError({"name": f"A version named “{name}” already exists."}) from None
    return version


# --- word diff -----------------------------------------------------------------------------

_TOKEN = re.compile(
    r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003ffff]|\w+|\s+|[^\w\s]"
)


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """``[(op, text)]`` with op ``equal``, ``delete`` or ``insert``: ``old`` turned into
    ``new`` word by word (each Chinese character is a word). Joining the ``equal`` and
    ``delete`` texts gives ``old``; the ``equal`` and ``insert`` ones give ``new``."""
    a, b = _TOKEN.findall(old or ""), _TOKEN.findall(new or "")
    ops: list[tuple[str, str]] = []

    def add(op, text):
        if not text:
            return
        if ops and ops[-1][0] == op:
            ops[-1] = (op, ops[-1][1] + text)
        else:
            ops.append((op, text))

    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            add("equal", "".join(a[i1:i2]))
        else:
            add("delete", "".join(a[i1:i2]))
            add("insert", "".join(b[j1:j2]))
    return ops


# --- the diff ------------------------------------------------------------------------------


@dataclass
class Change:
    kind: str  # added, deleted, merged, renamed, moved, archived, restored, definition
    code_id: int
    path: str  # in the newer version (the older one for deleted and merged codes)
    old: str = ""
    new: str = ""
    field: str = ""  # definition changes: which definition field
    words: list = dataclasses.field(default_factory=list)  # definition changes: word_diff(old, new)
    target_id: int | None = None  # merged: the code it went into
    events: list[int] = dataclasses.field(default_factory=list)  # audit events behind the change
    reason: str = ""

    @property
    def field_label(self) -> str:
        """The changed field as the diff names it ("Name (second language)"), in the
        interface language."""
        base = self.field[:-1] if self.field.endswith("2") else self.field
        label = FIELD_LABELS.get(base)
        label = str(label) if label is not None else base.capitalize()
        if self.field.endswith("2"):
            return gettext("%(field)s (second language)") % {"field": label}
        return label

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "code_id": self.code_id,
            "path": self.path,
            "old": self.old,
            "new": self.new,
            "field": self.field,
            "words": [list(w) for w in self.words],
            "target_id": self.target_id,
            "events": self.events,
            "reason": self.reason,
        }


#: How the diff names each kind of change (its headings; the methods appendix's cells).
KIND_LABELS = {
    "added": gettext_lazy("Added"),
    "renamed": gettext_lazy("Renamed"),
    "moved": gettext_lazy("Moved"),
    "merged": gettext_lazy("Merged"),
    "deleted": gettext_lazy("Deleted"),
    "archived": gettext_lazy("Archived"),
    "restored": gettext_lazy("Restored"),
    "definition": gettext_lazy("Definition changed"),
}

KIND_ORDER = (
    "added",
    "renamed",
    "moved",
    "merged",
    "deleted",
    "archived",
    "restored",
    "definition",
)


def diff_snapshots(old: list[dict], new: list[dict], events: list[AuditEvent] = ()) -> list[Change]:
    """What changed from snapshot ``old`` to snapshot ``new``, each change with the audit
    events (among ``events``: those between the two) that made it and their reason.

    A code in ``old`` only is ``merged`` when a ``code.merge`` event of it is among
    ``events`` (``target_id``, and ``new`` the target's path), else ``deleted``. ``moved``:
    a new parent (a renamed ancestor changes the path but is not a move).
    """
    before = {row["id"]: row for row in old}
    after = {row["id"]: row for row in new}
    by_code: dict[tuple[int, str], list[AuditEvent]] = {}
    merges: dict[int, AuditEvent] = {}
    for event in events:
        if event.object_type != "code" or event.action not in CHANGE_ACTIONS:
            continue
        if event.action == "code.merge":
            merges[event.object_id] = event
            for child in (event.after or {}).get("children", []):
                by_code.setdefault((int(child), "code.move"), []).append(event)
        elif event.action in ("code.archive", "code.unarchive"):
            for pk in (event.after or {}).get("ids", [event.object_id]):
                by_code.setdefault((int(pk), event.action), []).append(event)
        else:
            by_code.setdefault((event.object_id, event.action), []).append(event)

    def explained(change: Change, action: str, key: str | None = None) -> Change:
        found = [
            e
            for e in by_code.get((change.code_id, action), [])
            if key is None or key in (e.after or {})
        ]
        change.events = [e.pk for e in found]
        reasons = [(e.after or {}).get("reason", "") for e in found]
        change.reason = next((r for r in reversed(reasons) if r), "")
        return change

    changes: list[Change] = []
    for pk, row in after.items():
        was = before.get(pk)
        if was is None:
            changes.append(explained(Change("added", pk, row["path"]), "code.create"))
            continue
        if was["name"] != row["name"]:
            change = Change("renamed", pk, row["path"], old=was["name"], new=row["name"])
            changes.append(explained(change, "code.update", "name"))
        if (was.get("name2") or "") != (row.get("name2") or ""):
            change = Change(
                "renamed",
                pk,
                row["path"],
                old=was.get("name2") or "",
                new=row.get("name2") or "",
                field="name2",
            )
            changes.append(explained(change, "code.update", "name2"))
        if was["parent_id"] != row["parent_id"]:
            change = Change("moved", pk, row["path"], old=was["path"], new=row["path"])
            changes.append(explained(change, "code.move"))
        if bool(was["archived"]) != bool(row["archived"]):
            kind, action = (
                ("archived", "code.archive") if row["archived"] else ("restored", "code.unarchive")
            )
            changes.append(explained(Change(kind, pk, row["path"]), action))
        for name in (*DEFINITION_FIELDS, *SECOND_DEFINITION_FIELDS):
            if (was.get(name) or "") != (row.get(name) or ""):
                change = Change(
                    "definition",
                    pk,
                    row["path"],
                    old=was.get(name) or "",
                    new=row.get(name) or "",
                    field=name,
                    words=word_diff(was.get(name) or "", row.get(name) or ""),
                )
                changes.append(explained(change, "code.update", name))
    for pk, was in before.items():
        if pk in after:
            continue
        merge = merges.get(pk)
        target_id = (merge.after or {}).get("target_id") if merge is not None else None
        seen = {pk}
        while target_id is not None and target_id not in after and target_id not in seen:
            seen.add(target_id)  # merged into a code that was merged in turn: follow it
            onward = merges.get(target_id)
            target_id = (onward.after or {}).get("target_id") if onward is not None else None
        if merge is not None and target_id in after:
            change = Change(
                "merged",
                pk,
                was["path"],
                old=was["path"],
                new=after[target_id]["path"],
                target_id=target_id,
                events=[merge.pk],
                reason=(merge.after or {}).get("reason", ""),
            )
        else:
            change = Change("deleted", pk, was["path"], old=was["path"])
        changes.append(change)
    order = {path: i for i, path in enumerate(row["path"] for row in new)}
    changes.sort(key=lambda c: (KIND_ORDER.index(c.kind), order.get(c.path, len(order)), c.path))
    return changes


@dataclass
class Side:
    """One end of a diff: a version, or the current codebook (``version`` None)."""

    version: CodebookVersion | None
    snapshot: list[dict]
    mark: int

    @property
    def label(self) -> str:
        return self.version.name if self.version is not None else gettext("Current codebook")

    @property
    def key(self) -> str:
        return str(self.version.pk) if self.version is not None else CURRENT


def side(access: StudyAccess, key: str | int | None) -> Side:
    """A version of the study by id, or the current codebook for ``"current"``; what
    ``access`` may see of it. Raises ValidationError for anything else."""
    if key in (None, "", CURRENT):
        return Side(None, visible_snapshot(access, snapshot_codes(access.study)), _mark(access))
    try:
        pk = int(key)
    except (TypeError, ValueError):
        raise ValidationError(_("Choose a version, or the current codebook.")) from None
    version = CodebookVersion.objects.filter(study=access.study, pk=pk).first()
    if version is None:
        raise ValidationError(_("No such version in this study."))
    return Side(version, visible_snapshot(access, version.snapshot), version.audit_mark)


def _mark(access: StudyAccess) -> int:
    return audit_mark(study=access.study)


def diff(access: StudyAccess, old: Side, new: Side) -> list[Change]:
    """The changes from ``old`` to ``new`` as ``access`` may see them (both sides are
    already filtered; the events are read for the codes they name). Two queries at most
    (the events); an older ``new`` gives the changes backwards, with no reasons."""
    low, high = sorted((old.mark, new.mark))
    events = []
    if old.mark < new.mark:
        events = list(
            AuditEvent.objects.filter(
                study=access.study,
                pk__gt=low,
                pk__lte=high,
                object_type="code",
                action__in=CHANGE_ACTIONS,
            ).order_by("pk")
        )
    return diff_snapshots(old.snapshot, new.snapshot, events)


# --- reasons -------------------------------------------------------------------------------


def reason_update(*, access: StudyAccess, event_id: int, reason: str, actor) -> AuditEvent:
    """Set (or clear) the reason of a codebook change afterwards. Owners only; audited
    (``codebook.reason``, with the reason before and after)."""
    if not access.is_owner:
        raise PermissionDenied(_("Only the study's owners can record reasons."))
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX_CHARS:
        raise ValidationError({"reason": f"At most {REASON_MAX_CHARS} characters."})
    with transaction.atomic():
        event = (
            AuditEvent.objects.select_for_update()
            .filter(study=access.study, pk=event_id, object_type="code")
            .filter(action__in=CHANGE_ACTIONS)
            .first()
        )
        if event is None:
            raise ValidationError(_("No such codebook change in this study."))
        previous = (event.after or {}).get("reason", "")
        if previous == reason:
            return event
        event.after = {**(event.after or {}), "reason": reason}
        event.save(update_fields=["after"])
        audit(
            study=access.study,
            actor=actor,
            action="codebook.reason",
            object_type="auditevent",
            object_id=event.pk,
            before={"reason": previous},
            after={"reason": reason},
        )
    return event


def with_reason(after: dict, reason: str) -> dict:
    """``after`` with ``reason`` (stripped, when given): for the codebook services."""
    reason = (reason or "").strip()[:REASON_MAX_CHARS]
    return {**after, "reason": reason} if reason else after


# --- traceability --------------------------------------------------------------------------


class VersionClock:
    """Which version was current at a moment: the latest created at or before it."""

    def __init__(self, versions):
        self.versions = sorted(versions, key=lambda v: (v.created_at, v.pk))
        self.times = [v.created_at for v in self.versions]

    @classmethod
    def for_study(cls, study) -> VersionClock:
        """One query (names and times only)."""
        return cls(CodebookVersion.objects.filter(study=study).only("pk", "name", "created_at"))

    def at(self, moment) -> CodebookVersion | None:
        if moment is None:
            return None
        i = bisect.bisect_right(self.times, moment)
        return self.versions[i - 1] if i else None

    def name_at(self, moment) -> str:
        version = self.at(moment)
        return version.name if version is not None else ""


# --- consensus decisions -------------------------------------------------------------------


def decision_link(*, access: StudyAccess, event_id: int, decision_id: int | None, actor):
    """Record that a consensus decision led to the codebook change ``event_id`` (or, with
    ``decision_id`` None, that none did: every decision linked to it is unlinked). Owners
    only; audited (``consensus.codebook_change``)."""
    from coding.models import ConsensusDecision

    if not access.is_owner:
        raise PermissionDenied(_("Only the study's owners can link consensus decisions."))
    with transaction.atomic():
        event = AuditEvent.objects.filter(
            study=access.study, pk=event_id, object_type="code", action__in=CHANGE_ACTIONS
        ).first()
        if event is None:
            raise ValidationError(_("No such codebook change in this study."))
        before = sorted(
            ConsensusDecision.objects.filter(codebook_change=event).values_list("pk", flat=True)
        )
        if decision_id is None:
            ConsensusDecision.objects.filter(codebook_change=event).update(codebook_change=None)
            after: list[int] = []
        else:
            decision = ConsensusDecision.objects.filter(study=access.study, pk=decision_id).first()
            if decision is None:
                raise ValidationError(_("No such consensus decision in this study."))
            decision.codebook_change = event
            decision.save(update_fields=["codebook_change"])
            after = sorted({*before, decision.pk})
        if before != after:
            audit(
                study=access.study,
                actor=actor,
                action="consensus.codebook_change",
                object_type="auditevent",
                object_id=event.pk,
                before={"decisions": before},
                after={"decisions": after},
            )
    return event
