"""gunicorn settings for production and `make loadtest` (flags on the command line win).

`gunicorn workbench.wsgi:application` reads this file from the working directory.
"""

from __future__ import annotations

import os

bind = os.getenv("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.getenv("WEB_CONCURRENCY", "3"))
worker_class = os.getenv("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.getenv("GUNICORN_THREADS", "1"))
timeout = 60
