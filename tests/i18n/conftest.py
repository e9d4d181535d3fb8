from __future__ import annotations

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_after_each_test():
    """A zh-hant request leaves its language active in the thread: later tests read English."""
    yield
    translation.activate("en")
