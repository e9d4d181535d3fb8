"""Journey: a viewer of the study reads it in Traditional Chinese (Hong Kong) and cannot change it.

On a small demo study with codebook versions and calibration rounds, the viewer's browser asks
for zh-HK. She reads agreement over time (reached from the report's tab), the group × wave
matrix and, from one of its cells, that code's passages in coded retrieval, meeting no
English interface string. Then she tries to write: the coding page offers no picker (neither
a mouse selection nor the C key opens it), and posts made with the page's own CSRF token to
the coding, memo, codebook, consensus, theme and setup endpoints and the JSON API are all
refused, with nothing stored.

Screenshots: /tmp/shots-journey/ (SHOTS_DIR), looked at while writing the test.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from coding.models import Code, Memo, Segment, Theme
from studies.models import Role, Study
from tests import factories
from tests.browser.coding_helpers import SELECT_JS
from tests.browser.test_agreement_over_time import history
from tests.i18n.english import english_strings
from tests.i18n.test_crawl_zh_hant import user_content
from workbench.demo import build as demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots-journey"))


@pytest.fixture
def study(db):
    owner = factories.make_user(username="pi")
    study = demo.build_demo_study(
        owner=owner, coders=2, transcripts_limit=9, segments_per_layer=30, target_chars=(2000, 4000)
    )
    layers = history(study, owner)
    viewer = factories.make_user(username="wing")
    factories.add_member(study, viewer, Role.VIEWER)
    names = frozenset({"pi", "wing", *(la.user.username for la in layers)})
    return {"study": study, "viewer": viewer, "names": names}


def look(page, s, what: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"viewer-{what}.png"))
    found = english_strings(page.content(), user_content(), s["names"])
    assert not found, f"{what}: English on screen:\n" + "\n".join(found)


def stored() -> tuple:
    return (
        Segment.objects.count(),
        Memo.objects.count(),
        Code.objects.count(),
        Theme.objects.count(),
        Study.objects.values_list("name", flat=True).get(),
    )


def test_a_viewer_reads_in_chinese_and_is_refused_every_write(study, page, login_as):
    s = study
    pk = s["study"].pk
    page.context.set_extra_http_headers({"Accept-Language": "zh-HK,zh;q=0.9,en;q=0.5"})
    login_as(s["viewer"])
    page.goto(f"/studies/{pk}/")
    assert page.locator("html").get_attribute("lang") == "zh-Hant-HK"
    look(page, s, "01-dashboard")

    # Agreement over time, from the report's tab.
    page.get_by_role("link", name="一致性", exact=True).first.click()
    page.get_by_role("link", name="隨時間變化").click()
    page.wait_for_selector("table.over-time")
    body = page.locator("main").inner_text()
    assert "校準回合" in body and "v1 after calibration" in body
    look(page, s, "02-over-time")

    # The group × wave matrix, then one cell's passages in coded retrieval.
    page.get_by_role("link", name="比較", exact=True).first.click()
    cell = page.locator("main table a[href*='/retrieval/']").first
    cell.wait_for()
    look(page, s, "03-matrix")
    href = cell.get_attribute("href")
    code_id = int(re.search(r"code=(\d+)", href).group(1))
    cell.click()
    page.wait_for_url(re.compile(r"/retrieval/"))
    look(page, s, "04-retrieval")
    # As many passages as the coders' layers hold for the code (and its subcodes) in the cell.
    query = dict(re.findall(r"(\w+)=(\w+)", href))
    codes = {code_id}
    while True:
        more = set(Code.objects.filter(parent_id__in=codes).values_list("pk", flat=True))
        if more <= codes:
            break
        codes |= more
    expected = Segment.objects.filter(
        code_id__in=codes,
        layer__kind="coder",
        transcript__participant__group_id=int(query["group"]),
        transcript__wave_id=int(query["wave"]),
    ).count()
    shown = re.search(r"([\d,]+) 個片段", page.locator("main").inner_text()).group(1)
    assert int(shown.replace(",", "")) == expected > 0
    assert page.locator("ol.retrieval-list > li").count() == min(expected, 100)

    # The coding page: read only, and neither the mouse nor the C key opens the picker.
    transcript = s["study"].transcripts.order_by("pk").first()
    page.goto(f"/studies/{pk}/transcripts/{transcript.pk}/")
    page.locator("#transcript").wait_for()
    assert "檢視者只可閱讀編碼，不能更改" in page.locator("main").inner_text()
    look(page, s, "05-coding-page")
    words = transcript.text.split("\n")[1].split(":", 1)[-1].split("：", 1)[-1].strip()[:12]
    page.evaluate(SELECT_JS, [words, 0])
    page.locator("#transcript").focus()
    page.keyboard.press("c")
    assert page.locator("#picker").count() == 0  # the page carries no picker for a viewer
    assert page.get_by_role("dialog", name="將編碼套用於選取的文段").count() == 0

    # Posts with the page's own CSRF token: every one refused, nothing stored.
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    segment = Segment.objects.filter(transcript=transcript).first()
    headers = {"X-CSRFToken": token, "Referer": page.url}
    t = f"/studies/{pk}/transcripts/{transcript.pk}"
    posts = {
        f"{t}/segments/": {"start": "0", "end": "5", "code": str(segment.code_id)},
        f"{t}/segments/{segment.pk}/delete/": {},
        f"{t}/undo/": {},
        f"{t}/done/": {},
        f"{t}/memos/": {"title": "x", "body": "viewer memo"},
        f"/studies/{pk}/memos/new/": {"body": "viewer memo"},
        f"/studies/{pk}/codes/new/": {"name": "Viewer code"},
        f"/studies/{pk}/codes/{segment.code_id}/archive/": {},
        f"/studies/{pk}/consensus/decide/": {"action": "accept_a"},
        f"/studies/{pk}/themes/new/": {"name": "Viewer theme"},
        f"/studies/{pk}/setup/": {"name": "taken over"},
        f"{t}/text/": {"text": "gone", "version": "1"},
    }
    before = stored()
    for url, data in posts.items():
        answer = page.request.post(url, form=data, headers=headers, max_redirects=0)
        assert answer.status == 403, (url, answer.status)
        assert '<html lang="zh-Hant-HK"' in answer.text()
    api = page.request.post(
        f"/api/v1/transcripts/{transcript.pk}/segments",
        data=json.dumps({"start": 0, "end": 5, "code_id": segment.code_id}),
        headers={**headers, "Content-Type": "application/json"},
    )
    assert api.status == 403
    assert "檢視者" in api.json()["detail"]
    assert stored() == before
