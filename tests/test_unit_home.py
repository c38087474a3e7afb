"""The unit's home (本单位任务): its tasks for a quarter, each report's state, and what is due."""

from datetime import date

import pytest
from django.urls import reverse

from tasks import services
from tasks.models import Plan, Responsibility, SpecificTask, Update

from .factories import make_update
from .updates_support import *  # noqa: F403 - fixtures
from .updates_support import submitted

URL = reverse("tasks:unit_home")


@pytest.fixture
def reporter(client, set_today, lead_reporter):
    client.force_login(lead_reporter)
    return lead_reporter


def rows(response):
    """[(task code, state)] in the order shown."""
    return [(row.task.code, row.state) for row in response.context["rows"]]


def test_it_lists_every_task_of_the_unit_with_its_role(client, reporter, plan_2021):
    response = client.get(URL)
    expected = Responsibility.objects.filter(unit=reporter.unit, task__work_task__section__plan=plan_2021).count()
    assert len(response.context["rows"]) == expected
    roles = {row.task.code: row.role for row in response.context["rows"]}
    assert roles["1"] == "lead" and roles["10-2"] == "co"


def test_the_default_is_the_current_reporting_period(client, reporter):
    response = client.get(URL)
    assert str(response.context["period"]) == "2022年第2季度"
    assert "2022年第2季度进展报送截止日期为2022年7月5日" in response.content.decode()


def test_after_the_plan_ended_it_opens_on_the_plans_last_quarter(client, reporter, set_today):
    set_today(date(2026, 11, 21))
    response = client.get(URL)
    assert response.context["plan"].start_year == 2021
    assert str(response.context["period"]) == "2023年第4季度"


def test_it_shows_this_years_milestone(client, reporter, task_1):
    body = client.get(URL).content.decode()
    assert task_1.milestones.get(year=2022).text in body


def test_each_report_shows_its_state(client, reporter, task_1, lead_reporter, staff):
    tasks = list(SpecificTask.objects.filter(responsibilities__unit=lead_reporter.unit, responsibilities__role="lead")[:4])
    make_update(tasks[0], "区科委", 2022, 2, state=Update.State.DRAFT)
    make_update(tasks[1], "区科委", 2022, 2, state=Update.State.SUBMITTED)
    make_update(tasks[2], "区科委", 2022, 2, state=Update.State.APPROVED)
    states = dict(rows(client.get(URL)))
    assert [states[t.code] for t in tasks] == ["draft", "submitted", "approved", "not_reported"]
    body = client.get(URL).content.decode()
    for label in ("草稿", "已提交", "已通过", "未填报", "还剩15天"):
        assert label in body


def test_returned_reports_come_first_then_overdue(client, reporter, set_today, lead_reporter, staff):
    set_today(date(2022, 7, 8))  # Q2 2022 was due on 2022-07-05
    task = SpecificTask.objects.filter(responsibilities__unit=lead_reporter.unit, responsibilities__role="lead").last()
    make_update(task, "区科委", 2022, 2, state=Update.State.RETURNED)
    shown = rows(client.get(URL + "?period=2022Q2"))
    assert shown[0] == (task.code, "returned")
    assert shown[1][1] == "overdue"
    assert "逾期3天" in client.get(URL + "?period=2022Q2").content.decode()


def test_a_co_units_missing_report_is_optional_not_overdue(client, set_today, co_reporter, task_1):
    set_today(date(2022, 7, 8))
    client.force_login(co_reporter)
    states = dict(rows(client.get(URL + "?period=2022Q2")))
    assert states["1"] == "not_reported"


def test_a_co_unit_that_started_owes_its_report(client, set_today, co_reporter, task_1):
    make_update(task_1, "区财政局", 2022, 2, state=Update.State.DRAFT)
    set_today(date(2022, 7, 8))
    client.force_login(co_reporter)
    assert dict(rows(client.get(URL + "?period=2022Q2")))["1"] == "overdue"


def test_another_quarter_can_be_chosen(client, reporter):
    response = client.get(URL + "?period=2021Q3")
    assert str(response.context["period"]) == "2021年第3季度"


@pytest.mark.parametrize("period, message", [("2030Q1", "不在该计划的年度范围内"), ("2022Q9", "请选择季度")])
def test_a_quarter_outside_the_plan_is_refused_in_chinese(client, reporter, period, message):
    response = client.get(URL + f"?period={period}")
    assert message in response.content.decode()
    assert str(response.context["period"]) == "2022年第2季度"


def test_the_plan_can_be_chosen_when_the_unit_has_tasks_in_several(client, reporter, plan_2025, lead_reporter):
    task = SpecificTask.objects.filter(work_task__section__plan=plan_2025).first()
    Responsibility.objects.create(task=task, unit=lead_reporter.unit, role=Responsibility.Role.LEAD)
    response = client.get(URL + f"?plan={plan_2025.pk}")
    assert response.context["plan"] == plan_2025
    assert [row.task for row in response.context["rows"]] == [task]


def test_the_plan_in_force_is_the_default(client, reporter, plan_2025, lead_reporter):
    task = SpecificTask.objects.filter(work_task__section__plan=plan_2025).first()
    Responsibility.objects.create(task=task, unit=lead_reporter.unit, role=Responsibility.Role.LEAD)
    assert client.get(URL).context["plan"] == plan_2025  # neither is in force: the one that ends last
    Plan.objects.filter(start_year=2021).update(status=Plan.Status.ACTIVE)
    assert client.get(URL).context["plan"].start_year == 2021


def test_a_plan_the_unit_has_no_tasks_in_is_refused(client, reporter, plan_2025):
    response = client.get(URL + f"?plan={plan_2025.pk}")
    assert "本单位在该计划中没有任务" in response.content.decode()
    assert response.context["plan"].start_year == 2021


def test_a_task_with_last_quarters_update_offers_to_start_from_it(client, reporter, task_1):
    make_update(task_1, "区科委", 2022, 1)
    body = client.get(URL).content.decode()
    assert f'id="start-copy-{task_1.pk}"' in body and f'id="start-{task_1.pk}"' in body


def test_an_editable_update_links_to_its_form(client, reporter, draft, task_1):
    body = client.get(URL).content.decode()
    assert reverse("tasks:update_edit", args=[draft.pk]) in body


def test_the_page_runs_a_fixed_number_of_queries(client, reporter, task_1, django_assert_num_queries):
    make_update(task_1, "区科委", 2022, 2, state=Update.State.DRAFT)
    make_update(task_1, "区科委", 2022, 1)
    with django_assert_num_queries(13):
        client.get(URL)


def test_the_home_page_leads_a_reporter_to_the_units_tasks(client, reporter, active_2021, draft, lead_reporter, staff):
    services.update_return(update=submitted(draft, lead_reporter), reviewer=staff, reason="请补充")
    body = client.get(reverse("home")).content.decode()
    assert 'id="home-unit-home-link"' in body and "1项被退回" in body


def test_the_home_page_leads_staff_to_the_review_queue(client, staff, set_today, draft, lead_reporter):
    submitted(draft, lead_reporter)
    client.force_login(staff)
    body = client.get(reverse("home")).content.decode()
    assert 'id="home-review-link"' in body and "1项季度进展等待审核" in body


def test_staff_and_leadership_have_no_unit_home(client, staff, leader):
    for user in (staff, leader):
        client.force_login(user)
        assert client.get(URL).status_code == 403
