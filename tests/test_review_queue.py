"""The list of updates (tasks:update_list): staff's review queue, filterable; everyone else's reading list."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tasks.models import SpecificTask, Update

from .factories import make_update
from .updates_support import *  # noqa: F403 - fixtures

URL = reverse("tasks:update_list")


def shown(response):
    return [u.pk for u in response.context["page"]]


@pytest.fixture
def updates(set_today, task_1):
    """Updates of several units, quarters and states; the submitted ones a day apart, oldest first."""
    task_2 = SpecificTask.objects.get(work_task__section__plan=task_1.work_task.section.plan, work_task__seq=2)
    now = timezone.now()
    return {
        "old_submission": make_update(task_1, "区科委", 2022, 1, state=Update.State.SUBMITTED, submitted_at=now - timedelta(days=3)),
        "new_submission": make_update(task_2, "区科委", 2022, 2, state=Update.State.SUBMITTED, submitted_at=now - timedelta(days=1)),
        "co_submission": make_update(task_1, "区财政局", 2022, 2, state=Update.State.SUBMITTED, submitted_at=now - timedelta(days=2)),
        "approved": make_update(task_1, "区科委", 2021, 4, state=Update.State.APPROVED),
        "draft": make_update(task_1, "区科委", 2022, 2, state=Update.State.DRAFT),
    }


def test_staff_land_on_submitted_updates_oldest_first(client, staff, updates):
    client.force_login(staff)
    response = client.get(URL)
    assert shown(response) == [updates[k].pk for k in ("old_submission", "co_submission", "new_submission")]
    assert "审核队列" in response.content.decode()


@pytest.mark.parametrize(
    "query, expected",
    [
        ("period=2022Q2", ["co_submission", "new_submission"]),
        ("unit={co}", ["co_submission"]),
        ("state=approved", ["approved"]),
        ("state=draft", ["draft"]),
        ("state=&period=2022Q1", ["old_submission"]),
    ],
)
def test_staff_filter_by_quarter_unit_and_state(client, staff, updates, co_reporter, query, expected):
    client.force_login(staff)
    response = client.get(URL + "?" + query.format(co=co_reporter.unit_id))
    assert sorted(shown(response)) == sorted(updates[k].pk for k in expected)


def test_staff_filter_by_plan(client, staff, updates, plan_2021, plan_2025):
    client.force_login(staff)
    assert len(shown(client.get(URL + f"?plan={plan_2021.pk}"))) == 3
    assert shown(client.get(URL + f"?plan={plan_2025.pk}")) == []


@pytest.mark.parametrize("query", ["state=lost", "period=2099Q1", "unit=999999", "plan=abc"])
def test_a_bad_filter_is_refused_in_chinese_and_the_whole_list_shown(client, staff, updates, query):
    client.force_login(staff)
    response = client.get(URL + "?" + query)
    assert "选择一个有效的选项" in response.content.decode()
    assert len(shown(response)) == len(updates)


def test_leadership_sees_only_approved_updates(client, leader, updates):
    client.force_login(leader)
    assert shown(client.get(URL)) == [updates["approved"].pk]
    response = client.get(URL + "?state=submitted")  # not a state leadership may list
    assert "选择一个有效的选项" in response.content.decode() and shown(response) == [updates["approved"].pk]


def test_a_reporter_sees_its_own_and_approved_ones_and_its_co_units_submissions(client, lead_reporter, updates):
    client.force_login(lead_reporter)
    assert sorted(shown(client.get(URL))) == sorted(u.pk for u in updates.values())


def test_a_co_unit_sees_its_own_and_approved_ones_only(client, co_reporter, updates):
    client.force_login(co_reporter)
    assert sorted(shown(client.get(URL))) == sorted([updates["co_submission"].pk, updates["approved"].pk])


def test_the_queue_runs_a_fixed_number_of_queries(client, staff, updates, task_1, django_assert_num_queries):
    client.force_login(staff)
    for quarter in (2, 3):
        make_update(task_1, "区科委", 2021, quarter, state=Update.State.SUBMITTED)
    with django_assert_num_queries(10):
        client.get(URL)


def test_long_lists_are_paged(client, staff, set_today, plan_2021):
    for task in SpecificTask.objects.filter(work_task__section__plan=plan_2021).prefetch_related("responsibilities__unit"):
        for quarter in (1, 2):
            make_update(task, task.responsibilities.all()[0].unit, 2021, quarter, state=Update.State.APPROVED)
    client.force_login(staff)
    response = client.get(URL + "?state=approved&page=2")
    assert response.context["page"].number == 2 and len(shown(response)) == 56 - 50
