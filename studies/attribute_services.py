"""Writes of attribute definitions (see :mod:`studies.attributes` for reading them)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from coding.audit import audit
from studies import attributes as attrs
from studies.models import Attribute, AttributeKind, AttributeScope, Participant, Transcript


def _choices(kind: str, raw: str | Iterable[str]) -> list[str]:
    if kind != AttributeKind.CHOICE:
        return []
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    out: list[str] = []
    for item in items:
        item = str(item).strip()
        if item and item.lower() not in {c.lower() for c in out}:
            out.append(item)
    if not out:
        raise ValidationError({"choices": _("A choice attribute needs its choices, e.g. F, M, X.")})
    return out


def _stored_values(defn: Attribute) -> list[tuple[object, object]]:
    """(row, value) of every participant or transcript holding a value of ``defn``."""
    model = Participant if defn.scope == AttributeScope.PARTICIPANT else Transcript
    qs = model.objects.filter(study_id=defn.study_id)
    if model is Transcript:
        qs = qs.defer("text")
    return [(row, row.attributes[defn.name]) for row in qs if defn.name in (row.attributes or {})]


def attribute_save(
    *,
    study,
    name: str,
    scope: str,
    kind: str,
    choices: str | Iterable[str] = "",
    position: int | None = None,
    attribute: Attribute | None = None,
    actor,
) -> Attribute:
    """Create (``attribute=None``) or change a definition.

    Changing the type or the choices re-types every stored value: when one of them does
    not read as the new type nothing is saved and the ValidationError names the values
    (nothing is lost). Renaming moves the values to the new name."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("A name is required.")})
    if scope not in AttributeScope.values:
        raise ValidationError({"scope": _("Choose participant or transcript.")})
    if kind not in AttributeKind.values:
        raise ValidationError({"kind": _("Choose text, number, date or choice.")})
    clash = Attribute.objects.filter(study=study, scope=scope, name__iexact=name)
    if attribute is not None:
        clash = clash.exclude(pk=attribute.pk)
    if clash.exists():
        raise ValidationError(
            {
                "name": _("There is already a %(scope)s attribute “%(name)s”.")
                % {"scope": scope, "name": name}
            }
        )
    defn = attribute or Attribute(study=study, scope=scope)
    before = None
    old_name = defn.name
    if attribute is not None:
        before = {"name": defn.name, "kind": defn.kind, "choices": defn.choices}
        if scope != defn.scope:
            raise ValidationError({"scope": _("The scope of an attribute cannot change.")})
    defn.name, defn.kind, defn.choices = name, kind, _choices(kind, choices)
    if position is not None:
        defn.position = position
    elif attribute is None:
        top = Attribute.objects.filter(study=study, scope=scope).aggregate(m=Max("position"))
        defn.position = (top["m"] or 0) + 1 if top["m"] is not None else 0
    defn.full_clean(exclude=["study"], validate_constraints=False)
    changed = []
    if attribute is not None:
        old = Attribute(study=study, scope=scope, name=old_name, kind=defn.kind)
        problems = []
        for row, value in _stored_values(old):
            try:
                typed = attrs.parse(defn, value)
            except ValueError as exc:
                problems.append(f"{getattr(row, 'pseudonym', None) or row.title}: {exc}")
                continue
            values = {k: v for k, v in row.attributes.items() if k != old_name}
            if typed is not None:
                values[name] = typed
            row.attributes = values
            changed.append(row)
        if problems:
            raise ValidationError(
                [f"{len(problems)} stored value(s) do not fit: " + "; ".join(problems[:10])]
            )
    with transaction.atomic():
        defn.save()
        for row in changed:
            row.save(update_fields=["attributes"])
        audit(
            study=study,
            actor=actor,
            action="attribute.update" if attribute is not None else "attribute.create",
            obj=defn,
            before=before,
            after={"name": name, "scope": scope, "kind": kind, "choices": defn.choices},
        )
    return defn


def attribute_delete(*, attribute: Attribute, actor) -> None:
    """Delete a definition; the stored values stay (as undefined text) so nothing is lost."""
    with transaction.atomic():
        audit(
            study=attribute.study,
            actor=actor,
            action="attribute.delete",
            obj=attribute,
            before={"name": attribute.name, "scope": attribute.scope, "kind": attribute.kind},
        )
        attribute.delete()


def attributes_define_missing(
    *, study, scope: str, rows: Iterable[Mapping[str, object]]
) -> list[Attribute]:
    """Define every key of ``rows`` that has no definition yet, typed from its values
    (:func:`studies.attributes.infer_kind`); returns all definitions of the scope.
    One query, plus one insert when something is new."""
    defs, new = attrs.plan_definitions(study, scope, attrs.definitions(study, scope), rows)
    if new:
        Attribute.objects.bulk_create(new)
    return defs
