"""
Unit scorecards and the 通报 (bulletin): how well each unit reports, per quarter
or year of a plan (rules: tasks.rollup). Staff and leadership see every unit
and the bulletin; a unit's reporter sees its own unit's scorecard only (any
other unit's address is a 404, as for updates), and not the bulletin (403).
"""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tasks.calendar import Period, today
from tasks.models import Plan

from . import exports, selectors
from .models import Unit


def commission_or_leader_required(view):
    """Staff, administrators and leadership; reporters get 403."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not (request.user.is_commission or request.user.is_leader):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def get_unit_for_scorecard(user, unit_id) -> Unit:
    """The unit whose scorecard user may read: any for staff and leadership, a reporter's own only (else 404)."""
    if not (user.is_commission or user.is_leader or user.is_reporter):
        raise PermissionDenied
    if user.is_reporter and str(user.unit_id) != str(unit_id):
        raise Http404
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise Http404
    return unit


def _chosen_plan(request) -> tuple[Plan | None, list[Plan]]:
    """?plan=<id> among all plans; by default the newest plan in which units lead tasks."""
    plans = list(Plan.objects.order_by("-start_year", "title"))
    value = request.GET.get("plan", "").strip()
    chosen = next((p for p in plans if str(p.pk) == value), None)
    if chosen is not None:
        return chosen, plans
    default = selectors.plans_with_lead_units().first() or (plans[0] if plans else None)
    if value:
        messages.warning(request, _("There is no plan “%(value)s”; showing %(plan)s.") % {"value": value, "plan": default})
    return default, plans


def _chosen_periods(request, plan: Plan) -> tuple[str, list[Period], str]:
    """
    ?period=2022Q2 (a quarter) or ?period=2022 (the four quarters of a year), within the plan's years.
    By default the latest quarter whose report was due. Returns (value, periods, title).
    """
    default = selectors.last_due_period(plan)
    value = request.GET.get("period", "").strip().upper()
    try:
        if value.isdigit():
            periods = [Period(int(value), q) for q in range(1, 5)]
            title = _("%(year)s, whole year") % {"year": value}
        elif value:
            periods = [Period.parse(value)]
            title = str(periods[0])
        else:
            return default.label, [default], str(default)
    except ValueError:
        messages.warning(
            request,
            _("“%(value)s” is neither a year nor a quarter (such as 2022 or 2022Q2); showing %(period)s.")
            % {"value": value, "period": default},
        )
        return default.label, [default], str(default)
    if not plan.start_year <= periods[0].year <= plan.end_year:
        messages.warning(
            request,
            _("%(value)s is outside the plan's years %(start)s–%(end)s; showing %(period)s.")
            % {"value": value, "start": plan.start_year, "end": plan.end_year, "period": default},
        )
        return default.label, [default], str(default)
    return value, periods, title


def _period_choices(plan: Plan) -> list[tuple[str, str]]:
    """Each year of the plan that has begun, then its quarters that have begun."""
    choices = []
    for year in plan.years:
        quarters = [Period(year, q) for q in range(1, 5) if Period(year, q).start <= today()]
        if quarters:
            choices.append((str(year), _("%(year)s, whole year") % {"year": year}))
            choices += [(p.label, str(p)) for p in quarters]
    return choices


def _bulletin_context(request):
    plan, plans = _chosen_plan(request)
    if plan is None:
        return {"plan": None, "plans": plans}
    value, periods, title = _chosen_periods(request, plan)
    return {
        "plan": plan,
        "plans": plans,
        "period_value": value,
        "period_title": title,
        "period_choices": _period_choices(plan),
        "rows": selectors.bulletin(plan, periods),
        "as_of": today(),
    }


@require_GET
@commission_or_leader_required
def bulletin(request):
    return render(request, "units/bulletin.html", _bulletin_context(request))


@require_GET
@commission_or_leader_required
def bulletin_export(request):
    context = _bulletin_context(request)
    if context["plan"] is None:
        raise Http404
    content = exports.bulletin_workbook(
        plan=context["plan"], title=context["period_title"], rows=context["rows"], as_of=context["as_of"]
    )
    filename = f"通报_{context['plan']}_{context['period_value']}.xlsx"
    return FileResponse(content, as_attachment=True, filename=filename, content_type=exports.XLSX)


@require_GET
def scorecard(request, unit_id):
    unit = get_unit_for_scorecard(request.user, unit_id)
    plan, plans = _chosen_plan(request)
    years, total = selectors.unit_scorecard(unit, plan) if plan else ([], None)
    return render(
        request,
        "units/scorecard.html",
        {"unit": unit, "plan": plan, "plans": plans, "years": years, "total": total, "as_of": today()},
    )
