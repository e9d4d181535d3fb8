"""The side-by-side disagreement review and the consensus writes, and the progress section.

Reading the review needs ``access.can_read_agreement`` (owners; others only as
:mod:`studies.access` allows); settling into the consensus layer needs ownership. The page
itself is built in :mod:`coding.consensus.page`, the writes are in
:mod:`coding.consensus.services`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from coding.agreement.access import agreement_reader
from coding.agreement.loading import Scope, layer_query, report_layers
from coding.codebook.selectors import codebook
from coding.consensus import page, services
from coding.consensus.progress import consensus_progress as progress_of
from coding.consensus.review import review
from coding.models import ConsensusDecision, Decision, Layer
from studies.access import StudyAccess, get_study_for_user, get_transcript
from studies.models import Transcript
from workbench.lib.http import HtmxHttpRequest, int_param, int_params

REVIEW_TEMPLATE = "coding/consensus/disagreements.html"
PROGRESS_TEMPLATE = "coding/consensus/progress.html"


def _compared(request: HttpRequest, access: StudyAccess) -> list[Layer]:
    keys = request.GET.getlist("layers") or request.POST.getlist("layers")
    return page.review_layers(report_layers(access), keys)


def _review_page(
    request: HttpRequest,
    access: StudyAccess,
    transcript: Transcript,
    code_id: int,
    *,
    current: int | None = None,
    note: str = "",
) -> dict:
    compared = _compared(request, access)
    show = request.GET.get("show") or request.POST.get("show") or "all"
    if current is None:
        current = int_param(request.GET.get("unit", ""))
    return page.review_context(
        access, transcript, code_id, compared=compared, show=show, current=current, note=note
    )


def _review_fragment(request: HttpRequest, context: dict) -> HttpResponse:
    return HttpResponse(render_to_string(f"{REVIEW_TEMPLATE}#review", context, request=request))


@login_required
@require_GET
def disagreements(
    request: HtmxHttpRequest, study_id: int, transcript_id: int, code_id: int
) -> HttpResponse:
    access = agreement_reader(request, study_id)
    transcript = get_transcript(access, transcript_id)
    context = _review_page(request, access, transcript, code_id)
    if request.htmx:
        return _review_fragment(request, context)
    return render(request, REVIEW_TEMPLATE, context)


def _after_write(
    request: HtmxHttpRequest,
    access: StudyAccess,
    transcript: Transcript,
    code_id: int,
    *,
    current: int | None,
    note: str,
    event: str,
) -> HttpResponse:
    if request.htmx:
        context = _review_page(request, access, transcript, code_id, current=current, note=note)
        return trigger_client_event(_review_fragment(request, context), event)
    messages.success(request, note)
    layers = request.POST.getlist("layers")
    q = urlencode(
        [("layers", k) for k in layers]
        + [("show", request.POST.get("show", "all"))]
        + ([("unit", current)] if current else [])
    )
    url = reverse("coding:disagreements", args=[access.study.pk, transcript.pk, code_id])
    return redirect(f"{url}?{q}" + (f"#unit-{current}" if current else ""))


@login_required
@require_POST
def consensus_decide(request: HtmxHttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, owner=True)
    transcript = get_transcript(access, request.POST.get("transcript"))
    code_id = int_param(request.POST.get("code"))
    code = access.study.codes.filter(pk=code_id).first()
    if code is None:
        raise Http404("No such code.")
    layers = _compared(request, access)
    start, end = int_param(request.POST.get("start")), int_param(request.POST.get("end"))
    try:
        if start is None or end is None:
            raise ValidationError(gettext("The passage is missing its offsets."))
        decision = services.consensus_decide(
            study=access.study,
            transcript=transcript,
            code=code,
            layers=layers,
            start=start,
            end=end,
            action=request.POST.get("action", ""),
            rationale=request.POST.get("rationale", ""),
            edit_start=int_param(request.POST.get("edit_start")),
            edit_end=int_param(request.POST.get("edit_end")),
            edit_quote=request.POST.get("edit_quote") or None,
            actor=request.user,
        )
    except ValidationError as exc:
        note = " ".join(exc.messages)
        if request.htmx:
            context = _review_page(request, access, transcript, code.pk, note=note)
            context["error"] = note
            return _review_fragment(request, context)
        messages.error(request, note)
        return _after_write(
            request, access, transcript, code.pk, current=None, note=note, event="consensus-error"
        )
    rv = review(access.study, transcript, code, layers)
    label = page.DECISION_WORDS.get(decision.action, Decision(decision.action).label)
    note = gettext(
        "Saved: %(decision)s for %(code)s at %(start)s–%(end)s. Undo is next to the unit."
    ) % {"decision": label, "code": code.name, "start": start, "end": end}
    return _after_write(
        request,
        access,
        transcript,
        code.pk,
        current=page.next_unsettled(rv, end),
        note=note,
        event="consensus-changed",
    )


@login_required
@require_POST
def consensus_undo(request: HtmxHttpRequest, study_id: int, decision_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, owner=True)
    try:
        decision = ConsensusDecision.objects.select_related("study", "code").get(
            pk=decision_id, study=access.study
        )
    except ConsensusDecision.DoesNotExist:
        raise Http404("No such decision.") from None
    services.consensus_undo(decision=decision, actor=request.user)
    transcript = get_transcript(access, decision.transcript_id)
    rv = review(access.study, transcript, decision.code, _compared(request, access))
    unit = next((u for u in rv.units if u.start == decision.start and u.end == decision.end), None)
    note = gettext("Undone: %(decision)s for %(code)s at %(start)s–%(end)s.") % {
        "decision": page.DECISION_WORDS.get(decision.action, decision.get_action_display()),
        "code": decision.code.name,
        "start": decision.start,
        "end": decision.end,
    }
    return _after_write(
        request,
        access,
        transcript,
        decision.code_id,
        current=unit.number if unit else None,
        note=note,
        event="consensus-changed",
    )


def _copy_scope(data: QueryDict, transcript_id: int | None) -> Scope:
    """One transcript (from the review page), or the report's scope filters."""
    if transcript_id:
        return Scope(transcripts=[transcript_id])
    return Scope(
        groups=int_params(data.getlist("group")),
        waves=int_params(data.getlist("wave")),
        participants=int_params(data.getlist("participant")),
        transcripts=int_params(data.getlist("scope_transcript")),
    )


@login_required
@require_POST
def consensus_copy_agreed(request: HttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, owner=True)
    layers = _compared(request, access)
    transcript_id = int_param(request.POST.get("transcript"))
    code_id = int_param(request.POST.get("code"))
    scope = _copy_scope(request.POST, transcript_id)
    code_ids = None
    root_code = int_param(request.POST.get("root_code"))
    if code_id:
        code_ids = [code_id]
    elif root_code:
        code_ids = list(codebook(access.study).subtree_ids(root_code))
    try:
        created = services.consensus_copy_agreed(
            study=access.study, layers=layers, scope=scope, code_ids=code_ids, actor=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        created = None
    if created is not None:
        n = len(created)
        messages.success(
            request,
            ngettext(
                "Copied %(n)s agreed passage into the consensus layer.",
                "Copied %(n)s agreed passages into the consensus layer.",
                n,
            )
            % {"n": n}
            if n
            else gettext("Nothing to copy: every agreed passage is already in consensus."),
        )
    if transcript_id and code_id:
        url = reverse("coding:disagreements", args=[study_id, transcript_id, code_id])
        return redirect(f"{url}?{layer_query(layers)}")
    back = request.POST.get("next", "")
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect("coding:agreement_report", study_id)


@login_required
@require_GET
def consensus_progress(request: HtmxHttpRequest, study_id: int) -> HttpResponse:
    """The dashboard's consensus section (loaded by htmx, or a page of its own)."""
    access = get_study_for_user(request, study_id)
    allowed = access.is_owner or (access.can_read_agreement and not access.blind)
    context = {
        "study": access.study,
        "access": access,
        "tab": "agreement",
        "allowed": allowed,
        "progress": progress_of(access) if allowed else None,
    }
    if request.htmx:
        return HttpResponse(
            render_to_string(f"{PROGRESS_TEMPLATE}#progress", context, request=request)
        )
    return render(request, PROGRESS_TEMPLATE, context)
