"""The methods appendix: every figure read from the study's data, section by section.

:func:`build` returns an :class:`Appendix` of sections (paragraphs and tables of plain
strings); :mod:`coding.methods.render` writes it as Markdown or DOCX. Nothing is typed by
hand except each section's optional procedure notes.
"""

from __future__ import annotations

import subprocess
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Min, Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from coding.agreement import answer as agreement_answer
from coding.agreement import over_time
from coding.agreement.methods import methods_summary
from coding.agreement.reasons import reason_text
from coding.calibration.results import calibration_results
from coding.codebook import versions
from coding.history.actions import action_label
from coding.methods import checklists
from coding.models import (
    Assignment,
    AuditEvent,
    CalibrationRound,
    ConsensusDecision,
    Decision,
    LayerKind,
    SamplerDraw,
)
from studies.access import StudyAccess
from studies.models import Participant, Transcript
from workbench.lib.spacing import join_sentences

NOT_RECORDED = gettext_lazy("Not recorded.")
SECTIONS = (
    ("design", gettext_lazy("Study design")),
    ("coders", gettext_lazy("Coders and assignments")),
    ("codebook", gettext_lazy("Codebook versions and change log")),
    ("agreement", gettext_lazy("Inter-coder agreement")),
    ("consensus", gettext_lazy("Consensus procedure")),
    ("audit", gettext_lazy("Audit summary")),
    ("software", gettext_lazy("Software and date")),
)
TITLES = dict(SECTIONS)
NOTES_MAX_CHARS = 5000


class Name(str):
    """A column heading that is the study's own name (a group, a wave): never translated."""

    is_name = True


@dataclass
class Table:
    caption: str
    header: list[str]
    rows: list[list[str]]


@dataclass
class Section:
    key: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: str = ""


@dataclass
class Appendix:
    study_name: str
    date: str
    sections: list[Section]
    checklist: Table


def _share(n: int, d: int) -> str:
    """A share of transcripts: a whole percentage ("19%"), the way the sampler's requested
    share is written ("20%")."""
    return f"{100 * n / d:.0f}%" if d else "—"


def _coef(value) -> str:
    """An agreement coefficient: three decimals everywhere in the appendix."""
    return _("undefined") if value is None else f"{value:.3f}"


def _agreement_pct(value) -> str:
    """Percent agreement: one decimal everywhere in the appendix ("99.9%")."""
    return _("undefined") if value is None else f"{100 * value:.1f}%"


def _not_recorded(what: str) -> str:
    return join_sentences(what, NOT_RECORDED)


# --- study design ----------------------------------------------------------------------------


def _design(study, section: Section) -> None:
    groups = list(study.groups.all())
    waves = list(study.waves.all())
    participants = Counter(
        Participant.objects.filter(study=study).values_list("group_id", flat=True)
    )
    interviews = Counter()
    seen: dict[int, set[int]] = defaultdict(set)  # participant -> wave ids interviewed
    for pid, gid, wid in Transcript.objects.filter(study=study).values_list(
        "participant_id", "participant__group_id", "wave_id"
    ):
        interviews[(gid, wid)] += 1
        if pid is not None and wid is not None:
            seen[pid].add(wid)
    total_t = sum(interviews.values())
    section.paragraphs.append(
        _(
            "%(groups)s, %(waves)s, %(participants)s participants and %(transcripts)s interview transcripts."
        )
        % {
            "groups": ngettext("%(n)s stakeholder group", "%(n)s stakeholder groups", len(groups))
            % {"n": len(groups)},
            "waves": ngettext("%(n)s wave", "%(n)s waves", len(waves)) % {"n": len(waves)},
            "participants": sum(participants.values()),
            "transcripts": total_t,
        }
    )
    header = [_("Group"), _("Participants"), *[Name(w.name) for w in waves], _("All waves")]
    rows = []
    for g in [*groups, None]:
        gid = g.pk if g else None
        cells = [interviews[(gid, w.pk)] for w in waves]
        if g is None and not participants[None] and not any(cells):
            continue
        rows.append([g.name if g else _("(no group)"), str(participants[gid]), *map(str, cells)])
        rows[-1].append(str(sum(cells)))
    section.tables.append(Table(_("Interviews per group × wave"), header, rows))
    # Attrition: participants interviewed at an earlier wave but not at this one.
    pgroup = dict(Participant.objects.filter(study=study).values_list("pk", "group_id"))
    arows = []
    for i, w in enumerate(waves[1:], start=1):
        earlier = {p.pk for p in waves[:i]}
        missing = [p for p, ws in seen.items() if ws & earlier and w.pk not in ws]
        by_group = Counter(pgroup.get(p) for p in missing)
        arows.append([w.name, str(len(missing))] + [str(by_group[g.pk]) for g in groups])
    if arows:
        section.tables.append(
            Table(
                _("Attrition: participants interviewed at an earlier wave and missing at this one"),
                [_("Wave"), _("Missing"), *[Name(g.name) for g in groups]],
                arows,
            )
        )


# --- coders and assignments --------------------------------------------------------------------


def _coders(study, section: Section) -> None:
    layers = list(study.layers.filter(kind=LayerKind.CODER).select_related("user"))
    assigned = defaultdict(set)
    done = Counter()
    for lid, tid, done_at in Assignment.objects.filter(layer__study=study).values_list(
        "layer_id", "transcript_id", "done_at"
    ):
        assigned[lid].add(tid)
        done[lid] += done_at is not None
    coded = Counter(
        dict(
            study.layers.filter(kind=LayerKind.CODER)
            .annotate(n=Count("segments__transcript", distinct=True))
            .values_list("pk", "n")
        )
    )
    rows = [
        [la.label, str(len(assigned[la.pk])), str(done[la.pk]), str(coded[la.pk])] for la in layers
    ]
    section.paragraphs.append(
        ngettext(
            "%(n)s coder coded independently, in their own layer.",
            "%(n)s coders coded independently, each in their own layer.",
            len(layers),
        )
        % {"n": len(layers)}
    )
    section.tables.append(
        Table(
            _("Coders"),
            [_("Coder"), _("Transcripts assigned"), _("Marked done"), _("Transcripts coded")],
            rows,
        )
    )
    per_transcript = Counter(t for tids in assigned.values() for t in tids)
    double = sorted(t for t, n in per_transcript.items() if n >= 2)
    total = Transcript.objects.filter(study=study).count()
    section.paragraphs.append(
        _(
            "Double-coded subset (assigned to two or more coders): %(n)s of %(total)s "
            "transcripts (%(share)s)."
        )
        % {"n": len(double), "total": total, "share": _share(len(double), total)}
    )
    draws = list(SamplerDraw.objects.filter(study=study).order_by("created_at", "pk"))
    if not draws:
        section.paragraphs.append(_not_recorded(_("Double-coding sampler draws:")))
        return
    drows = []
    for d in draws:
        p = d.params or {}
        share = (
            _requested_share(p["percent"])
            if p.get("percent") is not None
            else _("%(n)s transcripts") % {"n": p.get("count")}
        )
        drows.append(
            [
                timezone.localtime(d.created_at).date().isoformat(),
                str(d.seed),
                share,
                _(" and ").join(p.get("coders", [])),
                str(len(d.transcript_ids)),
            ]
        )
    section.tables.append(
        Table(
            _("Double-coding sampler draws (stratified per group × wave, at least one per cell)"),
            [_("Date"), _("Seed"), _("Share requested"), _("Coders"), _("Transcripts")],
            drows,
        )
    )
    groups, waves = list(study.groups.all()), list(study.waves.all())
    for d in draws:
        section.tables.append(_draw_cells(d, groups, waves))


def _requested_share(percent) -> str:
    """The share a draw asked for, with a decimal only when it has one: "20%", "12.5%"."""
    return f"{float(percent):.1f}".rstrip("0").rstrip(".") + "%"


def _draw_cells(draw: SamplerDraw, groups, waves) -> Table:
    """How many transcripts a draw took from each group × wave cell, as a table laid out
    like the design's (groups down, waves across)."""
    drawn = Counter()
    for g, w, n in (draw.params or {}).get("cells", []):
        drawn[(g, w)] += n
    gids = [g.pk for g in groups] + ([None] if any(g is None for g, _w in drawn) else [])
    wids = [w.pk for w in waves] + ([None] if any(w is None for _g, w in drawn) else [])
    gname = {g.pk: g.name for g in groups} | {None: _("(no group)")}
    wname = {w.pk: Name(w.name) for w in waves} | {None: _("(no wave)")}
    rows = []
    for gid in gids:
        cells = [drawn[(gid, wid)] for wid in wids]
        rows.append([gname.get(gid, "—"), *map(str, cells), str(sum(cells))])
    rows.append([_("All groups"), *(str(sum(drawn[(g, w)] for g in gids)) for w in wids)])
    rows[-1].append(str(sum(drawn.values())))
    return Table(
        _("Transcripts drawn per group × wave (draw of %(date)s, seed %(seed)s)")
        % {"date": timezone.localtime(draw.created_at).date().isoformat(), "seed": draw.seed},
        [_("Group"), *[wname.get(w, "—") for w in wids], _("All waves")],
        rows,
    )


# --- codebook versions -------------------------------------------------------------------------


def _codebook(access: StudyAccess, section: Section) -> None:
    vs = list(access.study.codebook_versions.all())
    if not vs:
        section.paragraphs.append(_not_recorded(_("Codebook versions:")))
        return
    section.tables.append(
        Table(
            _("Codebook versions"),
            [
                _("Version"),
                _("Frozen on"),
                _("Codes in the version (categories included)"),
                _("Note"),
            ],
            [
                [
                    v.name,
                    timezone.localtime(v.created_at).date().isoformat(),
                    str(len(versions.visible_snapshot(access, v.snapshot))),
                    v.note,
                ]
                for v in vs
            ],
        )
    )
    sides = [
        versions.Side(v, versions.visible_snapshot(access, v.snapshot), v.audit_mark) for v in vs
    ]
    # The codebook events between the first and the last version, read once (as
    # versions.diff reads them for one pair), then cut per pair of consecutive versions.
    events = list(
        AuditEvent.objects.filter(
            study=access.study,
            pk__gt=sides[0].mark,
            pk__lte=sides[-1].mark,
            object_type="code",
            action__in=versions.CHANGE_ACTIONS,
        ).order_by("pk")
    )
    rows = []
    for old, new in zip(sides, sides[1:], strict=False):
        between = [e for e in events if old.mark < e.pk <= new.mark]
        for change in versions.diff_snapshots(old.snapshot, new.snapshot, between):
            detail = f"{change.old} → {change.new}" if change.old or change.new else ""
            if change.kind == "definition":
                detail = change.field_label
            elif change.field:
                detail = f"{change.field_label}: {detail}"
            kind = str(versions.KIND_LABELS.get(change.kind, change.kind))
            rows.append([f"{old.label} → {new.label}", kind, change.path, detail, change.reason])
    if len(sides) > 1:
        section.tables.append(
            Table(
                _("Change log between versions"),
                [_("Versions"), _("Change"), _("Code"), _("Detail"), _("Reason")],
                rows or [["—", _("no change"), "", "", ""]],
            )
        )


# --- agreement -----------------------------------------------------------------------------------


def _agreement(access: StudyAccess, section: Section, query: QueryDict) -> None:
    try:
        layers = ",".join(query.getlist("layers"))
        report = agreement_answer.report_for_api(access, query, layers)
    except ValidationError as exc:
        section.paragraphs.append(
            _("Agreement: not computed (%(reason)s).") % {"reason": " ".join(exc.messages)}
        )
        report = None
    if report is not None:
        data = agreement_answer.report_json(report)
        compared = data["transcripts_compared"]
        # The methods paragraph names the unit, the layers, the transcripts compared and
        # the bootstrap; its coefficients are written as the tables write them.
        section.paragraphs.append(methods_summary(report, coefficient=_coef))
        overall = data["overall"]
        rows = [_figures(_("Overall (codes pooled)"), overall)]
        tops = {}
        for c in data["codes"]:
            if " > " in c["path"]:
                continue
            if c["code_id"] not in tops or c["is_parent"]:
                tops[c["code_id"]] = c
        rows += [_figures(c["path"], c) for c in tops.values()]
        section.tables.append(
            Table(
                _("Agreement overall and per top-level code (subcodes rolled up)"),
                [
                    _("Code"),
                    _("Units (characters × codes)"),
                    _("% agreement"),
                    _("Cohen's κ"),
                    _("Krippendorff's α"),
                    _("α 95% CI"),
                ],
                rows,
            )
        )
        section.tables.append(
            Table(
                _("Transcripts the figures rest on"),
                [_("Transcript"), _("Participant"), _("Group"), _("Wave")],
                [
                    [t["title"], t["participant"] or "", t["group"] or "", t["wave"] or ""]
                    for t in compared
                ],
            )
        )
    if report is not None:
        _over_time(access, section, query, layers)
    rounds = list(
        CalibrationRound.objects.filter(study=access.study, closed=True).order_by("created_at")
    )
    if not rounds:
        section.paragraphs.append(_not_recorded(_("Calibration rounds:")))
        return
    rrows = []
    for rnd in rounds:
        res = calibration_results(rnd)
        o = res.overall
        rrows.append(
            [
                rnd.name,
                timezone.localtime(rnd.created_at).date().isoformat(),
                str(res.n_coders),
                str(len(res.units)),
                res.overall_kind,
                _coef(o.alpha_nominal.value) if o else _("undefined"),
                _agreement_pct(o.percent_agreement.value) if o else _("undefined"),
            ]
        )
    section.tables.append(
        Table(
            _("Calibration rounds (closed)"),
            [_("Round"), _("Date"), _("Coders"), _("Excerpts"), _("Data"), "α", _("% agreement")],
            rrows,
        )
    )


def _over_time(access: StudyAccess, section: Section, query: QueryDict, layers: str) -> None:
    """The over-time table: each calibration round the reader may see and each codebook
    period, with the version it rests on (docs/agreement/OVER_TIME.md)."""
    table, _scope = over_time.for_query(access, query, layers or None)
    rows = []
    for r in table.rows:
        ci = r.alpha_ci
        if r.kind == over_time.ROUND:
            when = timezone.localtime(r.start).date().isoformat()
            basis = ngettext("%(count)s coder", "%(count)s coders", r.coders) % {"count": r.coders}
            label = _("Round: %(name)s") % {"name": r.label}
        else:
            start = timezone.localtime(r.start).date().isoformat() if r.start else _("start")
            end = timezone.localtime(r.end).date().isoformat() if r.end else _("now")
            when = _("%(start)s to %(end)s") % {"start": start, "end": end}
            basis = _("%(transcripts)s transcripts, %(segments)s segments") % {
                "transcripts": r.n_transcripts,
                "segments": f"{r.segments:,}",
            }
            label = _("Period: %(name)s") % {"name": r.label}
        rows.append(
            [
                label,
                when,
                r.codebook,
                f"{r.units:,} {reason_text(r.unit_words)}",
                basis,
                _agreement_pct(r.percent_agreement.value),
                _coef(r.kappa.value),
                _coef(r.alpha.value),
                f"[{ci.low:.3f}, {ci.high:.3f}]" if ci is not None and ci.defined else "—",
            ]
        )
    section.tables.append(
        Table(
            _(
                "Agreement over time: calibration rounds (units × coders, intervals resampling "
                "excerpts) and codebook periods (segments created while each version was "
                "current, on the transcripts double-coded in the period; intervals resampling "
                "transcripts)"
            ),
            [
                _("Round or period"),
                _("Dates"),
                _("Codebook version"),
                _("Units"),
                _("Rests on"),
                _("% agreement"),
                _("Cohen's κ"),
                _("Krippendorff's α"),
                _("α 95% CI"),
            ],
            rows,
        )
    )
    trends = [
        words
        for words in (
            _("Calibration: %(trend)s.") % {"trend": over_time.trend_words(table.rounds)}
            if over_time.trend_words(table.rounds)
            else "",
            _("Coding: %(trend)s.") % {"trend": over_time.trend_words(table.periods)}
            if over_time.trend_words(table.periods)
            else "",
        )
        if words
    ]
    if trends:
        section.paragraphs.append(join_sentences(_("Agreement over time."), *trends))


def _figures(label: str, f: dict) -> list[str]:
    ci = f.get("alpha_ci")
    pa = f.get("percent_agreement")
    return [
        label,
        str(f.get("characters", 0)),
        _agreement_pct(pa),
        _coef(f.get("kappa")),
        _coef(f.get("alpha")),
        f"[{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "—",
    ]


# --- consensus, audit, software ----------------------------------------------------------------------


def _consensus(study, section: Section) -> None:
    counts = dict(
        ConsensusDecision.objects.filter(study=study, undone_at__isnull=True)
        .order_by()
        .values_list("action")
        .annotate(n=Count("pk"))
    )
    total = sum(counts.values())
    if not total:
        section.paragraphs.append(_not_recorded(_("Consensus decisions:")))
        return
    settled = ConsensusDecision.objects.filter(study=study, undone_at__isnull=True).order_by()
    spread = settled.aggregate(
        transcripts=Count("transcript", distinct=True),
        changes=Count("codebook_change", distinct=True),
        led=Count("pk", filter=Q(codebook_change__isnull=False)),
    )
    section.paragraphs.append(
        _(
            "%(total)s units settled into the consensus layer on %(transcripts)s transcripts, "
            "each by a decision with its rationale (undone decisions not counted). %(led)s "
            "decisions led to %(changes)s recorded codebook changes."
        )
        % {
            "total": total,
            "transcripts": spread["transcripts"],
            "led": spread["led"],
            "changes": spread["changes"],
        }
    )
    section.tables.append(
        Table(
            _("Units settled by kind of decision"),
            [_("Decision"), _("Units")],
            [
                [_decision(value, label), str(counts.get(value, 0))]
                for value, label in Decision.choices
            ],
        )
    )


def _decision(value: str, label: str) -> str:
    """A decision's name in the reader's language (the model's labels are English)."""
    from coding.consensus.page import DECISION_WORDS

    return str(DECISION_WORDS.get(value, label))


def _audit(access: StudyAccess, section: Section) -> None:
    if not access.is_owner:
        section.paragraphs.append(_("The audit summary is shown to the study's owners only."))
        return
    events = AuditEvent.objects.filter(study=access.study).order_by()
    period = events.aggregate(first=Min("created_at"), last=Max("created_at"))
    if period["first"] is None:
        section.paragraphs.append(_not_recorded(_("Audit log:")))
        return
    total = events.count()
    first = timezone.localtime(period["first"]).date().isoformat()
    last = timezone.localtime(period["last"]).date().isoformat()
    words = _(
        "%(total)s recorded changes from %(first)s to %(last)s; every write is logged with "
        "who, when and the values before and after."
    )
    if first == last:
        words = _(
            "%(total)s recorded changes, all on %(first)s; every write is logged with who, "
            "when and the values before and after."
        )
    section.paragraphs.append(words % {"total": total, "first": first, "last": last})
    by_kind = events.values_list("action").annotate(n=Count("pk")).order_by("-n", "action")
    section.tables.append(
        Table(
            _("Changes by kind"),
            [_("Kind"), _("Changes")],
            [[action_label(a), str(n)] for a, n in by_kind],
        )
    )
    by_person = (
        events.values_list("actor__username")
        .annotate(n=Count("pk"))
        .order_by("-n", "actor__username")
    )
    section.tables.append(
        Table(
            _("Changes by person"),
            [_("Person"), _("Changes")],
            [[u or _("(system)"), str(n)] for u, n in by_person],
        )
    )


def software_version() -> tuple[str, str, str]:
    """(name, version from pyproject.toml, git commit or "")."""
    base = Path(settings.BASE_DIR)
    try:
        project = tomllib.loads((base / "pyproject.toml").read_text())["project"]
        name, version = project["name"], project["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        name, version = "workbench", "unknown"
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=base,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return name, version, commit


def _software(section: Section, date: str) -> None:
    name, version, commit = software_version()
    at = _(", commit %(commit)s") % {"commit": commit} if commit else ""
    section.paragraphs.append(
        _(
            "Coding, agreement and consensus were done in %(software)s (Django, "
            "server-rendered). Appendix generated on %(date)s from the study's data."
        )
        % {"software": f"{name} {version}{at}", "date": date}
    )


# --- the whole ---------------------------------------------------------------------------------


def build(access: StudyAccess, *, notes: dict[str, str] | None = None, query=None) -> Appendix:
    """The appendix ``access`` may read (call only for members who may read agreement).
    ``notes``: section key -> procedure notes typed by the PI; ``query``: the agreement
    parameters (layers, bootstrap, seed, sample, ...)."""
    study = access.study
    notes = notes or {}
    query = query if query is not None else QueryDict()
    date = timezone.localdate().isoformat()
    sections = {key: Section(key, str(title), notes=notes.get(key, "")) for key, title in SECTIONS}
    _design(study, sections["design"])
    _coders(study, sections["coders"])
    _codebook(access, sections["codebook"])
    _agreement(access, sections["agreement"], query)
    _consensus(study, sections["consensus"])
    _audit(access, sections["audit"])
    _software(sections["software"], date)
    rows = []
    for key, title in SECTIONS:
        coreq, srqr = checklists.items_text(key)
        rows.append([str(title), coreq, srqr])
    checklist = Table(
        _(
            "Reporting checklist items answered (COREQ: Tong et al. 2007; SRQR: O'Brien et al. "
            "2014)"
        ),
        [_("Section"), _("COREQ item(s)"), _("SRQR item(s)")],
        rows,
    )
    return Appendix(study.name, date, list(sections.values()), checklist)
