from __future__ import annotations

from django.contrib import admin

from coding.models import (
    Assignment,
    AuditEvent,
    CalibrationAnswer,
    CalibrationRound,
    CalibrationSubmission,
    CalibrationUnit,
    Code,
    ConsensusDecision,
    Layer,
    Memo,
    Segment,
)


@admin.register(Code)
class CodeAdmin(admin.ModelAdmin):
    list_display = ["name", "study", "parent", "position", "archived"]
    list_filter = ["archived"]
    search_fields = ["name"]


@admin.register(Layer)
class LayerAdmin(admin.ModelAdmin):
    list_display = ["__str__", "study", "kind"]
    list_filter = ["kind"]


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ["code", "layer", "transcript", "start", "end", "needs_review"]
    raw_id_fields = ["transcript", "code", "layer"]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["layer", "transcript", "done_at"]
    raw_id_fields = ["transcript"]


@admin.register(Memo)
class MemoAdmin(admin.ModelAdmin):
    list_display = ["__str__", "study", "author", "updated_at"]
    raw_id_fields = ["transcript", "code", "segment"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    # study_name and study_ref stay after the study is deleted (study becomes empty).
    list_display = [
        "created_at",
        "study_name",
        "study_ref",
        "actor",
        "action",
        "object_type",
        "object_id",
    ]
    list_filter = ["action"]
    search_fields = ["study_name", "action", "actor__username"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ConsensusDecision)
class ConsensusDecisionAdmin(admin.ModelAdmin):
    list_display = [
        "transcript",
        "code",
        "start",
        "end",
        "action",
        "decided_by",
        "created_at",
        "undone_at",
    ]
    list_filter = ["action"]
    raw_id_fields = ["transcript", "code", "result"]


class CalibrationUnitInline(admin.TabularInline):
    model = CalibrationUnit
    extra = 0
    raw_id_fields = ["transcript"]


@admin.register(CalibrationRound)
class CalibrationRoundAdmin(admin.ModelAdmin):
    list_display = ["name", "study", "single_code", "closed", "created_at"]
    inlines = [CalibrationUnitInline]


@admin.register(CalibrationAnswer, CalibrationSubmission)
class CalibrationRecordAdmin(admin.ModelAdmin):
    raw_id_fields = ["unit"]
