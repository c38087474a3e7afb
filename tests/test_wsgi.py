"""The WSGI entry point gunicorn loads."""

import subprocess
import sys


def test_loading_the_application_freezes_what_it_loaded_out_of_the_garbage_collectors_sight():
    probe = "import gc, actionplan.wsgi; print(gc.get_freeze_count())"
    frozen = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert int(frozen) > 10_000  # Django and the apps: tens of thousands of objects
