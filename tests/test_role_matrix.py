"""
Who may open what: every URL pattern of the site, each role's expected answer.

MATRIX below has one row per named URL pattern (the admin is checked as a
whole at the end). test_every_url_pattern_has_a_row fails for a pattern that
has no row, so a new view cannot slip in without someone deciding who may
open it. A row gives the answer each role gets for GET and for POST:

    200, 302, 403, 404, 405   the status code
    LOGIN                     a redirect to the login page (anonymous users)

Each request runs against a small world of its own (build_world): a plan with
one task that unit "lead" leads and unit "co" co-owns, updates of both units
in every state, an attachment, an indicator and a pending Excel import. URL
arguments are filled from that world by name (SAMPLES); a row may point an
argument at another object, e.g. the lead unit's submitted update for the
review actions. tests/test_security.py reuses the world and the inventory to
check CSRF on every POST and escaping of typed script tags on every page.
"""

import re
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.views.static import serve

from indicators.models import Contribution, Indicator, IndicatorTarget
from tasks.calendar import Period, reporting_period
from tasks.models import (
    Attachment,
    ImportBatch,
    Milestone,
    Plan,
    Responsibility,
    Section,
    SpecificTask,
    Update,
    UpdateEvent,
    UpdateVersion,
    WorkTask,
)
from units.models import Unit, User

LOGIN = "login"
ADMIN_LOGIN = "admin_login"
ROLES = ("anon", "staff", "admin", "leader", "lead", "co", "outsider")
REPORTERS = ("lead", "co", "outsider")


# --- The URL inventory -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str | None  # "namespace:name"
    route: str
    params: tuple[str, ...]


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, route, ns)
        elif isinstance(entry, URLPattern):
            if entry.callback is serve:
                continue  # static/media serving in development only
            name = f"{namespace}{entry.name}" if entry.name else None
            params = tuple(entry.pattern.converters) if hasattr(entry.pattern, "converters") else ()
            if not params and hasattr(entry.pattern, "regex"):
                params = tuple(entry.pattern.regex.groupindex)
            yield Route(name, route, tuple(dict.fromkeys(params + _parent_params(prefix))))


def _parent_params(prefix: str) -> tuple[str, ...]:
    return tuple(re.findall(r"<(?:\w+:)?(\w+)>", prefix))


ADMIN_PREFIX = "admin/"


def site_routes() -> list[Route]:
    """Every URL pattern of the site except the Django admin's (checked by their own test below)."""
    return [r for r in _walk(get_resolver().url_patterns) if not r.route.startswith(ADMIN_PREFIX)]


# The apps whose data commission staff manage in the admin (units.management.commands.create_demo_accounts
# gives them these permissions); the rest of the admin (accounts' groups, login records) is for administrators.
STAFF_ADMIN_APPS = {"units", "tasks", "indicators"}


def admin_routes() -> dict[str, tuple[Route, str]]:
    """The admin's index and each registered model's list page, with the app each belongs to."""
    wanted = {"admin:index": "admin"}
    for model in admin.site._registry:
        wanted[f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"] = model._meta.app_label
    routes = {r.name: r for r in _walk(get_resolver().url_patterns) if r.name in wanted}
    return {name: (routes[name], app) for name, app in wanted.items() if name in routes}


# --- The world each request runs against ---------------------------------------------------------


@dataclass
class World:
    text: str
    users: dict[str, User | None]
    objects: dict[str, object] = field(default_factory=dict)

    def sample(self, param: str, row: "Row"):
        """The value for URL argument param: the row's own choice, else SAMPLES by name."""
        key = row.kwargs.get(param, SAMPLES.get(param))
        if key is None:
            raise LookupError(
                f"No sample value for URL argument {param!r}: add it to SAMPLES in tests/test_role_matrix.py "
                f"(or give the row kwargs={{{param!r}: ...}})"
            )
        if callable(key):
            return key(self)
        value = self.objects[key]
        return getattr(value, "pk", value)

    def url(self, name: str, row: "Row | None" = None, route: Route | None = None) -> str:
        row = row or Row()
        route = route or INVENTORY()[name]
        return reverse(name, kwargs={p: self.sample(p, row) for p in route.params})


def _period_offset(period: Period, back: int) -> Period:
    for _ in range(back):
        period = period.previous()
    return period


def build_world(text: str) -> World:
    """
    A plan of its own with every kind of object a page can show, each carrying text in its
    wording; the users of each role. Fast: no password hashing (tests log in with force_login).
    """
    tag = uuid.uuid4().hex[:6]
    year = timezone.localdate().year
    units = {
        key: Unit.objects.create(name=f"{text}{label}{tag}", short_name=f"{text}{label}"[:30], sort_order=900 + i)
        for i, (key, label) in enumerate([("lead", "牵头单位"), ("co", "配合单位"), ("outsider", "无关单位")])
    }
    users = {"anon": None}
    for role, kwargs in {
        "staff": {"role": User.Role.COMMISSION, "is_staff": True},
        "admin": {"role": User.Role.COMMISSION, "is_staff": True, "is_superuser": True},
        "leader": {"role": User.Role.LEADER},
        "lead": {"role": User.Role.REPORTER, "unit": units["lead"]},
        "co": {"role": User.Role.REPORTER, "unit": units["co"]},
        "outsider": {"role": User.Role.REPORTER, "unit": units["outsider"]},
    }.items():
        user = User(username=f"{role}-{tag}", display_name=f"{text}{role}", **kwargs)
        user.set_unusable_password()
        user.save()
        users[role] = user
    # Commission staff manage the data in the admin as well (units.management.commands.create_demo_accounts).
    users["staff"].user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["units", "tasks", "indicators"])
    )

    plan = Plan.objects.create(
        title=f"{text}行动计划{tag}",
        short_title=f"{text}计划",
        doc_number=f"{text}〔{year}〕1号",
        start_year=year - 1,
        end_year=year + 1,
        status=Plan.Status.ACTIVE,
        description=text,
    )
    section = Section.objects.create(plan=plan, number="一", title=f"{text}篇章", description=text)
    work_task = WorkTask.objects.create(section=section, seq=1, number="（一）", title=f"{text}工作任务")
    task = SpecificTask.objects.create(work_task=work_task, number="1.", text=f"{text}具体任务", body_text=text)
    Responsibility.objects.create(task=task, unit=units["lead"], role=Responsibility.Role.LEAD, order=0)
    Responsibility.objects.create(task=task, unit=units["co"], role=Responsibility.Role.CO, order=1)
    milestones = [
        Milestone.objects.create(task=task, year=y, due_date=f"{y}-12-31", text=f"{text}{y}年度任务") for y in plan.years
    ]
    indicator = Indicator.objects.create(plan=plan, name=f"{text}指标", measure="项", source_text=text)
    indicator.tasks.add(task)
    for y in plan.years:
        IndicatorTarget.objects.create(indicator=indicator, year=y, value=10 * (y - plan.start_year + 1), source_text=text)

    now = reporting_period(plan)
    objects = {
        "plan": plan,
        "section": section,
        "work_task": work_task,
        "task": task,
        "milestone": milestones[0],
        "indicator": indicator,
        "lead_unit": units["lead"],
        "co_unit": units["co"],
        "lead_user": users["lead"],
        "period": now,
    }
    # The lead unit's updates in every state, newest first; the co-unit's draft and submission.
    states = [
        ("lead_draft", "lead", Update.State.DRAFT, 0),
        ("lead_submitted", "lead", Update.State.SUBMITTED, 1),
        ("lead_returned", "lead", Update.State.RETURNED, 2),
        ("lead_approved", "lead", Update.State.APPROVED, 3),
        ("co_draft", "co", Update.State.DRAFT, 0),
        ("co_submitted", "co", Update.State.SUBMITTED, 1),
    ]
    when = timezone.now() - timedelta(days=1)
    for key, unit_key, state, back in states:
        period = _period_offset(now, back)
        author = users[unit_key]
        submitted = state != Update.State.DRAFT
        reviewed = state in (Update.State.RETURNED, Update.State.APPROVED)
        update = Update.objects.create(
            task=task,
            unit=units[unit_key],
            year=period.year,
            quarter=period.quarter,
            state=state,
            progress=f"{text}进展情况",
            problems=f"{text}存在问题",
            next_steps=f"{text}下步计划",
            self_status=Update.SelfStatus.ON_TRACK,
            created_by=author,
            updated_by=author,
            submitted_at=when if submitted else None,
            last_submitted_at=when if submitted else None,
            reviewed_at=when if reviewed else None,
            reviewed_by=users["staff"] if reviewed else None,
            return_reason=f"{text}退回理由" if state == Update.State.RETURNED else "",
        )
        Contribution.objects.create(update=update, indicator=indicator, value=Decimal("2"), description=f"{text}贡献")
        if state == Update.State.APPROVED:
            update.claimed_milestones.add(milestones[0])
        UpdateEvent.objects.create(update=update, action=UpdateEvent.Action.CREATED, actor=author, note=text)
        if submitted:
            UpdateVersion.objects.create(
                update=update,
                number=1,
                progress=f"{text}进展情况",
                problems=f"{text}存在问题",
                next_steps=f"{text}下步计划",
                self_status=Update.SelfStatus.ON_TRACK,
                contributions=[{"indicator": indicator.pk, "name": indicator.name, "value": "2", "description": text}],
                submitted_by=author,
                submitted_at=when,
            )
            UpdateEvent.objects.create(update=update, action=UpdateEvent.Action.SUBMITTED, actor=author, note=text)
        if reviewed:
            action = UpdateEvent.Action.RETURNED if state == Update.State.RETURNED else UpdateEvent.Action.APPROVED
            UpdateEvent.objects.create(update=update, action=action, actor=users["staff"], note=f"{text}退回理由")
        objects[key] = update

    content = b"%PDF-1.4\n% evidence\n"
    for key, update in [("attachment", objects["lead_draft"]), ("attachment_approved", objects["lead_approved"])]:
        token = uuid.uuid4().hex
        objects[key] = Attachment.objects.create(
            update=update,
            file=ContentFile(content, name=f"{token}.pdf"),
            token=token,
            name=f"{text}证明材料.pdf",
            content_type="application/pdf",
            size=len(content),
            uploaded_by=users["lead"],
        )
    objects["batch"] = ImportBatch.objects.create(
        kind=ImportBatch.Kind.UPDATES,
        plan=plan,
        filename=f"{text}进度表.xlsx",
        payload={"rows": []},
        created_by=users["staff"],
    )
    # Excel imports waiting for their uploader to confirm (tasks.views.excel): a plan for staff, drafts for a unit.
    objects["plan_batch"] = ImportBatch.objects.create(
        kind=ImportBatch.Kind.PLAN,
        filename=f"{text}任务进度表.xlsx",
        payload={
            "plan": {"title": f"{text}导入的计划{tag}", "start_year": year, "end_year": year},
            "rows": [],
            "sections": [],
            "unknown_units": [],
        },
        created_by=users["staff"],
    )
    objects["unit_batch"] = ImportBatch.objects.create(
        kind=ImportBatch.Kind.UPDATES,
        plan=plan,
        unit=units["lead"],
        filename=f"{text}季度进展.xlsx",
        payload={"period": now.label, "rows": []},
        created_by=users["lead"],
    )
    return World(text=text, users=users, objects=objects)


# URL argument name → the world's object (a key of World.objects) or a function of the world.
SAMPLES = {
    "plan_id": "plan",
    "section_id": "section",
    "work_task_id": "work_task",
    "task_id": "task",
    "milestone_id": "milestone",
    "indicator_id": "indicator",
    "update_id": "lead_draft",
    "attachment_id": "attachment",
    "batch_id": "batch",
    "unit_id": "lead_unit",
    "user_id": "lead_user",
    "year": lambda w: w.objects["period"].year,
    "quarter": lambda w: w.objects["period"].quarter,
    "period": lambda w: w.objects["period"].label,
    "number": lambda w: 1,
    "version": lambda w: 1,
}


# --- Making a request as a role ------------------------------------------------------------------


def outcome(response):
    if response.status_code == 302:
        target = response.url.split("?")[0]
        if target == reverse("login"):
            return LOGIN
        if target == reverse("admin:login"):
            return ADMIN_LOGIN
    return response.status_code


def request_as(client, world: World, role: str, method: str, url: str, data=None):
    """The request as role, inside a savepoint that is rolled back: one role's POST cannot change the next one's."""
    with transaction.atomic():
        client.logout()
        if world.users[role] is not None:
            client.force_login(world.users[role])
        try:
            response = getattr(client, method)(url, data or {})
            result = outcome(response)
        except Exception as exc:  # noqa: BLE001 - a crash is reported as a mismatch, next to the others
            response, result = None, f"raised {type(exc).__name__}: {exc}"
        transaction.set_rollback(True)
    return result, response


# --- The matrix ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    get: dict | None = None
    post: dict | None = None
    kwargs: dict = field(default_factory=dict)
    shows_text: bool = False  # the page shows the world's text: tests/test_security.py checks it comes back escaped


def roles(default, anon=LOGIN, **codes) -> dict:
    """Every role gets default unless named; anonymous users are sent to log in unless named."""
    return {role: codes.get(role, anon if role == "anon" else default) for role in ROLES}


def everyone(code, **codes):
    return roles(code, **codes)


def commission_only(code, refused=403, **codes):
    return roles(refused, staff=code, admin=code, **codes)


def reporters_only(code, refused=403, **codes):
    return roles(refused, **{r: code for r in REPORTERS}, **codes)


def leader_and_commission(code, refused=403, **codes):
    return roles(refused, staff=code, admin=code, leader=code, **codes)


# A key is a URL pattern's name, or name@case for the same pattern with other arguments (Row.kwargs).
MATRIX: dict[str, Row] = {
    # Accounts (django.contrib.auth views)
    "login": Row(get=roles(302, anon=200), post=roles(302, anon=200)),
    "logout": Row(get=roles(405), post=roles(LOGIN, anon=LOGIN)),
    "password_change": Row(get=everyone(200), post=everyone(200)),
    "password_change_done": Row(get=everyone(200), post=everyone(405)),
    # Plans (tasks.views.plans). They read only, yet answer a POST like a GET (no require_GET).
    "home": Row(get=everyone(200), post=everyone(405), shows_text=True),
    "tasks:plan_detail": Row(get=everyone(200), post=everyone(405), shows_text=True),
    "tasks:task_list": Row(get=everyone(200), post=everyone(405), shows_text=True),
    "tasks:task_detail": Row(get=everyone(200), post=everyone(405), shows_text=True),
    # Unit scorecards and the bulletin (units.views): staff and leaders see every unit; a reporter only its own.
    "units:bulletin": Row(get=leader_and_commission(200), post=everyone(405), shows_text=True),
    "units:bulletin_export": Row(get=leader_and_commission(200), post=everyone(405)),
    "units:scorecard": Row(get=roles(404, staff=200, admin=200, leader=200, lead=200), post=everyone(405), shows_text=True),
    "units:scorecard@co": Row(
        get=roles(404, staff=200, admin=200, leader=200, co=200), post=everyone(405), kwargs={"unit_id": "co_unit"}
    ),
    # Quarterly updates and review (tasks.views.updates). By default update_id is the lead unit's draft:
    # only its own unit and the commission see it; the co-unit, other units and leaders get 404.
    "tasks:unit_home": Row(get=reporters_only(200), post=everyone(405), shows_text=True),
    "tasks:update_list": Row(get=everyone(200), post=everyone(405), shows_text=True),
    "tasks:update_start": Row(get=everyone(405), post=roles(403, lead=302, co=302, outsider=404)),
    "tasks:update_detail": Row(get=roles(404, staff=200, admin=200, lead=200), post=everyone(405), shows_text=True),
    "tasks:update_detail@approved": Row(
        get=everyone(200), post=everyone(405), kwargs={"update_id": "lead_approved"}, shows_text=True
    ),
    # The lead unit reads its co-unit's submitted update; a leader sees only approved ones.
    "tasks:update_detail@co_submitted": Row(
        get=roles(404, staff=200, admin=200, lead=200, co=200), post=everyone(405), kwargs={"update_id": "co_submitted"}
    ),
    "tasks:update_edit": Row(
        get=roles(403, lead=200, co=404, outsider=404), post=roles(403, lead=400, co=404, outsider=404), shows_text=True
    ),
    # Submitted: the unit is sent to the update's page, nothing changes.
    "tasks:update_edit@submitted": Row(
        get=roles(403, lead=302, co=404, outsider=404),
        post=roles(403, lead=302, co=404, outsider=404),
        kwargs={"update_id": "lead_submitted"},
    ),
    "tasks:update_approve": Row(
        get=everyone(405), post=commission_only(302, lead=403, co=404, outsider=404), kwargs={"update_id": "lead_submitted"}
    ),
    "tasks:update_return": Row(
        get=everyone(405), post=commission_only(302, lead=403, co=404, outsider=404), kwargs={"update_id": "lead_submitted"}
    ),
    "tasks:update_reopen": Row(
        get=everyone(405), post=commission_only(302, co=404, outsider=404), kwargs={"update_id": "lead_approved"}
    ),
    "tasks:attachment_download": Row(get=roles(404, staff=200, admin=200, lead=200), post=everyone(405)),
    "tasks:attachment_download@approved": Row(
        get=everyone(200), post=everyone(405), kwargs={"attachment_id": "attachment_approved"}
    ),
    # Excel (tasks.views.excel): staff export and import plans; units fill in the update template. An import
    # batch is its uploader's alone: anyone else's is 404, leadership's 403.
    "tasks:plan_excel": Row(get=roles(200, leader=403), post=everyone(405), shows_text=True),
    "tasks:excel_progress_export": Row(get=commission_only(200), post=everyone(405)),
    "tasks:excel_plan_import": Row(get=commission_only(200), post=commission_only(200)),
    "tasks:excel_key_tasks_import": Row(get=commission_only(200), post=commission_only(200), shows_text=True),
    "tasks:excel_update_template": Row(get=roles(403, lead=200, co=200, outsider=302), post=everyone(405)),
    "tasks:excel_updates_import": Row(get=reporters_only(200), post=reporters_only(200), shows_text=True),
    "tasks:excel_batch": Row(get=roles(404, leader=403), post=everyone(405)),
    "tasks:excel_batch@plan": Row(
        get=roles(404, staff=200, leader=403), post=everyone(405), kwargs={"batch_id": "plan_batch"}, shows_text=True
    ),
    "tasks:excel_batch@unit": Row(
        get=roles(404, lead=200, leader=403), post=everyone(405), kwargs={"batch_id": "unit_batch"}, shows_text=True
    ),
    "tasks:excel_batch_confirm": Row(get=everyone(405), post=roles(404, leader=403)),
    "tasks:excel_batch_confirm@plan": Row(
        get=everyone(405), post=roles(404, staff=302, leader=403), kwargs={"batch_id": "plan_batch"}
    ),
    "tasks:excel_batch_confirm@unit": Row(
        get=everyone(405), post=roles(404, lead=302, leader=403), kwargs={"batch_id": "unit_batch"}
    ),
    "tasks:excel_batch_discard": Row(get=everyone(405), post=roles(404, leader=403)),
    "tasks:excel_batch_discard@plan": Row(
        get=everyone(405), post=roles(404, staff=302, leader=403), kwargs={"batch_id": "plan_batch"}
    ),
    "tasks:excel_batch_discard@unit": Row(
        get=everyone(405), post=roles(404, lead=302, leader=403), kwargs={"batch_id": "unit_batch"}
    ),
    # Leadership's dashboards (indicators.views): every role reads them (approved figures only); nothing to POST.
    "indicators:overview": Row(get=everyone(200), post=everyone(405), shows_text=True),
    "indicators:plan_dashboard": Row(get=everyone(200), post=everyone(405), shows_text=True),
    "indicators:plan_export": Row(get=everyone(200), post=everyone(405)),
    "indicators:indicator_detail": Row(get=everyone(200), post=everyone(405), shows_text=True),
    "indicators:section_detail": Row(get=everyone(200), post=everyone(405), shows_text=True),
}


def pattern_name(key: str) -> str:
    return key.split("@")[0]


_inventory_cache: dict[str, Route] = {}


def INVENTORY() -> dict[str, Route]:
    if not _inventory_cache:
        _inventory_cache.update({r.name: r for r in site_routes() if r.name})
    return _inventory_cache


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return build_world("示范文本")


def test_every_url_pattern_has_a_row():
    routes = site_routes()
    unnamed = [r.route for r in routes if r.name is None]
    covered = {pattern_name(key) for key in MATRIX}
    missing = sorted(r.name for r in routes if r.name and r.name not in covered)
    stale = sorted(covered - {r.name for r in routes})
    assert unnamed == [], "every URL pattern needs a name so it can be checked"
    assert missing == [], (
        "these URL patterns have no row in MATRIX (tests/test_role_matrix.py): decide what each role gets "
        "and add a row"
    )
    assert stale == [], "these MATRIX rows name URL patterns that no longer exist"


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_each_role_gets_what_the_matrix_says(name, world, client):
    if pattern_name(name) not in INVENTORY():
        pytest.fail(f"{name} is in MATRIX but is not a URL pattern")
    row = MATRIX[name]
    url = world.url(pattern_name(name), row)
    mismatches = []
    for method in ("get", "post"):
        for role, expected in (getattr(row, method) or {}).items():
            got, _ = request_as(client, world, role, method, url)
            if got != expected:
                mismatches.append(f"{method.upper()} {url} as {role}: expected {expected}, got {got}")
    assert not mismatches, "\n".join(mismatches)


def test_a_row_checks_both_methods_for_every_role():
    incomplete = {
        name: method
        for name, row in MATRIX.items()
        for method in ("get", "post")
        if getattr(row, method) is None or set(getattr(row, method)) != set(ROLES)
    }
    assert incomplete == {}


# --- The admin: commission staff only ------------------------------------------------------------


@pytest.mark.parametrize("name", list(admin_routes()))
def test_only_commission_staff_reach_the_admin(name, world, client):
    route, app = admin_routes()[name]
    url = world.url(name, route=route)
    got = {role: request_as(client, world, role, "get", url)[0] for role in ROLES}
    staff = 200 if app in STAFF_ADMIN_APPS | {"admin"} else 403
    # The admin index sends visitors to the admin's own login; its other pages are behind the site's.
    anon = ADMIN_LOGIN if name == "admin:index" else LOGIN
    assert got == roles(ADMIN_LOGIN, anon=anon, staff=staff, admin=200)


def test_the_matrix_notices_a_refusal_that_is_missing(world, client):
    # The checks above can fail: a leader opening the password page is allowed, so expecting 403 is a mismatch.
    got, _ = request_as(client, world, "leader", "get", reverse("password_change"))
    assert got == 200 != commission_only(200)["leader"]
