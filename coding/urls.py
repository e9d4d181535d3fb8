from __future__ import annotations

from coding.agreement import urls as agreement_urls
from coding.calibration import urls as calibration_urls
from coding.compare import urls as compare_urls
from coding.consensus import urls as consensus_urls
from coding.jobs import views as jobs
from coding.views import (
    audit,
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
    *agreement_urls.urlpatterns,
    *consensus_urls.urlpatterns,
    *calibration_urls.urlpatterns,
    *refi.urlpatterns,
    *audit.urlpatterns,
    *jobs.urlpatterns,
]
