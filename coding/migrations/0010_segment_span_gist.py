"""A GiST index on each segment's span, on PostgreSQL only (issue 12).

A write on the coding page reads the segments overlapping the lines it touched
(``start < hi AND end > lo``). The btree on (transcript, layer, start) bounds only one side,
so for a passage in the middle of a transcript PostgreSQL read all the transcript's
segments (EXPLAIN: 2,000 rows removed by the filter for 8 kept). ``int4range(start, end)
&& int4range(lo, hi)`` on this index reads only the overlapping ones
(``coding.segments.writes.overlapping``). The index leads with the transcript (btree_gist,
a trusted extension since PostgreSQL 13) so it stays per transcript in a large study; where
the extension cannot be created it is the span alone. SQLite keeps the btree.
"""

from django.db import DatabaseError, migrations, transaction

INDEX = "coding_segment_span_gist"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {INDEX} ON coding_segment "
                'USING gist (transcript_id, int4range("start", "end"))'
            )
    except DatabaseError:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON coding_segment "
            'USING gist (int4range("start", "end"))'
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("coding", "0009_code_is_codable_for_categories")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
