"""
The quarterly loop in a real browser, as the people who live it:

a unit reporter logs in, fills in and submits a quarterly update with a file attached; commission staff
return it with a reason; the reporter sees the reason, revises and resubmits; staff approve it; a
leader's dashboard shows the new figure; staff export the progress table and the file holds the new text.

Each person has a browser context of their own (their own cookies) and logs in through the login page.
A screenshot of every page visited is saved under test-artifacts/browser/.
"""

import io
import re
from datetime import date
from io import StringIO
from types import SimpleNamespace

import openpyxl
import pytest
from django.core.management import call_command

from indicators.models import Indicator
from tasks.calendar import reporting_period
from tasks.models import Milestone, Plan, Responsibility, SpecificTask, Update
from units.management.commands.create_demo_accounts import DEMO_PASSWORD
from units.models import Unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PROGRESS = "本季度与北京理工大学等3所高校院所签订合作协议，新建校企合作平台7家。"
REASON = "请补充合作平台名单及协议编号。"
REVISED = PROGRESS + "合作平台名单及协议编号见附件，协议编号DX-2026-017至023。"


@pytest.fixture
def world(live_server, settings, tmp_path):
    """
    The seed plans and demo accounts, and the 2025–2027 plan as staff would have finalised it: in force,
    measure 3 (cooperation with universities, which feeds the indicator "建成高校院所与企业合作平台")
    led by 区科委, whose reporter is the demo account kewei.
    """
    # The live server's database is emptied after each transactional test: load what the journey needs.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_plans", stdout=StringIO())
    call_command("create_demo_accounts", stdout=StringIO())
    plan = Plan.objects.get(start_year=2025)
    plan.status = Plan.Status.ACTIVE
    plan.save()
    task = SpecificTask.objects.get(work_task__section__plan=plan, work_task__seq=3)
    Responsibility.objects.get_or_create(
        task=task, unit=Unit.objects.get(name="区科委"), defaults={"role": Responsibility.Role.LEAD}
    )
    period = reporting_period(plan)
    Milestone.objects.get_or_create(
        task=task,
        year=period.year,
        defaults={"due_date": date(period.year, 12, 31), "text": f"{period.year}年新建校企合作平台不少于15家"},
    )
    indicator = Indicator.objects.get(plan=plan, name="建成高校院所与企业合作平台")
    assert indicator.tasks.filter(pk=task.pk).exists()
    return SimpleNamespace(plan=plan, task=task, indicator=indicator, period=period, url=live_server.url)


def log_in(contexts, world, username):
    page = contexts().new_page()
    page.goto(f"{world.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{world.url}/")
    return page


def indicator_row(page, world):
    return page.locator("#indicators tr", has=page.locator(f"a[href*='/indicators/{world.indicator.pk}/']")).first


def test_a_quarterly_update_goes_round_the_loop_and_out_in_the_progress_table(contexts, world, screens):
    # A unit reporter logs in and reports on the quarter, with evidence attached.
    reporter = log_in(contexts, world, "kewei")
    screens(reporter, "reporter-home")
    reporter.goto(f"{world.url}/plans/unit/?plan={world.plan.pk}")
    screens(reporter, "reporter-unit-home")
    assert world.task.code in reporter.inner_text(f"#task-row-{world.task.pk}")
    reporter.click(f"#start-{world.task.pk}")
    reporter.wait_for_url(re.compile(r"/plans/updates/\d+/edit/$"))
    reporter.fill("#id_progress", PROGRESS)
    reporter.fill("#id_problems", "无。")
    reporter.fill("#id_next_steps", "继续对接高校院所，推动合作平台落地运行。")
    reporter.check("input[name=self_status][value=on_track]")
    reporter.fill(f"input[name=contribution_{world.indicator.pk}]", "7")
    reporter.fill(f"input[name=contribution_{world.indicator.pk}_description]", "新建校企合作平台7家")
    reporter.set_input_files(
        "#id_attachments", files=[{"name": "合作协议.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    screens(reporter, "reporter-fills-the-update")
    reporter.click("#btn-submit")
    reporter.wait_for_url(re.compile(r"/plans/updates/\d+/$"))
    screens(reporter, "reporter-submitted")
    update_id = int(re.search(r"/updates/(\d+)/$", reporter.url).group(1))
    assert "合作协议.pdf" in reporter.content()
    assert Update.objects.get(pk=update_id).state == Update.State.SUBMITTED

    # Until it is approved, the leader's dashboard does not count it.
    leader = log_in(contexts, world, "leader")
    leader.goto(f"{world.url}/indicators/plans/{world.plan.pk}/")
    screens(leader, "leader-dashboard-before")
    assert re.search(r"\b0\s*家", indicator_row(leader, world).inner_text())

    # Staff find it in the review queue and return it with a reason.
    staff = log_in(contexts, world, "staff")
    staff.goto(f"{world.url}/plans/updates/")
    screens(staff, "staff-review-queue")
    staff.click(f"#open-{update_id}")
    staff.wait_for_url(f"{world.url}/plans/updates/{update_id}/")
    screens(staff, "staff-reads-the-update")
    assert PROGRESS in staff.inner_text("main")
    staff.fill("#id_reason", REASON)
    staff.click("#btn-return")
    staff.wait_for_url(re.compile(r"/plans/updates/\?state=submitted$"))
    screens(staff, "staff-returned-it")

    # The reporter sees the reason on the unit's page and in the form, revises and submits again.
    reporter.goto(f"{world.url}/plans/unit/?plan={world.plan.pk}")
    screens(reporter, "reporter-sees-the-return")
    assert REASON in reporter.inner_text(f"#task-row-{world.task.pk}")
    reporter.click(f"#edit-{world.task.pk}")
    reporter.wait_for_url(f"{world.url}/plans/updates/{update_id}/edit/")
    assert REASON in reporter.inner_text("#return-reason")
    reporter.fill("#id_progress", REVISED)
    screens(reporter, "reporter-revises")
    reporter.click("#btn-submit")
    reporter.wait_for_url(f"{world.url}/plans/updates/{update_id}/")
    screens(reporter, "reporter-resubmitted")

    # Staff approve the second version.
    staff.goto(f"{world.url}/plans/updates/{update_id}/")
    screens(staff, "staff-reads-version-2")
    assert "DX-2026-017" in staff.inner_text("main")
    staff.click("#btn-approve")
    staff.wait_for_url(re.compile(r"/plans/updates/\?state=submitted$"))
    screens(staff, "staff-approved-it")
    update = Update.objects.get(pk=update_id)
    assert (update.state, update.versions.count()) == (Update.State.APPROVED, 2)

    # The leader's dashboard now counts the seven platforms.
    leader.goto(f"{world.url}/indicators/plans/{world.plan.pk}/")
    screens(leader, "leader-dashboard-after")
    assert re.search(r"\b7\s*家", indicator_row(leader, world).inner_text())

    # Staff export the progress table from the plan's page; the file holds the approved text.
    staff.goto(f"{world.url}/plans/{world.plan.pk}/")
    screens(staff, "staff-plan-page")
    staff.click(f"a[href='/plans/{world.plan.pk}/excel/']")
    staff.wait_for_url(f"{world.url}/plans/{world.plan.pk}/excel/")
    screens(staff, "staff-excel-page")
    with staff.expect_download() as download:
        staff.click(f"form[action='/plans/{world.plan.pk}/excel/progress/'] button[type=submit]")
    saved = screens.folder / download.value.suggested_filename
    download.value.save_as(saved)
    workbook = openpyxl.load_workbook(io.BytesIO(saved.read_bytes()))
    cells = [str(c.value) for sheet in workbook.worksheets for row in sheet.iter_rows() for c in row if c.value]
    assert any(REVISED in text for text in cells)
    assert saved.name.endswith(".xlsx")
