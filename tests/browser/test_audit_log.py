"""Journey: the PI deletes a memo by mistake, finds it in the audit log, downloads the log,
and restores the memo; checked against the database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from coding.models import AuditEvent, Memo
from studies.models import Role
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_pi_restores_a_deleted_memo_from_the_audit_log(login_as):
    study = factories.make_study(name="Peer support study")
    pi = factories.make_user(username="pi")
    factories.add_member(study, pi, Role.OWNER)
    page = login_as(pi)

    # I write a memo, then delete it by mistake.
    page.goto(f"/studies/{study.pk}/memos/")
    page.get_by_label("Title (optional)").fill("Early impressions")
    page.get_by_role("textbox", name="Memo", exact=True).fill("Role confusion at T1.")
    page.get_by_role("button", name="Add memo").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=re.compile("Delete memo Early impressions")).click()
    page.get_by_text("Role confusion at T1.").wait_for(state="detached")
    assert not Memo.objects.exists()

    # I open the audit log from the study's tabs and keep only deletions.
    page.get_by_role("link", name="Audit log").click()
    page.get_by_label("Kind of change").select_option("memo.delete")
    page.get_by_role("button", name="Filter").click()
    page.get_by_text("1 change matches the filters").wait_for()

    # I download the filtered log as CSV for the methods appendix.
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    csv_text = Path(download.value.path()).read_text(encoding="utf-8")
    assert csv_text.splitlines()[0].startswith("event_id,created_at,study_id")
    assert "memo.delete" in csv_text and "memo.create" not in csv_text

    # I restore the memo after confirming.
    page.get_by_role("link", name=re.compile("Restore the memo")).click()
    page.get_by_text("Role confusion at T1.").wait_for()
    page.get_by_role("button", name="Restore the memo").click()
    page.get_by_text(re.compile("Restored: memo.delete of Early impressions")).wait_for()
    assert Memo.objects.get().body == "Role confusion at T1."
    assert AuditEvent.objects.filter(action="memo.restore", actor=pi).count() == 1
    page.get_by_role("link", name="Memos").click()
    page.get_by_text("Role confusion at T1.").wait_for()
