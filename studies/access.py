"""Access rules, in one place.

* A user sees only studies they are a member of: anything else is a 404, so that the
  existence of a study is not revealed.
* Viewers read; coders code in their own layer; owners change setup, members, the codebook
  and the consensus layer. A forbidden write is a 403.
* Blind coding hides other coders' layers, and the consensus layer, from coders everywhere.
  Every page, fragment, export and API answer asks :func:`visible_layers`.
* Blind coding hides other people's thinking too. Of memos a blind coder sees their own
  and, of others, only the owners' study-level memos (memos on the study itself: the PI's
  guidance meant for coders). Never another coder's memo, never an owner's memo on a
  transcript, code or segment (analysis written while reading every layer), never a
  framework-matrix summary (``Memo.extra`` has the ``framework`` key), whoever wrote it.
  Everything that lists memos asks :func:`visible_memos`.
* Codes created by coders are proposals (``Code.proposed``) until an owner adopts them.
  A blind coder sees the shared codebook and their own proposals; everyone else sees
  every code, proposals marked as such (they can see the layers the proposals are used
  in). Everything that lists codes asks :func:`visible_codes` (the codebook tree:
  :func:`coding.codebook.selectors.codebook_for`).
* Writes go through one helper per object, each raising Http404 for what the member may
  not see and PermissionDenied (403) for what they may see but not change:
  :func:`get_study_for_user` (``write=True``: coders and owners; ``owner=True``: owners),
  :func:`get_transcript`, :func:`get_code`, :func:`get_segment_for_write` (a segment in a
  layer the member may write: their own coder layer, owners also the consensus layer),
  :func:`writable_layer` (the layer a new segment goes to), :func:`get_memo_for_write`
  (:func:`can_edit_memo`: owners any memo they see, coders their own), :func:`get_round`.
* The agreement report and the disagreement review: owners and viewers always, coders
  when the owner shares the report and blind coding is off
  (:attr:`StudyAccess.can_read_agreement`); settling disagreements is for owners.
* Assignments (coding/assignments/): every member reads those of the layers they may see
  (a blind coder: their own, never who else is assigned); only owners assign, unassign and
  draw double-coding samples (:func:`get_study_for_user` with ``owner=True``).
* A transcript's recording (``TranscriptMedia``) is as confidential as its text: every member
  who may read the transcript (every member of its study) may play it, through
  :func:`get_transcript_media` and the app's own view only; owners attach, replace and
  remove it (:func:`get_study_for_user` with ``owner=True``), as they add transcripts.
* Calibration rounds: owners create and close them, assigned coders code in them, the
  results are for :func:`can_see_round_results`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.utils.translation import gettext, gettext_lazy

from studies.models import Invitation, Membership, Role, Study, Transcript


@dataclass(frozen=True)
class StudyAccess:
    study: Study
    membership: Membership

    @property
    def role(self) -> str:
        return self.membership.role

    @property
    def user(self):
        return self.membership.user

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER

    @property
    def can_code(self) -> bool:
        return self.role in (Role.OWNER, Role.CODER)

    @property
    def can_create_codes(self) -> bool:
        return self.is_owner or (self.role == Role.CODER and self.study.coders_may_create_codes)

    @property
    def blind(self) -> bool:
        """True when this member may see only their own layer."""
        return self.study.blind_coding and self.role == Role.CODER

    @property
    def can_read_agreement(self) -> bool:
        """Owners and viewers (who read reports and code nothing, so blind coding does not
        concern them) always; coders only when the owner shares the report and blind coding
        is off."""
        if self.role in (Role.OWNER, Role.VIEWER):
            return True
        return self.study.share_agreement_with_coders and not self.study.blind_coding

    def require_owner(self) -> None:
        if not self.is_owner:
            raise PermissionDenied(gettext("Only the study's owners can do this."))

    def require_coder(self) -> None:
        if not self.can_code:
            raise PermissionDenied(gettext("Viewers cannot change coding."))

    def can_see_layer(self, layer) -> bool:
        from coding.models import LayerKind

        if not self.blind:
            return True
        return layer.kind == LayerKind.CODER and layer.user_id == self.membership.user_id

    def can_see_memo(self, memo) -> bool:
        """The rule of :func:`visible_memos` for one loaded memo (its segment's layer is
        read when the memo is on a segment)."""
        from coding.models import FRAMEWORK_KEY

        if memo.segment_id and not self.can_see_layer(memo.segment.layer):
            return False
        if not self.blind:
            return True
        if memo.author_id == self.membership.user_id:
            return True
        if FRAMEWORK_KEY in (memo.extra or {}):
            return False
        is_study_level = not (memo.transcript_id or memo.code_id or memo.segment_id)
        return is_study_level and memo.author_id in _owner_ids(self.study)

    def can_see_code(self, code) -> bool:
        """Proposals are hidden from blind coders other than their creator. (A code under a
        hidden proposal is hidden too: :func:`coding.codebook.selectors.codebook_for` drops subtrees.)"""
        if not self.blind or not code.proposed:
            return True
        return code.created_by_id == self.membership.user_id

    @property
    def creates_proposals(self) -> bool:
        """Codes this member creates are proposals until an owner adopts them."""
        return not self.is_owner

    def can_write_layer(self, layer) -> bool:
        from coding.models import LayerKind

        if layer.study_id != self.study.pk:
            return False
        if layer.kind == LayerKind.CODER:
            return self.can_code and layer.user_id == self.membership.user_id
        if layer.kind == LayerKind.CONSENSUS:
            return self.is_owner
        return False


def study_access(user, study_id) -> StudyAccess:
    """The requester's access to a study; Http404 when they are not a member."""
    if not user.is_authenticated:
        raise Http404(gettext("No such study."))
    try:
        membership = Membership.objects.select_related("study").get(study_id=study_id, user=user)
    except (Membership.DoesNotExist, ValueError, TypeError):
        raise Http404(gettext("No such study.")) from None
    membership.user = user  # the requester, loaded already (no join to users)
    return StudyAccess(study=membership.study, membership=membership)


def get_study_for_user(
    request: HttpRequest, study_id, *, write: bool = False, owner: bool = False
) -> StudyAccess:
    """Access for a view: 404 for non-members, 403 when ``write``/``owner`` is not allowed."""
    access = study_access(request.user, study_id)
    if owner:
        access.require_owner()
    elif write:
        access.require_coder()
    return access


def visible_layers(access: StudyAccess, layers=None):
    """The layers of the study the member may see, as a QuerySet (or filtered list)."""
    from coding.models import Layer, LayerKind

    if layers is None:
        qs = Layer.objects.filter(study=access.study).select_related("user")
        if access.blind:
            qs = qs.filter(kind=LayerKind.CODER, user=access.membership.user)
        return qs
    return [layer for layer in layers if access.can_see_layer(layer)]


def _owner_ids(study) -> list[int]:
    return list(
        Membership.objects.filter(study=study, role=Role.OWNER).values_list("user_id", flat=True)
    )


def visible_memos(access: StudyAccess, memos=None):
    """The study's memos the member may see, as a QuerySet (``memos`` narrows it).

    Memos on segments of hidden layers are left out for everyone; for a blind coder only
    their own memos and the owners' study-level memos (not framework summaries) remain.
    One query when evaluated (owners are a subquery).
    """
    from coding.models import FRAMEWORK_KEY, Memo

    qs = Memo.objects.all() if memos is None else memos
    qs = qs.filter(study=access.study)
    if not access.blind:
        return qs.filter(Q(segment__isnull=True) | Q(segment__layer__in=visible_layers(access)))
    owners = Membership.objects.filter(study=access.study, role=Role.OWNER).values("user_id")
    pi_guidance = Q(
        transcript__isnull=True,
        code__isnull=True,
        segment__isnull=True,
        author_id__in=owners,
    ) & ~Q(extra__has_key=FRAMEWORK_KEY)
    mine = Q(author_id=access.membership.user_id) & (
        Q(segment__isnull=True) | Q(segment__layer__in=visible_layers(access))
    )
    return qs.filter(mine | pi_guidance)


def transcript_memos(access: StudyAccess, transcript, limit: int = 50) -> list:
    """The memos on ``transcript`` itself (not on its segments) that the member may see,
    newest first (at most ``limit``), author preloaded: :func:`visible_memos` of
    ``Memo.objects.filter(transcript=transcript, segment__isnull=True)``, in one written-out
    query (the coding page's, issue 12). There the rule comes down to: everyone but a blind
    coder sees them all (none is on a segment of a hidden layer); a blind coder their own
    (the owners' guidance they see is on the study, never on a transcript).
    tests/studies/test_access_written_out.py compares the two for every persona."""
    from django.contrib.auth import get_user_model

    from coding.models import Memo
    from workbench.lib.rows import columns

    memo_cols, user_cols = columns(Memo, "N"), columns(get_user_model(), "U")
    qn = connection.ops.quote_name
    where = 'N."study_id" = %s AND N."transcript_id" = %s AND N."segment_id" IS NULL'
    params = [access.study.pk, transcript.pk]
    if access.blind:
        where += ' AND N."author_id" = %s'
        params.append(access.membership.user_id)
    sql = (
        f"SELECT {memo_cols.sql}, {user_cols.sql} FROM {qn(Memo._meta.db_table)} N "
        f'LEFT OUTER JOIN {qn(get_user_model()._meta.db_table)} U ON U."id" = N."author_id" '
        f'WHERE {where} ORDER BY N."created_at" DESC, N."id" DESC LIMIT %s'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        rows = cursor.fetchall()
    memos = []
    user_pk_at = len(memo_cols) + user_cols.names.index("id")
    for row in rows:
        memo = memo_cols.build(row)
        memo.author = user_cols.build(row, len(memo_cols)) if row[user_pk_at] is not None else None
        memos.append(memo)
    return memos


def visible_codes(access: StudyAccess, codes=None):
    """The study's codes the member may see, as a QuerySet (``codes`` narrows it).

    For a blind coder: shared codes and their own proposals, and not the children of a
    hidden proposal (deeper descendants are dropped by the tree builder,
    :func:`coding.codebook.selectors.codebook`, which every listing uses).
    """
    from coding.models import Code

    qs = Code.objects.all() if codes is None else codes
    qs = qs.filter(study=access.study)
    if access.blind:
        me = access.membership.user_id
        qs = qs.filter(Q(proposed=False) | Q(created_by_id=me)).filter(
            Q(parent__isnull=True) | Q(parent__proposed=False) | Q(parent__created_by_id=me)
        )
    return qs


# --- objects of a study: one helper per object, for views and the API -------------------
# Each reaches the object through the study of ``access`` (another study's object is a
# 404, like an unknown one) and applies the rules above; write helpers raise
# PermissionDenied (403) where reading is allowed but changing is not.


def study_access_via(user, missing: str, **through) -> StudyAccess:
    """The requester's access to the study holding an object named without its study (the
    API's ``/transcripts/{id}``, ``/segments/{id}``): ``through`` is a Membership lookup
    such as ``study__transcripts__pk=3``. One query; Http404(missing) when there is no such
    object or the requester is not a member of its study (the two look the same)."""
    if not getattr(user, "is_authenticated", False):
        raise Http404(missing)
    try:
        membership = Membership.objects.select_related("study").get(user=user, **through)
    except (Membership.DoesNotExist, ValueError, TypeError):
        raise Http404(missing) from None
    membership.user = user
    return StudyAccess(study=membership.study, membership=membership)


def get_transcript(
    access: StudyAccess,
    pk,
    *,
    with_text: bool = True,
    related: bool = True,
    missing: str = gettext_lazy("No such transcript."),
) -> Transcript:
    """A transcript of the study, participant, group and wave preloaded (``with_text=False``
    defers the text; ``related=False`` preloads nothing, for a write that shows none of
    them). One query; Http404 otherwise."""
    qs = access.study.transcripts.all()
    if related:
        # and the recording, if any (the coding page's player): a join, not a query
        qs = qs.select_related("participant__group", "wave", "media")
    if not with_text:
        qs = qs.defer("text")
    try:
        return qs.get(pk=pk)
    except (Transcript.DoesNotExist, ValueError, TypeError):
        raise Http404(missing) from None


#: The largest id a database column of ids holds (BigAutoField): a larger one names nothing.
_MAX_ID = 2**63 - 1


def _as_id(value) -> int | None:
    """``value`` as the ORM would look it up by primary key, or None when the look-up
    would find nothing or fail (not a whole number, out of the column's range)."""
    try:
        number = int(value)
    except (ValueError, TypeError):
        return None
    return number if -_MAX_ID - 1 <= number <= _MAX_ID else None


def get_study_and_transcript(
    request: HttpRequest,
    study_id,
    transcript_id,
    *,
    write: bool = False,
    owner: bool = False,
    related: bool = False,
    missing: str = gettext_lazy("No such transcript."),
) -> tuple[StudyAccess, Transcript]:
    """:func:`get_study_for_user` and then :func:`get_transcript` (``related`` as there),
    in one written-out query (the coding page and its writes: building the two queries
    through the ORM cost more than running them, issue 12). The same decisions in the same
    order (404 for a non-member, 403 for what ``write``/``owner`` refuse, 404 for a
    transcript of another study or none) and the same objects: the membership with its
    study and the requester, the transcript (text included) with that study and, with
    ``related``, its participant (and group), wave and recording (None when it has none).
    tests/studies/test_access_written_out.py compares the two for every persona."""
    from studies.models import Participant, StakeholderGroup, TranscriptMedia, Wave
    from workbench.lib.rows import columns

    user = request.user
    if not user.is_authenticated:
        raise Http404(gettext("No such study."))
    study_pk, transcript_pk = _as_id(study_id), _as_id(transcript_id)
    if study_pk is None:
        raise Http404(gettext("No such study."))
    m_cols = columns(Membership, "M")
    s_cols = columns(Study, "S")
    t_cols = columns(Transcript, "T")
    qn = connection.ops.quote_name
    select = f"{m_cols.sql}, {s_cols.sql}, {t_cols.sql}"
    joins = ""
    if related:
        p_cols, g_cols = columns(Participant, "P"), columns(StakeholderGroup, "G")
        w_cols, r_cols = columns(Wave, "W"), columns(TranscriptMedia, "R")
        select += f", {p_cols.sql}, {g_cols.sql}, {w_cols.sql}, {r_cols.sql}"
        joins = (
            f'LEFT OUTER JOIN {qn(Participant._meta.db_table)} P ON P."id" = T."participant_id" '
            f'LEFT OUTER JOIN {qn(StakeholderGroup._meta.db_table)} G ON G."id" = P."group_id" '
            f'LEFT OUTER JOIN {qn(Wave._meta.db_table)} W ON W."id" = T."wave_id" '
            f"LEFT OUTER JOIN {qn(TranscriptMedia._meta.db_table)} R "
            'ON R."transcript_id" = T."id" '
        )
    sql = (
        f"SELECT {select} "
        f"FROM {qn(Membership._meta.db_table)} M "
        f'INNER JOIN {qn(Study._meta.db_table)} S ON S."id" = M."study_id" '
        f'LEFT OUTER JOIN {qn(Transcript._meta.db_table)} T ON T."study_id" = M."study_id" '
        f'AND T."id" = %s {joins}WHERE M."study_id" = %s AND M."user_id" = %s'
    )
    # No transcript id to look for: the join finds none (the study is still decided).
    params = [transcript_pk if transcript_pk is not None else 0, study_pk, user.pk]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        raise Http404(gettext("No such study."))
    membership = m_cols.build(row)
    study = s_cols.build(row, len(m_cols))
    membership.study = study
    membership.user = user  # the requester, loaded already (no join to users)
    access = StudyAccess(study=study, membership=membership)
    if owner:
        access.require_owner()
    elif write:
        access.require_coder()
    at = len(m_cols) + len(s_cols)
    if transcript_pk is None or row[at] is None:
        raise Http404(missing)
    transcript = t_cols.build(row, at)
    transcript.study = study
    if related:
        at += len(t_cols)
        _attach_related(transcript, row, at, (p_cols, g_cols, w_cols, r_cols))
    return access, transcript


def _attach_related(transcript: Transcript, row, at: int, cols) -> None:
    """Set the participant (with its group), wave and recording read with ``transcript``
    (columns from ``row[at]``), as ``select_related`` caches them: None where the join
    found no row, so that reading them runs no query."""
    p_cols, g_cols, w_cols, r_cols = cols
    found = []
    for c in cols:
        pk_at = at + c.names.index(c.model._meta.pk.attname)
        found.append(c.build(row, at) if row[pk_at] is not None else None)
        at += len(c)
    participant, group, wave, media = found
    if participant is not None:
        participant.group = group
    transcript.participant = participant
    transcript.wave = wave
    media_field = r_cols.model._meta.get_field("transcript")
    media_field.remote_field.set_cached_value(transcript, media)  # transcript.media
    if media is not None:
        media_field.set_cached_value(media, transcript)  # media.transcript


def get_transcript_media(
    access: StudyAccess, transcript_pk, *, missing: str = gettext_lazy("No recording.")
):
    """The recording of a transcript of the study, for a member who may read the transcript
    (every member: blind coding hides layers, not texts). One query; Http404 for another
    study's transcript, an unknown one, or a transcript without a recording."""
    from studies.models import TranscriptMedia

    try:
        return TranscriptMedia.objects.get(
            transcript_id=transcript_pk, transcript__study=access.study
        )
    except (TranscriptMedia.DoesNotExist, ValueError, TypeError):
        raise Http404(missing) from None


def get_code(
    access: StudyAccess, pk, *, missing: str = gettext_lazy("No such code in this study.")
):
    """A code of the study the member may see (:func:`visible_codes`). One query; Http404
    otherwise (a blind coder's view of another coder's proposal included)."""
    try:
        code = visible_codes(access).filter(pk=pk).first()
    except (ValueError, TypeError):
        code = None
    if code is None:
        raise Http404(missing)
    return code


def can_see_round_results(access: StudyAccess, rnd) -> bool:
    """A calibration round's results show every coder's answers: owners always, other
    members who may read agreement (:attr:`StudyAccess.can_read_agreement`) once the round
    is closed."""
    return access.is_owner or (rnd.closed and access.can_read_agreement)


def get_round(access: StudyAccess, pk, *, missing: str = gettext_lazy("No such round.")):
    """A calibration round of the study (any member may look it up; coding in it is for
    its assigned coders, its results as :func:`can_see_round_results` says). One query;
    Http404 otherwise."""
    from coding.models import CalibrationRound

    try:
        return access.study.calibration_rounds.get(pk=pk)
    except (CalibrationRound.DoesNotExist, ValueError, TypeError):
        raise Http404(missing) from None


def get_segment_for_write(
    access: StudyAccess,
    pk,
    *,
    transcript=None,
    missing: str = gettext_lazy("No such highlight."),
    refused: str = gettext_lazy("You can only change highlights in a layer you may write to."),
):
    """A segment of the study (of ``transcript`` when given) in a layer the member may see
    (Http404 otherwise) and write (PermissionDenied otherwise), with code, layer and its
    user, and transcript (text deferred) preloaded. One query."""
    from coding.models import Segment

    qs = Segment.objects.select_related("code", "layer__user", "transcript").defer(
        "transcript__text"
    )
    if transcript is not None:
        qs = qs.filter(transcript=transcript)
    try:
        segment = qs.get(pk=pk, layer__study=access.study)
    except (Segment.DoesNotExist, ValueError, TypeError):
        raise Http404(missing) from None
    if not access.can_see_layer(segment.layer):
        raise Http404(missing)
    if not access.can_write_layer(segment.layer):
        raise PermissionDenied(refused)
    segment.transcript = transcript if transcript is not None else segment.transcript
    segment.transcript.study = access.study
    return segment


WRITABLE_LAYER_REFUSAL = gettext_lazy(
    "You can only code in your own layer (owners: also in the consensus layer)."
)


def writable_layer(access: StudyAccess, key: str | None, *, among=()):
    """The layer a segment write goes to: ``"mine"`` (the requester's coder layer, coders
    and owners) or ``"consensus"`` (owners); PermissionDenied for anything else.

    The layer is created on its first write, never by reading a page. One query; none
    when it is one of ``among`` (layers of the study already read, users preloaded)."""
    from coding.models import Layer, LayerKind

    user_id = access.membership.user_id
    if key == "mine":
        access.require_coder()
        for layer in among:
            if layer.kind == LayerKind.CODER and layer.user_id == user_id:
                return layer
        layer, _ = Layer.objects.get_or_create(
            study=access.study, kind=LayerKind.CODER, user=access.user
        )
        layer.user = access.user
        return layer
    if key == "consensus":
        if not access.is_owner:
            raise PermissionDenied(
                gettext(
                    "Only the study's owners can edit the consensus layer: code in your own layer."
                )
            )
        for layer in among:
            if layer.kind == LayerKind.CONSENSUS:
                return layer
        layer, _ = Layer.objects.get_or_create(study=access.study, kind=LayerKind.CONSENSUS)
        return layer
    raise PermissionDenied(WRITABLE_LAYER_REFUSAL)


# --- invitations: reached by people who are not members yet -------------------------------


def get_invitation_by_token(token: str) -> Invitation:
    """The invitation a link names, whatever its state (the page explains an expired, used or
    withdrawn one); Http404 for a token that was never issued."""
    try:
        return Invitation.objects.select_related("study", "invited_user", "created_by").get(
            token_hash=Invitation.hash_token(token or "")
        )
    except Invitation.DoesNotExist:
        raise Http404(gettext("No such invitation.")) from None


def get_invitation_for_invitee(request: HttpRequest, pk) -> Invitation:
    """An invitation addressed to the requester by username; Http404 for anyone else."""
    if not request.user.is_authenticated:
        raise Http404(gettext("No such invitation."))
    try:
        return Invitation.objects.select_related("study", "invited_user").get(
            pk=pk, invited_user=request.user
        )
    except (Invitation.DoesNotExist, ValueError, TypeError):
        raise Http404(gettext("No such invitation.")) from None


def get_invitation_for_owner(request: HttpRequest, study_id, pk) -> tuple[StudyAccess, Invitation]:
    """An invitation of a study the requester owns (404 for non-members, 403 for others)."""
    access = get_study_for_user(request, study_id, owner=True)
    try:
        invitation = access.study.invitations.select_related("invited_user").get(pk=pk)
    except (Invitation.DoesNotExist, ValueError, TypeError):
        raise Http404(gettext("No such invitation.")) from None
    return access, invitation


# --- memos --------------------------------------------------------------------------------


def can_edit_memo(access: StudyAccess, author_id: int | None) -> bool:
    """Owners change any memo they can see, coders their own, viewers none."""
    return access.is_owner or (access.can_code and author_id == access.membership.user_id)


def get_memo_for_write(access: StudyAccess, memo_id):
    """A memo of :func:`visible_memos` (else 404) that the requester may change (else 403),
    with its study."""
    memo = visible_memos(access).select_related("study").filter(pk=memo_id).first()
    if memo is None:
        raise Http404(gettext("No such memo."))
    if not can_edit_memo(access, memo.author_id):
        raise PermissionDenied(
            gettext("Only the memo's author or the study's owners can change it.")
        )
    return memo
