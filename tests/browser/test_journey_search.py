"""Journey (issue 13, "Done when"): on the demo study a PI searches for 朋輩 and for "family",
sees where they occur by group and wave, auto-codes the participants' hits into their own
layer, sees them on a coding page, undoes the batch with one undo, compares word
frequencies across waves and cuts the matrix by gender. Driven through what is on screen;
checked against the database in code points and against plain Python scans of the texts (nothing shared with coding.search)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from io import StringIO
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.http import QueryDict
from django.urls import reverse

from coding.compare import cuts
from coding.models import AuditEvent, Code, Layer, Segment
from coding.words import forms as word_forms
from coding.words import selectors as word_selectors
from studies.models import Study, Transcript
from tests.browser.coding_helpers import SEGMENTS_AT
from tests.coding.test_autocode import expected_spans

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/shots-gaps13/journey-search"


def hits_by_group_and_wave(transcripts, pattern: str) -> dict[tuple[str, str], int]:
    """Non-overlapping, case-insensitive occurrences of ``pattern`` (a regex) per (group,
    wave) name, over whole texts."""
    out: Counter = Counter()
    for t in transcripts:
        out[(t.participant.group.name, t.wave.name)] += len(re.findall(pattern, t.text, re.I))
    return dict(out)


def counts_table(page) -> dict[tuple[str, str], int]:
    """The Search page's "Hits by group and wave" table: (group, wave) -> hits."""
    table = page.locator("table.search-counts")
    waves = [th.strip() for th in table.locator("thead th").all_inner_texts()][1:-1]
    out = {}
    for row in table.locator("tbody tr").all():
        group = row.locator("th").inner_text().strip()
        cells = row.locator("td").all_inner_texts()[:-1]
        for wave, text in zip(waves, cells, strict=True):
            if text.strip() != "—":
                out[(group, wave)] = int(text.split()[0])
    return out


def search(page, words: str, *, variants=False, participants_only=False) -> int:
    """Fill the search form as a person would and return the number of hits it reports."""
    page.get_by_label("Words or “a phrase”").fill(words)
    box = page.get_by_label("Traditional = Simplified (朋輩 finds 朋辈)")
    box.check() if variants else box.uncheck()
    page.get_by_label("Whose words").select_option("participant" if participants_only else "")
    page.get_by_role("button", name="Search").click()

    def shown(url: str) -> bool:  # the page's address follows the form (hx-push-url)
        query = parse_qs(urlsplit(url).query)
        return (
            query.get("q") == [words]
            and ("variants" in query) == variants
            and (query.get("speech") == ["participant"]) == participants_only
        )

    page.wait_for_url(shown)
    page.wait_for_load_state("networkidle")  # the option's change and the submit both re-render
    summary = page.locator(".search-summary")
    summary.wait_for()
    found = re.match(r"(\d[\d,]*) hits?", summary.inner_text())
    return int(found.group(1).replace(",", "")) if found else 0


def test_a_pi_searches_auto_codes_undoes_and_cuts_the_matrix_by_gender(page, login_as, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", password="pw-for-tests-1", stdout=StringIO())
    study = Study.objects.get()
    pi = get_user_model().objects.get(username="pi")
    transcripts = list(
        Transcript.objects.filter(study=study).select_related("participant__group", "wave")
    )
    before = set(Segment.objects.values_list("pk", flat=True))
    login_as(pi)
    page.goto(reverse("coding:search", args=[study.pk]))

    # I search for 朋輩; written the Simplified way it is found only with the variants folded.
    traditional = sum(t.text.count("朋輩") for t in transcripts)
    simplified = sum(t.text.count("朋辈") for t in transcripts)
    assert traditional > 0
    assert search(page, "朋輩") == traditional
    assert search(page, "朋辈") == simplified
    assert search(page, "朋辈", variants=True) == traditional + simplified
    assert counts_table(page) == hits_by_group_and_wave(transcripts, "朋輩|朋辈")
    page.screenshot(path=f"{SHOTS}-1-variants.png", full_page=False)

    # I search for "family" and see where it occurs by group and wave.
    assert search(page, "family") == sum(hits_by_group_and_wave(transcripts, "family").values())
    assert counts_table(page) == hits_by_group_and_wave(transcripts, "family")
    page.screenshot(path=f"{SHOTS}-2-family.png", full_page=False)

    # Only the participants' words, and I auto-code those hits, each with its sentence.
    code = Code.objects.get(study=study, name="Family encouragement")
    expected = expected_spans(transcripts, "family", "sentence")
    participant_hits = sum(
        len(re.findall("family", t.text[s:e], re.I))
        for t in transcripts
        for s, e in _participant_turns(t)
    )
    assert search(page, "family", participants_only=True) == participant_hits
    choose = page.get_by_label("Code", exact=True)
    for _ in range(3):  # a late re-render of the results closes the details again
        if not choose.is_visible():
            page.get_by_text(re.compile(r"Auto-code these \d+ hits")).click()
        page.wait_for_timeout(300)
    choose.select_option(str(code.pk))
    page.get_by_label("Code each hit with").select_option("sentence")
    page.get_by_label("Layer").select_option("mine")
    page.get_by_role("button", name="Preview").click()
    summary = page.locator(".autocode-summary")
    summary.wait_for()
    new = {x for x in expected if not _held(pi, code, x)}
    assert summary.inner_text().startswith(f"{len(new)} highlight")
    assert set(Segment.objects.values_list("pk", flat=True)) == before  # a preview writes none
    page.screenshot(path=f"{SHOTS}-3-preview.png", full_page=False)
    page.get_by_role("button", name=re.compile(r"Create \d+ highlight")).click()
    page.get_by_text(f"Auto-coded {len(new)} passage").first.wait_for()

    made = Segment.objects.exclude(pk__in=before).select_related("transcript", "layer")
    assert {(s.transcript_id, s.start, s.end) for s in made} == new
    texts = {t.pk: t.text for t in transcripts}
    for s in made:  # code points: Python's own slicing of the stored text
        assert s.quote == texts[s.transcript_id][s.start : s.end]
        assert s.code_id == code.pk and s.layer.user_id == pi.pk
    batch = AuditEvent.objects.get(action="segment.autocode")
    assert sorted(r[0] for r in batch.after["segments"]) == sorted(s.pk for s in made)
    reach = len({s.transcript_id for s in made})
    assert reach > 1

    # I see them on a coding page.
    first = min(made, key=lambda s: (s.transcript.title, s.start))
    page.goto(reverse("coding:transcript_code", args=[study.pk, first.transcript_id]))
    mark = page.locator(f'mark.r[data-start="{first.start}"]').first
    mark.wait_for()
    assert first.pk in mark.evaluate(SEGMENTS_AT)
    mark.scroll_into_view_if_needed()
    page.screenshot(path=f"{SHOTS}-4-coding-page.png", full_page=False)

    # One undo removes the batch: in my layer (the owner's page opens on Mine; the link
    # keeps it there) it reaches other transcripts, so the page asks first.
    page.get_by_role("navigation", name="Layer shown").get_by_role("link", name="Mine").click()
    page.locator("#edit-state", has_text="Editing your layer").wait_for()
    page.locator(f'mark.r[data-start="{first.start}"]').first.wait_for()
    page.locator("#transcript").focus()
    page.keyboard.press("Control+z")
    question = page.locator("#toast .toast-text")
    question.wait_for()
    assert question.inner_text() == (
        f"Undo auto-coding ‘{code.name}’: {len(new)} passages in {reach} transcripts?"
    )
    page.screenshot(path=f"{SHOTS}-5-undo-question.png", full_page=False)
    page.keyboard.press("Enter")
    page.locator("#toast .toast-text", has_text="Undone").wait_for()
    assert set(Segment.objects.values_list("pk", flat=True)) == before
    assert (
        AuditEvent.objects.filter(action="segment.autocode_undo", object_id=batch.pk).count() == 1
    )

    # I compare word frequencies across waves: the Words tab, everyone's words, "family"
    # per wave against a plain scan of the whole word (the server counted the study before:
    # the first count of 77 texts takes seconds on a busy machine, longer than a click waits).

    word_selectors.word_table(
        study, word_forms.word_params(QueryDict("")), cuts.cut_from(study, QueryDict(""))
    )
    family = re.compile(r"(?<![^\W\d_])family(?![^\W\d_'’])", re.IGNORECASE)
    page.goto(reverse("coding:words", args=[study.pk]))
    words = page.get_by_role("table", name=re.compile("Most frequent words"))
    words.wait_for()
    waves_in_order = [w.name for w in study.waves.all()]
    n_groups = study.groups.count()
    by_wave = dict.fromkeys(waves_in_order, 0)
    for wave, text in study.transcripts.values_list("wave__name", "text"):
        if wave:
            by_wave[wave] += len(family.findall(text))
    row = words.locator("tbody tr", has=page.get_by_role("link", name="family", exact=True))
    cells = [int(c.replace(",", "")) for c in row.locator("td").all_inner_texts()]
    shown = [
        sum(cells[i] for i in range(j, len(waves_in_order) * n_groups, len(waves_in_order)))
        for j in range(len(waves_in_order))
    ]
    assert shown == [by_wave[w] for w in waves_in_order]
    page.screenshot(path=f"{SHOTS}-words.png", full_page=False)

    # I cut the matrix by gender (coder1's layer, segments, each code on its own).
    coder1 = Layer.objects.get(study=study, user__username="coder1")
    page.goto(
        reverse("coding:compare_matrix", args=[study.pk])
        + "?layer=coder1&measure=segments&rollup=0"
    )
    page.get_by_label("Columns by").select_option(label="gender")
    page.locator("#matrix-caption", has_text="Segments by gender and wave").wait_for()
    waves = [w.name for w in study.waves.all()]
    genders = ["female", "male"]
    heads = page.locator("#compare-matrix thead tr")
    assert heads.nth(0).inner_text().split()[1:] == genders
    interviewed = defaultdict(set)
    for t in transcripts:
        interviewed[(t.participant.attributes.get("gender"), t.wave.name)].add(t.participant_id)
    assert [int(n) for n in re.findall(r"n=(\d+)", heads.nth(1).inner_text())] == [
        len(interviewed[(g, w)]) for g in genders for w in waves
    ]
    raw = Counter(
        (s.code_id, s.transcript.participant.attributes.get("gender"), s.transcript.wave.name)
        for s in Segment.objects.filter(layer=coder1).select_related(
            "transcript__participant", "transcript__wave"
        )
    )
    names = Counter(Code.objects.filter(study=study).values_list("name", flat=True))
    checked = 0
    for row in page.locator("#compare-matrix tbody tr").all():
        name = row.locator("th .code-head, th span[title]").first.inner_text().strip()
        if names[name] != 1:
            continue
        pk = Code.objects.get(study=study, name=name).pk
        cells = [c.split()[0] for c in row.locator("td").all_inner_texts()]
        want = [
            str(raw[(pk, g, w)]) if interviewed[(g, w)] else "—" for g in genders for w in waves
        ]
        assert cells == want, name
        checked += 1
    assert checked >= 10
    page.screenshot(path=f"{SHOTS}-6-matrix-by-gender.png", full_page=False)


def _participant_turns(t):
    from tests.coding.test_autocode import participant_bodies

    return participant_bodies(t.text, t.participant.pseudonym)


def _held(user, code, span) -> bool:
    tid, start, end = span
    return Segment.objects.filter(
        layer__user=user, code=code, transcript_id=tid, start=start, end=end
    ).exists()
