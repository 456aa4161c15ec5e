"""`make run`: debug on, a fixed development secret, loopback hosts only."""
from .base import *  # noqa: F401,F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-development-only-not-secret")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
PORTAL_DECISION_LOG_KEY = env("PORTAL_DECISION_LOG_KEY", default="local-decision-log-key")
