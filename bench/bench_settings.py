"""Settings for bench/http_pages.py's gunicorn: the test settings (DEBUG off) plus what only the
benchmark mounts (bench/bench_urls.py): a minimal signed-in floor view and Django's admin
changelist over the same requests, as the peers the portal's pages are measured against."""
from portal.settings.test import *  # noqa: F401,F403
from portal.settings.test import INSTALLED_APPS

INSTALLED_APPS = ["django.contrib.admin", *INSTALLED_APPS]
ROOT_URLCONF = "bench_urls"
# gunicorn's own access log is off in the bench; Django's request logging stays as configured.
