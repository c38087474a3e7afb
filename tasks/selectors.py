"""Reads of plans and their outline, already joined for the pages that list them."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery, Sum
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from indicators.models import Contribution, Indicator

from . import rollup
from .access import visible_updates
from .calendar import periods_upto
from .models import Milestone, Plan, Responsibility, Section, SpecificTask, Update, WorkTask


def plan_list() -> QuerySet[Plan]:
    return Plan.objects.annotate(
        section_count=Count("sections", distinct=True),
        task_count=Count("sections__work_tasks__specific_tasks", distinct=True),
    ).order_by("-start_year")


def plan_outline(plan: Plan) -> QuerySet[Section]:
    """Sections → work tasks → specific tasks with their units (in printed order) and milestones."""
    specific_tasks = SpecificTask.objects.order_by("order").prefetch_related(
        Prefetch("responsibilities", queryset=Responsibility.objects.select_related("unit").order_by("order")),
        Prefetch("milestones", queryset=Milestone.objects.order_by("year", "order")),
    )
    work_tasks = WorkTask.objects.order_by("seq").prefetch_related(Prefetch("specific_tasks", queryset=specific_tasks))
    return plan.sections.order_by("order").prefetch_related(Prefetch("work_tasks", queryset=work_tasks))


# The outline with each specific task's status --------------------------------------------------------------


# Above this many specific tasks the plan page shows the outline with its counts but not every task row
# (a few megabytes of HTML); each work task links to its tasks in the task list instead.
OUTLINE_TASK_LIMIT = 300


@dataclass
class OutlineWithStatus:
    sections: list[Section]
    counts: rollup.StatusCounts
    shows_tasks: bool


def plan_outline_with_status(plan: Plan, as_of: date) -> OutlineWithStatus:
    """
    The plan's sections → work tasks, with status counts as of `as_of` on every
    work task and section (attribute .counts) and for the plan, from the plan's
    cached counts (tasks.rollup.plan_status_counts). The specific tasks, with
    their status, units and milestone states, are fetched only when the page
    will list them.
    """
    counts = rollup.plan_status_counts(plan, as_of)
    shows_tasks = counts.total.total <= OUTLINE_TASK_LIMIT
    work_tasks = WorkTask.objects.order_by("seq")
    if shows_tasks:
        specific_tasks = SpecificTask.objects.order_by("order").prefetch_related(
            Prefetch("responsibilities", queryset=Responsibility.objects.select_related("unit").order_by("order")),
            Prefetch("milestones", queryset=rollup.milestones_with_state(Milestone.objects.order_by("year", "order"), as_of)),
        )
        work_tasks = work_tasks.prefetch_related(Prefetch("specific_tasks", queryset=specific_tasks))
    sections = list(plan.sections.order_by("order").prefetch_related(Prefetch("work_tasks", queryset=work_tasks)))
    for section in sections:
        section.counts = counts.by_section.get(section.pk, rollup.StatusCounts())
        for work_task in section.work_tasks.all():
            work_task.counts = counts.by_work_task.get(work_task.pk, rollup.StatusCounts())
    if shows_tasks:
        _add_task_status(plan, as_of, sections)
    return OutlineWithStatus(sections, counts.total, shows_tasks)


def _add_task_status(plan: Plan, as_of: date, sections: list[Section]) -> None:
    """Each listed task's status, late milestones and milestone states, for the outline's task rows."""
    tasks = [t for s in sections for w in s.work_tasks.all() for t in w.specific_tasks.all()]
    rollups = rollup.plan_task_rollups(plan, as_of)
    if any(task.pk not in rollups for task in tasks):
        rollups = rollup.plan_task_rollups(plan, as_of)  # a task was added in between: the token has moved on
    for task in tasks:
        task.status_value = rollups[task.pk].status
        task.late_count = rollups[task.pk].late_count
        task.milestone_infos = [(m, rollup.milestone_state(m, as_of)) for m in task.milestones.all()]


# The task list and the task page -----------------------------------------------------------------------------


def task_list(as_of: date) -> QuerySet[SpecificTask]:
    """
    Every specific task with its plan, units (printed order), milestones with
    their state and its status as of `as_of`, for the task list's table and
    filters. Prefetches run on the page the table slices, not on every task.
    """
    lead = Responsibility.objects.filter(task=OuterRef("pk"), role=Responsibility.Role.LEAD)
    tasks = (
        SpecificTask.objects.select_related("work_task__section__plan")
        .prefetch_related(
            Prefetch("responsibilities", queryset=Responsibility.objects.select_related("unit").order_by("order")),
            Prefetch(
                "milestones", queryset=rollup.milestones_with_state(Milestone.objects.order_by("year", "order"), as_of)
            ),
        )
        .annotate(lead_unit_order=Subquery(lead.values("unit__sort_order")[:1]))
    )
    return rollup.tasks_with_status(tasks, as_of)


def task_for_page(pk, as_of: date) -> SpecificTask:
    """One task for its page, with status, units, milestone states and the indicators it feeds; 404 if none."""
    tasks = rollup.tasks_with_status(SpecificTask.objects.select_related("work_task__section__plan"), as_of)
    task = get_object_or_404(
        tasks.prefetch_related(
            Prefetch("responsibilities", queryset=Responsibility.objects.select_related("unit").order_by("order")),
            Prefetch(
                "milestones", queryset=rollup.milestones_with_state(Milestone.objects.order_by("year", "order"), as_of)
            ),
            Prefetch("indicators", queryset=Indicator.objects.order_by("order").prefetch_related("targets")),
        ),
        pk=pk,
    )
    return task


def task_contributions(task: SpecificTask, as_of: date) -> dict[int, Decimal]:
    """{indicator_id: sum of this task's approved contributions counted as of as_of}, in one query."""
    rows = (
        Contribution.objects.filter(periods_upto(as_of, "update__"), update__task=task, update__state=Update.State.APPROVED)
        .values("indicator_id")
        .annotate(total=Sum("value"))
        .order_by()
    )
    return {row["indicator_id"]: row["total"] for row in rows}


def task_timeline(user, task: SpecificTask, as_of: date) -> QuerySet[Update]:
    """The task's approved updates counted as of as_of, newest first, through the access gate."""
    approved = task.updates.filter(periods_upto(as_of), state=Update.State.APPROVED)
    return (
        visible_updates(user, approved)
        .select_related("unit", "reviewed_by")
        .prefetch_related(
            Prefetch("claimed_milestones", queryset=Milestone.objects.order_by("year", "order")),
            Prefetch("contributions", queryset=Contribution.objects.select_related("indicator").order_by("indicator__order")),
        )
        .order_by("-year", "-quarter", "-reviewed_at")
    )


@dataclass
class FieldChange:
    field: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    when: datetime
    who: object  # the user, or None for imports and management commands
    subject: str
    action: str  # "+", "~" or "-" as django-simple-history records it
    changes: list[FieldChange]

    @property
    def action_label(self) -> str:
        return {"+": _("Added"), "~": _("Changed"), "-": _("Removed")}[self.action]


RESPONSIBLE_UNIT = _("Responsible unit")
YEARLY_MILESTONE = _("Yearly milestone")

# Bookkeeping fields that say nothing to a reader of the history.
_UNTRACKED = {"id", "created_at", "updated_at"}
# Fields the entry's subject already names, left out when listing what a new record holds.
_CONTEXT = {"task", "work_task", "order", "unit", "role"}


def _display(record, field) -> str:
    value = getattr(record, field.attname)
    if value is None or value == "":
        return "—"
    if field.is_relation:
        related = getattr(record, field.name, None)
        return str(related) if related is not None else str(value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    return str(value)


def _entries(records, subject) -> list[HistoryEntry]:
    """Turn one model's historical records (ordered oldest first) into entries with field-by-field changes."""
    entries, last_by_object = [], {}
    for record in records:
        fields = [f for f in record.instance_type._meta.concrete_fields if f.name not in _UNTRACKED]
        previous = last_by_object.get(record.id)
        changes = []
        if record.history_type == "-":
            pass
        elif previous is None:
            # Created, or first recorded here (the seed import bulk-creates without history): what it held.
            changes = [
                FieldChange(str(f.verbose_name), "", _display(record, f))
                for f in fields
                if f.name not in _CONTEXT and _display(record, f) != "—"
            ]
        else:
            for f in fields:
                if getattr(previous, f.attname) == getattr(record, f.attname):
                    continue  # unchanged, and a relation is not fetched just to be compared
                old, new = _display(previous, f), _display(record, f)
                if old != new:
                    changes.append(FieldChange(str(f.verbose_name), old, new))
            if not changes:
                last_by_object[record.id] = record
                continue  # a save that changed nothing a reader can see
        last_by_object[record.id] = record
        entries.append(HistoryEntry(record.history_date, record.history_user, subject(record), record.history_type, changes))
    return entries


def task_change_history(task: SpecificTask) -> list[HistoryEntry]:
    """
    Who changed what and when on the task, its responsibilities and its
    milestones (django-simple-history), newest first, in three queries.
    """
    task_records = task.history.select_related("history_user", "work_task").order_by("history_date", "history_id")
    responsibility_records = (
        Responsibility.history.filter(task_id=task.pk)
        .select_related("history_user", "unit")
        .order_by("history_date", "history_id")
    )
    milestone_records = (
        Milestone.history.filter(task_id=task.pk).select_related("history_user").order_by("history_date", "history_id")
    )
    entries = (
        _entries(task_records, lambda r: str(_("Specific task")))
        + _entries(responsibility_records, lambda r: f"{RESPONSIBLE_UNIT}：{r.unit}（{r.get_role_display()}）")
        + _entries(milestone_records, lambda r: f"{YEARLY_MILESTONE} {r.year}")
    )
    return sorted(entries, key=lambda e: e.when, reverse=True)
