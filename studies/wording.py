"""The sentences studies/services.py says to people (refusals and problems), translated
lazily: each is a gettext_lazy string, %-formatted where it is used."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

THIS_INVITATION_HAS_ALREADY_BEEN = _(
    "This invitation has already been used. Ask the study's owner for a new link."
)
THIS_INVITATION_WAS_WITHDRAWN_ASK = _(
    "This invitation was withdrawn. Ask the study's owner for a new link."
)
IS_ALREADY_A_MEMBER_OF = _("%(username)s is already a member of this study.")
ALREADY_HAS_AN_INVITATION_WAITING = _(
    "%(username)s already has an invitation waiting for an answer."
)
THIS_INVITATION_EXPIRED_ON_ASK = _(
    "This invitation expired on %(expires_at)s. Ask the study's owner for a new link."
)
ONLY_A_PENDING_INVITATION_CAN = _("Only a pending invitation can be withdrawn or declined.")
A_STUDY_NEEDS_AT_LEAST = _("A study needs at least one owner: make someone else owner first.")
STILL_HAS_PARTICIPANTS_MOVE_THEM = _(
    "“%(name)s” still has participants: move them to another group first."
)
STILL_HAS_TRANSCRIPTS_REASSIGN_THEM = _("“%(name)s” still has transcripts: reassign them first.")
A_PARTICIPANT_ALREADY_EXISTS = _("A participant “%(pseudonym)s” already exists.")
A_TRANSCRIPT_TITLED_ALREADY_EXISTS = _("A transcript titled “%(title)s” already exists.")
NO_USER_INVITE_THEM_WITH = _(
    "No user “%(username)s”. Invite them with a link instead: they create their account when they accept."
)
THIS_INVITATION_IS_FOR_NOT = _("This invitation is for %(username)s, not for you (%(username2)s).")
THE_TRANSCRIPT_WAS_CHANGED_BY = _(
    "The transcript was changed by someone else since you opened it. Reload to see their version; your edit was not saved."
)
TYPE_THE_TRANSCRIPT_S_TITLE = _("Type the transcript's title exactly to delete it.")
TYPE_THE_PSEUDONYM_EXACTLY_TO = _("Type the pseudonym exactly to delete the participant.")
THE_TEXT_IS_LONGER_THAN = _("The text is longer than %(workbench_max_text_chars)s characters.")
