"""Writes of the codebook: create, adopt, update, move, merge, archive.

Every function validates on the server and records an audit event."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from coding.audit import audit, code_snapshot, segment_snapshot
from coding.codebook import selectors
from coding.codebook.versions import with_reason
from coding.models import (
    Code,
    Exemplar,
    Memo,
    Segment,
)
from studies.models import Study


def _proposal_conflict(container: Code, *, proposed: bool, creator_id: int | None) -> str:
    """Why a code may not go under (or into) ``container``, or "" when it may.

    Only a proposal by the same coder may sit under a proposal: anything else would vanish
    from blind coders' codebooks (proposals are hidden with their subtrees) while their
    segments keep it.
    """
    if not container.proposed:
        return ""
    if proposed and creator_id is not None and creator_id == container.created_by_id:
        return ""
    return f"Adopt “{container.name}” first: it is still a coder's proposal."


# Okabe–Ito: distinguishable with the common colour-vision deficiencies. Strokes of pale
# colours are darkened for contrast when drawn (coding.segments.runs.stroke_color).
CODE_PALETTE = [
    ("#0072B2", "Blue"),
    ("#E69F00", "Orange"),
    ("#56B4E9", "Sky blue"),
    ("#009E73", "Bluish green"),
    ("#F0E442", "Yellow"),
    ("#D55E00", "Vermilion"),
    ("#CC79A7", "Reddish purple"),
    ("#000000", "Black"),
]


def code_next_color(*, study: Study, parent: Code | None, codes=None) -> str:
    """The colour for a new code under ``parent``: the palette colour least used among its
    future siblings, then not its parent's, then least used in the study, in palette order.

    So codes added one after another differ from their siblings and their parent while the
    palette lasts, and then cycle through it. One query (the study's code colours), none
    when ``codes`` (the study's codes, e.g. from a loaded codebook) is given.
    """
    parent_id = parent.pk if parent is not None else None
    siblings: dict[str, int] = {}
    everywhere: dict[str, int] = {}
    if codes is None:
        pairs = Code.objects.filter(study=study).values_list("parent_id", "color")
    else:
        pairs = [(code.parent_id, code.color) for code in codes]
    for code_parent_id, color in pairs:
        color = color.upper()
        everywhere[color] = everywhere.get(color, 0) + 1
        if code_parent_id == parent_id:
            siblings[color] = siblings.get(color, 0) + 1
    parent_color = parent.color.upper() if parent is not None else None

    def score(item: tuple[int, tuple[str, str]]):
        index, (color, _name) = item
        return (siblings.get(color, 0), color == parent_color, everywhere.get(color, 0), index)

    return min(enumerate(CODE_PALETTE), key=score)[1][0]


def code_create(
    *,
    study: Study,
    name: str,
    parent: Code | None = None,
    description: str = "",
    inclusion: str = "",
    exclusion: str = "",
    example: str = "",
    color: str | None = None,
    actor=None,
    proposed: bool = False,
    reason: str = "",
    name2: str = "",
    description2: str = "",
    inclusion2: str = "",
    exclusion2: str = "",
    example2: str = "",
) -> Code:
    """Create a code, last among its siblings; without ``color`` it gets
    :func:`code_next_color`. ``proposed``: a coder's proposal, shown to blind coders other
    than its creator (``actor``) only once an owner adopts it (:func:`code_adopt`)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "A code needs a name."})
    if parent is not None and parent.study_id != study.pk:
        raise ValidationError({"parent": "The parent code belongs to another study."})
    if parent is not None:
        creator_id = actor.pk if getattr(actor, "is_authenticated", False) else None
        conflict = _proposal_conflict(parent, proposed=proposed, creator_id=creator_id)
        if conflict:
            raise ValidationError({"parent": conflict})
    siblings = Code.objects.filter(study=study, parent=parent)
    where = f"under “{parent.name}”" if parent else "at the top level"
    if siblings.filter(name__iexact=name).exists():
        raise ValidationError({"name": f"A code named “{name}” already exists {where}."})
    name2 = (name2 or "").strip()
    if name2 and siblings.filter(name2__iexact=name2).exists():
        raise ValidationError({"name2": f"A code named “{name2}” already exists {where}."})
    position = siblings.count()
    if not color:
        color = code_next_color(study=study, parent=parent)
    code = Code(
        study=study,
        parent=parent,
        name=name,
        description=description,
        inclusion=inclusion,
        exclusion=exclusion,
        example=example,
        name2=name2,
        description2=description2,
        inclusion2=inclusion2,
        exclusion2=exclusion2,
        example2=example2,
        color=color,
        position=position,
        proposed=proposed,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    code.full_clean(exclude=["study", "parent", "created_by"], validate_constraints=False)
    with transaction.atomic():
        code.save()
        audit(
            study=study,
            actor=actor,
            action="code.create",
            obj=code,
            after=with_reason(
                {
                    "name": name,
                    **({"name2": name2} if name2 else {}),
                    "parent_id": parent.pk if parent else None,
                    "proposed": proposed,
                },
                reason,
            ),
        )
    return code


def code_adopt(*, code: Code, actor) -> list[Code]:
    """Adopt a proposed code into the shared codebook, with its proposed ancestors (a shared
    code under a hidden proposal would stay hidden). One audit event per code adopted.

    Returns the codes adopted, the code itself last; raises ValidationError when it is
    already shared.
    """
    with transaction.atomic():
        book = locked_codebook(code.study_id)
        node = book.by_id.get(code.pk)
        if node is None or not node.code.proposed:
            raise ValidationError(
                _("“%(name)s” is already in the shared codebook.") % {"name": code.name}
            )
        chain = []
        while node is not None and node.code.proposed:
            chain.append(node.code)
            node = book.by_id.get(node.code.parent_id)
        adopted = list(reversed(chain))
        for each in adopted:
            each.proposed = False
            each.save(update_fields=["proposed"])
            audit(
                study=code.study,
                actor=actor,
                action="code.adopt",
                obj=each,
                before={"proposed": True},
                after={"proposed": False},
            )
    code.proposed = False
    return adopted


# --- codebook: update, move, merge, archive ------------------------------------------------
# Structural changes first lock every code of the study (select_for_update, a no-op on
# SQLite) and reload the tree, so two owners editing at once cannot build a cycle or a
# duplicate name between the check and the write.


CODEBOOK_MAX_DEPTH = 8  # levels, counting the top level as 1
CODE_TEXT_FIELDS = ("description", "inclusion", "exclusion", "example")
#: The second codebook language's fields (``studies.languages``): the name may be empty.
CODE_SECOND_FIELDS = ("name2", "description2", "inclusion2", "exclusion2", "example2")
CODE_TEXT_MAX_CHARS = 20_000


def _code_where(parent: Code | None) -> str:
    return f"under “{parent.name}”" if parent is not None else "at the top level"


def locked_codebook(study_id: int):
    """Lock the study's codes until the transaction ends, then load the tree (2 queries)."""
    list(
        Code.objects.select_for_update()
        .filter(study_id=study_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return selectors.codebook(study_id)


def code_update(
    *,
    code: Code,
    actor=None,
    name: str | None = None,
    description: str | None = None,
    inclusion: str | None = None,
    exclusion: str | None = None,
    example: str | None = None,
    color: str | None = None,
    is_codable: bool | None = None,
    reason: str = "",
    name2: str | None = None,
    description2: str | None = None,
    inclusion2: str | None = None,
    exclusion2: str | None = None,
    example2: str | None = None,
) -> Code:
    """Rename, describe or recolour a code, or make it a category (``is_codable`` False);
    only the arguments given (not None) change.

    Raises ValidationError for an empty name, a sibling with the same name (case-insensitive)
    or a colour that is not ``#RRGGBB``. Records ``code.update`` with the changed fields
    before and after; records nothing when nothing changed.
    """
    given = {
        "name": name,
        "description": description,
        "inclusion": inclusion,
        "exclusion": exclusion,
        "example": example,
        "color": color,
        "name2": name2,
        "description2": description2,
        "inclusion2": inclusion2,
        "exclusion2": exclusion2,
        "example2": example2,
    }
    changes = {key: value.strip() for key, value in given.items() if value is not None}
    if is_codable is not None:
        changes["is_codable"] = bool(is_codable)
    if "name" in changes and not changes["name"]:
        raise ValidationError({"name": "A code needs a name."})
    changed = {key: value for key, value in changes.items() if getattr(code, key) != value}
    if not changed:
        return code
    if "name" in changed:
        clash = (
            Code.objects.filter(
                study_id=code.study_id, parent_id=code.parent_id, name__iexact=changed["name"]
            )
            .exclude(pk=code.pk)
            .first()
        )
        if clash is not None:
            raise ValidationError(
                {"name": f"A code named “{clash.name}” already exists {_code_where(code.parent)}."}
            )
    if changed.get("name2"):
        clash = (
            Code.objects.filter(
                study_id=code.study_id, parent_id=code.parent_id, name2__iexact=changed["name2"]
            )
            .exclude(pk=code.pk)
            .first()
        )
        if clash is not None:
            raise ValidationError(
                {
                    "name2": f"A code named “{clash.name2}” already exists "
                    f"{_code_where(code.parent)}."
                }
            )
    before = {key: getattr(code, key) for key in changed}
    for key, value in changed.items():
        setattr(code, key, value)
    try:
        code.full_clean(
            exclude=["study", "parent"], validate_constraints=False, validate_unique=False
        )
        with transaction.atomic():
            code.save(update_fields=list(changed))
            audit(
                study=code.study,
                actor=actor,
                action="code.update",
                obj=code,
                before=before,
                after=with_reason(changed, reason),
            )
    except IntegrityError:
        for key, value in before.items():
            setattr(code, key, value)
        raise ValidationError(
            {"name": f"A code named “{changed.get('name', code.name)}” already exists here."}
        ) from None
    except ValidationError:
        for key, value in before.items():
            setattr(code, key, value)
        raise
    return code


def _move_parent(book, current: Code, parent: Code | None):
    """Validate a move's new parent (see :func:`code_move`): its node, or None for the top."""
    parent_node = None
    if parent is not None:
        if parent.pk in book.subtree_ids(current.pk):
            raise ValidationError(
                {"parent": f"“{current.name}” cannot move under itself or one of its own subcodes."}
            )
        parent_node = book.by_id.get(parent.pk)
        if parent_node is None:
            raise ValidationError({"parent": "That parent code no longer exists."})
        if parent_node.code.archived:
            raise ValidationError(
                {
                    "parent": f"“{parent_node.code.name}” is archived: restore it before "
                    "moving codes under it."
                }
            )
        conflict = _proposal_conflict(
            parent_node.code, proposed=current.proposed, creator_id=current.created_by_id
        )
        if conflict:
            raise ValidationError({"parent": conflict})
    return parent_node


def _move_fits(book, node, parent_node, siblings: list[Code]) -> None:
    """Validate that ``node`` with its subtree fits under ``parent_node`` (None: the top):
    no sibling of the same name, no deeper than CODEBOOK_MAX_DEPTH."""
    current = node.code
    clash = next((s for s in siblings if s.name.lower() == current.name.lower()), None)
    if clash is None and current.name2:
        clash = next((s for s in siblings if s.name2.lower() == current.name2.lower()), None)
    if clash is not None:
        where = _code_where(parent_node.code if parent_node else None)
        raise ValidationError(
            {
                "parent": f"A code named “{clash.name}” already exists {where}. Rename "
                "one of them, or merge them."
            }
        )
    depth = parent_node.depth + 1 if parent_node else 0
    height = max(book.by_id[i].depth for i in book.subtree_ids(current.pk)) - node.depth
    if depth + height + 1 > CODEBOOK_MAX_DEPTH:
        raise ValidationError(
            {
                "parent": f"The codebook has at most {CODEBOOK_MAX_DEPTH} levels: "
                f"“{current.name}” and its subcodes would need {depth + height + 1}."
            }
        )


def code_move(
    *, code: Code, parent: Code | None, position: int | None = None, actor=None, reason: str = ""
) -> Code:
    """Move a code, with its subtree, under ``parent`` (None: the top level).

    ``position`` is the 0-based place among the new siblings; None or past the end puts it
    last. Both the old and the new siblings are renumbered 0..n-1. Raises ValidationError
    when the new parent is the code itself or one of its descendants (a cycle), belongs to
    another study, is archived, already has a child of the same name, or when the subtree
    would go deeper than CODEBOOK_MAX_DEPTH levels. Records ``code.move`` with the parent
    and every affected sibling's position before and after; a move to where the code
    already is changes and records nothing. Returns the (reloaded) code.
    """
    if parent is not None and parent.study_id != code.study_id:
        raise ValidationError({"parent": "The new parent belongs to another study."})
    with transaction.atomic():
        book = locked_codebook(code.study_id)
        node = book.by_id.get(code.pk)
        if node is None:
            raise ValidationError(_("This code no longer exists: reload the codebook."))
        current = node.code
        parent_node = _move_parent(book, current, parent)
        new_parent_id = parent_node.pk if parent_node else None
        old_parent_node = book.by_id.get(current.parent_id) if current.parent_id else None
        old_order = [n.code for n in (old_parent_node.children if old_parent_node else book.roots)]
        siblings = [
            n.code
            for n in (parent_node.children if parent_node else book.roots)
            if n.pk != current.pk
        ]
        if new_parent_id != current.parent_id:
            _move_fits(book, node, parent_node, siblings)
        index = len(siblings) if position is None else max(0, min(int(position), len(siblings)))
        new_order = [*siblings[:index], current, *siblings[index:]]
        if new_parent_id == current.parent_id and [c.pk for c in new_order] == [
            c.pk for c in old_order
        ]:
            return current
        affected = {c.pk: c for c in [*old_order, *new_order]}
        before = {
            "parent_id": current.parent_id,
            "positions": {pk: c.position for pk, c in affected.items()},
        }
        renumbered = (
            [c for c in old_order if c.pk != current.pk]
            if new_parent_id != current.parent_id
            else []
        )
        changed: list[Code] = []
        for order in (renumbered, new_order):
            for i, sibling in enumerate(order):
                if sibling.pk != current.pk and sibling.position != i:
                    sibling.position = i
                    changed.append(sibling)
        current.parent_id = new_parent_id
        current.position = index
        try:
            with transaction.atomic():
                current.save(update_fields=["parent", "position"])
        except IntegrityError:
            # A same-named code was created there after the check (code_create takes no lock).
            raise ValidationError(
                {
                    "parent": f"A code named “{current.name}” was just added there. Reload the "
                    "codebook, then rename one of them or merge them."
                }
            ) from None
        if changed:
            Code.objects.bulk_update(changed, ["position"])
        audit(
            study=current.study,
            actor=actor,
            action="code.move",
            obj=current,
            before=before,
            after=with_reason(
                {
                    "parent_id": new_parent_id,
                    "positions": {pk: c.position for pk, c in affected.items()},
                },
                reason,
            ),
        )
    code.parent_id, code.position = current.parent_id, current.position
    return current


def _join_memos(kept: str, dropped: str) -> str:
    kept, dropped = (kept or "").strip(), (dropped or "").strip()
    if not dropped or dropped in kept:
        return kept
    if not kept:
        return dropped
    return f"{kept}\n\n{dropped}"


@dataclass
class MergeResult:
    target: Code
    moved: int  # segments that changed code
    collapsed: int  # source segments dropped because the target had the same span
    children: int  # subcodes that moved under the target


def _merge_refusal(book, source_node, target_node) -> None:
    """Validate a merge of ``source_node`` into ``target_node`` (see :func:`code_merge`)."""
    source, target = source_node.code, target_node.code
    if target.archived:
        raise ValidationError(
            {"target": f"“{target.name}” is archived: restore it before merging into it."}
        )
    conflict = _proposal_conflict(target, proposed=source.proposed, creator_id=source.created_by_id)
    if conflict:
        raise ValidationError({"target": conflict})
    if target.pk in book.subtree_ids(source.pk):
        raise ValidationError(
            {
                "target": f"“{target.name}” is a subcode of “{source.name}”: move it out "
                "first, or merge the other way round."
            }
        )
    target_names = {n.code.name.lower() for n in target_node.children}
    clashes = [n.code.name for n in source_node.children if n.code.name.lower() in target_names]
    if clashes:
        names = ", ".join(f"“{name}”" for name in clashes)
        raise ValidationError(
            {
                "target": f"Both codes have a subcode named {names}: merge or rename "
                f"{'it' if len(clashes) == 1 else 'them'} first."
            }
        )
    deepest = max(book.by_id[i].depth for i in book.subtree_ids(source.pk))
    if deepest - source_node.depth + target_node.depth + 1 > CODEBOOK_MAX_DEPTH:
        raise ValidationError(
            {
                "target": f"The codebook has at most {CODEBOOK_MAX_DEPTH} levels: the "
                f"subcodes of “{source.name}” would go deeper."
            }
        )


def _merge_segments(source: Code, target: Code) -> dict:
    """Move ``source``'s segments to ``target``, collapsing those ``target`` already has on
    the same span (memos joined, flag kept, memos on them re-pointed). Returns what the
    ``code.merge`` event keeps to undo it."""

    def key(segment):
        return (segment.transcript_id, segment.layer_id, segment.start, segment.end)

    source_segments = list(Segment.objects.filter(code=source).order_by("pk"))
    target_segments = {
        key(s): s
        for s in Segment.objects.filter(code=target).only(
            "pk", "transcript_id", "layer_id", "start", "end", "memo", "needs_review"
        )
    }
    now = timezone.now()
    collapsed, kept_before, kept_changed = [], {}, []
    for segment in source_segments:
        kept = target_segments.get(key(segment))
        if kept is None:
            continue
        collapsed.append(
            {
                **segment_snapshot(segment),
                "needs_review": segment.needs_review,
                "kept_id": kept.pk,
            }
        )
        kept_before[kept.pk] = {"memo": kept.memo, "needs_review": kept.needs_review}
        memo = _join_memos(kept.memo, segment.memo)
        review = kept.needs_review or segment.needs_review
        if memo != kept.memo or review != kept.needs_review:
            kept.memo, kept.needs_review, kept.updated_at = memo, review, now
            kept_changed.append(kept)
    dropped_to_kept = {c["id"]: c["kept_id"] for c in collapsed}
    moved_ids = [s.pk for s in source_segments if s.pk not in dropped_to_kept]

    segment_memos = []
    if dropped_to_kept:
        segment_memos = list(
            Memo.objects.filter(segment_id__in=dropped_to_kept).values_list("pk", "segment_id")
        )
        if segment_memos:
            Memo.objects.filter(segment_id__in=dropped_to_kept).update(
                segment_id=Case(
                    *[When(segment_id=d, then=Value(k)) for d, k in dropped_to_kept.items()]
                )
            )
        if kept_changed:
            Segment.objects.bulk_update(kept_changed, ["memo", "needs_review", "updated_at"])
        Segment.objects.filter(pk__in=dropped_to_kept).delete()
    if moved_ids:
        Segment.objects.filter(code=source).update(code=target, updated_at=now)
    return {
        "moved_segment_ids": moved_ids,
        "collapsed_segments": collapsed,
        "kept_segments": kept_before,
        "segment_memos": segment_memos,
    }


def _merge_children(source_node, target_node) -> dict:
    """Move ``source``'s subcodes under the target, after its own. Returns their parent and
    position before."""
    target = target_node.code
    children_before = {}
    offset = len(target_node.children)
    moved_children = []
    for i, child_node in enumerate(source_node.children):
        child = child_node.code
        children_before[child.pk] = {"parent_id": child.parent_id, "position": child.position}
        child.parent_id, child.position = target.pk, offset + i
        moved_children.append(child)
    if moved_children:
        Code.objects.bulk_update(moved_children, ["parent", "position"])
    return children_before


def code_merge(*, source: Code, target: Code, actor=None, reason: str = "") -> MergeResult:
    """Merge ``source`` into ``target``, then delete ``source``.

    * Every segment of ``source`` moves to ``target``. One that would duplicate a segment of
      ``target`` (same transcript, layer, start and end) collapses into it: the target's
      segment is kept, the memos are joined (the kept one's first, then the dropped one's,
      unless already contained), ``needs_review`` is kept if either had it, and memos
      attached to the dropped segment move to the kept one. No span is lost.
    * The subcodes of ``source`` move under ``target``, after its own subcodes.
    * Memos about ``source`` move to ``target``.
    * ``source`` is deleted, not archived: it has nothing left, and a leftover would clutter
      the tree. The ``code.merge`` AuditEvent keeps what is needed to undo the merge: the
      source's snapshot, its subcodes' parent and positions, the ids of moved segments,
      full snapshots of collapsed segments, the kept segments' previous memo and flag, and
      the ids of re-pointed memos.

    Raises ValidationError when both are the same code, belong to different studies, the
    target is archived or lies inside the source's subtree, both have a subcode of the same
    name, or the moved subcodes would go deeper than CODEBOOK_MAX_DEPTH levels.
    """

    if source.pk == target.pk:
        raise ValidationError({"target": "A code cannot be merged into itself."})
    if source.study_id != target.study_id:
        raise ValidationError({"target": "The target code belongs to another study."})
    with transaction.atomic():
        book = locked_codebook(source.study_id)
        source_node, target_node = book.by_id.get(source.pk), book.by_id.get(target.pk)
        if source_node is None or target_node is None:
            raise ValidationError(_("One of the codes no longer exists: reload the codebook."))
        source, target = source_node.code, target_node.code
        _merge_refusal(book, source_node, target_node)
        segments = _merge_segments(source, target)
        children_before = _merge_children(source_node, target_node)
        code_memo_ids = list(Memo.objects.filter(code=source).values_list("pk", flat=True))
        if code_memo_ids:
            Memo.objects.filter(pk__in=code_memo_ids).update(code=target)
        # Exemplars of the source become the target's (one the target already has stays once).
        Exemplar.objects.filter(code=source).exclude(segment__exemplars__code=target).update(
            code=target
        )

        before = {
            "source": code_snapshot(source),
            "children": children_before,
            **segments,
            "code_memo_ids": code_memo_ids,
        }
        source_pk = source.pk
        source.delete()
        audit(
            study=target.study,
            actor=actor,
            action="code.merge",
            object_type="code",
            object_id=source_pk,
            before=before,
            after=with_reason(
                {
                    "target_id": target.pk,
                    "moved": len(segments["moved_segment_ids"]),
                    "collapsed": len(segments["collapsed_segments"]),
                    "children": list(children_before),
                },
                reason,
            ),
        )
    return MergeResult(
        target=target,
        moved=len(segments["moved_segment_ids"]),
        collapsed=len(segments["collapsed_segments"]),
        children=len(children_before),
    )


def code_archive(*, code: Code, archived: bool = True, actor=None, reason: str = "") -> list[int]:
    """Archive a code with its whole subtree, or restore them; segments are never touched.

    Archived codes are hidden from the code picker (and new segments refuse them) but keep
    their segments and counts. Archiving marks the code and every descendant not yet
    archived; restoring un-archives the code and its whole subtree, and is refused while
    the parent is archived (restore the parent first). Records ``code.archive`` or
    ``code.unarchive`` with the ids that changed; returns them (empty: nothing to do).
    """
    with transaction.atomic():
        book = locked_codebook(code.study_id)
        node = book.by_id.get(code.pk)
        if node is None:
            raise ValidationError(_("This code no longer exists: reload the codebook."))
        parent = book.by_id.get(node.code.parent_id) if node.code.parent_id else None
        if not archived and parent is not None and parent.code.archived:
            raise ValidationError(
                _(
                    "“%(name)s” is archived too: restore it first, which restores its subcodes with it."
                )
                % {"name": parent.code.name}
            )
        ids = sorted(
            i for i in book.subtree_ids(code.pk) if book.by_id[i].code.archived != archived
        )
        if not ids:
            return []
        Code.objects.filter(pk__in=ids).update(archived=archived)
        code.archived = archived
        audit(
            study=node.code.study,
            actor=actor,
            action="code.archive" if archived else "code.unarchive",
            obj=code,
            before={"archived": not archived, "ids": ids},
            after=with_reason({"archived": archived, "ids": ids}, reason),
        )
    return ids
