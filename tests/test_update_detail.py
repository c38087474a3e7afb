"""An update's page (tasks:update_detail): what it says, its versions and what changed, and its history."""

from django.urls import reverse

from tasks import reporting, services
from tasks.models import Update

from .factories import make_update
from .updates_support import *  # noqa: F403 - fixtures
from .updates_support import Q1_2022, fill, submitted


def page(client, update, **params):
    return client.get(reverse("tasks:update_detail", args=[update.pk]), params).content.decode()


def resubmitted(draft, reporter, staff):
    """Version 1 returned with a reason, then version 2 with a changed progress text."""
    update = submitted(draft, reporter, progress="完成项目征集。")
    update = services.update_return(update=update, reviewer=staff, reason="请写明项目数量")
    return submitted(update, reporter, progress="完成项目征集，落地8项。")


def test_the_page_shows_what_the_update_says(client, draft, lead_reporter, indicator_1):
    update = fill(draft, lead_reporter, contributions=[{"indicator": indicator_1, "value": "3", "description": "新增3项"}])
    client.force_login(lead_reporter)
    body = page(client, update)
    assert update.progress in body and "新增3项" in body and indicator_1.name in body


def test_the_reviewer_sees_what_changed_since_the_previous_version(client, draft, lead_reporter, staff):
    update = resubmitted(draft, lead_reporter, staff)
    client.force_login(staff)
    body = page(client, update)
    assert 'id="version-diff"' in body
    assert "第1版到第2版的变化" in body
    assert '<ins class="bg-success-subtle text-success-emphasis text-decoration-none">，落地8项</ins>' in body


def test_any_version_can_be_compared_with_the_one_before(client, draft, lead_reporter, staff):
    update = resubmitted(draft, lead_reporter, staff)
    client.force_login(lead_reporter)
    assert "第1版到第2版的变化" in page(client, update, version=2)


def test_a_unit_revising_sees_its_changes_since_it_last_submitted(client, draft, lead_reporter, staff):
    update = submitted(draft, lead_reporter, progress="旧的说法")
    update = services.update_return(update=update, reviewer=staff, reason="x")
    fill(update, lead_reporter, progress="新的说法")
    client.force_login(lead_reporter)
    body = page(client, update)
    assert "第1版提交以来的变化" in body and "新的说法" in body


def test_the_page_compares_with_last_quarter(client, draft, lead_reporter, staff, task_1):
    previous = services.update_start(task=task_1, unit=lead_reporter.unit, period=Q1_2022, user=lead_reporter)
    submitted(previous, lead_reporter, progress="一季度：完成项目征集。")
    update = submitted(draft, lead_reporter, progress="二季度：落地8项。")
    client.force_login(staff)
    body = page(client, update)
    assert 'id="quarter-diff"' in body and "与上季度（2022年第1季度）相比的变化" in body


def test_history_shows_who_did_what_when_and_why(client, draft, lead_reporter, staff):
    update = resubmitted(draft, lead_reporter, staff)
    client.force_login(lead_reporter)
    body = page(client, update)
    history = body[body.index('id="update-history"'):]
    for action in ("created", "saved", "submitted", "returned"):
        assert f'data-action="{action}"' in history
    assert "请写明项目数量" in history and str(staff) in history


def test_the_lead_unit_sees_its_co_units_submission_on_the_task(client, draft, lead_reporter, task_1):
    make_update(task_1, "区财政局", 2022, 2, state=Update.State.SUBMITTED, progress="财政局：拨付资金")
    client.force_login(lead_reporter)
    assert "财政局：拨付资金" in page(client, draft)


def test_leadership_sees_an_approved_update_without_controls(client, draft, lead_reporter, staff, leader):
    update = services.update_approve(update=submitted(draft, lead_reporter), reviewer=staff)
    client.force_login(leader)
    body = page(client, update)
    assert update.progress in body
    assert 'id="reopen-panel"' not in body and 'id="review-panel"' not in body


def test_staff_may_reopen_an_approved_update_from_its_page(client, draft, lead_reporter, staff):
    update = services.update_approve(update=submitted(draft, lead_reporter), reviewer=staff)
    client.force_login(staff)
    assert 'id="btn-reopen"' in page(client, update)


def test_the_page_runs_a_fixed_number_of_queries(client, draft, lead_reporter, staff, django_assert_max_num_queries):
    update = resubmitted(draft, lead_reporter, staff)
    client.force_login(staff)
    with django_assert_max_num_queries(16):
        page(client, update)


def test_text_diff_works_character_by_character():
    assert reporting.text_diff("完成项目征集。", "完成项目征集，落地8项。") == [
        ("equal", "完成项目征集"),
        ("insert", "，落地8项"),
        ("equal", "。"),
    ]
    assert reporting.text_diff("甲乙", "甲丙") == [("equal", "甲"), ("delete", "乙"), ("insert", "丙")]


def test_the_page_of_an_update_one_may_not_see_is_404(client, draft, outsider):
    client.force_login(outsider)
    assert client.get(reverse("tasks:update_detail", args=[draft.pk])).status_code == 404
