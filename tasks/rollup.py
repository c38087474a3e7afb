"""
How progress rolls up: the default rules of DOMAIN.md, in one place.

Every rule takes the day it is evaluated on (as_of, a local date). Viewing a
plan "as of" the end of a past quarter passes that quarter's last day. An
approved update counts from the quarter it reports on: a view as of day D
counts approved updates for quarters that had begun by D (calendar.periods_upto).

- A milestone is met when a counted approved update claims it; met on time when
  the claiming quarter ended by the milestone's due date. It is late when its
  due date has passed (as_of > due_date: at midnight at the end of the due date)
  and it is not met.
- A specific task is 已完成 when all its milestones are met, or its latest
  approved update says 已完成 with no milestone late; 滞后 when a milestone is
  late or its latest approved update says 滞后; 未启动 when it has no approved
  update; otherwise 正常推进.
- An indicator's actual value is the sum of approved contributions: from the
  plan's start for a cumulative indicator, within the year for a per-year one.
  Its expected value by now is the straight line from 0 at the plan's start
  through each yearly target at the end of its year (per-year: from 0 on 1
  January to the year's target on 31 December). Against the year's target it is
  已达标 (reached), 未达标 (the year is over and it fell short), 正常 (at or above
  the expected value) or 预警 (below it).

tests/test_rollup.py has a test for each rule. Views and exports call these
functions; none of them re-implements a rule.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import models
from django.db.models import Exists, F, Func, IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from .calendar import Period, periods_upto, today
from .models import Milestone, Update


class TaskStatus(models.TextChoices):
    DONE = "done", _("Done")
    BEHIND = "behind", _("Behind")
    ON_TRACK = "on_track", _("On track")
    NOT_STARTED = "not_started", _("Not started")


class MilestoneState(models.TextChoices):
    MET = "met", _("Met")
    LATE = "late", _("Late")
    PENDING = "pending", _("Pending")


class IndicatorState(models.TextChoices):
    REACHED = "reached", _("Target reached")
    NORMAL = "normal", _("Normal")
    WARNING = "warning", _("Warning")
    MISSED = "missed", _("Target missed")


STATUS_ORDER = [TaskStatus.DONE, TaskStatus.ON_TRACK, TaskStatus.BEHIND, TaskStatus.NOT_STARTED]


def approved_updates(as_of: date):
    return Update.objects.filter(periods_upto(as_of), state=Update.State.APPROVED)


def _count(queryset) -> Coalesce:
    """A correlated COUNT(*) of queryset, which must be filtered on an OuterRef."""
    # COUNT as a plain function, not an aggregate, so Django adds no GROUP BY to the subquery.
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _met_claims(as_of: date):
    """Approved, counted updates that claim the milestone OuterRef('pk')."""
    return approved_updates(as_of).filter(claimed_milestones=OuterRef("pk"))


def milestones_with_state(milestones, as_of: date | None = None):
    """
    Annotate milestones with met_year/met_quarter (the first counted approved
    update claiming each) so milestone_state() can read them without queries.
    """
    as_of = as_of or today()
    first_claim = _met_claims(as_of).order_by("year", "quarter")
    return milestones.annotate(
        met_year=Subquery(first_claim.values("year")[:1]),
        met_quarter=Subquery(first_claim.values("quarter")[:1]),
    )


@dataclass(frozen=True)
class MilestoneInfo:
    state: MilestoneState
    met_in: Period | None
    on_time: bool


def milestone_state(milestone, as_of: date | None = None) -> MilestoneInfo:
    """milestone must come from milestones_with_state() with the same as_of."""
    as_of = as_of or today()
    if milestone.met_year is not None:
        met_in = Period(milestone.met_year, milestone.met_quarter)
        return MilestoneInfo(MilestoneState.MET, met_in, on_time=met_in.end <= milestone.due_date)
    if as_of > milestone.due_date:
        return MilestoneInfo(MilestoneState.LATE, None, on_time=False)
    return MilestoneInfo(MilestoneState.PENDING, None, on_time=False)


def tasks_with_status(tasks, as_of: date | None = None):
    """
    Annotate specific tasks with what their status needs, in the one query that
    fetches them: milestone counts, met and late counts, and the latest
    approved update's self-assessment. task_status() reads the annotations.
    """
    as_of = as_of or today()
    task_milestones = Milestone.objects.filter(task=OuterRef("pk"))
    met = Exists(_met_claims(as_of))
    latest = approved_updates(as_of).filter(task=OuterRef("pk")).order_by("-year", "-quarter", "-reviewed_at")
    return tasks.annotate(
        milestone_count=_count(task_milestones),
        met_count=_count(task_milestones.filter(met)),
        late_count=_count(task_milestones.filter(~met, due_date__lt=as_of)),
        latest_self_status=Subquery(latest.values("self_status")[:1]),
        latest_approved_year=Subquery(latest.values("year")[:1]),
        latest_approved_quarter=Subquery(latest.values("quarter")[:1]),
    )


def task_status(task) -> TaskStatus:
    """task must come from tasks_with_status()."""
    all_met = task.milestone_count > 0 and task.met_count == task.milestone_count
    says = task.latest_self_status
    if all_met or (says == Update.SelfStatus.DONE and task.late_count == 0):
        return TaskStatus.DONE
    if task.late_count > 0 or says == Update.SelfStatus.BEHIND:
        return TaskStatus.BEHIND
    if task.latest_approved_year is None:
        return TaskStatus.NOT_STARTED
    return TaskStatus.ON_TRACK


@dataclass
class StatusCounts:
    counts: dict = field(default_factory=lambda: {s: 0 for s in STATUS_ORDER})

    def add(self, status: TaskStatus):
        self.counts[status] += 1

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def rows(self) -> list[tuple[TaskStatus, int, float]]:
        """(status, count, percent) in display order."""
        total = self.total or 1
        return [(status, n, round(100 * n / total, 1)) for status, n in self.counts.items()]

    def percent(self, status: TaskStatus) -> float:
        return round(100 * self.counts[status] / (self.total or 1), 1)


def status_counts(tasks) -> StatusCounts:
    """Counts by status of tasks annotated by tasks_with_status()."""
    counts = StatusCounts()
    for task in tasks:
        counts.add(task_status(task))
    return counts


# Indicators ---------------------------------------------------------------------------------------------


def _year_fraction(day: date, year: int) -> Decimal:
    """Share of `year` elapsed by the end of `day` (0 before it starts, 1 after it ends)."""
    if day < date(year, 1, 1):
        return Decimal(0)
    if day >= date(year, 12, 31):
        return Decimal(1)
    days_in_year = (date(year, 12, 31) - date(year, 1, 1)).days + 1
    return Decimal((day - date(year, 1, 1)).days + 1) / Decimal(days_in_year)


def expected_value(indicator, targets: dict[int, Decimal], start_year: int, on: date) -> Decimal | None:
    """The straight-line share of the target expected by the end of `on` (see the module docstring)."""
    if not targets:
        return None
    if indicator.mode == indicator.Mode.PER_YEAR:
        year_target = targets.get(on.year)
        return None if year_target is None else year_target * _year_fraction(on, on.year)
    points = [(start_year - 1, Decimal(0))] + sorted(targets.items())  # (year whose 31 December it stands on, value)
    for (y0, v0), (y1, v1) in zip(points, points[1:]):
        if on <= date(y1, 12, 31):
            span = sum((_year_fraction(on, y) for y in range(y0 + 1, y1 + 1)), Decimal(0))
            return v0 + (v1 - v0) * span / Decimal(y1 - y0)
    return points[-1][1]


@dataclass
class IndicatorProgress:
    indicator: object
    year: int
    actual: Decimal
    year_target: Decimal | None  # the document's target for the year, or the straight line's value at its end
    year_target_stated: bool  # True when the plan states a target for this very year
    final_target: Decimal | None
    expected: Decimal | None
    state: IndicatorState | None
    trend: list[tuple[Period, Decimal]]  # actual value (as counted) at the end of each quarter so far

    @property
    def percent(self) -> float | None:
        if not self.year_target:
            return None
        return round(float(100 * self.actual / self.year_target), 1)

    @property
    def expected_percent(self) -> float | None:
        if not self.year_target or self.expected is None:
            return None
        return round(float(100 * self.expected / self.year_target), 1)


def contribution_totals(plan, as_of: date) -> dict[int, dict[Period, Decimal]]:
    """{indicator_id: {period: sum of approved contributions}} in one aggregate query."""
    from indicators.models import Contribution  # indicators depends on tasks, not the other way round

    rows = (
        Contribution.objects.filter(periods_upto(as_of, "update__"), indicator__plan=plan, update__state=Update.State.APPROVED)
        .values("indicator_id", "update__year", "update__quarter")
        .annotate(total=Sum("value"))
        .order_by()
    )
    totals = defaultdict(dict)
    for row in rows:
        totals[row["indicator_id"]][Period(row["update__year"], row["update__quarter"])] = row["total"]
    return totals


def indicator_progress(plan, indicators, as_of: date | None = None) -> list[IndicatorProgress]:
    """Progress of each indicator; indicators should have their targets prefetched."""
    as_of = as_of or today()
    year = min(max(as_of.year, plan.start_year), plan.end_year)
    on = min(as_of, date(plan.end_year, 12, 31))
    totals = contribution_totals(plan, as_of)
    results = []
    for indicator in indicators:
        targets = {t.year: t.value for t in indicator.targets.all()}
        per_period = totals.get(indicator.pk, {})
        per_year = indicator.mode == indicator.Mode.PER_YEAR
        trend, running = [], Decimal(0)
        period = Period(plan.start_year, 1)
        last = min(Period.containing(as_of), Period(plan.end_year, 4))
        while period <= last:
            if per_year and period.quarter == 1:
                running = Decimal(0)
            running += per_period.get(period, Decimal(0))
            trend.append((period, running))
            period = period.next()
        actual = sum(
            (v for p, v in per_period.items() if (p.year == year if per_year else p.year <= year)), Decimal(0)
        )
        stated = year in targets
        if per_year:
            year_target = targets.get(year)
        else:
            year_target = targets[year] if stated else expected_value(indicator, targets, plan.start_year, date(year, 12, 31))
        expected = expected_value(indicator, targets, plan.start_year, on) if as_of.year >= plan.start_year else Decimal(0)
        results.append(
            IndicatorProgress(
                indicator=indicator,
                year=year,
                actual=actual,
                year_target=year_target,
                year_target_stated=stated,
                final_target=targets[max(targets)] if targets else None,
                expected=expected,
                state=_indicator_state(actual, year_target, expected, year_over=as_of >= date(year, 12, 31)),
                trend=trend,
            )
        )
    return results


def _indicator_state(actual, year_target, expected, *, year_over: bool) -> IndicatorState | None:
    if year_target is None:
        return None
    if actual >= year_target:
        return IndicatorState.REACHED
    if year_over:
        return IndicatorState.MISSED
    if expected is not None and actual >= expected:
        return IndicatorState.NORMAL
    return IndicatorState.WARNING
