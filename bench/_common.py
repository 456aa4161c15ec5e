"""What every benchmark here does alike: point Django at the benchmark's own database (created if
missing, on DATABASE_URL's server or the embedded one), sign a test Client in, and time pages."""
from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))


def setup_django(dbname: str) -> None:
    """Use database `dbname` on the server DATABASE_URL names (or the embedded one), creating it
    if needed, with the test settings (DEBUG off), and set Django up. BENCH_DB_SUFFIX (e.g. `_h17`)
    is appended to the name, so engineers sharing a server keep their own bench databases."""
    from _env import ensure_database_url

    dbname += os.environ.get("BENCH_DB_SUFFIX", "")

    url = ensure_database_url(dbname)
    base, _, query = url.partition("?")
    os.environ["DATABASE_URL"] = base.rsplit("/", 1)[0] + f"/{dbname}" + (f"?{query}" if query else "")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
    _create_database_if_missing()
    import django

    django.setup()


def _create_database_if_missing() -> None:
    """The embedded server's `devdb.py url` creates it; another server (DATABASE_URL) may not have it."""
    import environ
    import psycopg2

    settings = environ.Env.db_url_config(os.environ["DATABASE_URL"])
    params = {
        "host": settings.get("HOST") or None,
        "port": settings.get("PORT") or None,
        "user": settings.get("USER") or None,
        "password": settings.get("PASSWORD") or None,
    }
    params = {k: v for k, v in params.items() if v}
    try:
        psycopg2.connect(dbname=settings["NAME"], **params).close()
    except psycopg2.OperationalError as exc:
        if "does not exist" not in str(exc):
            raise
        admin = psycopg2.connect(dbname="postgres", **params)
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{settings["NAME"]}"')
        admin.close()
        print(f"Created database {settings['NAME']}", flush=True)


def signed_in_client(membership):
    """A test Client past both sign-in factors, acting as `membership`."""
    from django.test import Client

    from portal.middleware import ACTING_MEMBERSHIP
    from tests.conftest import sign_in_fully

    client = sign_in_fully(Client(), membership.user)
    session = client.session
    session[ACTING_MEMBERSHIP] = membership.pk
    session.save()
    return client


def timed_get(client, url: str, label: str = ""):
    """(server time in ms, response) of one GET; stops the benchmark on anything but a 200."""
    start = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{label + ': ' if label else ''}{url} answered {response.status_code}")
    return elapsed, response


def percentiles(timings: list[float]) -> dict:
    timings = sorted(timings)
    return {
        "p50": statistics.median(timings),
        "p95": timings[max(int(len(timings) * 0.95) - 1, 0)],
        "max": timings[-1],
        "n": len(timings),
    }
