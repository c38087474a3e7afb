"""Unit scorecard rules (tasks.rollup.unit_scorecards and rank_units): one test per rule."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from tasks import rollup
from tasks.calendar import Period
from tasks.models import SpecificTask, Update, UpdateEvent
from tasks.rollup import Scorecard
from units.models import Unit

from .factories import make_update

SHANGHAI = ZoneInfo("Asia/Shanghai")
Q1_2022 = Period(2022, 1)  # due 2022-04-05
AFTER_Q1_DUE = date(2022, 4, 6)


def local(*args):
    return datetime(*args, tzinfo=SHANGHAI)


def card_of(plan, unit_name, period=Q1_2022, as_of=AFTER_Q1_DUE) -> Scorecard:
    unit = Unit.objects.get(name=unit_name)
    return rollup.unit_scorecards(plan, [period], as_of)[unit.pk][period]


@pytest.fixture
def task_10_2(plan_2021):
    """大兴发展 leads it and no other task; 大兴投资 is co-responsible."""
    return SpecificTask.objects.get(work_task__section__plan=plan_2021, work_task__seq=10, number="2.")


# Expected reports -----------------------------------------------------------------------------------------


def test_the_lead_unit_owes_one_report_per_task_once_the_due_date_has_passed(plan_2021):
    assert card_of(plan_2021, "区科委").expected == 18
    assert card_of(plan_2021, "大兴发展").expected == 1


def test_nothing_is_expected_on_the_due_date_itself(plan_2021):
    assert card_of(plan_2021, "大兴发展", as_of=date(2022, 4, 5)).expected == 0


def test_co_units_are_not_expected_to_report(plan_2021):
    cards = rollup.unit_scorecards(plan_2021, [Q1_2022], AFTER_Q1_DUE)
    assert Unit.objects.get(name="区财政局").pk not in cards


def test_quarters_outside_the_plan_expect_nothing(plan_2021):
    assert card_of(plan_2021, "大兴发展", period=Period(2024, 1), as_of=date(2026, 11, 21)).expected == 0


# On time, late, missing -----------------------------------------------------------------------------------


def test_first_submission_on_the_due_date_in_local_time_is_on_time(task_10_2):
    # 2022-04-05 07:00 in Beijing is still 2022-04-04 in UTC; 23:59 local is 15:59 UTC.
    make_update(task_10_2, "大兴发展", 2022, 1, submitted_at=local(2022, 4, 5, 23, 59))
    card = card_of(task_10_2.work_task.section.plan, "大兴发展")
    assert (card.on_time, card.late, card.missing) == (1, 0, 0)


def test_first_submission_after_local_midnight_is_late_even_when_utc_is_still_the_due_date(task_10_2):
    make_update(task_10_2, "大兴发展", 2022, 1, submitted_at=local(2022, 4, 6, 0, 30))  # 2022-04-05 16:30 UTC
    card = card_of(task_10_2.work_task.section.plan, "大兴发展", as_of=date(2022, 4, 7))
    assert (card.on_time, card.late, card.missing) == (0, 1, 0)


def test_an_unsubmitted_draft_is_missing(task_10_2):
    make_update(task_10_2, "大兴发展", 2022, 1, state=Update.State.DRAFT)
    card = card_of(task_10_2.work_task.section.plan, "大兴发展")
    assert (card.submitted, card.missing) == (0, 1)


def test_a_report_submitted_after_the_as_of_day_is_missing_as_of_then(task_10_2):
    make_update(task_10_2, "大兴发展", 2022, 1, submitted_at=local(2022, 5, 10, 9))
    plan = task_10_2.work_task.section.plan
    assert card_of(plan, "大兴发展", as_of=date(2022, 5, 9)).missing == 1
    assert card_of(plan, "大兴发展", as_of=date(2022, 5, 10)).late == 1


def test_a_co_units_report_scores_nothing(task_10_2):
    make_update(task_10_2, "大兴投资", 2022, 1, submitted_at=local(2022, 4, 1, 9))
    card = card_of(task_10_2.work_task.section.plan, "大兴投资")
    assert (card.expected, card.on_time) == (2, 0)


# Returned -------------------------------------------------------------------------------------------------


def returned_on(update, when):
    event = UpdateEvent.objects.create(update=update, action=UpdateEvent.Action.RETURNED, actor=update.created_by)
    UpdateEvent.objects.filter(pk=event.pk).update(created_at=when)


def test_a_report_returned_once_counts_as_returned_even_after_approval(task_10_2):
    update = make_update(task_10_2, "大兴发展", 2022, 1, submitted_at=local(2022, 4, 2, 9))
    returned_on(update, local(2022, 4, 3, 9))
    assert card_of(task_10_2.work_task.section.plan, "大兴发展").returned == 1


def test_a_return_after_the_as_of_day_is_not_counted(task_10_2):
    update = make_update(task_10_2, "大兴发展", 2022, 1, state=Update.State.RETURNED, submitted_at=local(2022, 4, 2, 9))
    returned_on(update, local(2022, 4, 7, 9))
    assert card_of(task_10_2.work_task.section.plan, "大兴发展").returned == 0


# Milestones met on time -----------------------------------------------------------------------------------


def test_a_milestone_met_in_its_own_quarter_is_met_on_time(task_10_2):
    milestone = task_10_2.milestones.get(year=2021)
    make_update(task_10_2, "大兴发展", 2021, 4, claims=[milestone])
    card = card_of(task_10_2.work_task.section.plan, "大兴发展", Period(2021, 4), date(2022, 1, 1))
    assert (card.milestones_due, card.milestones_on_time) == (1, 1)


def test_a_milestone_met_the_quarter_after_is_due_but_not_on_time(task_10_2):
    milestone = task_10_2.milestones.get(year=2021)
    make_update(task_10_2, "大兴发展", 2022, 1, claims=[milestone])
    card = card_of(task_10_2.work_task.section.plan, "大兴发展", Period(2021, 4), date(2022, 6, 30))
    assert (card.milestones_due, card.milestones_on_time) == (1, 0)


def test_a_milestone_is_not_due_until_its_due_date_has_passed(task_10_2):
    card = card_of(task_10_2.work_task.section.plan, "大兴发展", Period(2021, 4), date(2021, 12, 31))
    assert card.milestones_due == 0


def test_milestones_of_tasks_a_unit_only_co_owns_are_not_its_own(task_10_2):
    card = card_of(task_10_2.work_task.section.plan, "大兴投资", Period(2021, 4), date(2022, 1, 1))
    assert card.milestones_due == 2  # its own tasks 11-1 and 11-2, not 10-2


# A year, and the query count ------------------------------------------------------------------------------


def test_a_year_is_the_sum_of_its_quarters(plan_2021, task_10_2):
    make_update(task_10_2, "大兴发展", 2022, 1, submitted_at=local(2022, 4, 1, 9))
    make_update(task_10_2, "大兴发展", 2022, 2, submitted_at=local(2022, 7, 20, 9))
    year = [Period(2022, q) for q in range(1, 5)]
    cards = rollup.unit_scorecards(plan_2021, year, date(2026, 11, 21))[Unit.objects.get(name="大兴发展").pk]
    total = sum(cards.values(), Scorecard())
    assert (total.expected, total.on_time, total.late, total.missing) == (4, 1, 1, 2)


def test_scorecards_take_three_queries_however_many_reports(plan_2021, task_10_2, django_assert_num_queries):
    year = [Period(2022, q) for q in range(1, 5)]
    # Three aggregate queries, after reading the roll-up cache's token (tasks.rollup_cache).
    with django_assert_num_queries(4):
        rollup.unit_scorecards(plan_2021, year, date(2026, 11, 21))
    for task in SpecificTask.objects.filter(work_task__section__plan=plan_2021)[:10]:
        lead = task.responsibilities.get(role="lead").unit
        make_update(task, lead, 2022, 1, submitted_at=local(2022, 4, 1, 9), claims=task.milestones.filter(year=2022))
    with django_assert_num_queries(4):
        rollup.unit_scorecards(plan_2021, year, date(2026, 11, 21))


# Ranking --------------------------------------------------------------------------------------------------


def ranked(plan, period=Q1_2022, as_of=AFTER_Q1_DUE):
    units = Unit.objects.all()
    rows = rollup.rank_units(units, rollup.unit_scorecards(plan, [period], as_of), [period])
    return {row.unit.name: row.rank for row in rows}


def test_units_rank_by_share_of_reports_on_time(plan_2021, task_10_2):
    make_update(task_10_2, "大兴发展", 2022, 1, submitted_at=local(2022, 4, 1, 9))
    ranks = ranked(plan_2021)
    assert ranks["大兴发展"] == 1
    assert ranks["区科委"] == 2


def test_equal_units_share_a_rank_and_late_beats_missing(plan_2021, task_10_2):
    ranks = ranked(plan_2021)
    assert ranks["大兴发展"] == ranks["区科委"] == 1
    make_update(task_10_2, "大兴发展", 2022, 1, submitted_at=local(2022, 4, 6, 9))
    ranks = ranked(plan_2021, as_of=date(2022, 4, 7))
    assert ranks["大兴发展"] == 1
    assert ranks["区科委"] == 2


def test_units_with_nothing_expected_are_listed_but_not_ranked(plan_2021):
    ranks = ranked(plan_2021, as_of=date(2022, 4, 1))
    assert set(ranks.values()) == {None}


# The scorecard page (units.views.scorecard) ---------------------------------------------------------------


def scorecard_url(unit_name, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("units:scorecard", args=[Unit.objects.get(name=unit_name).pk]) + (f"?{query}" if query else "")


def test_staff_and_leaders_see_any_units_scorecard(client, staff, leader, plan_2021):
    for user in (staff, leader):
        client.force_login(user)
        assert client.get(scorecard_url("大兴发展")).status_code == 200


def test_a_reporter_sees_its_own_units_scorecard_only(client, lead_reporter, plan_2021):
    client.force_login(lead_reporter)
    assert client.get(scorecard_url("区科委")).status_code == 200
    assert client.get(scorecard_url("大兴发展")).status_code == 404


def test_an_unknown_unit_is_404(client, staff, db):
    client.force_login(staff)
    assert client.get(reverse("units:scorecard", args=[999999])).status_code == 404


def test_the_navigation_leads_reporters_to_their_scorecard_and_others_to_the_bulletin(client, lead_reporter, leader):
    client.force_login(lead_reporter)
    body = client.get(scorecard_url("区科委")).content.decode()
    assert 'id="nav-scorecard"' in body and 'id="nav-bulletin"' not in body
    client.force_login(leader)
    assert 'id="nav-bulletin"' in client.get(scorecard_url("区科委")).content.decode()


def test_the_scorecard_has_every_quarter_with_yearly_and_plan_totals(client, leader, plan_2021, task_10_2):
    make_update(task_10_2, "大兴发展", 2022, 1, submitted_at=local(2022, 4, 1, 9))
    client.force_login(leader)
    response = client.get(scorecard_url("大兴发展", plan=plan_2021.pk))
    years, total = response.context["years"], response.context["total"]
    assert [len(y.quarters) for y in years] == [4, 4, 4]
    assert (years[1].total.expected, years[1].total.on_time) == (4, 1)
    assert (total.expected, total.on_time, total.missing) == (12, 1, 11)
    assert "2022年合计" in response.content.decode()


def test_scorecard_query_count_is_fixed_however_many_reports(client, leader, plan_2021, task_10_2, django_assert_num_queries):
    client.force_login(leader)
    with django_assert_num_queries(12):
        client.get(scorecard_url("大兴发展", plan=plan_2021.pk))
    for quarter in range(1, 5):
        update = make_update(task_10_2, "大兴发展", 2022, quarter, submitted_at=local(2022, 12, 1, 9))
        returned_on(update, local(2022, 12, 2, 9))
    with django_assert_num_queries(12):
        response = client.get(scorecard_url("大兴发展", plan=plan_2021.pk))
    assert response.context["total"].returned == 4
