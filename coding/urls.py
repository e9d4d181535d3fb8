from __future__ import annotations

from coding.agreement import urls as agreement_urls
from coding.assignments import urls as assignments_urls
from coding.calibration import urls as calibration_urls
from coding.codebook import urls as codebook_urls
from coding.compare import urls as compare_urls
from coding.consensus import urls as consensus_urls
from coding.exchange import urls as exchange_urls
from coding.exemplars import urls as exemplars_urls
from coding.history import urls as history_urls
from coding.jobs import views as jobs
from coding.memos import urls as memos_urls
from coding.methods import urls as methods_urls
from coding.retrieval import urls as retrieval_urls
from coding.search import urls as search_urls
from coding.segments import urls as segments_urls
from coding.themes import urls as themes_urls
from coding.words import urls as words_urls

app_name = "coding"

urlpatterns = [
    *segments_urls.urlpatterns,
    *codebook_urls.urlpatterns,
    *retrieval_urls.urlpatterns,
    *search_urls.urlpatterns,
    *words_urls.urlpatterns,
    *memos_urls.urlpatterns,
    *compare_urls.urlpatterns,
    *themes_urls.urlpatterns,
    *exemplars_urls.urlpatterns,
    *agreement_urls.urlpatterns,
    *methods_urls.urlpatterns,
    *consensus_urls.urlpatterns,
    *calibration_urls.urlpatterns,
    *exchange_urls.urlpatterns,
    *history_urls.urlpatterns,
    *jobs.urlpatterns,
    *assignments_urls.urlpatterns,
]
