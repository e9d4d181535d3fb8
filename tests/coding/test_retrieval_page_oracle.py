"""The retrieval page shows the same passages, context and order as the implementation it
replaced (tests/coding/retrieval_before.py, the oracle), on the demo study."""

from __future__ import annotations

import html
import re

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.test import Client
from django.urls import reverse

from coding.codebook import selectors as codebook_selectors
from coding.models import Code, Layer, Segment
from coding.retrieval import page as retrieval_page
from coding.retrieval.selectors import retrieve
from studies.access import study_access
from studies.models import Transcript
from tests import factories
from tests.coding.retrieval_before import rows_before
from workbench.demo import build as demo

ITEM = re.compile(r'<li class="retrieval-item" id="r-seg-(\d+)">(.*?)</li>', re.S)
META = re.compile(r'<p class="retrieval-meta">(.*?)</p>', re.S)
SPAN = re.compile(r'<span(?: translate="no")?>(.*?)</span>', re.S)
CONTEXT = re.compile(r'<blockquote class="retrieval-context"[^>]*>(.*?)</blockquote>', re.S)
LINK = re.compile(r'<a href="([^"]+)">Open in transcript')
CHARS = re.compile(r'<span class="muted">(characters [^<]+)</span>')
MEMO = re.compile(r'<strong>Memo:</strong> (?:<span translate="no">)?(.*?)(?:</span>)?</p>', re.S)
PATH = re.compile(r'<span class="code-path"[^>]*><span class="swatch" style="background: ([^"]+)"')


def shown(response) -> list[dict]:
    """Each passage of a retrieval page as a reader sees it."""
    assert response.status_code == 200
    out = []
    for pk, body in ITEM.findall(response.content.decode()):
        meta = META.search(body).group(1)
        memo = MEMO.search(body)
        path = PATH.search(meta)
        out.append(
            {
                "pk": int(pk),
                "meta": [html.unescape(s) for s in SPAN.findall(meta)[:5]],
                "context": html.unescape(
                    CONTEXT.search(body).group(1).replace("<mark>", "").replace("</mark>", "")
                ),
                "quote": html.unescape(re.search(r"<mark>(.*?)</mark>", body, re.S).group(1)),
                "link": html.unescape(LINK.search(body).group(1)),
                "chars": CHARS.search(body).group(1),
                "memo": html.unescape(memo.group(1).replace("<br>", "\n")) if memo else "",
                "color": path.group(1) if path else None,
                # The path's text (a bilingual codebook wraps it in a span with the other
                # language's path as its title).
                "path": html.unescape(
                    re.sub(r"<[^>]*>", "", meta.split("</span> ", 2)[-1].split("</span>")[0])
                ).strip()
                if path
                else None,
            }
        )
    return out


@pytest.fixture
def demo_study(db):
    owner = get_user_model().objects.create_user("pi", password="x")
    study = demo.build_demo_study(owner=owner, transcripts_limit=6, target_chars=(3000, 6000))
    # A few passages whose words changed, with memos over several lines (the review list
    # and the memo line must come out the same too).
    for seg in Segment.objects.filter(transcript__study=study).order_by("pk")[::37]:
        seg.needs_review = True
        seg.quote_at_coding = seg.quote + " (before)"
        seg.memo = "first line\nsecond <line> & more"
        seg.save()
    # Passages at both ends of texts (where "…" and the trimming stop), one of them in
    # Chinese and astral characters.
    code = busiest(study)
    layer = Layer.objects.get(study=study, user__username="coder1")
    astral = "P09: 𠝹𠝹 我唔知自己嘅角色 at first 😅, honestly. " * 12
    transcripts = [
        *Transcript.objects.filter(study=study).order_by("pk")[:2],
        factories.make_transcript(study, title="Astral", text=astral),
    ]
    for t in transcripts:
        n = len(t.text)
        for start, end in ((0, 9), (5, 30), (n - 140, n - 119), (n - 30, n - 2), (n - 9, n)):
            Segment.objects.get_or_create(
                transcript=t,
                code=code,
                layer=layer,
                start=start,
                end=end,
                defaults={"quote": t.text[start:end]},
            )
    return study, owner


def busiest(study) -> Code:
    codes = Code.objects.filter(study=study, children__isnull=True)
    return codes.annotate(n=Count("segments")).order_by("-n", "pk").first()


def expected(user, study, *, code_ids, index, **filters):
    access = study_access(user, study.pk)
    book = codebook_selectors.codebook_for(access)
    segments = retrieve(access, code_ids=code_ids, context_chars=0, **filters).segments
    rows = rows_before(study.pk, segments, book, index, chars=retrieval_page.CONTEXT_CHARS)
    return rows, segments.count()


def compare(client, user, study, params, *, code_ids, pages, page_size, subtree=False, **filters):
    for number in range(1, pages + 2):  # one past the last page: Django shows the last
        response = client.get(
            reverse("coding:retrieval", args=[study.pk]), {**params, "page": number}
        )
        got = shown(response)
        rows, total = expected(
            user,
            study,
            code_ids=code_ids,
            index=slice((min(number, pages) - 1) * page_size, min(number, pages) * page_size),
            **filters,
        )
        assert total > page_size  # several pages were compared
        for row in rows:
            if not (subtree or params.get("review")):
                row["path"] = row["color"] = None
        assert [g["pk"] for g in got] == [r["pk"] for r in rows]
        assert got == [{k: r[k] for k in got[0]} for r in rows]


def test_a_code_shows_what_it_showed_before(demo_study, monkeypatch):
    study, owner = demo_study
    monkeypatch.setattr(retrieval_page, "PAGE_SIZE", 7)
    client = Client()
    client.force_login(owner)
    code = busiest(study)
    n = Segment.objects.filter(code=code).count()
    compare(
        client, owner, study, {"code": code.pk}, code_ids=[code.pk], pages=-(-n // 7), page_size=7
    )


def test_a_code_with_its_subcodes_shows_what_it_showed_before(demo_study, monkeypatch):
    study, owner = demo_study
    monkeypatch.setattr(retrieval_page, "PAGE_SIZE", 25)
    client = Client()
    client.force_login(owner)
    book = codebook_selectors.codebook_for(study_access(owner, study.pk))
    per_code = dict(
        Segment.objects.filter(transcript__study=study)
        .values_list("code_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    code = max(
        (node for node in book.walk() if node.children),
        key=lambda node: sum(per_code.get(pk, 0) for pk in book.subtree_ids(node.pk)),
    )
    ids = sorted(book.subtree_ids(code.pk))
    n = Segment.objects.filter(code_id__in=ids).count()
    compare(
        client,
        owner,
        study,
        {"code": code.pk, "subtree": 1},
        code_ids=ids,
        pages=-(-n // 25),
        page_size=25,
        subtree=True,
    )


def test_the_review_list_and_a_blind_coder_show_what_they_showed_before(demo_study, monkeypatch):
    study, owner = demo_study
    monkeypatch.setattr(retrieval_page, "PAGE_SIZE", 3)
    client = Client()
    client.force_login(owner)
    n = Segment.objects.filter(transcript__study=study, needs_review=True).count()
    compare(
        client,
        owner,
        study,
        {"review": 1},
        code_ids=None,
        pages=-(-n // 3),
        page_size=3,
        needs_review=True,
    )
    study.blind_coding = True
    study.save()
    coder = get_user_model().objects.get(username="coder1")
    client.force_login(coder)
    code = busiest(study)
    n = Segment.objects.filter(code=code, layer__user=coder).count()
    compare(
        client, coder, study, {"code": code.pk}, code_ids=[code.pk], pages=-(-n // 3), page_size=3
    )
