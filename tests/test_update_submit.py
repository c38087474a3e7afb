"""services.update_submit: completeness, frozen versions, and the states it may leave."""

import pytest
from django.core.exceptions import ValidationError

from tasks import services
from tasks.models import Update, UpdateEvent

from .updates_support import *  # noqa: F403 - fixtures
from .updates_support import FULL, fill, submitted


def test_submitting_freezes_a_version_and_joins_the_queue(draft, lead_reporter, task_1, indicator_1):
    m2022 = task_1.milestones.get(year=2022)
    update = submitted(
        draft,
        lead_reporter,
        milestones=[m2022],
        contributions=[{"indicator": indicator_1, "value": "3", "description": "新增3项"}],
    )
    version = update.versions.get()
    assert update.state == Update.State.SUBMITTED
    assert (version.number, version.progress, version.submitted_by) == (1, update.progress, lead_reporter)
    assert version.milestones == [{"id": m2022.pk, "year": 2022, "text": m2022.text}]
    assert version.contributions == [
        {"indicator": indicator_1.pk, "name": indicator_1.name, "value": "3.00", "description": "新增3项"}
    ]


def test_submission_records_the_event_and_times(draft, lead_reporter):
    update = submitted(draft, lead_reporter)
    assert update.submitted_at == update.last_submitted_at
    assert update.events.last().action == UpdateEvent.Action.SUBMITTED


def test_an_incomplete_update_is_not_submitted(draft, lead_reporter):
    update = services.update_save_draft(update=draft, user=lead_reporter, data={"progress": "只有进展"}, revision=draft.revision)
    with pytest.raises(ValidationError) as raised:
        services.update_submit(update=update, user=lead_reporter)
    assert "请填写下步计划。" in raised.value.messages and "请选择任务推进状态。" in raised.value.messages
    update.refresh_from_db()
    assert update.state == Update.State.DRAFT and not update.versions.exists()


def test_whitespace_is_not_text(draft, lead_reporter):
    update = fill(draft, lead_reporter, problems="   \n ")
    with pytest.raises(ValidationError, match="存在问题"):
        services.update_submit(update=update, user=lead_reporter)


def test_a_counted_contribution_needs_a_description(draft, lead_reporter, indicator_1):
    update = fill(draft, lead_reporter, contributions=[{"indicator": indicator_1, "value": "2", "description": ""}])
    with pytest.raises(ValidationError, match="统计了哪些内容"):
        services.update_submit(update=update, user=lead_reporter)


def test_a_resubmission_after_return_is_version_2(draft, lead_reporter, staff):
    update = submitted(draft, lead_reporter)
    first_submitted_at = update.submitted_at
    update = services.update_return(update=update, reviewer=staff, reason="请补充数据")
    update = submitted(update, lead_reporter, progress="补充了数据")
    assert list(update.versions.values_list("number", "progress")) == [(1, FULL["progress"]), (2, "补充了数据")]
    assert update.submitted_at == first_submitted_at and update.last_submitted_at > first_submitted_at


@pytest.mark.parametrize("state, message", [(Update.State.APPROVED, "已审核通过并锁定"), (Update.State.SUBMITTED, "正在等待审核")])
def test_an_update_already_submitted_or_approved_cannot_be_submitted(draft, lead_reporter, state, message):
    update = fill(draft, lead_reporter)
    Update.objects.filter(pk=update.pk).update(state=state)
    with pytest.raises(ValidationError, match=message):
        services.update_submit(update=update, user=lead_reporter)
    assert not update.versions.exists()


def test_a_stale_revision_is_a_conflict(draft, lead_reporter):
    update = fill(draft, lead_reporter)
    with pytest.raises(services.UpdateConflict):
        services.update_submit(update=update, user=lead_reporter, revision=update.revision - 1)


def test_save_and_submit_is_all_or_nothing(draft, lead_reporter):
    with pytest.raises(ValidationError):
        services.update_save_and_submit(update=draft, user=lead_reporter, data={"progress": "半截"}, revision=draft.revision)
    draft.refresh_from_db()
    assert (draft.progress, draft.state) == ("", Update.State.DRAFT)
