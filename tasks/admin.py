from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Attachment,
    ImportBatch,
    Milestone,
    Plan,
    ReminderLog,
    Responsibility,
    Section,
    SpecificTask,
    Update,
    UpdateEvent,
    UpdateVersion,
    WorkTask,
)


class SectionInline(admin.TabularInline):
    model = Section
    extra = 0
    fields = ["order", "number", "title", "kind"]


@admin.register(Plan)
class PlanAdmin(SimpleHistoryAdmin):
    list_display = ["title", "doc_number", "start_year", "end_year", "status", "report_due_day"]
    list_filter = ["status"]
    search_fields = ["title", "short_title", "doc_number", "issuer"]
    inlines = [SectionInline]


@admin.register(Section)
class SectionAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "plan", "kind", "order"]
    list_filter = ["plan", "kind"]
    search_fields = ["title", "number"]


@admin.register(WorkTask)
class WorkTaskAdmin(SimpleHistoryAdmin):
    list_display = ["seq", "number", "title", "section"]
    list_filter = ["section__plan", "section"]
    search_fields = ["title", "number"]
    list_select_related = ["section__plan"]


class ResponsibilityInline(admin.TabularInline):
    model = Responsibility
    extra = 0
    autocomplete_fields = ["unit"]


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ["year", "due_date", "text", "order"]


@admin.register(SpecificTask)
class SpecificTaskAdmin(SimpleHistoryAdmin):
    list_display = ["code", "short_text", "work_task", "deadline", "continues_after_deadline"]
    list_filter = ["work_task__section__plan", "continues_after_deadline", "responsibilities__unit"]
    search_fields = ["text", "body_text", "work_task__title"]
    list_select_related = ["work_task__section__plan"]
    inlines = [ResponsibilityInline, MilestoneInline]

    @admin.display(description=_("specific task"))
    def short_text(self, obj):
        return obj.text[:60]


@admin.register(Milestone)
class MilestoneAdmin(SimpleHistoryAdmin):
    list_display = ["task", "year", "due_date", "text"]
    list_filter = ["year", "task__work_task__section__plan"]
    search_fields = ["text", "task__text"]
    list_select_related = ["task__work_task"]


@admin.register(Responsibility)
class ResponsibilityAdmin(SimpleHistoryAdmin):
    list_display = ["task", "unit", "role", "order"]
    list_filter = ["role", "unit"]
    search_fields = ["task__text", "unit__name"]
    list_select_related = ["task__work_task", "unit"]


class VersionInline(admin.TabularInline):
    model = UpdateVersion
    extra = 0
    can_delete = False
    readonly_fields = ["number", "submitted_by", "submitted_at", "progress"]
    fields = readonly_fields


class EventInline(admin.TabularInline):
    model = UpdateEvent
    extra = 0
    can_delete = False
    readonly_fields = ["action", "actor", "note", "created_at"]
    fields = readonly_fields


@admin.register(Update)
class UpdateAdmin(SimpleHistoryAdmin):
    list_display = ["task", "unit", "year", "quarter", "state", "self_status", "last_submitted_at"]
    list_filter = ["state", "year", "quarter", "self_status", "unit", "task__work_task__section__plan"]
    search_fields = ["progress", "problems", "next_steps", "task__text", "unit__name"]
    list_select_related = ["task__work_task", "unit"]
    readonly_fields = ["revision", "created_by", "updated_by", "submitted_at", "last_submitted_at", "reviewed_at", "reviewed_by"]
    inlines = [VersionInline, EventInline]


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["name", "update", "content_type", "size", "uploaded_by", "created_at"]
    search_fields = ["name"]
    list_select_related = ["update__task__work_task", "update__unit", "uploaded_by"]


@admin.register(ReminderLog)
class ReminderLogAdmin(admin.ModelAdmin):
    list_display = ["unit", "task", "year", "quarter", "kind", "sent_on"]
    list_filter = ["kind", "sent_on", "unit"]
    list_select_related = ["unit", "task__work_task"]


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["filename", "kind", "status", "plan", "unit", "created_by", "created_at"]
    list_filter = ["kind", "status"]
    search_fields = ["filename"]
    list_select_related = ["plan", "unit", "created_by"]
    readonly_fields = ["payload", "errors"]
