"""The owners' audit page: filters, exports for a methods appendix, pages, access."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.urls import reverse

from coding import audit
from coding.codebook import services as codebook_services
from coding.memos import services as memo_services
from coding.models import AuditEvent, Memo
from tests import factories


def page_url(study, **query):
    url = reverse("coding:audit", args=[study.pk])
    if query:
        from urllib.parse import urlencode

        url += "?" + urlencode(query)
    return url


def export_url(study, fmt, query=""):
    return reverse("coding:audit_export", args=[study.pk, fmt]) + (f"?{query}" if query else "")


@pytest.fixture
def history(study, owner, coder):
    code = factories.make_code(study, name="Stigma")
    memo_services.memo_create(
        study=study, author=coder, body="A coder's note, with, commas\nand a line"
    )
    memo = memo_services.memo_create(study=study, author=owner, title="=SUM(A1)", body="PI memo")
    memo_services.memo_delete(memo=memo, actor=owner)
    codebook_services.code_archive(code=code, actor=owner)
    return {"code": code}


def body(response) -> str:
    """The results section (the filter form lists every action too)."""
    html = response.content.decode()
    return html[html.index('id="audit-results"') :] if 'id="audit-results"' in html else html


def test_the_owner_sees_every_change_newest_first(study, owner_client, history):
    html = body(owner_client.get(page_url(study)))
    assert "4 changes, newest first" in html
    assert html.index("code.archive") < html.index("memo.delete") < html.index("memo.create")
    assert "Restore the memo…" in html and "Restore the codes…" in html


def test_the_study_tabs_link_the_audit_log_for_owners_only(study, owner_client, viewer_client):
    url = page_url(study)
    dashboard = reverse("studies:study_dashboard", args=[study.pk])
    assert url in owner_client.get(dashboard).content.decode()
    assert url not in viewer_client.get(dashboard).content.decode()


def test_it_filters_by_person(study, owner_client, coder, history):
    html = body(owner_client.get(page_url(study, actor=coder.pk)))
    assert "1 change matches the filters" in html and "memo.create" in html
    assert "code.archive" not in html


def test_it_filters_by_kind_of_change_and_object(study, owner_client, history):
    html = body(owner_client.get(page_url(study, action="memo")))
    assert "3 changes match" in html
    html = body(owner_client.get(page_url(study, action="memo.delete")))
    assert "1 change matches" in html
    code = history["code"]
    html = body(owner_client.get(page_url(study, object_type="code", object_id=code.pk)))
    assert "1 change matches" in html and "code.archive" in html


def test_it_filters_by_date(study, owner_client, history):
    old = AuditEvent.objects.filter(action="memo.create").earliest("pk")
    AuditEvent.objects.filter(pk=old.pk).update(
        created_at=dt.datetime(2024, 3, 1, 12, tzinfo=dt.UTC)
    )
    html = body(owner_client.get(page_url(study, date_from="2024-03-01", date_to="2024-03-01")))
    assert "1 change matches" in html
    html = body(owner_client.get(page_url(study, date_from="2024-03-02")))
    assert "3 changes match" in html


def test_htmx_gets_only_the_results(study, owner_client, history):
    response = owner_client.get(page_url(study, action="memo"), HTTP_HX_REQUEST="true")
    html = body(response)
    assert "<html" not in html and 'id="audit-results"' in html and "3 changes" in html


def test_it_is_paginated(study, owner, owner_client):
    for i in range(55):
        audit.audit(study=study, actor=owner, action="memo.create", object_type="memo", object_id=i)
    first = body(owner_client.get(page_url(study)))
    assert "Page 1 of 2" in first and first.count("<tr id=") == 50
    second = body(owner_client.get(page_url(study, page=2)))
    assert second.count("<tr id=") == 5


def test_the_page_costs_the_same_queries_for_any_number_of_events(
    study, owner, coder, owner_client, django_assert_num_queries
):
    def add(n):
        for i in range(n):
            memo = memo_services.memo_create(study=study, author=coder, body=f"m{i}")
            memo_services.memo_delete(memo=memo, actor=owner)

    add(2)
    # session, user, membership+study (access), filter choices (2), count, page of events,
    # nav: none more
    with django_assert_num_queries(7):
        owner_client.get(page_url(study))
    add(20)
    with django_assert_num_queries(7):
        owner_client.get(page_url(study))


def test_the_csv_export_reads_with_pandas_defaults(study, owner_client, history):
    pandas = pytest.importorskip("pandas")
    response = owner_client.get(export_url(study, "csv"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    frame = pandas.read_csv(io.BytesIO(b"".join(response.streaming_content)))
    assert list(frame.columns) == [
        "event_id",
        "created_at",
        "study_id",
        "study_name",
        "actor",
        "action",
        "object_type",
        "object_id",
        "object_label",
        "restores_event_id",
        "restored_by_event_id",
        "before_json",
        "after_json",
    ]
    assert len(frame) == 4
    deleted = frame[frame.action == "memo.delete"].iloc[0]
    assert json.loads(deleted.before_json)["title"] == "=SUM(A1)"
    assert deleted.object_label == "'=SUM(A1)"  # a spreadsheet must not run it
    created = frame[frame.actor == "bob"].iloc[0]
    assert json.loads(created.after_json)["body"] == "A coder's note, with, commas\nand a line"


def test_the_exports_follow_the_filters(study, owner_client, history):
    lines = b"".join(owner_client.get(export_url(study, "jsonl", "action=memo")).streaming_content)
    events = [json.loads(line) for line in lines.decode().splitlines()]
    assert [e["action"] for e in events] == ["memo.delete", "memo.create", "memo.create"]
    assert events[0]["before"]["body"] == "PI memo" and events[0]["study_name"] == study.name


def test_an_unknown_export_format_is_a_404(study, owner_client):
    assert owner_client.get(export_url(study, "xml")).status_code == 404


def test_other_studies_events_are_not_shown(study, owner, owner_client):
    other = factories.make_study(name="Other")
    Memo.objects.create(study=other, author=owner, body="x")
    audit.audit(study=other, actor=owner, action="memo.delete", object_type="memo")
    assert "0 changes" in body(owner_client.get(page_url(study)))


@pytest.mark.parametrize(
    ("persona", "status"), [("coder", 403), ("viewer", 403), ("outsider", 404)]
)
@pytest.mark.parametrize("which", ["page", "csv", "jsonl"])
def test_only_owners_read_the_audit_log(study, owner, persona_clients, persona, status, which):
    url = page_url(study) if which == "page" else export_url(study, which)
    assert persona_clients[persona].get(url).status_code == status


def test_anonymous_is_sent_to_login(client, study):
    response = client.get(page_url(study))
    assert response.status_code == 302 and "login" in response.url


def test_each_object_links_to_its_own_history(study, owner_client, history):
    code = history["code"]
    html = body(owner_client.get(page_url(study)))
    assert f'href="?object_type=code&amp;object_id={code.pk}"' in html
