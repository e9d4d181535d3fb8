"""The codebook page: the code tree with counts; create, edit, move, merge, archive; CSV.

Owners edit; coders may add codes when the study lets them (``access.can_create_codes``);
viewers read; non-members get a 404. Every write works as a plain form (redirect back to
the page) and, with htmx, returns the fragment its form targets plus the tree and the
status line swapped out of band, so the page never reloads.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from coding.codebook import csv as codebook_csv
from coding.codebook import selectors, services
from coding.codebook.forms import (
    KEYBOARD_ACTIONS,
    CodebookImportForm,
    CodeCreateForm,
    CodeEditForm,
    CodeFieldsForm,
    CodeMergeForm,
    CodeMoveForm,
)
from coding.exports import XLSX_CONTENT_TYPE
from coding.models import COLOR_RE, Code
from coding.segments import runs
from studies.access import StudyAccess, get_code, get_study_for_user
from studies.imports import ImportRefused
from studies.languages import CodebookLanguages, fold_for_matching
from studies.languages import for_study as languages_for_study
from studies.views import import_refused
from workbench.lib.colour import contrast_with_white
from workbench.lib.http import (
    HtmxHttpRequest,
    add_form_errors,
    download,
    int_param,
    render_fragments,
    render_page_or_partial,
)

TEMPLATE = "coding/codebook/codebook.html"
PALETTE = services.CODE_PALETTE  # Okabe–Ito


# --- reads ---------------------------------------------------------------------------------


def languages_of(access: StudyAccess) -> CodebookLanguages:
    """The study's codebook languages as the requester reads them (their interface
    language first when it is one of the two). No query."""
    return languages_for_study(access.study)


@dataclass
class TreeRow:
    node: selectors.CodeNode
    mine: int
    all: int
    index: int  # among all its siblings (not only those shown)
    first: bool
    last: bool
    matched: bool = True  # False: shown only as the ancestor of a match
    children: list[TreeRow] = field(default_factory=list)
    # The name in the person's language and the other language's (hover and focus), with
    # their BCP 47 tags (studies.languages.CodebookLanguages.pair).
    label: str = ""
    label_lang: str = ""
    other: str = ""
    other_lang: str = ""

    @property
    def code(self) -> Code:
        return self.node.code


def build_tree(
    book: selectors.Codebook, counts: dict, q: str = "", langs: CodebookLanguages | None = None
) -> tuple[list[TreeRow], int]:
    """The rows to draw, and how many codes match ``q``.

    ``q`` keeps codes whose path, in either codebook language, contains every word of it
    (case folded, Traditional and Simplified Han alike: 朋辈 finds 朋輩), with their
    ancestors for context. No queries.
    """
    words = fold_for_matching(q).split()
    matched = (
        {
            node.pk
            for node in book.walk()
            if all(w in hay for hay in [_haystack(node)] for w in words)
        }
        if words
        else set(book.by_id)
    )
    shown = set()
    for pk in matched:
        node = book.by_id[pk]
        while node is not None and node.pk not in shown:
            shown.add(node.pk)
            node = book.by_id.get(node.code.parent_id)

    def rows(nodes):
        result = []
        for i, node in enumerate(nodes):
            if node.pk not in shown:
                continue
            mine, all_ = counts.get(node.pk, (0, 0))
            label, label_lang, other, other_lang = (
                langs.pair(node.code) if langs is not None else (node.code.name, "", "", "")
            )
            result.append(
                TreeRow(
                    label=label,
                    label_lang=label_lang,
                    other=other,
                    other_lang=other_lang,
                    node=node,
                    mine=mine,
                    all=all_,
                    index=i,
                    first=i == 0,
                    last=i == len(nodes) - 1,
                    matched=node.pk in matched,
                    children=rows(node.children),
                )
            )
        return result

    return rows(book.roots), len(matched)


def _haystack(node: selectors.CodeNode) -> str:
    """What codebook search matches in: the path in both languages, folded."""
    return fold_for_matching(node.path + "\n" + node.path2)


def keyboard_move_target(book: selectors.Codebook, code_id: int, action: str):
    """Translate up/down/indent/outdent into ``(parent_id, 0-based position)`` for code_move.

    ``position`` counts the new siblings without the code itself (None: last). Raises
    ValidationError when the move is impossible (already first, nothing to indent under...).
    """
    node = book.by_id[code_id]
    name = node.code.name
    parent_id = node.code.parent_id
    siblings = book.by_id[parent_id].children if parent_id else book.roots
    i = next(j for j, sibling in enumerate(siblings) if sibling.pk == code_id)
    if action == "up":
        if i == 0:
            raise ValidationError(
                _("“%(name)s” is already first among its siblings.") % {"name": name}
            )
        return parent_id, i - 1
    if action == "down":
        if i == len(siblings) - 1:
            raise ValidationError(
                _("“%(name)s” is already last among its siblings.") % {"name": name}
            )
        return parent_id, i + 1
    if action == "indent":
        if i == 0:
            raise ValidationError(
                _("“%(name)s” has no code above it to become a subcode of.") % {"name": name}
            )
        return siblings[i - 1].pk, None
    if action == "outdent":
        if parent_id is None:
            raise ValidationError(_("“%(name)s” is already at the top level.") % {"name": name})
        parent = book.by_id[parent_id]
        grand_id = parent.code.parent_id
        uncles = book.by_id[grand_id].children if grand_id else book.roots
        j = next(k for k, uncle in enumerate(uncles) if uncle.pk == parent_id)
        return grand_id, j + 1
    raise ValidationError(_("Unknown move."))


def _choices(book: selectors.Codebook, exclude: set[int] = frozenset()) -> list[tuple[int, str]]:
    """Active codes by path (archived codes cannot receive codes or segments)."""
    return [(n.pk, n.path) for n in book.walk(include_archived=False) if n.pk not in exclude]


def _texts_pair(langs: CodebookLanguages, code: Code, name: str) -> tuple[str, str, str, str]:
    """A text of the code in both languages for the detail panel: the reader's first, each
    with its tag; "" where it is not written."""
    one, two = getattr(code, name), getattr(code, name + "2") if langs.bilingual else ""
    pairs = [(one, langs.tag), (two, langs.tag2)]
    if langs.swapped:
        pairs.reverse()
    return (*pairs[0], *pairs[1]) if langs.bilingual else (one, langs.tag, "", "")


@dataclass
class Detail:
    node: selectors.CodeNode
    mine: int
    all: int
    stroke: str
    pale: bool
    parent_path: str
    edit_form: CodeEditForm | None = None
    move_form: CodeMoveForm | None = None
    merge_form: CodeMergeForm | None = None
    error: str = ""
    #: (label, text, its language tag, the other language's text, its tag) per field, the
    #: reader's language first; the name is ``name``.
    texts: list = field(default_factory=list)
    name: tuple = ("", "", "", "")

    @property
    def code(self) -> Code:
        return self.node.code


def _detail(access: StudyAccess, book, counts, code_id: int | None, **forms_) -> Detail | None:
    node = book.by_id.get(code_id) if code_id else None
    if node is None:
        return None
    code = node.code
    mine, all_ = counts.get(code.pk, (0, 0))
    langs = languages_of(access)
    detail = Detail(
        node=node,
        mine=mine,
        all=all_,
        stroke=runs.stroke_color(code.color),
        pale=contrast_with_white(code.color) < 3.0 if COLOR_RE.fullmatch(code.color) else False,
        parent_path=book.by_id[code.parent_id].path_for(langs)
        if code.parent_id in book.by_id
        else "",
        error=forms_.pop("error", ""),
        name=langs.pair(code),
        texts=[
            (label, *_texts_pair(langs, code, name))
            for name, label in (
                ("description", _("Definition")),
                ("inclusion", _("Include when")),
                ("exclusion", _("Exclude when")),
                ("example", _("Example")),
            )
        ],
    )
    if access.is_owner:  # decided here: the fragment can be requested alone
        subtree = book.subtree_ids(code.pk)
        detail.edit_form = forms_.get("edit_form") or CodeEditForm(
            initial={
                **{f: getattr(code, f) for f in CodeFieldsForm.base_fields},
                "is_codable": code.is_codable,
            },
            languages=languages_of(access),
        )
        detail.move_form = forms_.get("move_form") or CodeMoveForm(
            parent_choices=_choices(book, subtree),
            initial={"parent": code.parent_id, "position": None},
        )
        detail.merge_form = forms_.get("merge_form") or CodeMergeForm(
            target_choices=_choices(book, subtree)
        )
    return detail


def _missing_translations(book, langs: CodebookLanguages) -> list[selectors.CodeNode]:
    """Active codes without their name in the study's second language (none when the
    codebook has one language)."""
    if not langs.bilingual:
        return []
    return [node for node in book.walk(include_archived=False) if not node.code.name2]


def _context(access: StudyAccess, *, q: str = "", selected: int | None = None, **extra) -> dict:
    """Everything the page and its fragments need: 2 queries (the tree, the counts)."""
    book = selectors.codebook_for(access)
    counts = selectors.code_counts(access)
    langs = languages_of(access)
    tree, matches = build_tree(book, counts, q, langs)
    form_overrides = {
        k: extra.pop(k) for k in ("edit_form", "move_form", "merge_form", "error") if k in extra
    }
    create_form = extra.pop("create_form", None)
    create_parent = extra.pop("create_parent", None)
    just_created = extra.pop("just_created", False)
    context = {
        "study": access.study,
        "access": access,
        "tab": "codebook",
        "tree": tree,
        "q": q,
        "matches": matches,
        "total": len(book.by_id),
        "proposals": sum(1 for node in book.walk() if node.code.proposed) if access.is_owner else 0,
        "can_edit": access.is_owner,
        "can_create": access.can_create_codes,
        "show_all": not access.blind,
        "palette": PALETTE,
        "actions": KEYBOARD_ACTIONS,
        "selected": selected,
        "detail": _detail(access, book, counts, selected, **form_overrides),
        "book": book,
        "langs": langs,
        "missing": _missing_translations(book, langs),
    }
    if access.can_create_codes:
        if create_parent not in book.by_id:
            create_parent = None
        if create_form is None:
            parent = book.by_id[create_parent].code if create_parent else None
            color = services.code_next_color(
                study=access.study, parent=parent, codes=[n.code for n in book.by_id.values()]
            )
            create_form = CodeCreateForm(
                parent_choices=_choices(book),
                initial={"parent": create_parent, "color": color, "auto_color": color},
                languages=languages_of(access),
            )
            if just_created:  # ready for the next code at the same level (a sibling)
                create_form.fields["name"].widget.attrs["autofocus"] = True
                context["create_next"] = (
                    f"Next code goes under “{book.path(create_parent)}”."
                    if create_parent
                    else "Next code goes at the top level."
                )
        context["create_form"] = create_form
    context.update(extra)
    return context


def _q(request: HtmxHttpRequest) -> str:
    return (request.GET.get("q") or request.POST.get("q") or "").strip()[:200]


def _detail_url(study_id: int, code_id: int) -> str:
    return reverse("coding:code_detail", args=[study_id, code_id])


def _main_fragment(request: HtmxHttpRequest) -> str:
    """Which region the htmx request will swap: the tree or the detail panel."""
    target = getattr(request.htmx, "target", None) or ""
    return "code-detail" if target == "code-detail" else "code-tree"


# --- views ---------------------------------------------------------------------------------


@login_required
@require_GET
def codebook(request: HtmxHttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id)
    context = _context(access, q=_q(request))
    if request.htmx:
        return render(request, f"{TEMPLATE}#code-tree", context)
    return render(request, TEMPLATE, context)


@login_required
def code_update(request: HtmxHttpRequest, study_id: int, code_id: int) -> HttpResponse:
    """GET: the code's detail panel (the page with it selected); POST: save its fields."""
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    access = get_study_for_user(request, study_id, owner=request.method == "POST")
    code = get_code(access, code_id)
    if request.method != "POST":
        # ?under=<id>: after adding a code without htmx, the form keeps its parent.
        create_parent = int_param(request.GET.get("under"))
        context = _context(access, q=_q(request), selected=code.pk, create_parent=create_parent)
        if request.htmx:
            return render(request, f"{TEMPLATE}#code-detail", context)
        return render(request, TEMPLATE, context)
    form = CodeEditForm(request.POST, languages=languages_of(access))
    if form.is_valid():
        try:
            services.code_update(code=code, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            return _written(request, access, code.pk, f"Saved “{code.name}”.")
    context = _context(access, q=_q(request), selected=code.pk, edit_form=form)
    return render_page_or_partial(request, TEMPLATE, "code-detail", context)


def _written(
    request: HtmxHttpRequest,
    access,
    code_id: int | None,
    message: str,
    main: str = "code-detail",
    **extra,
) -> HttpResponse:
    """After a successful write: fragments for htmx, else a redirect with a message."""
    if request.htmx:
        context = _context(access, q=_q(request), selected=code_id, status=message, **extra)
        oob = [name for name in ("code-tree", "code-detail") if name != main]
        return HttpResponse(
            render_fragments(request, TEMPLATE, context, main, oob=(*oob, "status"))
        )
    messages.success(request, message)
    if code_id is None:
        return redirect("coding:codebook", access.study.pk)
    under = f"?under={extra['create_parent'] or ''}" if extra.get("just_created") else ""
    return redirect(_detail_url(access.study.pk, code_id) + f"{under}#node-{code_id}")


@login_required
@require_POST
def code_create(request: HtmxHttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id)
    if not access.can_create_codes:
        raise PermissionDenied(_("Only the study's owners can add codes to this codebook."))
    book = selectors.codebook_for(access)
    form = CodeCreateForm(
        request.POST, parent_choices=_choices(book), languages=languages_of(access)
    )
    if form.is_valid():
        data = form.cleaned_data
        parent = book.by_id[data["parent"]].code if data["parent"] else None
        # Unchanged suggestion: let the service pick for the parent actually chosen.
        untouched = data["color"] == (data.get("auto_color") or "").upper()
        try:
            code = services.code_create(
                study=access.study,
                parent=parent,
                name=data["name"],
                color=None if untouched else data["color"],
                description=data["description"].strip(),
                name2=data.get("name2", ""),
                description2=(data.get("description2") or "").strip(),
                actor=request.user,
                proposed=access.creates_proposals,
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            return _written(
                request,
                access,
                code.pk,
                f"Created “{code.name}”.",
                main="code-create",
                create_parent=data["parent"],
                just_created=True,
            )
    context = _context(access, q=_q(request), create_form=form)
    return render_page_or_partial(request, TEMPLATE, "code-create", context)


@login_required
@require_POST
def code_move(request: HtmxHttpRequest, study_id: int, code_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, owner=True)
    code = get_code(access, code_id)
    book = selectors.codebook_for(access)
    form = CodeMoveForm(request.POST, parent_choices=_choices(book))
    main = _main_fragment(request)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["action"]:
                parent_id, position = keyboard_move_target(book, code.pk, data["action"])
            else:
                parent_id = data["parent"]
                position = data["position"] - 1 if data["position"] else None
            parent = book.by_id[parent_id].code if parent_id else None
            moved = services.code_move(
                code=code,
                parent=parent,
                position=position,
                actor=request.user,
                reason=data.get("reason") or "",
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            where = book.path(parent_id) if parent_id else "the top level"
            message = f"Moved “{moved.name}” to position {moved.position + 1} in {where}."
            return _written(request, access, code.pk, message, main=main)
    error = " ".join(e for errors in form.errors.values() for e in errors)
    if not request.htmx:
        messages.error(request, error)
        return redirect(_detail_url(access.study.pk, code.pk) + f"#node-{code.pk}")
    if main == "code-detail":
        context = _context(access, q=_q(request), selected=code.pk, move_form=form)
        return HttpResponse(render_fragments(request, TEMPLATE, context, "code-detail"))
    context = _context(access, q=_q(request), tree_error=error)
    return HttpResponse(render_fragments(request, TEMPLATE, context, "code-tree"))


@login_required
@require_POST
def code_merge(request: HtmxHttpRequest, study_id: int, code_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, owner=True)
    source = get_code(access, code_id)
    book = selectors.codebook_for(access)
    form = CodeMergeForm(request.POST, target_choices=_choices(book, book.subtree_ids(source.pk)))
    if form.is_valid():
        target = book.by_id[form.cleaned_data["target"]].code
        name = source.name
        try:
            result = services.code_merge(
                source=source,
                target=target,
                actor=request.user,
                reason=form.cleaned_data.get("reason") or "",
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            message = (
                f"Merged “{name}” into “{result.target.name}”: {result.moved} segment"
                f"{'s' if result.moved != 1 else ''} moved, {result.collapsed} duplicate"
                f"{'s' if result.collapsed != 1 else ''} collapsed, {result.children} subcode"
                f"{'s' if result.children != 1 else ''} moved."
            )
            return _written(request, access, result.target.pk, message)
    context = _context(access, q=_q(request), selected=source.pk, merge_form=form)
    return render_page_or_partial(request, TEMPLATE, "code-detail", context)


@login_required
@require_POST
def code_archive(request: HtmxHttpRequest, study_id: int, code_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, owner=True)
    code = get_code(access, code_id)
    archived = request.POST.get("archived", "1") != "0"
    try:
        ids = services.code_archive(
            code=code,
            archived=archived,
            actor=request.user,
            reason=(request.POST.get("reason") or "")[:2000],
        )
    except ValidationError as exc:
        error = " ".join(exc.messages)
        if request.htmx:
            context = _context(access, q=_q(request), selected=code.pk, error=error)
            return HttpResponse(render_fragments(request, TEMPLATE, context, "code-detail"))
        messages.error(request, error)
        return redirect(_detail_url(access.study.pk, code.pk))
    others = len(ids) - 1 if ids else 0
    subcodes = f" and {others} subcode{'s' if others != 1 else ''}" if others > 0 else ""
    if archived:
        message = f"Archived “{code.name}”{subcodes}: hidden from the code picker, segments kept."
    else:
        message = f"Restored “{code.name}”{subcodes}."
    return _written(request, access, code.pk, message)


@login_required
@require_POST
def code_adopt(request: HtmxHttpRequest, study_id: int, code_id: int) -> HttpResponse:
    """An owner adopts a coder's proposed code into the shared codebook."""
    access = get_study_for_user(request, study_id, owner=True)
    code = get_code(access, code_id)
    try:
        adopted = services.code_adopt(code=code, actor=request.user)
    except ValidationError as exc:
        error = " ".join(exc.messages)
        if request.htmx:
            context = _context(access, q=_q(request), selected=code.pk, error=error)
            return HttpResponse(render_fragments(request, TEMPLATE, context, "code-detail"))
        messages.error(request, error)
        return redirect(_detail_url(access.study.pk, code.pk))
    parents = len(adopted) - 1
    also = f" (and {parents} proposed parent code{'s' if parents != 1 else ''})" if parents else ""
    message = f"Adopted “{code.name}”{also} into the shared codebook: every coder sees it now."
    return _written(request, access, code.pk, message)


@login_required
@require_GET
def codebook_export(request: HtmxHttpRequest, study_id: int) -> HttpResponse:
    """CSV in UTF-8 without a BOM, read as is by R and pandas (the importer accepts a BOM,
    so a file saved by Excel comes back in). Paths use ``exports.CODE_PATH_SEPARATOR``.

    Archived codes (and their subcodes) are left out unless ``?archived=1``.
    """
    access = get_study_for_user(request, study_id)
    book = selectors.codebook_for(access)
    options = {
        "include_archived": request.GET.get("archived") == "1",
        "tag2": access.study.codebook_language2,
    }
    name = slugify(access.study.name) or f"study-{access.study.pk}"
    if request.GET.get("format") == "xlsx":
        body = codebook_csv.codebook_xlsx_export(book, **options)
        return download(body, f"codebook-{name}.xlsx", XLSX_CONTENT_TYPE)
    body = codebook_csv.codebook_csv_export(book, **options)
    return download(body, f"codebook-{name}.csv", "text/csv; charset=utf-8")


@login_required
@require_POST
def codebook_import(request: HtmxHttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, owner=True)
    form = CodebookImportForm(request.POST, request.FILES)
    report = None
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = codebook_csv.codebook_import_csv(
                study=access.study, data=upload, filename=upload.name, actor=request.user
            )
        except ImportRefused as refused:
            report = refused.report
        else:
            messages.success(
                request,
                ngettext(
                    "Imported the codebook: %(created)s new code, %(updated)s updated.",
                    "Imported the codebook: %(created)s new codes, %(updated)s updated.",
                    report.created,
                )
                % {"created": report.created, "updated": report.updated},
            )
            return redirect("coding:codebook", access.study.pk)
    return import_refused(
        request,
        access,
        tab="codebook",
        form=form,
        report=report,
        what="rows",
        back=reverse("coding:codebook", args=[access.study.pk]),
    )
