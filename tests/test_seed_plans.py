import io
import re

import pytest
from django.core.management import call_command

from indicators.models import Indicator
from tasks.models import Milestone, Plan, Responsibility, Section, SpecificTask, WorkTask
from units.models import Unit

from .conftest import SEEDS_DIR


def tasks_of(plan):
    return SpecificTask.objects.filter(work_task__section__plan=plan)


def lead_of(plan, code):
    task = next(t for t in tasks_of(plan).select_related("work_task") if t.code == code)
    return task.responsibilities.get(role=Responsibility.Role.LEAD).unit.name


def targets(plan, name):
    indicator = Indicator.objects.get(plan=plan, name=name)
    return {t.year: int(t.value) for t in indicator.targets.all()}


def test_2021_plan_metadata(plan_2021):
    assert plan_2021.title == "大兴区科技引领三年行动计划（2021-2023）"
    assert plan_2021.issue_date.isoformat() == "2021-04-12"
    assert (plan_2021.start_year, plan_2021.end_year) == (2021, 2023)


def test_2021_outline_counts(plan_2021):
    assert Section.objects.filter(plan=plan_2021).count() == 5
    assert WorkTask.objects.filter(section__plan=plan_2021).count() == 14
    assert tasks_of(plan_2021).count() == 28
    assert Milestone.objects.filter(task__work_task__section__plan=plan_2021).count() == 84


def test_2021_has_every_responsible_unit(plan_2021):
    names = set(Unit.objects.filter(responsibilities__task__work_task__section__plan=plan_2021).values_list("name", flat=True))
    assert len(names) == 20
    assert {"区科委", "市规划自然资源委大兴分局", "区保障房公司", "区公安分局"} <= names


def test_2021_numbering_as_printed(plan_2021):
    work_task = WorkTask.objects.get(section__plan=plan_2021, seq=14)
    assert (work_task.number, work_task.section.number) == ("（十四）", "五")
    assert [t.number for t in work_task.specific_tasks.order_by("order")] == ["1.", "2.", "3.", "4."]


@pytest.mark.parametrize(
    "code, lead",
    [("1", "区科委"), ("10-2", "大兴发展"), ("11-1", "大兴投资"), ("12", "区委组织部"), ("14-2", "区住房城乡建设委")],
)
def test_2021_lead_units_follow_the_appendix(plan_2021, code, lead):
    assert lead_of(plan_2021, code) == lead


def test_2021_co_units_in_printed_order(plan_2021):
    task = next(t for t in tasks_of(plan_2021).select_related("work_task") if t.code == "2")
    names = [r.unit.name for r in task.responsibilities.order_by("order")]
    assert names == ["区科委", "区发展改革委", "区财政局", "区新兴产业促进服务中心", "区统计局", "区商务局"]


def test_2021_milestones_worded_as_printed(task_1):
    milestones = list(task_1.milestones.order_by("year"))
    assert [m.due_date.isoformat() for m in milestones] == ["2021-12-31", "2022-12-31", "2023-12-31"]
    assert milestones[1].text == "落地区级应用场景示范项目不少于15项"


def test_2021_deadline_and_continuing_flag(plan_2021):
    continuing = [t.code for t in tasks_of(plan_2021).select_related("work_task") if t.continues_after_deadline]
    assert continuing == ["5-1", "6-2", "6-3", "10-2", "13-1"]


def test_2021_indicator_yearly_values(plan_2021):
    assert Indicator.objects.filter(plan=plan_2021).count() == 11
    assert targets(plan_2021, "落地区级应用场景示范项目") == {2022: 15, 2023: 30}
    assert targets(plan_2021, "承接落地成果") == {2022: 3, 2023: 10}
    assert targets(plan_2021, "建成国际人才公寓") == {2023: 200}


def test_per_year_indicator(plan_2021):
    indicator = Indicator.objects.get(plan=plan_2021, name="大兴区政府特聘岗聘用人数")
    assert indicator.mode == Indicator.Mode.PER_YEAR
    assert targets(plan_2021, indicator.name) == {2021: 1, 2022: 1, 2023: 1}


def test_2025_draft_outline(plan_2025):
    assert plan_2025.status == Plan.Status.DRAFT
    actions = Section.objects.filter(plan=plan_2025, kind=Section.Kind.ACTION)
    assert actions.count() == 6
    safeguards = WorkTask.objects.filter(section__plan=plan_2025, section__kind=Section.Kind.SAFEGUARD)
    assert list(safeguards.values_list("title", flat=True)) == ["加强工作统筹", "加强政策保障", "加强示范推广"]
    assert Milestone.objects.filter(task__work_task__section__plan=plan_2025).count() == 0


def test_2025_district_targets_for_2027(plan_2025):
    values = {i.name: targets(plan_2025, i.name) for i in Indicator.objects.filter(plan=plan_2025)}
    assert values == {
        "建成高校院所与企业合作平台": {2027: 50},
        "承接“三城一区”成果转化项目落地": {2027: 100},
        "推动转化孵化科技型企业": {2027: 200},
        "认定国高新技术企业": {2027: 300},
        "专精特新企业": {2027: 30},
    }


def test_second_load_changes_nothing_and_says_so(plan_2021):
    before = (Plan.objects.count(), SpecificTask.objects.count(), Milestone.objects.count(), Unit.objects.count())
    out = io.StringIO()
    call_command("load_plans", stdout=out)
    assert "已存在，未作改动" in out.getvalue()
    assert (Plan.objects.count(), SpecificTask.objects.count(), Milestone.objects.count(), Unit.objects.count()) == before


def _document(name):
    path = SEEDS_DIR / name
    if not path.exists():
        pytest.skip(f"the source document {path} is not beside the project")
    return re.sub(r"\s+", "", path.read_text(encoding="utf-8"))


def test_2021_wording_is_verbatim_from_the_document(plan_2021):
    document = _document("002_7768d8b3e00303ae.txt")
    for task in tasks_of(plan_2021).prefetch_related("milestones"):
        assert re.sub(r"\s+", "", task.text) in document, task.code
        for milestone in task.milestones.all():
            assert re.sub(r"\s+", "", milestone.text) in document, (task.code, milestone.year)


def test_2025_wording_is_verbatim_from_the_document(plan_2025):
    document = _document("000_f6d45adbe26f0ed3.txt")
    for task in tasks_of(plan_2025):
        assert task.text in document
    for indicator in Indicator.objects.filter(plan=plan_2025):
        assert indicator.source_text in document
