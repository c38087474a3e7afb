"""
send_reminders and the navigation count: the same to-dos (tasks.reporting.unit_todos), by email and in the bar.

On 2022-06-28 the Q2 2022 reports are due in 7 days (2022-07-05) and the Q1 2022 ones were due on
2022-04-05, so every task 区科委 leads has one report due soon and one overdue until it reports.
"""

from datetime import date
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from tasks import reporting, services
from tasks.models import ReminderLog, Responsibility, Update

from .factories import make_update
from .updates_support import *  # noqa: F403 - fixtures
from .updates_support import Q1_2022, Q2_2022

DAY = date(2022, 6, 28)


@pytest.fixture
def kewei(set_today, active_2021, lead_reporter):
    """区科委's reporter, with an address, on a day with reports due soon and overdue."""
    set_today(DAY)
    lead_reporter.email = "kewei@example.com"
    lead_reporter.save()
    return lead_reporter


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("send_reminders", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def lead_task_count(unit):
    return Responsibility.objects.filter(unit=unit, role="lead", task__work_task__section__plan__start_year=2021).count()


def test_one_email_lists_due_soon_overdue_and_returned_reports(kewei, task_1, staff):
    update = make_update(task_1, "区科委", 2021, 4, state=Update.State.SUBMITTED)
    services.update_return(update=update, reviewer=staff, reason="请补充项目清单")
    out, _err = run()
    [email] = mail.outbox
    assert email.to == ["kewei@example.com"]
    assert "区科委" in email.subject
    for words in ("即将到期", "逾期", "已退回", "请补充项目清单", "还剩7天", "逾期84天"):
        assert words in email.body
    assert "已发送 1 封提醒邮件" in out


def test_each_report_reminded_of_is_logged_for_the_day(kewei):
    run()
    logs = ReminderLog.objects.filter(unit=kewei.unit, sent_on=DAY)
    n = lead_task_count(kewei.unit)
    assert logs.filter(kind="due_soon", year=2022, quarter=2).count() == n
    assert logs.filter(kind="overdue", year=2022, quarter=1).count() == n
    assert logs.first().recipients == "kewei@example.com"


def test_running_twice_a_day_sends_nothing_twice(kewei):
    run()
    out, _err = run()
    assert len(mail.outbox) == 1
    assert f"今天已提醒过的 {2 * lead_task_count(kewei.unit)} 项不再重复" in out


def test_the_next_day_reminds_again(kewei, set_today):
    run()
    set_today(date(2022, 6, 29))
    run()
    assert len(mail.outbox) == 2


def test_submitted_and_approved_reports_are_not_chased(kewei, task_1):
    make_update(task_1, "区科委", 2022, 1, state=Update.State.APPROVED)
    make_update(task_1, "区科委", 2022, 2, state=Update.State.SUBMITTED)
    run()
    assert not ReminderLog.objects.filter(task=task_1).exists()


def test_a_draft_is_still_chased(kewei, task_1):
    make_update(task_1, "区科委", 2022, 2, state=Update.State.DRAFT)
    run()
    assert ReminderLog.objects.filter(task=task_1, year=2022, quarter=2, kind="due_soon").exists()


def test_reports_due_later_than_the_window_are_not_yet_chased(kewei):
    run("--days", "3")
    assert not ReminderLog.objects.filter(kind="due_soon").exists()
    assert ReminderLog.objects.filter(kind="overdue").exists()


def test_after_the_due_date_the_quarter_is_overdue(kewei, set_today):
    set_today(date(2022, 7, 6))
    run()
    kinds = set(ReminderLog.objects.values_list("kind", "year", "quarter"))
    assert kinds == {("overdue", 2022, 2)}


def test_a_co_unit_is_chased_only_for_reports_it_started(set_today, active_2021, co_reporter, task_1):
    set_today(DAY)
    co_reporter.email = "caizheng@example.com"
    co_reporter.save()
    run()
    assert not ReminderLog.objects.filter(unit=co_reporter.unit, task=task_1).exists()
    make_update(task_1, "区财政局", 2022, 2, state=Update.State.DRAFT)
    run("--date", "2022-06-29")
    assert ReminderLog.objects.filter(unit=co_reporter.unit, task=task_1, kind="due_soon").exists()


def test_plans_not_in_force_send_nothing(set_today, plan_2021, lead_reporter):
    set_today(DAY)
    lead_reporter.email = "kewei@example.com"
    lead_reporter.save()
    run()
    assert mail.outbox == [] and not ReminderLog.objects.exists()


def test_a_unit_without_an_address_is_named_and_not_logged(set_today, active_2021, lead_reporter):
    set_today(DAY)
    _out, err = run()
    assert "区科委" in err and "没有填报员邮箱" in err
    assert not ReminderLog.objects.filter(unit=lead_reporter.unit).exists()


def test_the_units_own_address_is_used_when_its_reporters_have_none(set_today, active_2021, lead_reporter):
    set_today(DAY)
    lead_reporter.unit.email = "office@kw.example.com"
    lead_reporter.unit.save()
    run()
    assert any(m.to == ["office@kw.example.com"] for m in mail.outbox)


def test_dry_run_sends_and_records_nothing(kewei):
    out, _err = run("--dry-run")
    assert "将发送 1 封提醒邮件" in out
    assert mail.outbox == [] and not ReminderLog.objects.exists()


def test_a_failed_send_is_not_logged_so_the_next_run_retries(kewei, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(services, "send_mail", broken)
    with pytest.raises(CommandError, match="发送失败"):
        run()
    assert not ReminderLog.objects.exists()


@pytest.mark.parametrize("args, message", [(["--date", "2022-13-01"], "YYYY-MM-DD"), (["--days", "-1"], "不能为负数")])
def test_bad_arguments_are_refused_in_chinese(db, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


# The navigation count ------------------------------------------------------------------------------------


def test_the_reporters_count_is_what_the_email_lists(client, kewei, task_1, staff):
    update = make_update(task_1, "区科委", 2021, 4, state=Update.State.SUBMITTED)
    services.update_return(update=update, reviewer=staff, reason="x")
    client.force_login(kewei)
    body = client.get(reverse("home")).content.decode()
    run()
    reported = ReminderLog.objects.filter(unit=kewei.unit, sent_on=DAY).count()
    assert f'id="nav-todo-count" title="即将到期、逾期或被退回的报告">{reported}</span>' in body


def test_the_count_falls_as_reports_go_in(kewei, task_1):
    before = reporting.nav_counts(kewei)
    make_update(task_1, "区科委", 2022, 1, state=Update.State.SUBMITTED)
    make_update(task_1, "区科委", 2022, 2, state=Update.State.SUBMITTED)
    after = reporting.nav_counts(kewei)
    assert (before.overdue - after.overdue, before.due_soon - after.due_soon) == (1, 1)


def test_staffs_count_is_the_updates_waiting_for_review(client, set_today, staff, task_1):
    make_update(task_1, "区科委", 2022, 1, state=Update.State.SUBMITTED)
    make_update(task_1, "区财政局", 2022, 1, state=Update.State.SUBMITTED)
    make_update(task_1, "区科委", 2021, 4, state=Update.State.APPROVED)
    client.force_login(staff)
    body = client.get(reverse("home")).content.decode()
    assert 'id="nav-review-count" title="待审核的季度进展">2</span>' in body


def test_leadership_has_no_count(client, leader):
    client.force_login(leader)
    body = client.get(reverse("tasks:update_list")).content.decode()
    assert 'id="nav-todo-count"' not in body and 'id="nav-review-count"' not in body


def test_unit_todos_reads_everything_in_two_queries(kewei, django_assert_num_queries):
    with django_assert_num_queries(2):
        todos = reporting.unit_todos([kewei.unit_id], DAY)
    assert {t.period for t in todos[kewei.unit_id]} == {Q1_2022, Q2_2022}
