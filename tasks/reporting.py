"""
Reads for the quarterly loop: the state of each report a unit owes, a unit's
to-do list, the review queue, and what changed between versions.

A "report" is one (task, unit, quarter). The lead unit owes one every quarter
of the plan; a co-responsible unit may add its own, and once it has started one
it owes it like the lead does. A report is overdue when its due date
(calendar.due_date) has passed and it is neither submitted nor approved; a
returned report is listed as returned, since that is what the unit must act on.

unit_todos() is the one source of "what a unit must do now": the navigation
count and the send_reminders command both read it, so the number in the bar is
the list in the email.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher

from django.db import models
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from . import calendar
from .access import visible_updates
from .calendar import Period
from .models import Milestone, Plan, Responsibility, Update, UpdateVersion

# Reports due within this many days count as "due soon" in the navigation bar; send_reminders --days defaults to it.
DUE_SOON_DAYS = 7


class ReportState(models.TextChoices):
    NOT_REPORTED = "not_reported", _("Not reported")
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    APPROVED = "approved", _("Approved")
    OVERDUE = "overdue", _("Overdue")


# The unit's home lists what needs its hand first.
_STATE_ORDER = {
    ReportState.RETURNED: 0,
    ReportState.OVERDUE: 1,
    ReportState.DRAFT: 2,
    ReportState.NOT_REPORTED: 3,
    ReportState.SUBMITTED: 4,
    ReportState.APPROVED: 5,
}


def report_state(update: Update | None, *, due: date, on: date, expected: bool) -> ReportState:
    """expected: the unit owes this report (it leads the task, or has started an update)."""
    if update is not None and update.state != Update.State.DRAFT:
        return ReportState(update.state)
    if expected and on > due:
        return ReportState.OVERDUE
    return ReportState.DRAFT if update is not None else ReportState.NOT_REPORTED


# The unit's home ("本单位任务") ---------------------------------------------------------------------------


def unit_plans(unit) -> list[Plan]:
    """Plans in which the unit has tasks, newest first."""
    return list(
        Plan.objects.filter(sections__work_tasks__specific_tasks__responsibilities__unit=unit)
        .distinct()
        .order_by("-start_year", "title")
    )


def default_plan(plans: list[Plan]) -> Plan | None:
    """The plan in force (the newest if several); otherwise the one that ended last."""
    in_force = [p for p in plans if p.status == Plan.Status.ACTIVE]
    if in_force:
        return max(in_force, key=lambda p: (p.start_year, p.end_year))
    return max(plans, key=lambda p: (p.end_year, p.start_year), default=None)


@dataclass
class ReportRow:
    task: object
    role: str
    milestones: list
    update: Update | None
    state: ReportState
    due: date
    days_left: int  # negative when overdue
    has_previous: bool  # the unit has an update for the previous quarter to start from

    @property
    def is_lead(self) -> bool:
        return self.role == Responsibility.Role.LEAD

    @property
    def days_overdue(self) -> int:
        return -self.days_left


def unit_report_rows(unit, plan: Plan, period: Period, on: date) -> list[ReportRow]:
    """Every task the unit has in plan, with the state of its report for period, returned and overdue first."""
    responsibilities = (
        Responsibility.objects.filter(unit=unit, task__work_task__section__plan=plan)
        .select_related("task__work_task")
        .prefetch_related(
            Prefetch(
                "task__milestones",
                queryset=Milestone.objects.filter(year=period.year).order_by("order"),
                to_attr="year_milestones",
            )
        )
    )
    in_plan = Q(unit=unit, task__work_task__section__plan=plan)
    updates = {u.task_id: u for u in Update.objects.filter(in_plan, year=period.year, quarter=period.quarter)}
    previous = period.previous()
    has_previous = set(
        Update.objects.filter(in_plan, year=previous.year, quarter=previous.quarter).values_list("task_id", flat=True)
    )
    due = calendar.due_date(plan, period)
    rows = []
    for r in responsibilities:
        update = updates.get(r.task_id)
        expected = r.role == Responsibility.Role.LEAD or update is not None
        rows.append(
            ReportRow(
                task=r.task,
                role=r.role,
                milestones=r.task.year_milestones,
                update=update,
                state=report_state(update, due=due, on=on, expected=expected),
                due=due,
                days_left=(due - on).days,
                has_previous=r.task_id in has_previous,
            )
        )
    rows.sort(key=lambda row: (_STATE_ORDER[row.state], row.task.work_task.seq, row.task.order))
    return rows


# What a unit must do now: the navigation count and the reminders ------------------------------------------


class TodoKind(models.TextChoices):
    # Values match ReminderLog.Kind, which records the reminders sent about them.
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")
    RETURNED = "returned", _("Returned")


@dataclass
class Todo:
    kind: TodoKind
    task: object
    period: Period
    due: date
    update: Update | None
    days_left: int  # from the day the list was made for; negative when overdue

    @property
    def days_overdue(self) -> int:
        return -self.days_left

    @property
    def plan(self) -> Plan:
        return self.task.work_task.section.plan


def _current_periods(plan: Plan, on: date) -> tuple[Period | None, Period | None]:
    """(the period due next, if its due date has not passed; the period whose due date passed last)."""
    upcoming = calendar.reporting_period(plan, on)
    if calendar.due_date(plan, upcoming) < on:  # the plan's last report is already past due
        return None, upcoming
    last_due = upcoming.previous()
    return upcoming, (last_due if calendar.in_plan(plan, last_due) else None)


def unit_todos(units, on: date, days: int = DUE_SOON_DAYS) -> dict[int, list[Todo]]:
    """
    {unit_id: [Todo]} for plans in force: reports due within `days` days and
    not yet submitted, reports of the last quarter whose due date has passed
    and that are still missing or in draft, and returned updates of any quarter.
    Older gaps are not chased by reminder: staff see them on the unit's page.
    Two queries, however many units.
    """
    unit_ids = [getattr(u, "pk", u) for u in units]
    in_force = Q(task__work_task__section__plan__status=Plan.Status.ACTIVE)
    responsibilities = list(
        Responsibility.objects.filter(in_force, unit__in=unit_ids).select_related("task__work_task__section__plan")
    )
    periods_of = {}
    for r in responsibilities:
        plan = r.task.work_task.section.plan
        if plan.pk not in periods_of:
            periods_of[plan.pk] = _current_periods(plan, on)
    # Only the updates that can be a to-do: returned ones, and those of each plan's two current quarters.
    # This runs on every page a reporter opens, so it must not read a unit's whole history.
    wanted = Q(state=Update.State.RETURNED)
    for plan_id, periods in periods_of.items():
        for period in filter(None, periods):
            wanted |= Q(task__work_task__section__plan=plan_id, year=period.year, quarter=period.quarter)
    updates = {}
    returned = defaultdict(list)
    for update in Update.objects.filter(in_force, wanted, unit__in=unit_ids).select_related(
        "task__work_task__section__plan"
    ):
        updates[(update.unit_id, update.task_id, update.year, update.quarter)] = update
        if update.state == Update.State.RETURNED:
            returned[update.unit_id].append(update)

    todos = defaultdict(list)
    for r in responsibilities:
        upcoming, last_due = periods_of[r.task.work_task.section.plan_id]
        for kind, period in ((TodoKind.OVERDUE, last_due), (TodoKind.DUE_SOON, upcoming)):
            if period is None:
                continue
            due = calendar.due_date(plan, period)
            if kind == TodoKind.DUE_SOON and (due - on).days > days:
                continue
            update = updates.get((r.unit_id, r.task_id, period.year, period.quarter))
            expected = r.role == Responsibility.Role.LEAD or update is not None
            if expected and (update is None or update.state == Update.State.DRAFT):
                todos[r.unit_id].append(Todo(kind, r.task, period, due, update, (due - on).days))
    for unit_id, unit_updates in returned.items():
        for update in unit_updates:
            plan = update.task.work_task.section.plan
            period = Period(update.year, update.quarter)
            due = calendar.due_date(plan, period)
            todos[unit_id].append(Todo(TodoKind.RETURNED, update.task, period, due, update, (due - on).days))
    order = {TodoKind.RETURNED: 0, TodoKind.OVERDUE: 1, TodoKind.DUE_SOON: 2}
    for items in todos.values():
        items.sort(key=lambda t: (order[t.kind], t.period, t.task.work_task.seq, t.task.order))
    return dict(todos)


@dataclass
class NavCounts:
    returned: int = 0
    overdue: int = 0
    due_soon: int = 0
    to_review: int = 0

    @property
    def todo(self) -> int:
        return self.returned + self.overdue + self.due_soon


def nav_counts(user) -> NavCounts:
    """What the navigation bar counts for user: a unit's to-dos, or staff's waiting reviews."""
    if user.is_commission:
        return NavCounts(to_review=Update.objects.filter(state=Update.State.SUBMITTED).count())
    if user.is_reporter:
        counts = NavCounts()
        for todo in unit_todos([user.unit_id], calendar.today()).get(user.unit_id, []):
            setattr(counts, todo.kind, getattr(counts, todo.kind) + 1)
        return counts
    return NavCounts()


# Lists of updates ---------------------------------------------------------------------------------------


def update_list(
    user, *, plan=None, period: Period | None = None, unit=None, state: str | None = None
) -> QuerySet[Update]:
    """
    The updates user may read, filtered, joined for the list page. Submitted
    updates (the review queue) come oldest submission first, so staff work
    through them in order; any other list comes newest quarter first.
    """
    versions = UpdateVersion.objects.filter(update=OuterRef("pk")).order_by().values("update").annotate(n=Count("pk"))
    queryset = visible_updates(
        user,
        # A correlated count, not a join: the page's rows are counted, and the paginator's COUNT(*) of
        # the whole queue stays a plain one.
        Update.objects.select_related("task__work_task__section__plan", "unit").annotate(
            version_count=Coalesce(Subquery(versions.values("n")), 0)
        ),
    )
    if plan is not None:
        queryset = queryset.filter(task__work_task__section__plan=plan)
    if period is not None:
        queryset = queryset.filter(year=period.year, quarter=period.quarter)
    if unit is not None:
        queryset = queryset.filter(unit=unit)
    if state:
        queryset = queryset.filter(state=state)
    if state == Update.State.SUBMITTED:
        return queryset.order_by("last_submitted_at", "pk")
    return queryset.order_by("-year", "-quarter", "task__work_task__seq", "task__order", "unit__sort_order")


def previous_quarter_update(update: Update) -> Update | None:
    """The same unit's update on the same task for the quarter before."""
    previous = Period(update.year, update.quarter).previous()
    return (
        Update.objects.filter(task=update.task_id, unit=update.unit_id, year=previous.year, quarter=previous.quarter)
        .prefetch_related("versions")
        .first()
    )


def co_unit_updates(user, update: Update) -> QuerySet[Update]:
    """Other units' updates on the same task and quarter that user may read (the lead unit sees its co-units')."""
    return (
        visible_updates(user)
        .filter(task=update.task_id, year=update.year, quarter=update.quarter)
        .exclude(pk=update.pk)
        .select_related("unit")
        .prefetch_related("contributions__indicator")
        .order_by("unit__sort_order")
    )


# What changed -------------------------------------------------------------------------------------------

TEXT_FIELDS = [("progress", _("Progress")), ("problems", _("Problems")), ("next_steps", _("Next steps"))]


def snapshot(update: Update) -> dict:
    """The update as it stands, in UpdateVersion's shape (services.update_submit freezes the same dict)."""
    return {
        "progress": update.progress,
        "problems": update.problems,
        "next_steps": update.next_steps,
        "self_status": update.self_status,
        "milestones": [
            {"id": m.pk, "year": m.year, "text": m.text}
            for m in sorted(update.claimed_milestones.all(), key=lambda m: (m.year, m.order))
        ],
        "contributions": [
            {
                "indicator": c.indicator_id,
                "name": c.indicator.name,
                "value": str(c.value),
                "description": c.description,
            }
            for c in update.contributions.select_related("indicator").order_by("indicator__order")
        ],
    }


def version_snapshot(version: UpdateVersion) -> dict:
    return {
        "progress": version.progress,
        "problems": version.problems,
        "next_steps": version.next_steps,
        "self_status": version.self_status,
        "milestones": version.milestones,
        "contributions": version.contributions,
    }


def text_diff(old: str, new: str) -> list[tuple[str, str]]:
    """
    [(op, text)] with op "equal", "insert" or "delete", compared character by
    character: Chinese has no spaces to split words on. autojunk stays off, or
    common characters such as "的" and "，" would be skipped in long texts.
    """
    matcher = SequenceMatcher(None, old or "", new or "", autojunk=False)
    segments = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            segments.append(("equal", old[i1:i2]))
            continue
        if i2 > i1:
            segments.append(("delete", old[i1:i2]))
        if j2 > j1:
            segments.append(("insert", new[j1:j2]))
    return segments


@dataclass
class FieldDiff:
    label: str
    segments: list[tuple[str, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(op != "equal" for op, _text in self.segments)


def _status_label(value: str) -> str:
    return str(Update.SelfStatus(value).label) if value in Update.SelfStatus.values else ""


def _milestones_text(items: list[dict]) -> str:
    return "\n".join(f"{m['year']}：{m['text']}" for m in items)


def _contributions_text(items: list[dict]) -> str:
    return "\n".join(f"{c['name']}：{c['value']}（{c['description']}）" for c in items)


def compare(old: dict, new: dict) -> list[FieldDiff]:
    """Field by field differences between two snapshots (snapshot() or version_snapshot())."""
    diffs = [FieldDiff(str(label), text_diff(old.get(name, ""), new.get(name, ""))) for name, label in TEXT_FIELDS]
    diffs.append(
        FieldDiff(
            str(_("Self-assessed status")),
            text_diff(_status_label(old.get("self_status", "")), _status_label(new.get("self_status", ""))),
        )
    )
    diffs.append(
        FieldDiff(
            str(_("Milestones claimed as met")),
            text_diff(_milestones_text(old.get("milestones", [])), _milestones_text(new.get("milestones", []))),
        )
    )
    diffs.append(
        FieldDiff(
            str(_("Contributions to indicators")),
            text_diff(_contributions_text(old.get("contributions", [])), _contributions_text(new.get("contributions", []))),
        )
    )
    return diffs
