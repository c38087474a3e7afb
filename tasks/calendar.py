"""
The reporting calendar: quarters of each plan year and when each quarter's report is due.

A quarter's report is due on the plan's report_due_day of the month after the
quarter ends (the 5th by default, so Q4 2021 is due 2022-01-05). The period a
unit is "currently" reporting on is the earliest one whose due date has not
passed: on 2026-11-21 that is Q4 2026; on 2027-01-03 it is still Q4 2026.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q
from django.utils import timezone


@dataclass(frozen=True, order=True)
class Period:
    year: int
    quarter: int

    def __str__(self):
        return f"{self.year}年第{self.quarter}季度"

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.quarter}"

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.quarter - 2, 1)

    @property
    def end(self) -> date:
        if self.quarter == 4:
            return date(self.year, 12, 31)
        return date(self.year, 3 * self.quarter + 1, 1) - timedelta(days=1)

    def due_date(self, due_day: int = 5) -> date:
        if self.quarter == 4:
            return date(self.year + 1, 1, due_day)
        return date(self.year, 3 * self.quarter + 1, due_day)

    def previous(self) -> "Period":
        return Period(self.year - 1, 4) if self.quarter == 1 else Period(self.year, self.quarter - 1)

    def next(self) -> "Period":
        return Period(self.year + 1, 1) if self.quarter == 4 else Period(self.year, self.quarter + 1)

    @classmethod
    def containing(cls, day: date) -> "Period":
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, label: str) -> "Period":
        """'2022Q3' → Period(2022, 3); ValueError for anything else."""
        year, sep, quarter = label.upper().partition("Q")
        if not sep or not year.isdigit() or quarter not in {"1", "2", "3", "4"}:
            raise ValueError(label)
        return cls(int(year), int(quarter))


def today() -> date:
    return timezone.localdate()


def plan_periods(plan) -> list[Period]:
    return [Period(year, q) for year in plan.years for q in range(1, 5)]


def due_date(plan, period: Period) -> date:
    return period.due_date(plan.report_due_day)


def reporting_period(plan, on: date | None = None) -> Period:
    """The period units are reporting on, clipped to the plan's years."""
    on = on or today()
    period = Period.containing(on).previous()
    while due_date(plan, period) < on:
        period = period.next()
    first, last = Period(plan.start_year, 1), Period(plan.end_year, 4)
    return min(max(period, first), last)


def in_plan(plan, period: Period) -> bool:
    return plan.start_year <= period.year <= plan.end_year


def periods_upto(as_of: date, prefix: str = "") -> Q:
    """Updates for quarters that had begun by as_of: the ones a view 'as of' that day counts."""
    current = Period.containing(as_of)
    return Q(**{f"{prefix}year__lt": current.year}) | Q(
        **{f"{prefix}year": current.year, f"{prefix}quarter__lte": current.quarter}
    )
