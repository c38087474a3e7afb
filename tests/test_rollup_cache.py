"""
The roll-up cache (tasks.rollup_cache): whole-plan roll-ups are computed once and reused until data they
read changes, the day turns, or a transaction that changed data rolls back.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse

from indicators import selectors
from indicators.models import Contribution
from tasks import rollup, rollup_cache, services
from tasks.models import RollupVersion, SpecificTask, Update
from tasks.rollup import TaskStatus
from tasks.rollup_cache import APPROVED, REPORTS

from .factories import make_update
from .updates_support import *  # noqa: F403 - fixtures
from .updates_support import fill, submitted

pytestmark = pytest.mark.django_db

# The plan dashboard for a leader, as in tests/test_dashboard_queries.py: 5 for the session, then the page.
DASHBOARD_COLD = 5 + 19
# Warm: plan, indicators, targets, sections and the units of the scorecard, plus the six roll-ups' tokens.
DASHBOARD_WARM = 5 + 5 + 6


def dashboard_url(plan, as_of="2022Q3"):
    return reverse("indicators:plan_dashboard", args=[plan.pk]) + f"?as_of={as_of}"


def counts(dashboard):
    return {status.value: n for status, n, _ in dashboard.task_counts.rows()}


def test_a_second_look_reads_the_roll_ups_from_the_cache(as_leader, plan_2021, django_assert_num_queries):
    with django_assert_num_queries(DASHBOARD_COLD):
        first = as_leader.get(dashboard_url(plan_2021)).context["dashboard"]
    with django_assert_num_queries(DASHBOARD_WARM):
        second = as_leader.get(dashboard_url(plan_2021)).context["dashboard"]
    assert counts(second) == counts(first)
    assert second.unit_reports == first.unit_reports


def test_an_approval_shows_on_the_dashboard_at_once(as_leader, plan_2021, task_1, scenes, staff):
    before = as_leader.get(dashboard_url(plan_2021)).context["dashboard"]
    update = make_update(task_1, "区科委", 2022, 3, state=Update.State.SUBMITTED, contributions={scenes: 7})
    assert as_leader.get(dashboard_url(plan_2021)).context["dashboard"].indicators == before.indicators

    services.update_approve(update=update, reviewer=staff)
    after = as_leader.get(dashboard_url(plan_2021)).context["dashboard"]
    row = next(row for row in after.indicators if row.indicator.pk == scenes.pk)
    assert row.progress.actual == 7


def plan_counts(client, plan):
    url = reverse("tasks:plan_detail", args=[plan.pk]) + "?as_of=2022Q2"
    return client.get(url).context["counts"].counts


def test_claims_made_and_withdrawn_reach_the_plan_page(client, staff, plan_2021):
    client.force_login(staff)
    task = SpecificTask.objects.get(work_task__section__plan=plan_2021, work_task__seq=3)
    done = plan_counts(client, plan_2021)[TaskStatus.DONE]

    update = make_update(task, "区科委", 2022, 1, claims=list(task.milestones.filter(year__lte=2022)))
    task.milestones.filter(year=2023).update(due_date=date(2023, 12, 31))  # unchanged: a no-op for the cache
    assert plan_counts(client, plan_2021)[TaskStatus.DONE] == done  # 2023's milestone is not met yet

    update.claimed_milestones.add(*task.milestones.filter(year=2023))
    assert plan_counts(client, plan_2021)[TaskStatus.DONE] == done + 1
    update.claimed_milestones.clear()
    assert plan_counts(client, plan_2021)[TaskStatus.DONE] == done


def test_a_milestone_saved_anywhere_reaches_the_plan_page(client, staff, plan_2021):
    """What the admin does: save() a milestone. Task 3 is behind as of 2022Q2 for its late 2021 milestone."""
    client.force_login(staff)
    task = SpecificTask.objects.get(work_task__section__plan=plan_2021, work_task__seq=3)
    before = plan_counts(client, plan_2021)
    for milestone in task.milestones.filter(year=2021):
        milestone.due_date = date(2030, 12, 31)
        milestone.save()
    after = plan_counts(client, plan_2021)
    assert after[TaskStatus.BEHIND] == before[TaskStatus.BEHIND] - 1
    assert after[TaskStatus.NOT_STARTED] == before[TaskStatus.NOT_STARTED] + 1


def test_a_transaction_that_rolls_back_leaves_a_token_that_never_comes_back():
    before = rollup_cache.current_tokens()
    with pytest.raises(RuntimeError), transaction.atomic():
        rollup_cache.rollup_changed()
        inside = rollup_cache.current_tokens()
        raise RuntimeError("rolled back")
    assert rollup_cache.current_tokens() == before
    rollup_cache.rollup_changed()
    after = rollup_cache.current_tokens()
    assert after[APPROVED] not in {before[APPROVED], inside[APPROVED]}
    assert after[REPORTS] not in {before[REPORTS], inside[REPORTS]}


# Which writes change which token ------------------------------------------------------------------------


@pytest.fixture
def tokens():
    """tokens(): which of the two tokens changed since the last call, as {"approved", "reports"}."""
    last = [rollup_cache.current_tokens()]

    def changed():
        now = rollup_cache.current_tokens()
        moved = {name for kind, name in ((APPROVED, "approved"), (REPORTS, "reports")) if now[kind] != last[0][kind]}
        last[0] = now
        return moved

    return changed


def test_drafts_started_and_saved_change_no_token(tokens, draft, lead_reporter, indicator_1, task_1):
    update = fill(
        draft,
        lead_reporter,
        milestones=[task_1.milestones.get(year=2022)],
        contributions=[{"indicator": indicator_1, "value": "3", "description": ""}],
    )
    assert tokens() == set()
    fill(update, lead_reporter, progress="改了进展。")
    assert tokens() == set()


def test_a_submission_or_a_return_changes_the_reports_token_only(tokens, draft, lead_reporter, staff):
    update = submitted(draft, lead_reporter)
    assert tokens() == {"reports"}
    services.update_return(update=update, reviewer=staff, reason="请补充数据。")
    assert tokens() == {"reports"}


def test_an_approval_or_a_reopening_changes_both(tokens, draft, lead_reporter, staff):
    update = submitted(draft, lead_reporter)
    tokens()
    update = services.update_approve(update=update, reviewer=staff)
    assert tokens() == {"approved", "reports"}
    services.update_reopen(update=update, reviewer=staff, reason="数据有误，请更正。")
    assert tokens() == {"approved", "reports"}


def test_an_approved_updates_figures_and_claims_change_the_approved_token(tokens, plan_2021, task_1, scenes):
    update = make_update(task_1, "区科委", 2022, 2)
    tokens()
    Contribution.objects.create(update=update, indicator=scenes, value=Decimal("2"))
    assert tokens() == {"approved"}
    Update.objects.get(pk=update.pk).claimed_milestones.add(task_1.milestones.first())
    assert tokens() == {"approved"}
    Contribution.objects.filter(update=update).delete()
    assert tokens() == {"approved"}


def test_the_outline_changes_the_approved_token(tokens, task_1):
    milestone = task_1.milestones.first()
    milestone.text += "（调整）"
    milestone.save()
    assert tokens() == {"approved"}


def test_an_update_saved_with_its_state_not_loaded_may_have_moved_anywhere(tokens, task_1):
    make_update(task_1, "区科委", 2022, 2)
    tokens()
    update = Update.objects.defer("state").get(task=task_1, year=2022, quarter=2)
    update.progress = "改了进展。"
    update.save()
    assert tokens() == {"approved", "reports"}


def test_at_midnight_a_view_as_of_today_computes_again(plan_2021, monkeypatch, django_assert_num_queries):
    monkeypatch.setattr("tasks.rollup.today", lambda: date(2022, 9, 30))
    rollup.plan_task_rollups(plan_2021)
    with django_assert_num_queries(1):  # the tokens; the answer is in the cache
        rollup.plan_task_rollups(plan_2021)
    monkeypatch.setattr("tasks.rollup.today", lambda: date(2022, 10, 1))
    with django_assert_num_queries(2):  # the tokens, and the roll-up computed again
        rollup.plan_task_rollups(plan_2021)


def test_the_cache_works_without_its_token_rows_and_puts_them_back():
    RollupVersion.objects.all().delete()  # as a test database flush leaves them
    assert rollup_cache.current_tokens() == {APPROVED: 0, REPORTS: 0}
    rollup_cache.rollup_changed()
    assert RollupVersion.objects.get(pk=APPROVED).token == rollup_cache.current_tokens()[APPROVED] != 0
    assert RollupVersion.objects.filter(pk=REPORTS).exists()


def test_the_cached_answer_is_the_rules_answer(plan_2021, task_1):
    make_update(task_1, "区科委", 2022, 2, self_status=Update.SelfStatus.BEHIND)
    as_of = date(2022, 9, 30)
    cached = rollup.plan_task_rollups(plan_2021, as_of)
    again = rollup.plan_task_rollups(plan_2021, as_of)
    direct = rollup.tasks_with_status(SpecificTask.objects.filter(work_task__section__plan=plan_2021), as_of)
    assert again == cached
    assert {t.pk: (TaskStatus(t.status), t.late_count) for t in direct} == {
        pk: (row.status, row.late_count) for pk, row in cached.items()
    }


def test_the_dashboard_lists_the_first_changes_and_says_how_many_more(as_leader, plan_2021, monkeypatch):
    monkeypatch.setattr(selectors, "CHANGES_SHOWN", 1)
    for seq in (3, 4):
        task = SpecificTask.objects.filter(work_task__section__plan=plan_2021, work_task__seq=seq).first()
        make_update(task, task.responsibilities.get(role="lead").unit, 2021, 3)
    response = as_leader.get(dashboard_url(plan_2021, "2021Q3"))
    dashboard = response.context["dashboard"]
    assert (dashboard.status_change_count, len(dashboard.status_changes)) == (2, 1)
    assert "还有 1 项" in response.content.decode()
    everything = selectors.plan_dashboard(plan_2021, date(2021, 9, 30), all_changes=True)
    assert len(everything.status_changes) == 2


def test_a_task_added_while_the_page_is_built_is_counted_not_an_error(client, staff, plan_2021, monkeypatch):
    """The roll-up was read just before another process committed a new task (and moved the token)."""
    client.force_login(staff)
    newest = SpecificTask.objects.filter(work_task__section__plan=plan_2021).latest("pk")
    real = rollup.plan_task_rollups
    calls = []

    def read_just_before_the_commit(plan, as_of=None):
        answer = real(plan, as_of)
        if not calls:
            answer.pop(newest.pk)
        calls.append(plan)
        return answer

    rollup.plan_status_counts(plan_2021)  # the counts are in the cache already
    monkeypatch.setattr(rollup, "plan_task_rollups", read_just_before_the_commit)
    response = client.get(reverse("tasks:plan_detail", args=[plan_2021.pk]))
    assert response.status_code == 200
    assert response.context["counts"].total == 28
    assert len(calls) == 2
