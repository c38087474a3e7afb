"""
Excel in, for updates: a unit downloads its quarter's template, fills it in
offline and uploads it; confirming creates or refreshes its drafts, never a
submitted or approved update, and all of it or nothing.
"""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from indicators.models import Contribution, Indicator
from tasks import services
from tasks.models import ImportBatch, SpecificTask, Update, UpdateEvent
from tests.factories import make_update

PERIOD = "2022Q3"


def template(client, plan, period=PERIOD) -> bytes:
    response = client.get(reverse("tasks:excel_update_template", args=[plan.pk]), {"period": period})
    assert response.status_code == 200, response
    return b"".join(response.streaming_content)


def fill(data: bytes, rows: dict[str, dict], *, add_rows=()) -> bytes:
    """Fill cells by task code: {"1": {"进展情况": "…", "指标：…（项）": 3}}; add_rows appends raw rows."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["季度进展"]
    headers = [c.value for c in ws[3]]
    for row in ws.iter_rows(min_row=4):
        values = rows.get(str(row[0].value))
        for header, value in (values or {}).items():
            row[headers.index(header)].value = value
    for raw in add_rows:
        ws.append(raw)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(client, plan, data: bytes, period=PERIOD):
    return client.post(
        reverse("tasks:excel_updates_import", args=[plan.pk]),
        {"period": period, "file": SimpleUploadedFile("季度进展.xlsx", data)},
    )


def confirm(client, batch):
    return client.post(reverse("tasks:excel_batch_confirm", args=[batch.pk]))


def last_batch():
    return ImportBatch.objects.order_by("-pk").first()


def row_of(batch, code):
    return next(r for r in batch.payload["rows"] if r["code"] == code)


@pytest.fixture
def reporter(client, lead_reporter):
    client.force_login(lead_reporter)
    return client


@pytest.fixture
def indicator(plan_2021):
    return Indicator.objects.get(plan=plan_2021, name="落地区级应用场景示范项目")


FILLED = {"进展情况": "设立专项，储备项目20个。", "存在问题": "无", "下步计划": "开展评审。", "自评状态": "正常推进"}


# The template ------------------------------------------------------------------------------------------


def test_the_template_lists_the_units_tasks_with_this_years_milestones(reporter, plan_2021, lead_reporter):
    wb = openpyxl.load_workbook(io.BytesIO(template(reporter, plan_2021)))
    ws = wb["季度进展"]
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True)]
    own = SpecificTask.objects.filter(work_task__section__plan=plan_2021, responsibilities__unit=lead_reporter.unit)
    assert len(rows) == own.count()
    first = rows[0]
    assert first[:2] == ("1", "（一）推进应用场景示范项目建设")
    assert first[3] == "2022年12月31日：落地区级应用场景示范项目不少于15项"
    assert first[4] == "牵头单位"


def test_the_template_has_indicator_columns_and_a_status_drop_down(reporter, plan_2021):
    ws = openpyxl.load_workbook(io.BytesIO(template(reporter, plan_2021)))["季度进展"]
    headers = [c.value for c in ws[3]]
    assert headers[6:10] == ["进展情况", "存在问题", "下步计划", "自评状态"]
    assert "指标：落地区级应用场景示范项目（项）" in headers
    assert ws.data_validations.dataValidation[0].formula1 == '"正常推进,滞后,已完成"'


def test_the_template_is_prefilled_with_the_units_draft(reporter, plan_2021, task_1, indicator):
    make_update(task_1, "区科委", 2022, 3, state=Update.State.DRAFT, progress="已有草稿", contributions={indicator: 4})
    ws = openpyxl.load_workbook(io.BytesIO(template(reporter, plan_2021)))["季度进展"]
    headers = [c.value for c in ws[3]]
    first = [c.value for c in ws[4]]
    assert first[6] == "已有草稿" and first[5] == "草稿"
    assert first[headers.index("指标：落地区级应用场景示范项目（项）")] == 4


def test_the_template_records_plan_quarter_unit_and_revisions(reporter, plan_2021):
    meta = openpyxl.load_workbook(io.BytesIO(template(reporter, plan_2021)))["填报信息"]
    values = {r[0]: r[1] for r in meta.iter_rows(min_row=2, max_row=6, values_only=True)}
    assert (values["季度"], values["单位"], values["计划编号"]) == (PERIOD, "区科委", plan_2021.pk)
    assert meta.sheet_state == "hidden"


def test_a_quarter_not_yet_begun_has_no_template(reporter, plan_2025):
    response = reporter.get(reverse("tasks:excel_update_template", args=[plan_2025.pk]), {"period": "2027Q4"})
    assert response.status_code == 302


def test_only_unit_reporters_get_the_template(client, staff, leader, plan_2021):
    for user in (staff, leader):
        client.force_login(user)
        url = reverse("tasks:excel_update_template", args=[plan_2021.pk])
        assert client.get(url, {"period": PERIOD}).status_code == 403
        assert client.get(reverse("tasks:excel_updates_import", args=[plan_2021.pk])).status_code == 403


def test_template_query_count_does_not_grow_with_the_number_of_tasks(
    client, lead_reporter, co_reporter, plan_2021, django_assert_num_queries
):
    counts = []
    for user in (co_reporter, lead_reporter):  # 2 tasks and 22
        client.force_login(user)
        with django_assert_num_queries(12) as captured:
            template(client, plan_2021)
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


# Uploading and confirming ----------------------------------------------------------------------------------


def test_filled_rows_become_drafts_and_empty_rows_are_skipped(reporter, plan_2021, task_1, lead_reporter, indicator):
    data = fill(template(reporter, plan_2021), {"1": {**FILLED, "指标：落地区级应用场景示范项目（项）": 3, "说明：落地区级应用场景示范项目": "立项3项"}})
    upload(reporter, plan_2021, data)
    batch = last_batch()
    assert batch.errors == [] and row_of(batch, "1")["action"] == "create"
    assert Update.objects.count() == 0  # nothing before confirming
    confirm(reporter, batch)
    update = Update.objects.get()
    assert (update.task, update.unit, update.state, update.progress, update.self_status) == (
        task_1,
        lead_reporter.unit,
        Update.State.DRAFT,
        "设立专项，储备项目20个。",
        "on_track",
    )
    assert Contribution.objects.get(update=update, indicator=indicator).value == 3
    assert update.events.filter(action=UpdateEvent.Action.IMPORTED).exists()


def test_a_draft_is_refreshed_from_the_sheet(reporter, plan_2021, task_1, lead_reporter):
    draft = make_update(task_1, "区科委", 2022, 3, state=Update.State.DRAFT, progress="旧的", user=lead_reporter)
    data = fill(template(reporter, plan_2021), {"1": {"进展情况": "新的"}})
    upload(reporter, plan_2021, data)
    assert row_of(last_batch(), "1")["action"] == "update"
    confirm(reporter, last_batch())
    draft.refresh_from_db()
    assert draft.progress == "新的" and draft.state == Update.State.DRAFT


def test_a_returned_update_can_be_revised_from_the_sheet(reporter, plan_2021, task_1):
    returned = make_update(task_1, "区科委", 2022, 3, state=Update.State.RETURNED, progress="被退回")
    upload(reporter, plan_2021, fill(template(reporter, plan_2021), {"1": {"进展情况": "已修改"}}))
    confirm(reporter, last_batch())
    returned.refresh_from_db()
    assert returned.progress == "已修改"


@pytest.mark.parametrize("state", [Update.State.SUBMITTED, Update.State.APPROVED])
def test_a_submitted_or_approved_row_left_alone_is_skipped(reporter, plan_2021, task_1, state):
    make_update(task_1, "区科委", 2022, 3, state=state, progress="已提交的内容\r\n第二行")
    upload(reporter, plan_2021, template(reporter, plan_2021))
    batch = last_batch()
    assert batch.errors == [] and row_of(batch, "1")["action"] == "skip"


@pytest.mark.parametrize("state", [Update.State.SUBMITTED, Update.State.APPROVED])
def test_a_submitted_or_approved_row_changed_is_an_error(reporter, plan_2021, task_1, state):
    update = make_update(task_1, "区科委", 2022, 3, state=state, progress="已提交的内容")
    upload(reporter, plan_2021, fill(template(reporter, plan_2021), {"1": {"进展情况": "改过了"}}))
    batch = last_batch()
    assert [e["row"] for e in batch.errors] == [4]
    confirm(reporter, batch)
    update.refresh_from_db()
    assert update.progress == "已提交的内容"


def test_a_draft_changed_online_after_the_download_is_an_error(reporter, plan_2021, task_1, lead_reporter):
    draft = make_update(task_1, "区科委", 2022, 3, state=Update.State.DRAFT, progress="网页上写的")
    data = template(reporter, plan_2021)
    services.update_save_draft(update=draft, user=lead_reporter, data={"progress": "又改了"}, revision=draft.revision)
    upload(reporter, plan_2021, fill(data, {"1": {"进展情况": "表格里写的"}}))
    assert "之后" in last_batch().errors[0]["message"]


def test_a_draft_changed_after_the_upload_refuses_the_stale_batch(reporter, plan_2021, task_1, lead_reporter):
    draft = make_update(task_1, "区科委", 2022, 3, state=Update.State.DRAFT, progress="网页上写的")
    upload(reporter, plan_2021, fill(template(reporter, plan_2021), {"1": {"进展情况": "表格里写的"}}))
    services.update_save_draft(update=draft, user=lead_reporter, data={"progress": "又改了"}, revision=draft.revision)
    response = confirm(reporter, last_batch())
    draft.refresh_from_db()
    assert draft.progress == "又改了" and response.status_code == 302
    assert last_batch().status == ImportBatch.Status.PENDING


def test_a_row_for_a_task_the_unit_does_not_own_is_an_error(client, co_reporter, plan_2021):
    client.force_login(co_reporter)
    data = fill(template(client, plan_2021), {}, add_rows=[["3", "", "", "", "", "", "我们也做了", "", "", ""]])
    upload(client, plan_2021, data)
    batch = last_batch()
    assert batch.errors[0]["row"] == 6 and "不是" in batch.errors[0]["message"]


@pytest.mark.parametrize(
    "cells, words",
    [
        ({"自评状态": "差不多"}, "自评状态"),
        ({"指标：落地区级应用场景示范项目（项）": "三个"}, "不是数字"),
        ({"指标：落地区级应用场景示范项目（项）": -2}, "负"),
    ],
)
def test_bad_values_are_row_errors_from_the_services_own_checks(reporter, plan_2021, cells, words):
    upload(reporter, plan_2021, fill(template(reporter, plan_2021), {"1": {**FILLED, **cells}}))
    batch = last_batch()
    assert [e["row"] for e in batch.errors] == [4] and words in batch.errors[0]["message"]
    assert Update.objects.count() == 0


def test_an_indicator_the_task_does_not_feed_is_an_error(reporter, plan_2021):
    other = Indicator.objects.get(plan=plan_2021, name="支持科技成果转移转化示范项目")
    data = fill(template(reporter, plan_2021), {"1": {**FILLED, f"指标：{other.name}（{other.measure}）": 2}})
    upload(reporter, plan_2021, data)
    assert "不对应" in last_batch().errors[0]["message"] or other.name in last_batch().errors[0]["message"]


def test_another_quarters_template_is_refused(reporter, plan_2021):
    response = upload(reporter, plan_2021, template(reporter, plan_2021, period="2022Q2"), period=PERIOD)
    assert "2022Q2" in response.content.decode() and ImportBatch.objects.count() == 0


def test_another_units_template_is_refused(client, lead_reporter, co_reporter, plan_2021):
    client.force_login(co_reporter)
    data = template(client, plan_2021)
    client.force_login(lead_reporter)
    response = upload(client, plan_2021, data)
    assert "区财政局" in response.content.decode() and ImportBatch.objects.count() == 0


def test_the_progress_table_is_not_an_update_template(client, staff, lead_reporter, plan_2021):
    client.force_login(staff)
    table = b"".join(client.get(reverse("tasks:excel_progress_export", args=[plan_2021.pk])).streaming_content)
    client.force_login(lead_reporter)
    response = upload(client, plan_2021, table)
    assert "编号、工作任务" in response.content.decode() and ImportBatch.objects.count() == 0


def test_all_rows_or_none(reporter, plan_2021, monkeypatch):
    data = fill(template(reporter, plan_2021), {"1": FILLED, "2": FILLED})
    upload(reporter, plan_2021, data)
    real = services.update_save_draft
    calls = []

    def fail_on_second(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("database went away")
        return real(**kwargs)

    monkeypatch.setattr(services, "update_save_draft", fail_on_second)
    reporter.raise_request_exception = False
    confirm(reporter, last_batch())
    assert Update.objects.count() == 0 and last_batch().status == ImportBatch.Status.PENDING


def test_another_units_batch_is_404_and_leadership_403(client, lead_reporter, co_reporter, outsider, leader, plan_2021):
    client.force_login(lead_reporter)
    upload(client, plan_2021, fill(template(client, plan_2021), {"1": FILLED}))
    batch = last_batch()
    client.force_login(co_reporter)
    assert client.get(reverse("tasks:excel_batch", args=[batch.pk])).status_code == 404
    assert confirm(client, batch).status_code == 404
    client.force_login(leader)
    assert confirm(client, batch).status_code == 403
    assert Update.objects.count() == 0


def test_confirm_rejects_get(reporter, plan_2021):
    upload(reporter, plan_2021, fill(template(reporter, plan_2021), {"1": FILLED}))
    assert reporter.get(reverse("tasks:excel_batch_confirm", args=[last_batch().pk])).status_code == 405


def test_preview_shows_each_rows_result(reporter, plan_2021):
    upload(reporter, plan_2021, fill(template(reporter, plan_2021), {"1": FILLED}))
    body = reporter.get(reverse("tasks:excel_batch", args=[last_batch().pk])).content.decode()
    assert "设立专项，储备项目20个。" in body and "新建草稿" in body


def test_the_excel_page_offers_units_the_template(reporter, plan_2021):
    body = reporter.get(reverse("tasks:plan_excel", args=[plan_2021.pk])).content.decode()
    assert reverse("tasks:excel_update_template", args=[plan_2021.pk]) in body
