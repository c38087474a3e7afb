"""
Fixtures and builders shared by the quarterly-loop tests (tests/test_update_*.py, test_unit_home.py,
test_review_queue.py, test_reminders.py, test_attachments.py, test_access.py).

"Today" is frozen at 2022-06-20 unless a test moves it: the 2021–2023 seed plan is then in its second
year, Q2 2022 is the period being reported on (due 2022-07-05) and Q1 2022 was due on 2022-04-05.
Attachments go to a private MEDIA_ROOT under tmp_path.
"""

import io
import zipfile
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from indicators.models import Indicator
from tasks import calendar, services
from tasks.calendar import Period
from tasks.models import Plan

TODAY = date(2022, 6, 20)
Q2_2022 = Period(2022, 2)
Q1_2022 = Period(2022, 1)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def upload(name="证明材料.pdf", content=PDF, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """The named users of conftest get a password each; the default hasher would spend seconds on them."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def set_today(monkeypatch):
    """set_today(date): what tasks.calendar.today() answers from now on in this test."""

    def move(day: date):
        monkeypatch.setattr(calendar, "today", lambda: day)

    move(TODAY)
    return move


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def active_2021(plan_2021):
    """The 2021–2023 plan as it was in force (the seed has it closed); reminders and counts need that."""
    Plan.objects.filter(pk=plan_2021.pk).update(status=Plan.Status.ACTIVE)
    plan_2021.refresh_from_db()
    return plan_2021


@pytest.fixture
def indicator_1(task_1):
    """落地区级应用场景示范项目: the indicator task 1 feeds."""
    return Indicator.objects.get(tasks=task_1)


@pytest.fixture
def draft(set_today, task_1, lead_reporter):
    """区科委's draft on task 1 for Q2 2022, started by its reporter."""
    return services.update_start(task=task_1, unit=lead_reporter.unit, period=Q2_2022, user=lead_reporter)


FULL = {
    "progress": "已完成项目征集，落地示范项目8项。",
    "problems": "无",
    "next_steps": "继续推进项目建设。",
    "self_status": "on_track",
}


def fill(update, user, **data):
    """update saved with complete texts (plus data), as its unit would before submitting."""
    return services.update_save_draft(update=update, user=user, data={**FULL, **data}, revision=update.revision)


def submitted(update, user, **data):
    update = fill(update, user, **data)
    return services.update_submit(update=update, user=user)


def form_data(update, action="save", **overrides):
    """The update form's POST as a browser sends it, complete unless overridden."""
    data = {**FULL, "revision": update.revision, "action": action}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
