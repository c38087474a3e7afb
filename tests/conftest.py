"""
Shared fixtures. The two seed plans are loaded once into the test database;
each test runs in a transaction that is rolled back. The named users let a
test read like a sentence: staff returns lead_reporter's update; outsider gets 404.

Task 1 of the 2021–2023 plan is led by 区科委 with 区财政局 co-responsible, so
lead_reporter (区科委) and co_reporter (区财政局) share it and outsider (区统计局)
has no part in it.
"""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.management import call_command
from django.test import override_settings

from indicators.models import Indicator
from tasks import rollup_cache
from tasks.models import Plan, SpecificTask
from units.models import Unit, User

SEEDS_DIR = Path(settings.BASE_DIR).parent / "shared" / "seeds"


def pytest_addoption(parser):
    parser.addoption(
        "--require-postgres",
        action="store_true",
        help="fail unless the tests run on PostgreSQL (CI sets this for its second run)",
    )


def pytest_configure(config):
    if config.getoption("--require-postgres"):
        engine = settings.DATABASES["default"]["ENGINE"]
        if "postgresql" not in engine:
            raise pytest.UsageError(f"--require-postgres given but the database engine is {engine}")


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    """PBKDF2 is slow on purpose; tests hash hundreds of passwords and need no such protection."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def fresh_rollup_cache():
    """
    Each test's writes are rolled back, and with them the roll-up token (tasks.rollup_cache), so a token
    can come round again in a later test: what one test cached must not answer another's question.
    """
    caches[rollup_cache.CACHE].clear()
    yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("load_plans", verbosity=0, stdout=open("/dev/null", "w"))


@pytest.fixture
def plan_2021(db):
    return Plan.objects.get(doc_number="京兴政发〔2021〕8号")


@pytest.fixture
def plan_2025(db):
    return Plan.objects.get(start_year=2025)


@pytest.fixture
def scenes(plan_2021):
    """落地区级应用场景示范项目: 15 by 2022, 30 by 2023; fed by task 1."""
    return Indicator.objects.get(plan=plan_2021, name="落地区级应用场景示范项目")


@pytest.fixture
def task_1(plan_2021):
    """应用场景示范项目: 区科委 leads, 区财政局 co-responsible."""
    return SpecificTask.objects.get(work_task__section__plan=plan_2021, work_task__seq=1)


def unit(name):
    return Unit.objects.get(name=name)


def make_user(username, role, unit_name=None, **extra):
    return User.objects.create_user(
        username=username,
        password="Test2026pass",
        role=role,
        unit=Unit.objects.get(name=unit_name) if unit_name else None,
        **extra,
    )


@pytest.fixture
def staff(db):
    return make_user("staff", User.Role.COMMISSION, is_staff=True)


@pytest.fixture
def leader(db):
    return make_user("leader", User.Role.LEADER)


@pytest.fixture
def as_leader(client, leader):
    """The test client, logged in as the leader."""
    client.force_login(leader)
    return client


@pytest.fixture
def lead_reporter(db):
    return make_user("lead_reporter", User.Role.REPORTER, "区科委")


@pytest.fixture
def co_reporter(db):
    return make_user("co_reporter", User.Role.REPORTER, "区财政局")


@pytest.fixture
def outsider(db):
    return make_user("outsider", User.Role.REPORTER, "区统计局")


@pytest.fixture
def admin_user(db):
    return User.objects.create_superuser("admin", "admin@example.com", "Test2026pass")


@pytest.fixture
def seed_json():
    def load(name):
        return json.loads((Path(settings.BASE_DIR) / "fixtures" / name).read_text(encoding="utf-8"))

    return load
