"""REFI-QDA import: other tools' position conventions and limits (issue 10 §1).

Each file is built here from the spec; the expected quotes are computed independently,
by slicing the text in the file's own convention (UTF-16 units, CR LF as one, ...).
"""

from __future__ import annotations

import codecs
import re

from coding.models import Code, Memo, Segment, Theme
from tests import factories
from tests.coding.test_refi_import import C2, S1, U1, U2, project, qdpx, run, text_source

# Social-media text: emoji (astral, 2 UTF-16 units), 𠝹 (astral CJK), CR LF line endings.
POSTS = (
    "User1: Loved the training 😀😀 so much!\r\n"
    "User2: 我唔知 𠝹 my role yet 🙃 but trust grew.\r\n"
    "User3: The placement 👍 helped me 🎉🎉🎉 find work.\r\n"
    "User4: Support from peers 💪 made the difference.\r\n"
)
WORDS = ["training", "trust grew", "helped me", "find work", "difference", "Support", "我唔知"]


def utf16_positions(text: str, phrase: str) -> tuple[int, int]:
    start = text.index(phrase)
    before = len(text[:start].encode("utf-16-le")) // 2
    return before, before + len(phrase.encode("utf-16-le")) // 2


def utf16_slice(text: str, start: int, end: int) -> str:
    return text.encode("utf-16-le")[2 * start : 2 * end].decode("utf-16-le")


def quotes(study) -> list[str]:
    return sorted(Segment.objects.filter(transcript__study=study).values_list("quote", flat=True))


def test_nvivo_utf16_positions_without_previews_land_on_the_words(study, owner):
    selections = [(*utf16_positions(POSTS, w), None, U1) for w in WORDS]
    expected = sorted(utf16_slice(POSTS, s, e).replace("\r", "") for s, e, _n, _u in selections)
    assert expected == sorted(WORDS)  # the test's own reading of the file
    qde = project(text_source(S1, "posts.txt", selections), origin="NVivo 12")
    report = run(study, owner, qdpx(qde, {f"sources/{S1}.txt": POSTS.encode()}))
    assert quotes(study) == expected
    assert report.conventions == {"UTF-16 units": 1}


def test_utf16_positions_are_found_by_boundaries_when_the_tool_is_unknown(study, owner):
    selections = [(*utf16_positions(POSTS, w), None, U1) for w in WORDS]
    qde = project(text_source(S1, "posts.txt", selections), origin="Some tool")
    report = run(study, owner, qdpx(qde, {f"sources/{S1}.txt": POSTS.encode()}))
    assert quotes(study) == sorted(WORDS)
    assert report.conventions == {"UTF-16 units": 1}
    assert not any("could not be established" in w for w in report.warnings)


def test_utf16_with_crlf_counted_once_and_a_counted_bom(study, owner):
    once = POSTS.replace("\r\n", "\n")
    selections = [(1 + s, 1 + e, None, U1) for s, e in (utf16_positions(once, w) for w in WORDS)]
    qde = project(text_source(S1, "posts.txt", selections), origin="Other")
    data = codecs.BOM_UTF8 + POSTS.encode()
    report = run(study, owner, qdpx(qde, {f"sources/{S1}.txt": data}))
    assert quotes(study) == sorted([utf16_slice(once, s - 1, e - 1) for s, e, *_ in selections])
    assert list(report.conventions) == ["UTF-16 units, CR LF counted once, BOM counted"]


def test_an_unsure_convention_is_imported_and_said_with_counts(study, owner):
    # Both readings land on word boundaries: nothing tells them apart.
    text = "😀 a b c d e f"  # UTF-16 (3, 6) is "a b", code points (3, 6) is " b "
    qde = project(text_source(S1, "t.txt", [(3, 6, None, U1)]), origin="Other")
    report = run(study, owner, qdpx(qde, {f"sources/{S1}.txt": text.encode()}))
    assert Segment.objects.count() == 1
    [warning] = [w for w in report.warnings if "could not be established" in w]
    assert "1 of 1 selection" in warning


def test_code_point_files_with_emoji_keep_code_points(study, owner):
    selections = [(POSTS.index(w), POSTS.index(w) + len(w), None, U1) for w in WORDS]
    qde = project(text_source(S1, "posts.txt", selections), origin="Thematic coding workbench")
    report = run(study, owner, qdpx(qde, {f"sources/{S1}.txt": POSTS.encode()}))
    assert quotes(study) == sorted(WORDS)
    assert report.conventions == {"code points": 1}


def test_qc_line_names_are_not_taken_for_previews(study, owner):
    text = "Line one here.\nLine two has trust.\n"
    start = text.index("trust")
    qde = project(text_source(S1, "qc.txt", [(start, start + 5, "line:2", U1)]), origin="qc")
    report = run(study, owner, qdpx(qde, {f"sources/{S1}.txt": text.encode()}))
    assert quotes(study) == ["trust"]
    assert not any("do not match" in w for w in report.warnings)


def test_a_source_without_a_name_is_titled_by_its_file(study, owner):
    text = "Diet and health."
    source = (
        f'<TextSource guid="{S1}" plainTextPath="interview_07.txt">'
        f'<PlainTextSelection guid="{U2[:-1]}9" startPosition="9" endPosition="15">'
        f'<Coding guid="{U2[:-1]}8"><CodeRef targetGUID="{C2}"/></Coding>'
        "</PlainTextSelection></TextSource>"
    )
    run(study, owner, qdpx(project(source), {"Sources/interview_07.txt": text.encode()}))
    transcript = study.transcripts.get()
    assert transcript.title == "interview_07"
    assert quotes(study) == ["health"]


LONG = "A" * 100 + " very long code name that goes past the limit"  # 146 characters


def test_an_over_long_code_name_is_shortened_not_refused(study, owner):
    codes = (
        f'<Code guid="{C2}" name="{LONG}" isCodable="true"><Description>Def.</Description></Code>'
    )
    qde = project(text_source(S1, "a.txt", [(9, 15, "health", U1)]), codes=codes)
    report = run(study, owner, qdpx(qde, {f"sources/{S1}.txt": b"Diet and health."}))
    code = Code.objects.get(study=study)
    assert len(code.name) == 120 and code.name.endswith("…")
    assert LONG in code.description and "Def." in code.description
    assert any("shortened" in w for w in report.warnings)
    assert quotes(study) == ["health"]


def test_codes_deeper_than_the_limit_are_kept_at_the_deepest_level(study, owner):
    codes, close = "", ""
    for level in range(10):
        guid = C2 if level == 9 else f"30000000-0000-0000-0000-{level:012d}"
        codes += f'<Code guid="{guid}" name="L{level}" isCodable="true">'
        close += "</Code>"
    qde = project(text_source(S1, "a.txt", [(9, 15, "health", U1)]), codes=codes + close)
    report = run(study, owner, qdpx(qde, {f"sources/{S1}.txt": b"Diet and health."}))
    segment = Segment.objects.select_related("code").get()
    assert segment.code.name == "L9" and "L0 › L1" in segment.code.description
    assert Code.objects.filter(study=study).count() == 10
    assert any("levels deep" in w for w in report.warnings)


def test_descriptions_sets_categories_and_authors_are_kept_or_listed(study, owner, coder):
    text = "Diet and health."
    source = text_source(S1, "a.txt", [(9, 15, "health", U1)]).replace(
        "<PlainTextSelection",
        "<Description>Recorded at the clinic.</Description><PlainTextSelection",
        1,
    )
    users = f'<User guid="{U1}" name="Researcher A"/><User guid="{U2}" name="bob"/>'
    extra = (
        '<Cases><Case guid="70000000-0000-0000-0000-000000000001" name="P01">'
        "<Description>Joined in May.</Description></Case></Cases>"
        '<Notes><Note guid="80000000-0000-0000-0000-000000000001" name="By bob" '
        f'creatingUser="{U2}"><PlainTextContent>Bob wrote this.</PlainTextContent></Note>'
        '<Note guid="80000000-0000-0000-0000-000000000002" name="By A" '
        f'creatingUser="{U1}"><PlainTextContent>A wrote this.</PlainTextContent></Note></Notes>'
        '<Sets><Set guid="90000000-0000-0000-0000-000000000001" name="Key codes">'
        f'<Description>The main ones.</Description><MemberCode targetGUID="{C2}"/></Set></Sets>'
        "<Description>A study of peer support.</Description>"
    )
    qde = project(source, users=users, extra=extra)
    report = run(study, owner, qdpx(qde, {f"sources/{S1}.txt": text.encode()}))
    study.refresh_from_db()
    assert study.description == "A study of peer support."
    memos = {m.title: m for m in Memo.objects.filter(study=study).select_related("author")}
    assert (
        memos["Description"].body == "Recorded at the clinic." and memos["Description"].transcript
    )
    assert memos["Case P01: description"].body == "Joined in May."
    assert memos["By bob"].author == coder
    assert memos["By A"].author is None  # not the importer
    assert memos["By A"].extra["refi"]["author"] == "Researcher A"
    # A plain set of codes is a candidate theme (issue 15), not a memo.
    theme = Theme.objects.get(study=study)
    assert (theme.name, theme.concept, theme.status) == ("Key codes", "The main ones.", "candidate")
    assert [c.name for c in theme.codes.all()] == ["Health"]
    assert "Code set: Key codes" not in memos
    assert report.counts["categories"] == 1  # "Topics", isCodable="false"
    assert "sets" not in report.skipped


def test_codebook_sets_become_a_study_memo(study, owner):
    qdc = (
        '<?xml version="1.0" encoding="UTF-8"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0" '
        f'origin="MAXQDA 24"><Codes><Code guid="{C2}" name="Health" isCodable="true"/></Codes>'
        '<Sets><Set guid="90000000-0000-0000-0000-000000000001" name="Group A">'
        f'<MemberCode targetGUID="{C2}"/></Set></Sets></CodeBook>'
    )
    report = run(study, owner, qdc.encode(), "book.qdc")
    memo = Memo.objects.get(study=study)
    assert memo.title == "Code set: Group A" and "Health" in memo.body
    assert report.counts["memos_created"] == 1


def test_the_report_page_names_the_convention(owner_client, study):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    selections = [(*utf16_positions(POSTS, w), None, U1) for w in WORDS]
    data = qdpx(
        project(text_source(S1, "posts.txt", selections), origin="NVivo 12"),
        {f"sources/{S1}.txt": POSTS.encode()},
    )
    response = owner_client.post(
        reverse("coding:qdpx_import", args=[study.pk]),
        {"file": SimpleUploadedFile("nvivo.qdpx", data)},
    )
    page = re.sub(r"\s+", " ", response.content.decode())
    assert "Positions read as" in page and "UTF-16 units" in page


def test_nvivo_crlf_without_emoji_or_previews_counts_crlf_as_two(study, owner):
    text = "Line one.\r\nLine two has trust.\r\nLine three 𠝹 ok.\r\n"
    start = text.index("trust")
    qde = project(text_source(S1, "n.txt", [(start, start + 5, None, U1)]), origin="NVivo 12")
    report = run(study, owner, qdpx(qde, {f"sources/{S1}.txt": text.encode()}))
    assert quotes(study) == ["trust"]
    assert not any("could not be established" in w for w in report.warnings)


def test_a_large_nvivo_project_with_some_part_word_selections_lands_every_coding(study, owner):
    import random

    rng = random.Random(10)
    emoji = ["😀", "🙃", "👍", "🎉", "💪", "𠝹", "❤️", "🇭🇰"]
    words = ["support", "trust", "work", "peer", "role", "我唔知", "training", "team"]
    posts = [
        f"User{n}: " + " ".join(rng.choice(words + emoji) for _ in range(12)) for n in range(300)
    ]
    text = "\r\n".join(posts) + "\r\n"
    starts = [m.start() for m in re.finditer(r"\w+", text)]
    selections = []
    for i in range(697):
        a = rng.choice(starts)
        b = text.index(" ", a) if " " in text[a:] else len(text)
        if i % 10 == 0:
            a += 1  # a coder's careless selection, starting inside a word
        u16 = len(text[:a].encode("utf-16-le")) // 2
        selections.append((u16, u16 + len(text[a:b].encode("utf-16-le")) // 2, None, U1))
    spans = {(s, e) for s, e, *_ in selections}  # the same span twice is one segment
    expected = sorted(
        utf16_slice(text, s, e).replace("\r", "")
        for s, e in spans
        if utf16_slice(text, s, e).strip()
    )
    qde = project(text_source(S1, "posts.txt", selections), origin="NVivo 12.6")
    report = run(study, owner, qdpx(qde, {f"sources/{S1}.txt": text.encode()}))
    assert quotes(study) == expected
    assert report.conventions == {"UTF-16 units": 1}
    # The same file from an unknown tool: the boundaries alone decide.
    other = factories.make_study()
    report = run(
        other, owner, qdpx(qde.replace("NVivo 12.6", "X"), {f"sources/{S1}.txt": text.encode()})
    )
    assert quotes(other) == expected


def test_a_reading_that_lands_on_white_space_only_is_not_chosen(study, owner):
    text = "😀 a b c d e f"
    qde = project(text_source(S1, "t.txt", [(4, 5, None, U1)]), origin="NVivo 12")
    run(study, owner, qdpx(qde, {f"sources/{S1}.txt": text.encode()}))
    assert quotes(study) == ["b"]


def test_importing_descriptions_and_sets_twice_adds_nothing(study, owner):
    source = text_source(S1, "a.txt", [(9, 15, "health", U1)]).replace(
        "<PlainTextSelection", "<Description>At the clinic.</Description><PlainTextSelection", 1
    )
    extra = (
        '<Sets><Set guid="90000000-0000-0000-0000-000000000001" name="Key codes">'
        f'<MemberCode targetGUID="{C2}"/></Set></Sets>'
        "<Description>A study of peer support.</Description>"
    )
    data = qdpx(project(source, extra=extra), {f"sources/{S1}.txt": b"Diet and health."})
    run(study, owner, data)
    before = sorted(Memo.objects.filter(study=study).values_list("title", flat=True))
    report = run(study, owner, data)
    assert sorted(Memo.objects.filter(study=study).values_list("title", flat=True)) == before
    assert before == ["Description"]
    assert report.counts.get("memos_created") is None
    assert Theme.objects.filter(study=study).count() == 1  # the set of codes, once
    assert report.counts["themes_existing"] == 1
