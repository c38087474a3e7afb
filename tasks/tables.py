"""The task list's table (django-tables2). Rows come from tasks.selectors.task_list(); nothing here queries."""

import django_tables2 as tables
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from . import rollup
from .models import Responsibility


class TaskTable(tables.Table):
    code = tables.Column(
        verbose_name=_("Code"),
        empty_values=(),
        order_by=("work_task__section__plan", "work_task__seq", "order"),
        attrs={"td": {"class": "text-nowrap"}},
    )
    work_task = tables.Column(verbose_name=_("Work task"), order_by=("work_task__section__plan", "work_task__seq"))
    text = tables.Column(verbose_name=_("Specific task"), orderable=False)
    lead_unit = tables.Column(
        verbose_name=_("Lead unit"),
        empty_values=(),
        order_by=("lead_unit_order",),
        attrs={"td": {"class": "text-nowrap"}, "th": {"class": "text-nowrap"}},
    )
    co_units = tables.Column(verbose_name=_("Co-responsible units"), empty_values=(), orderable=False)
    milestone = tables.Column(verbose_name=_("Milestone of the year"), empty_values=(), orderable=False)
    status = tables.Column(verbose_name=_("Status"), empty_values=())
    last_approved = tables.Column(
        verbose_name=_("Last approved update"), empty_values=(), order_by=("latest_approved_at",)
    )
    overdue = tables.Column(verbose_name=_("Overdue"), empty_values=(), order_by=("-late_count",))

    class Meta:
        attrs = {"class": "table table-sm table-hover align-middle bg-white task-table"}
        order_by_field = "sort"
        empty_text = _("No specific task matches these filters.")
        orderable = True

    def __init__(self, *args, as_of, year=None, **kwargs):
        self.as_of = as_of
        self.year = year  # the milestone column's year; None: the as-of year within each task's plan
        super().__init__(*args, **kwargs)

    def _units(self, record, role):
        return [r.unit for r in record.responsibilities.all() if r.role == role]

    def render_code(self, record):
        return format_html('<a href="{}" class="badge text-bg-primary text-decoration-none">{}</a>', task_url(record), record.code)

    def render_work_task(self, value):
        return str(value)

    def render_text(self, record):
        text = Truncator(record.text).chars(80)
        return format_html(
            '<a href="{}" class="text-body text-decoration-none" title="{}">{}</a>', task_url(record), record.text, text
        )

    def render_lead_unit(self, record):
        units = self._units(record, Responsibility.Role.LEAD)
        return units[0].display_name if units else "—"

    def render_co_units(self, record):
        units = self._units(record, Responsibility.Role.CO)
        return format_html_join("、", "{}", ((u.display_name,) for u in units)) if units else "—"

    def render_milestone(self, record):
        plan = record.work_task.section.plan
        year = self.year or min(max(self.as_of.year, plan.start_year), plan.end_year)
        milestones = [m for m in record.milestones.all() if m.year == year]
        if not milestones:
            return "—"
        return render_to_string(
            "tasks/snippets/milestone_cell.html",
            {"milestones": [(m, rollup.milestone_state(m, self.as_of)) for m in milestones]},
        )

    def order_status(self, queryset, is_descending):
        return queryset.order_by(rollup.status_ordering(is_descending), "work_task__seq", "order"), True

    def render_status(self, record):
        return render_to_string("tasks/snippets/status_badge.html", {"status": rollup.task_status(record)})

    def render_last_approved(self, record):
        if record.latest_approved_year is None:
            return "—"
        return format_html(
            '{}Q{}<br><span class="small text-muted">{}</span>',
            record.latest_approved_year,
            record.latest_approved_quarter,
            f"{localtime(record.latest_approved_at):%Y-%m-%d}" if record.latest_approved_at else "",
        )

    def render_overdue(self, record):
        if rollup.is_overdue(record):
            return format_html('<span class="badge text-bg-danger">{}</span>', _("Overdue"))
        return ""


def task_url(task) -> str:
    return reverse("tasks:task_detail", args=[task.pk])
