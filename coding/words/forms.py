"""The Words page's and the API's query string, read leniently (never an error).

``group``, ``wave`` (ids) and ``attribute:<name>=<value>`` restrict the transcripts;
``by=group`` (default) or ``by=attribute:<name>`` (with ``bins`` for a number) chooses the
columns, as on the comparison matrix; ``speech=participant`` counts only each transcript's
participant, ``speaker=<label>`` only that speaker; ``min`` the shortest word counted (in
characters, 2 by default); ``stop=include`` keeps the stop words (left out by default);
``extra`` more stop words of one's own; ``top`` how many words and phrases (50).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import QueryDict

from coding.words import tokens
from workbench.lib.http import int_param

TOP_DEFAULT = 50
TOP_MAX = 500
MIN_LENGTH_DEFAULT = 2
MAX_EXTRA_CHARS = 2000


@dataclass(frozen=True)
class WordParams:
    group: int | None = None
    wave: int | None = None
    participant_speech: bool = False
    speaker: str = ""
    min_length: int = MIN_LENGTH_DEFAULT
    keep_stop_words: bool = False
    extra: str = ""
    top: int = TOP_DEFAULT

    @property
    def extra_stop_words(self) -> frozenset[str]:
        return tokens.parse_user_stop_words(self.extra)

    @property
    def speech_key(self) -> str:
        """What the counts cover: "" everyone, "participant", or "speaker:<label>"."""
        if self.participant_speech:
            return "participant"
        return f"speaker:{self.speaker.casefold()}" if self.speaker else ""

    def pairs(self) -> list[tuple[str, str]]:
        """The parameters again, in their canonical form (defaults left out)."""
        out: list[tuple[str, str]] = []
        for key in ("group", "wave"):
            if getattr(self, key) is not None:
                out.append((key, str(getattr(self, key))))
        if self.participant_speech:
            out.append(("speech", "participant"))
        elif self.speaker:
            out.append(("speaker", self.speaker))
        if self.min_length != MIN_LENGTH_DEFAULT:
            out.append(("min", str(self.min_length)))
        if self.keep_stop_words:
            out.append(("stop", "include"))
        if self.extra:
            out.append(("extra", self.extra))
        if self.top != TOP_DEFAULT:
            out.append(("top", str(self.top)))
        return out


def word_params(data: QueryDict) -> WordParams:
    min_length = int_param(data.get("min"))
    top = int_param(data.get("top"))
    return WordParams(
        group=int_param(data.get("group")),
        wave=int_param(data.get("wave")),
        participant_speech=data.get("speech") == "participant",
        speaker=(data.get("speaker") or "").strip()[:40],
        min_length=MIN_LENGTH_DEFAULT if min_length is None else max(1, min(min_length, 20)),
        keep_stop_words=data.get("stop") == "include",
        extra=(data.get("extra") or "").strip()[:MAX_EXTRA_CHARS],
        top=TOP_DEFAULT if top is None else max(1, min(top, TOP_MAX)),
    )


def querystring(pairs: list[tuple[str, str]]) -> str:
    return urlencode(pairs)
