"""Returning a submitted update with a reason: services.update_return and tasks:update_return."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tasks import services
from tasks.models import Update, UpdateEvent

from .updates_support import *  # noqa: F403 - fixtures
from .updates_support import submitted


@pytest.fixture
def under_review(draft, lead_reporter):
    return submitted(draft, lead_reporter)


def url(update):
    return reverse("tasks:update_return", args=[update.pk])


def test_return_sends_it_back_with_the_reason(under_review, staff):
    update = services.update_return(update=under_review, reviewer=staff, reason="请补充项目清单")
    assert (update.state, update.return_reason) == (Update.State.RETURNED, "请补充项目清单")
    event = update.events.last()
    assert (event.action, event.actor, event.note) == (UpdateEvent.Action.RETURNED, staff, "请补充项目清单")
    assert update.is_editable_by_unit


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_reason_is_required(under_review, staff, reason):
    with pytest.raises(ValidationError, match="请填写原因"):
        services.update_return(update=under_review, reviewer=staff, reason=reason)
    under_review.refresh_from_db()
    assert under_review.state == Update.State.SUBMITTED


def test_a_draft_cannot_be_returned(draft, staff):
    with pytest.raises(ValidationError, match="只有已提交的季度进展才能退回"):
        services.update_return(update=draft, reviewer=staff, reason="x")


def test_the_view_returns_it(client, under_review, staff):
    client.force_login(staff)
    client.post(url(under_review), {"revision": under_review.revision, "reason": "数据口径不清"})
    under_review.refresh_from_db()
    assert (under_review.state, under_review.return_reason) == (Update.State.RETURNED, "数据口径不清")


def test_the_view_without_a_reason_says_so_and_changes_nothing(client, under_review, staff):
    client.force_login(staff)
    response = client.post(url(under_review), {"revision": under_review.revision, "reason": ""}, follow=True)
    assert "请填写原因" in response.content.decode()
    under_review.refresh_from_db()
    assert under_review.state == Update.State.SUBMITTED


def test_the_unit_sees_the_reason_on_its_home_and_the_update(client, under_review, staff, lead_reporter):
    services.update_return(update=under_review, reviewer=staff, reason="请补充项目清单")
    client.force_login(lead_reporter)
    assert "请补充项目清单" in client.get(reverse("tasks:unit_home")).content.decode()
    assert "请补充项目清单" in client.get(reverse("tasks:update_detail", args=[under_review.pk])).content.decode()


def test_return_rejects_get(client, under_review, staff):
    client.force_login(staff)
    assert client.get(url(under_review)).status_code == 405


def test_leadership_gets_403_and_an_outsider_404(client, under_review, leader, outsider):
    client.force_login(leader)
    assert client.post(url(under_review), {"revision": under_review.revision, "reason": "x"}).status_code == 403
    client.force_login(outsider)
    assert client.post(url(under_review), {"revision": under_review.revision, "reason": "x"}).status_code == 404
