"""
tasks.services.plan_import: a plan's outline is written a level at a time, so
the number of queries does not grow with the plan, and every row still gets
the "created" history record the task page shows.

SQLite takes at most 999 values a statement, so there Django splits a bulk
insert every hundred rows or so; the plans here stay below that, and on
PostgreSQL any plan is one statement a level.
"""

import pytest
from django.apps import apps
from django.urls import reverse

from indicators.models import Indicator
from tasks import rollup_cache, services
from tasks.models import Milestone, Plan, Responsibility, Section, SpecificTask, WorkTask
from units.models import Unit

from .test_excel_plan_import import confirm, import_plan, last_batch, xlsx


def plan_data(work_tasks: int, title="导入测试计划") -> dict:
    """A plan of work_tasks work tasks, each with two items led by a unit that does not exist yet."""
    return {
        "plan": {"title": title, "start_year": 2024, "end_year": 2026},
        "sections": [
            {
                "number": "一",
                "title": "第一篇",
                "work_tasks": [
                    {
                        "seq": seq,
                        "number": f"（{seq}）",
                        "title": f"工作任务{seq}",
                        "items": [
                            {
                                "number": f"{n}.",
                                "text": f"任务{seq}-{n}",
                                "units": [f"新单位{seq}", "区科委"],
                                "milestones": [
                                    {"year": 2024, "due_date": "2024-12-31", "text": f"{seq}-{n}第一年"},
                                    {"year": 2025, "due_date": "2025-06-30", "text": f"{seq}-{n}第二年"},
                                ],
                            }
                            for n in (1, 2)
                        ],
                    }
                    for seq in range(1, work_tasks + 1)
                ],
            }
        ],
        "indicators": [
            {
                "name": "指标",
                "measure": "项",
                "targets": [{"year": 2025, "value": 5}, {"year": 2026, "value": 10}],
                "tasks": ["1-1", "1-2"],
            }
        ],
    }


def in_plan(model, plan):
    path = {
        Section: "plan",
        WorkTask: "section__plan",
        SpecificTask: "work_task__section__plan",
        Responsibility: "task__work_task__section__plan",
        Milestone: "task__work_task__section__plan",
    }[model]
    return model.objects.filter(**{path: plan})


# Queries ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("work_tasks", [2, 10])
def test_the_import_takes_the_same_queries_for_a_small_and_a_five_times_larger_plan(
    db, staff, work_tasks, django_assert_num_queries
):
    # A savepoint and its release, the title, the units, two for the new units, three for the plan (with its
    # history and the roll-ups' token), two a level for five levels, six for the indicator.
    with django_assert_num_queries(25):
        services.plan_import(data=plan_data(work_tasks), user=staff)
    assert in_plan(SpecificTask, Plan.objects.get(title="导入测试计划")).count() == 2 * work_tasks


def table(work_tasks: int) -> bytes:
    """A progress table of work_tasks work tasks with three items each, named by units that exist."""
    rows = []
    for seq in range(1, work_tasks + 1):
        for n in (1, 2, 3):
            rows.append(
                [seq, f"工作任务{seq}", f"{n}.任务{seq}-{n}。", f"2021年12月31日：甲{n}\n2022年12月31日：乙{n}", "区科委、区财政局"]
            )
    return xlsx(rows)


@pytest.mark.parametrize("work_tasks", [1, 6])
def test_confirming_an_excel_import_takes_the_same_queries_however_many_rows(
    client, staff, work_tasks, django_assert_num_queries
):
    client.force_login(staff)
    import_plan(client, table(work_tasks))
    batch = last_batch()
    assert batch.errors == []
    with django_assert_num_queries(28):
        response = confirm(client, batch)
    plan = Plan.objects.get(title="导入的计划")
    assert response.url == reverse("tasks:plan_detail", args=[plan.pk])
    assert in_plan(Milestone, plan).count() == 6 * work_tasks


# What is written -----------------------------------------------------------------------------------------


def test_orders_roles_and_new_units_are_as_listed(db, staff):
    result = services.plan_import(data=plan_data(3), user=staff)
    task = SpecificTask.objects.get(work_task__section__plan=result.plan, work_task__seq=2, order=1)
    assert task.text == "任务2-2"
    assert [(r.unit.name, r.role, r.order) for r in task.responsibilities.order_by("order")] == [
        ("新单位2", "lead", 0),
        ("区科委", "co", 1),
    ]
    assert [(m.year, m.order) for m in task.milestones.order_by("order")] == [(2024, 0), (2025, 1)]
    assert result.units_created == ["新单位1", "新单位2", "新单位3"]


@pytest.mark.parametrize("model", [Section, WorkTask, SpecificTask, Responsibility, Milestone])
def test_every_imported_row_has_a_created_record_by_the_importer_holding_what_was_stored(db, staff, model):
    plan = services.plan_import(data=plan_data(3), user=staff).plan
    rows = in_plan(model, plan)
    history = model.history.model
    fields = [f.attname for f in history.tracked_fields]
    records = history.objects.filter(id__in=rows.values("pk"))
    assert sorted(records.values_list("history_type", "history_user")) == [("+", staff.pk)] * rows.count()
    assert sorted(records.values_list(*fields)) == sorted(rows.values_list(*fields))


def test_the_plan_and_new_units_have_their_created_records(db, staff):
    plan = services.plan_import(data=plan_data(2), user=staff).plan
    assert list(plan.history.values_list("history_type", "history_user")) == [("+", staff.pk)]
    unit = Unit.objects.get(name="新单位2")
    assert list(unit.history.values_list("history_type", "name")) == [("+", "新单位2")]


def test_an_indicators_created_record_lists_the_tasks_that_feed_it(db, staff):
    plan = services.plan_import(data=plan_data(2), user=staff).plan
    indicator = Indicator.objects.get(plan=plan)
    record = indicator.history.get()
    links = apps.get_model("indicators", "HistoricalIndicator_tasks").objects.filter(history=record)
    assert set(links.values_list("specifictask", flat=True)) == set(indicator.tasks.values_list("pk", flat=True))
    assert sorted(t.code for t in indicator.tasks.select_related("work_task")) == ["1-1", "1-2"]
    assert [(t.year, int(t.value)) for t in indicator.targets.order_by("year")] == [(2025, 5), (2026, 10)]


def test_the_imported_units_and_milestones_show_on_the_task_page(client, staff):
    plan = services.plan_import(data=plan_data(1), user=staff).plan
    task = in_plan(SpecificTask, plan).get(order=0)
    client.force_login(staff)
    history = client.get(reverse("tasks:task_detail", args=[task.pk])).content.decode().split('id="history"')[1]
    assert "新单位1" in history and "1-1第二年" in history


def test_an_import_makes_the_cached_roll_ups_stale(db, staff):
    # The bulk inserts send no signals; the plan's own save changes the token (tasks.rollup_cache).
    before = rollup_cache.current_tokens()[rollup_cache.APPROVED]
    services.plan_import(data=plan_data(1), user=staff)
    assert rollup_cache.current_tokens()[rollup_cache.APPROVED] != before


def test_a_plan_whose_title_exists_is_left_as_it_is(db, staff, django_assert_num_queries):
    plan = services.plan_import(data=plan_data(2), user=staff).plan
    with django_assert_num_queries(3):  # the title looked up, inside a savepoint
        result = services.plan_import(data=plan_data(5), user=staff)
    assert (result.plan, result.created) == (plan, False)
    assert in_plan(SpecificTask, plan).count() == 4


def test_a_batch_uploaded_before_items_became_row_indexes_still_confirms(client, staff):
    client.force_login(staff)
    import_plan(client, table(1))
    batch = last_batch()
    rows = batch.payload["rows"]
    for work_task in batch.payload["sections"][0]["work_tasks"]:
        work_task["items"] = [
            {key: rows[i][key] for key in ("number", "text", "units", "milestones")} for i in work_task["items"]
        ]
    batch.save()
    confirm(client, batch)
    plan = Plan.objects.get(title="导入的计划")
    assert list(in_plan(SpecificTask, plan).order_by("order").values_list("text", flat=True)) == [
        "任务1-1。",
        "任务1-2。",
        "任务1-3。",
    ]
