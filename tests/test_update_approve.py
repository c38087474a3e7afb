"""Approving a submitted update: services.update_approve and tasks:update_approve."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tasks import services
from tasks.models import Update, UpdateEvent

from .updates_support import *  # noqa: F403 - fixtures
from .updates_support import submitted


@pytest.fixture
def under_review(draft, lead_reporter):
    return submitted(draft, lead_reporter)


def url(update):
    return reverse("tasks:update_approve", args=[update.pk])


def test_approval_locks_the_update_and_records_the_reviewer(under_review, staff):
    update = services.update_approve(update=under_review, reviewer=staff)
    assert (update.state, update.reviewed_by) == (Update.State.APPROVED, staff)
    assert update.events.last().action == UpdateEvent.Action.APPROVED
    assert not update.is_editable_by_unit


def test_only_a_submitted_update_can_be_approved(draft, staff):
    with pytest.raises(ValidationError, match="只有已提交的季度进展才能审核通过"):
        services.update_approve(update=draft, reviewer=staff)


def test_a_reporter_cannot_approve_through_the_service(under_review, lead_reporter):
    with pytest.raises(PermissionDenied):
        services.update_approve(update=under_review, reviewer=lead_reporter)


def test_the_view_approves_and_returns_to_the_queue(client, under_review, staff):
    client.force_login(staff)
    response = client.post(url(under_review), {"revision": under_review.revision})
    under_review.refresh_from_db()
    assert under_review.state == Update.State.APPROVED
    assert response.url == reverse("tasks:update_list") + "?state=submitted"


def test_approving_what_changed_since_the_page_was_read_is_refused(client, under_review, staff, lead_reporter):
    stale = under_review.revision
    update = services.update_return(update=under_review, reviewer=staff, reason="补充")
    submitted(update, lead_reporter, progress="第二版")
    client.force_login(staff)
    response = client.post(url(under_review), {"revision": stale}, follow=True)
    assert "已有变动" in response.content.decode()
    under_review.refresh_from_db()
    assert under_review.state == Update.State.SUBMITTED


def test_approving_twice_says_why_the_second_is_refused(client, under_review, staff):
    client.force_login(staff)
    client.post(url(under_review), {"revision": under_review.revision})
    under_review.refresh_from_db()
    response = client.post(url(under_review), {"revision": under_review.revision}, follow=True)
    assert "只有已提交的季度进展才能审核通过" in response.content.decode()


def test_approve_rejects_get(client, under_review, staff):
    client.force_login(staff)
    assert client.get(url(under_review)).status_code == 405


def test_leadership_gets_403_and_an_outsider_404(client, under_review, leader, outsider):
    client.force_login(leader)
    assert client.post(url(under_review), {"revision": under_review.revision}).status_code == 403
    client.force_login(outsider)
    assert client.post(url(under_review), {"revision": under_review.revision}).status_code == 404
    under_review.refresh_from_db()
    assert under_review.state == Update.State.SUBMITTED
