"""The 任务进度表 export: the appendix's layout, the quarter's approved progress, text never a formula."""

import io

import openpyxl
import pytest
from django.urls import reverse

from tasks.models import SpecificTask, Update
from tests.factories import make_update
from units.models import Unit


def export(client, plan, **params):
    return client.get(reverse("tasks:excel_progress_export", args=[plan.pk]), params)


def sheet(response):
    data = b"".join(response.streaming_content)
    return openpyxl.load_workbook(io.BytesIO(data))["任务进度表"]


def task_row(ws, text):
    """The row number whose 具体任务 cell contains text."""
    for row in ws.iter_rows(min_row=4):
        if row[2].value and text in row[2].value:
            return row[0].row
    raise AssertionError(f"no row for {text}")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def test_staff_download_an_xlsx_named_after_the_plan_and_quarter(staff_client, plan_2021):
    response = export(staff_client, plan_2021, period="2022Q3")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert "2022Q3.xlsx" in response["Content-Disposition"]


def test_header_row_is_the_appendix_columns_then_the_quarters(staff_client, plan_2021):
    ws = sheet(export(staff_client, plan_2021, period="2022Q3"))
    headers = [c.value for c in ws[3]]
    assert headers == ["序号", "工作任务", "具体任务", "年度任务", "责任单位", "进展情况", "存在问题", "下步计划", "完成状态"]
    assert "2022年第3季度" in ws["A2"].value


def test_work_task_serial_and_title_are_merged_over_its_specific_tasks(staff_client, plan_2021):
    ws = sheet(export(staff_client, plan_2021, period="2022Q3"))
    first = task_row(ws, "加强与中国科学技术信息研究所对接合作")
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert f"A{first}:A{first + 3}" in merged and f"B{first}:B{first + 3}" in merged
    assert (ws.cell(first, 1).value, ws.cell(first, 2).value) == (4, "（四）搭建科技成果转移转化平台")


def test_each_section_has_a_row_of_its_own(staff_client, plan_2021):
    ws = sheet(export(staff_client, plan_2021, period="2022Q3"))
    assert ws["A4"].value == "一、加快推进应用场景建设"
    assert "A4:I4" in {str(r) for r in ws.merged_cells.ranges}


def test_milestones_one_line_a_year_and_units_lead_first(staff_client, plan_2021):
    ws = sheet(export(staff_client, plan_2021, period="2022Q3"))
    row = task_row(ws, "设立区级应用场景示范专项")
    assert ws.cell(row, 4).value.split("\n") == [
        "2021年12月31日：完成区级应用场景示范专项设立工作；",
        "2022年12月31日：落地区级应用场景示范项目不少于15项；",
        "2023年12月31日：落地区级应用场景示范项目不少于30项，积极推荐具有代表性和影响力的区内项目参与市级重大应用场景示范项目建设。",
    ]
    assert ws.cell(row, 5).value == "区科委、区财政局"


def test_progress_columns_hold_the_quarters_approved_updates_lead_unit_first(staff_client, plan_2021, task_1):
    make_update(task_1, "区财政局", 2022, 3, progress="安排专项资金。")
    make_update(task_1, "区科委", 2022, 3, progress="设立专项。")
    make_update(task_1, "区科委", 2022, 2, progress="上季度的话。")
    ws = sheet(export(staff_client, plan_2021, period="2022Q3"))
    row = task_row(ws, "设立区级应用场景示范专项")
    assert ws.cell(row, 6).value == "区科委：设立专项。\n区财政局：安排专项资金。"


def test_a_unit_no_longer_on_the_task_comes_after_those_still_on_it(staff_client, plan_2021, task_1):
    """Responsibility orders may have gaps once a unit is removed: 区财政局 (order 5 here) still comes first."""
    task_1.responsibilities.filter(unit__name="区财政局").update(order=5)
    make_update(task_1, "区统计局", 2022, 3, progress="不再负责的单位的话。")  # never on task 1, or removed since
    make_update(task_1, "区财政局", 2022, 3, progress="安排专项资金。")
    make_update(task_1, "区科委", 2022, 3, progress="设立专项。")
    ws = sheet(export(staff_client, plan_2021, period="2022Q3"))
    row = task_row(ws, "设立区级应用场景示范专项")
    assert ws.cell(row, 6).value == "区科委：设立专项。\n区财政局：安排专项资金。\n区统计局：不再负责的单位的话。"


def test_a_single_lead_update_is_printed_without_its_unit(staff_client, plan_2021, task_1):
    update = make_update(task_1, "区科委", 2022, 3, progress="设立专项。")
    update.problems, update.next_steps = "资金到位慢。", "下季度验收。"
    update.save()
    ws = sheet(export(staff_client, plan_2021, period="2022Q3"))
    row = task_row(ws, "设立区级应用场景示范专项")
    assert [ws.cell(row, c).value for c in (6, 7, 8)] == ["设立专项。", "资金到位慢。", "下季度验收。"]


@pytest.mark.parametrize("state", [Update.State.DRAFT, Update.State.SUBMITTED, Update.State.RETURNED])
def test_updates_not_approved_are_never_printed(staff_client, plan_2021, task_1, state):
    make_update(task_1, "区科委", 2022, 3, state=state, progress="尚未审核的内容")
    ws = sheet(export(staff_client, plan_2021, period="2022Q3"))
    assert ws.cell(task_row(ws, "设立区级应用场景示范专项"), 6).value is None


def test_status_column_is_the_roll_up_status_as_of_the_quarter_end(staff_client, plan_2021, task_1):
    make_update(task_1, "区科委", 2021, 3, self_status=Update.SelfStatus.ON_TRACK)
    ws = sheet(export(staff_client, plan_2021, period="2021Q3"))
    assert ws.cell(task_row(ws, "设立区级应用场景示范专项"), 9).value == "正常推进"
    assert ws.cell(task_row(ws, "围绕应用场景建设需求，创造新技术"), 9).value == "未启动"


@pytest.mark.parametrize("payload", ["=HYPERLINK(\"http://x\",\"点击\")", "+1+2", "-3+4", "@SUM(A1)", "\t=1", "\r=2"])
def test_text_that_looks_like_a_formula_is_written_as_text(staff_client, plan_2021, task_1, payload):
    make_update(task_1, "区科委", 2022, 3, progress=payload)
    ws = sheet(export(staff_client, plan_2021, period="2022Q3"))
    cell = ws.cell(task_row(ws, "设立区级应用场景示范专项"), 6)
    assert cell.data_type == "s"
    assert cell.value == payload.strip()


def test_a_formula_like_task_text_is_text_too(staff_client, plan_2021, task_1):
    task_1.text = "=1+1 设立专项"
    task_1.save()
    ws = sheet(export(staff_client, plan_2021, period="2022Q3"))
    cell = ws["C5"]
    assert (cell.value, cell.data_type) == ("=1+1 设立专项", "s")


def test_control_characters_excel_refuses_are_dropped_not_fatal(staff_client, plan_2021, task_1):
    make_update(task_1, "区科委", 2022, 3, progress="进展\x0b顺利\x1f")
    ws = sheet(export(staff_client, plan_2021, period="2022Q3"))
    assert ws.cell(task_row(ws, "设立区级应用场景示范专项"), 6).value == "进展顺利"


def test_the_sheet_prints_landscape_one_page_wide_with_the_header_repeated(staff_client, plan_2021):
    ws = sheet(export(staff_client, plan_2021, period="2022Q3"))
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$3:$3"
    assert ws.column_dimensions["C"].width >= 40 and ws["C5"].alignment.wrap_text


def test_the_list_filters_select_the_exported_tasks(staff_client, plan_2021):
    finance = Unit.objects.get(name="区财政局")
    ws = sheet(export(staff_client, plan_2021, period="2022Q3", unit=finance.pk))
    exported = [r[2] for r in ws.iter_rows(min_row=4, values_only=True) if r[2]]
    expected = SpecificTask.objects.filter(work_task__section__plan=plan_2021, responsibilities__unit=finance)
    assert len(exported) == expected.count() == 2


def test_the_status_filter_selects_on_the_exported_quarter(staff_client, plan_2021, task_1):
    make_update(task_1, "区科委", 2021, 3, self_status=Update.SelfStatus.ON_TRACK)
    ws = sheet(export(staff_client, plan_2021, period="2021Q3", status="on_track"))
    exported = [r[2] for r in ws.iter_rows(min_row=4, values_only=True) if r[2]]
    assert exported == [task_1.text]


def test_without_a_period_the_current_reporting_quarter_is_exported(staff_client, plan_2021):
    response = export(staff_client, plan_2021)
    assert "2023Q4.xlsx" in response["Content-Disposition"]  # the plan ended in 2023


@pytest.mark.parametrize("period", ["2022Q5", "abc", "2030Q1"])
def test_a_bad_quarter_goes_back_with_a_message(staff_client, plan_2021, period):
    response = export(staff_client, plan_2021, period=period)
    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages and ("季度" in messages[0] or "年份" in messages[0] or "2030" in messages[0])


def test_the_plan_in_the_address_wins_over_one_in_the_query(staff_client, plan_2021, plan_2025):
    url = reverse("tasks:excel_progress_export", args=[plan_2021.pk])
    ws = sheet(staff_client.get(url, {"period": "2022Q3", "plan": plan_2025.pk}))
    assert ws["A1"].value.startswith(plan_2021.title)


def test_leadership_and_units_may_not_export(client, leader, lead_reporter, plan_2021):
    for user in (leader, lead_reporter):
        client.force_login(user)
        assert export(client, plan_2021).status_code == 403


def test_export_is_a_get(staff_client, plan_2021):
    response = staff_client.post(reverse("tasks:excel_progress_export", args=[plan_2021.pk]))
    assert response.status_code == 405


def test_query_count_does_not_grow_with_the_number_of_tasks(staff_client, plan_2021, django_assert_num_queries):
    few, many = Unit.objects.get(name="区财政局"), Unit.objects.get(name="区科委")
    for task in SpecificTask.objects.filter(work_task__section__plan=plan_2021)[:10]:
        make_update(task, many, 2022, 3)
    # session, user, plan, the filter's plan list and its check of the plan and the unit, tasks,
    # responsibilities, milestones, updates, and the session saved again (three statements)
    with django_assert_num_queries(13):
        export(staff_client, plan_2021, period="2022Q3", unit=few.pk)
    with django_assert_num_queries(13):
        export(staff_client, plan_2021, period="2022Q3", unit=many.pk)


def test_plan_page_links_staff_to_the_excel_page(staff_client, plan_2021):
    body = staff_client.get(reverse("tasks:plan_detail", args=[plan_2021.pk])).content.decode()
    assert reverse("tasks:plan_excel", args=[plan_2021.pk]) in body


def test_excel_page_offers_the_export_with_quarters_and_filters(staff_client, plan_2021):
    body = staff_client.get(reverse("tasks:plan_excel", args=[plan_2021.pk])).content.decode()
    assert reverse("tasks:excel_progress_export", args=[plan_2021.pk]) in body
    assert 'value="2022Q3"' in body and 'name="unit"' in body


def test_leadership_gets_403_on_the_excel_page(client, leader, plan_2021):
    client.force_login(leader)
    assert client.get(reverse("tasks:plan_excel", args=[plan_2021.pk])).status_code == 403
