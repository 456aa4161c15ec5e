"""pytest: fast password hashing, files in a temporary folder, the real database."""
import tempfile
from pathlib import Path

from .base import *  # noqa: F401,F403
from .base import STORAGES, env

SECRET_KEY = "test-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="portal-test-files-"))
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PORTAL_DECISION_LOG_KEY = "test-decision-log-key"
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
