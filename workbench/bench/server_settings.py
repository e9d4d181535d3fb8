"""Settings of the servers the benchmarks start (``make bench-taguette``): the project's
settings, run with ``DEBUG=0``, and static files served from the finders so that no
``collectstatic`` is needed."""

from __future__ import annotations

from workbench.settings import *  # noqa: F403

WHITENOISE_USE_FINDERS = True
