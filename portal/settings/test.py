"""pytest: fast password hashing, files in a temporary folder, the real database."""
import tempfile
from pathlib import Path

from .base import *  # noqa: F401,F403
from .base import CACHES, EMAIL_BACKEND, EMAIL_URL, STORAGES, env

SECRET_KEY = "test-only-not-secret"
# The tests' own gunicorn servers run without a worker: /healthz/ checks one only when asked.
PORTAL_HEALTHZ_REQUIRE_WORKER = env.bool("PORTAL_HEALTHZ_REQUIRE_WORKER", default=False)
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(env("PORTAL_FILES_ROOT", default="") or tempfile.mkdtemp(prefix="portal-test-files-"))
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
# A real Celery worker started by a test (tests/workers.py) sends mail to files instead.
# With EMAIL_URL set (base.py), mail goes to that server here too.
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="") or (EMAIL_BACKEND if EMAIL_URL else "django.core.mail.backends.locmem.EmailBackend")
EMAIL_FILE_PATH = env("DJANGO_EMAIL_FILE_PATH", default=str(MEDIA_ROOT / "mail"))
# Tasks run in-process unless a test starts a real worker and sets PORTAL_TEST_REAL_WORKER.
CELERY_TASK_ALWAYS_EAGER = not env.bool("PORTAL_TEST_REAL_WORKER", default=False)
# A test's worker consumes a queue of the test's own (tests/workers.py): the tasks it queues in
# turn (a beat job queueing the sending of its notifications) go to that queue too, as in
# production, where every task shares the one default queue.
CELERY_TASK_DEFAULT_QUEUE = env("PORTAL_TEST_WORKER_QUEUE", default="celery")
PORTAL_DECISION_LOG_KEY = "test-decision-log-key"
PORTAL_SSO_SECRET_KEYS = ["test-sso-secret-key"]
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
# The inbox's summary cache in the test process's memory (base.py gives it Redis when REDIS_URL is
# set): tests clear it (tests/conftest.py) without flushing the Redis the test workers use.
CACHES = {**CACHES, "inbox": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "portal-inbox"}}
