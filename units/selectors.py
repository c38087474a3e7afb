"""Reads for the unit scorecards and the 通报 (bulletin). The rules are tasks.rollup's; this only gathers."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, QuerySet

from tasks import rollup
from tasks.calendar import Period, due_date, plan_periods, today
from tasks.models import Plan, Responsibility

from .models import Unit


def plans_with_lead_units() -> QuerySet[Plan]:
    """Plans in which some unit leads a task: the ones a scorecard can say anything about. Newest first."""
    leads = Responsibility.objects.filter(task__work_task__section__plan=OuterRef("pk"), role=Responsibility.Role.LEAD)
    return Plan.objects.filter(Exists(leads)).order_by("-start_year", "title")


def last_due_period(plan: Plan, on: date | None = None) -> Period:
    """The latest quarter of the plan whose report was due by `on`; the first quarter if none is yet."""
    on = on or today()
    due = [p for p in plan_periods(plan) if due_date(plan, p) < on]
    return due[-1] if due else plan_periods(plan)[0]


def units_leading(plan: Plan) -> QuerySet[Unit]:
    return Unit.objects.filter(
        Exists(
            Responsibility.objects.filter(
                unit=OuterRef("pk"), task__work_task__section__plan=plan, role=Responsibility.Role.LEAD
            )
        )
    ).order_by("sort_order", "name")


def bulletin(plan: Plan, periods: list[Period], as_of: date | None = None) -> list[rollup.RankedScorecard]:
    """Every unit that leads a task of the plan, ranked over `periods` (rollup.rank_units)."""
    cards = rollup.unit_scorecards(plan, periods, as_of)
    return rollup.rank_units(units_leading(plan), cards, periods)


@dataclass
class ScorecardYear:
    year: int
    quarters: list[tuple[Period, rollup.Scorecard]]
    total: rollup.Scorecard


def unit_scorecard(unit: Unit, plan: Plan, as_of: date | None = None) -> tuple[list[ScorecardYear], rollup.Scorecard]:
    """The unit's scorecard for every quarter of the plan, by year, with yearly and overall totals."""
    periods = plan_periods(plan)
    cards = rollup.unit_scorecards(plan, periods, as_of).get(unit.pk, {})
    years = []
    for year in plan.years:
        quarters = [(p, cards.get(p, rollup.Scorecard())) for p in periods if p.year == year]
        years.append(ScorecardYear(year, quarters, sum((c for _, c in quarters), rollup.Scorecard())))
    return years, sum((y.total for y in years), rollup.Scorecard())
