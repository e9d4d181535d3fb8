"""New codes get distinct colours from the Okabe–Ito palette, however they are created."""

from __future__ import annotations

import re

from django.urls import reverse

from coding.codebook import csv as codebook_csv
from coding.codebook import services as codebook_services
from coding.models import Code
from tests import factories

OKABE_ITO = [
    "#0072B2",
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#D55E00",
    "#CC79A7",
    "#000000",
]
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_the_palette_is_okabe_ito():
    assert [c for c, _ in codebook_services.CODE_PALETTE] == OKABE_ITO


def test_the_next_colour_is_unused_among_siblings_and_not_the_parents(study):
    assert codebook_services.code_next_color(study=study, parent=None) == "#0072B2"
    stigma = factories.make_code(study, name="Stigma", color="#0072B2")
    factories.make_code(study, name="Hope", color="#E69F00")
    assert codebook_services.code_next_color(study=study, parent=None) == "#56B4E9"
    # Under Stigma: not its parent's blue, and not a colour used elsewhere while one is free.
    assert codebook_services.code_next_color(study=study, parent=stigma) == "#56B4E9"
    factories.make_code(study, name="Shame", parent=stigma, color="#56B4E9")
    assert codebook_services.code_next_color(study=study, parent=stigma) == "#009E73"


def test_when_every_colour_is_taken_it_cycles_through_the_palette(study):
    for i, color in enumerate(OKABE_ITO):
        factories.make_code(study, name=f"C{i}", color=color)
    assert codebook_services.code_next_color(study=study, parent=None) == "#0072B2"
    factories.make_code(study, name="C8", color="#0072B2")
    assert codebook_services.code_next_color(study=study, parent=None) == "#E69F00"


def _suggested(html: str) -> str:
    field = re.search(r'<input[^>]*name="color"[^>]*>', html).group(0)
    return re.search(r'value="(#[0-9A-Fa-f]{6})"', field).group(1).upper()


def test_codes_added_one_after_another_in_the_form_get_distinct_colours(owner_client, study):
    page = owner_client.get(reverse("coding:codebook", args=[study.pk])).text
    url = reverse("coding:code_create", args=[study.pk])
    for name in ("Stigma", "Hope", "Role", "Trust"):
        color = _suggested(page)
        page = owner_client.post(url, {"name": name, "parent": "", "color": color}, **HTMX).text
    colors = [Code.objects.get(name=n).color for n in ("Stigma", "Hope", "Role", "Trust")]
    assert colors == OKABE_ITO[:4]


def test_a_suggested_colour_is_rechosen_when_the_user_picks_another_parent(owner_client, study):
    stigma = factories.make_code(study, name="Stigma", color="#0072B2")
    factories.make_code(study, name="Hope", color="#E69F00")
    for i, color in enumerate(OKABE_ITO[2:]):  # Stigma's subcodes use the six others
        factories.make_code(study, name=f"S{i}", parent=stigma, color=color)
    page = owner_client.get(reverse("coding:codebook", args=[study.pk])).text
    suggested = _suggested(page)  # for the top level, where sky blue is free
    assert suggested == "#56B4E9"
    owner_client.post(
        reverse("coding:code_create", args=[study.pk]),
        {"name": "Blame", "parent": stigma.pk, "color": suggested, "auto_color": suggested},
        **HTMX,
    )
    # Under Stigma sky blue is taken and blue is the parent's: orange is the free one.
    assert Code.objects.get(name="Blame").color == "#E69F00"


def test_a_colour_the_user_chose_is_kept(owner_client, study):
    page = owner_client.get(reverse("coding:codebook", args=[study.pk])).text
    owner_client.post(
        reverse("coding:code_create", args=[study.pk]),
        {"name": "Hope", "parent": "", "color": "#cc79a7", "auto_color": _suggested(page)},
    )
    assert Code.objects.get(name="Hope").color == "#CC79A7"


def test_csv_import_without_colours_gives_siblings_distinct_colours(study):
    codebook_csv.codebook_import_csv(
        study=study,
        data=b"path,colour\nStigma > Shame,\nStigma > Blame,\nStigma > Fear,\nHope,\n",
        filename="codebook.csv",
        actor=None,
    )
    colors = {c.name: c.color for c in Code.objects.filter(study=study)}
    assert len(set(colors.values())) == 5
    assert set(colors.values()) <= set(OKABE_ITO)


def test_a_code_created_while_coding_gets_the_next_unused_colour(coder_client, study):
    transcript = factories.make_transcript(study)
    parent = factories.make_code(study, name="Stigma", color="#0072B2")
    factories.make_code(study, name="Shame", parent=parent, color="#E69F00")
    quote = "我唔知自己嘅角色。"
    start = transcript.text.index(quote)
    response = coder_client.post(
        reverse("coding:segment_create", args=[study.pk, transcript.pk]),
        {
            "start": start,
            "end": start + len(quote),
            "quote": quote,
            "version": transcript.version,
            "layer": "mine",
            "new_code_name": "Self-blame",
            "new_code_parent": parent.pk,
        },
        **HTMX,
    )
    assert response.status_code == 200
    assert Code.objects.get(name="Self-blame").color == "#56B4E9"
