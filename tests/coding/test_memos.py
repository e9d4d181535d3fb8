from __future__ import annotations

import pytest
from django.urls import reverse

from coding.models import AuditEvent, Memo
from tests import factories


@pytest.fixture
def setup(study, owner, coder, coder2, viewer):
    transcript = factories.make_transcript(study, title="P01 T1")
    code = factories.make_code(study, name="Hope")
    child = factories.make_code(study, name="Future", parent=code)
    bob = factories.make_layer(study, coder)
    erin = factories.make_layer(study, coder2)
    consensus = factories.make_layer(study)
    bob_seg = factories.make_segment(
        transcript, code, bob, 0, 11, memo="Bob's segment note", created_by=coder
    )
    erin_seg = factories.make_segment(
        transcript, child, erin, 0, 11, memo="Erin's segment note", created_by=coder2
    )
    cons_seg = factories.make_segment(transcript, code, consensus, 0, 11)
    memos = {
        "study": Memo.objects.create(study=study, author=owner, title="Plan", body="Study memo"),
        "transcript": Memo.objects.create(
            study=study, author=coder, transcript=transcript, body="Transcript memo"
        ),
        "code": Memo.objects.create(study=study, author=coder2, code=child, body="Code memo"),
        "on_erin": Memo.objects.create(
            study=study,
            author=coder2,
            segment=erin_seg,
            transcript=transcript,
            body="Memo on Erin's segment",
        ),
        "on_consensus": Memo.objects.create(
            study=study,
            author=owner,
            segment=cons_seg,
            transcript=transcript,
            body="Memo on consensus",
        ),
    }
    return {
        "transcript": transcript,
        "code": code,
        "child": child,
        "bob_seg": bob_seg,
        "erin_seg": erin_seg,
        "memos": memos,
    }


def list_url(study, kind=""):
    return reverse("coding:memo_list", args=[study.pk]) + (f"?kind={kind}" if kind else "")


def test_it_lists_every_memo_with_author_time_and_link(setup, owner_client, study):
    html = owner_client.get(list_url(study)).content.decode()
    for text in (
        "Study memo",
        "Transcript memo",
        "Code memo",
        "Memo on Erin&#x27;s segment",
        "Memo on consensus",
        "Bob&#x27;s segment note",
        "Erin&#x27;s segment note",
    ):
        assert text in html
    assert "7 memos" in html
    assert "Hope › Future" in html  # code memos name the code by its path
    assert "<time datetime=" in html
    assert (
        '· <span translate="no">alice</span>' in html
        and '· <span translate="no">erin</span>' in html
        and '· <span translate="no">bob</span>' in html
    )  # authors
    assert (
        '<span translate="no">Hope › Future</span> in <span translate="no">P01 T1</span>' in html
    )  # a segment memo names code and transcript
    seg = setup["erin_seg"]
    page = reverse("coding:transcript_code", args=[study.pk, seg.transcript_id])
    assert f"{page}?layer=erin&amp;code={seg.code_id}&amp;focus={seg.pk}#seg-{seg.pk}" in html
    assert f'href="{page}"' in html  # the transcript memo
    assert reverse("coding:retrieval", args=[study.pk]) + f"?code={setup['child'].pk}" in html
    assert 'aria-current="page">Memos' in html


@pytest.mark.parametrize(
    "kind,present,absent",
    [
        ("study", ["Study memo"], ["Transcript memo", "Code memo", "segment note"]),
        ("transcript", ["Transcript memo"], ["Study memo", "Code memo", "Memo on consensus"]),
        ("code", ["Code memo"], ["Study memo", "Transcript memo", "segment note"]),
        (
            "segment",
            ["segment note", "Memo on consensus"],
            ["Study memo", "Code memo", "Transcript memo"],
        ),
    ],
)
def test_it_filters_by_kind(setup, owner_client, study, kind, present, absent):
    html = owner_client.get(list_url(study, kind)).content.decode()
    for text in present:
        assert text in html
    for text in absent:
        assert text not in html


def test_blind_coder_does_not_see_memos_on_hidden_layers(setup, coder_client, study):
    study.blind_coding = True
    study.save()
    html = coder_client.get(list_url(study)).content.decode()
    assert "Bob&#x27;s segment note" in html
    assert "Erin&#x27;s segment note" not in html
    assert "Memo on Erin" not in html
    assert "Memo on consensus" not in html
    assert "Study memo" in html and "Transcript memo" in html
    # Erin's code memo is another coder's thinking: hidden under blind coding.
    assert "Code memo" not in html


@pytest.mark.parametrize(
    "persona,status", [("owner", 200), ("coder", 200), ("viewer", 200), ("outsider", 404)]
)
def test_memo_list_access(setup, persona_clients, study, persona, status):
    assert persona_clients[persona].get(list_url(study)).status_code == status


def test_htmx_kind_filter_returns_only_the_results(setup, owner_client, study):
    response = owner_client.get(list_url(study, "code"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<section id="memo-results"')
    assert "Code memo" in html


def test_memo_list_query_count_is_constant(
    setup, owner, owner_client, study, django_assert_num_queries
):
    for i in range(40):
        Memo.objects.create(
            study=study, author=owner, transcript=setup["transcript"], body=f"extra {i}"
        )
    # session, user, membership, codebook, count, page of the union, authors, transcripts,
    # segments, the "about" choices (transcripts).
    with django_assert_num_queries(10):
        response = owner_client.get(list_url(study))
    assert response.status_code == 200


# --- create ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona,status", [("owner", 302), ("coder", 302), ("viewer", 403), ("outsider", 404)]
)
def test_create_access(setup, persona_clients, study, persona, status):
    before = Memo.objects.count()
    response = persona_clients[persona].post(
        reverse("coding:memo_create", args=[study.pk]), {"about": "study", "body": "New"}
    )
    assert response.status_code == status
    assert Memo.objects.count() == before + (1 if status == 302 else 0)


def test_it_creates_memos_on_the_study_a_transcript_and_a_code(setup, coder, coder_client, study):
    create = reverse("coding:memo_create", args=[study.pk])
    transcript, code = setup["transcript"], setup["code"]
    coder_client.post(create, {"about": "study", "title": "T", "body": " On the study "})
    coder_client.post(create, {"about": f"transcript-{transcript.pk}", "body": "On transcript"})
    coder_client.post(create, {"about": f"code-{code.pk}", "body": "On code"})
    mine = Memo.objects.filter(author=coder).order_by("pk")
    on_study, on_transcript, on_code = list(mine)[-3:]
    assert (on_study.title, on_study.body, on_study.transcript, on_study.code) == (
        "T",
        "On the study",
        None,
        None,
    )
    assert on_transcript.transcript == transcript and on_transcript.code is None
    assert on_code.code == code and on_code.transcript is None
    assert AuditEvent.objects.filter(action="memo.create", object_id=on_code.pk).exists()


def test_it_refuses_targets_of_another_study(setup, coder_client, study):
    other = factories.make_transcript(factories.make_study())
    before = Memo.objects.count()
    response = coder_client.post(
        reverse("coding:memo_create", args=[study.pk]),
        {"about": f"transcript-{other.pk}", "body": "x"},
    )
    assert response.status_code == 200
    assert "Choose the study, one of its transcripts" in response.content.decode()
    assert Memo.objects.count() == before


def test_htmx_create_returns_the_panel_and_invalid_form_keeps_status_200(
    setup, coder_client, study
):
    create = reverse("coding:memo_create", args=[study.pk])
    response = coder_client.post(
        create, {"about": "study", "body": "Fresh idea"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="memo-panel">')
    assert "Fresh idea" in html
    response = coder_client.post(create, {"about": "study", "body": "  "}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()


# --- edit and delete ---------------------------------------------------------------------


def edit_url(study, memo):
    return reverse("coding:memo_update", args=[study.pk, memo.pk])


def delete_url(study, memo):
    return reverse("coding:memo_delete", args=[study.pk, memo.pk])


@pytest.mark.parametrize(
    "persona,status", [("owner", 302), ("coder", 302), ("viewer", 403), ("outsider", 404)]
)
def test_author_or_owner_may_edit(setup, persona_clients, study, persona, status):
    memo = setup["memos"]["transcript"]  # written by the coder
    response = persona_clients[persona].post(edit_url(study, memo), {"body": "Changed"})
    assert response.status_code == status
    memo.refresh_from_db()
    assert (memo.body == "Changed") == (status == 302)


def test_another_coder_may_not_edit_or_delete(setup, coder_client, study):
    memo = setup["memos"]["code"]  # written by erin
    assert coder_client.post(edit_url(study, memo), {"body": "x"}).status_code == 403
    assert coder_client.post(delete_url(study, memo)).status_code == 403
    assert Memo.objects.filter(pk=memo.pk, body="Code memo").exists()


def test_hidden_memo_is_404_in_blind_mode(setup, coder_client, study):
    study.blind_coding = True
    study.save()
    memo = setup["memos"]["on_consensus"]
    assert coder_client.get(edit_url(study, memo)).status_code == 404


def test_edit_form_and_htmx_save(setup, coder_client, study):
    memo = setup["memos"]["transcript"]
    page = coder_client.get(edit_url(study, memo)).content.decode()
    assert "<html" in page and "Edit memo" in page and "Transcript memo</textarea>" in page
    fragment = coder_client.get(edit_url(study, memo), HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and f'id="memo-memo-{memo.pk}"' in fragment
    response = coder_client.post(
        edit_url(study, memo), {"title": "New title", "body": "Better"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert html.lstrip().startswith(f'<li class="memo-item" id="memo-memo-{memo.pk}"')
    assert "New title" in html and "Better" in html
    invalid = coder_client.post(edit_url(study, memo), {"body": ""}, HTTP_HX_REQUEST="true")
    assert invalid.status_code == 200 and "This field is required" in invalid.content.decode()
    audit = AuditEvent.objects.get(action="memo.update", object_id=memo.pk)
    assert audit.before["body"] == "Transcript memo" and audit.after["body"] == "Better"


def test_owner_deletes_any_memo_with_an_audit_event(setup, owner_client, study):
    memo = setup["memos"]["code"]
    response = owner_client.post(delete_url(study, memo), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response.content == b""
    assert not Memo.objects.filter(pk=memo.pk).exists()
    audit = AuditEvent.objects.get(action="memo.delete", object_id=memo.pk)
    assert audit.before["body"] == "Code memo"


def test_segment_memo_fields_are_listed_but_not_editable_here(setup, coder_client, study):
    html = coder_client.get(list_url(study, "segment")).content.decode()
    assert "Segment memo: edit it on the coding page." in html


def test_blind_coders_do_not_see_framework_summaries(study, owner, coder, coder_client):
    from coding.models import Memo

    code = factories.make_code(study, name="Trust")
    Memo.objects.create(
        study=study,
        author=owner,
        code=code,
        body="PI summary of a cell",
        extra={"framework": {"participant": 1, "wave": 1}},
    )
    Memo.objects.create(study=study, author=owner, code=code, body="A plain code memo")
    url = reverse("coding:memo_list", args=[study.pk])
    assert "PI summary of a cell" in coder_client.get(url).text
    study.blind_coding = True
    study.save()
    text = coder_client.get(url).text
    assert "PI summary of a cell" not in text
    # Only the PI's study-level memos reach blind coders; a code memo is analysis.
    assert "A plain code memo" not in text
