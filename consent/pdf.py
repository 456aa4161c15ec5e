"""The consent form as a PDF, in the layout of SSP Appendix 5, pre-filled from the record for a
wet signature (the signature lines are left empty).

The form carries personal data about an identified person, so it is marked at the pack's level
for such data: the second level of the scheme (Stockport: RESTRICTED, "personal data about an
offender, victim or witness"; Durham: OFFICIAL-SENSITIVE, "the need to know must be rigorously
enforced"), or the only level of a one-level scheme. `portal.pdf.render_pdf` prints it at the top
and bottom of every page with "Printed by NAME, ORGANISATION at TIME" and "Page N of M".
"""
from __future__ import annotations

import datetime

from django.utils import dateformat, timezone

from consent.models import ConsentRecord
from portal.models import MarkingLevel, ProtocolPack, User
from portal.pdf import pdf_text, render_pdf

TEMPLATE = "consent/consent_form_pdf.html"


def consent_form_marking(pack: ProtocolPack) -> MarkingLevel | None:
    levels = list(pack.marking_levels.order_by("order"))
    if not levels:
        return None
    return levels[min(1, len(levels) - 1)]


def printed_footer(*, user: User, organisation_name: str, at: datetime.datetime | None = None) -> str:
    moment = timezone.localtime(at or timezone.now())
    return (
        f"Printed by {user.display_name}, {organisation_name or 'no organisation'} at "
        f"{dateformat.format(moment, 'j F Y H:i T')}"
    )


def _ddmmyyyy(day: datetime.date | None) -> str:
    return day.strftime("%d%m%Y") if day else ""


def consent_form_pdf(*, consent: ConsentRecord, user: User, organisation_name: str) -> bytes:
    subject = consent.subject
    by_subject = consent.given_by_subject
    marking = consent_form_marking(consent.protocol_pack)
    disclosers = [org.name for org in consent.disclosers.all()]
    context = {
        "consent": consent,
        "pack": consent.protocol_pack,
        "by_subject": by_subject,
        "acting_as": "" if by_subject else consent.get_given_by_display().removeprefix("Their ").lower(),
        "acting_as_other": consent.given_by == "other",
        "description": pdf_text(consent.given_by_description),
        "subject_name": pdf_text(subject.full_name),
        "subject_address": pdf_text(subject.address),
        "subject_dob": _ddmmyyyy(subject.date_of_birth),
        "signatory_name": pdf_text(subject.full_name if by_subject else consent.signatory_name),
        "signatory_address": pdf_text(subject.address if by_subject else consent.signatory_address),
        "signatory_dob": _ddmmyyyy(subject.date_of_birth if by_subject else consent.signatory_date_of_birth),
        "disclosers": disclosers,
        "recipients": [org.name for org in consent.recipients.all()],
        "purposes": [pdf_text(p.name) for p in consent.purposes.order_by("order")],
        "items": [pdf_text(item) for item in consent.information_items],
        "given_on": _ddmmyyyy(consent.given_on),
        "witness_name": pdf_text(consent.witness_name),
        "witness_position": pdf_text(consent.witness_position),
        "witnessed_on": _ddmmyyyy(consent.witnessed_on),
        "expires_on": consent.expires_on,
        "withdrawn_on": timezone.localtime(consent.withdrawn_at).date() if consent.withdrawn_at else None,
        "marking": marking,
    }
    return render_pdf(
        template_name=TEMPLATE,
        context=context,
        marking_text=marking.name if marking else "",
        footer_text=printed_footer(user=user, organisation_name=organisation_name),
    )
