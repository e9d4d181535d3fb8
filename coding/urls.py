from __future__ import annotations

from coding.codebook import urls as codebook
from coding.segments import urls as coding_page
from coding.views import (
    agreement,
    audit,
    calibration,
    compare,
    refi,
    retrieval,
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
