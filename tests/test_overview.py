"""The district overview across plans (indicators.views.overview)."""

from datetime import date

import pytest
from django.urls import reverse

from indicators.models import Indicator
from tasks.rollup import IndicatorState

from .factories import make_update


def summary_of(response, plan):
    return next(s for s in response.context["summaries"] if s.plan.pk == plan.pk)


def test_it_shows_every_plan_with_its_indicators_and_task_counts(as_leader, plan_2021, plan_2025):
    response = as_leader.get(reverse("indicators:overview"))
    assert {s.plan.pk for s in response.context["summaries"]} == {plan_2021.pk, plan_2025.pk}
    assert len(summary_of(response, plan_2021).indicators) == 11
    assert len(summary_of(response, plan_2025).indicators) == 5
    assert summary_of(response, plan_2021).task_counts.total == 28
    body = response.content.decode()
    assert reverse("indicators:plan_dashboard", args=[plan_2021.pk]) in body


def test_states_are_counted_per_plan_as_of_the_chosen_quarter(as_leader, plan_2021, task_1):
    scenes = Indicator.objects.get(plan=plan_2021, name="落地区级应用场景示范项目")
    make_update(task_1, "区科委", 2022, 2, contributions={scenes: 15})
    summary = summary_of(as_leader.get(reverse("indicators:overview") + "?as_of=2022Q2"), plan_2021)
    states = dict(summary.states)
    assert states[IndicatorState.REACHED] == 1
    assert states[IndicatorState.WARNING] == 10
    assert summary.year == 2022


def test_as_of_links_keep_the_chosen_quarter(as_leader, plan_2021):
    body = as_leader.get(reverse("indicators:overview") + "?as_of=2022Q4").content.decode()
    assert reverse("indicators:plan_dashboard", args=[plan_2021.pk]) + "?as_of=2022Q4" in body
    assert '<option value="2022Q4" selected>' in body


def test_chart_data_of_each_plan_comes_through_json_script(as_leader, plan_2025):
    response = as_leader.get(reverse("indicators:overview"))
    assert len(response.context["charts"]["plans"][str(plan_2025.pk)]) == 5
    assert 'id="overview-charts" type="application/json"' in response.content.decode()


def test_a_quarter_not_begun_gets_a_message(as_leader, monkeypatch):
    monkeypatch.setattr("indicators.views.today", lambda: date(2026, 11, 21))
    response = as_leader.get(reverse("indicators:overview") + "?as_of=2027Q2")
    assert "尚未开始" in response.content.decode()
    assert response.context["as_of"].day == date(2026, 11, 21)


@pytest.mark.parametrize("who", ["staff", "leader", "lead_reporter", "outsider"])
def test_every_logged_in_role_may_read_it(client, who, request, plan_2021):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("indicators:overview")).status_code == 200


def test_it_is_read_only(as_leader):
    assert as_leader.post(reverse("indicators:overview")).status_code == 405


def test_the_navigation_has_it_and_the_leaders_home_puts_it_one_click_away(client, leader, lead_reporter, plan_2021):
    client.force_login(leader)
    body = client.get(reverse("home")).content.decode()
    assert body.count(f'href="{reverse("indicators:overview")}"') == 2  # the navigation bar and the home panel
    assert reverse("indicators:plan_dashboard", args=[plan_2021.pk]) in body
    client.force_login(lead_reporter)
    body = client.get(reverse("home")).content.decode()
    assert body.count(f'href="{reverse("indicators:overview")}"') == 1  # reporters: the navigation bar only


def test_a_plan_not_yet_begun_on_the_day_chosen_shows_nothing_but_a_note(as_leader, plan_2025):
    response = as_leader.get(reverse("indicators:overview") + "?as_of=2022Q4")
    assert summary_of(response, plan_2025).begun is False
    assert "本计划自2025年起实施" in response.content.decode()
