"""Settings layer like this: ``base`` holds everything, read from environment variables;
``local`` (make run), ``test`` (pytest) and ``production`` change only what differs.
DJANGO_SETTINGS_MODULE picks one; manage.py defaults to ``local``."""
