"""The case references of governance (BR-2026-000001, NC-000001...): made from the row's id, so a
row is created under a unique placeholder and given its reference straight after, in the same
transaction. Every governance service that opens a case calls this one function."""
from __future__ import annotations

import uuid
from collections.abc import Callable

from django.db.models import Model


def create_with_reference(model: type[Model], reference: Callable[[Model], str], **fields) -> Model:
    """`model.objects.create(**fields)`, then `reference(row)` as the row's reference."""
    row = model.objects.create(reference=f"new-{uuid.uuid4().hex[:16]}", **fields)
    row.reference = reference(row)
    row.save(update_fields=["reference"])
    return row
