"""Writes for the studies app: validated on the server, atomic, audited where it matters."""

from __future__ import annotations

import csv
import io
import json
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from coding.audit import audit
from studies import text as textlib
from studies.models import (
    Invitation,
    Membership,
    Participant,
    Role,
    StakeholderGroup,
    Study,
    Transcript,
    Wave,
)

# Layers are named by their coder's username in URLs and the API; these names mean
# something else there.
RESERVED_LAYER_KEYS = frozenset({"mine", "all", "consensus", "union"})


# --- studies and members ---------------------------------------------------------------


def study_create(*, name: str, description: str = "", owner) -> Study:
    study = Study(name=(name or "").strip(), description=description)
    study.full_clean()
    with transaction.atomic():
        study.save()
        Membership.objects.create(study=study, user=owner, role=Role.OWNER)
        audit(
            study=study, actor=owner, action="study.create", obj=study, after={"name": study.name}
        )
    return study


STUDY_SETTINGS = (
    "name",
    "description",
    "blind_coding",
    "coders_may_create_codes",
    "share_agreement_with_coders",
    "segment_overlap_threshold",
)


def study_update(*, study: Study, actor, **changes) -> Study:
    before = {f: getattr(study, f) for f in STUDY_SETTINGS}
    for key, value in changes.items():
        if key not in STUDY_SETTINGS:
            raise ValueError(f"Not a study setting: {key}")
        setattr(study, key, value)
    study.full_clean()
    with transaction.atomic():
        study.save(update_fields=[*changes.keys(), "updated_at"])
        audit(
            study=study,
            actor=actor,
            action="study.update",
            obj=study,
            before=before,
            after={f: getattr(study, f) for f in STUDY_SETTINGS},
        )
    return study


def reserved_name_problem(username: str) -> str:
    """Why an account of this name cannot join a study ("" if it can)."""
    name = (username or "").lower()
    if name in RESERVED_LAYER_KEYS or name.startswith("layer-"):
        return (
            f"“{username}” is also the name of a layer view ("
            + ", ".join(sorted(RESERVED_LAYER_KEYS))
            + ", layer-…)"
        )
    return ""


def invitation_create(
    *, study: Study, role: str, email: str = "", note: str = "", invited_user=None, actor
) -> tuple[Invitation, str]:
    """A single-use invitation valid for ``WORKBENCH_INVITATION_DAYS``; returns it with its
    token (shown once: only the hash is stored)."""
    if role not in Role.values:
        raise ValidationError({"role": "Choose owner, coder or viewer."})
    token = Invitation.new_token()
    invitation = Invitation(
        study=study,
        role=role,
        email=(email or "").strip(),
        note=(note or "").strip(),
        invited_user=invited_user,
        token_hash=Invitation.hash_token(token),
        created_by=actor,
        expires_at=timezone.now() + timedelta(days=settings.WORKBENCH_INVITATION_DAYS),
    )
    invitation.full_clean(exclude=["study", "invited_user", "created_by"])
    with transaction.atomic():
        invitation.save()
        audit(
            study=study,
            actor=actor,
            action="invitation.create",
            obj=invitation,
            after={
                "role": role,
                "for": invitation.invitee,
                "expires_at": invitation.expires_at.isoformat(),
            },
        )
    return invitation, token


def member_invite(*, study: Study, username: str, role: str, actor) -> tuple[Invitation, str]:
    """Invite an existing account by username. They see the invitation on their studies list
    and become a member only when they accept it."""
    User = get_user_model()
    username = (username or "").strip()
    try:
        user = User.objects.get(username__iexact=username)
    except User.DoesNotExist:
        raise ValidationError(
            {
                "username": f"No user “{username}”. Invite them with a link instead: they "
                "create their account when they accept."
            }
        ) from None
    problem = reserved_name_problem(user.username)
    if problem:
        raise ValidationError({"username": problem + ": rename the account in the admin first."})
    if Membership.objects.filter(study=study, user=user).exists():
        raise ValidationError({"username": f"{user.username} is already a member of this study."})
    if study.invitations.pending().filter(invited_user=user).exists():
        raise ValidationError(
            {"username": f"{user.username} already has an invitation waiting for an answer."}
        )
    return invitation_create(study=study, role=role, invited_user=user, actor=actor)


def invitation_problem(invitation: Invitation, user=None) -> str:
    """Why this invitation cannot be accepted (by ``user``, if given); "" if it can."""
    status = invitation.status
    if status == "accepted":
        return "This invitation has already been used. Ask the study's owner for a new link."
    if status == "revoked":
        return "This invitation was withdrawn. Ask the study's owner for a new link."
    if status == "expired":
        return (
            f"This invitation expired on {invitation.expires_at:%d %b %Y}. "
            "Ask the study's owner for a new link."
        )
    if user is not None and user.is_authenticated:
        if invitation.invited_user_id and invitation.invited_user_id != user.pk:
            return (
                f"This invitation is for {invitation.invited_user.username}, not for you "
                f"({user.username})."
            )
        if Membership.objects.filter(study=invitation.study_id, user=user).exists():
            return f"You are already a member of “{invitation.study.name}”."
        problem = reserved_name_problem(user.username)
        if problem:
            return problem + ": such an account cannot join a study."
    return ""


def invitation_accept(*, invitation: Invitation, user) -> Membership:
    """Make ``user`` a member with the invitation's role and use the invitation up."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("study", "invited_user")
            .get(pk=invitation.pk)
        )
        problem = invitation_problem(invitation, user)
        if problem:
            raise ValidationError(problem)
        membership = Membership.objects.create(
            study=invitation.study, user=user, role=invitation.role
        )
        invitation.accepted_by, invitation.accepted_at = user, timezone.now()
        invitation.save(update_fields=["accepted_by", "accepted_at"])
        audit(
            study=invitation.study,
            actor=user,
            action="member.add",
            obj=membership,
            after={"user": user.username, "role": invitation.role, "invitation": invitation.pk},
        )
    return membership


def account_create_and_accept(*, invitation: Invitation, username: str, password: str):
    """Create an account (already validated by the signup form) and accept the invitation
    with it, in one transaction: a refused invitation leaves no account behind."""
    username = (username or "").strip()
    problem = invitation_problem(invitation) or reserved_name_problem(username)
    if problem:
        raise ValidationError(problem)
    with transaction.atomic():
        user = get_user_model().objects.create_user(username=username, password=password)
        invitation_accept(invitation=invitation, user=user)
    return user


def invitation_revoke(*, invitation: Invitation, actor, action: str = "invitation.revoke") -> None:
    """Withdraw a pending invitation (owners), or decline one (the invited user)."""
    if invitation.status != "pending":
        raise ValidationError("Only a pending invitation can be withdrawn or declined.")
    invitation.revoked_at = timezone.now()
    with transaction.atomic():
        invitation.save(update_fields=["revoked_at"])
        audit(
            study=invitation.study,
            actor=actor,
            action=action,
            obj=invitation,
            after={"for": invitation.invitee, "role": invitation.role},
        )


def _check_not_last_owner(membership: Membership) -> None:
    if (
        membership.role == Role.OWNER
        and not Membership.objects.filter(study=membership.study_id, role=Role.OWNER)
        .exclude(pk=membership.pk)
        .exists()
    ):
        raise ValidationError("A study needs at least one owner: make someone else owner first.")


def _locked_membership(membership: Membership) -> Membership:
    """Lock the study row, then re-read the membership. Every role change and removal takes
    the same lock first, so two owners demoting each other at once are serialised and the
    second sees the first's change (the last-owner rule holds). Call inside an atomic block."""
    Study.objects.select_for_update().filter(pk=membership.study_id).values_list("pk").first()
    return Membership.objects.select_related("study", "user").get(pk=membership.pk)


def member_change_role(*, membership: Membership, role: str, actor) -> Membership:
    if role not in Role.values:
        raise ValidationError("Choose owner, coder or viewer.")
    with transaction.atomic():
        current = _locked_membership(membership)
        if role != Role.OWNER:
            _check_not_last_owner(current)
        before = {"role": current.role}
        current.role = role
        current.save(update_fields=["role"])
        audit(
            study=current.study,
            actor=actor,
            action="member.role",
            obj=current,
            before=before,
            after={"role": role, "user": current.user.username},
        )
    membership.role = role
    return membership


def member_remove(*, membership: Membership, actor) -> None:
    """Remove a member. Their coding layer and segments are kept (coding is never lost)."""
    with transaction.atomic():
        current = _locked_membership(membership)
        _check_not_last_owner(current)
        audit(
            study=current.study,
            actor=actor,
            action="member.remove",
            obj=current,
            before={"user": current.user.username, "role": current.role},
        )
        current.delete()


# --- groups and waves --------------------------------------------------------------------


def _ordered_kind(model) -> str:
    return "group" if model is StakeholderGroup else "wave"


def _ordered_model(kind: str):
    return {"group": StakeholderGroup, "wave": Wave}[kind]


def ordered_create(*, study: Study, kind: str, name: str, actor):
    model = _ordered_model(kind)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "A name is required."})
    if model.objects.filter(study=study, name__iexact=name).exists():
        raise ValidationError({"name": f"“{name}” already exists in this study."})
    position = (model.objects.filter(study=study).aggregate(m=Max("position"))["m"] or 0) + 1
    obj = model(study=study, name=name, position=position)
    obj.full_clean(exclude=["study"], validate_constraints=False)
    with transaction.atomic():
        obj.save()
        audit(study=study, actor=actor, action=f"{kind}.create", obj=obj, after={"name": name})
    return obj


def ordered_rename(*, obj, name: str, actor):
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "A name is required."})
    model = type(obj)
    if model.objects.filter(study=obj.study, name__iexact=name).exclude(pk=obj.pk).exists():
        raise ValidationError({"name": f"“{name}” already exists in this study."})
    before = {"name": obj.name}
    obj.name = name
    with transaction.atomic():
        obj.save(update_fields=["name"])
        audit(
            study=obj.study,
            actor=actor,
            action=f"{_ordered_kind(model)}.rename",
            obj=obj,
            before=before,
            after={"name": name},
        )
    return obj


def ordered_move(*, obj, direction: int, actor) -> None:
    """Swap with the previous (-1) or next (+1) sibling; positions are renumbered 1..n."""
    model = type(obj)
    with transaction.atomic():
        items = list(
            model.objects.select_for_update().filter(study=obj.study).order_by("position", "pk")
        )
        before = [item.pk for item in items]
        index = next(i for i, item in enumerate(items) if item.pk == obj.pk)
        target = index + direction
        if 0 <= target < len(items):
            items[index], items[target] = items[target], items[index]
        for position, item in enumerate(items, start=1):
            if item.position != position:
                item.position = position
                item.save(update_fields=["position"])
        order = [item.pk for item in items]
        if order != before:
            audit(
                study=obj.study,
                actor=actor,
                action=f"{_ordered_kind(model)}.move",
                obj=obj,
                before={"order": before},
                after={"order": order},
            )


def ordered_delete(*, obj, actor) -> None:
    if isinstance(obj, StakeholderGroup) and obj.participants.exists():
        raise ValidationError(
            f"“{obj.name}” still has participants: move them to another group first."
        )
    if isinstance(obj, Wave) and obj.transcripts.exists():
        raise ValidationError(f"“{obj.name}” still has transcripts: reassign them first.")
    with transaction.atomic():
        audit(
            study=obj.study,
            actor=actor,
            action=f"{_ordered_kind(type(obj))}.delete",
            obj=obj,
            before={"name": obj.name, "position": obj.position},
        )
        obj.delete()


# --- participants ------------------------------------------------------------------------


def participant_create(
    *,
    study: Study,
    pseudonym: str,
    group: StakeholderGroup | None,
    attributes: dict | None = None,
    actor,
) -> Participant:
    pseudonym = (pseudonym or "").strip()
    if not pseudonym:
        raise ValidationError({"pseudonym": "A pseudonym is required."})
    if group is not None and group.study_id != study.pk:
        raise ValidationError({"group": "That group belongs to another study."})
    if Participant.objects.filter(study=study, pseudonym__iexact=pseudonym).exists():
        raise ValidationError({"pseudonym": f"A participant “{pseudonym}” already exists."})
    participant = Participant(
        study=study, pseudonym=pseudonym, group=group, attributes=attributes or {}
    )
    participant.full_clean(exclude=["study", "group"], validate_constraints=False)
    with transaction.atomic():
        participant.save()
        audit(
            study=study,
            actor=actor,
            action="participant.create",
            obj=participant,
            after={"pseudonym": pseudonym, "group": group.name if group else None},
        )
    return participant


def participant_update(
    *, participant: Participant, pseudonym: str, group, attributes: dict, actor
) -> Participant:
    pseudonym = (pseudonym or "").strip()
    if not pseudonym:
        raise ValidationError({"pseudonym": "A pseudonym is required."})
    if group is not None and group.study_id != participant.study_id:
        raise ValidationError({"group": "That group belongs to another study."})
    if (
        Participant.objects.filter(study=participant.study, pseudonym__iexact=pseudonym)
        .exclude(pk=participant.pk)
        .exists()
    ):
        raise ValidationError({"pseudonym": f"A participant “{pseudonym}” already exists."})
    before = {
        "pseudonym": participant.pseudonym,
        "group_id": participant.group_id,
        "attributes": participant.attributes,
    }
    participant.pseudonym, participant.group, participant.attributes = pseudonym, group, attributes
    with transaction.atomic():
        participant.save(update_fields=["pseudonym", "group", "attributes"])
        audit(
            study=participant.study,
            actor=actor,
            action="participant.update",
            obj=participant,
            before=before,
            after={
                "pseudonym": pseudonym,
                "group_id": participant.group_id,
                "attributes": attributes,
            },
        )
    return participant


@dataclass
class RowError:
    row: int  # 1-based line number in the file (header is line 1)
    message: str
    column: str = ""
    duplicate: bool = False  # the owner may confirm it ("Import anyway")


@dataclass
class ImportReport:
    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    updated: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def only_duplicates(self) -> bool:
        """Every problem is a duplicate, so confirming would import everything."""
        return bool(self.errors) and all(e.duplicate for e in self.errors)


class ImportRefused(Exception):
    """Raised by importers with the complete report; nothing was written."""

    def __init__(self, report: ImportReport):
        super().__init__(f"{len(report.errors)} problem(s); nothing was imported.")
        self.report = report


def _read_csv(data, filename: str) -> list[dict[str, str]] | RowError:
    """Rows of a participants CSV or manifest as dicts (lower-case header keys).

    ``data`` is bytes or an uploaded file; size, row count and cell size are limited
    (WORKBENCH_MAX_CSV_BYTES, WORKBENCH_MAX_CSV_ROWS, WORKBENCH_MAX_CSV_CELL_CHARS).
    """
    try:
        data = _bytes_of(data, filename, settings.WORKBENCH_MAX_CSV_BYTES)
        raw = textlib.decode_bytes(data, filename)
    except textlib.TextDecodeError as exc:
        return RowError(row=0, message=str(exc))
    del data
    raw = raw.lstrip("\ufeff")
    try:
        dialect = csv.Sniffer().sniff(raw[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = textlib.csv_rows(
            raw,
            filename,
            max_rows=settings.WORKBENCH_MAX_CSV_ROWS,
            max_cell_chars=settings.WORKBENCH_MAX_CSV_CELL_CHARS,
            dialect=dialect,
        )
    except textlib.TextDecodeError as exc:
        return RowError(row=0, message=str(exc))
    del raw
    while rows and not rows[0]:
        rows.pop(0)
    if not rows:
        return RowError(row=1, message=f"{filename}: the file is empty or has no header row.")
    fieldnames = [(name or "").strip().lower() for name in rows[0]]
    result = []
    for cells in rows[1:]:
        if not cells:
            continue  # as csv.DictReader: blank lines are not rows
        row: dict = dict(zip(fieldnames, cells, strict=False))
        for name in fieldnames[len(cells) :]:
            row.setdefault(name, None)
        result.append(row)
    return result


def _bytes_of(data, filename: str, limit: int | None = None) -> bytes:
    """The bytes of an upload (bytes or a file object), read in chunks up to ``limit``.

    Raises :class:`studies.text.UploadTooLarge` naming the file and the limit
    (WORKBENCH_MAX_UPLOAD_BYTES by default).
    """
    limit = settings.WORKBENCH_MAX_UPLOAD_BYTES if limit is None else limit
    if isinstance(data, bytes):
        if len(data) > limit:
            raise textlib.UploadTooLarge(
                f"{filename}: {len(data) / 1e6:.1f} MB is larger than the limit of "
                f"{limit / 1e6:.1f} MB per file."
            )
        return data
    data.seek(0)
    return textlib.read_limited(data, limit, filename, what=" per file")


def _participant_values(participant: Participant) -> dict:
    return {
        "id": participant.pk,
        "pseudonym": participant.pseudonym,
        "group_id": participant.group_id,
        "attributes": dict(participant.attributes),
    }


def participants_import_csv(*, study: Study, data: bytes, filename: str, actor) -> ImportReport:
    """Import participants from CSV (``pseudonym``, ``group``, any other column = attribute).

    Existing pseudonyms are updated. Every row is validated first; on any error nothing is
    written and :class:`ImportRefused` carries the row-by-row report.
    """
    report = ImportReport()
    rows = _read_csv(data, filename)
    if isinstance(rows, RowError):
        report.errors.append(rows)
        raise ImportRefused(report)
    if not rows:
        report.errors.append(RowError(row=1, message="The file has a header but no rows."))
        raise ImportRefused(report)
    if "pseudonym" not in rows[0]:
        report.errors.append(
            RowError(row=1, message="The header needs a “pseudonym” column.", column="pseudonym")
        )
        raise ImportRefused(report)
    groups = {g.name.lower(): g for g in study.groups.all()}
    existing = {p.pseudonym.lower(): p for p in study.participants.all()}
    seen: dict[str, int] = {}
    plan: list[tuple[str, StakeholderGroup | None, dict, Participant | None]] = []
    for line, row in enumerate(rows, start=2):
        pseudonym = (row.get("pseudonym") or "").strip()
        if not pseudonym:
            report.errors.append(RowError(line, "The pseudonym is empty.", "pseudonym"))
            continue
        if len(pseudonym) > 100:
            report.errors.append(
                RowError(line, "The pseudonym is longer than 100 characters.", "pseudonym")
            )
            continue
        if pseudonym.lower() in seen:
            report.errors.append(
                RowError(
                    line,
                    f"“{pseudonym}” also appears on line {seen[pseudonym.lower()]}.",
                    "pseudonym",
                )
            )
            continue
        seen[pseudonym.lower()] = line
        group_name = (row.get("group") or "").strip()
        group = None
        if group_name:
            group = groups.get(group_name.lower())
            if group is None:
                known = ", ".join(g.name for g in groups.values()) or "none yet"
                report.errors.append(
                    RowError(line, f"Unknown group “{group_name}” (groups: {known}).", "group")
                )
                continue
        attributes = {
            key: (value or "").strip()
            for key, value in row.items()
            if key and key not in ("pseudonym", "group") and (value or "").strip()
        }
        current = existing.get(pseudonym.lower())
        plan.append((pseudonym, group, attributes, current))
    if report.errors:
        raise ImportRefused(report)
    with transaction.atomic():
        new = []
        before, after = [], []
        for pseudonym, group, attributes, current in plan:
            if current is None:
                new.append(
                    Participant(
                        study=study, pseudonym=pseudonym, group=group, attributes=attributes
                    )
                )
                report.created += 1
            else:
                before.append(_participant_values(current))
                current.group = group or current.group
                current.attributes = {**current.attributes, **attributes}
                current.save(update_fields=["group", "attributes"])
                after.append(_participant_values(current))
                report.updated += 1
        Participant.objects.bulk_create(new)
        audit(
            study=study,
            actor=actor,
            action="participant.import",
            object_type="participant",
            before={"updated": before},
            after={
                "file": filename,
                "created": report.created,
                "updated_count": report.updated,
                "created_ids": [p.pk for p in new],
                "updated": after,
            },
        )
    return report


# --- transcripts -------------------------------------------------------------------------


def _title_from(filename: str) -> str:
    base = posixpath.basename(filename.replace("\\", "/"))
    return base.rsplit(".", 1)[0].strip() or base


def prepare_text(data, filename: str) -> str:
    """Decode, canonicalise and check an upload (bytes or a file, read up to
    WORKBENCH_MAX_UPLOAD_BYTES); ValidationError naming the file and the limit."""
    return prepare_reading(data, filename).text


def prepare_reading(data, filename: str) -> textlib.Reading:
    """As :func:`prepare_text`, with the turn start times of a caption file."""
    try:
        reading = textlib.read_transcript(_bytes_of(data, filename), filename)
    except textlib.TextDecodeError as exc:
        raise ValidationError(str(exc)) from exc
    if len(reading.text) > settings.WORKBENCH_MAX_TEXT_CHARS:
        raise ValidationError(
            f"{filename}: {len(reading.text):,} characters is more than the limit of "
            f"{settings.WORKBENCH_MAX_TEXT_CHARS:,}."
        )
    return reading


ACCEPTED = ", ".join(textlib.EXTENSIONS)


def _new_transcript(
    *, study, text, filename, title, participant, wave, turn_times=None
) -> Transcript:
    return Transcript(
        turn_times=list(turn_times or []),
        study=study,
        participant=participant,
        wave=wave,
        title=title,
        text=text,
        length=len(text),
        source_name=posixpath.basename(filename.replace("\\", "/")),
        checksum=Transcript.checksum_of(text),
        language=textlib.guess_language(text),
    )


def transcripts_upload(
    *,
    study: Study,
    files: list[tuple[str, bytes | object]],
    participant: Participant | None,
    wave: Wave | None,
    actor,
    allow_duplicates: bool = False,
) -> list[Transcript]:
    """Upload one or many transcript files (.txt, .docx, .odt, .rtf, .pdf, .vtt, .srt;
    textlib.EXTENSIONS) for one participant and wave (both optional).

    All files are decoded and checked before anything is written; ValidationError lists
    every problem, one per file. A text already in the study (same checksum), the same text
    twice in the upload, or a participant who already has a transcript at that wave is a
    problem with code ``"duplicate"`` naming the existing transcript, unless
    ``allow_duplicates`` (the owner ticked "Upload anyway"). ``files`` holds bytes or
    uploaded files; together they may hold WORKBENCH_MAX_IMPORT_BYTES and
    WORKBENCH_MAX_IMPORT_CHARS of text.
    """
    if not files:
        raise ValidationError(f"Choose at least one transcript file ({ACCEPTED}).")
    if len(files) > settings.WORKBENCH_MAX_FILES:
        raise ValidationError(f"At most {settings.WORKBENCH_MAX_FILES} files at once.")
    if participant is not None and participant.study_id != study.pk:
        raise ValidationError("That participant belongs to another study.")
    if wave is not None and wave.study_id != study.pk:
        raise ValidationError("That wave belongs to another study.")
    _check_import_total(sum(_size_of(data) for _name, data in files))
    errors: list[ValidationError] = []
    taken = {t.lower() for t in study.transcripts.values_list("title", flat=True)}
    texts: dict[str, str] = {}
    times: dict[str, list] = {}
    chars = 0
    for filename, data in files:
        try:
            reading = prepare_reading(data, filename)
            texts[filename], times[filename] = reading.text, reading.turn_times
        except ValidationError as exc:
            errors.extend(ValidationError(m) for m in exc.messages)
            continue
        chars += len(texts[filename])
        _check_import_chars(chars, filename)
    if not allow_duplicates:
        errors.extend(
            ValidationError(message, code="duplicate")
            for message in _upload_duplicates(study, texts, participant, wave)
        )
    prepared = []
    for filename, text in texts.items():
        title = _title_from(filename)
        if participant is not None and wave is not None and len(files) == 1:
            title = f"{participant.pseudonym} – {wave.name}" if title.lower() in taken else title
        if title.lower() in taken and allow_duplicates:  # a confirmed copy: "<file> (2)"
            base, n = _title_from(filename), 2
            while f"{base} ({n})".lower() in taken:
                n += 1
            title = f"{base} ({n})"
        if title.lower() in taken:
            errors.append(
                ValidationError(
                    f"{filename}: a transcript titled “{title}” already exists in this study."
                )
            )
            continue
        taken.add(title.lower())
        prepared.append(
            _new_transcript(
                study=study,
                text=text,
                filename=filename,
                title=title,
                participant=participant,
                wave=wave,
                turn_times=times[filename],
            )
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        created = Transcript.objects.bulk_create(prepared)
        audit(
            study=study,
            actor=actor,
            action="transcript.upload",
            object_type="transcript",
            after={"files": [t.source_name for t in prepared]},
        )
    return created


def _upload_duplicates(study, texts: dict[str, str], participant, wave) -> list[str]:
    """Messages for texts already in the study or repeated in the upload, and for a
    participant who already has a transcript at ``wave``."""
    messages = []
    checksums = {name: Transcript.checksum_of(text) for name, text in texts.items()}
    existing = dict(
        study.transcripts.filter(checksum__in=set(checksums.values()))
        .order_by("-pk")  # the oldest transcript wins in the dict
        .values_list("checksum", "title")
    )
    first: dict[str, str] = {}
    for name, checksum in checksums.items():
        if checksum in existing:
            messages.append(
                f"{name}: the same text is already in this study as “{existing[checksum]}”."
            )
        elif checksum in first:
            messages.append(f"{name}: the same text as {first[checksum]} in this upload.")
        first.setdefault(checksum, name)
    if participant is not None and wave is not None:
        same = study.transcripts.filter(participant=participant, wave=wave).order_by("pk").first()
        if same is not None:
            messages.append(
                f"{participant.pseudonym} already has a transcript at {wave.name}: “{same.title}”."
            )
    return messages


MANIFEST_COLUMNS = ("file", "participant", "group", "wave", "title")


def _size_of(data) -> int:
    return len(data) if isinstance(data, bytes) else int(getattr(data, "size", 0) or 0)


def _check_import_total(size: int, what: str = "The files") -> None:
    limit = settings.WORKBENCH_MAX_IMPORT_BYTES
    if size > limit:
        raise ValidationError(
            f"{what} add up to {size / 1e6:.1f} MB; the limit for one import is "
            f"{limit / 1e6:.1f} MB. Nothing was imported: import them in parts."
        )


def _check_import_chars(chars: int, filename: str) -> None:
    """Stop reading once the text decoded so far passes WORKBENCH_MAX_IMPORT_CHARS."""
    limit = settings.WORKBENCH_MAX_IMPORT_CHARS
    if chars > limit:
        raise ValidationError(
            f"{filename}: with it the import holds more than {limit:,} characters of text, "
            "the limit for one import. Nothing was imported: import the files in parts."
        )


def _zip_members(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    members = {}
    for info in archive.infolist():
        name = info.filename
        if (
            info.is_dir()
            or name.startswith("__MACOSX/")
            or posixpath.basename(name).startswith(".")
        ):
            continue
        members[name] = info
    return members


def transcripts_bulk_import(
    *,
    study: Study,
    zip_data,
    manifest=None,
    actor,
    allow_duplicates: bool = False,
) -> ImportReport:
    """Import a zip of transcript files (textlib.EXTENSIONS) described by a CSV manifest.

    The manifest (``file,participant,group,wave,title``) is either uploaded separately or
    named ``manifest.csv`` inside the zip. Participants that do not exist yet are created in
    the named group; groups and waves must exist. Everything is validated before anything is
    written: on any problem :class:`ImportRefused` carries every problem with its row and
    nothing is imported. Duplicates (a text already in the study or twice in the zip, a
    participant and wave that already have a transcript or appear twice) are problems too,
    marked ``duplicate``, unless ``allow_duplicates``.

    ``zip_data`` and ``manifest`` are bytes or uploaded files (a zip is read in place, not
    into memory). Limits: WORKBENCH_MAX_ZIP_BYTES for the zip, WORKBENCH_MAX_UPLOAD_BYTES
    per unpacked member, WORKBENCH_MAX_IMPORT_BYTES for all members together (declared
    sizes checked before anything is unpacked, actual sizes while unpacking) and
    WORKBENCH_MAX_IMPORT_CHARS of decoded text.
    """
    report = ImportReport()
    limit = settings.WORKBENCH_MAX_ZIP_BYTES
    zip_size = _size_of(zip_data)
    if zip_size > limit:
        report.errors.append(
            RowError(0, f"The zip is {zip_size / 1e6:.1f} MB; the limit is {limit / 1e6:.0f} MB.")
        )
        raise ImportRefused(report)
    try:
        if isinstance(zip_data, bytes):
            zip_data = io.BytesIO(zip_data)
        zip_data.seek(0)
        archive = zipfile.ZipFile(zip_data)
        members = _zip_members(archive)
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        report.errors.append(RowError(0, f"The upload is not a readable zip file ({exc})."))
        raise ImportRefused(report) from None
    manifest_name = "manifest.csv"
    if manifest is None:
        candidates = [n for n in members if posixpath.basename(n).lower() == "manifest.csv"]
        if len(candidates) != 1:
            report.errors.append(
                RowError(0, "No manifest: upload a CSV manifest or put manifest.csv in the zip.")
            )
            raise ImportRefused(report)
        manifest_name = candidates[0]
        try:
            manifest = textlib.zip_member_bytes(
                archive,
                members.pop(manifest_name),
                settings.WORKBENCH_MAX_CSV_BYTES,
                manifest_name,
            )
        except (textlib.TextDecodeError, zipfile.BadZipFile, OSError, RuntimeError) as exc:
            report.errors.append(RowError(0, f"{manifest_name}: cannot be read ({exc})."))
            raise ImportRefused(report) from None
    else:
        for name in [n for n in members if posixpath.basename(n).lower() == "manifest.csv"]:
            members.pop(name)
    if len(members) > settings.WORKBENCH_MAX_FILES:
        report.errors.append(
            RowError(
                0,
                f"The zip holds {len(members)} files; the limit is {settings.WORKBENCH_MAX_FILES}.",
            )
        )
        raise ImportRefused(report)
    try:
        _check_import_total(
            sum(info.file_size for info in members.values()),
            f"{getattr(zip_data, 'name', None) or 'The zip'}: its files",
        )
    except ValidationError as exc:
        report.errors.append(RowError(0, exc.messages[0]))
        raise ImportRefused(report) from None
    rows = _read_csv(manifest, manifest_name)
    if isinstance(rows, RowError):
        report.errors.append(rows)
        raise ImportRefused(report)
    if not rows:
        report.errors.append(RowError(1, "The manifest has no rows."))
        raise ImportRefused(report)
    missing = [c for c in ("file", "participant", "wave") if c not in rows[0]]
    if missing:
        report.errors.append(
            RowError(
                1,
                f"The manifest header lacks: {', '.join(missing)} "
                f"(expected {','.join(MANIFEST_COLUMNS)}).",
            )
        )
        raise ImportRefused(report)

    groups = {g.name.lower(): g for g in study.groups.all()}
    waves = {w.name.lower(): w for w in study.waves.all()}
    participants = {p.pseudonym.lower(): p for p in study.participants.select_related("group")}
    taken_titles = {t.lower() for t in study.transcripts.values_list("title", flat=True)}
    existing_texts: dict[str, str] = {}
    existing_interviews: dict[tuple[int, int], str] = {}
    for checksum, participant_id, wave_id, title in study.transcripts.order_by("-pk").values_list(
        "checksum", "participant_id", "wave_id", "title"
    ):
        existing_texts[checksum] = title
        if participant_id is not None and wave_id is not None:
            existing_interviews[(participant_id, wave_id)] = title
    zip_texts: dict[str, tuple[int, str]] = {}
    zip_interviews: dict[tuple[str, int], int] = {}
    by_basename: dict[str, list[str]] = {}
    for name in members:
        by_basename.setdefault(posixpath.basename(name).lower(), []).append(name)
    new_participants: dict[str, Participant] = {}
    used_files: dict[str, int] = {}
    titles: dict[str, int] = {}
    plan = []
    budget = settings.WORKBENCH_MAX_UPLOAD_BYTES
    unpacked = chars = 0
    for line, row in enumerate(rows, start=2):
        problems: list[RowError] = []
        file_name = (row.get("file") or "").strip()
        pseudonym = (row.get("participant") or "").strip()
        group_name = (row.get("group") or "").strip()
        wave_name = (row.get("wave") or "").strip()
        title = (row.get("title") or "").strip() or _title_from(file_name)
        info = None
        if not file_name:
            problems.append(RowError(line, "The file name is empty.", "file"))
        else:
            key = file_name if file_name in members else None
            if key is None:
                matches = by_basename.get(posixpath.basename(file_name).lower(), [])
                if len(matches) == 1:
                    key = matches[0]
                elif len(matches) > 1:
                    problems.append(
                        RowError(
                            line,
                            f"“{file_name}” matches several files in the zip: give its folder.",
                            "file",
                        )
                    )
            if key is None and not problems:
                problems.append(RowError(line, f"“{file_name}” is not in the zip.", "file"))
            elif key is not None:
                if key in used_files:
                    problems.append(
                        RowError(
                            line,
                            f"“{file_name}” is already listed on line {used_files[key]}.",
                            "file",
                        )
                    )
                used_files.setdefault(key, line)
                info = members[key]
                if info.file_size > budget:
                    problems.append(
                        RowError(
                            line,
                            f"{file_name}: {info.file_size / 1e6:.1f} MB unpacked is larger than the limit of {budget / 1e6:.1f} MB.",
                            "file",
                        )
                    )
                    info = None
        group = None
        if group_name:
            group = groups.get(group_name.lower())
            if group is None:
                known = ", ".join(g.name for g in groups.values()) or "none yet"
                problems.append(
                    RowError(line, f"Unknown group “{group_name}” (groups: {known}).", "group")
                )
        wave = None
        if wave_name:
            wave = waves.get(wave_name.lower())
            if wave is None:
                known = ", ".join(w.name for w in waves.values()) or "none yet"
                problems.append(
                    RowError(line, f"Unknown wave “{wave_name}” (waves: {known}).", "wave")
                )
        participant = None
        if pseudonym:
            participant = participants.get(pseudonym.lower()) or new_participants.get(
                pseudonym.lower()
            )
            if participant is None:
                if group is None and not group_name:
                    problems.append(
                        RowError(
                            line, f"“{pseudonym}” is a new participant: give their group.", "group"
                        )
                    )
                elif group is not None:
                    participant = Participant(study=study, pseudonym=pseudonym, group=group)
                    new_participants[pseudonym.lower()] = participant
            elif (
                group is not None
                and participant.group_id is not None
                and participant.group_id != group.pk
                and participant.pk
            ):
                problems.append(
                    RowError(
                        line,
                        f"“{pseudonym}” is in group “{participant.group.name}”, not “{group.name}”.",
                        "group",
                    )
                )
            elif group is not None and participant.pk is None and participant.group is not group:
                problems.append(
                    RowError(
                        line,
                        f"“{pseudonym}” is given group “{participant.group.name}” on an earlier line.",
                        "group",
                    )
                )
        if len(title) > 200:
            problems.append(RowError(line, "The title is longer than 200 characters.", "title"))
        elif title.lower() in taken_titles:
            problems.append(
                RowError(
                    line, f"A transcript titled “{title}” already exists in this study.", "title"
                )
            )
        elif title.lower() in titles:
            problems.append(
                RowError(
                    line,
                    f"The title “{title}” is also used on line {titles[title.lower()]}.",
                    "title",
                )
            )
        titles.setdefault(title.lower(), line)
        text, turn_times = None, []
        if info is not None and not problems:
            try:
                data = textlib.zip_member_bytes(archive, info, budget, file_name)
                unpacked += len(data)
                _check_import_total(unpacked, "The files in the zip")
                reading = prepare_reading(data, file_name)
                text, turn_times = reading.text, reading.turn_times
                del data, reading
                chars += len(text)
                _check_import_chars(chars, file_name)
            except textlib.TextDecodeError as exc:
                problems.append(RowError(line, str(exc), "file"))
            except ValidationError as exc:
                problems.extend(RowError(line, message, "file") for message in exc.messages)
                if chars > settings.WORKBENCH_MAX_IMPORT_CHARS or unpacked > (
                    settings.WORKBENCH_MAX_IMPORT_BYTES
                ):
                    report.errors.extend(problems)
                    raise ImportRefused(report) from None
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
                problems.append(
                    RowError(line, f"{file_name}: cannot be read from the zip ({exc}).", "file")
                )
        if not problems and not allow_duplicates:
            problems = _row_duplicates(
                line,
                file_name,
                text,
                participant,
                wave,
                existing_texts=existing_texts,
                existing_interviews=existing_interviews,
                zip_texts=zip_texts,
                zip_interviews=zip_interviews,
            )
        if problems:
            report.errors.extend(problems)
            continue
        plan.append((line, file_name, text, title, participant, wave, turn_times))
    unlisted = sorted(set(members) - set(used_files))
    for name in unlisted:
        report.errors.append(RowError(0, f"“{name}” is in the zip but not in the manifest."))
    if report.errors:
        raise ImportRefused(report)
    with transaction.atomic():
        Participant.objects.bulk_create(list(new_participants.values()))
        transcripts = [
            _new_transcript(
                study=study,
                text=text,
                filename=file_name,
                title=title,
                participant=participant,
                wave=wave,
                turn_times=turn_times,
            )
            for _line, file_name, text, title, participant, wave, turn_times in plan
        ]
        for transcript in transcripts:
            if transcript.participant is not None:
                transcript.participant_id = transcript.participant.pk
        Transcript.objects.bulk_create(transcripts, batch_size=50)
        report.created = len(transcripts)
        audit(
            study=study,
            actor=actor,
            action="transcript.bulk_import",
            object_type="transcript",
            after={"created": len(transcripts), "new_participants": len(new_participants)},
        )
    return report


def _row_duplicates(
    line: int,
    file_name: str,
    text: str,
    participant: Participant | None,
    wave: Wave | None,
    *,
    existing_texts: dict[str, str],
    existing_interviews: dict[tuple[int, int], str],
    zip_texts: dict[str, tuple[int, str]],
    zip_interviews: dict[tuple[str, int], int],
) -> list[RowError]:
    """Duplicate problems of one manifest row; records the row for the rows after it."""
    problems = []
    checksum = Transcript.checksum_of(text)
    if checksum in existing_texts:
        problems.append(
            RowError(
                line,
                f"{file_name}: the same text is already in this study as "
                f"“{existing_texts[checksum]}”.",
                "file",
                duplicate=True,
            )
        )
    elif checksum in zip_texts:
        other_line, other_name = zip_texts[checksum]
        problems.append(
            RowError(
                line,
                f"{file_name}: the same text as {other_name} on line {other_line}.",
                "file",
                duplicate=True,
            )
        )
    zip_texts.setdefault(checksum, (line, file_name))
    if participant is not None and wave is not None:
        if participant.pk and (participant.pk, wave.pk) in existing_interviews:
            problems.append(
                RowError(
                    line,
                    f"{participant.pseudonym} already has a transcript at {wave.name}: "
                    f"“{existing_interviews[(participant.pk, wave.pk)]}”.",
                    "wave",
                    duplicate=True,
                )
            )
        else:
            key = (participant.pseudonym.lower(), wave.pk)
            if key in zip_interviews:
                problems.append(
                    RowError(
                        line,
                        f"{participant.pseudonym} at {wave.name} is also on line "
                        f"{zip_interviews[key]}.",
                        "wave",
                        duplicate=True,
                    )
                )
            zip_interviews.setdefault(key, line)
    return problems


def transcript_update(
    *, transcript: Transcript, title: str, participant, wave, actor
) -> Transcript:
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "A title is required."})
    if participant is not None and participant.study_id != transcript.study_id:
        raise ValidationError({"participant": "That participant belongs to another study."})
    if wave is not None and wave.study_id != transcript.study_id:
        raise ValidationError({"wave": "That wave belongs to another study."})
    if (
        Transcript.objects.filter(study=transcript.study, title__iexact=title)
        .exclude(pk=transcript.pk)
        .exists()
    ):
        raise ValidationError({"title": f"A transcript titled “{title}” already exists."})
    before = {
        "title": transcript.title,
        "participant_id": transcript.participant_id,
        "wave_id": transcript.wave_id,
    }
    transcript.title, transcript.participant, transcript.wave = title, participant, wave
    with transaction.atomic():
        transcript.save(update_fields=["title", "participant", "wave", "updated_at"])
        audit(
            study=transcript.study,
            actor=actor,
            action="transcript.update",
            obj=transcript,
            before=before,
            after={
                "title": title,
                "participant_id": transcript.participant_id,
                "wave_id": transcript.wave_id,
            },
        )
    return transcript


def _moved_turn_times(turn_times: list, mapping: textlib.OffsetMap, length: int) -> list:
    """Caption turn starts mapped to the new text; a turn whose start was deleted, or that
    now starts where an earlier one does, loses its time (the earlier one is kept)."""
    moved, seen = [], set()
    for offset, seconds in turn_times or []:
        position = mapping.position(offset, is_end=False)
        if position >= length or position in seen:
            continue
        seen.add(position)
        moved.append([position, seconds])
    return moved


def transcript_text_update(
    *, transcript: Transcript, text: str, expected_version: int, actor
) -> dict:
    """Replace a transcript's text, moving every coded span with it.

    Offsets are mapped through a diff (:class:`studies.text.OffsetMap`). A segment whose
    passage itself changed is kept, moved to the mapped span and flagged ``needs_review``;
    nothing is dropped. Every segment's ``quote`` becomes the new text at its offsets; a
    flagged segment keeps the words it had before in ``quote_at_coding``. A stale ``expected_version`` (someone edited since the page was
    opened) is refused. Returns counts: ``moved``, ``flagged``, ``merged``.
    """
    from coding.models import CalibrationUnit, ConsensusDecision, Segment

    new_text = textlib.canonicalize(text or "")
    if not new_text.strip():
        raise ValidationError({"text": "The text cannot be empty."})
    if len(new_text) > settings.WORKBENCH_MAX_TEXT_CHARS:
        raise ValidationError(
            {"text": f"The text is longer than {settings.WORKBENCH_MAX_TEXT_CHARS:,} characters."}
        )
    with transaction.atomic():
        current = Transcript.objects.select_for_update().get(pk=transcript.pk)
        if current.version != expected_version:
            raise ValidationError(
                "The transcript was changed by someone else since you opened it. "
                "Reload to see their version; your edit was not saved."
            )
        old_text = current.text
        if new_text == old_text:
            return {"moved": 0, "flagged": 0, "merged": 0}
        mapping = textlib.OffsetMap(old_text, new_text)
        length = len(new_text)
        counts = {"moved": 0, "flagged": 0, "merged": 0}
        segments = list(Segment.objects.filter(transcript=current).order_by("pk"))
        taken: dict[tuple, Segment] = {}
        to_update, to_delete = [], []
        for segment in segments:
            start, end, changed = mapping.span(segment.start, segment.end)
            if end <= start:  # the whole passage was deleted: keep a one-character anchor
                start = min(start, length - 1)
                end = start + 1
                changed = True
            key = (segment.code_id, segment.layer_id, start, end)
            if key in taken:
                keeper = taken[key]
                if segment.memo and segment.memo not in keeper.memo:
                    keeper.memo = f"{keeper.memo}\n{segment.memo}".strip()
                to_delete.append(segment)
                counts["merged"] += 1
                continue
            if (start, end) != (segment.start, segment.end):
                counts["moved"] += 1
            if changed:
                if not segment.needs_review:
                    # The words last confirmed (at coding or review) are kept for the reviewer.
                    segment.quote_at_coding = segment.quote
                    segment.needs_review = True
                counts["flagged"] += 1
            segment.start, segment.end = start, end
            segment.quote = new_text[start:end]
            taken[key] = segment
            to_update.append(segment)
        # Two passes so that the unique (transcript, code, layer, start, end) constraint never
        # sees a transient clash: park every span past the end of the text, then place it.
        Segment.objects.filter(pk__in=[s.pk for s in to_delete]).delete()
        offset = max(len(old_text), length) + 1
        for segment in to_update:
            segment.start, segment.end = segment.start + offset, segment.end + offset
        Segment.objects.bulk_update(to_update, ["start", "end"], batch_size=500)
        for segment in to_update:
            segment.start, segment.end = segment.start - offset, segment.end - offset
        Segment.objects.bulk_update(
            to_update,
            ["start", "end", "quote", "quote_at_coding", "needs_review", "memo"],
            batch_size=500,
        )
        for model, fields in ((ConsensusDecision, ["start", "end"]), (CalibrationUnit, None)):
            rows = list(model.objects.filter(transcript=current))
            for row in rows:
                row.start, row.end, _ = mapping.span(row.start, row.end)
                if row.end <= row.start:
                    row.start, row.end = min(row.start, length - 1), min(row.start, length - 1) + 1
                if fields is None:  # calibration excerpts show their quote: keep it the text
                    row.quote = new_text[row.start : row.end]
            model.objects.bulk_update(rows, fields or ["start", "end", "quote"], batch_size=500)
        current.text = new_text
        current.length = length
        current.checksum = Transcript.checksum_of(new_text)
        current.version += 1
        current.turn_times = _moved_turn_times(current.turn_times, mapping, length)
        current.save(
            update_fields=["text", "length", "checksum", "version", "turn_times", "updated_at"]
        )
        audit(
            study=current.study,
            actor=actor,
            action="transcript.text",
            obj=current,
            before={"text": old_text, "version": expected_version},
            after={"version": current.version, **counts},
        )
    transcript.refresh_from_db()
    return counts


# --- deleting transcripts and participants ------------------------------------------------


def _rows(queryset) -> list[dict]:
    """Every column of every row, as JSON-safe dicts (dates as ISO strings)."""
    return json.loads(json.dumps(list(queryset.order_by("pk").values()), cls=DjangoJSONEncoder))


def transcript_snapshot(transcript: Transcript) -> dict:
    """Everything needed to restore a transcript: its text, segments, memos, decisions,
    assignments and calibration excerpts, with the names of the codes and layers used."""
    from coding.models import (
        Assignment,
        CalibrationAnswer,
        CalibrationSubmission,
        CalibrationUnit,
        Code,
        ConsensusDecision,
        Layer,
        Memo,
        Segment,
    )

    segments = Segment.objects.filter(transcript=transcript)
    units = CalibrationUnit.objects.filter(transcript=transcript)
    participant = transcript.participant
    data = {
        "transcript": {
            **_rows(Transcript.objects.filter(pk=transcript.pk))[0],
            "participant": participant.pseudonym if participant else None,
            "wave": transcript.wave.name if transcript.wave_id else None,
        },
        "segments": _rows(segments),
        "memos": _rows(
            Memo.objects.filter(Q(transcript=transcript) | Q(segment__transcript=transcript))
        ),
        "decisions": _rows(ConsensusDecision.objects.filter(transcript=transcript)),
        "assignments": _rows(Assignment.objects.filter(transcript=transcript)),
        "calibration_units": _rows(units),
        "calibration_answers": _rows(CalibrationAnswer.objects.filter(unit__in=units)),
        "calibration_submissions": _rows(CalibrationSubmission.objects.filter(unit__in=units)),
    }
    code_ids = {s["code_id"] for s in data["segments"]} | {d["code_id"] for d in data["decisions"]}
    layer_ids = {s["layer_id"] for s in data["segments"]} | {
        a["layer_id"] for a in data["assignments"]
    }
    data["codes"] = {
        str(pk): name for pk, name in Code.objects.filter(pk__in=code_ids).values_list("pk", "name")
    }
    data["layers"] = {
        str(layer.pk): layer.label
        for layer in Layer.objects.filter(pk__in=layer_ids).select_related("user")
    }
    return data


def _delete_transcripts(ids: list[int]) -> None:
    """Segments go first in slices (see :func:`study_delete`), then the transcripts with
    their memos, decisions, assignments and calibration excerpts (cascades)."""
    from coding.models import Memo, Segment

    Memo.objects.filter(segment__transcript_id__in=ids).delete()
    for first in range(0, len(ids), 20):
        Segment.objects.filter(transcript_id__in=ids[first : first + 20]).delete()
    Transcript.objects.filter(pk__in=ids).delete()


def _typed_matches(typed: str, expected: str) -> bool:
    """A typed confirmation matches ignoring case, runs of spaces and the kind of dash
    (titles made from "P01 – T1" carry an en dash that keyboards do not offer)."""

    def fold(value: str) -> str:
        value = re.sub(r"[\u2010-\u2015\u2212]", "-", value or "")
        return " ".join(value.split()).casefold()

    return bool(expected) and fold(typed) == fold(expected)


def transcript_delete(*, transcript: Transcript, confirm: str, actor) -> None:
    """Delete a transcript once the owner has typed its title. The audit event's ``before``
    holds :func:`transcript_snapshot`, so it can be restored."""
    if not _typed_matches(confirm, transcript.title):
        raise ValidationError({"confirm": "Type the transcript's title exactly to delete it."})
    with transaction.atomic():
        snapshot = transcript_snapshot(transcript)
        audit(
            study=transcript.study,
            actor=actor,
            action="transcript.delete",
            obj=transcript,
            before=snapshot,
            after={"segments": len(snapshot["segments"]), "memos": len(snapshot["memos"])},
        )
        _delete_transcripts([transcript.pk])


def participant_delete(*, participant: Participant, confirm: str, actor) -> None:
    """Delete a participant and their transcripts once the owner has typed the pseudonym.
    The audit event's ``before`` holds the participant and each transcript's snapshot."""
    if not _typed_matches(confirm, participant.pseudonym):
        raise ValidationError({"confirm": "Type the pseudonym exactly to delete the participant."})
    with transaction.atomic():
        transcripts = list(participant.transcripts.select_related("wave", "participant"))
        before = {
            "participant": {
                **_rows(Participant.objects.filter(pk=participant.pk))[0],
                "group": participant.group.name if participant.group_id else None,
            },
            "transcripts": [transcript_snapshot(t) for t in transcripts],
        }
        audit(
            study=participant.study,
            actor=actor,
            action="participant.delete",
            obj=participant,
            before=before,
            after={"transcripts": len(transcripts)},
        )
        _delete_transcripts([t.pk for t in transcripts])
        participant.delete()


def study_delete(*, study: Study, confirm: str, actor) -> None:
    """Delete a study with everything in it, once the owner has typed its name.

    Segments go first in slices of transcripts: Django's collector lists every segment id
    in its follow-up queries, and SQLite caps the number of query parameters.
    """
    import logging

    from coding.models import Segment

    if (confirm or "").strip() != study.name:
        raise ValidationError({"confirm": "Type the study's name exactly to delete it."})
    logging.getLogger("workbench.audit").warning(
        "study %s (%s) deleted by %s", study.pk, study.name, getattr(actor, "username", actor)
    )
    from coding.models import AuditEvent

    with transaction.atomic():
        transcript_ids = list(study.transcripts.values_list("pk", flat=True))
        audit(
            study=study,
            actor=actor,
            action="study.delete",
            obj=study,
            before={
                **{f: getattr(study, f) for f in STUDY_SETTINGS},
                "transcripts": len(transcript_ids),
                "members": list(study.memberships.values_list("user__username", "role")),
            },
        )
        # The log outlives the study (one UPDATE rather than the collector's per-id lists).
        AuditEvent.objects.filter(study=study).update(study=None)
        for first in range(0, len(transcript_ids), 20):
            Segment.objects.filter(transcript_id__in=transcript_ids[first : first + 20]).delete()
        study.delete()
