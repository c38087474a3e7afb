"""Production serves its own static files (WhiteNoise): collectstatic must work with production settings."""

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
