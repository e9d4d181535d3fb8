from __future__ import annotations

from coding.compare import urls as compare_urls
from coding.views import (
    agreement,
    audit,
    calibration,
    codebook,
    coding_page,
    refi,
    retrieval,
)

app_name = "coding"

urlpatterns = [
    *coding_page.urlpatterns,
    *codebook.urlpatterns,
    *retrieval.urlpatterns,
    *compare_urls.urlpatterns,
    *agreement.urlpatterns,
    *calibration.urlpatterns,
    *refi.urlpatterns,
    *audit.urlpatterns,
]
