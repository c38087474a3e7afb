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
- A task is overdue (逾期) when it has a late milestone.
- Unit scorecards (the 通报), per unit and quarter: each specific task expects
  one report a quarter from its lead unit, for every quarter of the plan's
  years whose due date has passed (as_of > due date); co-units' reports are
  optional and not scored. An expected report is on time when it was first
  submitted (Update.submitted_at, local date) on or before the due date, late
  when first submitted after it (by as_of), and missing when not submitted by
  as_of. Returned counts expected reports returned at least once by as_of.
  Milestones due counts the milestones of tasks the unit leads that fell due
  in the period (due date passed by as_of); met on time as for milestones.
  Units are ranked by share of expected reports on time, then fewest missing,
  then fewest returned, then share of milestones met on time; equal keys
  share a rank and units with nothing expected are not ranked.

tests/test_rollup.py and tests/test_scorecards.py have a test for each rule. Views and exports call these
functions; none of them re-implements a rule.

The whole-plan answers (plan_task_rollups, unit_scorecards, contribution_totals) are kept between
requests by tasks.rollup_cache until reporting data changes or the day turns.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

from django.db import models
from django.db.models import Case, Count, Exists, F, Func, IntegerField, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import rollup_cache
from .calendar import Period, due_date, in_plan, periods_upto, today
from .models import Milestone, Responsibility, SpecificTask, Update, UpdateEvent


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


class _ExactNotFromIndex(Exact):
    """
    column = value, which SQLite must not answer from an index on the column.

    The per-task and per-milestone subqueries below should each look up their
    few rows through the task's or the milestone's foreign key. Without table
    statistics (Django never runs ANALYZE) SQLite instead walks the index that
    starts with Update.state, reading every approved update of every plan once
    per task: minutes for a plan of 2,000 tasks. A unary + on the column is
    SQLite's documented way to rule an index out; PostgreSQL plans from its
    statistics and gets the plain comparison.
    """

    def as_sqlite(self, compiler, connection):
        sql, params = self.as_sql(compiler, connection)
        return f"+{sql}", params


def approved_updates(as_of: date):
    return Update.objects.filter(periods_upto(as_of), _ExactNotFromIndex(F("state"), Update.State.APPROVED))


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


class _SimpleCase(Func):
    """
    CASE subject WHEN v1 THEN r1 … ELSE default END. Unlike Django's Case (CASE
    WHEN subject = v1 …) the subject, a subquery here, is written and run once.
    """

    def __init__(self, subject, whens: list[tuple], default, output_field):
        values = [Value(v) for pair in whens for v in pair] + [Value(default)]
        super().__init__(subject, *values, output_field=output_field)

    def as_sql(self, compiler, connection, **extra_context):
        parts, params = [], []
        for expression in self.get_source_expressions():
            sql, expression_params = compiler.compile(expression)
            parts.append(sql)
            params.extend(expression_params)
        subject, *rest = parts
        whens = " ".join(f"WHEN {rest[i]} THEN {rest[i + 1]}" for i in range(0, len(rest) - 1, 2))
        return f"CASE {subject} {whens} ELSE {rest[-1]} END", params


_NO_APPROVED_UPDATE = "-"


def tasks_with_status(tasks, as_of: date | None = None):
    """
    Annotate specific tasks, in the one query that fetches them, with their
    status (a database expression, so the task list can filter, sort and
    paginate on it), late_count (late milestones) and the latest approved
    update's period, self-assessment and approval time. task_status() and
    is_overdue() read the annotations; order_by_status() sorts by status.

    Each correlated subquery costs every row of a large plan (and PostgreSQL's
    JIT compiles each one), so the status is written with one EXISTS per
    milestone condition and one look at the latest update, not from the counts.
    """
    as_of = as_of or today()
    task_milestones = Milestone.objects.filter(task=OuterRef("pk"))
    met = Exists(_met_claims(as_of))
    late = task_milestones.filter(~met, due_date__lt=as_of)
    latest = approved_updates(as_of).filter(task=OuterRef("pk")).order_by("-year", "-quarter", "-reviewed_at")
    # The first matching branch wins: 已完成 (every milestone met) beats 滞后 (a late milestone); then the
    # latest approved update's own word (已完成 / 滞后), 未启动 without one, else 正常推进.
    status = Case(
        When(Exists(task_milestones) & ~Exists(task_milestones.filter(~met)), then=Value(TaskStatus.DONE.value)),
        When(Exists(late), then=Value(TaskStatus.BEHIND.value)),
        default=_SimpleCase(
            Coalesce(Subquery(latest.values("self_status")[:1]), Value(_NO_APPROVED_UPDATE)),
            [
                (Update.SelfStatus.DONE.value, TaskStatus.DONE.value),
                (Update.SelfStatus.BEHIND.value, TaskStatus.BEHIND.value),
                (_NO_APPROVED_UPDATE, TaskStatus.NOT_STARTED.value),
            ],
            TaskStatus.ON_TRACK.value,
            output_field=models.CharField(),
        ),
        output_field=models.CharField(),
    )
    return tasks.annotate(
        status=status,
        late_count=_count(late),
        latest_approved_year=Subquery(latest.values("year")[:1]),
        latest_approved_quarter=Subquery(latest.values("quarter")[:1]),
        latest_approved_at=Subquery(latest.values("reviewed_at")[:1]),
    )


def status_ordering(descending: bool = False):
    """An order_by() term for tasks_with_status() rows: STATUS_ORDER (已完成, 正常推进, 滞后, 未启动), or its reverse."""
    rank = _SimpleCase(
        F("status"), [(s.value, i) for i, s in enumerate(STATUS_ORDER)], len(STATUS_ORDER), output_field=IntegerField()
    )
    return rank.desc() if descending else rank.asc()


def task_status(task) -> TaskStatus:
    """task must come from tasks_with_status()."""
    return TaskStatus(task.status)


def is_overdue(task) -> bool:
    """Overdue (逾期) means a late milestone; task must come from tasks_with_status()."""
    return task.late_count > 0


# Filters on tasks_with_status() querysets, so lists filter by the same rules.
OVERDUE = Q(late_count__gt=0)


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


class TaskRollup(NamedTuple):
    """One specific task in plan_task_rollups(): its status and late milestones, and where it sits."""

    status: TaskStatus
    late_count: int
    section_id: int
    work_task_id: int


def plan_task_rollups(plan, as_of: date | None = None) -> dict[int, TaskRollup]:
    """{task_id: TaskRollup} for every specific task of the plan, by the rules of tasks_with_status()."""
    as_of = as_of or today()

    def compute():
        tasks = tasks_with_status(SpecificTask.objects.filter(work_task__section__plan=plan), as_of)
        rows = tasks.order_by().values_list("pk", "status", "late_count", "work_task__section_id", "work_task_id")
        return {pk: (status, late, section, work_task) for pk, status, late, section, work_task in rows}

    # Plain tuples in the cache: they pickle in a fraction of the time of named ones.
    rows = rollup_cache.cached("tasks", (plan.pk, as_of), compute)
    return {pk: TaskRollup(TaskStatus(status), *rest) for pk, (status, *rest) in rows.items()}


@dataclass
class PlanStatusCounts:
    """A plan's specific tasks counted by status: in all, by section and by work task."""

    total: StatusCounts
    by_section: dict[int, StatusCounts]
    by_work_task: dict[int, StatusCounts]


def plan_status_counts(plan, as_of: date | None = None) -> PlanStatusCounts:
    """
    Counts from plan_task_rollups(), kept in the cache as they are: a page that shows only counts reads a
    thousand small lists, not an entry for each of five thousand tasks.
    """
    as_of = as_of or today()

    def compute():
        total, by_section, by_work_task = [0] * 4, defaultdict(lambda: [0] * 4), defaultdict(lambda: [0] * 4)
        for task in plan_task_rollups(plan, as_of).values():
            i = _STATUS_INDEX[task.status]
            total[i] += 1
            by_section[task.section_id][i] += 1
            by_work_task[task.work_task_id][i] += 1
        return total, dict(by_section), dict(by_work_task)

    total, by_section, by_work_task = rollup_cache.cached("status-counts", (plan.pk, as_of), compute)
    return PlanStatusCounts(
        total=_counts(total),
        by_section={pk: _counts(values) for pk, values in by_section.items()},
        by_work_task={pk: _counts(values) for pk, values in by_work_task.items()},
    )


_STATUS_INDEX = {status: i for i, status in enumerate(STATUS_ORDER)}


def _counts(values: list[int]) -> StatusCounts:
    return StatusCounts(dict(zip(STATUS_ORDER, values)))


def status_changes(plan, as_of: date, since: date) -> list[tuple[int, TaskStatus, TaskStatus]]:
    """(task_id, status at since, status at as_of) for each of the plan's tasks whose status differs."""

    def compute():
        now, before = plan_task_rollups(plan, as_of), plan_task_rollups(plan, since)
        return [
            (pk, before[pk].status.value, task.status.value)
            for pk, task in now.items()
            if pk in before and before[pk].status != task.status  # (a task added in between has no "before")
        ]

    rows = rollup_cache.cached("status-changes", (plan.pk, as_of, since), compute)
    return [(pk, TaskStatus(before), TaskStatus(after)) for pk, before, after in rows]


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
    return rollup_cache.cached("contributions", (plan.pk, as_of), lambda: _contribution_totals(plan, as_of))


def _contribution_totals(plan, as_of: date) -> dict[int, dict[Period, Decimal]]:
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


# Unit scorecards (完成及时率 for the 通报) -------------------------------------------------------------------


@dataclass
class Scorecard:
    """One unit's reporting in one period (or the sum over several; see __add__)."""

    expected: int = 0
    on_time: int = 0
    late: int = 0
    returned: int = 0
    milestones_due: int = 0
    milestones_on_time: int = 0

    def __add__(self, other: "Scorecard") -> "Scorecard":
        return Scorecard(*(getattr(self, f) + getattr(other, f) for f in self.__dataclass_fields__))

    @property
    def submitted(self) -> int:
        return self.on_time + self.late

    @property
    def missing(self) -> int:
        return self.expected - self.submitted

    @property
    def on_time_percent(self) -> float | None:
        return round(100 * self.on_time / self.expected, 1) if self.expected else None

    @property
    def milestones_percent(self) -> float | None:
        return round(100 * self.milestones_on_time / self.milestones_due, 1) if self.milestones_due else None


def _day_after(day: date):
    """The aware local midnight that ends `day`: events before it happened by the end of `day`."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def unit_scorecards(plan, periods, as_of: date | None = None) -> dict[int, dict[Period, Scorecard]]:
    """
    {unit_id: {period: Scorecard}} for every unit that leads a task of the plan,
    for each of `periods` (see the module docstring for the rules), in three
    aggregate queries whatever the number of units, tasks and updates.
    """
    as_of = as_of or today()
    periods = sorted(set(periods))
    key = (plan.pk, as_of, ",".join(p.label for p in periods))
    return rollup_cache.cached("scorecards", key, lambda: _unit_scorecards(plan, periods, as_of), reads_reports=True)


def _unit_scorecards(plan, periods: list[Period], as_of: date) -> dict[int, dict[Period, Scorecard]]:
    # A report is expected once its due date has passed (the day after it), like a milestone going late.
    expected_periods = [p for p in periods if in_plan(plan, p) and due_date(plan, p) < as_of]
    in_plan_tasks = {"task__work_task__section__plan": plan}

    leads = (
        Responsibility.objects.filter(role=Responsibility.Role.LEAD, **in_plan_tasks)
        .values("unit_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    cards = {row["unit_id"]: {p: Scorecard(expected=row["n"] if p in expected_periods else 0) for p in periods} for row in leads}

    if expected_periods:
        end_of_as_of = _day_after(as_of)
        returned = Exists(
            UpdateEvent.objects.filter(
                update=OuterRef("pk"), action=UpdateEvent.Action.RETURNED, created_at__lt=end_of_as_of
            )
        )
        # On time: first submitted before the local midnight that ends the period's due date.
        in_periods, on_time = Q(), Q()
        for p in expected_periods:
            in_period = Q(year=p.year, quarter=p.quarter)
            in_periods |= in_period
            on_time |= in_period & Q(submitted_at__lt=_day_after(due_date(plan, p)))
        # Only the lead unit's own report is scored: the same responsibility row is both lead and the update's unit.
        reports = (
            Update.objects.filter(in_periods, submitted_at__lt=end_of_as_of, **in_plan_tasks)
            .filter(task__responsibilities__role=Responsibility.Role.LEAD, task__responsibilities__unit=F("unit"))
            .values("unit_id", "year", "quarter")
            .annotate(n=Count("pk"), on_time=Count("pk", filter=on_time), returned=Count("pk", filter=Q(returned)))
            .order_by()
        )
        for row in reports:
            card = cards.get(row["unit_id"], {}).get(Period(row["year"], row["quarter"]))
            if card is None:  # the unit no longer leads a task of the plan
                continue
            card.on_time += row["on_time"]
            card.late += row["n"] - row["on_time"]
            card.returned += row["returned"]

    if periods:
        in_range = Q()
        for p in periods:
            in_range |= Q(due_date__range=(p.start, p.end))
        milestones = milestones_with_state(
            Milestone.objects.filter(in_range, due_date__lt=as_of, **in_plan_tasks)
            .filter(task__responsibilities__role=Responsibility.Role.LEAD)
            .annotate(lead_unit_id=F("task__responsibilities__unit"))
            .only("pk", "due_date"),
            as_of,
        ).order_by()
        for milestone in milestones:
            card = cards.get(milestone.lead_unit_id, {}).get(Period.containing(milestone.due_date))
            if card is None:
                continue
            card.milestones_due += 1
            card.milestones_on_time += milestone_state(milestone, as_of).on_time
    return cards


@dataclass
class RankedScorecard:
    unit: object
    card: Scorecard
    rank: int | None  # None: nothing was expected of the unit, so it is not ranked


def _rank_key(card: Scorecard):
    expected = card.expected
    milestones = Fraction(card.milestones_on_time, card.milestones_due) if card.milestones_due else Fraction(1)
    return (
        -Fraction(card.on_time, expected),
        Fraction(card.missing, expected),
        Fraction(card.returned, expected),
        -milestones,
    )


def rank_units(units, cards: dict[int, dict[Period, Scorecard]], periods) -> list[RankedScorecard]:
    """
    The 通报 ranking over `periods` (a quarter, or the four of a year): by share
    of expected reports on time, then fewest missing, then fewest returned, then
    share of milestones met on time. Equal keys share a rank (1, 2, 2, 4); units
    with nothing expected come last, unranked. `units` gives the display order.
    """
    rows = []
    for unit in units:
        per_period = cards.get(unit.pk)
        if per_period is None:
            continue
        rows.append((unit, sum((per_period[p] for p in periods if p in per_period), Scorecard())))
    ranked = sorted((r for r in rows if r[1].expected), key=lambda r: _rank_key(r[1]))
    result, previous_key, rank = [], None, 0
    for position, (unit, card) in enumerate(ranked, start=1):
        key = _rank_key(card)
        if key != previous_key:
            rank, previous_key = position, key
        result.append(RankedScorecard(unit, card, rank))
    result += [RankedScorecard(unit, card, None) for unit, card in rows if not card.expected]
    return result
