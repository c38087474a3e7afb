"""The update form (tasks:update_edit): save a draft, submit, and every bad input refused in Chinese."""

import pytest
from django.urls import reverse

from tasks import services
from tasks.models import Milestone, Update
from units.models import User

from .factories import make_update
from .updates_support import *  # noqa: F403 - fixtures
from .updates_support import Q2_2022, form_data, submitted


def edit_url(update):
    return reverse("tasks:update_edit", args=[update.pk])


@pytest.fixture
def reporter(client, lead_reporter):
    client.force_login(lead_reporter)
    return lead_reporter


def test_the_form_has_stable_ids_for_every_field_and_button(client, draft, reporter, indicator_1):
    body = client.get(edit_url(draft)).content.decode()
    for control in (
        'id="id_progress"', 'id="id_problems"', 'id="id_next_steps"', 'id="id_self_status_0"', 'id="id_milestones_0"',
        f'id="id_contribution_{indicator_1.pk}"', f'id="id_contribution_{indicator_1.pk}_description"',
        'id="id_attachments"', 'id="btn-save-draft"', 'id="btn-submit"',
    ):
        assert control in body


def test_saving_a_draft_keeps_incomplete_text(client, draft, reporter):
    response = client.post(edit_url(draft), form_data(draft, progress="写了一半", next_steps="", self_status=None))
    draft.refresh_from_db()
    assert response.status_code == 302 and response.url == edit_url(draft)
    assert (draft.progress, draft.state) == ("写了一半", Update.State.DRAFT)


def test_submitting_goes_to_the_updates_page(client, draft, reporter):
    response = client.post(edit_url(draft), form_data(draft, "submit"))
    draft.refresh_from_db()
    assert response.url == reverse("tasks:update_detail", args=[draft.pk])
    assert draft.state == Update.State.SUBMITTED


@pytest.mark.parametrize(
    "field, message",
    [("progress", "请填写本季度的进展情况"), ("problems", "没有问题请填写“无”"), ("next_steps", "请填写下步计划")],
)
def test_submitting_with_empty_required_text_is_refused_and_saves_nothing(client, draft, reporter, field, message):
    response = client.post(edit_url(draft), form_data(draft, "submit", **{field: " "}))
    assert response.status_code == 400
    assert message in response.content.decode()
    draft.refresh_from_db()
    assert (draft.state, draft.progress, draft.revision) == (Update.State.DRAFT, "", 1)


def test_submitting_keeps_what_was_typed_on_the_form(client, draft, reporter):
    response = client.post(edit_url(draft), form_data(draft, "submit", progress="我写的进展", next_steps=""))
    assert "我写的进展" in response.content.decode()


@pytest.mark.parametrize("value, message", [("-2", "不能为负数"), ("三项", "请填写数字"), ("1.005", "两位小数")])
def test_bad_contributions_are_refused_and_save_nothing(client, draft, reporter, indicator_1, value, message):
    data = form_data(draft, **{f"contribution_{indicator_1.pk}": value, f"contribution_{indicator_1.pk}_description": "x"})
    response = client.post(edit_url(draft), data)
    assert response.status_code == 400 and message in response.content.decode()
    assert not draft.contributions.exists()
    draft.refresh_from_db()
    assert draft.progress == ""


def test_a_milestone_of_another_task_is_refused(client, draft, reporter, task_1):
    other = Milestone.objects.exclude(task=task_1).first()
    response = client.post(edit_url(draft), form_data(draft, milestones=[other.pk]))
    assert response.status_code == 400 and "不属于该具体任务" in response.content.decode()
    assert not draft.claimed_milestones.exists()


def test_a_second_editor_gets_a_conflict_showing_both_texts(client, draft, reporter, lead_reporter):
    colleague = User.objects.create_user("colleague", password="x", role=User.Role.REPORTER, unit=lead_reporter.unit)
    services.update_save_draft(update=draft, user=colleague, data={"progress": "同事先保存的文字"}, revision=draft.revision)
    response = client.post(edit_url(draft), form_data(draft, progress="我后保存的文字"))
    body = response.content.decode()
    assert response.status_code == 409
    assert "同事先保存的文字" in body and "我后保存的文字" in body and 'id="conflict"' in body
    draft.refresh_from_db()
    assert draft.progress == "同事先保存的文字"


def test_after_a_conflict_saving_again_is_a_deliberate_replacement(client, draft, reporter, lead_reporter):
    services.update_save_draft(update=draft, user=lead_reporter, data={"progress": "先保存的"}, revision=draft.revision)
    response = client.post(edit_url(draft), form_data(draft, progress="我的"))
    revision = response.context["form"]["revision"].value()
    client.post(edit_url(draft), form_data(draft, progress="我的", revision=revision))
    draft.refresh_from_db()
    assert draft.progress == "我的"


def test_a_submission_after_approval_is_refused_and_changes_nothing(client, draft, reporter, staff, lead_reporter):
    update = services.update_approve(update=submitted(draft, lead_reporter), reviewer=staff)
    response = client.post(edit_url(update), form_data(update, "submit", progress="改掉"), follow=True)
    assert "已审核通过并锁定" in response.content.decode()
    update.refresh_from_db()
    assert (update.state, update.versions.count()) == (Update.State.APPROVED, 1)
    assert update.progress != "改掉"


def test_a_returned_update_shows_the_reason_on_the_form(client, draft, reporter, staff, lead_reporter):
    update = services.update_return(update=submitted(draft, lead_reporter), reviewer=staff, reason="请补充项目清单")
    body = client.get(edit_url(update)).content.decode()
    assert 'id="return-reason"' in body and "请补充项目清单" in body


def test_the_lead_unit_sees_its_co_units_update_while_writing(client, draft, reporter, task_1):
    make_update(task_1, "区财政局", 2022, 2, state=Update.State.SUBMITTED, progress="财政局的配合进展")
    body = client.get(edit_url(draft)).content.decode()
    assert "财政局的配合进展" in body


def test_a_co_unit_does_not_see_the_lead_units_draft(client, set_today, task_1, co_reporter):
    make_update(task_1, "区科委", 2022, 2, state=Update.State.DRAFT, progress="科委的草稿")
    mine = services.update_start(task=task_1, unit=co_reporter.unit, period=Q2_2022, user=co_reporter)
    client.force_login(co_reporter)
    assert "科委的草稿" not in client.get(edit_url(mine)).content.decode()


def test_last_quarters_update_is_shown_for_reference(client, draft, reporter, task_1):
    previous = make_update(task_1, "区科委", 2022, 1, state=Update.State.APPROVED, progress="一季度做了什么")
    previous.versions.create(number=1, progress="一季度做了什么", submitted_by=previous.created_by, submitted_at=previous.submitted_at)
    assert "一季度做了什么" in client.get(edit_url(draft)).content.decode()


def test_another_units_update_form_is_404(client, draft, outsider):
    client.force_login(outsider)
    assert client.get(edit_url(draft)).status_code == 404
    assert client.post(edit_url(draft), form_data(draft, progress="闯入")).status_code == 404
    draft.refresh_from_db()
    assert draft.progress == ""


def test_leadership_gets_403(client, draft, leader):
    client.force_login(leader)
    assert client.post(edit_url(draft), form_data(draft)).status_code == 403


def test_a_missing_revision_is_refused(client, draft, reporter):
    data = form_data(draft)
    del data["revision"]
    response = client.post(edit_url(draft), data)
    assert response.status_code == 400 and "请刷新页面后重试" in response.content.decode()
