"""The demo study as a study in progress: what the team did after coding started.

``tell_story`` runs after :func:`workbench.demo.build.build_demo_study` (which records the
double-coding draw and each coder's assignments): two named codebook versions with a few
changes and their reasons between them, three themes with a history (a merge, a rename,
status changes, through-lines), exemplar quotes per theme, one shared and one private
journal entry, and every participant's portrait generated. Everything is written through
the same services as the pages, so each change is in the audit log and the theme history
with its reason. Deterministic: choices follow the stored order of the rows, never a clock.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.functions import Length

from coding.codebook.services import code_create, code_update
from coding.codebook.versions import version_create
from coding.compare.layers import UNION, layer_choice
from coding.exemplars.portraits import portrait_summary, study_cases
from coding.exemplars.services import exemplar_create
from coding.models import Code, LayerKind, Portrait, Segment, ThemeStatus
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
# (group position, wave position): the cells exemplars come from, in this order, so that
# each theme's quotes speak for different groups and waves.
_CELL_PREFERENCE = ((0, 1), (1, 2), (2, 0), (0, 0), (1, 1), (2, 2), (0, 2), (1, 0), (2, 1))


def _codes_by_name(study: Study) -> dict[str, Code]:
    return {c.name: c for c in Code.objects.filter(study=study)}


def _codebook_versions(study: Study, actor, codes: dict[str, Code]) -> None:
    """v1, four changes with their reasons (a rename, two definitions, a new code), v2."""
    version_create(
        study=study,
        name=V1,
        note="Frozen after calibration round 2, before the double-coded subset was coded.",
        actor=actor,
    )
    code_update(
        code=codes["Saying no"],
        actor=actor,
        name="Refusing requests",
        reason="“Saying no” read as a single act; the passages are about refusing, often "
        "over weeks.",
    )
    code_update(
        code=codes["Shared language"],
        actor=actor,
        description="Using everyday words, Cantonese expressions included, rather than "
        "professional jargon.",
        reason="Coders disagreed on Cantonese expressions; they belong here.",
    )
    code_update(
        code=codes["Feeling like an impostor"],
        actor=actor,
        exclusion="Internalised beliefs about mental illness itself: code Self-stigma.",
        reason="Calibration: impostor and self-stigma were confused (α below 0.67).",
    )
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
    version_create(
        study=study,
        name=V2,
        note="The codebook the team codes the T2 interviews with.",
        actor=actor,
    )


def _themes(study: Study, actor, codes: dict[str, Code]) -> list:
    made = [
        theme_create(
            study=study,
            actor=actor,
            name=name,
            concept=concept,
            codes=[codes[c] for c in code_names],
        )
        for name, concept, code_names, _ in THEMES
    ]
    name, concept, code_names = MERGED_IN
    hope = theme_create(
        study=study, actor=actor, name=name, concept=concept, codes=[codes[c] for c in code_names]
    )
    role, lived, family = made
    theme_merge(
        target=lived,
        others=[hope],
        actor=actor,
        reason="Hope is what lived experience gives service users: one theme, not two.",
    )
    theme_update(
        theme=role,
        actor=actor,
        name="Nobody knew what a peer worker is",
        concept=role.concept,
        reason="The participants' own words (calibration meeting 2).",
    )
    theme_set_status(
        theme=role,
        actor=actor,
        status=ThemeStatus.REVIEWED,
        reason="Checked against every T1 and T2 interview.",
    )
    theme_set_status(
        theme=lived,
        actor=actor,
        status=ThemeStatus.REVIEWED,
        reason="Holds in all three groups at T2.",
    )
    for theme, (*_, through_line) in zip(made, THEMES, strict=True):
        theme_set_through_line(theme=theme, actor=actor, text=through_line)
    return made


def _exemplars(study: Study, actor, themes) -> None:
    """A few quotes per theme from the coders' layers, each from another group x wave cell,
    of a length that reads as a quote."""
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
            exemplar_create(segment=segments[pk], actor=actor, theme=theme, note="")


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


def _journal(study: Study, owner, coder, themes) -> None:
    role = themes[0]
    first = study.transcripts.order_by("pk").first()
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
    journal_entry_create(
        study=study,
        author=coder,
        title="My own placement",
        body="I was a peer worker myself; I expect lived experience to matter most and must "
        "not read it into passages where it is not.",
        shared=False,
        transcripts=[first] if first else [],
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


def tell_story(study: Study, *, owner, coder) -> None:
    """Write the study's progress after coding (see the module docstring), as ``owner``
    (the PI) and ``coder`` (the private journal entry's author)."""
    with transaction.atomic():
        codes = _codes_by_name(study)
        _codebook_versions(study, owner, codes)
        themes = _themes(study, owner, codes)
        _exemplars(study, owner, themes)
        _journal(study, owner, coder, themes)
        _portraits(study, owner)
