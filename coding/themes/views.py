"""The theme board, a theme's page (prevalence, change summary, through-line, history) and
the reflexive journal. Reading is for every member; owners and coders create and change
themes and write journal entries; viewers read. Each write: access → form → one service
call → redirect (or the page again with the form's errors, status 200)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coding.codebook import selectors as codebook_selectors
from coding.compare.layers import PLACED, LayerChoice, layer_choice
from coding.exports import csv_response
from coding.models import Theme, ThemeStatus
from coding.themes import exports, forms, selectors, services
from studies.access import StudyAccess, get_study_for_user
from studies.languages import for_study as languages_for_study
from workbench.lib.http import add_form_errors, attachment_name, int_param

BOARD_TEMPLATE = "coding/themes/theme_board.html"
DETAIL_TEMPLATE = "coding/themes/theme_detail.html"
JOURNAL_TEMPLATE = "coding/themes/journal.html"


def _choice(access: StudyAccess, request: HttpRequest) -> tuple[LayerChoice, str]:
    requested = request.GET.get("layer") or None
    try:
        return layer_choice(access, requested, scope=PLACED), ""
    except LookupError:
        message = gettext(
            "There is no layer “%(layer)s” that you can see: showing the default."
        ) % {"layer": requested}
        return layer_choice(access, None, scope=PLACED), message


def get_journal_entry_for_write(access: StudyAccess, entry_id):
    """An entry the member may read (else 404: another's private entry does not exist for
    them) and is the author of (else 403)."""
    entry = selectors.visible_journal(access).filter(pk=entry_id).first()
    if entry is None:
        raise Http404(gettext("No such journal entry."))
    if entry.author_id != access.membership.user_id:
        raise PermissionDenied(gettext("Only the entry's author can change it."))
    entry.study = access.study
    return entry


def _theme(access: StudyAccess, theme_id) -> Theme:
    theme = access.study.themes.filter(pk=theme_id).first()
    if theme is None:
        raise Http404("No such theme.")
    theme.study = access.study
    return theme


def _board_context(request, access: StudyAccess, **extra: Any) -> dict[str, Any]:
    choice, layer_error = _choice(access, request)
    book = codebook_selectors.codebook_for(access, light=True)
    columns = selectors.board(access, choice, book=book)
    ctx: dict[str, Any] = {
        "study": access.study,
        "access": access,
        "tab": "themes",
        "choice": choice,
        "layer_error": layer_error,
        "columns": [(s, label, columns[s]) for s, label in ThemeStatus.choices],
        "can_write": access.can_code,
        "count": sum(len(v) for v in columns.values()),
    }
    if access.can_code:
        ctx["create_form"] = forms.ThemeCreateForm(access=access)
        ctx["merge_form"] = forms.ThemeMergeForm(access=access)
    ctx.update(extra)
    return ctx


@login_required
@require_GET
def theme_board(request: HttpRequest, study_id: int) -> HttpResponse:
    """The board; with ``format=csv`` the themes table (coding/themes/exports.py)."""
    access = get_study_for_user(request, study_id)
    if request.GET.get("format") == "csv":
        choice, _ = _choice(access, request)
        header, rows = exports.themes_table(access, choice)
        return csv_response(attachment_name(access.study, "themes", "csv"), header, rows)
    return render(request, BOARD_TEMPLATE, _board_context(request, access))


def _detail_context(request, access: StudyAccess, theme: Theme, **extra: Any) -> dict[str, Any]:
    choice, layer_error = _choice(access, request)
    book = codebook_selectors.codebook_for(access, light=True)
    theme = access.study.themes.prefetch_related("codes").get(pk=theme.pk)
    prev = selectors.theme_prevalence(access, theme, choice, book=book)
    rows = [(g, prev.row(g.pk)) for g in prev.frame.groups]
    ctx: dict[str, Any] = {
        "study": access.study,
        "access": access,
        "tab": "themes",
        "theme": theme,
        "chips": [book.by_id[c.pk] for c in theme.codes.all() if c.pk in book.by_id],
        "choice": choice,
        "layer_error": layer_error,
        "prevalence": prev,
        "rows": rows,
        "history": selectors.theme_history(theme, book=book),
        "entries": selectors.journal_entries(access, theme=theme),
        "can_write": access.can_code,
        "statuses": ThemeStatus.choices,
    }
    if access.can_code:
        code_ids = [c.pk for c in theme.codes.all()]
        ctx.update(
            edit_form=forms.ThemeEditForm(initial={"name": theme.name, "concept": theme.concept}),
            status_form=forms.ThemeStatusForm(initial={"status": theme.status}),
            codes_form=forms.ThemeCodesForm(access=access, initial={"codes": code_ids}),
            through_form=forms.ThroughLineForm(initial={"through_line": theme.through_line}),
            split_form=forms.ThemeSplitForm(access=access, theme=theme),
        )
    ctx.update(extra)
    return ctx


@login_required
@require_GET
def theme_detail(request: HttpRequest, study_id: int, theme_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id)
    theme = _theme(access, theme_id)
    return render(request, DETAIL_TEMPLATE, _detail_context(request, access, theme))


@login_required
@require_POST
def theme_create(request: HttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, write=True)
    form = forms.ThemeCreateForm(request.POST, access=access)
    if form.is_valid():
        try:
            theme = services.theme_create(
                study=access.study, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
    if form.errors:
        return render(request, BOARD_TEMPLATE, _board_context(request, access, create_form=form))
    return redirect(reverse("coding:theme_detail", args=[access.study.pk, theme.pk]))


@login_required
@require_POST
def theme_merge(request: HttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, write=True)
    form = forms.ThemeMergeForm(request.POST, access=access)
    if form.is_valid():
        target = form.cleaned_data["target"]
        try:
            services.theme_merge(
                target=target,
                others=list(form.cleaned_data["others"]),
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
    if form.errors:
        return render(request, BOARD_TEMPLATE, _board_context(request, access, merge_form=form))
    return redirect(reverse("coding:theme_detail", args=[access.study.pk, target.pk]))


def _theme_write(request, study_id, theme_id, form_class, form_key, apply, *, needs_theme=False):
    """The shape of every write on one theme: the form, one service call, back to the theme."""
    access = get_study_for_user(request, study_id, write=True)
    theme = _theme(access, theme_id)
    kwargs: dict[str, Any] = {}
    if form_class in (forms.ThemeCodesForm, forms.ThemeSplitForm):
        kwargs["access"] = access
    if needs_theme:
        kwargs["theme"] = theme
    form = form_class(request.POST, **kwargs)
    if form.is_valid():
        try:
            apply(theme, form)
        except ValidationError as exc:
            add_form_errors(form, exc)
    if form.errors:
        ctx = _detail_context(request, access, theme, **{form_key: form, "open": form_key})
        return render(request, DETAIL_TEMPLATE, ctx)
    url = reverse("coding:theme_detail", args=[access.study.pk, theme.pk])
    # Back to the layer the page was counting (resolved again, against access, by the GET).
    layer = request.POST.get("layer", "")
    return redirect(f"{url}?{urlencode({'layer': layer})}" if layer else url)


@login_required
@require_POST
def theme_update(request: HttpRequest, study_id: int, theme_id: int) -> HttpResponse:
    def apply(theme, form):
        return services.theme_update(theme=theme, actor=request.user, **form.cleaned_data)

    return _theme_write(request, study_id, theme_id, forms.ThemeEditForm, "edit_form", apply)


@login_required
@require_POST
def theme_status(request: HttpRequest, study_id: int, theme_id: int) -> HttpResponse:
    def apply(theme, form):
        return services.theme_set_status(theme=theme, actor=request.user, **form.cleaned_data)

    return _theme_write(request, study_id, theme_id, forms.ThemeStatusForm, "status_form", apply)


@login_required
@require_POST
def theme_codes(request: HttpRequest, study_id: int, theme_id: int) -> HttpResponse:
    def apply(theme, form):
        return services.theme_set_codes(
            theme=theme,
            actor=request.user,
            codes=list(form.cleaned_data["codes"]),
            reason=form.cleaned_data["reason"],
        )

    return _theme_write(request, study_id, theme_id, forms.ThemeCodesForm, "codes_form", apply)


@login_required
@require_POST
def theme_through_line(request: HttpRequest, study_id: int, theme_id: int) -> HttpResponse:
    def apply(theme, form):
        return services.theme_set_through_line(
            theme=theme,
            actor=request.user,
            text=form.cleaned_data["through_line"],
            reason=form.cleaned_data["reason"],
        )

    return _theme_write(request, study_id, theme_id, forms.ThroughLineForm, "through_form", apply)


@login_required
@require_POST
def theme_split(request: HttpRequest, study_id: int, theme_id: int) -> HttpResponse:
    def apply(theme, form):
        return services.theme_split(
            theme=theme, actor=request.user, parts=form.parts(), reason=form.cleaned_data["reason"]
        )

    return _theme_write(
        request, study_id, theme_id, forms.ThemeSplitForm, "split_form", apply, needs_theme=True
    )


# --- the reflexive journal ---------------------------------------------------------------


def _journal_context(request, access: StudyAccess, **extra: Any) -> dict[str, Any]:
    study = access.study
    filters: dict[str, Any] = {}
    transcript_id = int_param(request.GET.get("transcript"))
    code_id = int_param(request.GET.get("code"))
    theme_id = int_param(request.GET.get("theme"))
    book = codebook_selectors.codebook_for(access, light=True)
    if transcript_id:
        filters["transcript"] = study.transcripts.defer("text").filter(pk=transcript_id).first()
    if code_id and code_id in book.by_id:
        filters["code"] = book.by_id[code_id].code
    if theme_id:
        filters["theme"] = study.themes.filter(pk=theme_id).first()
    filters = {k: v for k, v in filters.items() if v is not None}
    entries = selectors.journal_entries(access, **filters)
    langs = languages_for_study(study)
    for entry in entries:
        # Links to codes the member may not see (a blind coder and a proposal) are not named.
        entry.visible_codes = [c for c in entry.codes.all() if c.pk in book.by_id]
        for code in entry.visible_codes:  # the reader's language first, the other on hover
            code.bi = langs.pair(code)
    ctx: dict[str, Any] = {
        "study": study,
        "access": access,
        "tab": "journal",
        "entries": entries,
        "filters": filters,
        "filter_form": forms.JournalEntryForm(access=access),
        "can_write": access.can_code,
        "selected": {"transcript": transcript_id, "code": code_id, "theme": theme_id},
    }
    if access.can_code and "form" not in extra:
        ctx["form"] = forms.JournalEntryForm(access=access)
    ctx.update(extra)
    return ctx


@login_required
@require_GET
def journal(request: HttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id)
    return render(request, JOURNAL_TEMPLATE, _journal_context(request, access))


@login_required
@require_POST
def journal_create(request: HttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, write=True)
    form = forms.JournalEntryForm(request.POST, access=access)
    if form.is_valid():
        try:
            services.journal_entry_create(
                study=access.study, author=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
    if form.errors:
        return render(request, JOURNAL_TEMPLATE, _journal_context(request, access, form=form))
    return redirect(reverse("coding:journal", args=[access.study.pk]))


@login_required
@require_http_methods(["GET", "POST"])
def journal_update(request: HttpRequest, study_id: int, entry_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, write=True)
    entry = get_journal_entry_for_write(access, entry_id)
    if request.method == "POST":
        form = forms.JournalEntryForm(request.POST, access=access)
        if form.is_valid():
            try:
                services.journal_entry_update(entry=entry, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_form_errors(form, exc)
        if not form.errors:
            return redirect(reverse("coding:journal", args=[access.study.pk]))
    else:
        form = forms.JournalEntryForm(
            access=access,
            initial={
                "title": entry.title,
                "body": entry.body,
                "shared": entry.shared,
                "transcripts": [str(t.pk) for t in entry.transcripts.all()],
                "codes": [str(c.pk) for c in entry.codes.all()],
                "themes": [str(t.pk) for t in entry.themes.all()],
            },
        )
    return render(
        request, JOURNAL_TEMPLATE, _journal_context(request, access, form=form, editing=entry)
    )
