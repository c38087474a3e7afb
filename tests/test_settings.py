"""Settings are read at start-up, so each case starts a fresh interpreter with its own environment."""

import os
import subprocess
import sys

from django.conf import settings

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x" * 20 + "a-long-random-production-secret-key-0123456789",
    "ALLOWED_HOSTS": "actionplan.example",
}


def manage(*args, **env):
    environ = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DEBUG", "SECRET_KEY")}
    environ.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_missing_secret_key_in_production_names_the_setting():
    result = manage("check", **{**PRODUCTION, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY must be set" in result.stderr


def test_malformed_database_url_names_the_setting():
    result = manage("check", DATABASE_URL="not-a-database-url")
    assert result.returncode != 0
    assert "ImproperlyConfigured: DATABASE_URL is not a valid database URL" in result.stderr


def test_bad_boolean_names_the_variable():
    result = manage("check", DEBUG="perhaps")
    assert "DEBUG must be true or false" in result.stderr


def test_locale_and_time_zone():
    assert (settings.LANGUAGE_CODE, settings.TIME_ZONE) == ("zh-hans", "Asia/Shanghai")
