from __future__ import annotations

from django.contrib import admin

from studies.models import (
    ApiToken,
    Invitation,
    Membership,
    Participant,
    StakeholderGroup,
    Study,
    Transcript,
    Wave,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Study)
class StudyAdmin(admin.ModelAdmin):
    list_display = ["name", "blind_coding", "created_at"]
    search_fields = ["name"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["study", "user", "role"]
    list_filter = ["role"]
    raw_id_fields = ["user"]


@admin.register(StakeholderGroup, Wave)
class OrderedAdmin(admin.ModelAdmin):
    list_display = ["name", "study", "position"]


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ["pseudonym", "study", "group"]
    search_fields = ["pseudonym"]


@admin.register(Transcript)
class TranscriptAdmin(admin.ModelAdmin):
    list_display = ["title", "study", "participant", "wave", "length", "language"]
    search_fields = ["title"]
    readonly_fields = ["checksum", "length", "version"]
    raw_id_fields = ["participant"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at"]
    readonly_fields = ["key_hash", "prefix"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["study", "role", "email", "note", "invited_user", "expires_at", "accepted_by"]
    list_filter = ["role"]
    raw_id_fields = ["invited_user", "created_by", "accepted_by"]
    readonly_fields = ["token_hash"]
