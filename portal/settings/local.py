"""`make run`: the demo, a fixed development secret, loopback hosts only, demo mail in files.

DEBUG stays off, as in production, so a person trying the demo sees the portal's own 404, 403 and
500 pages (never Django's technical pages, which list every URL pattern); DJANGO_DEBUG=1 turns it on
for a developer. Errors are still printed to the console with their traceback. PORTAL_DEMO lets
the demo commands (load_demo, demo_code) run.
"""
from .base import *  # noqa: F401,F403
from .base import BASE_DIR, EMAIL_BACKEND, EMAIL_URL, STORAGES, env

DEBUG = env.bool("DJANGO_DEBUG", default=False)
PORTAL_DEMO = True
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-development-only-not-secret")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
PORTAL_DECISION_LOG_KEY = env("PORTAL_DECISION_LOG_KEY", default="local-decision-log-key")
PORTAL_SSO_SECRET_KEYS = env.list("PORTAL_SSO_SECRET_KEYS", default=["local-sso-secret-key"])

# Demo notifications go to files, not the console: loading the demo sends hundreds of them, and
# `make run` must end on the sign-in instructions. One file per sending process, in .local/mail/.
# With EMAIL_URL set (base.py), mail goes to that server here too.
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="") or (EMAIL_BACKEND if EMAIL_URL else "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env("DJANGO_EMAIL_FILE_PATH", default=str(BASE_DIR / ".local" / "mail"))

# No collectstatic for the demo: WhiteNoise serves the files from the app and static/ folders.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False}},
}
