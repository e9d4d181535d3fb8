"""What the retrieval page shows of each segment: its code path, link and trimmed context.

A page is 100 passages, each with up to 120 code points of context either side (trimmed
to whole words on the outer ends, except in CJK runs): about a paragraph per passage, the
"coding stripe with context" of NVivo's and MAXQDA's retrieval, read in the page itself.
Rows are plain values (:class:`coding.retrieval.selectors.Passage`), and their markup is
written here by :func:`rows_html` (every value escaped) rather than by
a template loop: a Django template resolving some 25 variables per row was most of the
page's time (100 rows: about 10 ms, against 1 ms here).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape as _e
from urllib.parse import quote_plus

from django.middleware.csrf import get_token
from django.template.defaultfilters import linebreaksbr, truncatechars
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from coding.agreement.periods import page_periods
from coding.codebook.selectors import Codebook
from coding.models import Layer, Segment
from coding.retrieval.selectors import Passage, Retrieval, retrieve
from studies.access import StudyAccess
from workbench.lib.spacing import sentence_space

PAGE_SIZE = 100
CONTEXT_CHARS = 120


@dataclass(slots=True)
class ResultRow:
    """One passage as :func:`rows_html` prints it."""

    pk: int
    start: int
    end: int
    quote: str
    quote_at_coding: str
    memo: str
    needs_review: bool
    pseudonym: str
    group_name: str
    wave_name: str
    title: str
    layer_label: str
    code_color: str
    path: str
    link: str
    before: str
    after: str
    more_before: bool
    more_after: bool
    can_review: bool = False
    coded_under: str = ""  # "coded under v1 after calibration" (docs/agreement/OVER_TIME.md)
    #: Bilingual codebooks: the code's path in the study's other codebook language (hover).
    path_other: str = ""


class PassagePages:
    """A :class:`Retrieval` read as :class:`Passage` rows, for a Paginator (which counts
    with ``count()``, then slices).

    ``number``: the page the request asks for (``?page=``, the first when it is not a
    number, as for the Paginator), of ``size`` rows. Counting reads that page's rows, with
    the count in the same query (:meth:`Retrieval.passages`), so the slice the Paginator
    then takes costs nothing; only a page past the end or below 1 (the Paginator shows
    the last instead) costs a count and the page shown."""

    def __init__(self, retrieval: Retrieval, number: object = None, *, size: int):
        self.retrieval = retrieval
        self.size = size
        self._read: tuple[int, list[Passage]] | None = None
        try:
            asked = int(str(number))
        except ValueError:
            asked = 1
        self._asked = asked if asked >= 1 else None

    def count(self) -> int:
        if self._read is None and self._asked is not None:
            start = (self._asked - 1) * self.size
            self._read = (start, self.retrieval.passages(start, start + self.size))
        return self.retrieval.count()

    def __getitem__(self, index: slice) -> list[Passage]:
        start, stop = index.start or 0, index.stop
        if self._read is not None and self._read[0] == start:
            rows = self._read[1]
            # What was read is the slice, or all of it there is (it ended early).
            if len(rows) < self.size or (stop is not None and stop - start <= self.size):
                return rows if stop is None else rows[: stop - start]
        return self.retrieval.passages(start, stop)


def _trim_context(text: str, *, at_start: bool) -> str:
    """Cut a partial word off the outer end of a context snippet (not for CJK runs)."""
    if at_start:
        cut = text.find(" ", 0, 25)
        return text[cut + 1 :] if cut != -1 else text
    cut = text.rfind(" ", max(len(text) - 25, 0))
    return text[:cut] if cut != -1 else text


def result_rows(
    access: StudyAccess,
    passages: Iterable[Passage],
    book: Codebook,
    layers: Sequence[Layer],
) -> list[ResultRow]:
    """Rows for passages read with context. ``layers``: the visible layers already loaded
    (``RetrievalState.layers``); a passage's layer missing from them (created since they
    were read) costs one query for all such layers."""
    passages = list(passages)
    no_participant, no_group, no_wave = (
        gettext("No participant"),
        gettext("no group"),
        gettext("no wave"),
    )
    by_id = {layer.pk: layer for layer in layers}
    missing = {p.layer_id for p in passages} - by_id.keys()
    if missing:
        by_id.update(Layer.objects.select_related("user").in_bulk(missing))
    study_id = access.study.pk
    # Under which codebook each passage was coded: the versions read once (one query).
    periods, period_of = [""], {}
    if passages:
        periods, period_of = page_periods(
            access.study, [(p.pk, p.created_at) for p in passages], created=1
        )
    pages: dict[int, str] = {}  # the coding page's URL per transcript: reverse() once each
    keys: dict[int, str] = {}  # "layer=<key>" per layer: urlencode() once each
    rows = []
    for p in passages:
        layer = by_id[p.layer_id]
        page = pages.get(p.transcript_id)
        if page is None:
            page = pages[p.transcript_id] = reverse(
                "coding:transcript_code", args=[study_id, p.transcript_id]
            )
        key = keys.get(p.layer_id)
        if key is None:
            key = keys[p.layer_id] = urlencode({"layer": layer.key})
        query = f"{key}&code={p.code_id}&focus={p.pk}"
        before, after = p.context_before or "", p.context_after or ""
        more_before = p.start - len(before) > 0
        more_after = p.end + len(after) < (p.length or 0)
        rows.append(
            ResultRow(
                pk=p.pk,
                start=p.start,
                end=p.end,
                quote=p.quote,
                quote_at_coding=p.quote_at_coding,
                memo=p.memo,
                needs_review=p.needs_review,
                pseudonym=p.pseudonym or no_participant,
                group_name=p.group_name or no_group,
                wave_name=p.wave_name or no_wave,
                title=p.title,
                layer_label=layer.label,
                code_color=p.code_color,
                path=book.path(p.code_id) or p.code_name,
                path_other=getattr(book.by_id.get(p.code_id), "path_other", ""),
                link=f"{page}?{query}#seg-{p.pk}",
                before=_trim_context(before, at_start=True) if more_before else before,
                after=_trim_context(after, at_start=False) if more_after else after,
                more_before=more_before,
                more_after=more_after,
                can_review=p.needs_review and access.can_write_layer(layer),
                coded_under=periods[period_of.get(p.pk, len(periods) - 1)],
            )
        )
    return rows


def result_row(access: StudyAccess, segment: Segment, book: Codebook) -> ResultRow:
    """The row of one visible segment (``segment.layer`` loaded), read again with its
    context."""
    found = retrieve(
        access, code_ids=None, transcript=segment.transcript_id, context_chars=CONTEXT_CHARS
    )
    one = Retrieval(found.segments.filter(pk=segment.pk), CONTEXT_CHARS)
    return result_rows(access, one.passages(0, 1), book, [segment.layer])[0]


_ROW = """<li class="retrieval-item" id="r-seg-{pk}">
  <p class="retrieval-meta">
    <span translate="no">{pseudonym}</span>
    · <span translate="no">{group}</span>
    · <span translate="no">{wave}</span>
    · <span translate="no">{title}</span>
    · <span>{w_layer}{layer}</span>
    {coded_under}{path}{badge}
  </p>
  <blockquote class="retrieval-context" translate="no">{more_before}{before}<mark>{quote}</mark>{after}{more_after}</blockquote>
  {was}{memo}<p class="retrieval-link"><a href="{link}">{w_open}<span class="sr-only">: <span translate="no">{title}</span>, {chars}</span></a>
    <span class="muted">{chars}</span>
    {exemplar}{not_yours}{form}</p>
</li>
"""
_CODED_UNDER = '· <span class="coded-under">{}</span>\n    '
#: With the study's other codebook language on hover.
_PATH_OTHER = '<span title="{}" translate="no">{}</span>'
_PATH = (
    '· <span class="code-path" translate="no"><span class="swatch" style="background: {}" '
    'aria-hidden="true"></span> {}</span>'
)
_WAS = (
    '<p class="retrieval-was"><span class="muted">{}</span> <del translate="no">{}</del><br>'
    '<span class="muted">{}</span> <ins translate="no">{}</ins></p>\n  '
)
# With htmx the row swaps in place (now "Reviewed"); without it the form posts and comes
# back to the page it was on (``next``).
_MEMO = '<p class="retrieval-memo"><strong>{}</strong> <span translate="no">{}</span></p>\n  '
_FORM = """
    <form method="post" action="{url}" class="inline-form"
          hx-post="{url}" hx-target="closest li" hx-swap="outerHTML"><input type="hidden" name="csrfmiddlewaretoken" value="{token}">
      <input type="hidden" name="next" value="{next}">
      <button class="button small secondary" type="submit">{label}<span class="sr-only">: <span translate="no">{quote}</span></span></button>
    </form>
    """


def _words() -> dict[str, str]:
    """The interface words of the rows, in the active language (escaped once per page)."""
    return {
        "layer": _e(gettext("Layer:")) + sentence_space(),
        "open": _e(gettext("Open in transcript")),
        "chars": _e(gettext("characters %(start)s–%(end)s")),
        "needs_review": mark_safe(
            '· <span class="badge badge-review">'
            + _e(gettext("Changed since coding: needs review"))
            + "</span>"
        ),
        "reviewed": mark_safe(
            '· <span class="badge" role="status">' + _e(gettext("Reviewed")) + "</span>"
        ),
        "was": _e(gettext("Words at coding:")),
        "now": _e(gettext("Words now:")),
        "not_yours": mark_safe(
            '<span class="muted">· '
            + _e(gettext("its coder marks it reviewed in their layer"))
            + "</span>"
        ),
        "memo": _e(gettext("Memo:")),
        "mark": gettext("Mark reviewed"),
        "exemplar": _e(gettext("Exemplar…")),
        "exemplar_sr": _e(gettext("mark %(title)s, characters %(start)s–%(end)s")),
        "archived": _e(gettext("(archived)")),
    }


def code_options(book: Codebook, chosen: int | None) -> SafeString:
    """The ``<option>`` of each code of ``book`` (tree order, by path, "(archived)" said),
    ``chosen`` selected: the filter form's longest list, written here like the rows."""
    archived = sentence_space() + _e(gettext("(archived)"))
    return mark_safe(
        "".join(
            f'<option value="{node.pk}"{" selected" if node.pk == chosen else ""}>'
            f"{_e(node.path)}{archived if node.code.archived else ''}</option>"
            for node in book.walk()
        )
    )


def participant_options(participants: Iterable, chosen: int | None) -> SafeString:
    """The ``<option>`` of each participant (``pk`` and ``pseudonym``), ``chosen`` selected."""
    return mark_safe(
        "".join(
            f'<option value="{p.pk}"{" selected" if p.pk == chosen else ""}>'
            f"{_e(p.pseudonym)}</option>"
            for p in participants
        )
    )


_EXEMPLAR = (
    '<a class="button small secondary" href="{}?segment={}&amp;next={}">{}'
    '<span class="sr-only">: {}</span></a> '
)


def rows_html(
    request,
    rows: Iterable[ResultRow],
    *,
    study_id: int,
    show_path: bool,
    reviewed: bool = False,
    exemplar_url: str = "",
) -> SafeString:
    """The ``<li>`` of each row (the markup of ``retrieval.html``'s list), every value
    escaped. ``show_path``: print each passage's code path (with subcodes, or in the review
    list); ``reviewed``: the row just marked reviewed says so; ``exemplar_url``: each row
    links to the exemplar form (for members who code).

    Values are escaped with :func:`html.escape` (what :func:`django.utils.html.escape`
    does, without its lazy-string wrapper, which cost more than the escaping)."""
    out = []
    back = quote_plus(request.get_full_path())
    w = _words()
    for row in rows:
        form = ""
        if row.can_review:
            form = format_html(
                _FORM,
                url=reverse("coding:segment_reviewed", args=[study_id, row.pk]),
                token=get_token(request),
                next=request.get_full_path(),
                label=w["mark"],
                quote=truncatechars(row.quote, 40),
            )
        chars = w["chars"] % {"start": row.start, "end": row.end}
        quote = _e(row.quote)
        out.append(
            _ROW.format(
                pk=row.pk,
                pseudonym=_e(row.pseudonym),
                group=_e(row.group_name),
                wave=_e(row.wave_name),
                title=_e(row.title),
                layer=_e(row.layer_label),
                w_layer=w["layer"],
                w_open=w["open"],
                chars=chars,
                coded_under=_CODED_UNDER.format(_e(row.coded_under)) if row.coded_under else "",
                path=_PATH.format(
                    _e(row.code_color),
                    format_html(_PATH_OTHER, row.path_other, row.path)
                    if row.path_other
                    else _e(row.path),
                )
                if show_path
                else "",
                badge=w["needs_review"] if row.needs_review else w["reviewed"] if reviewed else "",
                more_before="…" if row.more_before else "",
                before=_e(row.before),
                quote=quote,
                after=_e(row.after),
                more_after="…" if row.more_after else "",
                was=_WAS.format(w["was"], _e(row.quote_at_coding), w["now"], quote)
                if row.needs_review and row.quote_at_coding
                else "",
                memo=_MEMO.format(w["memo"], linebreaksbr(row.memo, autoescape=True))
                if row.memo
                else "",
                link=_e(row.link),
                not_yours=w["not_yours"] if row.needs_review and not row.can_review else "",
                form=form,
                exemplar=_EXEMPLAR.format(
                    exemplar_url,
                    row.pk,
                    back,
                    w["exemplar"],
                    w["exemplar_sr"]
                    % {
                        "title": f'<span translate="no">{_e(row.title)}</span>',
                        "start": row.start,
                        "end": row.end,
                    },
                )
                if exemplar_url
                else "",
            )
        )
    return mark_safe("".join(out))
