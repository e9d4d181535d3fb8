"""Codebook versions pages: the list (owners freeze a version), the diff between two
versions or a version and the current codebook (owners edit the reasons there), and each
version's exports (CSV, QDC).

Members read; owners write; non-members get a 404. Blind coders see snapshots and diffs
without other coders' proposals (:func:`coding.codebook.versions.visible_snapshot`).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from coding.codebook import csv as codebook_csv
from coding.codebook import versions
from coding.exchange.export import EmptyCodebook, codebook_qdc
from coding.models import CodebookVersion, ConsensusDecision
from studies.access import get_study_for_user
from workbench.lib.http import add_form_errors, download

KIND_LABELS = versions.KIND_LABELS


class VersionForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Version name"),
        max_length=120,
        help_text=gettext_lazy("E.g. “v1 after calibration”."),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "version_%s")
        super().__init__(*args, **kwargs)


def _versions(study):
    return list(
        CodebookVersion.objects.filter(study=study)
        .select_related("created_by")
        .defer("snapshot")
        .order_by("-created_at", "-pk")
    )


def _page(request, access, form=None, status=200):
    items = _versions(access.study)
    latest = items[0] if items else None
    context = {
        "study": access.study,
        "access": access,
        "tab": "codebook",
        "versions": items,
        "rows": [(v, items[i + 1] if i + 1 < len(items) else None) for i, v in enumerate(items)],
        "form": form or (VersionForm() if access.is_owner else None),
        "default_from": latest.pk if latest else "",
    }
    return render(request, "coding/codebook/versions.html", context, status=status)


@login_required
@require_GET
def codebook_versions(request, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id)
    return _page(request, access)


@login_required
@require_POST
def codebook_version_create(request, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, owner=True)
    form = VersionForm(request.POST)
    if form.is_valid():
        try:
            version = versions.version_create(
                study=access.study,
                name=form.cleaned_data["name"],
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(
                request,
                _("Froze the codebook as “%(name)s” (%(len)s codes).")
                % {"name": version.name, "len": len(version.snapshot)},
            )
            return redirect("coding:codebook_versions", access.study.pk)
    return _page(request, access, form=form, status=400)


@login_required
@require_GET
def codebook_version_diff(request, study_id: int) -> HttpResponse:
    """``?from=<version id>&to=<version id or current>`` (``to`` defaults to the current
    codebook, ``from`` to the latest version)."""
    access = get_study_for_user(request, study_id)
    items = _versions(access.study)
    from_key = request.GET.get("from") or (str(items[0].pk) if items else "")
    to_key = request.GET.get("to") or versions.CURRENT
    error, changes, old, new = "", [], None, None
    try:
        if not from_key:
            raise ValidationError(_("Freeze a version first: there is nothing to compare yet."))
        old, new = versions.side(access, from_key), versions.side(access, to_key)
        changes = versions.diff(access, old, new)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if access.is_owner and changes:
        _attach_decisions(access, changes)
    groups = []
    for kind, label in KIND_LABELS.items():
        rows = [c for c in changes if c.kind == kind]
        if rows:
            groups.append({"kind": kind, "label": label, "changes": rows})
    context = {
        "study": access.study,
        "access": access,
        "tab": "codebook",
        "versions": items,
        "old": old,
        "new": new,
        "from_key": from_key,
        "to_key": to_key,
        "groups": groups,
        "count": len(changes),
        "error": error,
        "backwards": old is not None and new is not None and old.mark > new.mark,
        "here": request.get_full_path(),
    }
    return render(
        request, "coding/codebook/version_diff.html", context, status=400 if error else 200
    )


def _attach_decisions(access, changes) -> None:
    """Owners link a change to the consensus decision that led to it: each change gets
    ``decisions`` (the live decisions on its code, or on the merge target) and ``linked``
    (those already linked to its events). One query."""
    code_ids = {c.code_id for c in changes} | {c.target_id for c in changes if c.target_id}
    event_ids = {pk for c in changes for pk in c.events}
    rows = list(
        ConsensusDecision.objects.filter(study=access.study)
        .filter(
            Q(code_id__in=code_ids, undone_at__isnull=True) | Q(codebook_change_id__in=event_ids)
        )
        .select_related("transcript")
        .order_by("-created_at", "-pk")
    )
    for change in changes:
        codes = {change.code_id, change.target_id}
        change.decisions = [d for d in rows if d.code_id in codes and d.undone_at is None]
        change.linked = [d for d in rows if d.codebook_change_id in change.events]


def _version(access, version_id: int) -> CodebookVersion:
    version = CodebookVersion.objects.filter(study=access.study, pk=version_id).first()
    if version is None:
        raise Http404(_("No such version."))
    return version


@login_required
@require_GET
def codebook_version_export(request, study_id: int, version_id: int, fmt: str) -> HttpResponse:
    """A frozen version as CSV (the codebook CSV's columns, archived codes included) or as
    a REFI-QDA codebook (``.qdc``), as the requester may see it."""
    access = get_study_for_user(request, study_id)
    version = _version(access, version_id)
    book = versions.snapshot_book(access.study, versions.visible_snapshot(access, version.snapshot))
    stem = slugify(f"{access.study.name} codebook {version.name}") or f"codebook-{version.pk}"
    if fmt == "csv":
        body = codebook_csv.codebook_csv_export(
            book, include_archived=True, tag2=access.study.codebook_language2
        )
        return download(body, f"{stem}.csv", "text/csv; charset=utf-8")
    if fmt != "qdc":
        raise Http404(_("No such format."))
    try:
        body = codebook_qdc(access.study, book=book)
    except EmptyCodebook as exc:
        messages.error(request, str(exc))
        return redirect("coding:codebook_versions", access.study.pk)
    return download(body, f"{stem}.qdc", "application/xml")


@login_required
@require_POST
def codebook_change_decision(request, study_id: int, event_id: int) -> HttpResponse:
    """Owners record which consensus decision led to a codebook change ("" unlinks)."""
    access = get_study_for_user(request, study_id, owner=True)
    raw = request.POST.get("decision", "")
    try:
        decision_id = int(raw) if raw else None
        versions.decision_link(
            access=access, event_id=event_id, decision_id=decision_id, actor=request.user
        )
    except (ValueError, ValidationError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", ["Choose a decision."])))
    else:
        messages.success(request, "Saved the consensus decision." if raw else "Unlinked.")
    return redirect(_back(request, access))


def _back(request, access) -> str:
    back = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    return back or reverse("coding:codebook_version_diff", args=[access.study.pk])


@login_required
@require_POST
def codebook_change_reason(request, study_id: int, event_id: int) -> HttpResponse:
    """Owners set the reason of a codebook change afterwards (audited); back to ``next``."""
    access = get_study_for_user(request, study_id, owner=True)
    try:
        versions.reason_update(
            access=access,
            event_id=event_id,
            reason=request.POST.get("reason", ""),
            actor=request.user,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Saved the reason."))
    return redirect(_back(request, access))
