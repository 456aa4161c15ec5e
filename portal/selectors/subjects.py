"""Reads of person records (portal/models/subjects.py) for the services that change them."""
from __future__ import annotations

from portal.models import DataSubject


def lock_data_subject(*, pk: int) -> DataSubject:
    """The person record, locked for the caller's transaction (a rectification)."""
    return DataSubject.objects.select_for_update().get(pk=pk)
