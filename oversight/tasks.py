"""Celery tasks of `oversight`: leaves that call services."""
