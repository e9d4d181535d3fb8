"""Journey (a): a PI builds a study from scratch through the UI, then invites a coder who
has no account; the coder creates one from the link, joins, and sees the study.

Driven only through what is on screen (roles, labels, visible text); checked against the
database (text stored exactly, code-point offsets intact).
"""

from __future__ import annotations

import re

import pytest

from coding.models import Code
from studies.models import Invitation, Membership, Participant, Role, Study, Transcript
from tests import factories
from tests.studies.helpers import docx_bytes, zip_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PSW01_T1 = (
    "Interviewer: How did the training feel?\n"
    "PSW01: At first I did not know my role. Later the team trusted me 𠝹 and Café staff too."
)
SU01_T1_BIG5 = "訪問員：你覺得培訓怎樣？\n參加者：我覺得自己的角色不清楚，但是同事很支持我。"
SU01_T2_DOCX = ["Interviewer: And at work?", "SU01: 家人好支持我。 My family helps."]
SU02_T1 = "Interviewer: Hello\nSU02: 我唔知自己嘅角色 𠝹 at the start."
SU02_T2 = "Interviewer: Six months later?\nSU02: Now I lead a group."
PARTICIPANTS_CSV = (
    "pseudonym,group,gender,age_band\n"
    "PSW01,Peer support workers,F,45-54\n"
    "SU01,Service users,M,25-34\n"
    "SU02,Service users,F,35-44\n"
)


def a_file(name: str, data: bytes, mime: str = "text/plain") -> dict:
    return {"name": name, "mimeType": mime, "buffer": data}


def settled(page) -> None:
    page.wait_for_function(
        "!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )


def test_a_pi_builds_a_study_and_a_new_coder_joins_it(page, browser, live_server):
    factories.make_user(username="pi", password="pi-pass-2026")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])

    # I log in.
    page.goto("/")
    page.get_by_label("Username").fill("pi")
    page.get_by_label("Password").fill("pi-pass-2026")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/studies/")

    # I create the study.
    page.get_by_role("link", name="New study").click()
    page.get_by_label("Name").fill("Peer support in Hong Kong")
    page.get_by_label("Description").fill("Peer support workers, service users, co-workers.")
    page.get_by_role("button", name="Create study").click()
    page.get_by_text("Study “Peer support in Hong Kong” created.").wait_for()
    study = Study.objects.get(name="Peer support in Hong Kong")
    assert study.memberships.get().user.username == "pi"

    # I add the stakeholder groups and the waves.
    for kind, names in (
        ("group", ["Peer support workers", "Service users"]),
        ("wave", ["T1 Training", "T2 Work placement"]),
    ):
        for name in names:
            page.get_by_label(f"New {kind}").fill(name)
            page.get_by_role("button", name=f"Add {kind}").click()
            page.get_by_role("button", name=f"Delete {name}").wait_for()
            settled(page)
    assert list(study.groups.values_list("name", flat=True)) == [
        "Peer support workers",
        "Service users",
    ]
    assert list(study.waves.values_list("name", flat=True)) == ["T1 Training", "T2 Work placement"]

    # I import the participants from a CSV file.
    nav = page.get_by_role("navigation", name="Study")
    nav.get_by_role("link", name="Participants").click()
    page.get_by_label("File").set_input_files(
        a_file("participants.csv", PARTICIPANTS_CSV.encode(), "text/csv")
    )
    page.get_by_role("button", name="Import").click()
    page.get_by_text("Imported participants: 3 new, 0 updated.").wait_for()
    assert page.get_by_role("rowheader", name="SU02").is_visible()
    su01 = Participant.objects.get(study=study, pseudonym="SU01")
    assert su01.group.name == "Service users"
    assert su01.attributes == {"gender": "M", "age_band": "25-34"}

    # I upload transcripts one by one: UTF-8 text, Big5 text in Chinese, a Word file.
    uploads = [
        ("psw01-t1.txt", PSW01_T1.encode("utf-8"), "PSW01", "T1 Training"),
        ("su01-t1.txt", SU01_T1_BIG5.encode("big5"), "SU01", "T1 Training"),
        (
            "su01-t2.docx",
            docx_bytes(SU01_T2_DOCX),
            "SU01",
            "T2 Work placement",
        ),
    ]
    for name, data, who, wave in uploads:
        nav.get_by_role("link", name="Transcripts").click()
        page.get_by_label("Transcript files").set_input_files(a_file(name, data))
        page.get_by_label("Participant").select_option(label=who)
        page.get_by_label("Wave").select_option(label=wave)
        page.get_by_role("button", name="Upload", exact=True).click()
        page.get_by_text("Uploaded 1 transcript.").wait_for()

    # Uploading the same file again is refused, naming the transcript it duplicates.
    page.get_by_label("Transcript files").set_input_files(
        a_file("copy.txt", PSW01_T1.encode("utf-8"))
    )
    page.get_by_role("button", name="Upload", exact=True).click()
    alert = page.get_by_role("alert")
    assert "Nothing was imported" in alert.inner_text()
    assert "copy.txt: the same text is already in this study as “psw01-t1”" in alert.inner_text()

    # A file in an unknown encoding is refused with its name.
    nav.get_by_role("link", name="Transcripts").click()
    page.get_by_label("Transcript files").set_input_files(
        a_file("notes-latin1.txt", b"Caf\x81 cr\x8dme, d\x9dj\x90 vu")
    )
    page.get_by_role("button", name="Upload", exact=True).click()
    assert "notes-latin1.txt: is not UTF-8" in page.get_by_role("alert").inner_text()
    assert study.transcripts.count() == 3

    # I import SU02's two interviews as a zip with its manifest inside.
    manifest = (
        "file,participant,group,wave,title\n"
        "su02/t1.txt,SU02,Service users,T1 Training,SU02 T1\n"
        "su02/t2.txt,SU02,Service users,T2 Work placement,SU02 T2\n"
    )
    archive = zip_bytes(
        {
            "manifest.csv": manifest.encode(),
            "su02/t1.txt": SU02_T1.replace("\n", "\r\n").encode("utf-8"),
            "su02/t2.txt": SU02_T2.encode("utf-8"),
        }
    )
    page.get_by_role("link", name="Back").click()
    page.get_by_label("Zip of transcripts").set_input_files(
        a_file("su02.zip", archive, "application/zip")
    )
    page.get_by_role("button", name="Import", exact=True).click()
    page.get_by_text("Imported 2 transcripts.").wait_for()

    by_title = {t.title: t for t in study.transcripts.select_related("participant", "wave")}
    assert set(by_title) == {"psw01-t1", "su01-t1", "su01-t2", "SU02 T1", "SU02 T2"}
    expected_texts = {
        "psw01-t1": PSW01_T1,
        "su01-t1": SU01_T1_BIG5,
        "su01-t2": "\n".join(SU01_T2_DOCX),
        "SU02 T1": SU02_T1,
        "SU02 T2": SU02_T2,
    }
    for title, text in expected_texts.items():
        transcript = by_title[title]
        assert transcript.text == text, title
        assert transcript.length == len(text)  # code points: 𠝹 counts once
        assert transcript.checksum == Transcript.checksum_of(text)
    assert (by_title["su01-t1"].participant.pseudonym, by_title["su01-t1"].wave.name) == (
        "SU01",
        "T1 Training",
    )
    assert by_title["SU02 T2"].wave.name == "T2 Work placement"
    psw = by_title["psw01-t1"].text
    assert psw[psw.index("𠝹") : psw.index("𠝹") + 1] == "𠝹"
    assert psw[psw.index("𠝹") + 1 :].startswith(" and Café")

    # I write the codebook with definitions.
    nav.get_by_role("link", name="Codebook").click()
    for name, definition, include, exclude, example in [
        (
            "Role clarity",
            "Knowing what one's role is at work.",
            "Talk about tasks and boundaries.",
            "Feelings about the job in general.",
            "At first I did not know my role.",
        ),
        (
            "Family support",
            "Help from relatives.",
            "Practical or emotional help.",
            "Friends.",
            "家人好支持我。",
        ),
    ]:
        form = page.get_by_role("region", name="Add a code")
        form.get_by_label("Name").fill(name)
        form.get_by_label("Definition").fill(definition)
        form.get_by_role("button", name="Add code").click()
        page.locator("#code-tree").get_by_role("link", name=name).wait_for()
        settled(page)
        # The new code opens beside the tree: I add when to include and exclude it.
        edit = page.locator("details", has_text="Edit name, definition and colour")
        edit.get_by_text("Edit name, definition and colour").click()
        edit.get_by_label("Include when").fill(include)
        edit.get_by_label("Exclude when").fill(exclude)
        edit.get_by_label("Example").fill(example)
        edit.get_by_role("button", name="Save").click()
        page.locator(".cb-definition dd", has_text=exclude).wait_for()
        settled(page)
    family = Code.objects.get(study=study, name="Family support")
    assert (family.description, family.example) == ("Help from relatives.", "家人好支持我。")
    assert Code.objects.get(study=study, name="Role clarity").exclusion == (
        "Feelings about the job in general."
    )

    # I invite a coder who has no account yet, and copy the link to send it.
    nav.get_by_role("link", name="Setup").click()
    page.get_by_label("Note (optional)").fill("Mei, research assistant")
    page.get_by_role("button", name="Create invitation link").click()
    page.get_by_role("button", name="Copy link").click()
    page.get_by_text("Link copied.").wait_for()
    link = page.evaluate("navigator.clipboard.readText()")
    assert re.fullmatch(rf"{re.escape(live_server.url)}/invitations/[\w-]+/", link)
    assert page.get_by_role("rowheader", name="Mei, research assistant").is_visible()
    assert not Membership.objects.filter(study=study, role=Role.CODER).exists()

    # The coder opens the link in their own browser, creates an account and joins.
    coder_context = browser.new_context(base_url=live_server.url)
    coder_context.set_default_timeout(10_000)
    coder = coder_context.new_page()
    coder.goto(link)
    coder.get_by_role("heading", name="Join “Peer support in Hong Kong” as coder?").wait_for()
    coder.get_by_label("Username").fill("mei")
    coder.get_by_label("Password", exact=True).fill("mei-secret-2026")
    coder.get_by_label("Password confirmation").fill("mei-secret-2026")
    coder.get_by_role("button", name="Create account and join").click()
    coder.get_by_text("Welcome to “Peer support in Hong Kong”: you joined as coder.").wait_for()

    # The coder sees the study and its transcripts, Chinese text intact.
    coder.get_by_role("navigation", name="Study").get_by_role("link", name="Transcripts").click()
    coder.get_by_role("link", name="su01-t1").click()
    coder.get_by_text("我覺得自己的角色不清楚").first.wait_for()
    coder.get_by_role("link", name="Thematic coding workbench").click()
    assert coder.get_by_role("link", name="Peer support in Hong Kong").is_visible()

    membership = Membership.objects.get(study=study, user__username="mei")
    assert membership.role == Role.CODER
    invitation = Invitation.objects.get(study=study)
    assert invitation.accepted_by == membership.user
    assert invitation.note == "Mei, research assistant"

    # The link worked once: opening it again says so.
    coder.goto(link)
    assert "already been used" in coder.get_by_role("alert").inner_text()
    coder_context.close()
