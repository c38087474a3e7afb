"""
Who may open each view of the quarterly loop, role by role, and the gate's helpers (tasks.access).

The world: task 1 of the 2021–2023 plan, led by 区科委 (lead_reporter) with 区财政局 co-responsible
(co_reporter); 区统计局 (outsider) has no part in it. 区科委 has updates in every state, 区财政局 a
draft and a submitted one, and 区科委's draft has an attachment.
"""

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import Http404
from django.urls import reverse

from tasks import access
from tasks.models import Attachment, Responsibility, Update

from .factories import make_update
from .updates_support import *  # noqa: F403 - fixtures
from .updates_support import PDF

ROLES = ["staff", "admin_user", "leader", "lead_reporter", "co_reporter", "outsider"]


@pytest.fixture
def world(set_today, media, task_1, staff, admin_user, leader, lead_reporter, co_reporter, outsider):
    updates = {
        "lead_draft": make_update(task_1, "区科委", 2022, 2, state=Update.State.DRAFT),
        "lead_submitted": make_update(task_1, "区科委", 2022, 1, state=Update.State.SUBMITTED),
        "lead_returned": make_update(task_1, "区科委", 2021, 4, state=Update.State.RETURNED),
        "lead_approved": make_update(task_1, "区科委", 2021, 3, state=Update.State.APPROVED),
        "co_draft": make_update(task_1, "区财政局", 2022, 2, state=Update.State.DRAFT),
        "co_submitted": make_update(task_1, "区财政局", 2022, 1, state=Update.State.SUBMITTED),
    }
    updates["attachment"] = Attachment.objects.create(
        update=updates["lead_draft"],
        file=ContentFile(PDF, name="evidence"),
        token="t" * 32,
        name="证明.pdf",
        content_type="application/pdf",
        size=len(PDF),
        uploaded_by=lead_reporter,
    )
    users = {
        "staff": staff,
        "admin_user": admin_user,
        "leader": leader,
        "lead_reporter": lead_reporter,
        "co_reporter": co_reporter,
        "outsider": outsider,
    }
    return users, updates


def expect(staff, admin, leader, lead, co, outsider):
    return dict(zip(ROLES, [staff, admin, leader, lead, co, outsider]))


# (name, method, URL name, argument: a key of the world or "task", POST data, expected codes by role)
CASES = [
    ("unit home", "get", "tasks:unit_home", None, None, expect(403, 403, 403, 200, 200, 200)),
    ("update list", "get", "tasks:update_list", None, None, expect(200, 200, 200, 200, 200, 200)),
    ("draft page", "get", "tasks:update_detail", "lead_draft", None, expect(200, 200, 404, 200, 404, 404)),
    ("submitted page", "get", "tasks:update_detail", "lead_submitted", None, expect(200, 200, 404, 200, 404, 404)),
    ("returned page", "get", "tasks:update_detail", "lead_returned", None, expect(200, 200, 404, 200, 404, 404)),
    ("approved page", "get", "tasks:update_detail", "lead_approved", None, expect(200, 200, 200, 200, 200, 200)),
    ("co-unit's submission", "get", "tasks:update_detail", "co_submitted", None, expect(200, 200, 404, 200, 200, 404)),
    ("co-unit's draft", "get", "tasks:update_detail", "co_draft", None, expect(200, 200, 404, 404, 200, 404)),
    ("edit form", "get", "tasks:update_edit", "lead_draft", None, expect(403, 403, 403, 200, 404, 404)),
    ("save draft", "post", "tasks:update_edit", "lead_draft", {"action": "save"}, expect(403, 403, 403, 302, 404, 404)),
    ("edit form, GET on start", "get", "tasks:update_start", "task", None, expect(405, 405, 405, 405, 405, 405)),
    ("start", "post", "tasks:update_start", "task", {"period": "2022Q2"}, expect(403, 403, 403, 302, 302, 404)),
    ("approve, GET", "get", "tasks:update_approve", "lead_submitted", None, expect(405, 405, 405, 405, 405, 405)),
    ("approve", "post", "tasks:update_approve", "lead_submitted", {}, expect(302, 302, 403, 403, 404, 404)),
    ("return, GET", "get", "tasks:update_return", "lead_submitted", None, expect(405, 405, 405, 405, 405, 405)),
    ("return", "post", "tasks:update_return", "lead_submitted", {"reason": "请补充"}, expect(302, 302, 403, 403, 404, 404)),
    ("reopen, GET", "get", "tasks:update_reopen", "lead_approved", None, expect(405, 405, 405, 405, 405, 405)),
    ("reopen", "post", "tasks:update_reopen", "lead_approved", {"reopen-reason": "数据有误"}, expect(302, 302, 403, 403, 404, 404)),
    ("attachment", "get", "tasks:attachment_download", "attachment", None, expect(200, 200, 404, 200, 404, 404)),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_each_role_gets_the_expected_answer(client, world, task_1, case):
    users, objects = world
    _name, method, url_name, arg, data, expected = case
    target = task_1 if arg == "task" else objects.get(arg)
    url = reverse(url_name, args=[target.pk] if target is not None else [])
    answers = {}
    for role in ROLES:
        payload = dict(data or {})
        if isinstance(target, Update):
            target.refresh_from_db()
            payload.setdefault("revision", target.revision)
            payload.setdefault("reopen-revision", target.revision)
        with transaction.atomic():  # one role's POST must not change what the next role meets
            client.force_login(users[role])
            answers[role] = getattr(client, method)(url, payload).status_code
            transaction.set_rollback(True)
    assert answers == expected


def test_leadership_sees_no_edit_or_review_controls(client, world):
    users, objects = world
    client.force_login(users["leader"])
    body = client.get(reverse("tasks:update_detail", args=[objects["lead_approved"].pk])).content.decode()
    for control in ('id="btn-edit"', 'id="btn-approve"', 'id="btn-return"', 'id="btn-reopen"', "<form method=\"post\" action=\"/plans"):
        assert control not in body


def test_staff_see_review_controls_on_a_submitted_update(client, world):
    users, objects = world
    client.force_login(users["staff"])
    body = client.get(reverse("tasks:update_detail", args=[objects["lead_submitted"].pk])).content.decode()
    assert 'id="btn-approve"' in body and 'id="btn-return"' in body and 'id="btn-edit"' not in body


def test_a_unit_sees_the_edit_button_only_on_its_own_editable_update(client, world):
    users, objects = world
    client.force_login(users["lead_reporter"])
    assert 'id="btn-edit"' in client.get(reverse("tasks:update_detail", args=[objects["lead_returned"].pk])).content.decode()
    assert 'id="btn-edit"' not in client.get(reverse("tasks:update_detail", args=[objects["lead_approved"].pk])).content.decode()


def test_an_outsider_lists_approved_progress_of_every_task_but_no_drafts(client, world):
    users, objects = world
    client.force_login(users["outsider"])
    body = client.get(reverse("tasks:update_list") + "?state=").content.decode()
    assert f'id="update-row-{objects["lead_approved"].pk}"' in body
    for hidden in ("lead_draft", "lead_submitted", "co_draft", "co_submitted"):
        assert f'id="update-row-{objects[hidden].pk}"' not in body


def test_a_unit_that_no_longer_has_the_task_cannot_edit_its_old_update(world, task_1):
    users, objects = world
    Responsibility.objects.filter(task=task_1, unit__name="区财政局").delete()
    with pytest.raises(Http404):
        access.get_update_for_unit(users["co_reporter"], objects["co_draft"].pk)


def test_a_reporter_is_told_nothing_about_another_units_update_under_review(world):
    users, objects = world
    with pytest.raises(Http404):
        access.get_update_for_review(users["outsider"], objects["lead_submitted"].pk)


def test_the_review_gate_says_404_for_an_address_that_does_not_exist(world):
    users, _objects = world
    with pytest.raises(Http404):
        access.get_update_for_review(users["staff"], 999999)
