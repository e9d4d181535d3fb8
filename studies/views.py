from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from studies import attributes as attrs
from studies import bulk_import, forms, imports, selectors, services
from studies.access import (
    get_invitation_by_token,
    get_invitation_for_invitee,
    get_invitation_for_owner,
    get_study_for_user,
)
from studies.media import ACCEPT as MEDIA_ACCEPT
from studies.models import (
    AttributeKind,
    AttributeScope,
    Membership,
    Participant,
    StakeholderGroup,
    Transcript,
    TranscriptMedia,
    Wave,
)
from workbench.lib.http import HtmxHttpRequest, add_form_errors


def _errors(exc: ValidationError) -> list[str]:
    return exc.messages


def render_study_page(
    request: HttpRequest, template: str, access, tab: str, *, status: int = 200, **context
) -> HttpResponse:
    """Render a page of one study: the header and tabs need ``study``, ``access`` and ``tab``."""
    return render(
        request,
        template,
        {"study": access.study, "access": access, "tab": tab, **context},
        status=status,
    )


def import_refused(
    request: HttpRequest, access, *, tab: str, back: str, what: str, **context
) -> HttpResponse:
    """The "Nothing was imported" page (status 400) with the report, messages or form errors."""
    return render_study_page(
        request,
        "studies/import_report.html",
        access,
        tab,
        status=400,
        what=what,
        back=back,
        **context,
    )


@login_required
def study_list(request: HttpRequest) -> HttpResponse:
    studies = selectors.studies_for_user(request.user)
    invitations = selectors.pending_invitations_for_user(request.user)
    return render(
        request, "studies/study_list.html", {"studies": studies, "invitations": invitations}
    )


@login_required
def study_create(request: HttpRequest) -> HttpResponse:
    form = forms.StudyCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            study = services.study_create(owner=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(
                request,
                _("Study “%(name)s” created. Next: add groups and waves.") % {"name": study.name},
            )
            return redirect("studies:study_setup", study.pk)
    return render(request, "studies/study_create.html", {"form": form})


@login_required
def study_dashboard(request: HttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id)
    data = selectors.dashboard(access)
    return render_study_page(request, "studies/study_dashboard.html", access, "dashboard", d=data)


def _setup_context(access, **extra):
    study = access.study
    context = {
        "study": study,
        "access": access,
        "tab": "setup",
        "groups": list(study.groups.all()),
        "waves": list(study.waves.all()),
        "members": list(study.memberships.select_related("user").order_by("user__username")),
        "study_form": forms.StudyForm(instance=study),
        "member_form": forms.MemberAddForm(),
        "invitation_form": forms.InvitationForm(),
        "invitations": list(selectors.pending_invitations_for_study(study)),
        "roles": Membership._meta.get_field("role").choices,
        "invitation_days": settings.WORKBENCH_INVITATION_DAYS,
    }
    context.update(extra)
    return context


@login_required
def study_setup(request: HttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, owner=True)
    study = access.study
    if request.method == "POST":
        form = forms.StudyForm(request.POST, instance=study)
        if form.is_valid():
            changes = {f: form.cleaned_data[f] for f in forms.StudyForm.Meta.fields}
            study.refresh_from_db()
            try:
                services.study_update(study=study, actor=request.user, **changes)
            except ValidationError as exc:
                add_form_errors(form, exc)
            else:
                messages.success(request, _("Study settings saved."))
                return redirect("studies:study_setup", study.pk)
        study.refresh_from_db()
        return render(request, "studies/study_setup.html", _setup_context(access, study_form=form))
    # A link made by invitation_create is shown once, on the page it redirects to.
    link = request.session.pop(INVITATION_LINK_KEY, None)
    return render(request, "studies/study_setup.html", _setup_context(access, new_link=link))


ORDERED = {"group": StakeholderGroup, "wave": Wave}


def _ordered_response(request: HtmxHttpRequest, access, kind: str, error: str = "") -> HttpResponse:
    """The list fragment for htmx; a redirect to the setup page otherwise."""
    if request.htmx:
        items = access.study.groups.all() if kind == "group" else access.study.waves.all()
        context = {"study": access.study, "kind": kind, "items": items, "error": error}
        return render(request, "studies/_ordered_list.html", context)
    if error:
        messages.error(request, error)
    return redirect(reverse("studies:study_setup", args=[access.study.pk]) + f"#{kind}s")


@login_required
@require_POST
def ordered_create(request: HtmxHttpRequest, study_id: int, kind: str) -> HttpResponse:
    access = get_study_for_user(request, study_id, owner=True)
    form = forms.NameForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.ordered_create(
                study=access.study, kind=kind, name=form.cleaned_data["name"], actor=request.user
            )
        except ValidationError as exc:
            error = " ".join(_errors(exc))
    else:
        error = "A name is required (at most 100 characters)."
    return _ordered_response(request, access, kind, error)


@login_required
@require_POST
def ordered_action(
    request: HtmxHttpRequest, study_id: int, kind: str, pk: int, action: str
) -> HttpResponse:
    access = get_study_for_user(request, study_id, owner=True)
    obj = get_object_or_404(ORDERED[kind], study=access.study, pk=pk)
    error = ""
    try:
        if action == "up":
            services.ordered_move(obj=obj, direction=-1, actor=request.user)
        elif action == "down":
            services.ordered_move(obj=obj, direction=1, actor=request.user)
        elif action == "rename":
            services.ordered_rename(obj=obj, name=request.POST.get("name", ""), actor=request.user)
        elif action == "delete":
            services.ordered_delete(obj=obj, actor=request.user)
        else:
            return HttpResponse(_("Unknown action."), status=400)
    except ValidationError as exc:
        error = " ".join(_errors(exc))
    return _ordered_response(request, access, kind, error)


INVITATION_LINK_KEY = "studies:new-invitation-link"


def _members_response(
    request: HtmxHttpRequest, access, error: str = "", *, link=None, notice: str = ""
) -> HttpResponse:
    """The member list fragment for htmx; otherwise a redirect to the setup page, which
    shows a new invitation link once (kept in the session)."""
    if request.htmx:
        return render(
            request,
            "studies/study_setup.html#member-list",
            _setup_context(access, member_error=error, new_link=link, member_notice=notice),
        )
    if error:
        messages.error(request, error)
    if notice:
        messages.success(request, notice)
    if link:
        request.session[INVITATION_LINK_KEY] = link
    return redirect(reverse("studies:study_setup", args=[access.study.pk]) + "#members")


def _link(request: HttpRequest, token: str) -> str:
    return request.build_absolute_uri(reverse("invitation_accept", args=[token]))


@login_required
@require_POST
def member_add(request: HtmxHttpRequest, study_id: int) -> HttpResponse:
    """Invite an existing account by username: they join only when they accept."""
    access = get_study_for_user(request, study_id, owner=True)
    form = forms.MemberAddForm(request.POST)
    error, notice, link = "", "", None
    if form.is_valid():
        try:
            invitation, token = services.member_invite(
                study=access.study, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            error = " ".join(_errors(exc))
        else:
            link = _link(request, token)
            notice = _(
                "Invited %(user)s as %(role)s: they see the invitation on their studies list "
                "and join when they accept."
            ) % {"user": invitation.invited_user.username, "role": invitation.get_role_display()}
    else:
        error = _("Give a username and a role.")
    return _members_response(request, access, error, link=link, notice=notice)


@login_required
@require_POST
def invitation_create(request: HtmxHttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, owner=True)
    form = forms.InvitationForm(request.POST)
    error, link = "", None
    if form.is_valid():
        try:
            _invitation, token = services.invitation_create(
                study=access.study, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            error = " ".join(_errors(exc))
        else:
            link = _link(request, token)
    else:
        error = " ".join(e for errs in form.errors.values() for e in errs)
    return _members_response(request, access, error, link=link)


@login_required
@require_POST
def invitation_revoke(request: HtmxHttpRequest, study_id: int, pk: int) -> HttpResponse:
    access, invitation = get_invitation_for_owner(request, study_id, pk)
    error = ""
    try:
        services.invitation_revoke(invitation=invitation, actor=request.user)
    except ValidationError as exc:
        error = " ".join(_errors(exc))
    return _members_response(
        request, access, error, notice="" if error else _("Invitation withdrawn.")
    )


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link in an invitation: "Join <study> as <role>?" for a logged-in person; a new
    account form for anyone else. Nobody joins before pressing the button."""
    invitation = get_invitation_by_token(token)
    problem = services.invitation_problem(invitation, request.user)
    signup = None
    if not request.user.is_authenticated:
        signup = forms.SignupForm(request.POST or None)
    if request.method == "POST" and not problem and (signup is None or signup.is_valid()):
        try:
            if signup is None:
                services.invitation_accept(invitation=invitation, user=request.user)
            else:
                user = services.account_create_and_accept(
                    invitation=invitation,
                    username=signup.cleaned_data["username"],
                    password=signup.cleaned_data["password1"],
                )
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        except ValidationError as exc:
            problem = " ".join(_errors(exc))
        else:
            messages.success(
                request,
                _("Welcome to “%(study)s”: you joined as %(role)s.")
                % {"study": invitation.study.name, "role": invitation.get_role_display().lower()},
            )
            return redirect("studies:study_dashboard", invitation.study_id)
    unusable = invitation.status != "pending"
    return render(
        request,
        "studies/invitation_accept.html",
        {"invitation": invitation, "problem": problem, "signup": signup, "unusable": unusable},
        status=410 if unusable else 200,
    )


@login_required
@require_POST
def invitation_respond(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Accept or decline an invitation addressed to me (from my studies list)."""
    invitation = get_invitation_for_invitee(request, pk)
    try:
        if action == "accept":
            services.invitation_accept(invitation=invitation, user=request.user)
        elif action == "decline":
            services.invitation_revoke(
                invitation=invitation, actor=request.user, action="invitation.decline"
            )
        else:
            return HttpResponse(_("Unknown action."), status=400)
    except ValidationError as exc:
        messages.error(request, " ".join(_errors(exc)))
        return redirect("studies:study_list")
    if action == "decline":
        messages.info(
            request,
            _("You declined the invitation to “%(study)s”.") % {"study": invitation.study.name},
        )
        return redirect("studies:study_list")
    messages.success(request, _("You joined “%(study)s”.") % {"study": invitation.study.name})
    return redirect("studies:study_dashboard", invitation.study_id)


@login_required
@require_POST
def member_action(request: HtmxHttpRequest, study_id: int, pk: int, action: str) -> HttpResponse:
    access = get_study_for_user(request, study_id, owner=True)
    membership = get_object_or_404(
        Membership.objects.select_related("user", "study"), study=access.study, pk=pk
    )
    error = ""
    try:
        if action == "role":
            form = forms.RoleForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Choose owner, coder or viewer."))
            services.member_change_role(
                membership=membership, role=form.cleaned_data["role"], actor=request.user
            )
        elif action == "remove":
            services.member_remove(membership=membership, actor=request.user)
        else:
            return HttpResponse(_("Unknown action."), status=400)
    except ValidationError as exc:
        error = " ".join(_errors(exc))
    if action == "remove" and membership.user_id == request.user.pk and not error:
        messages.info(request, _("You left “%(study)s”.") % {"study": access.study.name})
        return redirect("studies:study_list")
    return _members_response(request, access, error)


# --- participants ------------------------------------------------------------------------


@login_required
def participant_list(request: HttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id)
    study = access.study
    form = forms.ParticipantForm(study=study)
    if request.method == "POST":
        access.require_owner()
        form = forms.ParticipantForm(request.POST, study=study)
        if form.is_valid():
            try:
                participant = services.participant_create(
                    study=study,
                    pseudonym=form.cleaned_data["pseudonym"],
                    group=form.cleaned_data["group"],
                    attributes=form.cleaned_data["attributes"],
                    actor=request.user,
                )
            except ValidationError as exc:
                add_form_errors(form, exc)
            else:
                messages.success(
                    request, _("Participant %(name)s added.") % {"name": participant.pseudonym}
                )
                return redirect("studies:participant_list", study.pk)
    participants = list(
        study.participants.select_related("group").order_by("group__position", "pseudonym")
    )
    defs = attrs.definitions(study)
    defined = [d.name for d in defs if d.scope == AttributeScope.PARTICIPANT]
    known = {n.lower() for n in defined}
    extra = sorted({k for p in participants for k in p.attributes if k.lower() not in known})
    attribute_keys = [*defined, *extra]
    return render_study_page(
        request,
        "studies/participant_list.html",
        access,
        "participants",
        participants=participants,
        attribute_keys=attribute_keys,
        attribute_defs=defs,
        attribute_form=forms.AttributeForm(),
        attribute_kinds=AttributeKind.choices,
        form=form,
        csv_form=forms.CsvUploadForm(),
    )


@login_required
def participant_edit(request: HttpRequest, study_id: int, pk: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, owner=True)
    participant = get_object_or_404(Participant, study=access.study, pk=pk)
    initial = {
        "pseudonym": participant.pseudonym,
        "group": participant.group_id,
        "attributes": forms.attribute_lines(participant.attributes),
    }
    form = forms.ParticipantForm(request.POST or None, study=access.study, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.participant_update(
                participant=participant,
                pseudonym=form.cleaned_data["pseudonym"],
                group=form.cleaned_data["group"],
                attributes=form.cleaned_data["attributes"],
                actor=request.user,
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("Participant saved."))
            return redirect("studies:participant_list", access.study.pk)
    return render_study_page(
        request,
        "studies/participant_edit.html",
        access,
        "participants",
        participant=participant,
        form=form,
    )


@login_required
def participant_delete(request: HttpRequest, study_id: int, pk: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, owner=True)
    participant = get_object_or_404(
        Participant.objects.select_related("group"), study=access.study, pk=pk
    )
    form = forms.ConfirmDeleteForm(request.POST or None, expected=participant.pseudonym)
    if request.method == "POST" and form.is_valid():
        try:
            services.participant_delete(
                participant=participant, confirm=form.cleaned_data["confirm"], actor=request.user
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Participant %(name)s and their transcripts were deleted. "
                    "The audit log keeps a copy."
                )
                % {"name": participant.pseudonym},
            )
            return redirect("studies:participant_list", access.study.pk)
    return render_study_page(
        request,
        "studies/participant_delete.html",
        access,
        "participants",
        participant=participant,
        summary=selectors.deletion_summary(participant.transcripts.select_related("wave")),
        form=form,
    )


@login_required
@require_POST
def participant_import(request: HttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, owner=True)
    form = forms.CsvUploadForm(request.POST, request.FILES)
    report = None
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = imports.participants_import_csv(
                study=access.study, data=upload, filename=upload.name, actor=request.user
            )
        except imports.ImportRefused as refused:
            report = refused.report
        if report.ok:
            messages.success(
                request,
                _("Imported participants: %(created)s new, %(updated)s updated.")
                % {"created": report.created, "updated": report.updated},
            )
            return redirect("studies:participant_list", access.study.pk)
    return import_refused(
        request,
        access,
        tab="participants",
        form=form,
        report=report,
        what="participants",
        back=reverse("studies:participant_list", args=[access.study.pk]),
    )


# --- transcripts -------------------------------------------------------------------------


@login_required
def transcript_list(request: HttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id)
    study = access.study
    transcripts = list(
        Transcript.objects.filter(study=study)
        .for_list()
        .annotate(has_media=Exists(TranscriptMedia.objects.filter(transcript=OuterRef("pk"))))
        .order_by(
            "participant__group__position", "participant__pseudonym", "wave__position", "title"
        )
    )
    defs = attrs.definitions(study, AttributeScope.TRANSCRIPT)
    for t in transcripts:
        t.attribute_values = [attrs.display((t.attributes or {}).get(d.name)) for d in defs]
    return render_study_page(
        request,
        "studies/transcript_list.html",
        access,
        "transcripts",
        transcripts=transcripts,
        attribute_defs=defs,
        upload_form=forms.TranscriptUploadForm(study=study),
        bulk_form=forms.BulkImportForm(),
    )


@login_required
@require_POST
def transcript_upload(request: HttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, owner=True)
    study = access.study
    form = forms.TranscriptUploadForm(request.POST, request.FILES, study=study)
    errors: list[str] = []
    duplicates = False
    if form.is_valid():
        files = [(f.name, f) for f in form.cleaned_data["files"]]
        try:
            created = imports.transcripts_upload(
                study=study,
                files=files,
                participant=form.cleaned_data["participant"],
                wave=form.cleaned_data["wave"],
                allow_duplicates=form.cleaned_data["allow_duplicates"],
                actor=request.user,
            )
        except ValidationError as exc:
            errors = _errors(exc)
            duplicates = any(e.code == "duplicate" for e in exc.error_list)
        else:
            messages.success(
                request,
                ngettext(
                    "Uploaded %(count)s transcript.",
                    "Uploaded %(count)s transcripts.",
                    len(created),
                )
                % {"count": len(created)},
            )
            return redirect("studies:transcript_list", study.pk)
    else:
        errors = [
            f"{field}: {' '.join(errs)}" if field != "__all__" else " ".join(errs)
            for field, errs in form.errors.items()
        ]
    retry_form = None
    if duplicates:
        retry_form = forms.TranscriptUploadForm(
            study=study,
            initial={
                "participant": form.cleaned_data.get("participant"),
                "wave": form.cleaned_data.get("wave"),
                "allow_duplicates": True,
            },
        )
    return import_refused(
        request,
        access,
        tab="transcripts",
        messages_list=errors,
        what="transcripts",
        retry_form=retry_form,
        retry_url=reverse("studies:transcript_upload", args=[study.pk]),
        back=reverse("studies:transcript_list", args=[study.pk]),
    )


@login_required
@require_POST
def transcript_bulk_import(request: HttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, owner=True)
    study = access.study
    form = forms.BulkImportForm(request.POST, request.FILES)
    report = None
    if form.is_valid():
        manifest = form.cleaned_data.get("manifest")
        try:
            report = bulk_import.transcripts_bulk_import(
                study=study,
                zip_data=form.cleaned_data["archive"],
                manifest=manifest,
                allow_duplicates=form.cleaned_data["allow_duplicates"],
                actor=request.user,
            )
        except imports.ImportRefused as refused:
            report = refused.report
        if report.ok:
            messages.success(
                request,
                ngettext(
                    "Imported %(count)s transcript.",
                    "Imported %(count)s transcripts.",
                    report.created,
                )
                % {"count": report.created},
            )
            return redirect("studies:study_dashboard", study.pk)
    retry_form = None
    if report is not None and report.only_duplicates:
        retry_form = forms.BulkImportForm(initial={"allow_duplicates": True})
    return import_refused(
        request,
        access,
        tab="transcripts",
        form=form,
        report=report,
        retry_form=retry_form,
        retry_url=reverse("studies:transcript_bulk_import", args=[study.pk]),
        what="transcripts",
        back=reverse("studies:transcript_list", args=[study.pk]),
    )


@login_required
def transcript_edit(request: HttpRequest, study_id: int, pk: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, owner=True)
    transcript = get_object_or_404(Transcript.objects.for_list(), study=access.study, pk=pk)
    initial = {
        "title": transcript.title,
        "participant": transcript.participant_id,
        "wave": transcript.wave_id,
        "attributes": forms.attribute_lines(transcript.attributes),
    }
    form = forms.TranscriptEditForm(request.POST or None, study=access.study, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.transcript_update(
                transcript=transcript, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("Transcript saved."))
            return redirect("studies:transcript_list", access.study.pk)
    return render_study_page(
        request,
        "studies/transcript_edit.html",
        access,
        "transcripts",
        transcript=transcript,
        form=form,
        media=TranscriptMedia.objects.filter(transcript=transcript).first(),
        media_accept=MEDIA_ACCEPT,
        media_limit_mb=settings.WORKBENCH_MAX_MEDIA_BYTES // 1_000_000,
    )


@login_required
def transcript_delete(request: HttpRequest, study_id: int, pk: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, owner=True)
    transcript = get_object_or_404(Transcript.objects.for_list(), study=access.study, pk=pk)
    form = forms.ConfirmDeleteForm(request.POST or None, expected=transcript.title)
    if request.method == "POST" and form.is_valid():
        try:
            services.transcript_delete(
                transcript=transcript, confirm=form.cleaned_data["confirm"], actor=request.user
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(
                request,
                _("Transcript “%(title)s” was deleted. The audit log keeps a copy.")
                % {"title": transcript.title},
            )
            return redirect("studies:transcript_list", access.study.pk)
    return render_study_page(
        request,
        "studies/transcript_delete.html",
        access,
        "transcripts",
        transcript=transcript,
        summary=selectors.deletion_summary(
            Transcript.objects.filter(pk=transcript.pk).select_related("wave")
        ),
        form=form,
    )


@login_required
def transcript_text(request: HttpRequest, study_id: int, pk: int) -> HttpResponse:
    """Edit a transcript's text; coded spans move with it (see services.transcript_text_update)."""
    access = get_study_for_user(request, study_id, owner=True)
    transcript = get_object_or_404(Transcript, study=access.study, pk=pk)
    form = forms.TranscriptTextForm(
        request.POST or None, initial={"text": transcript.text, "version": transcript.version}
    )
    if request.method == "POST" and form.is_valid():
        try:
            counts = services.transcript_text_update(
                transcript=transcript,
                text=form.cleaned_data["text"],
                expected_version=form.cleaned_data["version"],
                actor=request.user,
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(
                request,
                ngettext(
                    "Text saved. %(moved)s segment moved with the text; "
                    "%(flagged)s flagged for review because their passage changed.",
                    "Text saved. %(moved)s segments moved with the text; "
                    "%(flagged)s flagged for review because their passage changed.",
                    counts["moved"],
                )
                % counts,
            )
            return redirect("studies:transcript_edit", access.study.pk, transcript.pk)
    return render_study_page(
        request,
        "studies/transcript_text.html",
        access,
        "transcripts",
        transcript=transcript,
        form=form,
    )


@login_required
@require_POST
def study_delete(request: HttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, owner=True)
    form = forms.StudyDeleteForm(request.POST)
    name = access.study.name
    if form.is_valid():
        try:
            services.study_delete(
                study=access.study, confirm=form.cleaned_data["confirm"], actor=request.user
            )
        except ValidationError as exc:
            messages.error(request, " ".join(_errors(exc)))
        else:
            messages.success(
                request, _("Study “%(name)s” and everything in it were deleted.") % {"name": name}
            )
            return redirect("studies:study_list")
    else:
        messages.error(request, _("Type the study's name exactly to delete it."))
    return redirect(reverse("studies:study_setup", args=[study_id]) + "#danger")
