"""
Settings that only show in production: static files served by WhiteNoise (collectstatic must work
with production settings), and SQLite's write-ahead log for a database file.
"""

import json

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
