"""Starting a unit's quarterly update: services.update_start and the start view."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tasks import services
from tasks.calendar import Period
from tasks.models import Update, UpdateEvent

from .factories import make_update
from .updates_support import *  # noqa: F403 - fixtures
from .updates_support import Q2_2022


def start_url(task):
    return reverse("tasks:update_start", args=[task.pk])


def test_start_makes_a_draft_and_records_who(set_today, task_1, lead_reporter):
    update = services.update_start(task=task_1, unit=lead_reporter.unit, period=Q2_2022, user=lead_reporter)
    assert (update.state, update.created_by, update.year, update.quarter) == (Update.State.DRAFT, lead_reporter, 2022, 2)
    assert update.events.get().action == UpdateEvent.Action.CREATED


def test_starting_again_returns_the_same_update(draft, task_1, lead_reporter):
    again = services.update_start(task=task_1, unit=lead_reporter.unit, period=Q2_2022, user=lead_reporter)
    assert again.pk == draft.pk
    assert Update.objects.filter(task=task_1).count() == 1


def test_copy_previous_takes_last_quarters_text_but_not_its_numbers(set_today, task_1, lead_reporter, indicator_1):
    make_update(task_1, "区科委", 2022, 1, progress="一季度进展", contributions={indicator_1: 2})
    update = services.update_start(
        task=task_1, unit=lead_reporter.unit, period=Q2_2022, user=lead_reporter, copy_previous=True
    )
    assert update.progress == "一季度进展"
    assert update.contributions.count() == 0
    assert "2022年第1季度" in update.events.get().note


def test_a_quarter_outside_the_plan_is_refused(set_today, task_1, lead_reporter):
    with pytest.raises(ValidationError, match="不在该计划的年度范围内"):
        services.update_start(task=task_1, unit=lead_reporter.unit, period=Period(2024, 1), user=lead_reporter)


def test_a_quarter_that_has_not_begun_is_refused(set_today, task_1, lead_reporter):
    with pytest.raises(ValidationError, match="尚未开始"):
        services.update_start(task=task_1, unit=lead_reporter.unit, period=Period(2022, 3), user=lead_reporter)


def test_a_unit_without_the_task_is_refused(set_today, task_1, outsider):
    with pytest.raises(ValidationError, match="不是该任务的责任单位"):
        services.update_start(task=task_1, unit=outsider.unit, period=Q2_2022, user=outsider)


# The view --------------------------------------------------------------------------------------------------


def test_start_view_creates_the_draft_and_opens_the_form(client, set_today, task_1, lead_reporter):
    client.force_login(lead_reporter)
    response = client.post(start_url(task_1), {"period": "2022Q2"})
    update = Update.objects.get(task=task_1, unit=lead_reporter.unit)
    assert response.url == reverse("tasks:update_edit", args=[update.pk])


def test_a_co_unit_may_start_its_own_update(client, set_today, task_1, co_reporter):
    client.force_login(co_reporter)
    client.post(start_url(task_1), {"period": "2022Q2"})
    assert Update.objects.filter(task=task_1, unit=co_reporter.unit).exists()


def test_start_from_last_quarter_without_one_says_so(client, set_today, task_1, lead_reporter):
    client.force_login(lead_reporter)
    response = client.post(start_url(task_1), {"period": "2022Q2", "copy_previous": "1"}, follow=True)
    assert "上季度没有可复制的进展" in response.content.decode()


@pytest.mark.parametrize("period, message", [("2024Q1", "不在该计划的年度范围内"), ("2022Q5", "请选择季度"), ("", "请选择季度")])
def test_bad_quarters_are_refused_in_chinese_and_change_nothing(client, set_today, task_1, lead_reporter, period, message):
    client.force_login(lead_reporter)
    response = client.post(start_url(task_1), {"period": period}, follow=True)
    assert message in response.content.decode()
    assert not Update.objects.filter(task=task_1).exists()


def test_start_rejects_get(client, set_today, task_1, lead_reporter):
    client.force_login(lead_reporter)
    assert client.get(start_url(task_1)).status_code == 405


def test_a_post_for_another_units_task_gets_404_and_changes_nothing(client, set_today, task_1, outsider):
    client.force_login(outsider)
    assert client.post(start_url(task_1), {"period": "2022Q2"}).status_code == 404
    assert not Update.objects.filter(task=task_1).exists()


def test_leadership_cannot_start_an_update(client, set_today, task_1, leader):
    client.force_login(leader)
    assert client.post(start_url(task_1), {"period": "2022Q2"}).status_code == 403


def test_the_start_follows_the_frozen_today(client, set_today, task_1, lead_reporter):
    set_today(date(2022, 3, 31))
    client.force_login(lead_reporter)
    response = client.post(start_url(task_1), {"period": "2022Q2"}, follow=True)
    assert "尚未开始" in response.content.decode()
