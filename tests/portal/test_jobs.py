"""portal.jobs.enqueue: services queue tasks by name, so a process that never imported a task
module (a web worker, `make run` without Redis) must still find the task and run it."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
import django
django.setup()
assert "portal.tasks" not in sys.modules and "meetings.tasks" not in sys.modules
from portal.celery import app
from portal.jobs import enqueue
# Eager (no broker in this process): the task runs here (no ids: it touches no rows) and returns;
# every app's task module is discovered on the way; an unknown name is logged and answered False.
print(enqueue("portal.send_notifications", []), "meetings.destroy_papers" in app.tasks, enqueue("no.such.task"))
"""


def test_a_task_is_found_by_name_in_a_process_that_never_imported_its_module():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test", "PORTAL_TEST_REAL_WORKER": "false"}
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "False"], result.stdout + result.stderr
