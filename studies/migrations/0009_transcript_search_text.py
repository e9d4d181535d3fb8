"""The searchable copy of each transcript's text (``TranscriptSearchText``, coding/search).

On PostgreSQL the copies are stored out of line uncompressed (``STORAGE EXTERNAL``): search
reads every copy when it counts a common word, and skipping decompression makes that about a
third faster. SQLite has no such setting.
"""

from __future__ import annotations

import django.db.models.deletion
from django.db import migrations, models


def external_storage(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "ALTER TABLE studies_transcriptsearchtext ALTER COLUMN folded SET STORAGE EXTERNAL, "
        "ALTER COLUMN variants SET STORAGE EXTERNAL"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("studies", "0008_transcript_text_trigram"),
    ]

    operations = [
        migrations.CreateModel(
            name="TranscriptSearchText",
            fields=[
                (
                    "transcript",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search_text",
                        serialize=False,
                        to="studies.transcript",
                    ),
                ),
                (
                    "folded",
                    models.TextField(help_text="Case folded; NULL if that moves offsets.", null=True),
                ),
                (
                    "variants",
                    models.TextField(
                        help_text="Folded, Han in Simplified forms; NULL if the same as folded.",
                        null=True,
                    ),
                ),
            ],
        ),
        migrations.RunPython(external_storage, migrations.RunPython.noop),
    ]
