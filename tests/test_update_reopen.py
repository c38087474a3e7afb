"""Reopening an approved update with a reason: services.update_reopen and tasks:update_reopen."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tasks import rollup, services
from tasks.models import Milestone, Update, UpdateEvent

from .updates_support import *  # noqa: F403 - fixtures
from .updates_support import submitted


@pytest.fixture
def approved(draft, lead_reporter, staff):
    return services.update_approve(update=submitted(draft, lead_reporter), reviewer=staff)


def url(update):
    return reverse("tasks:update_reopen", args=[update.pk])


def test_reopening_gives_it_back_to_the_unit_with_the_reason(approved, staff):
    update = services.update_reopen(update=approved, reviewer=staff, reason="数据需更正")
    assert (update.state, update.return_reason) == (Update.State.RETURNED, "数据需更正")
    assert update.events.last().action == UpdateEvent.Action.REOPENED


def test_a_reopened_update_stops_counting(draft, lead_reporter, staff, task_1):
    m2021 = task_1.milestones.get(year=2021)

    def state():
        milestone = rollup.milestones_with_state(Milestone.objects.filter(pk=m2021.pk), date(2022, 6, 30)).get()
        return rollup.milestone_state(milestone, date(2022, 6, 30)).state

    update = services.update_approve(update=submitted(draft, lead_reporter, milestones=[m2021]), reviewer=staff)
    assert state() == rollup.MilestoneState.MET
    services.update_reopen(update=update, reviewer=staff, reason="证明材料不足")
    assert state() == rollup.MilestoneState.LATE


def test_a_reason_is_required(approved, staff):
    with pytest.raises(ValidationError, match="请填写原因"):
        services.update_reopen(update=approved, reviewer=staff, reason=" ")


def test_only_an_approved_update_can_be_reopened(draft, staff):
    with pytest.raises(ValidationError, match="只有已通过的季度进展才能重新打开"):
        services.update_reopen(update=draft, reviewer=staff, reason="x")


def test_the_view_reopens_it(client, approved, staff):
    client.force_login(staff)
    client.post(url(approved), {"reopen-revision": approved.revision, "reopen-reason": "数据需更正"})
    approved.refresh_from_db()
    assert approved.state == Update.State.RETURNED


def test_the_view_without_a_reason_changes_nothing(client, approved, staff):
    client.force_login(staff)
    response = client.post(url(approved), {"reopen-revision": approved.revision, "reopen-reason": ""}, follow=True)
    assert "请填写原因" in response.content.decode()
    approved.refresh_from_db()
    assert approved.state == Update.State.APPROVED


def test_reopen_rejects_get(client, approved, staff):
    client.force_login(staff)
    assert client.get(url(approved)).status_code == 405


def test_leadership_gets_403_and_an_outsider_404(client, approved, leader, outsider):
    client.force_login(leader)
    assert client.post(url(approved), {"reopen-revision": approved.revision, "reopen-reason": "x"}).status_code == 403
    client.force_login(outsider)
    assert client.post(url(approved), {"reopen-revision": approved.revision, "reopen-reason": "x"}).status_code == 404
