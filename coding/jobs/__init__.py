"""Background jobs: long exports run by the task worker, with progress and a download.

A view calls :func:`coding.jobs.services.job_start` when an export is too big to answer at
once; the worker (``manage.py db_worker``, django-tasks' database backend) runs
:func:`coding.jobs.tasks.run_job`, which rebuilds the requester's access and writes the file
into the private ``jobs`` storage. The job page polls its status and offers the download.
"""
