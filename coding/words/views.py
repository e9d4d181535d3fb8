"""The Words page: most frequent words and phrases per group × wave (or attribute value),
and the same table as CSV or XLSX (``?format=csv|xlsx``).

Every member reads every transcript's text; the counts come from the text alone, so blind
coding changes nothing here. Access: :func:`studies.access.get_study_for_user`.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from coding.compare import cuts
from coding.exports import header_language
from coding.words import exports, forms, selectors
from studies.access import get_study_for_user
from workbench.lib.http import HtmxHttpRequest, render_page_or_partial

TEMPLATE = "coding/words/words.html"


@login_required
@require_GET
def words_page(request: HtmxHttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id)
    study = access.study
    params = forms.word_params(request.GET)
    cut = cuts.cut_from(study, request.GET)
    table = selectors.word_table(study, params, cut)
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        with header_language(request):
            return exports.words_file(access, params, cut, table, fmt)
    pairs = params.pairs() + list(cut.params().items())
    ctx = {
        "study": study,
        "access": access,
        "tab": "words",
        "params": params,
        "cut": cut,
        "error": " ".join(cut.errors),
        "table": table,
        "groups": list(study.groups.all()),
        "waves": list(study.waves.all()),
        "query": forms.querystring(pairs),
        "base_url": reverse("coding:words", args=[study.pk]),
    }
    return render_page_or_partial(request, TEMPLATE, "words-results", ctx)
