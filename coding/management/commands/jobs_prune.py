"""``python manage.py jobs_prune``: delete expired export jobs and their files."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from coding.jobs import storage


class Command(BaseCommand):
    help = "Delete background-job files older than WORKBENCH_JOB_FILE_HOURS (and their jobs)."

    def handle(self, *args, **options):
        count = storage.jobs_prune()
        self.stdout.write(f"{count} expired job{'s' if count != 1 else ''} deleted.")
