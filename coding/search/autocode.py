"""Auto-coding: code the hits of a search into one layer as one batch, undone as one.

Each hit (:func:`coding.search.selectors.search`, code-point offsets; with no query but a
speaker, or the participants' speech, every turn of theirs) is extended by a rule
(:data:`EXTENSIONS`): the match itself, its sentence (the coding page's sentence rule,
static/js/coding/runs.js ``sentenceSpans``: ``.?!。？！`` then closing quotes or brackets,
followed by a space, or directly for the Chinese stops), its turn (after the speaker label,
with the unlabelled lines continuing it) or N characters each side clipped to the turn;
then trimmed of white space. Overlapping spans in one transcript merge into one segment. A
span the layer already holds with that code is a duplicate: shown, never created again.

A batch is one audit event (``segment.autocode``: its id is the batch id, its ``after`` the
segments' ids and spans); undo (``segment.autocode_undo``, one event holding the deleted
segments' snapshots) deletes exactly those segments that still exist, nothing coded by
hand in between.

Queries of a preview: the search's (:func:`~coding.search.selectors.search`, 3 on SQLite)
and the layer's segments of that code in the transcripts with a hit (1): constant in the
number of transcripts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.translation import gettext, gettext_lazy

from coding.audit import audit, segment_snapshot
from coding.models import AuditEvent, Code, Layer, Segment
from coding.search import engine, selectors
from coding.search.forms import SearchParams
from studies.access import StudyAccess
from studies.models import Transcript
from studies.text import SPEAKER_LABEL, speaker_of

EXTENSIONS = {
    "match": gettext_lazy("the words found"),
    "sentence": gettext_lazy("their sentence"),
    "turn": gettext_lazy("their whole turn"),
    "chars": gettext_lazy("characters each side"),
}
MAX_BATCH = 5000
MAX_CHARS = 2000
CREATE_ACTION = "segment.autocode"
UNDO_ACTION = "segment.autocode_undo"

_SPACE = re.compile(r"\s")
_SENTENCE_END = re.compile(r"[.?!。？！]")
_CLOSERS = re.compile(r"[.?!。？！\"'”’)）」』]")
_CJK_END = re.compile(r"[。？！]")


def turn_spans(text: str) -> list[tuple[int, int, int]]:
    """Every turn of ``text`` as ``(line_start, body_start, end)``: a labelled line starts a
    turn (its body after the label), unlabelled lines continue the turn above."""
    turns: list[tuple[int, int, int]] = []
    pos = 0
    for line in text.split("\n"):
        end = pos + len(line)
        if speaker_of(line) is not None or not turns:
            match = SPEAKER_LABEL.match(line) if speaker_of(line) is not None else None
            turns.append((pos, pos + (match.end() if match else 0), end))
        else:
            first, body, _ = turns[-1]
            turns[-1] = (first, body, end)
        pos = end + 1
    return turns


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The sentences of ``text[start:end]`` as trimmed ``(start, end)`` (runs.js's rule)."""
    out: list[tuple[int, int]] = []
    i = start

    def skip(i: int) -> int:
        while i < end and _SPACE.match(text[i]):
            i += 1
        return i

    i = skip(i)
    s = i
    while i < end:
        if _SENTENCE_END.match(text[i]):
            j = i + 1
            while j < end and _CLOSERS.match(text[j]):
                j += 1
            if j >= end or _SPACE.match(text[j]) or _CJK_END.match(text[i]):
                out.append((s, j))
                i = skip(j)
                s = i
                continue
        i += 1
    e = end
    while e > s and _SPACE.match(text[e - 1]):
        e -= 1
    if e > s:
        out.append((s, e))
    return out


def _trim(text: str, start: int, end: int, keep: tuple[int, int]) -> tuple[int, int]:
    while start < keep[0] and _SPACE.match(text[start]):
        start += 1
    while end > keep[1] and _SPACE.match(text[end - 1]):
        end -= 1
    return start, end


def extend(
    text: str, start: int, end: int, rule: str, chars: int = 0, turns=None
) -> tuple[int, int]:
    """The span a hit ``text[start:end]`` is coded as under ``rule`` (always containing the
    hit). ``turns`` is :func:`turn_spans` of ``text`` (computed when not given)."""
    if rule == "match":
        return start, end
    turns = turn_spans(text) if turns is None else turns
    turn = next((t for t in turns if t[0] <= start <= t[2]), (0, 0, len(text)))
    _, body, turn_end = turn
    if rule == "turn":
        lo, hi = min(start, body), max(end, turn_end)
    elif rule == "chars":
        lo, hi = min(start, max(body, start - chars)), max(end, min(turn_end, end + chars))
    elif rule == "sentence":
        lo, hi = start, end
        for s, e in sentence_spans(text, body, turn_end):
            if s < end and e > start:
                lo, hi = min(lo, s), max(hi, e)
    else:
        raise ValidationError(
            gettext("Unknown extension “%(rule)s”.") % {"rule": rule}, code="extend"
        )
    return _trim(text, lo, hi, (start, end))


@dataclass
class Planned:
    transcript_id: int
    start: int
    end: int
    hits: int = 1
    duplicate: bool = False  # the layer holds this span with this code: skipped
    overlaps: bool = False  # it overlaps a span the layer holds with this code
    context: engine.Context | None = None
    title: str = ""
    pseudonym: str = ""


@dataclass
class Plan:
    result: selectors.SearchResult
    code: Code
    layer: Layer
    rule: str
    chars: int
    spans: list[Planned] = field(default_factory=list)

    @property
    def new(self) -> list[Planned]:
        return [p for p in self.spans if not p.duplicate]

    @property
    def duplicates(self) -> int:
        return sum(p.duplicate for p in self.spans)

    @property
    def overlapping(self) -> int:
        return sum(p.overlaps and not p.duplicate for p in self.spans)

    @property
    def merged(self) -> int:
        return self.result.count - len(self.spans)


def check_code(code: Code) -> None:
    if code.archived:
        raise ValidationError(
            gettext("The code “%(code)s” is archived.") % {"code": code.name}, code="archived"
        )
    if not code.is_codable:
        raise ValidationError(
            gettext(
                "“%(code)s” is a category: it holds codes but cannot be applied to text. "
                "Choose one of its codes."
            )
            % {"code": code.name},
            code="not_codable",
        )


def plan(
    access: StudyAccess,
    params: SearchParams,
    *,
    code: Code,
    layer: Layer,
    rule: str,
    chars: int = 0,
) -> Plan:
    """What auto-coding the search ``params`` would create (no write)."""
    if rule not in EXTENSIONS:
        raise ValidationError(
            gettext("extend: one of %(choices)s (not “%(rule)s”).")
            % {"choices": ", ".join(EXTENSIONS), "rule": rule},
            code="extend",
        )
    speaker = params.options.speaker or params.filters.participant_speech
    if not params.query and not speaker:
        raise ValidationError(
            "q: give the words to search for (or a speaker, to code their every turn).",
            code="query",
        )
    chars = max(0, min(int(chars or 0), MAX_CHARS))
    check_code(code)
    # Every hit with its text as read in one query: create() checks them unchanged.
    result = selectors.search(
        access, params.query, params.options, params.filters, whole_turns=True, every_hit=True
    )
    out = Plan(result, code, layer, rule, chars)
    by_transcript: dict[int, list[tuple[int, int]]] = {}
    turns: dict[int, list] = {}
    for hit in result.hits:
        text = result.texts[hit.key]
        if rule != "match" and hit.key not in turns:
            turns[hit.key] = turn_spans(text)
        span = extend(text, hit.start, hit.end, rule, chars, turns.get(hit.key))
        by_transcript.setdefault(hit.key, []).append(span)
    existing: dict[int, list[tuple[int, int]]] = {}
    for tid, s, e in Segment.objects.filter(
        layer=layer, code=code, transcript_id__in=list(by_transcript)
    ).values_list("transcript_id", "start", "end"):
        existing.setdefault(tid, []).append((s, e))
    for tid, spans in by_transcript.items():
        info = result.transcripts[tid]
        held = existing.get(tid, [])
        merged: list[Planned] = []
        for s, e in sorted(spans):
            if merged and s < merged[-1].end:
                last = merged[-1]
                last.end, last.hits = max(last.end, e), last.hits + 1
                continue
            merged.append(Planned(tid, s, e, title=info.title, pseudonym=info.pseudonym or ""))
        for p in merged:
            p.duplicate = (p.start, p.end) in held
            p.overlaps = any(s < p.end and e > p.start for s, e in held)
            p.context = engine.keyword_in_context(result.texts[tid], p.start, p.end)
        out.spans.extend(merged)
    return out


def _refuse_large(count: int) -> None:
    if count > MAX_BATCH:
        raise ValidationError(
            gettext(
                "This would create %(count)s highlights; one batch holds at most %(max)s. "
                "Narrow the search (a group, a wave, a participant or a speaker). "
                "Nothing was saved."
            )
            % {"count": f"{count:,}", "max": f"{MAX_BATCH:,}"},
            code="too_many",
        )


def create(access: StudyAccess, p: Plan, *, actor, params: SearchParams) -> AuditEvent:
    """Create the plan's new segments as one batch; returns its audit event (the batch)."""
    if not access.can_write_layer(p.layer):
        raise PermissionDenied(gettext("You can only code in your own layer."))
    new = p.new
    _refuse_large(len(new))
    if not new:
        raise ValidationError(
            gettext("Nothing to create: every passage is already coded."), code="none"
        )
    ids = sorted({x.transcript_id for x in new})
    with transaction.atomic():
        texts = dict(
            Transcript.objects.select_for_update().filter(pk__in=ids).values_list("pk", "text")
        )
        if any(texts.get(tid) != p.result.texts[tid] for tid in ids):
            raise ValidationError(
                "A transcript was edited since the search: search again. Nothing was saved.",
                code="stale",
            )
        if not Code.objects.select_for_update(no_key=True).filter(pk=p.code.pk).exists():
            raise ValidationError(
                gettext("The code “%(code)s” no longer exists.") % {"code": p.code.name},
                code="gone",
            )
        held = set(
            Segment.objects.filter(layer=p.layer, code=p.code, transcript_id__in=ids).values_list(
                "transcript_id", "start", "end"
            )
        )
        user = actor if getattr(actor, "is_authenticated", False) else None
        provenance = {"autocode": params.querystring(), "extend": p.rule}
        segments = [
            Segment(
                transcript_id=x.transcript_id,
                code=p.code,
                layer=p.layer,
                start=x.start,
                end=x.end,
                quote=texts[x.transcript_id][x.start : x.end],
                created_by=user,
                provenance=provenance,
            )
            for x in new
            if (x.transcript_id, x.start, x.end) not in held
        ]
        try:
            with transaction.atomic():
                Segment.objects.bulk_create(segments)
        except IntegrityError:  # the same span coded meanwhile (a double submit)
            raise ValidationError(
                gettext(
                    "Some of these passages were coded meanwhile: preview again. Nothing was saved."
                ),
                code="stale",
            ) from None
        return audit(
            study=access.study,
            actor=actor,
            action=CREATE_ACTION,
            object_type="segment",
            after={
                "layer_id": p.layer.pk,
                "code_id": p.code.pk,
                "search": params.querystring(),
                "extend": p.rule,
                "chars": p.chars,
                "count": len(segments),
                "segments": [[s.pk, s.transcript_id, s.start, s.end] for s in segments],
            },
        )


def get_batch(access: StudyAccess, batch_id) -> AuditEvent:
    """The requester's own batch in this study; Http404 otherwise."""
    try:
        event = AuditEvent.objects.get(
            pk=batch_id, study=access.study, action=CREATE_ACTION, actor=access.user
        )
    except (AuditEvent.DoesNotExist, ValueError, TypeError):
        raise Http404("No such auto-coding batch of yours in this study.") from None
    return event


def undo(access: StudyAccess, batch: AuditEvent, *, actor) -> int:
    """Delete the batch's segments that still exist; returns how many. Refused when the
    batch was undone already (ValidationError ``stale``) or its layer is no longer yours."""
    layer = Layer.objects.filter(pk=batch.after["layer_id"], study=access.study).first()
    if layer is None or not access.can_write_layer(layer):
        raise PermissionDenied(gettext("You can no longer change the layer of that batch."))
    ids = [row[0] for row in batch.after["segments"]]
    with transaction.atomic():
        if (
            AuditEvent.objects.select_for_update()
            .filter(study=access.study, action=UNDO_ACTION, object_id=batch.pk)
            .exists()
        ):
            raise ValidationError(gettext("That batch was undone already."), code="stale")
        tids = sorted({row[1] for row in batch.after["segments"]})
        list(Transcript.objects.select_for_update().filter(pk__in=tids).values_list("pk"))
        segments = list(Segment.objects.filter(pk__in=ids, layer=layer))
        snapshots = [segment_snapshot(s) for s in segments]
        Segment.objects.filter(pk__in=[s.pk for s in segments]).delete()
        audit(
            study=access.study,
            actor=actor,
            action=UNDO_ACTION,
            object_type="segment",
            object_id=batch.pk,
            before={"segments": snapshots},
            after={"batch": batch.pk, "count": len(snapshots)},
        )
    return len(snapshots)
