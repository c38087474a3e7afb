from datetime import date
from decimal import Decimal

import pytest

from indicators.models import Indicator
from tasks import rollup
from tasks.calendar import Period
from tasks.models import Milestone, SpecificTask, Update
from tasks.rollup import IndicatorState, MilestoneState, TaskStatus

from .factories import make_update

END_2022Q2 = date(2022, 6, 30)


def status_of(task, as_of):
    return rollup.task_status(rollup.tasks_with_status(SpecificTask.objects.filter(pk=task.pk), as_of).get())


def milestone_info(milestone, as_of):
    annotated = rollup.milestones_with_state(Milestone.objects.filter(pk=milestone.pk), as_of).get()
    return rollup.milestone_state(annotated, as_of)


def progress_of(plan, name, as_of):
    indicator = Indicator.objects.prefetch_related("targets").get(plan=plan, name=name)
    return rollup.indicator_progress(plan, [indicator], as_of)[0]


@pytest.fixture
def m2021(task_1):
    return task_1.milestones.get(year=2021)


# Milestones -----------------------------------------------------------------------------------------------


def test_milestone_is_met_when_an_approved_update_claims_it(task_1, m2021):
    make_update(task_1, "区科委", 2021, 4, claims=[m2021])
    assert milestone_info(m2021, date(2022, 3, 1)).state == MilestoneState.MET


def test_a_submitted_claim_does_not_meet_a_milestone(task_1, m2021):
    make_update(task_1, "区科委", 2021, 4, claims=[m2021], state=Update.State.SUBMITTED)
    assert milestone_info(m2021, date(2022, 3, 1)).state == MilestoneState.LATE


def test_milestone_goes_late_at_midnight_of_its_due_date(m2021):
    assert milestone_info(m2021, date(2021, 12, 31)).state == MilestoneState.PENDING
    assert milestone_info(m2021, date(2022, 1, 1)).state == MilestoneState.LATE


def test_milestone_met_in_its_own_year_is_on_time_and_later_is_not(task_1, m2021):
    m2022 = task_1.milestones.get(year=2022)
    make_update(task_1, "区科委", 2021, 4, claims=[m2021])
    make_update(task_1, "区科委", 2023, 1, claims=[m2022])
    assert milestone_info(m2021, date(2023, 6, 30)).on_time is True
    info = milestone_info(m2022, date(2023, 6, 30))
    assert (info.state, info.on_time, info.met_in) == (MilestoneState.MET, False, Period(2023, 1))


# Task status ----------------------------------------------------------------------------------------------


def test_task_without_approved_update_is_not_started(task_1):
    make_update(task_1, "区科委", 2021, 2, state=Update.State.SUBMITTED)
    assert status_of(task_1, date(2021, 9, 30)) == TaskStatus.NOT_STARTED


def test_task_with_approved_update_is_on_track(task_1):
    make_update(task_1, "区科委", 2021, 2)
    assert status_of(task_1, date(2021, 9, 30)) == TaskStatus.ON_TRACK


def test_task_with_a_late_milestone_is_behind(task_1):
    make_update(task_1, "区科委", 2021, 4)
    assert status_of(task_1, date(2022, 1, 1)) == TaskStatus.BEHIND


def test_task_whose_latest_update_says_behind_is_behind(task_1):
    make_update(task_1, "区科委", 2021, 1)
    make_update(task_1, "区科委", 2021, 2, self_status=Update.SelfStatus.BEHIND)
    assert status_of(task_1, date(2021, 9, 30)) == TaskStatus.BEHIND


def test_task_with_every_milestone_met_is_done(task_1):
    make_update(task_1, "区科委", 2023, 4, claims=list(task_1.milestones.all()))
    assert status_of(task_1, date(2024, 1, 31)) == TaskStatus.DONE


def test_task_declared_done_with_nothing_late_is_done(task_1):
    make_update(task_1, "区科委", 2021, 3, self_status=Update.SelfStatus.DONE)
    assert status_of(task_1, date(2021, 9, 30)) == TaskStatus.DONE


def test_viewing_as_of_a_past_quarter_ignores_later_updates(task_1):
    make_update(task_1, "区科委", 2022, 3, self_status=Update.SelfStatus.BEHIND)
    assert status_of(task_1, END_2022Q2) == TaskStatus.BEHIND  # 2021 milestone unmet
    make_update(task_1, "区科委", 2021, 4, claims=[task_1.milestones.get(year=2021)])
    assert status_of(task_1, END_2022Q2) == TaskStatus.ON_TRACK
    assert status_of(task_1, date(2022, 9, 30)) == TaskStatus.BEHIND


def test_status_counts_of_a_plan_in_one_query(plan_2021, task_1, django_assert_num_queries):
    make_update(task_1, "区科委", 2021, 2)
    tasks = rollup.tasks_with_status(SpecificTask.objects.filter(work_task__section__plan=plan_2021), date(2021, 9, 30))
    with django_assert_num_queries(1):
        counts = rollup.status_counts(tasks)
    assert counts.total == 28
    assert counts.counts[TaskStatus.ON_TRACK] == 1
    assert counts.counts[TaskStatus.NOT_STARTED] == 27


# Indicators -----------------------------------------------------------------------------------------------


@pytest.fixture
def hires(plan_2021):
    return Indicator.objects.get(plan=plan_2021, name="大兴区政府特聘岗聘用人数")


def test_cumulative_indicator_sums_from_the_plan_start(plan_2021, task_1, scenes):
    make_update(task_1, "区科委", 2021, 4, contributions={scenes: 6})
    make_update(task_1, "区科委", 2022, 2, contributions={scenes: 5})
    make_update(task_1, "区财政局", 2022, 2, contributions={scenes: 1})
    assert progress_of(plan_2021, scenes.name, END_2022Q2).actual == 12


def test_per_year_indicator_sums_within_the_year(plan_2021, hires):
    task = hires.tasks.get()
    make_update(task, "区委组织部", 2021, 3, contributions={hires: 2})
    make_update(task, "区委组织部", 2022, 1, contributions={hires: 1})
    progress = progress_of(plan_2021, hires.name, END_2022Q2)
    assert (progress.actual, progress.year_target, progress.state) == (1, 1, IndicatorState.REACHED)


def test_unapproved_and_future_contributions_do_not_count(plan_2021, task_1, scenes):
    make_update(task_1, "区科委", 2022, 1, contributions={scenes: 4}, state=Update.State.SUBMITTED)
    make_update(task_1, "区科委", 2022, 3, contributions={scenes: 9})
    assert progress_of(plan_2021, scenes.name, END_2022Q2).actual == 0


def test_straight_line_runs_through_each_yearly_target(plan_2021, scenes):
    targets = {2022: Decimal(15), 2023: Decimal(30)}
    assert rollup.expected_value(scenes, targets, 2021, date(2022, 12, 31)) == 15
    assert rollup.expected_value(scenes, targets, 2021, date(2021, 12, 31)) == Decimal("7.5")
    assert rollup.expected_value(scenes, targets, 2021, date(2023, 12, 31)) == 30


def test_indicator_below_the_line_is_a_warning_and_at_it_normal(plan_2021, task_1, scenes):
    make_update(task_1, "区科委", 2022, 2, contributions={scenes: 10})
    progress = progress_of(plan_2021, scenes.name, END_2022Q2)
    assert progress.expected > 10
    assert progress.state == IndicatorState.WARNING
    make_update(task_1, "区财政局", 2022, 2, contributions={scenes: 2})
    assert progress_of(plan_2021, scenes.name, END_2022Q2).state == IndicatorState.NORMAL


def test_indicator_short_when_the_year_is_over_is_missed(plan_2021, task_1, scenes):
    make_update(task_1, "区科委", 2022, 4, contributions={scenes: 14})
    assert progress_of(plan_2021, scenes.name, date(2022, 12, 31)).state == IndicatorState.MISSED


def test_indicator_at_the_year_target_is_reached(plan_2021, task_1, scenes):
    make_update(task_1, "区科委", 2022, 2, contributions={scenes: 15})
    progress = progress_of(plan_2021, scenes.name, END_2022Q2)
    assert (progress.state, progress.percent) == (IndicatorState.REACHED, 100.0)


def test_trend_has_the_running_total_per_quarter(plan_2021, task_1, scenes):
    make_update(task_1, "区科委", 2021, 2, contributions={scenes: 2})
    make_update(task_1, "区科委", 2021, 4, contributions={scenes: 3})
    trend = dict(progress_of(plan_2021, scenes.name, date(2021, 12, 31)).trend)
    assert (trend[Period(2021, 1)], trend[Period(2021, 3)], trend[Period(2021, 4)]) == (0, 2, 5)
