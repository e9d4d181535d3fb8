"""The search page's and the API's query string, read leniently (never an error).

``q`` the query; options ``case=1`` (match case), ``variants=1`` (Traditional and Simplified
alike), ``word=1`` (whole words), ``mode=all|any``, ``speaker=<label>`` or
``speech=participant`` (each transcript's participant only); filters ``group``, ``wave``,
``participant``, ``transcript`` (ids) and a participant attribute, ``attribute:<name>=<value>``
(the API's form) or ``attr=<name>=<value>`` (the page's select).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import QueryDict

from coding.search import engine
from coding.search.selectors import SearchFilters
from workbench.lib.http import int_param

_TRUE = ("1", "on", "true", "yes")
MAX_QUERY_CHARS = 500


@dataclass(frozen=True)
class SearchParams:
    query: str
    options: engine.Options
    filters: SearchFilters

    def querystring(self) -> str:
        """The parameters again (for page links), in their canonical form."""
        pairs: list[tuple[str, str]] = [("q", self.query)]
        o, f = self.options, self.filters
        pairs += [
            (k, "1")
            for k, on in (("case", o.match_case), ("variants", o.variants), ("word", o.whole_word))
            if on
        ]
        if o.mode != "all":
            pairs.append(("mode", o.mode))
        if o.speaker:
            pairs.append(("speaker", o.speaker))
        if f.participant_speech:
            pairs.append(("speech", "participant"))
        for key in ("group", "wave", "participant", "transcript"):
            if getattr(f, key) is not None:
                pairs.append((key, str(getattr(f, key))))
        if f.attribute:
            pairs.append(("attr", f"{f.attribute[0]}={f.attribute[1]}"))
        return urlencode(pairs)


def _attribute(data: QueryDict) -> tuple[str, str] | None:
    for key in data:
        value = (data.get(key) or "").strip()
        if key.startswith("attribute:") and key[len("attribute:") :].strip() and value:
            return key[len("attribute:") :].strip(), value
    name, sep, value = (data.get("attr") or "").partition("=")
    return (name.strip(), value) if sep and name.strip() else None


def search_params(data: QueryDict) -> SearchParams:
    mode = data.get("mode") or "all"
    options = engine.Options(
        match_case=data.get("case") in _TRUE,
        variants=data.get("variants") in _TRUE,
        whole_word=data.get("word") in _TRUE,
        mode=mode if mode in engine.MODES else "all",
        speaker=(data.get("speaker") or "").strip()[:40],
    )
    filters = SearchFilters(
        group=int_param(data.get("group")),
        wave=int_param(data.get("wave")),
        participant=int_param(data.get("participant")),
        transcript=int_param(data.get("transcript")),
        participant_speech=data.get("speech") == "participant",
        attribute=_attribute(data),
    )
    return SearchParams((data.get("q") or "").strip()[:MAX_QUERY_CHARS], options, filters)
