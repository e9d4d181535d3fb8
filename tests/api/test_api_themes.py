"""The API's theme split and merge: the same service, history events and audit events as the
page; who may call them."""

from __future__ import annotations

import json

import pytest

from coding.models import AuditEvent, Theme, ThemeEvent, ThemeStatus
from coding.themes import services
from tests import factories


@pytest.fixture
def themes(study, owner):
    codes = [
        factories.make_code(study, name=n, color=c)
        for n, c in (("Role", "#E69F00"), ("Trust", "#009E73"), ("Money", "#CC79A7"))
    ]
    a = services.theme_create(
        study=study, actor=owner, name="Belonging", concept="Part of the team", codes=codes
    )
    b = services.theme_create(study=study, actor=owner, name="Support", codes=[codes[1]])
    return codes, a, b


def _post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_a_coder_splits_a_theme_through_the_api(study, themes, coder_client, coder):
    codes, a, _ = themes
    url = f"/api/v1/studies/{study.pk}/themes/{a.pk}/split"
    body = {
        "parts": [{"name": "Money matters", "concept": "Pay", "code_ids": [codes[2].pk]}],
        "reason": "Money is a different story",
    }
    response = _post(coder_client, url, body)
    assert response.status_code == 201, response.content
    data = response.json()
    new = Theme.objects.get(study=study, name="Money matters")
    assert [t["id"] for t in data["new_themes"]] == [new.pk]
    assert data["theme"]["code_ids"] == sorted([codes[0].pk, codes[1].pk])
    assert data["new_themes"][0]["code_ids"] == [codes[2].pk]
    assert sorted(c.pk for c in a.codes.all()) == sorted([codes[0].pk, codes[1].pk])
    # The history on both sides, with the reason, and the audit log.
    split = ThemeEvent.objects.get(theme=a, kind="split")
    assert split.reason == "Money is a different story"
    assert [t.pk for t in split.related.all()] == [new.pk]
    assert ThemeEvent.objects.get(theme=new, kind="split").before == {
        "from": a.pk,
        "name": "Belonging",
    }
    assert AuditEvent.objects.filter(action="theme.split", actor=coder).count() == 2
    assert data["theme"]["events"][-1]["kind"] == "split"


def test_a_split_without_a_reason_or_taking_every_code_is_refused(study, themes, owner_client):
    codes, a, _ = themes
    url = f"/api/v1/studies/{study.pk}/themes/{a.pk}/split"
    no_reason = {"parts": [{"name": "X", "code_ids": [codes[2].pk]}], "reason": ""}
    assert _post(owner_client, url, no_reason).status_code == 400
    everything = {"parts": [{"name": "X", "code_ids": [c.pk for c in codes]}], "reason": "r"}
    assert _post(owner_client, url, everything).status_code == 400
    assert Theme.objects.filter(study=study).count() == 2
    assert not ThemeEvent.objects.filter(kind="split").exists()


def test_an_owner_merges_themes_through_the_api(study, themes, owner_client, owner):
    codes, a, b = themes
    url = f"/api/v1/studies/{study.pk}/themes/{b.pk}/merge"
    response = _post(owner_client, url, {"theme_ids": [a.pk], "reason": "One story"})
    assert response.status_code == 200, response.content
    assert response.json()["code_ids"] == sorted(c.pk for c in codes)
    a.refresh_from_db()
    assert a.status == ThemeStatus.DISCARDED
    assert ThemeEvent.objects.get(theme=a, kind="merged").after == {
        "into": b.pk,
        "status": "discarded",
    }
    assert ThemeEvent.objects.get(theme=b, kind="merged").reason == "One story"
    assert AuditEvent.objects.filter(action="theme.merged", actor=owner).count() == 2


def test_merging_a_theme_of_another_study_or_into_itself_is_refused(
    study, themes, owner_client, owner
):
    _, a, b = themes
    other = factories.make_study(name="Other")
    factories.add_member(other, owner, "owner")
    foreign = services.theme_create(study=other, actor=owner, name="Elsewhere")
    url = f"/api/v1/studies/{study.pk}/themes/{b.pk}/merge"
    assert _post(owner_client, url, {"theme_ids": [foreign.pk], "reason": "r"}).status_code == 404
    assert _post(owner_client, url, {"theme_ids": [b.pk], "reason": "r"}).status_code == 400
    foreign.refresh_from_db()
    assert foreign.status == ThemeStatus.CANDIDATE
    assert not ThemeEvent.objects.filter(kind="merged").exists()


def test_viewers_and_outsiders_may_not_split_or_merge(
    study, themes, viewer_client, outsider_client
):
    codes, a, b = themes
    split = f"/api/v1/studies/{study.pk}/themes/{a.pk}/split"
    merge = f"/api/v1/studies/{study.pk}/themes/{b.pk}/merge"
    split_body = {"parts": [{"name": "X", "code_ids": [codes[2].pk]}], "reason": "r"}
    merge_body = {"theme_ids": [a.pk], "reason": "r"}
    assert _post(viewer_client, split, split_body).status_code == 403
    assert _post(viewer_client, merge, merge_body).status_code == 403
    assert _post(outsider_client, split, split_body).status_code == 404
    assert _post(outsider_client, merge, merge_body).status_code == 404
    assert Theme.objects.filter(study=study).count() == 2
    a.refresh_from_db()
    assert a.status == ThemeStatus.CANDIDATE
