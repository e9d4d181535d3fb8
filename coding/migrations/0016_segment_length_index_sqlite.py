"""An index on each segment's length per transcript, on SQLite only (issue 12).

A write on the coding page reads the segments overlapping the lines it touched
(``start < hi AND end > lo``); the btree on (transcript, layer, start) bounds only
``start < hi``, so SQLite read every segment before the passage: a write late in a long
transcript cost more than one near its start. With the longest segment's length ``w`` of
the transcript (read from this index in one step), ``start >= lo - w`` bounds the other side
(``coding.segments.writes.segment_rows_near``). PostgreSQL has the GiST index of 0010.
"""

from django.db import migrations

INDEX = "coding_segment_length_sqlite"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {INDEX} ON coding_segment (transcript_id, ("end" - "start"))'
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("coding", "0015_codebook_versions")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
