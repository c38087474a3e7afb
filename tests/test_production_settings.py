"""
Settings that only show in production: static files served by WhiteNoise (collectstatic must work
with production settings), and SQLite's write-ahead log for a database file.
"""

import json

import pytest
from django.conf import settings

from tests.test_settings import PRODUCTION, manage


def test_collectstatic_with_production_settings_hashes_and_compresses_every_file(tmp_path):
    result = manage("collectstatic", "--noinput", **PRODUCTION, STATIC_ROOT=str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    bundle = manifest["vendor/bootstrap/bootstrap.bundle.min.js"]
    assert bundle != "vendor/bootstrap/bootstrap.bundle.min.js"  # a content hash in the name: cached for ever
    assert (tmp_path / f"{bundle}.gz").exists()
    assert "vendor/echarts/echarts.min.js" in manifest


def test_a_sqlite_database_file_uses_the_write_ahead_log(tmp_path):
    path = tmp_path / "db.sqlite3"
    code = "from django.db import connection; c = connection.cursor(); print(c.execute('PRAGMA journal_mode').fetchone()[0])"
    result = manage("shell", "-c", code, SQLITE_PATH=str(path))
    assert result.stdout.strip().splitlines()[-1] == "wal"


def test_postgresql_connections_run_without_jit_and_are_health_checked():
    code = (
        "from django.conf import settings; d = settings.DATABASES['default']; "
        "print(d['OPTIONS']['options'], d['CONN_HEALTH_CHECKS'])"
    )
    result = manage("shell", "-c", code, DATABASE_URL="postgres://someone@db.example:5432/actionplan")
    assert result.stdout.strip().splitlines()[-1] == "-c jit=off True"


@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"], reason="a PostgreSQL setting (CI's second run)"
)
def test_on_postgresql_the_connection_has_jit_off(db):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
