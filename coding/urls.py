from __future__ import annotations

from coding.history import urls as audit
from coding.memos import urls as memos
from coding.retrieval import urls as retrieval
from coding.views import (
    agreement,
    calibration,
    codebook,
    coding_page,
    compare,
    refi,
)

app_name = "coding"

urlpatterns = [
    *coding_page.urlpatterns,
    *codebook.urlpatterns,
    *retrieval.urlpatterns,
    *memos.urlpatterns,
    *compare.urlpatterns,
    *agreement.urlpatterns,
    *calibration.urlpatterns,
    *refi.urlpatterns,
    *audit.urlpatterns,
]
