"""Reads of the codebook: the tree (:class:`Codebook`) and segment counts per code. Each says
what it preloads and how many queries it runs."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q

from coding.models import Code, LayerKind, Segment
from studies import languages
from studies.access import StudyAccess, visible_codes, visible_layers


@dataclass
class CodeNode:
    code: Code
    path: str
    depth: int
    children: list[CodeNode] = field(default_factory=list)
    #: The path in the study's second codebook language (a code without its second-language
    #: name counts with its first-language name).
    path2: str = ""

    def path_for(self, langs) -> str:
        """The path as ``langs`` (``studies.languages.CodebookLanguages``) reads it."""
        return self.path2 if langs is not None and langs.swapped and self.path2 else self.path

    @property
    def pk(self) -> int:
        return self.code.pk


@dataclass
class Codebook:
    """A study's whole codebook, built in memory from one query."""

    roots: list[CodeNode]
    by_id: dict[int, CodeNode]

    def path(self, code_id: int) -> str:
        node = self.by_id.get(code_id)
        return node.path if node else ""

    def walk(self, include_archived: bool = True):
        """Depth-first, siblings in position order."""
        stack = list(reversed(self.roots))
        while stack:
            node = stack.pop()
            if include_archived or not node.code.archived:
                yield node
                stack.extend(reversed(node.children))

    def subtree_ids(self, code_id: int) -> set[int]:
        node = self.by_id.get(code_id)
        if node is None:
            return set()
        ids, stack = set(), [node]
        while stack:
            current = stack.pop()
            ids.add(current.pk)
            stack.extend(current.children)
        return ids


PATH_SEPARATOR = " › "


#: The columns the coding page reads of each code (:func:`codebook_for` ``light=True``).
LIGHT_COLUMNS = (
    "id",
    "study_id",
    "parent_id",
    "name",
    "description",
    "name2",
    "description2",
    "color",
    "position",
    "archived",
    "is_codable",
    "proposed",
)


def codebook(study, *, codes=None, light: bool = False) -> Codebook:
    """One query: every code of the study (or of ``codes``, a QuerySet), arranged as a tree
    with paths; ``created_by`` preloaded (proposals name their author). A code whose parent
    is not among them is left out with its subtree.

    ``light``: only :data:`LIGHT_COLUMNS` are loaded (no author, no dates, no inclusion or
    exclusion texts), for readers that need nothing else, e.g. the coding page (reading
    another field costs a query per code).

    For what a member may see use :func:`codebook_for`.
    """
    if codes is None:
        codes = Code.objects.filter(study=study)
    codes = codes.only(*LIGHT_COLUMNS) if light else codes.select_related("created_by")
    return tree(list(codes.for_tree()))


def tree(codes: list[Code]) -> Codebook:
    """``codes`` (in ``for_tree`` order) arranged as a tree with paths, no query; a code
    whose parent is not among them is left out with its subtree."""
    by_parent: dict[int | None, list[Code]] = {}
    for code in codes:
        by_parent.setdefault(code.parent_id, []).append(code)
    by_id: dict[int, CodeNode] = {}

    def build(parent_id, prefix, prefix2, depth):
        nodes = []
        for code in by_parent.get(parent_id, []):
            name2 = code.name2 or code.name
            path = f"{prefix}{PATH_SEPARATOR}{code.name}" if prefix else code.name
            path2 = f"{prefix2}{PATH_SEPARATOR}{name2}" if prefix2 else name2
            node = CodeNode(code=code, path=path, depth=depth, path2=path2)
            by_id[code.pk] = node
            node.children = build(code.pk, path, path2, depth + 1)
            nodes.append(node)
        return nodes

    roots = build(None, "", "", 0)
    return Codebook(roots=roots, by_id=by_id)


def codebook_for(access: StudyAccess, *, light: bool = False) -> Codebook:
    r"""The codebook ``access`` may see (:func:`studies.access.visible_codes`): a blind coder
    gets the shared codebook and their own proposals. One query. ``light``: see
    :func:`codebook`; such a codebook is for reading pages (the coding page, retrieval) and
    is :func:`localise`\ d for the requester's language."""
    book = codebook(access.study, codes=visible_codes(access), light=light)
    if light:
        localise(book, languages.for_study(access.study))
    return book


def localise(book: Codebook, langs) -> Codebook:
    """Names and paths of ``book`` as a reader of ``langs``
    (``studies.languages.CodebookLanguages``) sees them, in place: with the study's second
    language first, ``code.name`` and ``node.path`` become the second language's (where the
    code has a name in it) and ``code.name_other`` / ``node.path_other`` the first's; else
    ``name_other`` is the second-language name. Only for display: never save such codes."""
    for node in book.by_id.values():
        code = node.code
        if getattr(code, "localised", False):
            continue
        code.localised = True
        if langs.swapped and code.name2:
            code.name_other, code.name = code.name, code.name2
            code.description_other, code.description = (
                code.description,
                code.description2 or code.description,
            )
            node.path_other, node.path = node.path, node.path2
        elif langs.swapped:
            code.name_other, code.description_other = "", ""
            node.path_other, node.path = "", node.path2
        else:
            code.name_other = code.name2 if langs.bilingual else ""
            code.description_other = code.description2 if langs.bilingual else ""
            node.path_other = node.path2 if langs.bilingual and code.name2 else ""
        code.name_lang = langs.tag2 if langs.swapped and code.name2 else langs.tag
        code.other_lang = langs.tag if code.name_lang == langs.tag2 else langs.tag2
    return book


def code_counts(
    access: StudyAccess, *, transcript=None, layers=None, codes=None, own=None
) -> dict[int, tuple[int, int]]:
    """Segments per code id: ``(in the requester's own layer, in every layer they may see)``,
    in the whole study or in one ``transcript`` (of the code ids ``codes`` only, when given:
    what a write on the coding page changed). ``own``: the requester's coder layer when
    already loaded (no join to layers then; None when they have none yet).

    One aggregate query. ``layers`` (already loaded visible layers) saves the subquery on
    :func:`studies.access.visible_layers`; for a blind coder both numbers are equal.
    """
    if layers is None:
        layers = visible_layers(access).values("pk")
    segments = Segment.objects.filter(layer__in=layers)
    if transcript is not None:
        segments = segments.filter(transcript=transcript)
    if codes is not None:
        segments = segments.filter(code_id__in=list(codes))
    if own is not None:
        mine = Q(layer_id=own.pk)
    else:
        mine = Q(layer__kind=LayerKind.CODER, layer__user_id=access.membership.user_id)
    rows = (
        segments.values("code_id")
        .annotate(mine=Count("pk", filter=mine), all=Count("pk"))
        .order_by()
        .values_list("code_id", "mine", "all")
    )
    return {code_id: (mine_n, all_n) for code_id, mine_n, all_n in rows}
