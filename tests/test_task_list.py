"""The task list: columns, every filter, sorting, paging, addresses that keep the state, bad input."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.urls import reverse

from tasks import rollup
from tasks.models import Milestone, Responsibility, SpecificTask, Update
from units.models import Unit

from .factories import make_update

URL = reverse("tasks:task_list")


def codes(response):
    return [row.record.code for row in response.context["table"].page.object_list]


def get(client, **params):
    return client.get(URL, params)


def test_login_is_required(client, db):
    assert client.get(URL).status_code == 302


def test_any_unit_reporter_sees_every_task(client, outsider, plan_2021):
    client.force_login(outsider)
    response = get(client, plan=plan_2021.pk, per_page=50)
    assert response.status_code == 200
    assert len(codes(response)) == 28


def test_a_row_shows_code_units_milestone_of_the_year_status_and_last_approval(as_leader, plan_2021, task_1):
    update = make_update(task_1, "区科委", 2021, 4, claims=[task_1.milestones.get(year=2021)])
    Update.objects.filter(pk=update.pk).update(reviewed_at=datetime(2022, 1, 8, 10, tzinfo=ZoneInfo("Asia/Shanghai")))
    body = get(as_leader, plan=plan_2021.pk, q="应用场景示范专项", as_of="2022Q2").content.decode()
    row = body[body.index('class="badge text-bg-primary'):]
    for text in ["区科委", "区财政局", "落地区级应用场景示范项目不少于15项", "正常推进", "2021Q4", "2022-01-08"]:
        assert text in row


def test_the_milestone_column_follows_the_year_filter(as_leader, plan_2021):
    body = get(as_leader, plan=plan_2021.pk, q="应用场景示范专项", year=2023).content.decode()
    assert "积极推荐具有代表性和影响力的区内项目" in body
    assert "落地区级应用场景示范项目不少于15项" not in body


def test_a_task_with_a_late_milestone_is_flagged_overdue(as_leader, plan_2021, task_1):
    make_update(task_1, "区科委", 2021, 3)
    response = get(as_leader, plan=plan_2021.pk, q="应用场景示范专项", as_of="2022Q1")
    assert codes(response) == ["1"]
    assert "逾期" in response.content.decode().split("<tbody")[1]


# Filters ---------------------------------------------------------------------------------------------------


def test_filter_by_plan(as_leader, plan_2021, plan_2025):
    assert len(codes(get(as_leader, plan=plan_2021.pk, per_page=100))) == 28
    rows = get(as_leader, plan=plan_2025.pk, per_page=100).context["table"].page.object_list
    in_2025 = SpecificTask.objects.filter(work_task__section__plan=plan_2025).count()
    assert {r.record.work_task.section.plan_id for r in rows} == {plan_2025.pk}
    assert len(rows) == min(in_2025, 100)


def test_filter_by_section_and_work_task(as_leader, plan_2021):
    section = plan_2021.sections.get(number="五")
    assert codes(get(as_leader, section=section.pk, per_page=50)) == ["12", "13-1", "13-2", "14-1", "14-2", "14-3", "14-4"]
    work_task = section.work_tasks.get(seq=13)
    assert codes(get(as_leader, work_task=work_task.pk)) == ["13-1", "13-2"]


def work_task_choices(response):
    return [value for value, _ in response.context["filter"].form.fields["work_task"].choices if value]


def test_work_tasks_on_offer_are_the_chosen_sections_or_the_chosen_work_tasks_siblings(as_leader, plan_2021):
    section = plan_2021.sections.get(number="五")
    siblings = sorted(section.work_tasks.values_list("pk", flat=True))
    assert sorted(int(str(v)) for v in work_task_choices(get(as_leader, section=section.pk))) == siblings
    response = get(as_leader, work_task=siblings[0])
    assert sorted(int(str(v)) for v in work_task_choices(response)) == siblings
    assert len(work_task_choices(get(as_leader, plan=plan_2021.pk))) == 14  # a small plan offers all of its own


def test_a_plan_with_hundreds_of_work_tasks_offers_them_once_a_section_is_chosen(as_leader, plan_2021, monkeypatch):
    monkeypatch.setattr("tasks.filters.WORK_TASK_CHOICES", 10)
    response = get(as_leader, plan=plan_2021.pk)
    assert work_task_choices(response) == []
    assert "全部（先选择章节，再选工作任务）" in response.content.decode()
    work_task = plan_2021.sections.get(number="五").work_tasks.get(seq=13)
    assert codes(get(as_leader, plan=plan_2021.pk, work_task=work_task.pk)) == ["13-1", "13-2"]


def test_choosing_a_plan_or_section_empties_the_choices_that_depend_on_it(as_leader, plan_2021):
    form = get(as_leader, plan=plan_2021.pk).context["filter"].form
    assert form.fields["plan"].widget.attrs["data-clears"] == "section work_task"
    assert form.fields["section"].widget.attrs["data-clears"] == "work_task"


def test_filter_by_unit_as_lead_or_co(as_leader, plan_2021):
    fazhan = Unit.objects.get(name="大兴发展")
    assert codes(get(as_leader, unit=fazhan.pk)) == ["10-1", "10-2", "11-1"]
    assert codes(get(as_leader, unit=fazhan.pk, role="lead")) == ["10-2"]
    assert codes(get(as_leader, unit=fazhan.pk, role="co")) == ["10-1", "11-1"]


def test_filter_by_status(as_leader, plan_2021, task_1):
    make_update(task_1, "区科委", 2021, 2)
    assert codes(get(as_leader, plan=plan_2021.pk, status="on_track", as_of="2021Q3")) == ["1"]
    assert len(codes(get(as_leader, plan=plan_2021.pk, status="not_started", as_of="2021Q3", per_page=50))) == 27


def test_a_task_declared_done_with_a_late_milestone_is_listed_behind(as_leader, plan_2021, task_1):
    make_update(task_1, "区科委", 2022, 1, self_status=Update.SelfStatus.DONE)
    assert "1" in codes(get(as_leader, plan=plan_2021.pk, status="behind", as_of="2022Q2", per_page=50))
    assert codes(get(as_leader, plan=plan_2021.pk, status="done", as_of="2022Q2")) == []


def test_a_submitted_update_does_not_change_the_listed_status(as_leader, plan_2021, task_1):
    make_update(task_1, "区科委", 2021, 2, state=Update.State.SUBMITTED, progress="尚未审核的草稿文字")
    response = get(as_leader, plan=plan_2021.pk, status="on_track", as_of="2021Q3")
    assert codes(response) == []
    assert "尚未审核的草稿文字" not in response.content.decode()


def test_filter_by_year_keeps_tasks_with_a_milestone_that_year(as_leader, plan_2021, task_1):
    Milestone.objects.filter(task__work_task__section__plan=plan_2021, year=2023).exclude(task=task_1).delete()
    assert codes(get(as_leader, plan=plan_2021.pk, year=2023)) == ["1"]


def test_filter_overdue(as_leader, plan_2021, task_1):
    make_update(task_1, "区科委", 2021, 4, claims=[task_1.milestones.get(year=2021)])
    assert codes(get(as_leader, plan=plan_2021.pk, overdue="false", as_of="2022Q1")) == ["1"]
    assert len(codes(get(as_leader, plan=plan_2021.pk, overdue="true", as_of="2022Q1", per_page=50))) == 27


def test_keyword_searches_the_text_and_the_code(as_leader, plan_2021):
    assert codes(get(as_leader, plan=plan_2021.pk, q="新增区级以上研发中心")) == ["4-2"]
    assert codes(get(as_leader, plan=plan_2021.pk, q="4-3")) == ["4-3"]
    assert codes(get(as_leader, plan=plan_2021.pk, q="13")) == ["13-1", "13-2"]


def test_choosing_a_plan_narrows_the_section_choices(as_leader, plan_2021, plan_2025):
    form = get(as_leader, plan=plan_2025.pk).context["filter"].form
    assert {s.plan_id for s in form.fields["section"].queryset} == {plan_2025.pk}


# Sorting, paging, addresses --------------------------------------------------------------------------------


def test_sort_by_status_puts_done_first(as_leader, plan_2021, task_1):
    make_update(task_1, "区科委", 2021, 4, claims=list(task_1.milestones.all()))
    assert codes(get(as_leader, plan=plan_2021.pk, sort="status"))[0] == "1"
    assert codes(get(as_leader, plan=plan_2021.pk, sort="-status", per_page=50))[-1] == "1"


def test_sort_by_lead_unit(as_leader, plan_2021):
    rows = get(as_leader, plan=plan_2021.pk, sort="-lead_unit", per_page=50).context["table"].page.object_list
    leads = [r.record.responsibilities.all()[0].unit.sort_order for r in rows]
    assert leads == sorted(leads, reverse=True)


def test_pages_and_their_links_keep_the_filters(as_leader, plan_2021):
    response = get(as_leader, plan=plan_2021.pk, status="behind", page=2)
    assert codes(response) == ["14-2", "14-3", "14-4"]  # 25 a page; every task of the closed plan is behind today
    body = response.content.decode()
    assert f"plan={plan_2021.pk}" in body.split("pagination")[1]
    assert "status=behind" in body.split("pagination")[1]


def test_sort_links_keep_the_filters(as_leader, plan_2021):
    body = get(as_leader, plan=plan_2021.pk, status="behind", as_of="2022Q2").content.decode()
    thead = body.split("<thead")[1].split("</thead>")[0]
    assert "status=behind" in thead and "as_of=2022Q2" in thead and "sort=status" in thead


# Bad input: a Chinese message and a page, never an error --------------------------------------------------


@pytest.mark.parametrize(
    "params, message",
    [
        ({"plan": "abc"}, "筛选条件有误，已忽略：行动计划"),
        ({"status": "finished"}, "筛选条件有误，已忽略：状态"),
        ({"year": "1999"}, "筛选条件有误，已忽略：年度"),
        ({"unit": "999999"}, "筛选条件有误，已忽略：单位"),
        ({"as_of": "2022Q9"}, "不是有效的季度"),
        ({"as_of": "99999Q1"}, "不是有效的季度"),
        ({"as_of": "2030Q1"}, "尚未开始"),
        ({"per_page": "0"}, "不支持每页"),
        ({"q": "科技\x00"}, "筛选条件有误，已忽略：关键词"),
        ({"as_of": "2022\x00Q1"}, "已显示截至今天的进展"),
    ],
)
def test_bad_values_get_a_chinese_message(as_leader, plan_2021, params, message):
    response = get(as_leader, **params)
    assert response.status_code == 200
    assert message in response.content.decode()


@pytest.mark.parametrize("params", [{"page": "abc"}, {"page": "999"}, {"page": "-1"}, {"sort": "nonsense"}, {"q": "x" * 500}])
def test_odd_paging_and_sorting_still_show_a_page(as_leader, plan_2021, params):
    assert get(as_leader, plan=plan_2021.pk, **params).status_code == 200


# Query count -----------------------------------------------------------------------------------------------


def add_tasks(plan, n):
    work_task = plan.sections.first().work_tasks.first()
    unit = Unit.objects.get(name="区科委")
    for i in range(n):
        task = SpecificTask.objects.create(work_task=work_task, number=f"{i + 10}.", order=i + 10, text=f"新增任务{i}")
        Responsibility.objects.create(task=task, unit=unit, role=Responsibility.Role.LEAD)
        Milestone.objects.create(task=task, year=2021, due_date="2021-12-31", text="年度任务")
        make_update(task, unit, 2022, 1)
        make_update(task, "区财政局", 2022, 1, state=Update.State.DRAFT)


def test_query_count_is_fixed_however_many_tasks(as_leader, plan_2021, django_assert_num_queries):
    params = {"plan": plan_2021.pk, "status": "behind", "as_of": "2022Q2", "per_page": 100}
    # 16 with a plan and no section: one of them counts the plan's work tasks (tasks.filters.WORK_TASK_CHOICES).
    with django_assert_num_queries(16):
        get(as_leader, **params)
    add_tasks(plan_2021, 5)
    with django_assert_num_queries(16):
        response = get(as_leader, **params)
    assert len(codes(response)) == 33


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL chooses its plan from table statistics")
def test_status_subqueries_find_updates_through_the_task_not_the_state_index(plan_2021):
    # Without statistics SQLite would read every approved update once per task (see rollup._ExactNotFromIndex).
    tasks = rollup.tasks_with_status(SpecificTask.objects.filter(work_task__section__plan=plan_2021))
    sql, params = tasks.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(row[-1] for row in cursor.fetchall())
    assert "state" not in plan
