"""Changes to person records (portal/models/subjects.py) that a decision calls for: a
rectification agreed on a data-subject rights case (UK GDPR Art 16; SDP 9). The record is
corrected here, by the core that owns it, and the change is decision-logged with the fields
changed (not their values: the log never carries personal data) and the case's reference."""
from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from portal.accountability.services import decision_record
from portal.models import DataSubject, Membership, User
from portal.selectors.subjects import lock_data_subject
from portal.text import collect_text

RECTIFIABLE = ("full_name", "aliases", "date_of_birth", "nhs_number", "address")
LIMITS = {"full_name": 200, "aliases": 500, "nhs_number": 12, "address": 2000}


@transaction.atomic
def data_subject_rectify(
    *, subject: DataSubject, changes: dict, reference: str, acting_user: User, acting_membership: Membership | None
) -> DataSubject:
    """Correct the fields in `changes` of a person record the acting organisation holds."""
    subject = lock_data_subject(pk=subject.pk)
    if acting_membership is None or subject.holder_id != acting_membership.organisation_id:
        raise PermissionDenied("Only the organisation that holds a person record corrects it")
    unknown = set(changes) - set(RECTIFIABLE)
    if unknown:
        raise ValidationError(f"These cannot be rectified: {', '.join(sorted(unknown))}")
    errors: dict = {}
    cleaned = {}
    for field, value in changes.items():
        if field == "date_of_birth":
            if value is not None and not isinstance(value, datetime.date):
                errors[field] = "Enter the date of birth as a real date"
            cleaned[field] = value
        else:
            cleaned[field] = collect_text(
                value, field=field, label="The corrected value", errors=errors, max_length=LIMITS[field],
                missing="Enter the corrected name" if field == "full_name" else "",
            )
    if errors:
        raise ValidationError(errors)
    changed = [field for field, value in cleaned.items() if getattr(subject, field) != value]
    if not changed:
        return subject
    for field in changed:
        setattr(subject, field, cleaned[field])
    subject.save(update_fields=changed)
    decision_record(
        actor=acting_user,
        organisation=acting_membership.organisation,
        action="subject.rectified",
        reference=reference,
        reasons=f"Person record rectified under {reference}: {', '.join(changed)} corrected.",
        details={"subject": subject.pk, "fields": changed},
    )
    return subject
