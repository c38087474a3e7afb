"""
Leadership's dashboards: the district overview across plans, a plan's indicator dashboard with its
Excel export, and the drill-downs from an indicator and from a section.

Every logged-in role may read them (LoginRequiredMiddleware keeps everyone else out): they show
approved figures only. ?as_of=2022Q4 shows everything as it stood at the end of that quarter.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from tasks.calendar import Period, today
from tasks.models import Plan, Section, SpecificTask

from . import exports, selectors
from .models import Indicator

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class AsOf:
    """The day a page is evaluated on, the quarter chosen (None for today), and why a request was refused."""

    day: date
    period: Period | None = None
    error: str = ""

    @property
    def param(self) -> str:
        return self.period.label if self.period else ""

    @property
    def query(self) -> str:
        """The query string that keeps the chosen quarter on links to other dashboard pages."""
        return f"?as_of={self.period.label}" if self.period else ""


def resolve_as_of(raw: str, first_year: int, on: date) -> AsOf:
    """
    ?as_of=2022Q4 → the last day of that quarter. A quarter still running is shown as of `on` (today);
    anything else (not a quarter, before the first plan year, not begun) shows today's figures with a
    message that says so, rather than an error page.
    """
    raw = raw.strip()
    if not raw:
        return AsOf(on)
    try:
        period = Period.parse(raw)
        end = period.end  # a year such as 0 or 99999 is no date at all
    except ValueError:
        return AsOf(on, error=_("“%(value)s” is not a quarter such as 2022Q4. Showing the figures as of today.") % {"value": raw[:20]})
    if period.year < first_year:
        return AsOf(on, error=_("%(period)s is before %(year)s, the first year shown here. Showing the figures as of today.") % {"period": period, "year": first_year})
    if period.start > on:
        return AsOf(on, error=_("%(period)s has not begun yet. Showing the figures as of today.") % {"period": period})
    return AsOf(min(end, on), period)


def period_choices(first_year: int, last_year: int, on: date) -> list[Period]:
    """The quarters a leader can choose, latest first: from the first year to the current quarter."""
    period, first = min(Period.containing(on), Period(last_year, 4)), Period(first_year, 1)
    choices = []
    while period >= first:
        choices.append(period)
        period = period.previous()
    return choices


def _as_of(request, first_year: int) -> AsOf:
    return resolve_as_of(request.GET.get("as_of", ""), first_year, today())


@require_safe
def overview(request):
    plans = list(Plan.objects.order_by("-start_year", "title"))
    first_year = min((p.start_year for p in plans), default=today().year)
    last_year = max((p.end_year for p in plans), default=today().year)
    as_of = _as_of(request, first_year)
    summaries = selectors.district_overview(plans, as_of.day)
    charts = {"labels": _chart_labels(), "plans": {str(s.plan.pk): s.chart for s in summaries}}
    return render(
        request,
        "indicators/overview.html",
        {
            "summaries": summaries,
            "as_of": as_of,
            "periods": period_choices(first_year, last_year, today()),
            "charts": charts,
        },
    )


@require_safe
def plan_dashboard(request, plan_id):
    plan = get_object_or_404(Plan, pk=plan_id)
    as_of = _as_of(request, plan.start_year)
    dashboard = selectors.plan_dashboard(plan, as_of.day)
    charts = selectors.dashboard_charts(dashboard)
    charts["labels"] = _chart_labels()
    return render(
        request,
        "indicators/plan_dashboard.html",
        {
            "plan": plan,
            "as_of": as_of,
            "periods": period_choices(plan.start_year, plan.end_year, today()),
            "dashboard": dashboard,
            "charts": charts,
        },
    )


@require_safe
def plan_export(request, plan_id):
    plan = get_object_or_404(Plan, pk=plan_id)
    as_of = _as_of(request, plan.start_year)
    content = exports.plan_dashboard_workbook(selectors.plan_dashboard(plan, as_of.day, all_changes=True))
    filename = f"{plan.short_title or plan.title}_指标看板_{as_of.day:%Y%m%d}.xlsx"
    return HttpResponse(content, content_type=XLSX, headers={"Content-Disposition": content_disposition_header(True, filename)})


@require_safe
def indicator_detail(request, indicator_id):
    feeding_tasks = SpecificTask.objects.select_related("work_task")
    indicator = get_object_or_404(
        Indicator.objects.select_related("plan").prefetch_related("targets", Prefetch("tasks", queryset=feeding_tasks)),
        pk=indicator_id,
    )
    plan = indicator.plan
    as_of = _as_of(request, plan.start_year)
    drilldown = selectors.indicator_drilldown(indicator, request.user, as_of.day)
    progress = drilldown.progress
    charts = selectors.drilldown_charts(drilldown)
    charts["labels"] = _chart_labels()
    return render(
        request,
        "indicators/indicator_detail.html",
        {
            "plan": plan,
            "indicator": indicator,
            "as_of": as_of,
            "periods": period_choices(plan.start_year, plan.end_year, today()),
            "drilldown": drilldown,
            "progress": progress,
            "trend_rows": list(zip(progress.trend, drilldown.expected_trend)),
            "charts": charts,
        },
    )


@require_safe
def section_detail(request, section_id):
    section = get_object_or_404(Section.objects.select_related("plan"), pk=section_id)
    plan = section.plan
    as_of = _as_of(request, plan.start_year)
    rows, counts = selectors.section_drilldown(section, as_of.day)
    return render(
        request,
        "indicators/section_detail.html",
        {
            "plan": plan,
            "section": section,
            "as_of": as_of,
            "periods": period_choices(plan.start_year, plan.end_year, today()),
            "year": selectors.view_year(plan, as_of.day),
            "rows": rows,
            "counts": counts,
        },
    )


def _chart_labels() -> dict:
    """The words dashboard.js puts on charts, translated here so the script holds no interface text."""
    return {
        "percent": _("Percent achieved"),
        "expected": _("Expected by now"),
        "actual": _("Actual value"),
        "expectedValue": _("Expected value (straight line)"),
    }
