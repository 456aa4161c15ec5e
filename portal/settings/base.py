"""Settings shared by every environment. Values come from environment variables
(django-environ); see docs/deploy.md for the full list."""
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
# The demo commands (load_demo, demo_code) run only where this is on: portal.settings.local.
PORTAL_DEMO = False
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_static",
    "django_otp.plugins.otp_totp",
    "guardian",
    "axes",
    "csp",
    "django_celery_beat",
    # The partner API's OpenAPI document and its vendored Swagger UI (ADR 0013).
    "ninja",
    "health_check",
    "portal",
    "consent",
    "sharing",
    "meetings",
    "governance",
    "datasets",
    "oversight",
    "exchange",
]

MIDDLEWARE = [
    "portal.observability.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "portal.middleware.ResponseHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.SessionLifetimeMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "portal.middleware.SsoSessionRecheckMiddleware",
    "portal.middleware.RequireSecondFactorMiddleware",
    "portal.middleware.ActingMembershipMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "portal.context_processors.portal",
            ],
        },
    }
]

DATABASES = {"default": env.db("DATABASE_URL", default="postgres:///portal")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
# A kept connection is checked before a request's first query and replaced if the server went
# away (a PostgreSQL restart), instead of failing that request (docs/reliability.md).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "portal:sign_in"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:sign_in"

# Sessions: 30 minutes idle (every request pushes the expiry on), 12 hours at most in any
# case (SessionLifetimeMiddleware), stored server-side so sign-out and deactivation end them.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
PORTAL_SESSION_IDLE_MINUTES = env.int("PORTAL_SESSION_IDLE_MINUTES", default=30)
PORTAL_SESSION_MAX_HOURS = env.int("PORTAL_SESSION_MAX_HOURS", default=12)
SESSION_COOKIE_AGE = PORTAL_SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# django-axes: five failures lock the account (by username) until an admin unlocks it
# or the cool-off passes.
AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_COOLOFF_TIME = timedelta(hours=env.int("PORTAL_LOCKOUT_HOURS", default=24))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "portal/account_locked.html"
AXES_VERBOSE = False

# Second factor: TOTP (django-otp) with ten single-use backup codes; see docs/adr/0002.
PORTAL_BACKUP_CODE_COUNT = 10
# Single sign-on through organisations' own OpenID Connect providers (docs/sso.md, ADR 0015).
# The keys that encrypt the providers' client secrets (first encrypts, all decrypt): kept out of
# the database, like PORTAL_DECISION_LOG_KEY. A session signed in through a provider lasts at
# most PORTAL_SSO_SESSION_MAX_MINUTES, then the provider is asked again (a leaver is refused).
PORTAL_SSO_SECRET_KEYS = env.list("PORTAL_SSO_SECRET_KEYS", default=[])
PORTAL_SSO_SESSION_MAX_MINUTES = env.int("PORTAL_SSO_SESSION_MAX_MINUTES", default=60)
# ...and every PORTAL_SSO_RECHECK_MINUTES it asks the provider again with its refresh token.
PORTAL_SSO_RECHECK_MINUTES = env.int("PORTAL_SSO_RECHECK_MINUTES", default=10)
PORTAL_SSO_HTTP_TIMEOUT = env.int("PORTAL_SSO_HTTP_TIMEOUT", default=10)
OTP_TOTP_ISSUER = env("PORTAL_OTP_ISSUER", default="CSP case-sharing portal")
OTP_TOTP_THROTTLE_FACTOR = 1

GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False
ANONYMOUS_USER_NAME = None

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
# Dates and times read the same everywhere: portal/formats/en_GB/formats.py ("07:09", 24-hour).
FORMAT_MODULE_PATH = ["portal.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Uploaded files live outside the web root and are only ever served by permission-checked views.
MEDIA_ROOT = Path(env("PORTAL_FILES_ROOT", default=str(BASE_DIR / ".local" / "files")))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Content-Security-Policy: no inline script or style; GOV.UK's js-enabled snippet carries a nonce.
from csp.constants import NONCE, NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# No page of the portal uses a device feature: every one is refused, for the page and any frame.
PORTAL_PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)

# Celery. With no REDIS_URL, tasks run in-process (eagerly) so `make run` needs no broker.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
# SAML responses arrive by a cross-site POST, which carries no Lax session cookie: the portal
# keeps the response here for two minutes and continues with a same-site GET (docs/sso.md).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # The inbox's per-organisation summary (sharing.selectors.inbox_summary): shared by every
    # process through Redis, so a write's forgetting reaches them all.
    "inbox": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "portal-inbox"}
        if REDIS_URL else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "portal-inbox"}
    ),
    "sso": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "portal-sso"}
        if REDIS_URL else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "portal-sso"}
    ),
}
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# A task taken by a worker that then dies (SIGKILL, lost machine) stays in Redis's "unacked" set
# and goes back on the queue after the visibility timeout (kombu's default is an hour). 30 minutes
# is more than ten times the longest task measured (a 100,000-copy sweep: 60-145 s,
# docs/performance.md), so a healthy long task is not handed to a second worker while it runs;
# the killed retention sweep is resumed sooner by the recovery check below (docs/reliability.md).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=1800)}
# /healthz/ fails when no Celery worker has written its heartbeat lately (portal/health.py). On by
# default wherever there is a broker; off for a web-only deployment that runs no worker.
PORTAL_HEALTHZ_REQUIRE_WORKER = env.bool("PORTAL_HEALTHZ_REQUIRE_WORKER", default=bool(REDIS_URL))
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE

# Email (docs/deploy.md, "Email"). SMTP from one URL, django-environ's email_url:
# smtp+tls://user:password@smtp.example.org:587 (STARTTLS), smtp+ssl://...:465, smtp://host:25.
# Without EMAIL_URL mail goes to the console. DJANGO_EMAIL_BACKEND, when set, names another backend
# (the tests' workers write mail to files).
EMAIL_URL = env("EMAIL_URL", default="")
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
if EMAIL_URL:
    vars().update(env.email_url("EMAIL_URL"))
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="") or EMAIL_BACKEND
EMAIL_TIMEOUT = env.int("PORTAL_EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="portal@localhost")

# GOV.UK Notify, the production channel: with an API key set, notifications go through Notify
# (portal/notifications/channels.py) instead of EMAIL_URL. One email template, placeholders
# ((subject)) and ((body)). PORTAL_NOTIFY_BASE_URL is only changed by the tests (a stand-in).
PORTAL_NOTIFY_API_KEY = env("PORTAL_NOTIFY_API_KEY", default="")
PORTAL_NOTIFY_TEMPLATE_ID = env("PORTAL_NOTIFY_TEMPLATE_ID", default="")
PORTAL_NOTIFY_REPLY_TO_ID = env("PORTAL_NOTIFY_REPLY_TO_ID", default="")
PORTAL_NOTIFY_BASE_URL = env("PORTAL_NOTIFY_BASE_URL", default="https://api.notifications.service.gov.uk")
PORTAL_NOTIFY_TIMEOUT = env.int("PORTAL_NOTIFY_TIMEOUT", default=20)
PORTAL_NOTIFICATION_CHANNEL = env("PORTAL_NOTIFICATION_CHANNEL", default="notify" if PORTAL_NOTIFY_API_KEY else "email")
# The outbox (portal/models/notifications.py): a failed send is tried again after
# PORTAL_NOTIFICATION_RETRY_SECONDS, doubling each time up to six hours, and stops after
# PORTAL_NOTIFICATION_MAX_ATTEMPTS (about two days with the defaults); a refusal stops it at once.
PORTAL_NOTIFICATION_MAX_ATTEMPTS = env.int("PORTAL_NOTIFICATION_MAX_ATTEMPTS", default=12)
PORTAL_NOTIFICATION_RETRY_SECONDS = env.int("PORTAL_NOTIFICATION_RETRY_SECONDS", default=60)

# The deployment declares whether it runs on a secure network (DOMAIN.md §5: a level the
# pack forbids on the internet can only be released when this is true).
PORTAL_SECURE_NETWORK = env.bool("PORTAL_SECURE_NETWORK", default=False)
PORTAL_PROTOCOLS_DIR = BASE_DIR / "protocols"

# Logs (portal/observability.py): one JSON object a line on standard error, each with the request
# id (X-Request-ID) or, in a Celery task, the task's id. PORTAL_LOG_FORMAT=text for people reading.
PORTAL_LOG_FORMAT = env("PORTAL_LOG_FORMAT", default="json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "portal.observability.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if PORTAL_LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
# Workers log through the same handler (JSON, with the task id) instead of Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Error reports (optional): Sentry, with personal data taken out (portal/observability.py).
PORTAL_SENTRY_DSN = env("PORTAL_SENTRY_DSN", default="")
if PORTAL_SENTRY_DSN:
    from portal.observability import sentry_init  # noqa: E402

    sentry_init(
        dsn=PORTAL_SENTRY_DSN,
        environment=env("PORTAL_SENTRY_ENVIRONMENT", default=""),
        release=env("PORTAL_RELEASE", default=""),
    )

# Lockout is per account (DOMAIN.md §3: "repeated failures lock the account"). Locking by IP as
# well would lock out every officer behind one council or force NAT address after five typos.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Who people contact about the portal and the partnership's sharing (help, privacy notice,
# accessibility statement). Every deployment sets its own.
PORTAL_CONTACT_NAME = env("PORTAL_CONTACT_NAME", default="The partnership's information sharing lead")
PORTAL_CONTACT_EMAIL = env("PORTAL_CONTACT_EMAIL", default="information.sharing@partnership.example")
PORTAL_CONTACT_PHONE = env("PORTAL_CONTACT_PHONE", default="0161 000 0000")

# Links in notification emails point here.
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000")

# Periodic jobs, kept in the repository (django-celery-beat reads this at start).
CELERY_BEAT_SCHEDULE = {
    "send-pending-notifications": {"task": "portal.send_pending_notifications", "schedule": 300.0},
    # The daily digest of notifications, for the people who chose it (their account page).
    "send-notification-digests": {"task": "portal.send_notification_digests", "schedule": crontab(hour=7, minute=30)},
    # SDP 5.1: papers of closed meetings whose destruction did not finish (broker down, crash).
    "meetings-destroy-papers-sweep": {"task": "meetings.destroy_papers_sweep", "schedule": 900.0},
    # Issue 13: dataset checks a broker outage left unqueued.
    "datasets-check-submissions-sweep": {"task": "datasets.check_submissions_sweep", "schedule": 900.0},
    # Retention (portal/retention/): warnings before review dates, then the destruction sweep.
    "retention-warnings": {"task": "portal.retention_warnings", "schedule": crontab(hour=7, minute=0)},
    "retention-daily-sweep": {"task": "portal.retention_sweep", "schedule": crontab(hour=2, minute=30)},
    # A destruction run whose worker died is closed as abandoned and the sweep started again.
    "retention-recover-abandoned-runs": {
        "task": "portal.retention_recover",
        "schedule": float(env.int("PORTAL_RETENTION_RECOVERY_EVERY", default=600)),
    },
    # The decision log's head, anchored outside its table: a later cut of the tail is caught.
    "decision-log-anchor": {"task": "portal.decision_log_anchor", "schedule": crontab(hour=3, minute=15)},
    # The partner API's webhooks (exchange): deliveries whose queueing was lost are sent.
    "exchange-webhooks-sweep": {"task": "exchange.webhooks_sweep", "schedule": 120.0},
    # A whole verification of the chain every night, off any web request; an intact run anchors
    # the head hash in the anchors' table (outside the log's). Runs whose worker died go on.
    "decision-log-verify-daily": {"task": "portal.decision_log_verify_daily", "schedule": crontab(hour=3, minute=45)},
    "decision-log-verify-resume": {"task": "portal.decision_log_verification_resume", "schedule": 300.0},
    # SSP 17, SDP 13: the protocol's review date, 60 and 14 days ahead and once passed (oversight).
    "protocol-review-reminders": {"task": "oversight.review_reminders", "schedule": crontab(hour=7, minute=10)},
    # Issue 12: the monitoring report's monthly roll-up; months written since are counted live meanwhile.
    "report-rollup-refresh": {"task": "oversight.report_rollup_refresh", "schedule": crontab(minute=20)},
}
# Task modules autodiscovery does not find (it looks only for each app's `tasks` module).
CELERY_IMPORTS = ["portal.accountability.tasks"]
# Chain verification runs (portal/accountability/services.py): ranges of this many entry ids,
# checked by this many workers side by side, optionally pausing between ranges (seconds) to
# leave a busy machine to others; a run no worker has moved for STALE_AFTER seconds is queued
# again by the resume job (each range takes about a second at 20,000 ids).
# Keys the decision log was signed with before a rotation (docs/runbook.md, "Rotating
# PORTAL_DECISION_LOG_KEY"): comma-separated, kept like the current key outside the database and
# its backups, used only to verify the entries written under them, never to sign.
PORTAL_DECISION_LOG_RETIRED_KEYS = env.list("PORTAL_DECISION_LOG_RETIRED_KEYS", default=[])
PORTAL_DECISION_LOG_VERIFY_CHUNK = env.int("PORTAL_DECISION_LOG_VERIFY_CHUNK", default=20_000)
PORTAL_DECISION_LOG_VERIFY_PARALLEL = env.int("PORTAL_DECISION_LOG_VERIFY_PARALLEL", default=2)
PORTAL_DECISION_LOG_VERIFY_PAUSE = env.float("PORTAL_DECISION_LOG_VERIFY_PAUSE", default=0.0)
PORTAL_DECISION_LOG_VERIFY_STALE_AFTER = env.int("PORTAL_DECISION_LOG_VERIFY_STALE_AFTER", default=120)
# How many days before a copy's review date its holder is told (14 by default).
PORTAL_RETENTION_WARNING_DAYS = env.int("PORTAL_RETENTION_WARNING_DAYS", default=14)
# A destruction run unfinished for this many seconds whose worker no longer holds it (its
# database session, and with it the run's advisory lock, is gone) is abandoned: the recovery
# check (every PORTAL_RETENTION_RECOVERY_EVERY seconds) closes it and starts the sweep again. So
# a killed sweep resumes within the two added together: 20 minutes by default.
PORTAL_RETENTION_RUN_ABANDONED_AFTER = env.int("PORTAL_RETENTION_RUN_ABANDONED_AFTER", default=600)
# The CPU priority (nice) the sweep's process lowers itself to, so page requests on the same
# machine get the CPU first (docs/performance.md, issues 6 and 17). 0 leaves it as started.
PORTAL_RETENTION_SWEEP_NICENESS = env.int("PORTAL_RETENTION_SWEEP_NICENESS", default=10)

# Uploads (release attachments, consent scans, meeting papers; portal/uploads.py): at most 20 MB a file, checked by content.
# Files above FILE_UPLOAD_MAX_MEMORY_SIZE stream to a temporary file, never into memory; the
# non-file fields of one request may carry up to DATA_UPLOAD_MAX_MEMORY_SIZE (a release with
# many long items), anything larger is refused with a 400.
PORTAL_MAX_UPLOAD_BYTES = env.int("PORTAL_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)
# Dataset submissions (issue 13) are larger: hundreds of thousands of rows in one file.
PORTAL_MAX_DATASET_BYTES = env.int("PORTAL_MAX_DATASET_BYTES", default=100 * 1024 * 1024)
# The anonymised feed (SDP 10): requests per token per minute.
PORTAL_FEED_REQUESTS_PER_MINUTE = env.int("PORTAL_FEED_REQUESTS_PER_MINUTE", default=60)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_PERMISSIONS = 0o640

# The partner API (exchange, docs/api.md). Everything under the prefix authenticates each call
# with a client's key instead of a session (RequireSecondFactorMiddleware lets it through).
PORTAL_API_PREFIX = "/api/"
# Keys and webhook secrets are HMACs under this key (kept outside the database; default SECRET_KEY).
PORTAL_API_KEY_SECRET = env("PORTAL_API_KEY_SECRET", default="")
# Webhook retries: the wait doubles from this many seconds after each failure, up to the maximum tries.
PORTAL_WEBHOOK_BACKOFF_SECONDS = env.float("PORTAL_WEBHOOK_BACKOFF_SECONDS", default=30.0)
PORTAL_WEBHOOK_MAX_ATTEMPTS = env.int("PORTAL_WEBHOOK_MAX_ATTEMPTS", default=8)
# Malware scanning of uploads (portal/malware.py): "clamd" in production (its default there),
# "off" for development and tests unless they ask. PORTAL_CLAMD_ADDRESS: tcp://host:3310 or unix:///path.
PORTAL_MALWARE_SCAN = env("PORTAL_MALWARE_SCAN", default="off")
PORTAL_CLAMD_ADDRESS = env("PORTAL_CLAMD_ADDRESS", default="tcp://127.0.0.1:3310")
PORTAL_CLAMD_TIMEOUT = env.int("PORTAL_CLAMD_TIMEOUT", default=30)
