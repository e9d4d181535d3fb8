from __future__ import annotations

from coding.views import codebook, coding_page, retrieval

app_name = "coding"

urlpatterns = [
    *coding_page.urlpatterns,
    *codebook.urlpatterns,
    *retrieval.urlpatterns,
]
