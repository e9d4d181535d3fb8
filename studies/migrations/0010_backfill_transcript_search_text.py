"""Store the searchable copy of every existing transcript's text (see 0009)."""

from __future__ import annotations

from django.db import migrations


def backfill(apps, schema_editor):
    from studies.folding import searchable

    Transcript = apps.get_model("studies", "Transcript")
    TranscriptSearchText = apps.get_model("studies", "TranscriptSearchText")
    rows = []
    for pk, text in Transcript.objects.order_by("pk").values_list("pk", "text").iterator(50):
        folded, variants = searchable(text)
        rows.append(TranscriptSearchText(transcript_id=pk, folded=folded, variants=variants))
        if len(rows) >= 50:
            TranscriptSearchText.objects.bulk_create(rows, ignore_conflicts=True)
            rows = []
    TranscriptSearchText.objects.bulk_create(rows, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("studies", "0009_transcript_search_text"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
