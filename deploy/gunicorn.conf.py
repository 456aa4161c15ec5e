"""gunicorn settings of the image (Dockerfile: `gunicorn -c deploy/gunicorn.conf.py`); each can be
changed from the environment without rebuilding. docs/deploy.md, "The web server".

- workers: GUNICORN_WORKERS, default 2 x CPUs + 1 (sync workers: a request holds one worker).
- timeout: GUNICORN_TIMEOUT seconds, default 60. No page should take that long: anything slow
  (chain verification, exports, the retention sweep) runs in a Celery worker, and a request stuck
  past it is killed and logged rather than left to pile up.
- max_requests (+ jitter): a worker is replaced gracefully after about 1,000 requests, so a slow
  leak in a library never grows without bound; the jitter keeps them from restarting together.
- graceful_timeout: on SIGHUP/SIGTERM a worker has 30 s to finish its requests
  (docs/deploy.md, "Restarting without dropping requests").
- The access log is one JSON object a line with the request id and the path without its query
  string: search boxes put what people typed (which may be a name) in the query string.
"""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "100"))
# Behind a proxy: the forwarded headers are trusted from these addresses only.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
access_log_format = (
    '{"time": "%(t)s", "logger": "gunicorn.access", "method": "%(m)s", "path": "%(U)s", '
    '"status": %(s)s, "bytes": "%(B)s", "duration_ms": %(M)s, "request_id": "%({x-request-id}o)s"}'
)
