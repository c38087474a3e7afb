"""
Plans, their outline, the task list and task pages. Every logged-in user may
read them: approved progress is visible to all (tasks.access.visible_updates
keeps everything else out).
"""

from django.contrib import messages
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .. import rollup, selectors
from ..filters import TaskFilter, as_of_choices, read_as_of
from ..models import Plan, Responsibility
from ..tables import TaskTable

PAGE_SIZES = (25, 50, 100)


def _as_of(request):
    """(period or None, day) from ?as_of=, telling the user when the value was not understood."""
    period, as_of, errors = read_as_of(request.GET)
    for error in errors:
        messages.warning(request, _("Showing progress as of today: %(error)s") % {"error": error})
    return period, as_of


@require_GET
def home(request):
    return render(request, "tasks/home.html", {"plans": selectors.plan_list()})


@require_GET
def plan_detail(request, plan_id):
    plan = get_object_or_404(Plan, pk=plan_id)
    period, as_of = _as_of(request)
    outline = selectors.plan_outline_with_status(plan, as_of)
    sections = outline.sections
    # The status counts link to the task list showing those tasks, as of the same day.
    keep = {"as_of": period.label} if period else {}
    for section in sections:
        section.link_query = urlencode({"plan": plan.pk, "section": section.pk, **keep})
        for work_task in section.work_tasks.all():
            work_task.link_query = urlencode({"plan": plan.pk, "work_task": work_task.pk, **keep})
    return render(
        request,
        "tasks/plan_detail.html",
        {
            "plan": plan,
            "sections": sections,
            "counts": outline.counts,
            "shows_tasks": outline.shows_tasks,
            "statuses": rollup.STATUS_ORDER,
            "task_list_url": reverse("tasks:task_list"),
            "plan_link_query": urlencode({"plan": plan.pk, **keep}),
            "period": period,
            "as_of": as_of,
            "as_of_choices": as_of_choices(plan.start_year, plan.end_year),
        },
    )


def _page_size(request) -> int:
    value = request.GET.get("per_page", "")
    if value and value not in {str(n) for n in PAGE_SIZES}:
        messages.warning(
            request,
            _("“%(value)s” rows a page is not offered; showing %(default)s.") % {"value": value, "default": PAGE_SIZES[0]},
        )
    return int(value) if value in {str(n) for n in PAGE_SIZES} else PAGE_SIZES[0]


@require_GET
def task_list(request):
    period, as_of = _as_of(request)
    filterset = TaskFilter(request.GET, queryset=selectors.task_list(as_of))
    for error in filterset.error_messages():
        messages.warning(request, _("Filter ignored: %(error)s") % {"error": error})
    year = filterset.form.cleaned_data.get("year")
    year = int(year) if year else None
    table = TaskTable(filterset.qs, as_of=as_of, year=year, order_by=request.GET.getlist("sort") or None)
    table.request = request  # the table's sort and page links keep every other parameter of the address
    per_page = _page_size(request)
    try:
        table.paginate(page=request.GET.get("page", 1), per_page=per_page)
    except PageNotAnInteger:
        table.paginate(page=1, per_page=per_page)
    except EmptyPage:  # past the end after a filter narrowed the list: show its last page
        table.paginate(page=table.paginator.num_pages, per_page=per_page)
    filterset.offer_work_tasks_by_section()
    plans = filterset.plans
    # The progress table (tasks.views.excel) takes the same unit and section, and a quarter of the plan.
    chosen = filterset.form.cleaned_data
    excel_query = {name: chosen[name].pk for name in ("unit", "section") if chosen.get(name)}
    if period and chosen.get("plan") and period.year in chosen["plan"].years:
        excel_query["period"] = period.label
    return render(
        request,
        "tasks/task_list.html",
        {
            "filter": filterset,
            "table": table,
            "period": period,
            "as_of": as_of,
            "as_of_choices": as_of_choices(min(p.start_year for p in plans), max(p.end_year for p in plans))
            if plans
            else [],
            "page_sizes": PAGE_SIZES,
            "excel_query": urlencode(excel_query),
        },
    )


@require_GET
def task_detail(request, task_id):
    period, as_of = _as_of(request)
    task = selectors.task_for_page(task_id, as_of)
    plan = task.work_task.section.plan
    roles = {r.unit_id: r for r in task.responsibilities.all()}
    timeline = list(selectors.task_timeline(request.user, task, as_of))
    for update in timeline:
        responsibility = roles.get(update.unit_id)
        update.role_label = responsibility.get_role_display() if responsibility else ""
    own = selectors.task_contributions(task, as_of)
    indicators = [
        (progress, own.get(progress.indicator.pk, 0))
        for progress in rollup.indicator_progress(plan, task.indicators.all(), as_of)
    ]
    return render(
        request,
        "tasks/task_detail.html",
        {
            "task": task,
            "plan": plan,
            "status": rollup.task_status(task),
            "overdue": rollup.is_overdue(task),
            "lead": [r for r in task.responsibilities.all() if r.role == Responsibility.Role.LEAD],
            "co": [r for r in task.responsibilities.all() if r.role == Responsibility.Role.CO],
            "milestones": [(m, rollup.milestone_state(m, as_of)) for m in task.milestones.all()],
            "indicators": indicators,
            "timeline": timeline,
            "history": selectors.task_change_history(task),
            "period": period,
            "as_of": as_of,
            "as_of_choices": as_of_choices(plan.start_year, plan.end_year),
        },
    )
