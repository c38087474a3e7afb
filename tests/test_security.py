"""
Hardening (issue 6, part 5): login lockout, Content-Security-Policy, idle
session expiry and password rules. The URL-wide checks (CSRF on every POST,
escaping of typed script tags, each role's forbidden URLs) are in
tests/test_role_matrix.py, which walks every URL pattern.
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from units.models import User

PASSWORD = "Test2026pass"


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    # Each login attempt checks a password: the production hasher would make this file take seconds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def reporter(db):
    return User.objects.create_user("reporter", password=PASSWORD, role=User.Role.REPORTER)


@pytest.fixture
def colleague(db):
    return User.objects.create_user("colleague", password=PASSWORD, role=User.Role.REPORTER)


def login(client, username, password, address):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def fail_until_locked(client, username, address):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, username, "wrong-password-1", address)


# --- Lockout: a username from one address, never a whole address ------------------------------------


def test_a_username_is_locked_from_an_address_after_repeated_failures(client, reporter):
    fail_until_locked(client, "reporter", "10.1.1.1")
    response = login(client, "reporter", PASSWORD, "10.1.1.1")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_fewer_failures_than_the_limit_do_not_lock(client, reporter):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "reporter", "wrong-password-1", "10.1.1.1")
    assert login(client, "reporter", PASSWORD, "10.1.1.1").status_code == 302


def test_the_same_username_from_another_address_still_logs_in(client, reporter):
    fail_until_locked(client, "reporter", "10.1.1.1")
    response = login(client, "reporter", PASSWORD, "10.2.2.2")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(reporter.pk)


def test_another_username_from_the_locked_address_still_logs_in(client, reporter, colleague):
    # Government offices share one outward address: one person's typos must not lock the whole office out.
    fail_until_locked(client, "reporter", "10.1.1.1")
    response = login(client, "colleague", PASSWORD, "10.1.1.1")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(colleague.pk)


def test_the_lock_lifts_after_the_cool_off_period(client, reporter):
    fail_until_locked(client, "reporter", "10.1.1.1")
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    assert login(client, "reporter", PASSWORD, "10.1.1.1").status_code == 302


def test_the_lockout_page_is_chinese_and_names_the_cool_off_in_minutes(client, reporter):
    fail_until_locked(client, "reporter", "10.1.1.1")
    body = login(client, "reporter", PASSWORD, "10.1.1.1").content.decode()
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert "登录失败次数过多" in body
    assert f"已被锁定 {minutes} 分钟" in body


def test_lockout_settings_key_on_username_and_address_together():
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert (settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME) == (5, timedelta(minutes=15))


def test_behind_a_tls_proxy_the_lockout_uses_the_address_the_proxy_saw(rf):
    from actionplan.client_ip import client_ip

    forged_then_real = rf.get("/", HTTP_X_FORWARDED_FOR="1.2.3.4, 10.9.8.7", REMOTE_ADDR="127.0.0.1")
    assert client_ip(forged_then_real) == "10.9.8.7"
    assert client_ip(rf.get("/", REMOTE_ADDR="10.1.1.1")) == "10.1.1.1"


def test_behind_a_tls_proxy_settings_name_the_address_helper():
    from tests.test_settings import manage

    result = manage(
        "shell", "-c", "from django.conf import settings; print(settings.AXES_CLIENT_IP_CALLABLE)", BEHIND_TLS_PROXY="true"
    )
    assert result.stdout.strip().splitlines()[-1] == "actionplan.client_ip.client_ip"


# --- Content-Security-Policy: scripts only from our own files ---------------------------------------

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)


def inline_script_problems(html: str) -> list[str]:
    """Everything in html that a CSP without 'unsafe-inline' would block: inline scripts and handlers."""
    problems = []
    for match in SCRIPT_TAG.finditer(html):
        attrs = match.group(1)
        if re.search(r"\bsrc\s*=", attrs) or re.search(r"""type\s*=\s*["']application/json["']""", attrs):
            continue
        problems.append(match.group(0))
    problems += [m.group(0) for m in EVENT_HANDLER.finditer(html)]
    problems += re.findall(r"""(?:href|action|src)\s*=\s*["']\s*javascript:""", html, re.IGNORECASE)
    return problems


def project_templates() -> list[Path]:
    base = Path(settings.BASE_DIR)
    roots = [base / "templates"] + [p for p in base.glob("*/templates") if ".venv" not in p.parts]
    return sorted(path for root in roots for path in root.rglob("*.html"))


def test_csp_header_allows_scripts_only_from_self(client, db):
    header = client.get(reverse("login")).headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert "'unsafe-inline'" not in header.split("style-src")[0] + directives["script-src"]
    assert directives["object-src"] == "'none'"


def test_csp_header_is_sent_on_logged_in_pages(client, reporter):
    client.force_login(reporter)
    assert "script-src 'self'" in client.get(reverse("home")).headers["Content-Security-Policy"]


def test_no_template_holds_an_inline_script_or_event_handler():
    templates = project_templates()
    assert len(templates) > 5  # the scan found the templates it is meant to check
    problems = {str(path): found for path in templates if (found := inline_script_problems(path.read_text()))}
    assert problems == {}


def test_the_inline_script_scan_catches_what_csp_would_block():
    assert inline_script_problems('<script>alert(1)</script><a onclick="x()">') == ["<script>", '<a onclick=']
    assert inline_script_problems('<script src="/static/js/app.js"></script>') == []
    assert inline_script_problems('<script id="d" type="application/json">{"a": 1}</script>') == []


# --- Sessions end after idle time -----------------------------------------------------------------


def test_sessions_expire_after_idle_time_and_at_browser_close():
    assert settings.SESSION_COOKIE_AGE == 2 * 60 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True


def test_each_request_moves_the_idle_deadline_on(client, reporter):
    client.force_login(reporter)
    session = Session.objects.get()
    Session.objects.update(expire_date=timezone.now() + timedelta(minutes=5))
    client.get(reverse("home"))
    session.refresh_from_db()
    assert session.expire_date > timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)


def test_a_session_idle_past_its_age_is_logged_out(client, reporter):
    client.force_login(reporter)
    assert client.get(reverse("home")).status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# --- Password rules -------------------------------------------------------------------------------


def password_errors(password, user=None) -> list[str]:
    with translation.override("zh-hans"):
        try:
            validate_password(password, user)
        except ValidationError as exc:
            return list(exc.messages)
    return []


@pytest.mark.parametrize(
    "weak, message",
    [
        ("Ab1cd2x", "密码太短：至少需要 10 个字符。"),
        ("password123", "这个密码太常见了。"),
        ("2026031512345", "密码只包含数字。"),
        ("abcdefghijkl", "密码必须同时包含字母和数字。"),
    ],
)
def test_weak_passwords_are_refused_with_a_chinese_message(weak, message):
    assert message in password_errors(weak)


def test_a_password_like_the_username_is_refused(db):
    user = User(username="zhangwei2026", display_name="张伟")
    assert any("太相似" in message for message in password_errors("zhangwei2026x", user))


def test_a_strong_password_passes():
    assert password_errors("Daxing2026kwHard") == []


def test_the_password_change_form_refuses_a_weak_password_in_chinese(client, reporter):
    client.force_login(reporter)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "abcdefghijkl", "new_password2": "abcdefghijkl"},
    )
    reporter.refresh_from_db()
    assert "密码必须同时包含字母和数字。" in response.content.decode()
    assert reporter.check_password(PASSWORD)


# --- Every URL: CSRF on every POST, script tags escaped everywhere ---------------------------------
# The URL inventory, the world of sample data and the role matrix live in tests/test_role_matrix.py.

from hashlib import sha256  # noqa: E402
from html.parser import HTMLParser  # noqa: E402

from django.apps import apps  # noqa: E402
from django.test import Client  # noqa: E402

from tests.test_role_matrix import (  # noqa: E402
    INVENTORY,
    LOGIN,
    MATRIX,
    ROLES,
    admin_routes,
    build_world,
    pattern_name,
    request_as,
)

PAYLOAD = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
REFUSED = {LOGIN, "admin_login", 403, 404, 405}


def allowed_roles(expected: dict | None) -> list[str]:
    return [role for role, code in (expected or {}).items() if code not in REFUSED]


def every_url(world) -> list[tuple[str, str, dict]]:
    """(name, url, GET expectations) for every site URL in the matrix and every admin list page."""
    urls = [
        (name, world.url(pattern_name(name), row), row.get)
        for name, row in sorted(MATRIX.items())
        if pattern_name(name) in INVENTORY()
    ]
    for name, (route, _) in admin_routes().items():
        urls.append((name, world.url(name, route=route), {"admin": 200}))
    return urls


# Session rows move on every request (SESSION_SAVE_EVERY_REQUEST) and axes logs requests: neither is data.
NOT_DATA = {"sessions.session", "axes.accesslog", "axes.accessattempt", "axes.accessfailurelog"}


def database_fingerprint() -> dict[str, str]:
    """A digest of every row of every model: equal before and after means nothing was written."""
    digest = {}
    for model in apps.get_models():
        if model._meta.label_lower in NOT_DATA:
            continue
        rows = model._default_manager.order_by("pk").values_list()
        digest[model._meta.label_lower] = sha256(repr(list(rows)).encode()).hexdigest()
    return digest


class Forms(HTMLParser):
    """The POST forms of a page, as a browser would submit them: (action, {name: value})."""

    TEXT_TYPES = {"text", "search", ""}

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.text = text
        self.forms: list[tuple[str, dict]] = []
        self._form = None
        self._textarea = None
        self._select = None
        self._first_option = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = (a.get("action") or "", {}) if (a.get("method") or "get").lower() == "post" else None
            self._buttoned = False
        if self._form is None or not a.get("name"):
            return
        fields, name = self._form[1], a["name"]
        if tag == "input":
            kind = (a.get("type") or "").lower()
            if kind in self.TEXT_TYPES:
                fields[name] = self.text
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    fields.setdefault(name, a.get("value", "on"))
            elif kind == "submit":
                if not self._buttoned:
                    fields[name], self._buttoned = a.get("value", ""), True
            elif kind not in ("file", "button", "reset", "image", "password"):
                fields[name] = a.get("value", "")
        elif tag == "textarea":
            fields[name] = self.text
        elif tag == "button" and (a.get("type") or "submit") == "submit" and not self._buttoned:
            fields[name], self._buttoned = a.get("value", ""), True
        elif tag == "select":
            self._select, self._first_option = name, None
        if tag == "option" and self._select:
            if self._first_option is None and a.get("value"):
                self._first_option = a["value"]
            if "selected" in a:
                fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select" and self._select and self._form is not None:
            self._form[1].setdefault(self._select, self._first_option or "")
            self._select = None


def post_forms(html: str, text: str) -> list[tuple[str, dict]]:
    parser = Forms(text)
    parser.feed(html)
    return [(action, fields) for action, fields in parser.forms if action != reverse("logout")]


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return build_world("示范文本")


@pytest.fixture
def payload_world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return build_world(PAYLOAD)


def logged_in_clients(world, **options) -> dict[str, Client]:
    clients = {}
    for role in ROLES:
        clients[role] = Client(**options)
        if world.users[role] is not None:
            clients[role].force_login(world.users[role])
    return clients


def test_every_post_without_a_csrf_token_is_refused_and_changes_nothing(world):
    """Every URL, as every role, with the fields of the page's own forms: 403 and not a row changed."""
    # Log everyone in first: a login writes last_login, which would hide what the POSTs below write.
    browsers, posters = logged_in_clients(world), logged_in_clients(world, enforce_csrf_checks=True)
    posts = []
    for name, url, get in every_url(world):
        for role in ROLES:
            posts.append((name, role, url, {}))
            if get and get.get(role) == 200:
                page = browsers[role].get(url)
                if text_of(page) is not None:
                    posts += [(name, role, action or url, fields) for action, fields in post_forms(page.content.decode(), "新文本")]
    before = database_fingerprint()
    accepted = []
    for name, role, url, fields in posts:
        response = posters[role].post(url, fields)
        if response.status_code != 403 or "403_csrf.html" not in [t.name for t in response.templates]:
            accepted.append(f"POST {url} ({name}) as {role}: {response.status_code}")
    assert accepted == []
    assert database_fingerprint() == before
    assert len(posts) > len(ROLES) * len(MATRIX)  # forms were found and posted too, not only empty POSTs


def test_the_csrf_check_would_notice_a_post_that_got_through(reporter):
    # The control for the test above: the same password change without CSRF enforcement does change data.
    before = database_fingerprint()
    client = Client()
    client.force_login(reporter)
    new = "Changed2026password"
    client.post(reverse("password_change"), {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert database_fingerprint() != before


def text_of(response) -> str | None:
    kind = response.get("Content-Type", "")
    if not any(t in kind for t in ("html", "json", "text/", "javascript")):
        return None  # a spreadsheet or an attachment: not rendered by the browser as a page
    return response.content.decode()


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_script_tags_in_the_data_come_back_escaped(name, payload_world, client):
    row = MATRIX[name]
    if pattern_name(name) not in INVENTORY():
        pytest.fail(f"{name} is in MATRIX but is not a URL pattern")
    url = payload_world.url(pattern_name(name), row)
    raw, escaped, inline = [], [], []
    for role in allowed_roles(row.get):
        _, response = request_as(client, payload_world, role, "get", url)
        body = text_of(response)
        if body is None:
            continue
        if PAYLOAD in body:
            raw.append(role)
        if ESCAPED in body:
            escaped.append(role)
        inline += inline_script_problems(body)
    assert raw == []
    assert inline == []
    if row.shows_text:
        assert escaped, f"{url} should show the data's text, escaped"


@pytest.mark.parametrize("name", list(admin_routes()))
def test_script_tags_come_back_escaped_in_the_admin(name, payload_world, client):
    route, _ = admin_routes()[name]
    _, response = request_as(client, payload_world, "admin", "get", payload_world.url(name, route=route))
    body = response.content.decode()
    assert PAYLOAD not in body
    assert inline_script_problems(body) == []


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_script_tags_typed_into_any_form_come_back_escaped(name, payload_world, client):
    """Each form on each page, its text fields filled with a script tag, submitted as each role that sees it."""
    row = MATRIX[name]
    url = payload_world.url(pattern_name(name), row)
    raw = []
    for role in allowed_roles(row.get):
        _, page = request_as(client, payload_world, role, "get", url)
        if page is None or text_of(page) is None:
            continue
        for action, fields in post_forms(page.content.decode(), PAYLOAD):
            with transaction.atomic():
                client.logout()
                if payload_world.users[role] is not None:
                    client.force_login(payload_world.users[role])
                # follow: the text comes back either in the form shown again or on the page it redirects to.
                body = text_of(client.post(action or url, fields, follow=True))
                if body and PAYLOAD in body:
                    raw.append(f"{role} posting {sorted(fields)} to {action or url}")
                transaction.set_rollback(True)
    assert raw == []


# --- Uploads are checked by what they contain, not by their name -----------------------------------

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402

from tasks.models import Attachment  # noqa: E402


def upload(client, world, name, content):
    """The lead unit saves its draft through the update form with one file attached."""
    client.force_login(world.users["lead"])
    url = reverse("tasks:update_edit", args=[world.objects["lead_draft"].pk])
    (_, fields), *_ = post_forms(client.get(url).content.decode(), "本季度进展")
    fields["action"] = "save"  # save the draft, not submit it
    numbers = {k: "1" for k in fields if k.startswith("contribution_") and not k.endswith("_description")}
    return client.post(url, {**fields, **numbers, "attachments": SimpleUploadedFile(name, content)})


def test_a_file_named_pdf_that_is_not_a_pdf_is_refused(world, client):
    count = Attachment.objects.count()
    response = upload(client, world, "证明材料.pdf", b"<html><script>alert(1)</script></html>")
    assert response.status_code == 400
    assert "“证明材料.pdf”的内容不是.pdf文件" in response.content.decode()
    assert Attachment.objects.count() == count


def test_a_real_pdf_is_kept_and_served_as_a_download_that_is_not_sniffed(world, client):
    response = upload(client, world, "证明材料.pdf", b"%PDF-1.7\n1 0 obj <<>> endobj\n")
    attachment = Attachment.objects.filter(update=world.objects["lead_draft"]).latest("pk")
    download = client.get(reverse("tasks:attachment_download", args=[attachment.pk]))
    assert response.status_code == 302
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
