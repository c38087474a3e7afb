"""The plan page: status counts and percentages for the plan, each section and work task, viewed "as of" a quarter."""

import pytest
from django.urls import reverse

from tasks.models import Milestone, Responsibility, SpecificTask
from tasks.rollup import TaskStatus
from units.models import Unit

from .factories import make_update


def url(plan, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("tasks:plan_detail", args=[plan.pk]) + (f"?{query}" if query else "")


def counts(counts):
    return {status.value: n for status, n, _ in counts.rows()}


def test_plan_counts_and_percentages_as_of_a_past_quarter(as_leader, plan_2021, task_1):
    make_update(task_1, "区科委", 2021, 2)
    response = as_leader.get(url(plan_2021, as_of="2021Q3"))
    assert counts(response.context["counts"]) == {"done": 0, "on_track": 1, "behind": 0, "not_started": 27}
    summary = response.content.decode().split('id="plan-summary"')[1].split("</section>")[0]
    assert "1 · 3.6%" in summary and "27 · 96.4%" in summary
    assert "截至2021年9月30日" in summary


def test_sections_and_work_tasks_have_their_own_counts(as_leader, plan_2021, task_1):
    make_update(task_1, "区科委", 2021, 2)
    sections = as_leader.get(url(plan_2021, as_of="2021Q3")).context["sections"]
    first = sections[0]
    assert counts(first.counts) == {"done": 0, "on_track": 1, "behind": 0, "not_started": 1}
    work_task = first.work_tasks.all()[0]
    assert counts(work_task.counts) == {"done": 0, "on_track": 1, "behind": 0, "not_started": 0}
    assert first.counts.percent(TaskStatus.ON_TRACK) == 50.0


def test_today_every_task_of_the_closed_plan_without_updates_is_behind(as_leader, plan_2021):
    response = as_leader.get(url(plan_2021))
    assert counts(response.context["counts"])["behind"] == 28
    assert "28 · 100.0%" in response.content.decode()


def test_the_outline_shows_each_tasks_status_and_milestone_states(as_leader, plan_2021, task_1):
    make_update(task_1, "区科委", 2021, 4, claims=[task_1.milestones.get(year=2021)])
    body = as_leader.get(url(plan_2021, as_of="2022Q1")).content.decode()
    task = body.split(f'id="task-{task_1.pk}"')[1].split("</li>\n</ul>")[0]
    assert "正常推进" in task
    assert "于2021年第4季度完成" in task


def test_counts_link_to_the_task_list_with_the_same_filter_and_day(as_leader, plan_2021):
    body = as_leader.get(url(plan_2021, as_of="2022Q2")).content.decode()
    section = plan_2021.sections.get(number="一")
    assert f"?plan={plan_2021.pk}&amp;section={section.pk}&amp;as_of=2022Q2&amp;status=behind" in body


@pytest.mark.parametrize("value, message", [("2022Q5", "不是有效的季度"), ("2099Q1", "尚未开始"), ("Q1", "不是有效的季度")])
def test_a_bad_as_of_gets_a_chinese_message_and_today(as_leader, plan_2021, value, message):
    response = as_leader.get(url(plan_2021, as_of=value))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["period"] is None


def test_as_of_choices_are_the_plans_quarters_newest_first(as_leader, plan_2021):
    choices = as_leader.get(url(plan_2021)).context["as_of_choices"]
    assert (choices[0][0], choices[-1][0], len(choices)) == ("2023Q4", "2021Q1", 12)


def test_query_count_is_fixed_however_many_tasks_and_updates(as_leader, plan_2021, task_1, django_assert_num_queries):
    # The writes below change the roll-up cache's token, so both requests compute the plan's roll-up.
    with django_assert_num_queries(14):
        as_leader.get(url(plan_2021, as_of="2022Q2"))
    work_task = plan_2021.sections.last().work_tasks.last()
    unit = Unit.objects.get(name="区科委")
    for i in range(4):
        task = SpecificTask.objects.create(work_task=work_task, number=f"{i + 5}.", order=i + 5, text=f"新增任务{i}")
        Responsibility.objects.create(task=task, unit=unit, role=Responsibility.Role.LEAD)
        Milestone.objects.create(task=task, year=2022, due_date="2022-12-31", text="年度任务")
        make_update(task, unit, 2022, 1, claims=list(task.milestones.all()))
    make_update(task_1, "区科委", 2022, 1)
    with django_assert_num_queries(14):
        response = as_leader.get(url(plan_2021, as_of="2022Q2"))
    assert counts(response.context["counts"])["done"] == 4


def test_a_plan_too_large_to_list_shows_counts_and_links_instead_of_task_rows(as_leader, plan_2021, monkeypatch):
    monkeypatch.setattr("tasks.selectors.OUTLINE_TASK_LIMIT", 10)
    response = as_leader.get(url(plan_2021))
    body = response.content.decode()
    assert counts(response.context["counts"])["behind"] == 28
    assert 'id="task-' not in body
    work_task = plan_2021.sections.get(number="五").work_tasks.get(seq=14)
    assert f"?plan={plan_2021.pk}&amp;work_task={work_task.pk}" in body
