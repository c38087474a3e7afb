"""The plan dashboard (indicators.views.plan_dashboard): what a leader reads in one minute."""

import json
import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from tasks.models import SpecificTask, Update
from tasks.rollup import IndicatorState, TaskStatus

from .factories import make_update

SHANGHAI = ZoneInfo("Asia/Shanghai")


def url(plan, as_of=""):
    return reverse("indicators:plan_dashboard", args=[plan.pk]) + (f"?as_of={as_of}" if as_of else "")


def row_of(response, indicator):
    return next(row for row in response.context["dashboard"].indicators if row.indicator.pk == indicator.pk)


def test_an_indicator_shows_its_targets_actual_percent_and_state_in_colour_and_word(as_leader, plan_2021, task_1, scenes):
    make_update(task_1, "区科委", 2022, 1, contributions={scenes: 9})
    make_update(task_1, "区财政局", 2022, 2, contributions={scenes: 6})
    response = as_leader.get(url(plan_2021, "2022Q2"))
    progress = row_of(response, scenes).progress
    assert (progress.actual, progress.year_target, progress.final_target) == (15, 15, 30)
    assert (progress.percent, progress.state) == (100.0, IndicatorState.REACHED)
    assert re.search(r'class="badge state-badge state-reached">已达标<', response.content.decode())


def test_an_indicator_below_the_straight_line_is_a_warning(as_leader, plan_2021, task_1, scenes):
    make_update(task_1, "区科委", 2022, 2, contributions={scenes: 10})
    response = as_leader.get(url(plan_2021, "2022Q2"))
    progress = row_of(response, scenes).progress
    assert progress.state == IndicatorState.WARNING
    assert progress.expected_percent > progress.percent
    assert "state-warning" in response.content.decode()


def test_as_of_a_past_quarter_ignores_what_came_after(as_leader, plan_2021, task_1, scenes):
    make_update(task_1, "区科委", 2022, 4, contributions={scenes: 5})
    make_update(task_1, "区科委", 2023, 1, contributions={scenes: 20})
    response = as_leader.get(url(plan_2021, "2022Q4"))
    assert row_of(response, scenes).progress.actual == 5
    assert response.context["dashboard"].as_of == date(2022, 12, 31)
    assert "数据截至2022年12月31日" in response.content.decode()


def test_contributions_not_yet_approved_are_not_counted(as_leader, plan_2021, task_1, scenes):
    make_update(task_1, "区科委", 2022, 1, contributions={scenes: 7}, state=Update.State.SUBMITTED)
    assert row_of(as_leader.get(url(plan_2021, "2022Q2")), scenes).progress.actual == 0


def test_a_bad_as_of_gets_a_chinese_message_and_todays_figures(as_leader, plan_2021, monkeypatch):
    monkeypatch.setattr("indicators.views.today", lambda: date(2026, 11, 21))
    response = as_leader.get(url(plan_2021, "2022Q7"))
    assert response.status_code == 200
    assert "“2022Q7”不是有效的季度" in response.content.decode()
    assert response.context["dashboard"].as_of == date(2026, 11, 21)


def test_the_trend_has_the_value_at_the_end_of_each_quarter(as_leader, plan_2021, task_1, scenes):
    make_update(task_1, "区科委", 2021, 2, contributions={scenes: 2})
    make_update(task_1, "区科委", 2021, 4, contributions={scenes: 3})
    response = as_leader.get(url(plan_2021, "2022Q1"))
    assert [p.label for p in response.context["dashboard"].periods][-1] == "2022Q1"
    cells = [cell["value"] for cell in row_of(response, scenes).trend_cells]
    assert cells == [0, 2, 2, 5, 5]


def test_specific_tasks_are_counted_by_status_overall_and_by_section(as_leader, plan_2021, task_1):
    make_update(task_1, "区科委", 2021, 3, self_status=Update.SelfStatus.BEHIND)
    other = SpecificTask.objects.get(work_task__section__plan=plan_2021, work_task__seq=3)
    make_update(other, "区科委", 2021, 3)
    dashboard = as_leader.get(url(plan_2021, "2021Q3")).context["dashboard"]
    assert dashboard.task_counts.counts[TaskStatus.BEHIND] == 1
    assert dashboard.task_counts.counts[TaskStatus.ON_TRACK] == 1
    assert dashboard.task_counts.counts[TaskStatus.NOT_STARTED] == 26
    first_section = dashboard.sections[0]
    assert (first_section.section.number, first_section.counts.counts[TaskStatus.BEHIND]) == ("一", 1)


def test_milestones_of_the_year_met_on_time_met_late_and_late(as_leader, plan_2021, task_1):
    make_update(task_1, "区科委", 2021, 4, claims=[task_1.milestones.get(year=2021)])
    other = SpecificTask.objects.get(work_task__section__plan=plan_2021, work_task__seq=3)
    make_update(other, "区科委", 2022, 1, claims=[other.milestones.get(year=2021)])
    milestones = as_leader.get(url(plan_2021, "2022Q1")).context["dashboard"].milestones
    # Viewed in 2022Q1, "this year" is 2022: its milestones are all still to come.
    assert (milestones.year, milestones.pending, milestones.met_on_time) == (2022, 28, 0)
    milestones = as_leader.get(url(plan_2021, "2021Q4")).context["dashboard"].milestones
    assert (milestones.met_on_time, milestones.met_late, milestones.late, milestones.pending) == (1, 0, 0, 27)


def test_units_with_the_most_late_or_missing_reports_come_first(as_leader, plan_2021):
    # By the end of 2021Q2 the 2021Q1 reports (due 2021-04-05) are owed. 区委组织部 leads 3 tasks and reports
    # all of them late; 区科委 leads 18 and reports none; 大兴发展 reports its one task on time.
    late = datetime(2021, 4, 20, 10, tzinfo=SHANGHAI)
    for task in SpecificTask.objects.filter(responsibilities__unit__name="区委组织部", responsibilities__role="lead"):
        make_update(task, "区委组织部", 2021, 1, submitted_at=late)
    on_time = datetime(2021, 4, 2, 10, tzinfo=SHANGHAI)
    task = SpecificTask.objects.get(responsibilities__unit__name="大兴发展", responsibilities__role="lead")
    make_update(task, "大兴发展", 2021, 1, submitted_at=on_time)
    rows = as_leader.get(url(plan_2021, "2021Q2")).context["dashboard"].unit_reports
    summary = {row.unit.name: (row.card.late, row.card.missing) for row in rows}
    assert rows[0].unit.name == "区科委"
    assert summary["区科委"] == (0, 18)
    assert summary["区委组织部"] == (3, 0)
    assert "大兴发展" not in summary


def test_what_changed_since_last_quarter(as_leader, plan_2021, task_1, scenes):
    make_update(task_1, "区科委", 2022, 2, contributions={scenes: 4})
    make_update(task_1, "区科委", 2022, 3, contributions={scenes: 6}, self_status=Update.SelfStatus.BEHIND)
    dashboard = as_leader.get(url(plan_2021, "2022Q3")).context["dashboard"]
    assert dashboard.previous_as_of == date(2022, 6, 30)
    change = next(row for row in dashboard.changed_indicators if row.indicator.pk == scenes.pk)
    assert (change.previous.actual, change.progress.actual, change.change) == (4, 10, 6)
    # task 1 was behind already (its 2021 milestone is late), so its status did not change; nothing else moved.
    assert [c.task.pk for c in dashboard.status_changes] == []


def test_a_task_whose_status_moved_is_listed_with_before_and_after(as_leader, plan_2021):
    task = SpecificTask.objects.get(work_task__section__plan=plan_2021, work_task__seq=3)
    make_update(task, "区科委", 2021, 3)
    response = as_leader.get(url(plan_2021, "2021Q3"))
    change = response.context["dashboard"].status_changes[0]
    assert (change.task.pk, change.before, change.after) == (task.pk, TaskStatus.NOT_STARTED, TaskStatus.ON_TRACK)
    assert reverse("tasks:task_detail", args=[task.pk]) + "?as_of=2021Q3" in response.content.decode()


def test_indicators_and_sections_link_to_their_drill_down(as_leader, plan_2021, scenes):
    body = as_leader.get(url(plan_2021, "2022Q4")).content.decode()
    assert reverse("indicators:indicator_detail", args=[scenes.pk]) + "?as_of=2022Q4" in body
    section = plan_2021.sections.get(number="二")
    assert reverse("indicators:section_detail", args=[section.pk]) + "?as_of=2022Q4" in body


def test_the_draft_plan_shows_its_five_2027_targets_and_a_straight_line_target_for_the_year(as_leader, plan_2025, monkeypatch):
    monkeypatch.setattr("indicators.views.today", lambda: date(2026, 11, 21))
    response = as_leader.get(url(plan_2025))
    rows = response.context["dashboard"].indicators
    assert len(rows) == 5
    platforms = next(r.progress for r in rows if r.indicator.name == "建成高校院所与企业合作平台")
    # 50 by the end of 2027, from 0 at the start of 2025: 2/3 of the way by the end of 2026.
    assert (platforms.year, platforms.final_target, platforms.year_target_stated) == (2026, 50, False)
    assert round(platforms.year_target, 2) == Decimal("33.33")
    assert 'title="计划未规定当年目标' in response.content.decode()


def test_chart_data_comes_through_json_script_with_the_same_numbers_as_the_table(as_leader, plan_2021, task_1, scenes):
    make_update(task_1, "区科委", 2022, 2, contributions={scenes: 6})
    response = as_leader.get(url(plan_2021, "2022Q2"))
    body = response.content.decode()
    blob = re.search(r'<script id="dashboard-charts" type="application/json">(.*?)</script>', body, re.S).group(1)
    charts = json.loads(blob)
    chart_row = next(i for i in charts["indicators"] if i["name"] == scenes.name)
    assert chart_row["percent"] == row_of(response, scenes).progress.percent == 40.0
    assert charts["labels"]["percent"] == "完成率"
    assert sum(s["value"] for s in charts["statuses"]) == 28
    assert 'data-chart="trend"' in body and 'data-chart="sections"' in body


def test_the_page_has_no_inline_script_and_loads_the_vendored_echarts(as_leader, plan_2021):
    body = as_leader.get(url(plan_2021)).content.decode()
    for tag in re.findall(r"<script[^>]*>", body):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert "/static/vendor/echarts/echarts.min.js" in body
    assert "/static/js/dashboard.js" in body


def test_it_has_a_print_button_the_print_stylesheet_and_the_excel_export(as_leader, plan_2021):
    body = as_leader.get(url(plan_2021, "2022Q4")).content.decode()
    assert "data-print" in body
    assert "/static/css/dashboard.css" in body
    assert reverse("indicators:plan_export", args=[plan_2021.pk]) + "?as_of=2022Q4" in body


@pytest.mark.parametrize("who", ["staff", "leader", "lead_reporter", "co_reporter", "outsider"])
def test_every_logged_in_role_may_read_it(client, plan_2021, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url(plan_2021)).status_code == 200


def test_anonymous_visitors_are_sent_to_the_login_page(client, plan_2021):
    response = client.get(url(plan_2021))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_is_read_only(as_leader, plan_2021):
    assert as_leader.post(url(plan_2021)).status_code == 405


def test_an_unknown_plan_is_404(as_leader):
    assert as_leader.get(reverse("indicators:plan_dashboard", args=[999999])).status_code == 404
