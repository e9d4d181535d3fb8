from __future__ import annotations

import re

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from studies.models import Participant, Study, Transcript

# A code's colour: #RRGGBB. The one definition used by the model, forms, imports and rendering.
COLOR_RE = re.compile(r"#[0-9A-Fa-f]{6}")
color_validator = RegexValidator(r"^#[0-9A-Fa-f]{6}$", "Colour must look like #RRGGBB.")


class CodeQuerySet(models.QuerySet):
    def for_tree(self):
        """The whole codebook of a study in one query, ordered for tree building."""
        return self.order_by("parent_id", "position", "name", "pk")


class Code(models.Model):
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="codes")
    parent = models.ForeignKey(
        "self", on_delete=models.RESTRICT, null=True, blank=True, related_name="children"
    )
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True, help_text="Definition: what the code means.")
    inclusion = models.TextField(blank=True, help_text="When to apply it.")
    exclusion = models.TextField(blank=True, help_text="When not to apply it.")
    example = models.TextField(blank=True)
    # The study's second codebook language (Study.codebook_language2), each optional: a code
    # without its second-language name is shown in the first.
    name2 = models.CharField("name (second language)", max_length=120, blank=True)
    description2 = models.TextField("definition (second language)", blank=True)
    inclusion2 = models.TextField("include when (second language)", blank=True)
    exclusion2 = models.TextField("exclude when (second language)", blank=True)
    example2 = models.TextField("example (second language)", blank=True)
    color = models.CharField(max_length=7, default="#0072B2", validators=[color_validator])
    position = models.PositiveIntegerField(default=0)
    archived = models.BooleanField(default=False)
    is_codable = models.BooleanField(
        "can be applied to text",
        default=True,
        help_text="Off for a category: it holds child codes but is not applied to text "
        '(REFI-QDA isCodable="false").',
    )
    proposed = models.BooleanField(
        default=False,
        help_text="Created by a coder and not yet adopted into the shared codebook by an owner.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who created (for a proposal: proposed) the code.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CodeQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                "study",
                "parent",
                condition=models.Q(parent__isnull=False),
                name="coding_code_unique_name_in_parent",
            ),
            models.UniqueConstraint(
                Lower("name"),
                "study",
                condition=models.Q(parent__isnull=True),
                name="coding_code_unique_name_at_root",
            ),
            models.UniqueConstraint(
                Lower("name2"),
                "study",
                "parent",
                condition=models.Q(parent__isnull=False) & ~models.Q(name2=""),
                name="coding_code_unique_name2_in_parent",
            ),
            models.UniqueConstraint(
                Lower("name2"),
                "study",
                condition=models.Q(parent__isnull=True) & ~models.Q(name2=""),
                name="coding_code_unique_name2_at_root",
            ),
            models.CheckConstraint(condition=~models.Q(name=""), name="coding_code_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name


class LayerKind(models.TextChoices):
    CODER = "coder", _("Coder")
    CONSENSUS = "consensus", _("Consensus")
    IMPORTED = "imported", _("Imported")


class Layer(models.Model):
    """Whose coding a segment belongs to."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="layers")
    kind = models.CharField(max_length=10, choices=LayerKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="layers",
    )
    name = models.CharField(max_length=150, blank=True, help_text="Label for imported layers.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["study", "user"],
                condition=models.Q(kind="coder"),
                name="coding_layer_one_per_coder",
            ),
            models.UniqueConstraint(
                fields=["study"],
                condition=models.Q(kind="consensus"),
                name="coding_layer_one_consensus",
            ),
            models.CheckConstraint(
                condition=(models.Q(kind="coder") & models.Q(user__isnull=False))
                | (~models.Q(kind="coder") & models.Q(user__isnull=True)),
                name="coding_layer_user_iff_coder",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if self.kind == LayerKind.CONSENSUS:
            return gettext("Consensus")
        if self.kind == LayerKind.CODER and self.user_id:
            return self.user.username
        return self.name or gettext("Imported layer %(pk)s") % {"pk": self.pk}

    @property
    def key(self) -> str:
        """The layer's name in URLs and the API: a username, ``consensus`` or ``layer-<id>``."""
        if self.kind == LayerKind.CONSENSUS:
            return "consensus"
        if self.kind == LayerKind.CODER:
            return self.user.username
        return f"layer-{self.pk}"


class SegmentQuerySet(models.QuerySet):
    def for_transcript(self, transcript, layers=None):
        """Segments of one transcript ordered by start, with code and layer (and its user)."""
        qs = self.filter(transcript=transcript)
        if layers is not None:
            qs = qs.filter(layer__in=layers)
        return qs.select_related("code", "layer__user").order_by("start", "-end", "pk")


class Segment(models.Model):
    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="segments")
    code = models.ForeignKey(Code, on_delete=models.RESTRICT, related_name="segments")
    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="segments")
    start = models.PositiveIntegerField(help_text="Code-point offset, inclusive.")
    end = models.PositiveIntegerField(help_text="Code-point offset, exclusive.")
    quote = models.TextField(help_text="transcript.text[start:end], kept equal through text edits.")
    quote_at_coding = models.TextField(
        blank=True,
        help_text="The words when last coded or reviewed, kept when a text edit changed them "
        "(empty while they are unchanged).",
    )
    memo = models.TextField(blank=True)
    needs_review = models.BooleanField(
        default=False, help_text="Set when a text edit changed the quoted passage."
    )
    provenance = models.JSONField(
        default=dict, blank=True, help_text="For consensus: decision, source segments."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SegmentQuerySet.as_manager()

    class Meta:
        ordering = ["transcript", "start", "-end", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["transcript", "code", "layer", "start", "end"],
                name="coding_segment_unique_span",
            ),
            models.CheckConstraint(
                condition=models.Q(start__gte=0) & models.Q(end__gt=models.F("start")),
                name="coding_segment_start_before_end",
            ),
        ]
        indexes = [
            models.Index(fields=["transcript", "layer", "start"]),
            models.Index(fields=["code", "layer"]),
            models.Index(fields=["layer", "transcript"]),
        ]

    def __str__(self) -> str:
        return f"{self.code} [{self.start}:{self.end}]"


class Assignment(models.Model):
    """A layer's work on one transcript: assigned (the coder is expected to code it) and done.

    Agreement treats a coder who was not assigned a transcript as missing, not as
    "coded nothing".
    """

    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="assignments")
    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="assignments")
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["layer", "transcript"], name="coding_assignment_unique")
        ]


class SamplerDraw(models.Model):
    """One applied draw of the double-coding sampler (coding/assignments/sampler.py): what
    was asked, the seed, the transcripts chosen and the two coders assigned to them."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="sampler_draws")
    params = models.JSONField(
        default=dict, help_text="percent or count, layer ids and coder names, per-cell counts."
    )
    seed = models.BigIntegerField()
    transcript_ids = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]


# The longest memo (a Memo's body, a segment's memo) on every page, the API and imports.
MEMO_MAX_CHARS = 20_000


# The key in ``Memo.extra`` that marks a framework-matrix cell summary (participant, wave).
FRAMEWORK_KEY = "framework"


class Memo(models.Model):
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="memos")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="memos"
    )
    transcript = models.ForeignKey(
        Transcript, on_delete=models.CASCADE, null=True, blank=True, related_name="memos"
    )
    code = models.ForeignKey(
        Code, on_delete=models.CASCADE, null=True, blank=True, related_name="memos"
    )
    segment = models.ForeignKey(
        Segment, on_delete=models.CASCADE, null=True, blank=True, related_name="memos"
    )
    title = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    extra = models.JSONField(default=dict, blank=True, help_text="E.g. framework-matrix cell.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "pk"]

    def __str__(self) -> str:
        return self.title or self.body[:40]


class AuditEvent(models.Model):
    """Append-only log: who did what to which object, with the data needed to restore it."""

    # Kept when the study is deleted (SET_NULL): ``study_ref`` and ``study_name`` still say
    # which study it was. Null with an empty ``study_ref`` for events that belong to no
    # study (a user's API tokens).
    study = models.ForeignKey(
        Study, on_delete=models.SET_NULL, null=True, blank=True, related_name="audit_events"
    )
    study_ref = models.BigIntegerField(
        null=True, blank=True, help_text="The study's id, kept after the study is deleted."
    )
    study_name = models.CharField(max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60)
    object_id = models.BigIntegerField(null=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    restores = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="restorations",
        help_text="For a restore: the event whose change it undid.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["study", "object_type", "object_id"]),
            models.Index(fields=["study", "-created_at"]),
            # The audit page's filter choices: distinct actions and people of a study.
            models.Index(fields=["study", "action", "object_type"]),
            models.Index(fields=["study", "actor"]),
            models.Index(fields=["study_ref"]),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}#{self.object_id}"


class Decision(models.TextChoices):
    ACCEPT_A = "accept_a", "Accept A"
    ACCEPT_B = "accept_b", "Accept B"
    UNION = "union", "Union"
    INTERSECTION = "intersection", "Intersection"
    REJECT = "reject", "Neither"
    AGREED = "agreed", "Agreed (copied)"
    EDIT = "edit", "Edited"


class ConsensusDecision(models.Model):
    """A PI's settlement of one disagreement (or agreement) into the consensus layer.

    ``start``/``end`` delimit the unit that was reviewed (the union of the source spans);
    ``result`` is the consensus segment created, or null for "Neither". Undoing sets
    ``undone_at`` and removes the result segment.
    """

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="decisions")
    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="decisions")
    code = models.ForeignKey(Code, on_delete=models.CASCADE, related_name="decisions")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    action = models.CharField(max_length=20, choices=Decision.choices)
    layers = models.JSONField(default=list, help_text="Layer ids compared, in order (A, B, …).")
    sources = models.JSONField(default=list, help_text="Snapshots of the source segments.")
    result = models.ForeignKey(
        Segment, on_delete=models.SET_NULL, null=True, blank=True, related_name="decisions"
    )
    rationale = models.TextField(blank=True)
    codebook_change = models.ForeignKey(
        "AuditEvent",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="decisions",
        help_text="The codebook change (an audit event) this decision led to.",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["transcript", "start", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")),
                name="coding_consensusdecision_start_before_end",
            )
        ]
        indexes = [models.Index(fields=["transcript", "code"])]


class CodebookVersion(models.Model):
    """A named, frozen snapshot of a study's codebook ("v1 after calibration").

    ``snapshot`` is a list of every code, archived and proposed ones included (readers hide
    proposals as :func:`studies.access.visible_codes` does): id, parent_id, path, name,
    description, inclusion, exclusion, example, color, archived, is_codable, proposed,
    created_by_id, position. ``audit_mark`` is the id of the study's latest audit event when
    it was frozen: the changes between two versions are the events between their marks.
    """

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="codebook_versions")
    name = models.CharField(max_length=120)
    note = models.TextField(blank=True)
    snapshot = models.JSONField(default=list)
    audit_mark = models.BigIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["study", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["study", "name"], name="coding_codebookversion_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class CalibrationRound(models.Model):
    """A pre-segmented coding round: fixed excerpts, assigned coders code them blind."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="calibration_rounds")
    name = models.CharField(max_length=200)
    instructions = models.TextField(blank=True)
    single_code = models.BooleanField(
        default=False,
        help_text="Each excerpt takes exactly one code (nominal data); otherwise any number.",
    )
    codes = models.ManyToManyField(Code, related_name="calibration_rounds", blank=True)
    coders = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="calibration_rounds", blank=True
    )
    closed = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "pk"]

    def __str__(self) -> str:
        return self.name


class CalibrationUnit(models.Model):
    round = models.ForeignKey(CalibrationRound, on_delete=models.CASCADE, related_name="units")
    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="+")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    quote = models.TextField()
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "transcript", "start", "end"], name="coding_calibrationunit_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")),
                name="coding_calibrationunit_start_before_end",
            ),
        ]


class CalibrationAnswer(models.Model):
    """One code a coder applied to one excerpt. A coder's submission is in CalibrationSubmission."""

    unit = models.ForeignKey(CalibrationUnit, on_delete=models.CASCADE, related_name="answers")
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    code = models.ForeignKey(Code, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "coder", "code"], name="coding_calibrationanswer_unique"
            )
        ]


class CalibrationSubmission(models.Model):
    """A coder has finished an excerpt (possibly with no code: "none of these")."""

    unit = models.ForeignKey(CalibrationUnit, on_delete=models.CASCADE, related_name="submissions")
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    submitted_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "coder"], name="coding_calibrationsubmission_unique"
            )
        ]


class JobKind(models.TextChoices):
    QDPX_EXPORT = "qdpx_export", _("REFI-QDA project (.qdpx)")
    RETRIEVAL_CSV = "retrieval_csv", _("Segments (.csv)")
    RETRIEVAL_XLSX = "retrieval_xlsx", _("Segments (.xlsx)")
    QDPX_IMPORT = "qdpx_import", _("REFI-QDA import")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Running")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class Job(models.Model):
    """A long export or import run by the task worker (coding/jobs/) for one member.

    The result file is in the private ``jobs`` storage (``file`` is its name there), never
    under a static or media URL: only ``coding:job_download`` serves it, to ``user`` while
    they are still a member, until ``expires_at``.
    """

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="jobs")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=JobKind.choices)
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    done = models.PositiveIntegerField(default=0, help_text="Units of work done (rows, parts).")
    total = models.PositiveIntegerField(default=0, help_text="Units of work in all; 0: unknown.")
    message = models.TextField(blank=True, help_text="Why the job failed, in plain words.")
    result = models.JSONField(default=dict, blank=True, help_text="An import's report.")
    language = models.CharField(
        max_length=16,
        blank=True,
        default="",
        help_text="The requester's interface language when it was queued: the worker writes "
        "the file (headers, sheet names, notes) and any message in it.",
    )
    file = models.CharField(max_length=255, blank=True, help_text="Name in the jobs storage.")
    filename = models.CharField(max_length=200, help_text="Name of the download.")
    size = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["study", "user"], name="coding_job_study_user")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.user_id} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        if not self.total:
            return 0
        return min(99, self.done * 100 // self.total)


class TranscriptWords(models.Model):
    """A transcript's word and phrase counts for the Words page (:mod:`coding.words`), kept
    so that no process segments the same text twice, even after a restart: the key is the
    in-process cache's (speech counted, segmenter, counting version), and the row holds the
    text's version and checksum it was counted from (another version is counted again).
    Derived from the text alone; nothing of anyone's coding."""

    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="+")
    speech = models.CharField(max_length=60, blank=True, help_text='"" or "speaker:<label>".')
    segmenter = models.CharField(max_length=20)
    counter_version = models.PositiveSmallIntegerField()
    version = models.PositiveIntegerField(help_text="The transcript's version counted.")
    checksum = models.CharField(max_length=64, blank=True)
    total = models.PositiveIntegerField(help_text="Words counted.")
    words = models.JSONField(default=dict, help_text="{word: count}")
    phrases = models.JSONField(default=list, help_text="[[first, '' or ' ', second, count]]")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["transcript", "speech", "segmenter", "counter_version"],
                name="coding_transcriptwords_unique_key",
            )
        ]

    def __str__(self) -> str:
        return f"words of {self.transcript_id} ({self.speech or 'everyone'})"


class ThemeStatus(models.TextChoices):
    CANDIDATE = "candidate", _("Candidate")
    REVIEWED = "reviewed", _("Reviewed")
    FINAL = "final", _("Final")
    DISCARDED = "discarded", _("Discarded")


class Theme(models.Model):
    """A candidate (then reviewed, final or discarded) theme built from codes.

    A code can feed several themes. ``through_line`` is the theme's through-line memo across
    waves; its earlier texts are in the theme's events (kind ``through_line``).
    """

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="themes")
    name = models.CharField(max_length=200)
    concept = models.TextField(
        "central organising concept",
        blank=True,
        help_text="What holds the theme together, in a sentence or two.",
    )
    status = models.CharField(
        max_length=10, choices=ThemeStatus.choices, default=ThemeStatus.CANDIDATE
    )
    codes = models.ManyToManyField(Code, related_name="themes", blank=True)
    through_line = models.TextField(
        blank=True, help_text="The through-line memo: how the theme runs across the waves."
    )
    position = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(name=""), name="coding_theme_name_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ThemeEventKind(models.TextChoices):
    CREATED = "created", "Created"
    RENAMED = "renamed", "Renamed"
    EDITED = "edited", "Concept edited"
    SPLIT = "split", "Split"
    MERGED = "merged", "Merged"
    STATUS = "status", "Status changed"
    CODES = "codes", "Codes changed"
    THROUGH_LINE = "through_line", "Through-line edited"


class ThemeEvent(models.Model):
    """One step in a theme's development, with its date and the reason given."""

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=ThemeEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    related = models.ManyToManyField(
        Theme,
        related_name="+",
        blank=True,
        help_text="For a split: the other parts; for a merge: the themes merged in or into.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["theme", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.theme_id}"


class JournalEntry(models.Model):
    """A dated reflexive-journal entry: private to its author unless ``shared``."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="journal_entries")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="journal_entries"
    )
    title = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    shared = models.BooleanField(default=False, help_text="Shown to the team; otherwise only you.")
    transcripts = models.ManyToManyField(Transcript, related_name="journal_entries", blank=True)
    codes = models.ManyToManyField(Code, related_name="journal_entries", blank=True)
    themes = models.ManyToManyField(Theme, related_name="journal_entries", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["study", "-created_at"])]

    def __str__(self) -> str:
        return self.title or self.body[:40]


class Exemplar(models.Model):
    """A segment marked as an exemplar quote for a code or a theme (exactly one of the two),
    with a note. The quote is the segment's, at its offsets: nothing is copied."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="exemplars")
    code = models.ForeignKey(
        Code, on_delete=models.CASCADE, null=True, blank=True, related_name="exemplars"
    )
    theme = models.ForeignKey(
        Theme, on_delete=models.CASCADE, null=True, blank=True, related_name="exemplars"
    )
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(code__isnull=False) & models.Q(theme__isnull=True))
                | (models.Q(code__isnull=True) & models.Q(theme__isnull=False)),
                name="coding_exemplar_code_or_theme",
            ),
            models.UniqueConstraint(
                fields=["segment", "code"],
                condition=models.Q(code__isnull=False),
                name="coding_exemplar_unique_code",
            ),
            models.UniqueConstraint(
                fields=["segment", "theme"],
                condition=models.Q(theme__isnull=False),
                name="coding_exemplar_unique_theme",
            ),
        ]

    def __str__(self) -> str:
        return f"exemplar of {self.code or self.theme} ({self.segment_id})"


class Portrait(models.Model):
    """A participant's portrait across waves: ``text`` starts as the generated summary and
    is the researcher's to edit; ``generated`` is the summary it was last based on, so a
    regeneration can show what changed without overwriting the edits."""

    participant = models.OneToOneField(
        Participant, on_delete=models.CASCADE, related_name="portrait"
    )
    text = models.TextField(blank=True)
    generated = models.TextField(blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"portrait of {self.participant_id}"
