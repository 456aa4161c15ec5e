"""Production: every secret from the environment, HTTPS only. Missing secrets stop start-up."""
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import SECRET_KEY, env

DEBUG = env.bool("DJANGO_DEBUG", default=False)


def _required(name: str, value: str) -> str:
    if not value:
        raise ImproperlyConfigured(
            f"{name} is not set. Production settings need it in the environment; see docs/deploy.md."
        )
    return value


SECRET_KEY = _required("DJANGO_SECRET_KEY", SECRET_KEY)
PORTAL_DECISION_LOG_KEY = _required("PORTAL_DECISION_LOG_KEY", env("PORTAL_DECISION_LOG_KEY", default=""))
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS is not set; see docs/deploy.md.")
_required("DATABASE_URL", env("DATABASE_URL", default=""))
# Uploads are scanned by clamd in production unless a deployment says otherwise (docs/deploy.md).
PORTAL_MALWARE_SCAN = env("PORTAL_MALWARE_SCAN", default="clamd")

SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
