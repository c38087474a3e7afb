"""The dashboards' script and style sheet agree with the templates (static/js/dashboard.js, static/css/dashboard.css)."""

import re
from pathlib import Path

from django.conf import settings

BASE = Path(settings.BASE_DIR)
SCRIPT = (BASE / "static/js/dashboard.js").read_text(encoding="utf-8")
STYLE = (BASE / "static/css/dashboard.css").read_text(encoding="utf-8")
TEMPLATES = [p.read_text(encoding="utf-8") for p in (BASE / "templates/indicators").rglob("*.html")]


def test_every_chart_a_template_asks_for_is_drawn_by_the_script():
    kinds = {kind for text in TEMPLATES for kind in re.findall(r'data-chart="([\w-]+)"', text)}
    entries = re.search(r"const KINDS = \{(.*?)\};", SCRIPT).group(1).split(",")
    drawn = {entry.split(":")[0].strip().strip('"') for entry in entries}
    assert kinds == {"indicators", "trend", "statuses", "sections", "indicator-trend", "units"}
    assert kinds <= drawn


def test_the_handout_is_a4_landscape():
    assert re.search(r"@page\s*\{\s*size:\s*A4 landscape;", STYLE)


def test_the_script_uses_only_the_vendored_echarts_and_loads_nothing():
    assert "fetch(" not in SCRIPT and "XMLHttpRequest" not in SCRIPT and "http" not in SCRIPT
    assert (BASE / "static/vendor/echarts/echarts.min.js").exists()
