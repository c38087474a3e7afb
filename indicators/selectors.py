"""
Reads for the leadership dashboards (indicators.views, indicators.exports).

Every figure comes from the rules in tasks.rollup; the functions here fetch
what those rules need and arrange the results for a page or a workbook. Each
one runs a fixed number of queries however many tasks, updates, units or
contributions a plan has: tests/test_dashboard_queries.py pins the counts.

"As of" a day means everything as it stood at the end of that day; the views
pass the last day of the quarter a leader chose, or today.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from tasks import rollup, rollup_cache
from tasks.access import visible_updates
from tasks.calendar import Period, plan_periods
from tasks.models import Milestone, Plan, Responsibility, Section, SpecificTask
from tasks.rollup import IndicatorProgress, IndicatorState, MilestoneState, StatusCounts, TaskStatus
from units.models import Unit

from .models import Contribution, Indicator

# Screen, print and chart colours of the indicator states and task statuses. dashboard.css uses the same
# values for its .state-* classes; dashboard.js gets these with the chart data.
STATE_COLOURS = {
    IndicatorState.REACHED: "#198754",
    IndicatorState.NORMAL: "#0d6efd",
    IndicatorState.WARNING: "#e67700",
    IndicatorState.MISSED: "#dc3545",
}
NO_TARGET_COLOUR = "#6c757d"
STATUS_COLOURS = {
    TaskStatus.DONE: "#198754",
    TaskStatus.ON_TRACK: "#0d6efd",
    TaskStatus.BEHIND: "#dc3545",
    TaskStatus.NOT_STARTED: "#adb5bd",
}
STATE_ORDER = [IndicatorState.REACHED, IndicatorState.NORMAL, IndicatorState.WARNING, IndicatorState.MISSED]

# How many units the "most late or missing reports" list shows.
WORST_UNITS = 10
# How many of the tasks whose status changed since last quarter the page lists (the Excel export lists all).
CHANGES_SHOWN = 30


def view_year(plan: Plan, as_of: date) -> int:
    """The plan year a view as of as_of reports on: the as-of year, kept within the plan's years."""
    return min(max(as_of.year, plan.start_year), plan.end_year)


def previous_quarter_end(as_of: date) -> date:
    """The day "last quarter" is compared at: the end of the quarter before the one as_of falls in."""
    return Period.containing(as_of).previous().end


def plan_indicators(plan_ids) -> QuerySet[Indicator]:
    return Indicator.objects.filter(plan__in=plan_ids).prefetch_related("targets").order_by("plan", "order")


def plan_tasks(plan: Plan) -> QuerySet[SpecificTask]:
    return SpecificTask.objects.filter(work_task__section__plan=plan).select_related("work_task__section")


def state_counts(progress: list[IndicatorProgress]) -> list[tuple[IndicatorState, int]]:
    counts = Counter(p.state for p in progress)
    return [(state, counts[state]) for state in STATE_ORDER]


def percent_of(value: Decimal | None, whole: Decimal | None) -> float | None:
    """value as a percentage of whole, for charts that put indicators of different sizes on one axis."""
    if value is None or not whole:
        return None
    return round(float(100 * value / whole), 1)


# The plan dashboard ----------------------------------------------------------------------------------------


@dataclass
class IndicatorRow:
    """An indicator as of the day viewed, and as of the end of the quarter before."""

    progress: IndicatorProgress
    previous: IndicatorProgress

    @property
    def indicator(self) -> Indicator:
        return self.progress.indicator

    @property
    def change(self) -> Decimal:
        return self.progress.actual - self.previous.actual

    @property
    def state_changed(self) -> bool:
        return self.progress.state != self.previous.state

    @property
    def trend_cells(self) -> list[dict]:
        """The trend table's cells: each quarter's value and the percentage the trend chart draws."""
        values = [value for _, value in self.progress.trend]
        return [{"value": v, "percent": pc} for v, pc in zip(values, trend_percents(self.progress))]


@dataclass
class SectionRow:
    section: Section
    counts: StatusCounts = field(default_factory=StatusCounts)

    @property
    def done_percent(self) -> float:
        return self.counts.percent(TaskStatus.DONE)


@dataclass
class StatusChange:
    task: SpecificTask
    before: TaskStatus
    after: TaskStatus


@dataclass
class MilestoneSummary:
    """The year's milestones (年度任务): met on time, met late, late (due and unmet), pending (not yet due)."""

    year: int
    met_on_time: int = 0
    met_late: int = 0
    late: int = 0
    pending: int = 0

    @property
    def total(self) -> int:
        return self.met_on_time + self.met_late + self.late + self.pending

    @property
    def on_time_percent(self) -> float:
        return round(100 * self.met_on_time / (self.total or 1), 1)

    def add(self, info: rollup.MilestoneInfo):
        if info.state == MilestoneState.MET:
            if info.on_time:
                self.met_on_time += 1
            else:
                self.met_late += 1
        elif info.state == MilestoneState.LATE:
            self.late += 1
        else:
            self.pending += 1


@dataclass
class PlanDashboard:
    plan: Plan
    as_of: date
    previous_as_of: date
    year: int
    indicators: list[IndicatorRow]
    task_counts: StatusCounts
    sections: list[SectionRow]
    milestones: MilestoneSummary
    status_changes: list[StatusChange]  # the first of them: see plan_dashboard()
    status_change_count: int
    unit_reports: list = field(default_factory=list)

    @property
    def more_status_changes(self) -> int:
        return self.status_change_count - len(self.status_changes)

    @property
    def progress(self) -> list[IndicatorProgress]:
        return [row.progress for row in self.indicators]

    @property
    def states(self) -> list[tuple[IndicatorState, int]]:
        return state_counts(self.progress)

    @property
    def periods(self) -> list[Period]:
        """The quarters of the trend: from the plan's first to the one viewed."""
        return [period for period, _ in self.indicators[0].progress.trend] if self.indicators else []

    @property
    def changed_indicators(self) -> list[IndicatorRow]:
        return [row for row in self.indicators if row.change or row.state_changed]


def plan_dashboard(plan: Plan, as_of: date, *, all_changes: bool = False) -> PlanDashboard:
    """
    Everything the plan dashboard shows, as of as_of, with last quarter's values for comparison. Of the
    tasks whose status changed, the first CHANGES_SHOWN are fetched to be listed, or all of them.
    """
    previous = previous_quarter_end(as_of)
    year = view_year(plan, as_of)
    indicators = list(plan_indicators([plan.pk]))
    now = rollup.indicator_progress(plan, indicators, as_of)
    then = rollup.indicator_progress(plan, indicators, previous)

    counts = rollup.plan_status_counts(plan, as_of)
    sections = [SectionRow(section, counts.by_section.get(section.pk, StatusCounts())) for section in plan.sections.order_by("order")]
    changed = {pk: (before, after) for pk, before, after in rollup.status_changes(plan, as_of, previous)}
    shown = plan_tasks(plan).filter(pk__in=changed).order_by("work_task__section__order", "work_task__seq", "order")
    if not all_changes:
        shown = shown[:CHANGES_SHOWN]
    changes = [StatusChange(task, *changed[task.pk]) for task in shown] if changed else []

    return PlanDashboard(
        plan=plan,
        as_of=as_of,
        previous_as_of=previous,
        year=year,
        indicators=[IndicatorRow(p, q) for p, q in zip(now, then)],
        task_counts=counts.total,
        sections=sections,
        milestones=year_milestones(plan, year, as_of),
        status_changes=changes,
        status_change_count=len(changed),
        unit_reports=worst_reporting_units(plan, as_of),
    )


def year_milestones(plan: Plan, year: int, as_of: date) -> MilestoneSummary:
    """How the plan's milestones of `year` stand as of as_of (cached like the other whole-plan roll-ups)."""

    def compute():
        summary = MilestoneSummary(year)
        milestones = Milestone.objects.filter(task__work_task__section__plan=plan, year=year).only("pk", "due_date")
        for milestone in rollup.milestones_with_state(milestones, as_of):
            summary.add(rollup.milestone_state(milestone, as_of))
        return summary

    return rollup_cache.cached("year-milestones", (plan.pk, year, as_of), compute)


def worst_reporting_units(plan: Plan, as_of: date) -> list[rollup.RankedScorecard]:
    """
    The units with the most late or missing reports since the plan began, worst first. The scorecard
    and its 通报 rank are tasks.rollup's (unit_scorecards, rank_units); only the order here is the
    dashboard's: a leader asks who is behind with reports, so it counts late and missing reports.
    """
    periods = plan_periods_upto(plan, as_of)
    cards = rollup.unit_scorecards(plan, periods, as_of)
    units = Unit.objects.filter(pk__in=list(cards)).order_by("sort_order", "name")
    ranked = [row for row in rollup.rank_units(units, cards, periods) if row.card.late or row.card.missing]
    ranked.sort(key=lambda row: (-(row.card.late + row.card.missing), -row.card.missing))
    return ranked[:WORST_UNITS]


def plan_periods_upto(plan: Plan, as_of: date) -> list[Period]:
    """The plan's quarters from its first to the one as_of falls in."""
    last = min(Period.containing(as_of), Period(plan.end_year, 4))
    return [p for p in plan_periods(plan) if p <= last]


def dashboard_charts(dashboard: PlanDashboard) -> dict:
    """The numbers the plan dashboard's charts draw (dashboard.js), each also printed in a table beside it."""
    rows = dashboard.indicators
    return {
        "indicators": [
            {
                "name": row.indicator.name,
                "percent": row.progress.percent,
                "expected": row.progress.expected_percent,
                "colour": STATE_COLOURS.get(row.progress.state, NO_TARGET_COLOUR),
            }
            for row in rows
        ],
        "trend": {
            "periods": [period.label for period in dashboard.periods],
            "series": [{"name": row.indicator.name, "values": trend_percents(row.progress)} for row in rows],
        },
        "statuses": [
            {"name": str(status.label), "value": count, "colour": STATUS_COLOURS[status]}
            for status, count, _ in dashboard.task_counts.rows()
        ],
        "sections": {
            "names": [section_label(row.section) for row in dashboard.sections],
            "series": [
                {
                    "name": str(status.label),
                    "colour": STATUS_COLOURS[status],
                    "values": [row.counts.counts[status] for row in dashboard.sections],
                }
                for status in rollup.STATUS_ORDER
            ],
        },
    }


def section_label(section: Section) -> str:
    return f"{section.number}、{section.title}" if section.number else section.title


def trend_percents(progress: IndicatorProgress) -> list[float | None]:
    """
    Each quarter's value as a percentage of what it is measured against, so indicators of different
    sizes share the trend chart's axis: the final target for a cumulative indicator, the year's
    target for a per-year one (its count starts again each year).
    """
    if progress.indicator.mode == Indicator.Mode.PER_YEAR:
        targets = {t.year: t.value for t in progress.indicator.targets.all()}
        return [percent_of(value, targets.get(period.year)) for period, value in progress.trend]
    return [percent_of(value, progress.final_target) for _, value in progress.trend]


# The district overview ------------------------------------------------------------------------------------


@dataclass
class PlanSummary:
    plan: Plan
    year: int
    indicators: list[IndicatorProgress]
    task_counts: StatusCounts
    begun: bool = True  # False when the day viewed is before the plan's first year: there is nothing to show

    @property
    def states(self) -> list[tuple[IndicatorState, int]]:
        return state_counts(self.indicators)

    @property
    def chart(self) -> list[dict]:
        return [
            {
                "name": p.indicator.name,
                "percent": p.percent,
                "expected": p.expected_percent,
                "colour": STATE_COLOURS.get(p.state, NO_TARGET_COLOUR),
            }
            for p in self.indicators
        ]


def district_overview(plans: list[Plan], as_of: date) -> list[PlanSummary]:
    """Every plan's indicators and task statuses as of as_of: the plans' indicators in one query, the rest per plan."""
    indicators = defaultdict(list)
    for indicator in plan_indicators(plans):
        indicators[indicator.plan_id].append(indicator)
    return [
        PlanSummary(
            plan=plan,
            year=view_year(plan, as_of),
            indicators=rollup.indicator_progress(plan, indicators[plan.pk], as_of),
            task_counts=rollup.plan_status_counts(plan, as_of).total,
            begun=as_of.year >= plan.start_year,
        )
        for plan in plans
    ]


# Drill-down -----------------------------------------------------------------------------------------------


@dataclass
class UnitContribution:
    unit: object
    total: Decimal = Decimal(0)
    updates: int = 0


@dataclass
class IndicatorDrilldown:
    progress: IndicatorProgress
    contributions: list[Contribution]
    units: list[UnitContribution]
    expected_trend: list[Decimal | None]

    @property
    def total(self) -> Decimal:
        return sum((c.value for c in self.contributions), Decimal(0))


def indicator_drilldown(indicator: Indicator, user, as_of: date) -> IndicatorDrilldown:
    """
    The approved contributions behind an indicator's actual value as of as_of, by unit and by update.
    The window is indicator_progress's own: the view year for a per-year indicator, up to it for a
    cumulative one; tests/test_indicator_detail.py checks that the rows add up to the actual value.
    """
    plan = indicator.plan
    progress = rollup.indicator_progress(plan, [indicator], as_of)[0]
    counted = visible_updates(user, rollup.approved_updates(as_of))
    window = {"update__year": progress.year} if indicator.mode == Indicator.Mode.PER_YEAR else {"update__year__lte": progress.year}
    contributions = list(
        Contribution.objects.filter(indicator=indicator, update__in=counted, **window)
        .select_related("update__unit", "update__task__work_task")
        .order_by("update__year", "update__quarter", "update__unit__sort_order", "update__task_id")
    )
    units = {}
    for contribution in contributions:
        unit = contribution.update.unit
        row = units.setdefault(unit.pk, UnitContribution(unit))
        row.total += contribution.value
        row.updates += 1
    targets = {t.year: t.value for t in indicator.targets.all()}
    expected_trend = [
        rollup.expected_value(indicator, targets, plan.start_year, period.end) for period, _ in progress.trend
    ]
    return IndicatorDrilldown(
        progress=progress,
        contributions=contributions,
        units=sorted(units.values(), key=lambda u: (-u.total, u.unit.sort_order, u.unit.name)),
        expected_trend=expected_trend,
    )


def drilldown_charts(drilldown: IndicatorDrilldown) -> dict:
    """The numbers of the indicator page's charts: its quarterly trend against the straight line, and by unit."""
    progress = drilldown.progress
    return {
        "trend": {
            "periods": [period.label for period, _ in progress.trend],
            "actual": [float(value) for _, value in progress.trend],
            "expected": [None if v is None else round(float(v), 2) for v in drilldown.expected_trend],
        },
        "units": {"items": [{"name": row.unit.display_name, "value": float(row.total)} for row in drilldown.units]},
    }


@dataclass
class TaskRow:
    task: SpecificTask
    status: TaskStatus
    lead: object
    milestones: list[tuple[Milestone, rollup.MilestoneInfo]]


def section_drilldown(section: Section, as_of: date) -> tuple[list[TaskRow], StatusCounts]:
    """A section's specific tasks with their status, lead unit and this year's milestones, as of as_of."""
    year = view_year(section.plan, as_of)
    tasks = rollup.tasks_with_status(
        SpecificTask.objects.filter(work_task__section=section)
        .select_related("work_task")
        .prefetch_related(
            Prefetch(
                "responsibilities",
                queryset=Responsibility.objects.filter(role=Responsibility.Role.LEAD).select_related("unit"),
                to_attr="leads",
            ),
            Prefetch(
                "milestones",
                queryset=rollup.milestones_with_state(Milestone.objects.filter(year=year), as_of).order_by("order"),
                to_attr="year_milestones",
            ),
        ),
        as_of,
    )
    rows, counts = [], StatusCounts()
    for task in tasks:
        status = rollup.task_status(task)
        counts.add(status)
        rows.append(
            TaskRow(
                task=task,
                status=status,
                lead=task.leads[0].unit if task.leads else None,
                milestones=[(m, rollup.milestone_state(m, as_of)) for m in task.year_milestones],
            )
        )
    return rows, counts
