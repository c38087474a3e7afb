"""
Excel in, for plans: a progress table becomes a new plan, or a year's key-task
list is added to an existing one; preview first, then all of it or nothing.
"""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tasks import excel_import, services
from tasks.models import ImportBatch, Milestone, Plan, Responsibility, Section, SpecificTask
from units.models import Unit

HEADERS = ["序号", "工作任务", "具体任务", "年度任务", "责任单位"]


def xlsx(rows, *, sheet="任务进度表", headers=HEADERS, merges=()) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(headers)
    for row in rows:
        ws.append(list(row))
    for ref in merges:
        ws.merge_cells(ref)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(data: bytes, name="进度表.xlsx"):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def outline(plan):
    """Everything the round trip must keep, in order."""
    result = []
    for section in plan.sections.order_by("order"):
        work_tasks = []
        for wt in section.work_tasks.order_by("seq"):
            tasks = []
            for t in wt.specific_tasks.order_by("order"):
                units = [(r.unit.name, r.role) for r in t.responsibilities.order_by("order").select_related("unit")]
                milestones = [(m.year, m.due_date, m.text) for m in t.milestones.order_by("year", "order")]
                tasks.append((t.number, t.text, units, milestones))
            work_tasks.append((wt.seq, wt.number, wt.title, tasks))
        result.append((section.number, section.title, section.kind, work_tasks))
    return result


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def import_plan(client, data, title="导入的计划", start=2021, end=2023):
    return client.post(
        reverse("tasks:excel_plan_import"),
        {"file": upload(data), "title": title, "start_year": start, "end_year": end},
    )


def last_batch():
    return ImportBatch.objects.order_by("-pk").first()


def confirm(client, batch, **units):
    return client.post(reverse("tasks:excel_batch_confirm", args=[batch.pk]), units)


# The round trip ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["plan_2021", "plan_2025"])
def test_an_exported_plan_imports_as_the_same_outline_milestones_and_units(staff_client, request, which):
    plan = request.getfixturevalue(which)
    exported = staff_client.get(reverse("tasks:excel_progress_export", args=[plan.pk]))
    response = import_plan(staff_client, b"".join(exported.streaming_content), start=plan.start_year, end=plan.end_year)
    batch = last_batch()
    assert response.status_code == 302 and batch.errors == []
    confirm(staff_client, batch)
    copy = Plan.objects.get(title="导入的计划")
    assert outline(copy) == outline(plan)


def test_preview_shows_what_will_be_created_and_writes_nothing(staff_client, plan_2021):
    exported = staff_client.get(reverse("tasks:excel_progress_export", args=[plan_2021.pk]))
    response = import_plan(staff_client, b"".join(exported.streaming_content))
    body = staff_client.get(response.url).content.decode()
    assert "5 个篇章、14 项工作任务、28 项具体任务、84 项年度任务" in body
    assert not Plan.objects.filter(title="导入的计划").exists()


def test_the_appendix_itself_without_section_rows_imports_as_one_section(staff_client):
    data = xlsx(
        [
            [1, "推进应用场景示范项目建设", "设立专项。", "2021年12月31日：完成设立；\n2022年12月31日：落地15项", "区科委、区财政局"],
            [2, "引导科技型企业", "围绕需求。", "2021年12月31日： 厘清需求", "区科委、"],
            [None, None, "第二项。", "2021年12月31日：另一项", "区科委"],
        ],
        merges=["A3:A4", "B3:B4"],
    )
    import_plan(staff_client, data)
    confirm(staff_client, last_batch())
    plan = Plan.objects.get(title="导入的计划")
    assert [(s.title, s.work_tasks.count()) for s in plan.sections.all()] == [("工作任务", 2)]
    second = SpecificTask.objects.get(work_task__section__plan=plan, work_task__seq=2, order=1)
    assert second.text == "第二项。"
    milestones = Milestone.objects.filter(task__work_task__section__plan=plan, year=2021)
    assert list(milestones.values_list("text", flat=True)) == ["完成设立", "厘清需求", "另一项"]


# Row errors ------------------------------------------------------------------------------------------


def test_each_row_gets_its_own_errors_and_nothing_can_be_confirmed(staff_client):
    data = xlsx(
        [
            ["一", "工作任务甲", "任务。", "2021年12月31日：甲", "区科委"],
            [2, "工作任务乙", "", "2021年12月31日：乙", "区科委"],
            [3, "工作任务丙", "任务丙。", "明年完成", "区科委"],
            [4, "工作任务丁", "任务丁。", "2021年2月30日：丁", "区科委、区科委"],
            [5, "工作任务戊", "任务戊。", "2030年12月31日：戊", "区科委"],
        ]
    )
    import_plan(staff_client, data)
    batch = last_batch()
    assert [e["row"] for e in batch.errors] == [2, 3, 4, 5, 5, 6]
    response = confirm(staff_client, batch)
    assert not Plan.objects.filter(title="导入的计划").exists()
    assert "有错误" in str(list(response.wsgi_request._messages)[0])


def test_preview_lists_row_errors_in_chinese(staff_client):
    import_plan(staff_client, xlsx([[1, "工作任务", "", "", "区科委"]]))
    body = staff_client.get(reverse("tasks:excel_batch", args=[last_batch().pk])).content.decode()
    assert "具体任务为空" in body
    assert "disabled" in body


def test_a_repeated_serial_number_is_an_error(staff_client):
    data = xlsx([[1, "甲", "任务一。", "", ""], [2, "乙", "任务二。", "", ""], [1, "甲", "任务三。", "", ""]])
    import_plan(staff_client, data)
    assert [e["row"] for e in last_batch().errors] == [4]


# Units --------------------------------------------------------------------------------------------------


def test_unknown_units_are_listed_and_can_be_matched_to_an_existing_unit(staff_client):
    import_plan(staff_client, xlsx([[1, "甲", "任务一。", "", "区科学技术委员会、新成立的中心"]]))
    batch = last_batch()
    assert batch.payload["unknown_units"] == ["区科学技术委员会", "新成立的中心"]
    kewei = Unit.objects.get(name="区科委")
    confirm(staff_client, batch, unit_0=kewei.pk, unit_1="")
    task = SpecificTask.objects.get(work_task__section__plan__title="导入的计划")
    assert [(r.unit.name, r.role) for r in task.responsibilities.order_by("order")] == [
        ("区科委", "lead"),
        ("新成立的中心", "co"),
    ]


def test_matching_two_names_to_one_unit_on_a_task_is_refused(staff_client):
    import_plan(staff_client, xlsx([[1, "甲", "任务一。", "", "区科委、区科学技术委员会"]]))
    response = confirm(staff_client, last_batch(), unit_0=Unit.objects.get(name="区科委").pk)
    assert not Plan.objects.filter(title="导入的计划").exists()
    assert response.status_code == 302


def test_a_unit_known_by_its_short_name_is_not_unknown(staff_client):
    unit = Unit.objects.get(name="区经济和信息化局")
    unit.short_name = "经信局"
    unit.save()
    import_plan(staff_client, xlsx([[1, "甲", "任务一。", "", "经信局"]]))
    batch = last_batch()
    assert batch.payload["unknown_units"] == [] and batch.payload["rows"][0]["units"] == ["区经济和信息化局"]


# Confirming --------------------------------------------------------------------------------------------


def test_a_batch_is_applied_once(staff_client):
    import_plan(staff_client, xlsx([[1, "甲", "任务一。", "", "区科委"]]))
    batch = last_batch()
    confirm(staff_client, batch)
    response = confirm(staff_client, batch)
    assert "已经导入" in str(list(response.wsgi_request._messages)[-1])
    assert Plan.objects.filter(title="导入的计划").count() == 1


def test_a_title_taken_after_the_upload_is_refused(staff_client, plan_2021):
    import_plan(staff_client, xlsx([[1, "甲", "任务一。", "", "区科委"]]))
    Plan.objects.create(title="导入的计划", start_year=2021, end_year=2023)
    confirm(staff_client, last_batch())
    assert Section.objects.filter(plan__title="导入的计划").count() == 0
    assert last_batch().status == ImportBatch.Status.PENDING


def test_a_failure_part_way_writes_nothing(staff_client, monkeypatch):
    import_plan(staff_client, xlsx([[1, "甲", "任务一。", "2021年12月31日：甲", "区科委"]]))
    real = services.plan_import

    def fail_after_writing(**kwargs):
        real(**kwargs)
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "plan_import", fail_after_writing)
    staff_client.raise_request_exception = False
    confirm(staff_client, last_batch())
    assert not Plan.objects.filter(title="导入的计划").exists()
    assert last_batch().status == ImportBatch.Status.PENDING


def test_another_staff_members_batch_is_404(client, staff, admin_user):
    client.force_login(staff)
    import_plan(client, xlsx([[1, "甲", "任务一。", "", "区科委"]]))
    batch = last_batch()
    client.force_login(admin_user)
    assert client.get(reverse("tasks:excel_batch", args=[batch.pk])).status_code == 404
    assert confirm(client, batch).status_code == 404


def test_leadership_gets_403_and_units_404(client, staff, leader, lead_reporter):
    client.force_login(staff)
    import_plan(client, xlsx([[1, "甲", "任务一。", "", "区科委"]]))
    batch = last_batch()
    client.force_login(leader)
    assert confirm(client, batch).status_code == 403
    client.force_login(lead_reporter)
    assert confirm(client, batch).status_code == 404


def test_confirm_and_discard_reject_get(staff_client):
    import_plan(staff_client, xlsx([[1, "甲", "任务一。", "", "区科委"]]))
    batch = last_batch()
    assert staff_client.get(reverse("tasks:excel_batch_confirm", args=[batch.pk])).status_code == 405
    assert staff_client.get(reverse("tasks:excel_batch_discard", args=[batch.pk])).status_code == 405


def test_a_discarded_batch_cannot_be_confirmed(staff_client):
    import_plan(staff_client, xlsx([[1, "甲", "任务一。", "", "区科委"]]))
    batch = last_batch()
    staff_client.post(reverse("tasks:excel_batch_discard", args=[batch.pk]))
    confirm(staff_client, batch)
    assert not Plan.objects.filter(title="导入的计划").exists()


def test_only_staff_may_import_a_plan(client, leader, lead_reporter):
    for user in (leader, lead_reporter):
        client.force_login(user)
        assert client.get(reverse("tasks:excel_plan_import")).status_code == 403


def test_the_form_refuses_a_title_already_used(staff_client, plan_2021):
    response = import_plan(staff_client, xlsx([[1, "甲", "任务一。", "", ""]]), title=plan_2021.title)
    assert response.status_code == 200 and ImportBatch.objects.count() == 0


# A year's key-task list for an existing plan ------------------------------------------------------------


def key_tasks(client, plan, data, year=2026):
    return client.post(
        reverse("tasks:excel_key_tasks_import", args=[plan.pk]), {"file": upload(data), "year": year}
    )


def task(plan, seq):
    return SpecificTask.objects.get(work_task__section__plan=plan, work_task__seq=seq)


def test_a_key_task_list_adds_milestones_and_units_to_the_draft_plan(staff_client, plan_2025):
    first, second = task(plan_2025, 1), task(plan_2025, 2)
    data = xlsx(
        [
            [1, first.work_task.title, first.text, "2026年6月30日：完成修订\n2026年12月31日：全面落实", "区科委、区财政局"],
            [2, second.work_task.title, second.text, "建成服务机构1家", "区科委"],
        ]
    )
    key_tasks(staff_client, plan_2025, data)
    confirm(staff_client, last_batch())
    assert [(m.due_date.isoformat(), m.text) for m in first.milestones.all()] == [
        ("2026-06-30", "完成修订"),
        ("2026-12-31", "全面落实"),
    ]
    assert [(m.year, m.text) for m in second.milestones.all()] == [(2026, "建成服务机构1家")]
    assert [(r.unit.name, r.role) for r in first.responsibilities.order_by("order")] == [
        ("区科委", "lead"),
        ("区财政局", "co"),
    ]


def test_importing_the_same_list_again_adds_nothing(staff_client, plan_2025):
    first = task(plan_2025, 1)
    data = xlsx([[1, first.work_task.title, first.text, "2026年12月31日：全面落实", "区科委"]])
    key_tasks(staff_client, plan_2025, data)
    confirm(staff_client, last_batch())
    key_tasks(staff_client, plan_2025, data)
    batch = last_batch()
    assert batch.payload["rows"][0]["new_milestones"] == [] and batch.payload["rows"][0]["new_units"] == []
    confirm(staff_client, batch)
    assert first.milestones.count() == 1 and first.responsibilities.count() == 1


def test_a_row_naming_no_task_of_the_plan_is_an_error(staff_client, plan_2025):
    key_tasks(staff_client, plan_2025, xlsx([[1, "某工作任务", "计划里没有这项任务。", "完成", "区科委"]]))
    batch = last_batch()
    assert batch.errors[0]["row"] == 2 and "没有" in batch.errors[0]["message"]


def test_a_different_lead_unit_is_an_error(staff_client, plan_2021, task_1):
    data = xlsx([[1, task_1.work_task.title, task_1.text, "2022年12月31日：新增", "区财政局、区科委"]])
    key_tasks(staff_client, plan_2021, data, year=2022)
    assert "牵头" in last_batch().errors[0]["message"]


def test_a_plan_changed_after_the_upload_refuses_the_stale_batch(staff_client, plan_2025):
    first = task(plan_2025, 1)
    key_tasks(staff_client, plan_2025, xlsx([[1, first.work_task.title, first.text, "完成", "区科委"]]))
    Milestone.objects.create(task=first, year=2026, due_date="2026-12-31", text="另有人先加的")
    response = confirm(staff_client, last_batch())
    assert "已有变化" in str(list(response.wsgi_request._messages)[-1])
    assert first.milestones.count() == 1 and Responsibility.objects.filter(task=first).count() == 0


def test_a_key_task_failure_part_way_writes_nothing(staff_client, plan_2025, monkeypatch):
    first, second = task(plan_2025, 1), task(plan_2025, 2)
    data = xlsx(
        [[1, first.work_task.title, first.text, "完成", "区科委"], [2, second.work_task.title, second.text, "完成", "新单位"]]
    )
    key_tasks(staff_client, plan_2025, data)
    real_save = Responsibility.save

    def fail_on_second(self, *args, **kwargs):
        if self.task_id == second.pk:
            raise RuntimeError("lost connection")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(Responsibility, "save", fail_on_second)
    staff_client.raise_request_exception = False
    confirm(staff_client, last_batch())
    assert first.milestones.count() == 0 and not Unit.objects.filter(name="新单位").exists()


def test_key_task_service_refuses_a_task_of_another_plan(plan_2021, plan_2025, staff):
    from django.core.exceptions import ValidationError

    other = task(plan_2021, 1)
    with pytest.raises(ValidationError):
        items = [{"task_id": other.pk, "milestones": [], "units": []}]
        services.plan_key_tasks_add(plan=plan_2025, items=items, user=staff)


def test_only_staff_may_import_a_key_task_list(client, leader, lead_reporter, plan_2025):
    for user in (leader, lead_reporter):
        client.force_login(user)
        assert client.get(reverse("tasks:excel_key_tasks_import", args=[plan_2025.pk])).status_code == 403


def test_excel_import_reads_the_units_of_a_task_in_printed_order(staff_client, plan_2021):
    rows, _sections = excel_import.parse_outline(
        excel_import.Table("s", 1, HEADERS, [(2, (1, "甲", "任务。", "", "区科委、区财政局，区统计局"))], []), years=range(2021, 2024)
    )
    assert rows[0]["units"] == ["区科委", "区财政局", "区统计局"]
