from __future__ import annotations

from coding.retrieval import views as retrieval
from coding.views import (
    agreement,
    audit,
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
    *compare.urlpatterns,
    *agreement.urlpatterns,
    *calibration.urlpatterns,
    *refi.urlpatterns,
    *audit.urlpatterns,
]
