"""
The dashboards' query counts do not grow with the data: each page is measured on a small data set,
then on one with ten times more tasks, units, updates and contributions, and must run exactly as
many queries both times.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import caches
from django.urls import reverse

from tasks import rollup_cache
from tasks.models import Milestone, Responsibility, SpecificTask, Update, UpdateEvent, WorkTask
from units.models import Unit

from .factories import make_update

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Queries per page for a leader: 5 for the session (read it, the user, and save it again in a savepoint:
# SESSION_SAVE_EVERY_REQUEST), then the page's own, with nothing in the roll-up cache (each whole-plan
# roll-up reads the cache's token first; tests/test_rollup_cache.py checks the pages with the cache warm).
SESSION = 5
# plan; indicators, targets; contributions now and at the end of last quarter (token + 1 each); tasks now and
# then (token + 1 each); sections; this year's milestones (token + 1); the scorecard (token + 3) and its
# units; and one more for the tasks whose status changed, when any did (none do here)
PLAN_DASHBOARD = SESSION + 19
OVERVIEW = SESSION + 11  # plans; indicators, targets; per plan (2 plans): task statuses and contributions (token + 1 each)
INDICATOR = SESSION + 6  # indicator with plan; targets; feeding tasks; contribution totals (token + 1); contribution rows
SECTION = SESSION + 4  # section with plan; tasks with status; their lead units; their milestones
EXPORT = PLAN_DASHBOARD  # the same numbers as the dashboard


def grow(plan, indicator, count, tag):
    """count more units, each leading one new task with a 2022 milestone, four approved updates
    (one claiming the milestone, one submitted late and returned once) and a contribution in each."""
    section = plan.sections.order_by("order").first()
    seq = 1000 + WorkTask.objects.count()
    user = None
    for i in range(count):
        unit = Unit.objects.create(name=f"{tag}测试单位{i}")
        work_task = WorkTask.objects.create(section=section, seq=seq + i, title=f"{tag}测试工作任务{i}")
        task = SpecificTask.objects.create(work_task=work_task, text=f"{tag}测试具体任务{i}")
        Responsibility.objects.create(task=task, unit=unit, role=Responsibility.Role.LEAD)
        milestone = Milestone.objects.create(task=task, year=2022, due_date=date(2022, 12, 31), text="年度任务")
        indicator.tasks.add(task)
        for quarter in range(1, 5):
            submitted = datetime(2022, 3 * quarter, 28, tzinfo=SHANGHAI) if quarter < 4 else datetime(2023, 1, 20, tzinfo=SHANGHAI)
            update = make_update(
                task, unit, 2022, quarter,
                claims=[milestone] if quarter == 4 else [],
                contributions={indicator: 1},
                submitted_at=submitted,
                user=user,
            )
            user = update.created_by
            if quarter == 2:
                UpdateEvent.objects.create(update=update, action=UpdateEvent.Action.RETURNED, actor=user, note="请补充")


@pytest.fixture
def pages(plan_2021, scenes):
    section = plan_2021.sections.order_by("order").first()
    as_of = "?as_of=2023Q1"
    return {
        "plan_dashboard": (reverse("indicators:plan_dashboard", args=[plan_2021.pk]) + as_of, PLAN_DASHBOARD),
        "overview": (reverse("indicators:overview") + as_of, OVERVIEW),
        "indicator": (reverse("indicators:indicator_detail", args=[scenes.pk]) + as_of, INDICATOR),
        "section": (reverse("indicators:section_detail", args=[section.pk]) + as_of, SECTION),
        "export": (reverse("indicators:plan_export", args=[plan_2021.pk]) + as_of, EXPORT),
    }


def test_the_dashboards_run_the_same_queries_with_ten_times_the_data(client, leader, plan_2021, scenes, pages, django_assert_num_queries):
    client.force_login(leader)
    grow(plan_2021, scenes, 3, "甲")
    for name, (url, queries) in pages.items():
        caches[rollup_cache.CACHE].clear()
        with django_assert_num_queries(queries, info=name):
            assert client.get(url).status_code == 200, name

    grow(plan_2021, scenes, 30, "乙")
    assert Update.objects.filter(state=Update.State.APPROVED).count() == 33 * 4
    for name, (url, queries) in pages.items():
        caches[rollup_cache.CACHE].clear()
        with django_assert_num_queries(queries, info=name):
            response = client.get(url)
        assert response.status_code == 200, name

    # The grown data is really on the pages, not filtered away.
    response = client.get(pages["plan_dashboard"][0])
    dashboard = response.context["dashboard"]
    assert dashboard.task_counts.total == 28 + 33
    assert next(r for r in dashboard.indicators if r.indicator.pk == scenes.pk).progress.actual == 33 * 4
    assert any(row.unit.name.startswith("乙测试单位") for row in dashboard.unit_reports)
