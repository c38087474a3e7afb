"""services.update_save_draft: drafts save without completeness checks, never over someone else's save."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tasks import services
from tasks.models import Milestone, Update, UpdateEvent

from .updates_support import *  # noqa: F403 - fixtures


def save(update, user, revision=None, **data):
    return services.update_save_draft(
        update=update, user=user, data=data, revision=update.revision if revision is None else revision
    )


def test_a_draft_saves_without_being_complete(draft, lead_reporter):
    update = save(draft, lead_reporter, progress="只写了一半")
    update.refresh_from_db()
    assert (update.progress, update.next_steps, update.state) == ("只写了一半", "", Update.State.DRAFT)


def test_each_save_moves_the_revision_on_and_records_who(draft, lead_reporter):
    update = save(draft, lead_reporter, progress="一")
    assert update.revision == draft.revision + 1
    assert update.updated_by == lead_reporter
    assert update.events.last().action == UpdateEvent.Action.SAVED


def test_history_keeps_every_saved_text(draft, lead_reporter):
    update = save(draft, lead_reporter, progress="第一稿")
    save(update, lead_reporter, progress="第二稿")
    assert [h.progress for h in draft.history.order_by("history_date")][-2:] == ["第一稿", "第二稿"]
    assert draft.history.latest().history_user == lead_reporter


def test_a_stale_revision_is_a_conflict_and_writes_nothing(draft, lead_reporter):
    first = save(draft, lead_reporter, progress="甲的文字")
    with pytest.raises(services.UpdateConflict) as raised:
        save(draft, lead_reporter, revision=draft.revision, progress="乙的文字")
    assert raised.value.current.progress == "甲的文字"
    first.refresh_from_db()
    assert (first.progress, first.revision) == ("甲的文字", draft.revision + 1)


def test_keys_left_out_stay_as_they_are(draft, lead_reporter):
    update = save(draft, lead_reporter, progress="进展", next_steps="计划")
    update = save(update, lead_reporter, next_steps="新计划")
    assert (update.progress, update.next_steps) == ("进展", "新计划")


def test_milestones_claimed_become_exactly_those_given(draft, lead_reporter, task_1):
    m2021, m2022 = task_1.milestones.filter(year__in=[2021, 2022]).order_by("year")
    update = save(draft, lead_reporter, milestones=[m2021, m2022])
    update = save(update, lead_reporter, milestones=[m2022.pk])
    assert list(update.claimed_milestones.all()) == [m2022]


def test_a_milestone_of_another_task_is_refused(draft, lead_reporter, task_1):
    other = Milestone.objects.exclude(task=task_1).first()
    with pytest.raises(ValidationError, match="不属于该具体任务"):
        save(draft, lead_reporter, progress="不应保存", milestones=[other])
    draft.refresh_from_db()
    assert draft.progress == "" and draft.claimed_milestones.count() == 0


def test_contributions_are_set_changed_and_removed(draft, lead_reporter, indicator_1):
    update = save(draft, lead_reporter, contributions=[{"indicator": indicator_1, "value": "3", "description": "3项"}])
    assert update.contributions.get().value == Decimal("3")
    update = save(update, lead_reporter, contributions=[{"indicator": indicator_1.pk, "value": "4.5", "description": "4.5项"}])
    assert update.contributions.get().value == Decimal("4.5")
    save(update, lead_reporter, contributions=[{"indicator": indicator_1, "value": None, "description": ""}])
    assert not update.contributions.exists()


@pytest.mark.parametrize(
    "value, message",
    [("-1", "不能为负数"), ("abc", "不是数字"), ("NaN", "不是数字"), ("1.234", "两位小数"), ("1e20", "过大")],
)
def test_bad_contributions_are_refused_in_chinese(draft, lead_reporter, indicator_1, value, message):
    with pytest.raises(ValidationError, match=message):
        save(draft, lead_reporter, contributions=[{"indicator": indicator_1, "value": value, "description": "x"}])
    assert not draft.contributions.exists()


def test_a_contribution_to_an_indicator_the_task_does_not_feed_is_refused(draft, lead_reporter, plan_2021, indicator_1):
    other = plan_2021.indicators.exclude(pk=indicator_1.pk).first()
    with pytest.raises(ValidationError, match="与该具体任务无关"):
        save(draft, lead_reporter, contributions=[{"indicator": other, "value": "1", "description": "x"}])


def test_a_description_without_a_value_is_refused(draft, lead_reporter, indicator_1):
    with pytest.raises(ValidationError, match="未填写数值"):
        save(draft, lead_reporter, contributions=[{"indicator": indicator_1, "value": "", "description": "说明"}])


def test_an_unknown_self_status_is_refused(draft, lead_reporter):
    with pytest.raises(ValidationError, match="不是可选的状态"):
        save(draft, lead_reporter, self_status="great")


@pytest.mark.parametrize("state", [Update.State.SUBMITTED, Update.State.APPROVED])
def test_a_submitted_or_approved_update_cannot_be_saved(draft, lead_reporter, state):
    Update.objects.filter(pk=draft.pk).update(state=state)
    with pytest.raises(ValidationError):
        save(draft, lead_reporter, progress="改动")
    draft.refresh_from_db()
    assert draft.progress == ""


def test_the_excel_import_records_its_own_event(draft, lead_reporter):
    services.update_save_draft(
        update=draft,
        user=lead_reporter,
        data={"progress": "导入的进展"},
        revision=None,
        event=UpdateEvent.Action.IMPORTED,
        note="进度表.xlsx 第3行",
    )
    assert draft.events.last().action == UpdateEvent.Action.IMPORTED
