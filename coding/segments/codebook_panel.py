"""The coding page's codebook panel: the tree's items with counts (mine / all), the code
filter's options, the picker's codes JSON and fold table. What does not depend on the
transcript (markup around the counts, the JSON, the options) is built once per cached
codebook (:class:`coding.segments.bookcache.PageBook`) and reused by every page,
fragment and write that reads the same codebook."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from django.utils.html import escape, json_script
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coding.codebook import selectors as codebook_selectors
from coding.segments import runs
from studies.folding import _HAN as HAN_RE
from studies.folding import variant_tables
from studies.languages import fold_for_matching

PROPOSED_NOTE = gettext_lazy("Proposed, not yet in the shared codebook. ")


@dataclass
class CodeRow:
    """One item of the codebook tree (ARIA tree: level, position among siblings, parent)."""

    node: codebook_selectors.CodeNode
    mine: int = 0
    all: int = 0
    parent: int | None = None
    posinset: int = 1
    setsize: int = 1
    expandable: bool = False
    #: The item's markup that holds no count, tab stop or link (see :func:`_static_parts`).
    static: tuple | None = None


@dataclass
class CodebookView:
    rows: list[CodeRow]
    codes_json: list[dict[str, Any]]
    total_mine: int = 0
    total_all: int = 0
    recent: list[int] = field(default_factory=list)
    #: The tree's items and the filter's options, written here rather than by the
    #: template (one loop over the codes in Python instead of ~20 template nodes a code).
    tree_html: SafeString = field(default_factory=lambda: mark_safe(""))
    options_html: SafeString = field(default_factory=lambda: mark_safe(""))
    #: ``codes_json`` as the panel's ``codes-data`` script.
    codes_script: SafeString = field(default_factory=lambda: mark_safe(""))


def _match_key(node) -> str:
    """What the picker's type-ahead matches in: the code's path in both codebook languages,
    case folded, Han in Simplified forms (``static/js/coding/picker.js`` folds the query
    with :func:`fold_map`)."""
    return fold_for_matching(f"{node.path}\n{getattr(node, 'path_other', '')}")


def fold_map(book) -> dict[str, str]:
    """Traditional → Simplified for every variant of the Han characters in ``book``'s match
    keys (a query's character outside them cannot match anyway): the picker folds what is
    typed with it, so 朋輩 and 朋辈 find the same code."""
    keys = "".join(_match_key(node) for node in book.by_id.values())
    if not HAN_RE.search(keys):
        return {}
    fold, members = variant_tables()
    out: dict[str, str] = {}
    for ch in set(HAN_RE.findall(keys)):
        for member in members.get(ch, "")[1:-1]:
            if member != ch:
                out[member] = ch
    return out


def _static_parts(row: CodeRow) -> tuple[str, str, str, str, str]:
    """The parts of a tree item that do not change with the transcript, the view or the
    filter: its depth, its ARIA tree attributes, its data attributes with twisty and
    swatch, the link's title and name, and its escaped path."""
    node, code = row.node, row.node.code
    path = escape(node.path)
    title = path
    if code.description:
        desc = code.description
        # As the template's truncatechars:160 did (160 characters with the ellipsis).
        title += f" — {escape(desc if len(desc) <= 160 else desc[:159] + '…')}"
    other = getattr(code, "name_other", "")
    if other:
        title = f"{escape(other)} · {title}"
    expanded = ' aria-expanded="true"' if row.expandable else ""
    twisty = (
        f'<span class="twisty" aria-hidden="true" title="{escape(_("Collapse or expand"))}"></span>'
        if row.expandable
        else '<span class="twisty-space" aria-hidden="true"></span>'
    )
    aria = (
        f' aria-level="{node.depth + 1}" '
        f'aria-posinset="{row.posinset}" aria-setsize="{row.setsize}"{expanded} '
    )
    data = (
        f'data-code="{node.pk}" data-parent="{"" if row.parent is None else row.parent}" '
        f'data-path="{escape(_match_key(node))}">{twisty}'
        f'<span class="swatch" style="background:{escape(code.color)}" aria-hidden="true"></span>'
    )
    link = f'title="{title}" translate="no">{escape(code.name)}</a>'
    return str(node.depth), aria, data, link, path


def codebook_tree_html(
    rows: list[CodeRow],
    view: str,
    code_filter: int | None,
    *,
    first: int | None = None,
    oob: bool = False,
    mine: bool = True,
) -> SafeString:
    """The ``treeitem`` of every code in ``rows`` (one tab stop: the filtered code's, else
    the tree's first, ``first`` when ``rows`` are only some of the tree's). ``oob``: each
    row swaps its own in the page (a write's answer). ``mine=False`` (a viewer, who has no
    layer): only the visible layers' count."""
    parts = []
    layer = quote(view, safe="/")
    # The row is the code's (translate="no"); its label and twisty title are interface words.
    if mine:
        label = escape(_("{path}, {mine} mine, {all} in all layers shown to you"))
    else:
        label = escape(_("{path}, {all} in the layers shown to you"))
    if first is None and rows:
        first = rows[0].node.pk
    for row in rows:
        pk = row.node.pk
        depth, aria, data, link, path = row.static or _static_parts(row)
        current = pk == code_filter
        tab = "0" if (current if code_filter else pk == first) else "-1"
        swap = f" hx-swap-oob=\"outerHTML:#codebook-tree [data-code='{pk}']\"" if oob else ""
        parts.append(
            f'<li role="treeitem" translate="no" class="code-row{" is-filtered" if current else ""}" '
            f'style="--depth:{depth}" tabindex="{tab}"{swap}{aria}'
            f'aria-label="{label.format(path=path, mine=row.mine, all=row.all)}" {data}'
            f'<a class="code-name" tabindex="-1" href="?layer={layer}&amp;code={pk}" {link}'
            f'<span class="code-count" aria-hidden="true">'
            f"{f'{row.mine}/{row.all}' if mine else row.all}</span></li>"
        )
    return mark_safe("\n".join(parts))


def codebook_options_html(rows: list[CodeRow], code_filter: int | None) -> SafeString:
    """The code filter's options (after "All codes")."""
    return mark_safe(
        "".join(
            f'<option value="{row.node.pk}" translate="no"'
            f"{' selected' if row.node.pk == code_filter else ''}>"
            f"{escape(row.node.path)}</option>"
            for row in rows
        )
    )


def codes_json(book) -> list[dict[str, Any]]:
    """The picker's codes (``codes-data``), archived ones included (old highlights use
    them), in tree order."""
    out = []
    for node in book.walk():
        code = node.code
        out.append(
            {
                "id": code.pk,
                "n": code.name,
                "p": node.path,
                # Bilingual codebooks: the other language's name (hover, popover) and the
                # picker's match key, both languages' paths folded (studies.languages).
                "o": getattr(code, "name_other", ""),
                "ol": getattr(code, "other_lang", ""),
                "k": _match_key(node),
                "col": runs.stroke_color(code.color),
                # The picker shows this under the active code: say a proposal is one.
                "d": (str(PROPOSED_NOTE) if code.proposed else "") + code.description[:300],
                "pa": code.parent_id,
                "ar": code.archived,
                "ca": not code.is_codable,  # a category: the picker does not offer it
            }
        )
    return out


def tree_rows(book, *, static: bool = False) -> list[CodeRow]:
    """The tree's rows (archived codes left out), without counts, positions filled in;
    ``static``: with their count-free markup (:func:`_static_parts`)."""
    rows = [
        CodeRow(node=node, parent=node.code.parent_id)
        for node in book.walk()
        if not node.code.archived
    ]
    _tree_positions(rows)
    if static:
        for row in rows:
            row.static = _static_parts(row)
    return rows


def build_codebook_view(
    access,
    transcript,
    state,
    book: codebook_selectors.Codebook,
    code_filter: int | None = None,
    counts: dict[int, tuple[int, int]] | None = None,
    markup: bool = True,
    pb=None,
) -> CodebookView:
    """Per-code counts in this transcript (mine / all visible layers): one query, none when
    ``counts`` are given (a write's, of the codes it touched). The tree's markup marks
    ``code_filter``'s row (the page's filter); ``markup=False``: the rows only (no tree,
    options or codes JSON: a write's answer builds the rows it swaps). ``pb``: the cached
    codebook ``book`` is of (:func:`coding.segments.bookcache.page_book`), whose rows,
    JSON and options are built once."""
    if counts is None:
        counts = (
            codebook_selectors.code_counts(access, transcript=transcript, layers=state.visible)
            if state.visible
            else {}
        )
    if pb is not None:
        shape = pb.memo("tree_rows", lambda: tree_rows(book, static=True))
    else:
        shape = tree_rows(book)
    view = CodebookView(rows=[], codes_json=[])
    for row in shape:
        mine, all_ = counts.get(row.node.pk, (0, 0))
        view.rows.append(
            CodeRow(
                node=row.node,
                mine=mine,
                all=all_,
                parent=row.parent,
                posinset=row.posinset,
                setsize=row.setsize,
                expandable=row.expandable,
                static=row.static,
            )
        )
        view.total_mine += mine
        view.total_all += all_
    if not markup:
        return view
    if pb is not None:
        view.codes_json = pb.memo("codes_json", lambda: codes_json(book))
        view.codes_script = pb.memo(
            "codes_script", lambda: json_script(view.codes_json, "codes-data")
        )
        view.options_html = pb.memo(
            ("options", code_filter), lambda: codebook_options_html(view.rows, code_filter)
        )
    else:
        view.codes_json = codes_json(book)
        view.codes_script = json_script(view.codes_json, "codes-data")
        view.options_html = codebook_options_html(view.rows, code_filter)
    view.tree_html = codebook_tree_html(view.rows, state.view, code_filter, mine=access.can_code)
    return view


def _tree_positions(rows: list[CodeRow]) -> None:
    """Fill in the tree attributes of ``rows`` (depth-first, archived codes left out)."""
    shown = {row.node.pk for row in rows}
    siblings: dict[int | None, list[CodeRow]] = {}
    for row in rows:
        if row.parent not in shown:
            row.parent = None  # under an archived code: shown at its parent's place
        siblings.setdefault(row.parent, []).append(row)
    for group in siblings.values():
        for i, row in enumerate(group, start=1):
            row.posinset, row.setsize = i, len(group)
    for row in rows:
        row.expandable = row.node.pk in siblings
