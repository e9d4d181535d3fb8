"""The demo study as a study in progress: what the team did around the coding.

``tell_story`` runs after :func:`workbench.demo.build.build_demo_study` (which records the
double-coding draw and each coder's assignments): two calibration rounds on excerpts of the
pilot transcripts, two named codebook versions with a few changes and their reasons
between them, three themes with a history (a merge, a rename, status changes,
through-lines), exemplar quotes per theme, one shared and one private journal entry, and
every participant's portrait generated. Everything is written through the same services as
the pages, so each change is in the audit log and the theme history with its reason; and
all of it, the build's coding included, is dated on the study's timeline
(:mod:`workbench.demo.timeline`: pilot and calibration in week 1, v1, the T1 coding, the
changes, v2, the T2 and T3 coding), so that the agreement report's "Over time" tab has a
calibration row and a coded period per version. Deterministic: choices follow the stored
order of the rows, the dates are the timeline's from its day 0 (a fixed offset from the
run date).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models.functions import Length
from django.utils import timezone

from coding.calibration.services import (
    calibration_answer_submit,
    calibration_round_close,
    calibration_round_create,
    units_from_layer,
)
from coding.codebook.services import code_create, code_update
from coding.codebook.versions import version_create
from coding.compare.layers import UNION, layer_choice
from coding.exemplars.portraits import portrait_summary, study_cases
from coding.exemplars.services import exemplar_create
from coding.models import (
    AuditEvent,
    CalibrationAnswer,
    CalibrationSubmission,
    Code,
    LayerKind,
    Portrait,
    Segment,
    ThemeStatus,
)
from coding.themes.services import (
    journal_entry_create,
    theme_create,
    theme_merge,
    theme_set_status,
    theme_set_through_line,
    theme_update,
)
from studies.access import study_access
from studies.models import Study
from workbench.demo import timeline
from workbench.demo.timeline import Clock

V1 = "v1 after calibration"
V2 = "v2 before T2 coding"

# (theme name, concept, code names, through-line)
THEMES = (
    (
        "Not knowing the role",
        "Nobody, the peer workers included, knew at first what a peer support worker is for; "
        "the role is defined by what it is not.",
        ("Role confusion", "In-between identity", "Unclear division of labour"),
        "Confusion about the role is highest during training and fades by employment; "
        "co-workers stay confused longest.",
    ),
    (
        "Lived experience as a resource",
        "What the workers have been through is what service users trust and what colleagues "
        "come to value.",
        ("Trust and rapport", "Practical tips from experience", "Shared language"),
        "Lived experience becomes an asset on placement (T2), when the workers first use it "
        "with service users.",
    ),
    (
        "Family between stigma and support",
        "Families first fear the label and the job, then become the support that keeps the "
        "worker employed.",
        ("Family support", "Public stigma"),
        "Family matters most once the workers are employed (T3): worries turn into "
        "encouragement for most, not all.",
    ),
)
MERGED_IN = (
    "Living proof of recovery",
    "The worker shows that recovery is possible.",
    ("Role model of recovery", "Personal recovery through work"),
)
EXEMPLARS_PER_THEME = 3
EXCERPTS_PER_ROUND = 12  # 10 gives round 1 a perfect 1.00: too few to read as calibration
# (group position, wave position): the cells exemplars come from, in this order, so that
# each theme's quotes speak for different groups and waves.
_CELL_PREFERENCE = ((0, 1), (1, 2), (2, 0), (0, 0), (1, 1), (2, 2), (0, 2), (1, 0), (2, 1))


def _codes_by_name(study: Study) -> dict[str, Code]:
    return {c.name: c for c in Code.objects.filter(study=study)}


def _codebook_v1(study: Study, actor, clock: Clock) -> None:
    with clock.at(clock.moment(timeline.V1), timeline.VERSION_ROWS):
        version_create(
            study=study,
            name=V1,
            note="Frozen after calibration round 2, before the double-coded subset was coded.",
            actor=actor,
        )


def _codebook_changes(study: Study, actor, codes: dict[str, Code], clock: Clock) -> None:
    """Four changes with their reasons (a rename, two definitions, a new code), after the
    T1 coding."""
    when = iter(timeline.CODE_CHANGES)
    with clock.at(clock.moment(next(when)), timeline.CODE_ROWS):
        code_update(
            code=codes["Saying no"],
            actor=actor,
            name="Refusing requests",
            reason="“Saying no” read as a single act; the passages are about refusing, often "
            "over weeks.",
        )
    with clock.at(clock.moment(next(when)), timeline.CODE_ROWS):
        code_update(
            code=codes["Shared language"],
            actor=actor,
            description="Using everyday words, Cantonese expressions included, rather than "
            "professional jargon.",
            reason="Coders disagreed on Cantonese expressions; they belong here.",
        )
    with clock.at(clock.moment(next(when)), timeline.CODE_ROWS):
        code_update(
            code=codes["Feeling like an impostor"],
            actor=actor,
            exclusion="Internalised beliefs about mental illness itself: code Self-stigma.",
            reason="Calibration: impostor and self-stigma were confused (α below 0.67).",
        )
    with clock.at(clock.moment(next(when)), timeline.CODE_ROWS):
        code_create(
            study=study,
            parent=codes["Team and supervision"],
            name="Peer supervision",
            description="Supervision of peer workers by a more experienced peer worker.",
            inclusion="Supervision, mentoring or debriefing given by another peer worker.",
            exclusion="Supervision by professional staff: code Supportive supervision.",
            example="“My mentor was a peer worker too, she knew what I meant.”",
            actor=actor,
            reason="Several T1 interviews describe peer mentors; no code held them.",
        )


def _codebook_v2(study: Study, actor, clock: Clock) -> None:
    with clock.at(clock.moment(timeline.V2), timeline.VERSION_ROWS):
        version_create(
            study=study,
            name=V2,
            note="The codebook the team codes the T2 interviews with.",
            actor=actor,
        )


def _themes_drafted(study: Study, actor, codes: dict[str, Code], clock: Clock) -> list:
    """The three themes and the one merged into the second later, drafted after T1."""
    made = []
    for i, (name, concept, code_names) in enumerate(
        [(n, c, names) for n, c, names, _ in THEMES] + [MERGED_IN]
    ):
        with clock.at(clock.moment(timeline.THEMES_DRAFTED, minutes=10 * i), timeline.THEME_ROWS):
            made.append(
                theme_create(
                    study=study,
                    actor=actor,
                    name=name,
                    concept=concept,
                    codes=[codes[c] for c in code_names],
                )
            )
    return made


def _themes_reviewed(themes: list, actor, clock: Clock) -> list:
    """After the T2 coding: the merge, the rename, two themes reviewed; the three themes."""
    role, lived, family, hope = themes
    steps = (
        lambda: theme_merge(
            target=lived,
            others=[hope],
            actor=actor,
            reason="Hope is what lived experience gives service users: one theme, not two.",
        ),
        lambda: theme_update(
            theme=role,
            actor=actor,
            name="Nobody knew what a peer worker is",
            concept=role.concept,
            reason="The participants' own words (calibration meeting 2).",
        ),
        lambda: theme_set_status(
            theme=role,
            actor=actor,
            status=ThemeStatus.REVIEWED,
            reason="Checked against every T1 and T2 interview.",
        ),
        lambda: theme_set_status(
            theme=lived,
            actor=actor,
            status=ThemeStatus.REVIEWED,
            reason="Holds in all three groups at T2.",
        ),
    )
    for i, step in enumerate(steps):
        with clock.at(clock.moment(timeline.THEMES_REVIEWED, minutes=15 * i), timeline.THEME_ROWS):
            step()
    return [role, lived, family]


def _through_lines(themes: list, actor, clock: Clock) -> None:
    """After the T3 coding: each theme's through-line across the waves."""
    for i, (theme, (*_, through_line)) in enumerate(zip(themes, THEMES, strict=True)):
        with clock.at(clock.moment(timeline.THROUGH_LINES, minutes=20 * i), timeline.THEME_ROWS):
            theme_set_through_line(theme=theme, actor=actor, text=through_line)


def _exemplars(study: Study, actor, themes, clock: Clock) -> None:
    """A few quotes per theme from the coders' layers, each from another group x wave cell,
    of a length that reads as a quote."""
    made: list[int] = []
    for theme in themes:
        wanted = _below(study, [c.pk for c in theme.codes.all()])
        rows = (
            Segment.objects.filter(
                transcript__study=study,
                layer__kind=LayerKind.CODER,
                code_id__in=wanted,
            )
            .annotate(n=Length("quote"))
            .filter(n__gte=90, n__lte=260)
            .exclude(quote__contains="\n")
            .order_by(
                "transcript__wave__position",
                "transcript__participant__group__position",
                "transcript__participant__pseudonym",
                "layer__user__username",
                "start",
                "pk",
            )
            .values_list(
                "pk",
                "transcript__participant__group__position",
                "transcript__wave__position",
                "quote",
            )
        )
        first_in_cell: dict[tuple[int, int], int] = {}
        for pk, group, wave, quote in rows.iterator(chunk_size=500):
            if _reads_as_a_quote(quote):
                first_in_cell.setdefault((group, wave), pk)
        chosen = [first_in_cell[c] for c in _CELL_PREFERENCE if c in first_in_cell]
        chosen = chosen[:EXEMPLARS_PER_THEME]
        segments = Segment.objects.select_related("transcript").in_bulk(chosen)
        for pk in chosen:
            with clock.at(
                clock.moment(timeline.EXEMPLARS, minutes=5 * len(made)), timeline.EXEMPLAR_ROWS
            ):
                exemplar_create(segment=segments[pk], actor=actor, theme=theme, note="")
            made.append(pk)


def _reads_as_a_quote(quote: str) -> bool:
    """Whole sentences: it starts with a capital (or a Chinese character) and ends with a
    full stop, question or exclamation mark."""
    text = quote.strip()
    return bool(text) and (text[0].isupper() or text[0] >= "\u3400") and text[-1] in ".!?。！？"


def _below(study: Study, ids: list[int]) -> set[int]:
    """The codes ``ids`` with everything below them."""
    parent_of = dict(Code.objects.filter(study=study).values_list("pk", "parent_id"))
    out = set(ids)
    changed = True
    while changed:
        changed = False
        for pk, parent in parent_of.items():
            if parent in out and pk not in out:
                out.add(pk)
                changed = True
    return out


def _private_journal(study: Study, coder, clock: Clock) -> None:
    """The coder's reflexive note, before coding starts."""
    first = study.transcripts.order_by("pk").first()
    with clock.at(clock.moment(timeline.PRIVATE_JOURNAL), timeline.JOURNAL_ROWS):
        journal_entry_create(
            study=study,
            author=coder,
            title="My own placement",
            body="I was a peer worker myself; I expect lived experience to matter most and "
            "must not read it into passages where it is not.",
            shared=False,
            transcripts=[first] if first else [],
        )


def _shared_journal(study: Study, owner, role, clock: Clock) -> None:
    with clock.at(clock.moment(timeline.SHARED_JOURNAL), timeline.JOURNAL_ROWS):
        journal_entry_create(
            study=study,
            author=owner,
            title="Before T2 coding",
            body="We agreed to read every T2 interview for what the role becomes once the "
            "workers are on placement. Code the co-workers' accounts with the role codes in "
            "mind: they are the ones still unsure.",
            shared=True,
            themes=[role],
        )


def _portraits(study: Study, owner) -> None:
    """Every participant's portrait, generated from the coders' union (not yet edited)."""
    access = study_access(owner, study.pk)
    choice = layer_choice(access, UNION)
    cases = study_cases(access, choice)
    Portrait.objects.bulk_create(
        Portrait(participant=case.participant, text=summary, generated=summary, updated_by=owner)
        for case in cases.portraits
        if (summary := portrait_summary(case))
    )


def _calibration_rounds(study: Study, owner, pilot: list[int], clock: Clock) -> None:
    """Week 1: two calibration rounds, each on excerpts of two pilot transcripts (the
    segments of one coder in turn); each coder answers with the codes of their own segments
    covering most of the excerpt, and the round is closed the next morning."""
    layers = list(study.layers.filter(kind=LayerKind.CODER).select_related("user").order_by("pk"))
    if len(layers) < 2 or len(pilot) < 2:
        return
    coders = [layer.user for layer in layers]
    for number, when in enumerate(timeline.ROUNDS, start=1):
        transcripts = pilot[2 * (number - 1) : 2 * number] or pilot[:2]
        spans = units_from_layer(
            layer=layers[(number - 1) % len(layers)],
            transcript_ids=transcripts,
            limit=EXCERPTS_PER_ROUND,
        )
        answers = [_answers(layer, spans) for layer in layers]
        code_ids = sorted({c for answer in answers for codes in answer.values() for c in codes})
        if not code_ids:
            continue
        created = clock.moment(when)
        with clock.at(created, timeline.CALIBRATION_ROWS):
            rnd = calibration_round_create(
                study=study,
                name=f"Calibration round {number}",
                spans=spans,
                codes=list(Code.objects.filter(pk__in=code_ids).order_by("pk")),
                coders=coders,
                instructions="Code each excerpt blind with every code that applies.",
                actor=owner,
            )
        units = {(u.transcript_id, u.start, u.end): u for u in rnd.units.all()}
        for j, (coder, answer) in enumerate(zip(coders, answers, strict=True)):
            began = timezone.now()
            for span in spans:
                calibration_answer_submit(
                    unit=units[span], coder=coder, code_ids=answer[span], actor=coder
                )
            first = created + timedelta(hours=1 + 4 * j)
            _date_answers(study, rnd, coder, began, [units[span].pk for span in spans], first)
        with clock.at(clock.moment((when[0] + 1, 8, 0)), timeline.CALIBRATION_ROWS):
            calibration_round_close(round=rnd, actor=owner)


def _date_answers(study, rnd, coder, began, unit_ids: list[int], first) -> None:
    """The coder answered the excerpts in order, one every three minutes from ``first``:
    date their submissions, answers and audit events (one statement each)."""
    at = {unit: first + timedelta(minutes=3 * i) for i, unit in enumerate(unit_ids)}
    submitted = CalibrationSubmission.objects.filter(unit__round=rnd, coder=coder)
    answers = CalibrationAnswer.objects.filter(unit__round=rnd, coder=coder)
    events = AuditEvent.objects.filter(
        study=study, action="calibration.answer", created_at__gte=began
    ).order_by("pk")
    timeline.set_times(
        CalibrationSubmission,
        ("submitted_at",),
        [(at[u], pk) for pk, u in submitted.values_list("pk", "unit_id")],
    )
    timeline.set_times(
        CalibrationAnswer,
        ("created_at",),
        [(at[u], pk) for pk, u in answers.values_list("pk", "unit_id")],
    )
    # One event per excerpt, in the order answered (each is the coder's first answer).
    timeline.set_times(
        AuditEvent,
        ("created_at",),
        [(at[u], pk) for pk, u in zip(events.values_list("pk", flat=True), unit_ids, strict=True)],
    )


def _answers(layer, spans) -> dict[tuple[int, int, int], list[int]]:
    """Per excerpt, the codes of ``layer``'s segments covering more than half of it."""
    wanted = {tid for tid, _, _ in spans}
    segments = list(
        Segment.objects.filter(layer=layer, transcript_id__in=wanted).values_list(
            "transcript_id", "start", "end", "code_id"
        )
    )
    out = {}
    for tid, start, end in spans:
        out[tid, start, end] = sorted(
            {
                code
                for t, s, e, code in segments
                if t == tid and 2 * (min(e, end) - max(s, start)) > end - start
            }
        )
    return out


def tell_story(study: Study, *, owner, coder, start: datetime | None = None) -> None:
    """Write the study's progress after the setup (see the module docstring), as ``owner``
    (the PI) and ``coder`` (the private journal entry's author), and date it all on the
    timeline of :mod:`workbench.demo.timeline` from ``start`` (day 0; by default the
    Monday :data:`~workbench.demo.timeline.STUDY_DAYS` days ago)."""
    clock = Clock(study, start or timeline.day_zero())
    began = timezone.now()
    with transaction.atomic():
        timeline.date_the_setup(clock)
        pilot = timeline.pilot_transcripts(study)
        timeline.date_the_coding(clock, pilot)
        codes = _codes_by_name(study)
        _private_journal(study, coder, clock)
        _calibration_rounds(study, owner, pilot, clock)
        _codebook_v1(study, owner, clock)
        _codebook_changes(study, owner, codes, clock)
        themes = _themes_drafted(study, owner, codes, clock)
        _codebook_v2(study, owner, clock)
        _shared_journal(study, owner, themes[0], clock)
        themes = _themes_reviewed(themes, owner, clock)
        _through_lines(themes, owner, clock)
        _exemplars(study, owner, themes, clock)
        with clock.at(clock.moment(timeline.PORTRAITS), timeline.PORTRAIT_ROWS):
            _portraits(study, owner)
        clock.sweep(began, clock.moment(timeline.PORTRAITS))
