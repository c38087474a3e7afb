"""The task page: outline position, units, milestone states, indicators, approved timeline, change history."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tasks.models import Responsibility, Update
from units.models import Unit

from .factories import make_update


def url(task, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("tasks:task_detail", args=[task.pk]) + (f"?{query}" if query else "")


def test_every_logged_in_user_may_read_it(client, outsider, task_1):
    client.force_login(outsider)
    assert client.get(url(task_1)).status_code == 200


def test_an_unknown_task_is_404(as_leader, db):
    assert as_leader.get(reverse("tasks:task_detail", args=[999999])).status_code == 404


def test_it_shows_where_the_task_sits_its_text_deadline_and_units(as_leader, task_1):
    body = as_leader.get(url(task_1)).content.decode()
    for text in ["科技引领三年行动计划（2021-2023）", "一、加快推进应用场景建设", "（一）推进应用场景示范项目建设"]:
        assert text in body.split('class="breadcrumb"')[1].split("</nav>")[0]
    assert "设立区级应用场景示范专项" in body
    assert "2023年12月31日" in body
    units = body.split('id="units"')[1].split('id="milestones"')[0]
    assert "区科委" in units.split("配合单位")[0] and "区财政局" in units.split("配合单位")[1]


def test_each_milestone_is_met_late_or_pending_as_of_the_day_viewed(as_leader, task_1):
    make_update(task_1, "区科委", 2021, 4, claims=[task_1.milestones.get(year=2021)])
    response = as_leader.get(url(task_1, as_of="2023Q1"))
    states = [info.state for _, info in response.context["milestones"]]
    assert states == ["met", "late", "pending"]
    milestones = response.content.decode().split('id="milestones"')[1].split('id="indicators"')[0]
    assert "于2021年第4季度完成" in milestones


def test_it_lists_the_indicators_it_feeds_with_its_approved_contributions(as_leader, task_1, scenes):
    make_update(task_1, "区科委", 2022, 1, contributions={scenes: 6})
    make_update(task_1, "区财政局", 2022, 1, contributions={scenes: 2})
    make_update(task_1, "区科委", 2022, 2, contributions={scenes: 50}, state=Update.State.SUBMITTED)
    response = as_leader.get(url(task_1, as_of="2022Q2"))
    progress, own = response.context["indicators"][0]
    assert (progress.indicator, own, progress.actual, progress.year_target) == (scenes, 8, 8, 15)


def test_the_timeline_shows_approved_updates_only_even_to_staff(client, staff, task_1):
    make_update(task_1, "区科委", 2021, 2, progress="已审核通过的进展")
    make_update(task_1, "区科委", 2021, 3, progress="等待审核的进展", state=Update.State.SUBMITTED)
    make_update(task_1, "区科委", 2021, 4, progress="退回修改的进展", state=Update.State.RETURNED)
    make_update(task_1, "区财政局", 2021, 4, progress="配合单位的草稿", state=Update.State.DRAFT)
    client.force_login(staff)
    body = client.get(url(task_1)).content.decode()
    assert "已审核通过的进展" in body
    for hidden in ["等待审核的进展", "退回修改的进展", "配合单位的草稿"]:
        assert hidden not in body


def test_the_timeline_names_each_units_role_newest_first(as_leader, task_1):
    make_update(task_1, "区科委", 2021, 2)
    make_update(task_1, "区财政局", 2021, 3)
    timeline = as_leader.get(url(task_1)).context["timeline"]
    assert [(u.quarter, u.role_label) for u in timeline] == [(3, "配合单位"), (2, "牵头单位")]


def test_each_approved_update_links_to_its_versions_and_history(as_leader, task_1):
    update = make_update(task_1, "区科委", 2021, 2)
    body = as_leader.get(url(task_1)).content.decode()
    link = reverse("tasks:update_detail", args=[update.pk])
    assert f'href="{link}"' in body
    assert as_leader.get(link).status_code == 200


def test_viewing_as_of_a_past_quarter_leaves_later_updates_out(as_leader, task_1):
    make_update(task_1, "区科委", 2022, 3, progress="第三季度的进展")
    assert "第三季度的进展" not in as_leader.get(url(task_1, as_of="2022Q2")).content.decode()


def test_the_change_history_says_who_changed_what_on_the_task_units_and_milestones(as_leader, staff, task_1):
    task_1.text = "修改后的任务表述"
    task_1._history_user = staff
    task_1.save()
    milestone = task_1.milestones.get(year=2022)
    milestone.text = "落地项目不少于16项"
    milestone._history_user = staff
    milestone.save()
    responsibility = Responsibility(task=task_1, unit=Unit.objects.get(name="区统计局"), role="co", order=5)
    responsibility._history_user = staff
    responsibility.save()
    history = as_leader.get(url(task_1)).content.decode().split('id="history"')[1]
    assert "修改后的任务表述" in history and "设立区级应用场景示范专项" in history
    assert "落地项目不少于16项" in history and "年度任务 2022" in history
    assert "区统计局" in history and "新增" in history
    assert history.count("staff") == 3


def test_a_bad_as_of_gets_a_chinese_message(as_leader, task_1):
    response = as_leader.get(url(task_1, as_of="last-year"))
    assert response.status_code == 200
    assert "已显示截至今天的进展：“last-year”不是有效的季度" in response.content.decode()
    assert response.context["as_of"] == timezone.localdate()


def test_query_count_is_fixed_however_many_updates_and_changes(as_leader, staff, task_1, scenes, django_assert_num_queries):
    make_update(task_1, "区科委", 2021, 2, contributions={scenes: 1}, claims=[task_1.milestones.get(year=2021)])
    # The writes below change the roll-up cache's token, so both requests compute the indicators' totals.
    with django_assert_num_queries(19):
        as_leader.get(url(task_1))
    for quarter in (3, 4):
        make_update(task_1, "区科委", 2021, quarter, contributions={scenes: 2}, claims=list(task_1.milestones.all()))
        make_update(task_1, "区财政局", 2021, quarter, contributions={scenes: 1})
    for year in (2021, 2022):
        milestone = task_1.milestones.get(year=year)
        milestone.text += "（调整）"
        milestone._history_user = staff
        milestone.save()
    with django_assert_num_queries(19):
        response = as_leader.get(url(task_1))
    assert len(response.context["timeline"]) == 5
