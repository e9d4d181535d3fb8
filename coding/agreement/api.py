"""JSON API of agreement over time, mounted by workbench/api.py:

* ``GET /studies/{id}/agreement/over-time?layers=A,B&bootstrap=N&seed=S``: per calibration
  round and per codebook period (docs/agreement/OVER_TIME.md), overall and per code.

Errors and authentication are the API's (workbench/api.py): 404 for non-members, 403 for
members who may not read agreement (:attr:`studies.access.StudyAccess.can_read_agreement`:
blind coders, coders the report is not shared with), 400 with ``detail`` for what the
report's form refuses.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext
from ninja import Router

from coding.agreement import bootstrap, over_time, over_time_out
from coding.agreement.access import require_agreement_reader
from coding.codebook.selectors import codebook
from studies.access import study_access
from workbench.api_common import READ_ERRORS, ErrorOut, Id

router = Router()


@router.get(
    "/studies/{study_id}/agreement/over-time",
    response={200: over_time_out.OverTimeOut, 400: ErrorOut, 403: ErrorOut, **READ_ERRORS},
    url_name="study_agreement_over_time",
)
def study_agreement_over_time(
    request,
    study_id: Id,
    layers: str = "",
    bootstrap: int = bootstrap.DEFAULT_REPLICATES,
    seed: int = bootstrap.DEFAULT_SEED,
):
    """Agreement over time for the chosen layers: `rounds`, one per calibration round you
    may see (date order; the compared coders' answers, alpha's interval resampling whole
    excerpts) and `periods`, one per codebook period (before any named version, each
    version from its freeze to the next, the current codebook when it changed since the
    latest; the segments created in the period, on the transcripts two or more compared
    layers coded in it; the interval resampling whole transcripts). Each with percent
    agreement, kappa (two layers), alpha, `alpha_ci`, the units behind them, the codebook
    version it rests on and the same figures per code. Scope parameters as the agreement
    endpoint. Null values have their reason in `reasons`."""
    try:
        access = study_access(request.auth, study_id)
    except Http404:
        raise Http404(gettext("No such study.")) from None
    require_agreement_reader(access)
    query = request.GET.copy()
    query["bootstrap"], query["seed"] = str(bootstrap), str(seed)
    table, _ = over_time.for_query(access, query, layers)
    return over_time_out.over_time_json(table, codebook(access.study))
