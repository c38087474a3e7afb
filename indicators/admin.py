from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Contribution, Indicator, IndicatorTarget


class TargetInline(admin.TabularInline):
    model = IndicatorTarget
    extra = 0
    fields = ["year", "value", "source_text"]


@admin.register(Indicator)
class IndicatorAdmin(SimpleHistoryAdmin):
    list_display = ["name", "plan", "measure", "mode", "order"]
    list_filter = ["plan", "mode", "measure"]
    search_fields = ["name", "source_text"]
    filter_horizontal = ["tasks"]
    inlines = [TargetInline]


@admin.register(IndicatorTarget)
class IndicatorTargetAdmin(SimpleHistoryAdmin):
    list_display = ["indicator", "year", "value", "source_text"]
    list_filter = ["year", "indicator__plan"]
    search_fields = ["indicator__name", "source_text"]


@admin.register(Contribution)
class ContributionAdmin(SimpleHistoryAdmin):
    list_display = ["indicator", "update", "value", "description"]
    list_filter = ["indicator__plan", "indicator"]
    search_fields = ["indicator__name", "description"]
    list_select_related = ["indicator", "update__task__work_task", "update__unit"]
