"""The search page's context: filters' choices, the result's counts table and one page of
keyword-in-context rows, each linking to the coding page at the hit (``?at=start-end``).

Queries: groups, waves, participants, transcripts (titles) for the filters (4), then the
search's own (:func:`coding.search.selectors.search`: 2) when there is a query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from django.core.paginator import Paginator
from django.http import QueryDict
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from coding.models import AuditEvent
from coding.search import autocode, selectors
from coding.search.forms import search_params
from studies import attributes as attrs
from studies.access import StudyAccess, visible_codes
from studies.models import AttributeKind

PAGE_SIZE = 50


@dataclass(frozen=True)
class Row:
    hit: selectors.HitRow
    group: str
    wave: str
    link: str


def attribute_choices(
    participants: list[tuple[int, dict]], skip: set[str] = frozenset()
) -> list[tuple[str, str]]:
    """Every ``(name, value)`` some participant (or transcript) has, sorted (lists give
    each item), but for names in ``skip`` (lower case: number attributes, offered as a
    range field)."""
    found: set[tuple[str, str]] = set()
    for _, attributes in participants:
        if not isinstance(attributes, dict):
            continue
        for name, raw in attributes.items():
            if str(name).strip().lower() in skip:
                continue
            for value in raw if isinstance(raw, list) else [raw]:
                if value not in (None, "") and not isinstance(value, dict | list):
                    found.add((str(name), str(value)))
    return sorted(found, key=lambda nv: (nv[0].casefold(), nv[1].casefold()))


def options_html(choices, chosen) -> SafeString:
    """``<option>`` elements for ``(value, label)`` pairs, ``chosen`` selected: built here
    because a template loop over a large study's transcripts costs a tenth of the page."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, " selected" if value == chosen else "", label) for value, label in choices),
    )


def search_context(access: StudyAccess, data: QueryDict) -> dict[str, Any]:
    study = access.study
    params = search_params(data)
    groups = list(study.groups.all())
    waves = list(study.waves.all())
    participants = list(
        study.participants.order_by("pseudonym").values_list("pk", "pseudonym", "attributes")
    )
    pairs = [(pk, attributes) for pk, _, attributes in participants]
    rows = list(study.transcripts.order_by("title", "pk").values_list("pk", "title", "attributes"))
    transcripts = [(pk, title) for pk, title, _ in rows]
    # Transcript attributes (site, interviewer...) are offered beside the participants'.
    own = [(pk, attributes) for pk, _, attributes in rows]
    defs = attrs.definitions(study)
    numbers = [d for d in defs if d.kind == AttributeKind.NUMBER]
    chosen = params.filters.attribute
    chosen_number = chosen and attrs.by_name(numbers, chosen[0])
    ctx: dict[str, Any] = {
        "params": params,
        "options": params.options,
        "filters": params.filters,
        "groups": groups,
        "waves": waves,
        "participant_options": options_html(
            [(pk, name) for pk, name, _ in participants], params.filters.participant
        ),
        "transcript_options": options_html(transcripts, params.filters.transcript),
        # Participant and transcript attributes as text; number attributes get a range
        # field each ("18..30"), not one entry per value.
        "attribute_options": options_html(
            [
                (f"{name}={value}", f"{name}: {value}")
                for name, value in attribute_choices(pairs + own, {d.name.lower() for d in numbers})
            ],
            "=".join(chosen) if chosen and not chosen_number else None,
        ),
        "range_attributes": [
            {
                "defn": d,
                "param": attrs.PREFIX + d.name,
                "value": chosen[1] if chosen_number is d else "",
            }
            for d in numbers
        ],
        "query": params.querystring(),
        "search_pairs": parse_qsl(params.querystring()),
        "result": None,
        "page": None,
        "rows": [],
    }
    ctx.update(autocode_context(access, data))
    if not params.query:
        return ctx
    result = selectors.search(
        access,
        params.query,
        params.options,
        params.filters,
        groups=groups,
        waves=waves,
        participants=pairs,
        attribute_defs=defs,
    )
    page = Paginator(result.hits, PAGE_SIZE).get_page(data.get("page"))
    group_names = {g.pk: g.name for g in groups}
    wave_names = {w.pk: w.name for w in waves}
    rows = []
    no_group, no_wave = gettext("no group"), gettext("no wave")
    for hit_row in selectors.hit_rows(result, list(page.object_list)):
        t = hit_row.transcript
        url = reverse("coding:transcript_code", args=[study.pk, t.pk])
        rows.append(
            Row(
                hit_row,
                group_names.get(t.group_id, no_group),
                wave_names.get(t.wave_id, no_wave),
                f"{url}?at={hit_row.hit.start}-{hit_row.hit.end}",
            )
        )
    ctx.update(
        result=result,
        page=page,
        rows=rows,
        table=selectors.cell_table(result),
        wave_headers=selectors.wave_headers(result),
        wave_totals=selectors.totals_by_wave(result),
    )
    return ctx


def autocode_context(access: StudyAccess, data: QueryDict) -> dict[str, Any]:
    """The auto-code form's codes with their paths (codable, not archived: 1 query, for
    members who code)
    and, after a batch (``?batch=<id>``), its undo toast (2 queries)."""
    if not access.can_code or not data.get("q"):
        return {"autocode_codes": []}
    # Every visible code is read to spell each one's path ("Stigma › Self-stigma"); only
    # codes that can be applied to text (not categories, not archived) are offered.
    rows = list(
        visible_codes(access).values_list("pk", "name", "parent_id", "archived", "is_codable")
    )
    by_pk = {pk: (name, parent) for pk, name, parent, _, _ in rows}

    def path(pk):
        names, seen = [], set()
        while pk in by_pk and pk not in seen:
            seen.add(pk)
            name, pk = by_pk[pk]
            names.append(name)
        return " › ".join(reversed(names))

    codes = sorted(
        ((pk, path(pk)) for pk, _, _, archived, codable in rows if codable and not archived),
        key=lambda c: (c[1].lower(), c[0]),
    )
    ctx: dict[str, Any] = {
        "autocode_codes": codes,
        "autocode_extensions": list(autocode.EXTENSIONS.items()),
        "batch": None,
    }
    batch_id = data.get("batch")
    if batch_id and batch_id.isdigit():
        batch = AuditEvent.objects.filter(
            pk=int(batch_id), study=access.study, action=autocode.CREATE_ACTION, actor=access.user
        ).first()
        undone = (
            batch is not None
            and AuditEvent.objects.filter(
                study=access.study, action=autocode.UNDO_ACTION, object_id=batch.pk
            ).exists()
        )
        if batch is not None and not undone:
            ctx["batch"] = batch
    return ctx
