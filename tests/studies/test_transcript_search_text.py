"""The searchable copy of each transcript's text (case folded, and with Traditional forms
folded to Simplified) follows every write of the text: creation, edits, bulk imports,
restores. Search counts on it in the database, so a stale copy would give wrong counts."""

from __future__ import annotations

from coding.history import restore
from coding.models import AuditEvent
from studies import bulk_import, services
from studies.models import Transcript, TranscriptSearchText
from tests import factories
from tests.studies.helpers import manifest, zip_bytes

TEXT = "Interviewer: Your FAMILY?\nP01: 朋輩 and my 體 𠮷 Σίσυφος."
# Written out by hand: str.casefold per character (Σ and final ς both give σ) and, for the
# variants, 輩 → 辈 and 體 → 体 (OpenCC's Traditional to Simplified).
FOLDED = "interviewer: your family?\np01: 朋輩 and my 體 𠮷 σίσυφοσ."
VARIANTS = "interviewer: your family?\np01: 朋辈 and my 体 𠮷 σίσυφοσ."


def stored(transcript) -> tuple[str | None, str | None]:
    row = TranscriptSearchText.objects.get(transcript_id=transcript.pk)
    return row.folded, row.variants


def test_a_new_transcript_gets_its_folded_copy(study):
    t = factories.make_transcript(study, text=TEXT)
    assert stored(t) == (FOLDED, VARIANTS)


def test_no_variant_copy_when_nothing_folds(study):
    t = factories.make_transcript(study, text="A: Only ENGLISH here, 我 too.")
    assert stored(t) == ("a: only english here, 我 too.", None)


def test_a_text_whose_folding_changes_its_length_has_no_copy(study):
    """ "ß" folds to "ss": offsets would move, so search reads such a text itself."""
    t = factories.make_transcript(study, text="A: Die Straße")
    assert stored(t) == (None, None)


def test_an_edit_replaces_the_copy(study, owner):
    t = factories.make_transcript(study, text="A: old words")
    services.transcript_text_update(transcript=t, text=TEXT, expected_version=1, actor=owner)
    assert stored(t) == (FOLDED, VARIANTS)


def test_a_full_save_keeps_the_copy_current(study):
    t = factories.make_transcript(study, text="A: old words")
    t.text = TEXT
    t.save()
    assert stored(t) == (FOLDED, VARIANTS)


def test_bulk_created_transcripts_get_their_copies(study):
    made = Transcript.objects.bulk_create(
        [Transcript(study=study, title=f"T{i}", text=f"A: WORD {i} 朋輩") for i in range(3)]
    )
    assert [stored(t) for t in made] == [
        (f"a: word {i} 朋輩", f"a: word {i} 朋辈") for i in range(3)
    ]


def test_a_bulk_import_stores_the_copies(study, owner):
    factories.make_participant(study, pseudonym="P01")
    files = {"a.txt": TEXT.encode(), "b.txt": b"A: Plain\n"}
    rows = [("a.txt", "P01", "", "", "A"), ("b.txt", "P01", "", "", "B")]
    report = bulk_import.transcripts_bulk_import(
        study=study, zip_data=zip_bytes(files), manifest=manifest(rows), actor=owner
    )
    assert report.created == 2
    assert stored(study.transcripts.get(title="A")) == (FOLDED, VARIANTS)
    assert stored(study.transcripts.get(title="B")) == ("a: plain", None)


def test_a_restored_transcript_gets_its_copy_back(study, owner):
    t = factories.make_transcript(study, title="Gone", text=TEXT)
    services.transcript_delete(transcript=t, confirm="Gone", actor=owner)
    assert not TranscriptSearchText.objects.exists()
    event = AuditEvent.objects.filter(action="transcript.delete").latest("pk")
    restore.event_restore(event=event, actor=owner)
    assert stored(study.transcripts.get(title="Gone")) == (FOLDED, VARIANTS)


def test_updating_text_in_bulk_updates_the_copies(study):
    a = factories.make_transcript(study, text="A: old")
    b = factories.make_transcript(study, text="A: kept")
    assert Transcript.objects.filter(pk=a.pk).update(text=TEXT) == 1
    assert stored(a) == (FOLDED, VARIANTS)
    assert stored(b) == ("a: kept", None)


def test_the_migration_backfills_every_existing_transcript(study):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("studies.migrations.0010_backfill_transcript_search_text")
    a = factories.make_transcript(study, text=TEXT)
    b = factories.make_transcript(study, text="A: Die Straße")
    TranscriptSearchText.objects.all().delete()
    migration.backfill(apps, None)
    assert stored(a) == (FOLDED, VARIANTS)
    assert stored(b) == (None, None)
