# One image for web, worker and beat (docker-compose.yml picks the command).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=portal.settings.production
# WeasyPrint needs Pango; fonts-liberation gives Arial-compatible metrics for PDFs.
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-liberation \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# The runtime lock only (hashed): no test tools, no embedded PostgreSQL binaries.
COPY requirements.lock .
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY . .
RUN DJANGO_SECRET_KEY=build-only PORTAL_DECISION_LOG_KEY=build-only DJANGO_ALLOWED_HOSTS=build \
    DATABASE_URL=postgres://build/build python manage.py collectstatic --no-input
RUN useradd --system --uid 10001 portal && mkdir -p /data/files && chown portal /data/files
USER portal
EXPOSE 8000
# Workers, timeout, max requests, JSON access log: deploy/gunicorn.conf.py (each settable from the environment).
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "portal.wsgi:application"]
