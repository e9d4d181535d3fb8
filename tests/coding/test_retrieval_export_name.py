"""The retrieval export's file name names the code filtered on: its leaf always, as many of
its nearest parents as fit, Chinese and astral characters kept (sent as RFC 6266 filename*
UTF-8 by Content-Disposition), never a doubled or trailing hyphen."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories

pytestmark = pytest.mark.django_db


def _tree(study, *names):
    parent = None
    for name in names:
        parent = factories.make_code(study, name=name, parent=parent)
    return parent


def _export(client, study, code, fmt="csv"):
    transcript = factories.make_transcript(study, text="P01: 我唔知自己嘅角色 𠝹 at all.")
    layer = factories.make_layer(study)
    factories.make_segment(transcript, code, layer, 5, 12)
    response = client.get(
        reverse("coding:retrieval_export", args=[study.pk, fmt]) + f"?code={code.pk}"
    )
    assert response.status_code == 200
    return response["Content-Disposition"]


def _name(disposition: str) -> str:
    star = re.search(r"filename\*=utf-8''([^;]+)", disposition)
    if star:
        return unquote(star.group(1))
    return re.search(r'filename="([^"]+)"', disposition).group(1)


def _well_formed(name: str) -> None:
    stem = name.rsplit(".", 1)[0]
    assert "--" not in stem and not stem.endswith("-") and not stem.startswith("-"), name


def test_an_english_leaf_under_a_long_path_is_kept(study, owner_client):
    study.name = "Peer support in Hong Kong: a longitudinal study"
    study.save()
    leaf = _tree(
        study,
        "Role and identity",
        "Role confusion and the many ways it shows in daily work",
        "Unclear job description",
    )
    name = _name(_export(owner_client, study, leaf))
    today = timezone.localdate().isoformat()
    assert name.endswith(f"-unclear-job-description-{today}.csv"), name
    assert name.startswith("peer-support-in-hong-kong"), name
    _well_formed(name)
    assert len(name) <= 120


def test_the_nearest_parents_are_kept_when_they_fit(study, owner_client):
    leaf = _tree(study, "Role and identity", "Role confusion", "Unclear job description")
    name = _name(_export(owner_client, study, leaf, fmt="xlsx"))
    assert "-role-and-identity-role-confusion-unclear-job-description-" in name, name
    _well_formed(name)


def test_a_chinese_leaf_stays_readable(study, owner_client):
    leaf = _tree(study, "角色與身份", "角色混淆", "職責不清")
    disposition = _export(owner_client, study, leaf)
    assert "filename*=utf-8''" in disposition
    name = _name(disposition)
    assert "角色與身份-角色混淆-職責不清-" in name, name
    _well_formed(name)


def test_an_astral_character_in_the_leaf_is_kept(study, owner_client):
    leaf = _tree(study, "Family", "𠝹 support 𠝹")
    name = _name(_export(owner_client, study, leaf))
    assert "-family-𠝹-support-𠝹-" in name, name
    _well_formed(name)


def test_without_a_code_it_says_all_codes(study, owner_client):
    code = factories.make_code(study, name="Hope")
    transcript = factories.make_transcript(study, text="P01: hope")
    factories.make_segment(transcript, code, factories.make_layer(study), 5, 9)
    response = owner_client.get(reverse("coding:retrieval_export", args=[study.pk, "csv"]))
    name = _name(response["Content-Disposition"])
    assert name == f"peer-support-study-all-codes-{timezone.localdate().isoformat()}.csv"
