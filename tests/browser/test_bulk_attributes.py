"""A PI imports interviews as a zip whose manifest has extra columns (site, interviewer,
language, date) and then asks questions of them in Chromium: the matrix by site, a search
filtered by site; checked against the database and a plain scan of the texts."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from studies.models import Attribute, Role, Transcript
from tests import factories
from tests.studies.helpers import zip_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/shots-gaps13/bulk"
TEXTS = {
    "a/t1.txt": "Interviewer: Family?\nSU01: My family helps. 朋輩 too.",
    "a/t2.txt": "Interviewer: And now?\nSU01: Family is far now.",
    "b/t1.txt": "Interviewer: Family?\nSU02: No family here, 朋辈 only.",
}
MANIFEST = (
    "file,participant,group,wave,title,site,interviewer,language,interview_date\n"
    "a/t1.txt,SU01,Service users,T1,SU01 T1,Kowloon,KL,yue,2025-03-02\n"
    "a/t2.txt,SU01,Service users,T2,SU01 T2,Sha Tin,MW,en,2025-09-14\n"
    "b/t1.txt,SU02,Service users,T1,SU02 T1,Kowloon,MW,yue,2025-03-05\n"
)


def test_a_pi_imports_a_manifest_with_extra_columns_and_cuts_by_them(page, login_as):
    study = factories.make_study(name="Manifest study")
    pi = factories.make_user(username="pi")
    factories.add_member(study, pi, Role.OWNER)
    factories.make_group(study, name="Service users")
    for name in ("T1", "T2"):
        factories.make_wave(study, name=name)
    code = factories.make_code(study, name="Family")
    login_as(pi)

    # I import the zip.
    archive = zip_bytes(
        {"manifest.csv": MANIFEST.encode(), **{k: v.encode() for k, v in TEXTS.items()}}
    )
    page.goto(reverse("studies:transcript_list", args=[study.pk]))
    page.get_by_label("Zip of transcripts").set_input_files(
        {"name": "interviews.zip", "mimeType": "application/zip", "buffer": archive}
    )
    page.get_by_role("button", name="Import", exact=True).click()
    page.get_by_text("Imported 3 transcripts.").wait_for()

    # The extra columns are typed transcript attributes.
    defs = {a.name: (a.scope, a.kind) for a in Attribute.objects.filter(study=study)}
    assert defs["site"][0] == defs["interviewer"][0] == defs["language"][0] == "transcript"
    assert defs["interview_date"] == ("transcript", "date")
    stored = {t.title: t.attributes for t in Transcript.objects.filter(study=study)}
    assert stored["SU01 T2"] == {
        "site": "Sha Tin",
        "interviewer": "MW",
        "language": "en",
        "interview_date": "2025-09-14",
    }

    # Some coding: each participant sentence holding "family".
    layer = factories.make_layer(study, pi)
    for t in Transcript.objects.filter(study=study):
        for m in re.finditer(r"[^.\n:]*family[^.\n]*\.", t.text, re.IGNORECASE):
            factories.make_segment(t, code, layer, m.start() + 1, m.end())

    # The matrix, columns by site: the denominators are the participants interviewed there.
    page.goto(reverse("coding:compare_matrix", args=[study.pk]) + "?measure=segments&layer=pi")
    page.get_by_label("Columns by").select_option(label="site (transcript)")
    caption = page.locator("#matrix-caption")
    caption.filter(has_text="by site and wave").wait_for()
    headers = page.locator("#compare-matrix thead tr")
    assert headers.nth(0).inner_text().split()[1:] == ["Kowloon", "Sha", "Tin"]
    # n = participants interviewed there at that wave: Kowloon T1 SU01 SU02, Sha Tin T2 SU01
    assert re.findall(r"n=(\d+)", headers.nth(1).inner_text()) == ["2", "0", "0", "1"]
    want = {}
    for t in Transcript.objects.filter(study=study).select_related("wave"):
        key = (t.attributes["site"], t.wave.name)
        want[key] = want.get(key, 0) + t.segments.count()
    cells = page.locator("#compare-matrix tbody tr").first.locator("td")
    texts = [cells.nth(i).inner_text().strip() for i in range(cells.count())]
    # columns: Kowloon T1, Kowloon T2, Sha Tin T1, Sha Tin T2 (hatched where nobody was there)
    expected = []
    for site in ("Kowloon", "Sha Tin"):
        for wave in ("T1", "T2"):
            expected.append(str(want[(site, wave)]) if (site, wave) in want else "—")
    assert [re.sub(r"\s+", " ", x).split(" ")[0] for x in texts] == expected
    page.screenshot(path=f"{SHOTS}-matrix-by-site.png", full_page=False)

    # A search for "family" in Kowloon only.
    page.goto(reverse("coding:search", args=[study.pk]))
    page.get_by_label("Words or “a phrase”").fill("family")
    page.get_by_label("Attribute").select_option("site=Kowloon")
    page.get_by_role("button", name="Search").click()
    summary = page.locator(".search-summary")
    summary.wait_for()
    scan = sum(
        len(re.findall("family", t.text, re.IGNORECASE))
        for t in Transcript.objects.filter(study=study)
        if t.attributes["site"] == "Kowloon"
    )
    page.wait_for_load_state("networkidle")
    assert re.search(rf"\b{scan} hits?\b", summary.inner_text()), summary.inner_text()
    page.screenshot(path=f"{SHOTS}-search-by-site.png", full_page=False)
