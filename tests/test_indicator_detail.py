"""Drill-down from an indicator (indicators.views.indicator_detail): the units and approved updates behind it."""

from datetime import date

import pytest
from django.urls import reverse

from indicators.models import Contribution, Indicator
from tasks.models import Update

from .factories import make_update


def url(indicator, as_of=""):
    return reverse("indicators:indicator_detail", args=[indicator.pk]) + (f"?as_of={as_of}" if as_of else "")


@pytest.fixture
def hires(plan_2021):
    """大兴区政府特聘岗聘用人数: 每年不少于1人, counted per year."""
    return Indicator.objects.get(plan=plan_2021, name="大兴区政府特聘岗聘用人数")


def describe(update, indicator, text):
    Contribution.objects.filter(update=update, indicator=indicator).update(description=text)


def test_it_lists_the_units_and_approved_updates_with_value_and_description(as_leader, task_1, scenes):
    first = make_update(task_1, "区科委", 2021, 4, contributions={scenes: 4})
    describe(first, scenes, "新兴产业园区智慧安防场景")
    make_update(task_1, "区财政局", 2022, 1, contributions={scenes: 2})
    response = as_leader.get(url(scenes, "2022Q2"))
    drilldown = response.context["drilldown"]
    assert [(u.unit.name, u.total, u.updates) for u in drilldown.units] == [("区科委", 4, 1), ("区财政局", 2, 1)]
    body = response.content.decode()
    assert "新兴产业园区智慧安防场景" in body
    assert reverse("tasks:update_detail", args=[first.pk]) in body


def test_the_rows_add_up_to_the_dashboards_actual_value(as_leader, task_1, scenes):
    make_update(task_1, "区科委", 2021, 2, contributions={scenes: 3})
    make_update(task_1, "区科委", 2022, 3, contributions={scenes: 5})
    drilldown = as_leader.get(url(scenes, "2022Q4")).context["drilldown"]
    assert drilldown.total == drilldown.progress.actual == 8


def test_updates_not_approved_are_not_shown_to_anyone(client, staff, task_1, scenes):
    make_update(task_1, "区科委", 2022, 1, contributions={scenes: 7}, state=Update.State.SUBMITTED)
    make_update(task_1, "区财政局", 2022, 1, contributions={scenes: 1}, state=Update.State.DRAFT)
    client.force_login(staff)
    assert client.get(url(scenes, "2022Q2")).context["drilldown"].contributions == []


def test_as_of_a_past_quarter_leaves_out_later_updates(as_leader, task_1, scenes):
    make_update(task_1, "区科委", 2022, 2, contributions={scenes: 3})
    make_update(task_1, "区科委", 2022, 3, contributions={scenes: 9})
    drilldown = as_leader.get(url(scenes, "2022Q2")).context["drilldown"]
    assert [c.value for c in drilldown.contributions] == [3]


def test_a_per_year_indicator_shows_only_the_year_viewed(as_leader, hires):
    task = hires.tasks.get()
    make_update(task, "区委组织部", 2021, 3, contributions={hires: 2})
    make_update(task, "区委组织部", 2022, 1, contributions={hires: 1})
    response = as_leader.get(url(hires, "2022Q2"))
    drilldown = response.context["drilldown"]
    assert [(c.update.year, c.value) for c in drilldown.contributions] == [(2022, 1)]
    assert drilldown.total == drilldown.progress.actual == 1
    assert "按年统计" in response.content.decode()


def test_the_trend_shows_actual_and_expected_value_by_quarter(as_leader, task_1, scenes):
    make_update(task_1, "区科委", 2021, 4, contributions={scenes: 6})
    response = as_leader.get(url(scenes, "2022Q4"))
    charts = response.context["charts"]
    assert charts["trend"]["periods"][-1] == "2022Q4"
    assert charts["trend"]["actual"][3:5] == [6.0, 6.0]
    # The straight line reaches the 2022 target (15) at the end of 2022.
    assert charts["trend"]["expected"][-1] == 15.0
    assert charts["units"]["items"] == [{"name": "区科委", "value": 6.0}]


def test_it_shows_the_targets_and_the_tasks_that_feed_it(as_leader, task_1, scenes):
    body = as_leader.get(url(scenes)).content.decode()
    assert "落地区级应用场景示范项目不少于15项" in body
    assert reverse("tasks:task_detail", args=[task_1.pk]) in body


def test_a_bad_as_of_falls_back_to_today_with_a_message(as_leader, scenes, monkeypatch):
    monkeypatch.setattr("indicators.views.today", lambda: date(2026, 11, 21))
    response = as_leader.get(url(scenes, "yesterday"))
    assert response.status_code == 200
    assert "不是有效的季度" in response.content.decode()


def test_every_role_may_read_it(client, outsider, scenes):
    client.force_login(outsider)
    assert client.get(url(scenes)).status_code == 200


def test_it_is_read_only(as_leader, scenes):
    assert as_leader.post(url(scenes)).status_code == 405


def test_an_unknown_indicator_is_404(as_leader):
    assert as_leader.get(reverse("indicators:indicator_detail", args=[999999])).status_code == 404
