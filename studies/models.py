from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from studies.languages import validate_tag


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    CODER = "coder", _("Coder")
    VIEWER = "viewer", _("Viewer")


class StudyQuerySet(models.QuerySet):
    def for_user(self, user):
        """Studies the user is a member of, annotated with ``my_role``."""
        return self.filter(memberships__user=user).annotate(my_role=models.F("memberships__role"))


class Study(models.Model):
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    blind_coding = models.BooleanField(
        default=False,
        help_text=_(
            "Coders see only their own layer: other coders' work and the consensus "
            "layer are hidden from them on every page, fragment, export and API answer."
        ),
    )
    coders_may_create_codes = models.BooleanField(
        default=True, help_text=_("Coders may add codes to the codebook while coding.")
    )
    share_agreement_with_coders = models.BooleanField(
        default=False,
        help_text=_("Coders may read the agreement report (never while blind coding is on)."),
    )
    codebook_language = models.CharField(
        "codebook language",
        max_length=35,
        default="en",
        validators=[validate_tag],
        help_text=_("BCP 47 tag of the codebook's first language, e.g. en or zh-Hant-HK."),
    )
    codebook_language_name = models.CharField(
        "its display name", max_length=60, default="English", blank=True
    )
    codebook_language2 = models.CharField(
        "second codebook language",
        max_length=35,
        blank=True,
        validators=[validate_tag],
        help_text=_(
            "Optional: codes then have their name, definition, rules and example in "
            "this language too. Each person reads their interface language first."
        ),
    )
    codebook_language2_name = models.CharField("its display name", max_length=60, blank=True)
    segment_overlap_threshold = models.FloatField(
        default=0.9,
        validators=[MinValueValidator(0.01), MaxValueValidator(1.0)],
        help_text=_(
            "Minimum overlap (intersection over union) for two segments to match "
            "in segment-level agreement."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StudyQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "studies"
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(segment_overlap_threshold__gt=0)
                & models.Q(segment_overlap_threshold__lte=1),
                name="studies_study_threshold_range",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        tag2 = (self.codebook_language2 or "").strip()
        if tag2 and tag2.lower() == (self.codebook_language or "").strip().lower():
            raise ValidationError(
                {"codebook_language2": "The second codebook language must differ from the first."}
            )
        if not tag2 and self.codebook_language2_name:
            self.codebook_language2_name = ""


class Membership(models.Model):
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.CODER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["study", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["study", "user"], name="studies_membership_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]),
                name="studies_membership_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) in {self.study}"


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        """Not accepted, not withdrawn, not expired."""
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


class Invitation(models.Model):
    """An owner's invitation to join a study with a role; nobody becomes a member without
    accepting one. The link carries a random token of which only a hash is stored; it works
    once, until ``expires_at``. ``invited_user`` (an invitation to an existing account by
    username) restricts who may accept and shows it on that person's studies list."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.CODER)
    email = models.EmailField(blank=True)
    note = models.CharField(max_length=200, blank=True, help_text="Who it is for, for you.")
    invited_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitations",
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]),
                name="studies_invitation_role_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.role} in {self.study} for {self.invitee}"

    @property
    def invitee(self) -> str:
        if self.invited_user_id:
            return self.invited_user.username
        return self.email or self.note or "anyone with the link"

    @property
    def status(self) -> str:
        """pending, accepted, revoked or expired."""
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode("utf-8")).hexdigest()

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(24)


class StakeholderGroup(models.Model):
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"), "study", name="studies_stakeholdergroup_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Wave(models.Model):
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="waves")
    name = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "study", name="studies_wave_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Participant(models.Model):
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="participants")
    pseudonym = models.CharField(max_length=100)
    group = models.ForeignKey(
        StakeholderGroup,
        on_delete=models.RESTRICT,
        related_name="participants",
        null=True,
        blank=True,
    )
    attributes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pseudonym", "pk"]
        constraints = [
            models.UniqueConstraint(
                Lower("pseudonym"), "study", name="studies_participant_unique_pseudonym"
            )
        ]

    def __str__(self) -> str:
        return self.pseudonym


class AttributeScope(models.TextChoices):
    PARTICIPANT = "participant", _("Participant")
    TRANSCRIPT = "transcript", _("Transcript")


class AttributeKind(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")


class Attribute(models.Model):
    """A study's definition of one participant or transcript attribute (gender, age,
    interviewer...): its type, and for a choice its allowed values. The values stay in
    ``Participant.attributes`` / ``Transcript.attributes`` under ``name``; reading and
    checking them is :mod:`studies.attributes`."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="attribute_defs")
    scope = models.CharField(
        max_length=12, choices=AttributeScope.choices, default=AttributeScope.PARTICIPANT
    )
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=8, choices=AttributeKind.choices, default=AttributeKind.TEXT)
    choices = models.JSONField(default=list, blank=True, help_text="Allowed values of a choice.")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["scope", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"), "study", "scope", name="studies_attribute_unique_name"
            ),
            models.CheckConstraint(
                condition=models.Q(scope__in=[s.value for s in AttributeScope]),
                name="studies_attribute_scope_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in AttributeKind]),
                name="studies_attribute_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def key(self) -> str:
        """How filters name it: ``attribute:<name>``."""
        return f"attribute:{self.name}"


class TranscriptQuerySet(models.QuerySet):
    def for_list(self):
        """Without the text; participant, group and wave preloaded."""
        return self.defer("text").select_related("participant__group", "wave")

    def bulk_create(self, objs, *args, **kwargs):
        """Also stores each new transcript's searchable copy (:class:`TranscriptSearchText`)."""
        created = super().bulk_create(objs, *args, **kwargs)
        TranscriptSearchText.store(created)
        return created

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        done = super().bulk_update(objs, fields, *args, **kwargs)
        if "text" in fields:
            TranscriptSearchText.store(objs)
        return done

    def update(self, **kwargs):
        if "text" not in kwargs:
            return super().update(**kwargs)
        # The search copies follow: the rows are read back once updated.
        with transaction.atomic(using=self.db):
            pks = list(self.values_list("pk", flat=True))
            done = super().update(**kwargs)
            TranscriptSearchText.store(Transcript.objects.filter(pk__in=pks).only("pk", "text"))
        return done


class Transcript(models.Model):
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="transcripts")
    participant = models.ForeignKey(
        Participant,
        on_delete=models.RESTRICT,
        related_name="transcripts",
        null=True,
        blank=True,
    )
    wave = models.ForeignKey(
        Wave, on_delete=models.RESTRICT, related_name="transcripts", null=True, blank=True
    )
    title = models.CharField(max_length=200)
    text = models.TextField(help_text="Canonical text: NFC, \\n line endings.")
    length = models.PositiveIntegerField(default=0, help_text="Length in code points.")
    source_name = models.CharField(max_length=255, blank=True)
    checksum = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the text.")
    language = models.CharField(max_length=20, blank=True)
    attributes = models.JSONField(
        default=dict, blank=True, help_text="Transcript attributes (interviewer, site...)."
    )
    turn_times = models.JSONField(
        default=list,
        blank=True,
        help_text="Start times of turns from caption files (.vtt, .srt): "
        "[[code-point offset of the turn's line, seconds], ...].",
    )
    version = models.PositiveIntegerField(
        default=1, help_text="Incremented on every text edit; pages send it back."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TranscriptQuerySet.as_manager()

    class Meta:
        ordering = ["title", "pk"]
        constraints = [
            models.UniqueConstraint(
                Lower("title"), "study", name="studies_transcript_unique_title"
            ),
        ]
        indexes = [models.Index(fields=["study", "participant", "wave"])]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        update_fields = kwargs.get("update_fields")
        if "text" in (update_fields or ()) or (
            update_fields is None and "text" not in self.get_deferred_fields()
        ):
            TranscriptSearchText.store([self])

    @staticmethod
    def checksum_of(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


class TranscriptSearchText(models.Model):
    """The text as corpus search counts on it in the database (coding/search/selectors.py),
    kept beside the transcript so that no other page reads it: folded one character for
    one (:func:`studies.folding.searchable`), so offsets are those of the text.

    Written with the text by ``Transcript.save`` and the queryset's ``bulk_create``,
    ``bulk_update`` and ``update``. A transcript without a row, or with ``folded`` empty
    (NULL: folding would change its length), is searched by reading its text."""

    transcript = models.OneToOneField(
        Transcript, on_delete=models.CASCADE, primary_key=True, related_name="search_text"
    )
    folded = models.TextField(null=True, help_text="Case folded; NULL if that moves offsets.")
    variants = models.TextField(
        null=True, help_text="Folded, Han in Simplified forms; NULL if the same as folded."
    )

    def __str__(self) -> str:
        return f"Search text of transcript {self.transcript_id}"

    @classmethod
    def store(cls, transcripts) -> None:
        """Write the copies of ``transcripts`` (saved, with their text) in one query."""
        from studies.folding import searchable

        rows = []
        for t in transcripts:
            if t.pk is None or "text" in t.get_deferred_fields():
                continue  # not saved (a backend that returns no ids): searched from its text
            folded, variants = searchable(t.text)
            rows.append(cls(transcript_id=t.pk, folded=folded, variants=variants))
        if rows:
            cls.objects.bulk_create(
                rows,
                batch_size=50,
                update_conflicts=True,
                unique_fields=["transcript"],
                update_fields=["folded", "variants"],
            )


class TokenScope(models.TextChoices):
    READ = "read", _("Read only")
    WRITE = "write", _("Read and write")


class ApiToken(models.Model):
    """A personal token for the JSON API. Only a hash of the key is stored.

    A token expires at ``expires_at`` (never when empty), may be read-only, and is deleted
    when its user's password changes.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=5, choices=TokenScope.choices, default=TokenScope.WRITE)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    @property
    def can_write(self) -> bool:
        return self.scope == TokenScope.WRITE

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode("utf-8")).hexdigest()

    @staticmethod
    def new_key() -> str:
        return "wb_" + secrets.token_urlsafe(32)


def _media_storage():
    from django.core.files.storage import storages

    return storages["media"]


class TranscriptMedia(models.Model):
    """The recording a transcript was made from (audio or video): one per transcript, as in
    NVivo. Replacing it stores the new file and deletes the old one (the audit log records
    both); the file lives in the private ``media`` storage (settings.STORAGES) and is served
    only by :func:`studies.media_views.transcript_media_file`, never from a public URL."""

    class Kind(models.TextChoices):
        AUDIO = "audio", _("Audio")
        VIDEO = "video", _("Video")

    transcript = models.OneToOneField(
        Transcript, on_delete=models.CASCADE, primary_key=True, related_name="media"
    )
    file = models.FileField(storage=_media_storage, max_length=255)
    kind = models.CharField(max_length=5, choices=Kind.choices)
    content_type = models.CharField(max_length=40, help_text="From the file's content.")
    original_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.original_name} ({self.transcript_id})"


class UserPreferences(models.Model):
    """A person's own settings, kept across sessions: for now the interface language.

    An empty ``language`` means "follow the browser" (Accept-Language or the cookie).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preferences"
    )
    language = models.CharField(max_length=16, blank=True, default="")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.language or '-'}"
