"""The plan dashboard's numbers as Excel (indicators.views.plan_export, indicators.exports)."""

from io import BytesIO
from urllib.parse import unquote

import pytest
from django.urls import reverse
from openpyxl import load_workbook


from .factories import make_update


def export(client, plan, as_of="2022Q4"):
    response = client.get(reverse("indicators:plan_export", args=[plan.pk]) + f"?as_of={as_of}")
    assert response.status_code == 200
    return response, load_workbook(BytesIO(response.content))


def rows(sheet):
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_it_is_an_xlsx_attachment_named_after_the_plan_and_day(as_leader, plan_2021):
    response, _ = export(as_leader, plan_2021)
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "科技引领三年行动计划（2021-2023）_指标看板_20221231.xlsx" in unquote(response["Content-Disposition"])


def test_it_holds_each_part_of_the_dashboard(as_leader, plan_2021):
    _, workbook = export(as_leader, plan_2021)
    assert workbook.sheetnames == ["指标", "季度趋势", "任务进展", "单位报送", "季度变化"]
    assert rows(workbook["指标"])[1] == ["数据截至 2022-12-31，仅统计审核通过的季度进展"] + [None] * 13


def test_indicator_rows_hold_the_same_numbers_as_the_page(as_leader, plan_2021, task_1, scenes):
    make_update(task_1, "区科委", 2022, 3, contributions={scenes: 10})
    make_update(task_1, "区科委", 2022, 4, contributions={scenes: 2})
    _, workbook = export(as_leader, plan_2021)
    table = rows(workbook["指标"])
    header = table[3]
    row = dict(zip(header, next(r for r in table if r[1] == scenes.name)))
    assert (row["2022年目标"], row["最终目标"], row["实际完成"], row["完成率(%)"]) == (15, 30, 12, 80.0)
    assert (row["状态"], row["上季度末完成"], row["较上季度末变化"]) == ("未达标", 10, 2)
    trend = next(r for r in rows(workbook["季度趋势"]) if r[0] == scenes.name)
    assert trend[2:] == [0, 0, 0, 0, 0, 0, 10, 12]


def test_task_counts_by_section_and_the_years_milestones(as_leader, plan_2021):
    _, workbook = export(as_leader, plan_2021)
    table = rows(workbook["任务进展"])
    assert table[3][:2] == ["篇章", "具体任务"]
    assert next(r for r in table if r[0] == "合计")[1] == 28
    assert next(r for r in table if r[0] == "2022年度任务")[1:3] == ["合计", "按时完成"]


def test_text_that_looks_like_a_formula_stays_text(as_leader, plan_2021, scenes):
    scenes.name = '=HYPERLINK("http://example.com","点击")'
    scenes.save()
    _, workbook = export(as_leader, plan_2021)
    cell = next(c for row in workbook["指标"].iter_rows() for c in row if c.value == scenes.name)
    assert cell.data_type == "s"


def test_a_bad_as_of_exports_todays_figures(as_leader, plan_2021):
    response, workbook = export(as_leader, plan_2021, as_of="nonsense")
    assert rows(workbook["指标"])[1][0].startswith("数据截至 ")


def test_it_is_read_only(as_leader, plan_2021):
    assert as_leader.post(reverse("indicators:plan_export", args=[plan_2021.pk])).status_code == 405


def test_every_role_may_export_and_an_unknown_plan_is_404(client, outsider, plan_2021):
    client.force_login(outsider)
    assert client.get(reverse("indicators:plan_export", args=[plan_2021.pk])).status_code == 200
    assert client.get(reverse("indicators:plan_export", args=[999999])).status_code == 404
