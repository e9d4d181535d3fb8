"""A trigram index for corpus search (coding/search), on PostgreSQL only.

``pg_trgm``'s GIN index on ``UPPER(text)`` serves Django's ``icontains`` (which PostgreSQL
runs as ``UPPER(text) LIKE UPPER('%term%')``), so a search reads only the transcripts that can
hold a term. SQLite has no such index and search scans the texts in Python, so the
operations do nothing there; the index is not in the model state (it exists on one vendor).
"""

from __future__ import annotations

from django.db import migrations

INDEX = "studies_transcript_text_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON studies_transcript "
        "USING gin (UPPER(text) gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("studies", "0007_backfill_attribute_definitions")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
