"""Writes for the studies app: validated on the server, atomic, audited where it matters."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from coding.audit import audit
from studies import attribute_services, wording
from studies import attributes as attrs
from studies import text as textlib
from studies.models import (
    AttributeScope,
    Invitation,
    Membership,
    Participant,
    Role,
    StakeholderGroup,
    Study,
    Transcript,
    Wave,
)
from studies.offset_map import OffsetMap
from studies.turn_times import edited_turn_times

# Layers are named by their coder's username in URLs and the API; these names mean
# something else there.
RESERVED_LAYER_KEYS = frozenset({"mine", "all", "consensus", "union"})


# --- studies and members ---------------------------------------------------------------


def _refusal(field: str | None, message: str, **values) -> ValidationError:
    """A refusal in the interface's language (``message`` from gettext, %-placeholders)."""
    text = message % values
    return ValidationError({field: text} if field else text)


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
    "codebook_language",
    "codebook_language_name",
    "codebook_language2",
    "codebook_language2_name",
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
        raise ValidationError({"role": gettext("Choose owner, coder or viewer.")})
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
        raise _refusal("username", wording.NO_USER_INVITE_THEM_WITH, username=username) from None
    problem = reserved_name_problem(user.username)
    if problem:
        raise ValidationError({"username": problem + ": rename the account in the admin first."})
    if Membership.objects.filter(study=study, user=user).exists():
        raise _refusal("username", wording.IS_ALREADY_A_MEMBER_OF, username=user.username)
    if study.invitations.pending().filter(invited_user=user).exists():
        raise _refusal(
            "username", wording.ALREADY_HAS_AN_INVITATION_WAITING, username=user.username
        )
    return invitation_create(study=study, role=role, invited_user=user, actor=actor)


def invitation_problem(invitation: Invitation, user=None) -> str:
    """Why this invitation cannot be accepted (by ``user``, if given); "" if it can."""
    status = invitation.status
    if status == "accepted":
        return str(wording.THIS_INVITATION_HAS_ALREADY_BEEN)
    if status == "revoked":
        return str(wording.THIS_INVITATION_WAS_WITHDRAWN_ASK)
    if status == "expired":
        expires_at = date_format(invitation.expires_at, "DATE_FORMAT")
        return wording.THIS_INVITATION_EXPIRED_ON_ASK % {"expires_at": expires_at}
    if user is not None and user.is_authenticated:
        if invitation.invited_user_id and invitation.invited_user_id != user.pk:
            return wording.THIS_INVITATION_IS_FOR_NOT % {
                "username": invitation.invited_user.username,
                "username2": user.username,
            }
        if Membership.objects.filter(study=invitation.study_id, user=user).exists():
            return gettext("You are already a member of this study.")
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
        raise ValidationError(wording.ONLY_A_PENDING_INVITATION_CAN)
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
        raise ValidationError(wording.A_STUDY_NEEDS_AT_LEAST)


def _locked_membership(membership: Membership) -> Membership:
    """Lock the study row, then re-read the membership. Every role change and removal takes
    the same lock first, so two owners demoting each other at once are serialised and the
    second sees the first's change (the last-owner rule holds). Call inside an atomic block."""
    Study.objects.select_for_update().filter(pk=membership.study_id).values_list("pk").first()
    return Membership.objects.select_related("study", "user").get(pk=membership.pk)


def member_change_role(*, membership: Membership, role: str, actor) -> Membership:
    if role not in Role.values:
        raise ValidationError(gettext("Choose owner, coder or viewer."))
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
        raise ValidationError({"name": gettext("A name is required.")})
    if model.objects.filter(study=study, name__iexact=name).exists():
        raise _refusal("name", gettext("“%(name)s” already exists in this study."), name=name)
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
        raise ValidationError({"name": gettext("A name is required.")})
    model = type(obj)
    if model.objects.filter(study=obj.study, name__iexact=name).exclude(pk=obj.pk).exists():
        raise _refusal("name", gettext("“%(name)s” already exists in this study."), name=name)
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
        raise _refusal(None, wording.STILL_HAS_PARTICIPANTS_MOVE_THEM, name=obj.name)
    if isinstance(obj, Wave) and obj.transcripts.exists():
        raise _refusal(None, wording.STILL_HAS_TRANSCRIPTS_REASSIGN_THEM, name=obj.name)
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
        raise ValidationError({"pseudonym": gettext("A pseudonym is required.")})
    if group is not None and group.study_id != study.pk:
        raise ValidationError({"group": gettext("That group belongs to another study.")})
    if Participant.objects.filter(study=study, pseudonym__iexact=pseudonym).exists():
        raise _refusal("pseudonym", wording.A_PARTICIPANT_ALREADY_EXISTS, pseudonym=pseudonym)
    with transaction.atomic():
        attributes = _typed_attributes(study, AttributeScope.PARTICIPANT, attributes or {})
        participant = Participant(
            study=study, pseudonym=pseudonym, group=group, attributes=attributes
        )
        participant.full_clean(exclude=["study", "group"], validate_constraints=False)
        participant.save()
        audit(
            study=study,
            actor=actor,
            action="participant.create",
            obj=participant,
            after={"pseudonym": pseudonym, "group": group.name if group else None},
        )
    return participant


def _typed_attributes(study: Study, scope: str, values: dict) -> dict:
    """``values`` checked and typed against the study's definitions, defining new keys
    (call inside the write's transaction: a refused value leaves no new definition)."""
    defs = attribute_services.attributes_define_missing(study=study, scope=scope, rows=[values])
    try:
        return attrs.clean_values(defs, values)
    except ValidationError as exc:
        raise ValidationError({"attributes": exc.messages}) from None


def participant_update(
    *, participant: Participant, pseudonym: str, group, attributes: dict, actor
) -> Participant:
    pseudonym = (pseudonym or "").strip()
    if not pseudonym:
        raise ValidationError({"pseudonym": gettext("A pseudonym is required.")})
    if group is not None and group.study_id != participant.study_id:
        raise ValidationError({"group": gettext("That group belongs to another study.")})
    if (
        Participant.objects.filter(study=participant.study, pseudonym__iexact=pseudonym)
        .exclude(pk=participant.pk)
        .exists()
    ):
        raise _refusal("pseudonym", wording.A_PARTICIPANT_ALREADY_EXISTS, pseudonym=pseudonym)
    before = {
        "pseudonym": participant.pseudonym,
        "group_id": participant.group_id,
        "attributes": participant.attributes,
    }
    with transaction.atomic():
        attributes = _typed_attributes(participant.study, AttributeScope.PARTICIPANT, attributes)
        participant.pseudonym, participant.group = pseudonym, group
        participant.attributes = attributes
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


# --- transcripts -------------------------------------------------------------------------


def transcript_update(
    *, transcript: Transcript, title: str, participant, wave, actor, attributes: dict | None = None
) -> Transcript:
    """Change a transcript's title, participant, wave and (when given) its attributes,
    checked against the study's transcript attributes."""
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": gettext("A title is required.")})
    if participant is not None and participant.study_id != transcript.study_id:
        raise _refusal("participant", gettext("That participant belongs to another study."))
    if wave is not None and wave.study_id != transcript.study_id:
        raise ValidationError({"wave": gettext("That wave belongs to another study.")})
    if (
        Transcript.objects.filter(study=transcript.study, title__iexact=title)
        .exclude(pk=transcript.pk)
        .exists()
    ):
        raise _refusal("title", wording.A_TRANSCRIPT_TITLED_ALREADY_EXISTS, title=title)
    before = {
        "title": transcript.title,
        "participant_id": transcript.participant_id,
        "wave_id": transcript.wave_id,
        "attributes": transcript.attributes,
    }
    with transaction.atomic():
        fields = ["title", "participant", "wave", "updated_at"]
        if attributes is not None:
            transcript.attributes = _typed_attributes(
                transcript.study, AttributeScope.TRANSCRIPT, attributes
            )
            fields.append("attributes")
        transcript.title, transcript.participant, transcript.wave = title, participant, wave
        transcript.save(update_fields=fields)
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
                "attributes": transcript.attributes,
            },
        )
    return transcript


def transcript_text_update(
    *, transcript: Transcript, text: str, expected_version: int, actor
) -> dict:
    """Replace a transcript's text, moving every coded span with it.

    Offsets are mapped through a diff (:class:`studies.offset_map.OffsetMap`). A segment whose
    passage itself changed is kept, moved to the mapped span and flagged ``needs_review``;
    nothing is dropped. Every segment's ``quote`` becomes the new text at its offsets; a
    flagged segment keeps the words it had before in ``quote_at_coding``. A stale ``expected_version`` (someone edited since the page was
    opened) is refused. Returns counts: ``moved``, ``flagged``, ``merged``.
    """
    from coding.models import CalibrationUnit, ConsensusDecision, Segment

    new_text = textlib.canonicalize(text or "")
    if not new_text.strip():
        raise ValidationError({"text": gettext("The text cannot be empty.")})
    if len(new_text) > settings.WORKBENCH_MAX_TEXT_CHARS:
        raise ValidationError(
            {
                "text": wording.THE_TEXT_IS_LONGER_THAN
                % {"workbench_max_text_chars": f"{settings.WORKBENCH_MAX_TEXT_CHARS:,}"}
            }
        )
    with transaction.atomic():
        current = Transcript.objects.select_for_update().get(pk=transcript.pk)
        if current.version != expected_version:
            raise ValidationError(wording.THE_TRANSCRIPT_WAS_CHANGED_BY)
        old_text = current.text
        if new_text == old_text:
            return {"moved": 0, "flagged": 0, "merged": 0}
        mapping = OffsetMap(old_text, new_text)
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
        current.turn_times = edited_turn_times(current.turn_times, old_text, new_text, mapping)
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
        raise ValidationError({"confirm": wording.TYPE_THE_TRANSCRIPT_S_TITLE})
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
        raise ValidationError({"confirm": wording.TYPE_THE_PSEUDONYM_EXACTLY_TO})
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
        raise ValidationError({"confirm": gettext("Type the study's name exactly to delete it.")})
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
