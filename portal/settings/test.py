"""pytest: fast password hashing, files in a temporary folder, the real database."""
import tempfile
from pathlib import Path

from .base import *  # noqa: F401,F403
from .base import STORAGES, env

SECRET_KEY = "test-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(env("PORTAL_FILES_ROOT", default="") or tempfile.mkdtemp(prefix="portal-test-files-"))
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
# A real Celery worker started by a test (tests/workers.py) sends mail to files instead.
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend")
EMAIL_FILE_PATH = env("DJANGO_EMAIL_FILE_PATH", default=str(MEDIA_ROOT / "mail"))
# Tasks run in-process unless a test starts a real worker and sets PORTAL_TEST_REAL_WORKER.
CELERY_TASK_ALWAYS_EAGER = not env.bool("PORTAL_TEST_REAL_WORKER", default=False)
PORTAL_DECISION_LOG_KEY = "test-decision-log-key"
PORTAL_SSO_SECRET_KEYS = ["test-sso-secret-key"]
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
