"""The 通报 (bulletin) page and its Excel export: who may see it, the ranking, bad input, query count."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tasks.models import SpecificTask
from units.models import Unit

from .factories import make_update

URL = reverse("units:bulletin")
EXPORT = reverse("units:bulletin_export")


def on(*args):
    return datetime(*args, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def task_10_2(plan_2021):
    return SpecificTask.objects.get(work_task__section__plan=plan_2021, work_task__seq=10, number="2.")


def ranks(response):
    return {row.unit.name: row.rank for row in response.context["rows"]}


def test_staff_and_leaders_see_it(client, staff, leader, plan_2021):
    for user in (staff, leader):
        client.force_login(user)
        assert client.get(URL, {"plan": plan_2021.pk}).status_code == 200


def test_reporters_may_not(client, lead_reporter, plan_2021):
    client.force_login(lead_reporter)
    assert client.get(URL).status_code == 403
    assert client.get(EXPORT).status_code == 403


def test_it_rejects_post(client, staff):
    client.force_login(staff)
    assert client.post(URL).status_code == 405


def test_by_default_it_ranks_the_latest_quarter_due_of_the_newest_plan_with_units(as_leader, plan_2021):
    response = as_leader.get(URL)
    assert (response.context["plan"], response.context["period_value"]) == (plan_2021, "2023Q4")


def test_units_are_ranked_for_a_quarter(as_leader, plan_2021, task_10_2):
    make_update(task_10_2, "大兴发展", 2022, 1, submitted_at=on(2022, 4, 1, 9))
    response = as_leader.get(URL, {"plan": plan_2021.pk, "period": "2022Q1"})
    assert ranks(response)["大兴发展"] == 1
    assert ranks(response)["区科委"] == 2
    row = response.content.decode().split("大兴发展</a>")[1].split("</tr>")[0]
    assert "100.0%" in row


def test_a_year_ranks_its_four_quarters_together(as_leader, plan_2021, task_10_2):
    make_update(task_10_2, "大兴发展", 2022, 1, submitted_at=on(2022, 4, 1, 9))
    response = as_leader.get(URL, {"plan": plan_2021.pk, "period": "2022"})
    fazhan = next(r for r in response.context["rows"] if r.unit.name == "大兴发展")
    assert (fazhan.card.expected, fazhan.card.on_time, fazhan.card.missing) == (4, 1, 3)
    assert "2022年全年" in response.content.decode()


@pytest.mark.parametrize(
    "params, message",
    [
        ({"period": "2022Q7"}, "不是有效的年度或季度"),
        ({"period": "2019"}, "不在本计划的年度范围"),
        ({"plan": "abc"}, "没有编号为“abc”的行动计划"),
        ({"period": "2022\x00"}, "不是有效的年度或季度"),
    ],
)
def test_bad_choices_get_a_chinese_message(as_leader, plan_2021, params, message):
    response = as_leader.get(URL, {"plan": plan_2021.pk, **params})
    assert response.status_code == 200
    assert message in response.content.decode()


def test_query_count_is_fixed_however_many_reports(as_leader, plan_2021, django_assert_num_queries):
    params = {"plan": plan_2021.pk, "period": "2022"}
    with django_assert_num_queries(11):
        as_leader.get(URL, params)
    for task in SpecificTask.objects.filter(work_task__section__plan=plan_2021):
        lead = task.responsibilities.get(role="lead").unit
        make_update(task, lead, 2022, 2, submitted_at=on(2022, 7, 6, 9), claims=task.milestones.filter(year=2022))
    with django_assert_num_queries(11):
        response = as_leader.get(URL, params)
    assert sum(r.card.late for r in response.context["rows"]) == 28


# Excel ------------------------------------------------------------------------------------------------------


def workbook(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


def test_the_export_has_the_ranking_as_numbers(as_leader, plan_2021, task_10_2):
    make_update(task_10_2, "大兴发展", 2022, 1, submitted_at=on(2022, 4, 1, 9))
    response = as_leader.get(EXPORT, {"plan": plan_2021.pk, "period": "2022Q1"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = workbook(response)
    assert [c.value for c in sheet[3]][:3] == ["排名", "单位", "应报"]
    assert [c.value for c in sheet[4]][:5] == [1, "大兴发展", 1, 1, 0]
    assert "2022年第1季度" in sheet["A1"].value


@pytest.mark.parametrize("name", ['=HYPERLINK("http://evil.example","点我")', "+1+2", "-3", "@SUM(A1)"])
def test_unit_names_are_written_as_text_never_as_formulas(as_leader, plan_2021, name):
    unit = Unit.objects.get(name="大兴发展")
    unit.name = name
    unit.save()
    sheet = workbook(as_leader.get(EXPORT, {"plan": plan_2021.pk, "period": "2022Q1"}))
    cell = next(row[1] for row in sheet.iter_rows(min_row=4) if row[1].value == name)
    assert (cell.data_type, cell.quotePrefix) == ("s", True)
