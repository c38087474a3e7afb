"""
manage.py seed_demo: demonstration data at a given scale. Seeded once for the
module at scale 3 (the two seed plans and two generated plans), inside a
transaction rolled back at the end so the other tests never see it.
"""

import hashlib
from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, Max, Min, Q
from django.test import override_settings
from django.utils import timezone

from indicators.models import Contribution
from tasks.models import Milestone, Plan, Responsibility, SpecificTask, Update, UpdateEvent, UpdateVersion
from units.models import Unit, User

FAST_HASHER = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])


def seed(*args) -> str:
    out = StringIO()
    with FAST_HASHER:
        call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def digest() -> str:
    rows = Update.objects.order_by("task__work_task__section__plan__title", "task__pk", "unit__name", "year", "quarter")
    values = rows.values_list("task__text", "unit__name", "year", "quarter", "state", "progress", "submitted_at")
    return hashlib.sha256(repr(list(values)).encode()).hexdigest()


# First in the file on purpose: it needs the database without the module's seeded data (set up by the
# first test that asks for `seeded`, below), and pytest runs a file's tests in order.
def test_the_same_seed_gives_the_same_data(db):
    digests = []
    for _ in range(2):
        with transaction.atomic():
            seed("--scale", "1", "--seed", "11")
            assert Update.objects.count() > 500
            digests.append(digest())
            transaction.set_rollback(True)
    assert digests[0] == digests[1]
    assert Update.objects.count() == 0


@pytest.fixture(scope="module")
def seeded(django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        before = {"plans": Plan.objects.count(), "tasks": SpecificTask.objects.count(), "milestones": Milestone.objects.count()}
        output = seed("--scale", "3", "--seed", "7")
        yield before, output
        transaction.set_rollback(True)


def test_it_prints_what_it_made_and_how_long_it_took(seeded, db):
    _, output = seeded
    assert f"{Update.objects.count()} 条季度进展" in output
    assert "用时" in output and "秒" in output


def test_above_scale_one_a_plan_grows_by_a_hundred_tasks_and_three_hundred_milestones_a_step(seeded, db):
    before, _ = seeded
    assert Plan.objects.count() == before["plans"] + 1
    assert SpecificTask.objects.count() == before["tasks"] + 200
    # The seed plans' milestones, the 2025–2027 plan's new 2025 and 2026 ones (21 tasks), and 3 a generated task.
    assert Milestone.objects.count() == before["milestones"] + 2 * 21 + 600


def generated_plan():
    return Plan.objects.get(title__startswith="大兴区科技创新重点任务三年行动计划")


def test_the_generated_plan_is_in_force_with_about_eleven_updates_a_task(seeded, db):
    plan = generated_plan()
    per_task = Update.objects.filter(task__work_task__section__plan=plan).count() / 200
    assert plan.status == Plan.Status.ACTIVE and plan.end_year == timezone.localdate().year
    assert 10 <= per_task <= 13


def test_the_generated_plan_numbers_its_work_tasks_as_printed(seeded, db):
    numbers = list(generated_plan().sections.order_by("order").values_list("work_tasks__number", flat=True))
    assert numbers[:2] == ["（一）", "（二）"]
    assert "（四十）" in numbers


def test_the_2021_plan_has_three_years_of_quarterly_updates(seeded, plan_2021, db):
    quarters = set(Update.objects.filter(task__work_task__section__plan=plan_2021).values_list("year", "quarter"))
    assert quarters == {(y, q) for y in (2021, 2022, 2023) for q in (1, 2, 3, 4)}


def test_the_2025_plan_gets_units_and_milestones_as_staff_would_add_them(seeded, plan_2025, db):
    tasks = SpecificTask.objects.filter(work_task__section__plan=plan_2025)
    assert not tasks.exclude(responsibilities__role=Responsibility.Role.LEAD).exists()
    years = Counter(Milestone.objects.filter(task__in=tasks).values_list("year", flat=True))
    assert years == {2025: tasks.count(), 2026: tasks.count()}
    plan_2025.refresh_from_db()
    assert plan_2025.status == Plan.Status.ACTIVE


def test_updates_are_in_every_state_and_mostly_approved(seeded, db):
    states = Counter(Update.objects.values_list("state", flat=True))
    assert set(states) == set(Update.State.values)
    assert states[Update.State.APPROVED] > 0.85 * sum(states.values())


def test_every_submitted_update_has_a_version_for_each_submission(seeded, db):
    submissions = Count("events", filter=Q(events__action=UpdateEvent.Action.SUBMITTED), distinct=True)
    versions = Count("versions", distinct=True)
    rows = Update.objects.annotate(s=submissions, v=versions, top=Max("versions__number")).values_list("state", "s", "v", "top")
    assert all(s == v == (top or 0) for _, s, v, top in rows)
    assert all(v == 0 for state, _, v, _ in rows if state == Update.State.DRAFT)
    assert all(v >= 1 for state, _, v, _ in rows if state != Update.State.DRAFT)
    assert any(v == 2 for state, _, v, _ in rows if state == Update.State.APPROVED)  # returned once, then approved


def test_reviews_are_recorded_with_who_and_why(seeded, db):
    staff = User.objects.get(username="staff")
    assert not Update.objects.filter(state=Update.State.APPROVED).exclude(reviewed_by=staff).exists()
    returned = Update.objects.filter(state=Update.State.RETURNED)
    assert not returned.filter(return_reason="").exists()
    assert UpdateEvent.objects.filter(action=UpdateEvent.Action.RETURNED, actor=staff).exclude(note="").exists()


def test_history_is_dated_in_the_past_in_order(seeded, db):
    span = UpdateEvent.objects.aggregate(first=Min("created_at"), last=Max("created_at"))
    assert span["first"].year == 2021
    assert span["last"] <= timezone.now()
    submitted = Update.objects.exclude(reviewed_at=None)
    assert all(u.submitted_at <= u.last_submitted_at <= u.reviewed_at for u in submitted)


def test_contributions_feed_the_indicators_of_their_plan(seeded, db):
    contributions = Contribution.objects.select_related("indicator", "update__task__work_task__section")
    assert contributions.exists()
    assert all(c.indicator.plan_id == c.update.task.work_task.section.plan_id for c in contributions)
    assert all(c.value > 0 for c in contributions)


def test_every_unit_has_a_reporter_who_wrote_its_updates(seeded, db):
    reporters = set(User.objects.filter(role=User.Role.REPORTER).values_list("unit", flat=True))
    assert reporters >= set(Update.objects.values_list("unit", flat=True))
    assert Unit.objects.count() >= 20


def test_a_second_run_is_refused_and_changes_nothing(seeded, db):
    count = Update.objects.count()
    with pytest.raises(CommandError, match="数据库中已有 .* 条季度进展，未作任何改动"):
        seed("--scale", "1")
    assert Update.objects.count() == count


@pytest.mark.parametrize("scale", ["0", "201"])
def test_a_scale_out_of_range_is_refused(scale, db):
    with pytest.raises(CommandError, match="--scale 必须是 1 到 200 之间的整数"):
        seed("--scale", scale)
