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

from coding.models import AuditEvent
from coding.search import autocode, selectors
from coding.search.forms import search_params
from studies.access import StudyAccess, visible_codes

PAGE_SIZE = 50


@dataclass(frozen=True)
class Row:
    hit: selectors.HitRow
    group: str
    wave: str
    link: str


def attribute_choices(participants: list[tuple[int, dict]]) -> list[tuple[str, str]]:
    """Every ``(name, value)`` some participant has, sorted (lists give each item)."""
    found: set[tuple[str, str]] = set()
    for _, attributes in participants:
        if not isinstance(attributes, dict):
            continue
        for name, raw in attributes.items():
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
    transcripts = list(study.transcripts.order_by("title", "pk").values_list("pk", "title"))
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
        "attribute_options": options_html(
            [(f"{name}={value}", f"{name}: {value}") for name, value in attribute_choices(pairs)],
            "=".join(params.filters.attribute) if params.filters.attribute else None,
        ),
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
    )
    page = Paginator(result.hits, PAGE_SIZE).get_page(data.get("page"))
    group_names = {g.pk: g.name for g in groups}
    wave_names = {w.pk: w.name for w in waves}
    rows = []
    for hit_row in selectors.hit_rows(result, list(page.object_list)):
        t = hit_row.transcript
        url = reverse("coding:transcript_code", args=[study.pk, t.pk])
        rows.append(
            Row(
                hit_row,
                group_names.get(t.group_id, "no group"),
                wave_names.get(t.wave_id, "no wave"),
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
    """The auto-code form's codes (leaf codes, not archived: 1 query, for members who code)
    and, after a batch (``?batch=<id>``), its undo toast (2 queries)."""
    if not access.can_code or not data.get("q"):
        return {"autocode_codes": []}
    codes = list(
        visible_codes(access)
        .filter(archived=False, is_codable=True)
        .order_by("name", "pk")
        .values_list("pk", "name")
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
