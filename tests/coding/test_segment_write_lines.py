"""A write through the coding page answers with only what changed (issue 12): the touched
turns, the codebook rows of the codes it touched, the save status, the toast, the hint and
the changed ``segments-data`` entries, all out of band.

The key check applies a response's out-of-band fragments to the page as it was before the
write (parse, replace elements by id, merge the segment entries as the page script does)
and compares it with a freshly rendered page: the turns, the codebook rows and the segment
data must be identical, whatever the writes.
"""

from __future__ import annotations

import json
import random
import re

import lxml.html
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coding.models import Segment
from tests import factories
from tests.coding.margin_drawn import draw_doc

HX = {"HTTP_HX_REQUEST": "true"}

PIECES = [
    "P01: ",
    "訪問員：",
    "我唔知自己嘅角色。",
    "𠀀𠀁𠀂 ",
    "I felt ashamed at first. ",
    "Then it got better, slowly. ",
    "😀 ",
    "\n",
    "\n\n",
]


def dense_text(rng: random.Random, pieces: int = 260) -> str:
    text = "".join(rng.choice(PIECES) for _ in range(pieces))
    return text.strip("\n") + "\nP02: the end."


@pytest.fixture
def setup(study, coder, coder2, owner):
    rng = random.Random(1)
    transcript = factories.make_transcript(study, text=dense_text(rng))
    parent = factories.make_code(study, name="Feelings")
    codes = [factories.make_code(study, name=f"Code {i}", parent=parent) for i in range(5)]
    codes.append(factories.make_code(study, name="Hope"))
    mine = factories.make_layer(study, coder)
    other = factories.make_layer(study, coder2)
    cons = factories.make_layer(study)
    text = transcript.text
    for i in range(90):
        start = rng.randrange(0, len(text) - 2)
        end = min(len(text), start + rng.randrange(1, 120))
        layer = (mine, other, cons)[i % 3]
        factories.make_segment(transcript, codes[i % len(codes)], layer, start, end)
    return {"transcript": transcript, "codes": codes, "parent": parent, "mine": mine, "cons": cons}


def page_url(transcript, view, code_filter=None):
    url = reverse("coding:transcript_code", args=[transcript.study_id, transcript.pk])
    return f"{url}?layer={view}" + (f"&code={code_filter}" if code_filter else "")


def parse(html: str):
    """The page as the browser holds it: its margin drawn by the script."""
    doc = lxml.html.document_fromstring(html)
    draw_doc(doc)
    return doc


def by_id(doc, ident):
    found = doc.xpath(f'//*[@id="{ident}"]')
    return found[0] if found else None


def apply_response(doc, response) -> None:
    """What htmx does with the answer: out-of-band elements replace theirs by id; the rest
    replaces #transcript unless the answer says HX-Reswap: none; then the page script
    merges ``segments-delta`` into ``segments-data``."""
    body = response.content.decode()
    fragments = lxml.html.fragments_fromstring(body) if body.strip() else []
    main = []
    delta = None
    for frag in fragments:
        if isinstance(frag, str):
            continue
        how = frag.attrib.pop("hx-swap-oob", None)
        if how is None:
            main.append(frag)
            continue
        if frag.get("id") == "segments-delta":
            delta = json.loads(frag.text or "{}")
            continue
        if how.startswith("outerHTML:#codebook-tree [data-code="):
            code = re.fullmatch(r"outerHTML:#codebook-tree \[data-code='(\d+)'\]", how).group(1)
            target = doc.xpath(f'//*[@id="codebook-tree"]/li[@data-code="{code}"]')[0]
            how = "true"
        else:
            target = by_id(doc, frag.get("id"))
        assert target is not None, f"no #{frag.get('id')} on the page"
        if how == "innerHTML":
            for child in list(target):
                target.remove(child)
            target.text = frag.text
            for child in list(frag):
                target.append(child)
        else:
            assert how == "true", how
            frag.tail = target.tail
            target.getparent().replace(target, frag)
    if response.get("HX-Reswap") != "none":
        assert len(main) == 1 and main[0].get("id") == "transcript"
        old = by_id(doc, "transcript")
        main[0].tail = old.tail
        old.getparent().replace(old, main[0])
    else:
        assert not main, "a partial answer has nothing but out-of-band fragments"
    if delta is not None:
        # The table's rows are [id, start, end, code, layer, memo, review, date, codebook
        # period]: drop the rows of the ids named, add the set rows, keep reading order
        # (start, -end, id). A set row has no period: an edited segment keeps its own, a
        # new one is under the latest (mergeSegments does the same).
        data = by_id(doc, "segments-data")
        table = json.loads(data.text)
        before = {row[0]: row[8] for row in table["segs"]}
        for row in delta.get("set", []):
            if len(row) == 8:
                row.append(before.get(row[0], len(table["periods"]) - 1))
        named = set(delta.get("del", [])) | {row[0] for row in delta.get("set", [])}
        rows = [row for row in table["segs"] if row[0] not in named] + delta.get("set", [])
        table["segs"] = sorted(rows, key=lambda row: (row[1], -row[2], row[0]))
        table["layers"] = delta["layers"]
        table["strokes"] = {**table.get("strokes", {}), **delta.get("strokes", {})}
        data.text = json.dumps(table)
    # The script draws the margin of the turns swapped in (static/js/coding/margin.js).
    draw_doc(doc)
    if delta is not None:
        fit_lanes(doc)


def fit_lanes(doc) -> None:
    """What the page script's ``fitLanes`` does after a partial answer: labels sit right of
    the stripe lanes in use, counted from the stripes, at most ``--block-lanes``."""
    transcript = by_id(doc, "transcript")
    style = transcript.get("style")
    most = int(re.search(r"--block-lanes:(\d+)", style).group(1))
    lanes = [
        int(m.group(1))
        for stripe in doc.find_class("stripe")
        if (m := re.search(r"--lane:(\d+)", stripe.get("style", "")))
    ]
    shown = max(1, min(max(lanes, default=-1) + 1, most))
    transcript.set("style", re.sub(r"--lanes-shown:\d+", f"--lanes-shown:{shown}", style))


def state_of(doc) -> dict:
    transcript = by_id(doc, "transcript")
    attrs = dict(transcript.attrib)
    attrs.pop("data-lanes", None)  # read by nothing (see the report of issue 12)
    return {
        "attrs": attrs,
        "turns": [lxml.html.tostring(t, encoding="unicode") for t in doc.find_class("turn")],
        "hint": lxml.html.tostring(by_id(doc, "transcript-hint"), encoding="unicode"),
        "rows": [
            lxml.html.tostring(li, encoding="unicode")
            for li in doc.xpath('//*[@id="codebook-tree"]/li')
        ],
        "segs": table_of(doc),
    }


def table_of(doc) -> dict:
    """The segment table; of its strokes those of the codes it has rows of (the page keeps
    those of codes no longer on it: they draw nothing)."""
    table = json.loads(by_id(doc, "segments-data").text)
    codes = {str(row[3]) for row in table["segs"]}
    table["strokes"] = {k: v for k, v in table.get("strokes", {}).items() if k in codes}
    return table


class Writer:
    """Random writes from the coding page of one layer view, as the page script posts them."""

    def __init__(self, client, setup, view, code_filter, rng):
        self.client, self.view, self.code_filter, self.rng = client, view, code_filter, rng
        self.transcript = setup["transcript"]
        self.codes = setup["codes"]
        self.layer = setup["mine"] if view == "mine" else setup["cons"]
        self.args = [self.transcript.study_id, self.transcript.pk]

    def common(self) -> dict:
        return {"view": self.view, "code_filter": self.code_filter or "", "partial": "1"}

    def span(self) -> dict:
        text = self.transcript.text
        start = self.rng.randrange(0, len(text) - 1)
        end = min(len(text), start + self.rng.randrange(1, 150))
        return {"start": start, "end": end, "quote": text[start:end]}

    def create(self):
        codes = self.rng.sample(self.codes, self.rng.choice((1, 1, 2)))
        data = {
            **self.common(),
            **self.span(),
            "code_ids": [c.pk for c in codes],
            "version": self.transcript.version,
            "layer": self.view,
            "memo": self.rng.choice(["", "記住 𠀀 this"]),
        }
        return self.client.post(reverse("coding:segment_create", args=self.args), data, **HX)

    def mine(self):
        return list(Segment.objects.filter(layer=self.layer, transcript=self.transcript))

    def update(self):
        segs = self.mine()
        if not segs:
            return self.create()
        seg = self.rng.choice(segs)
        data = self.common()
        kind = self.rng.choice(("code", "memo", "span", "all"))
        if kind in ("code", "all"):
            data["code_id"] = self.rng.choice(self.codes).pk
        if kind in ("memo", "all"):
            data["memo"] = self.rng.choice(["", "changed 改", "😀 again"])
        if kind in ("span", "all"):
            data.update(self.span(), version=self.transcript.version)
        url = reverse("coding:segment_update", args=[*self.args, seg.pk])
        return self.client.post(url, data, **HX)

    def delete(self):
        segs = self.mine()
        if not segs:
            return self.create()
        url = reverse("coding:segment_delete", args=[*self.args, self.rng.choice(segs).pk])
        return self.client.post(url, self.common(), **HX)

    def undo(self):
        return self.client.post(reverse("coding:segment_undo", args=self.args), self.common(), **HX)


@pytest.mark.parametrize(
    ("who", "view", "filtered", "seed", "blind"),
    [
        ("coder", "mine", False, 1, False),
        ("coder", "mine", False, 2, False),
        ("coder", "mine", True, 3, False),
        ("owner", "consensus", False, 4, False),
        ("coder", "mine", False, 5, True),
    ],
)
def test_out_of_band_answers_leave_the_page_as_a_fresh_render(
    setup, study, coder_client, owner_client, who, view, filtered, seed, blind
):
    if blind:
        # Blind coding: the counts' "all" is the coder's own layer, as on the page.
        study.blind_coding = True
        study.save(update_fields=["blind_coding"])
    client = coder_client if who == "coder" else owner_client
    code_filter = setup["parent"].pk if filtered else None
    rng = random.Random(seed)
    writer = Writer(client, setup, view, code_filter, rng)
    url = page_url(setup["transcript"], view, code_filter)
    doc = parse(client.get(url).content.decode())
    partial = 0
    for step in range(30):
        op = rng.choice(("create", "create", "update", "delete", "undo"))
        response = getattr(writer, op)()
        assert response.status_code == 200, (step, op)
        partial += response.get("HX-Reswap") == "none"
        apply_response(doc, response)
        fresh = parse(client.get(url).content.decode())
        got, want = state_of(doc), state_of(fresh)
        for key in want:
            assert got[key] == want[key], (step, op, key)
    # Most answers were partial (a refusal swaps nothing either; fall-backs are rare).
    assert partial >= 20


def test_the_first_write_of_a_coder_without_a_layer_names_the_new_layer(study, coder_client):
    # The page was rendered before the coder had a layer (its table lists none); the write
    # makes it, and the merged table must name it as a fresh render does.
    transcript = factories.make_transcript(study, text="P01: hello there.\nP02: the end.")
    code = factories.make_code(study, name="Hope")
    url = page_url(transcript, "mine")
    doc = parse(coder_client.get(url).content.decode())
    assert json.loads(by_id(doc, "segments-data").text)["layers"] == []
    data = {
        "view": "mine",
        "partial": "1",
        "layer": "mine",
        "code_ids": [code.pk],
        "start": 5,
        "end": 10,
        "quote": "hello",
        "version": transcript.version,
    }
    create = reverse("coding:segment_create", args=[study.pk, transcript.pk])
    response = coder_client.post(create, data, **HX)
    assert response["HX-Reswap"] == "none"
    apply_response(doc, response)
    assert state_of(doc) == state_of(parse(coder_client.get(url).content.decode()))
    assert json.loads(by_id(doc, "segments-data").text)["layers"] == [["you", 1]]


def test_a_partial_answer_holds_only_the_touched_turns(setup, coder_client):
    transcript = setup["transcript"]
    text = transcript.text
    line = text.index("P02: the end.")
    data = {
        "view": "mine",
        "partial": "1",
        "layer": "mine",
        "code_ids": [setup["codes"][5].pk],
        "start": line,
        "end": line + 3,
        "quote": "P02",
        "version": transcript.version,
    }
    url = reverse("coding:segment_create", args=[transcript.study_id, transcript.pk])
    response = coder_client.post(url, data, **HX)
    body = response.content.decode()
    assert response["HX-Reswap"] == "none"
    index = text[:line].count("\n")
    assert body.count('<div hx-swap-oob="true" class="turn') == 1 and f'id="ln-{index}"' in body
    assert 'id="codebook-panel"' not in body and 'id="transcript"' not in body
    assert f"hx-swap-oob=\"outerHTML:#codebook-tree [data-code='{setup['codes'][5].pk}']\"" in body
    seg = Segment.objects.get(start=line, end=line + 3)
    delta = json.loads(lxml.html.fragment_fromstring(body[body.index("<script") :]).text)
    assert [row[:3] for row in delta["set"]] == [[seg.pk, line, line + 3]] and not delta["del"]
    full = coder_client.get(page_url(transcript, "mine"))
    assert len(body) * 10 < len(full.content)


def test_a_stale_version_falls_back_to_the_whole_transcript(setup, coder_client):
    transcript = setup["transcript"]
    data = {
        "view": "mine",
        "partial": "1",
        "layer": "mine",
        "code_ids": [setup["codes"][0].pk],
        "start": 0,
        "end": 3,
        "quote": transcript.text[:3],
        "version": transcript.version + 1,
    }
    url = reverse("coding:segment_create", args=[transcript.study_id, transcript.pk])
    response = coder_client.post(url, data, **HX)
    assert response.get("HX-Reswap") != "none"
    assert response.content.decode().lstrip().startswith('<section id="transcript"')
    assert not Segment.objects.filter(start=0, end=3).exists()


def test_a_new_code_falls_back_to_the_whole_transcript_and_codebook(setup, owner_client):
    transcript = setup["transcript"]
    data = {
        "view": "consensus",
        "partial": "1",
        "layer": "consensus",
        "new_code_name": "Brand new",
        "start": 0,
        "end": 3,
        "quote": transcript.text[:3],
        "version": transcript.version,
    }
    url = reverse("coding:segment_create", args=[transcript.study_id, transcript.pk])
    doc = parse(owner_client.get(page_url(transcript, "consensus")).content.decode())
    response = owner_client.post(url, data, **HX)
    body = response.content.decode()
    assert response.get("HX-Reswap") != "none"
    assert 'id="codebook-panel"' in body and "Brand new" in body
    apply_response(doc, response)
    fresh = parse(owner_client.get(page_url(transcript, "consensus")).content.decode())
    assert state_of(doc) == state_of(fresh)


def test_a_write_from_all_is_refused_and_changes_nothing(setup, coder_client):
    transcript = setup["transcript"]
    before = Segment.objects.count()
    data = {
        "view": "all",
        "partial": "1",
        "layer": "mine",
        "code_ids": [setup["codes"][0].pk],
        "start": 0,
        "end": 3,
        "quote": transcript.text[:3],
        "version": transcript.version,
    }
    url = reverse("coding:segment_create", args=[transcript.study_id, transcript.pk])
    response = coder_client.post(url, data, **HX)
    assert response["HX-Reswap"] == "none"
    assert "reading view" in response.content.decode()
    assert 'class="turn' not in response.content.decode()
    assert Segment.objects.count() == before


def _queries_of_writes(client, study, coder, count: int) -> list[int]:
    rng = random.Random(count)
    text = dense_text(rng, 3000)
    transcript = factories.make_transcript(study, text=text)
    code = factories.make_code(study, name=f"Q{count}")
    layer = factories.make_layer(study, coder)
    rows, seen = [], set()
    while len(rows) < count:
        start = rng.randrange(0, len(text) - 100)
        end = start + rng.randrange(5, 90)
        if (start, end) in seen:
            continue
        seen.add((start, end))
        rows.append(
            Segment(
                transcript=transcript,
                code=code,
                layer=layer,
                start=start,
                end=end,
                quote="",
            )
        )
    for row in rows:
        row.quote = text[row.start : row.end]
    Segment.objects.bulk_create(rows)
    args = [study.pk, transcript.pk]
    common = {"view": "mine", "partial": "1"}
    start = text.index("P02: the end.")
    counts = []
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(
            reverse("coding:segment_create", args=args),
            {
                **common,
                "layer": "mine",
                "code_ids": [code.pk],
                "start": start,
                "end": start + 3,
                "quote": "P02",
                "version": transcript.version,
            },
            **HX,
        )
    assert response["HX-Reswap"] == "none"
    counts.append(len(ctx.captured_queries))
    seg = Segment.objects.get(transcript=transcript, start=start, end=start + 3)
    with CaptureQueriesContext(connection) as ctx:
        url = reverse("coding:segment_update", args=[*args, seg.pk])
        response = client.post(url, {**common, "memo": "a memo"}, **HX)
    assert response["HX-Reswap"] == "none"
    counts.append(len(ctx.captured_queries))
    with CaptureQueriesContext(connection) as ctx:
        url = reverse("coding:segment_delete", args=[*args, seg.pk])
        response = client.post(url, common, **HX)
    assert response["HX-Reswap"] == "none"
    counts.append(len(ctx.captured_queries))
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(reverse("coding:segment_undo", args=args), common, **HX)
    assert response["HX-Reswap"] == "none"
    counts.append(len(ctx.captured_queries))
    return counts


def test_a_write_costs_the_same_queries_at_50_and_2000_segments(study, coder, coder_client):
    assert _queries_of_writes(coder_client, study, coder, 50) == _queries_of_writes(
        coder_client, study, coder, 2000
    )


@pytest.mark.parametrize("view", ["mine", "consensus", "all"])
@pytest.mark.parametrize("edit", [True, False])
@pytest.mark.parametrize("code_filter", [None, 7])
@pytest.mark.parametrize("shown", [True, False])
def test_the_answers_status_pieces_equal_the_page_templates_partials(
    rf, view, edit, code_filter, shown
):
    import datetime
    from types import SimpleNamespace

    from django.template.loader import render_to_string

    from coding.segments import writes

    state = SimpleNamespace(view=view, edit="mine" if edit else None)
    saved_at = datetime.datetime(2026, 3, 4, 9, 5)
    request = rf.get("/")
    confirm = {
        "text": "Undo auto-coding ‘<b>&’: 4 passages in 3 transcripts?",
        "confirm": 17,
        "csrf": 'tok"en',
        "url": "/studies/1/transcripts/2/undo/",
        "code_filter": "5",
    }
    for toast in (
        None,
        {"text": "Coded ‘<b>&’", "undo": True},
        {"text": "x", "undo": False},
        confirm,
    ):
        ctx = {
            "state": state,
            "code_filter": code_filter,
            "tv": {"line_count": 1, "segment_count": int(shown)},
            "hint_oob": True,
            "oob": True,
            "toast": toast,
            "saved_at": saved_at,
            "error": "",
        }
        template = "coding/segments/transcript_code.html"
        for name, ours in (
            ("hint", writes.hint_html(state, code_filter, shown=shown, has_text=True)),
            ("status", writes.status_html(saved_at)),
            ("toast", writes.toast_html(toast, state)),
            ("alert", writes.ALERT_CLEARED),
        ):
            theirs = render_to_string(f"{template}#{name}", ctx, request=request).strip()
            assert lxml.html.tostring(lxml.html.fragment_fromstring(ours)) == lxml.html.tostring(
                lxml.html.fragment_fromstring(theirs)
            ), name


@pytest.mark.parametrize("long_layer", ["mine", "cons"])
def test_a_long_segment_from_far_before_is_drawn_on_a_touched_line(setup, coder_client, long_layer):
    # The touched segments are read from a start range bounded by the transcript's longest
    # segment: one starting near the top and ending on the last line must still be there.
    transcript, codes = setup["transcript"], setup["codes"]
    text = transcript.text
    last = text.rindex("\n") + 1
    factories.make_segment(transcript, codes[0], setup[long_layer], 3, len(text) - 2)
    url = page_url(transcript, "mine")
    doc = parse(coder_client.get(url).content.decode())
    start = last + text[last:].index("the end")
    data = {
        "code_ids": [codes[1].pk],
        "start": start,
        "end": start + 3,
        "quote": "the",
        "version": transcript.version,
        "layer": "mine",
        "view": "mine",
        "partial": "1",
    }
    create = reverse("coding:segment_create", args=[transcript.study_id, transcript.pk])
    response = coder_client.post(create, data, **HX)

    assert response["HX-Reswap"] == "none"
    apply_response(doc, response)
    fresh = parse(coder_client.get(url).content.decode())
    assert state_of(doc) == state_of(fresh)
