from __future__ import annotations

from coding.jobs import views as jobs
from coding.views import (
    agreement,
    audit,
    calibration,
    codebook,
    coding_page,
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
    *jobs.urlpatterns,
]
