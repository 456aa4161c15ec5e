"""`make run`: debug on, a fixed development secret, loopback hosts only, demo mail in files."""
from .base import *  # noqa: F401,F403
from .base import BASE_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-development-only-not-secret")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
PORTAL_DECISION_LOG_KEY = env("PORTAL_DECISION_LOG_KEY", default="local-decision-log-key")

# Demo notifications go to files, not the console: loading the demo sends hundreds of them, and
# `make run` must end on the sign-in instructions. One file per sending process, in .local/mail/.
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env("DJANGO_EMAIL_FILE_PATH", default=str(BASE_DIR / ".local" / "mail"))
