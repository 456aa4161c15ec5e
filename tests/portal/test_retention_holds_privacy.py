"""Placing a legal hold shows no personal data to a partnership admin (DOMAIN.md §3: "cannot read
any personal data"): they hold a whole request by its reference, never one person in it by name.
The organisation's designated officer still chooses a person (and the look is access-logged).
A reference that cannot be one (a NUL byte) is a 404, not a database error."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.models import AccessLogEntry, DataSubject, LegalHold
from tests.portal.test_retention_views import make_copy, text, w  # noqa: F401  (w is a fixture)

pytestmark = pytest.mark.django_db


def test_the_admin_sees_the_reference_but_no_subject_name_and_reads_nothing(w):  # noqa: F811
    subject = DataSubject.objects.create(holder=w.a, full_name="Jordan Example")
    make_copy(w.a, reference="DR-2026-0201", subject_ids=[subject.pk])
    admin = w.client("admin")
    url = reverse("portal:retention_hold_new_scope", args=["DR-2026-0201"])
    response = admin.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Jordan Example" not in html and f"subject-{subject.pk}" not in html
    assert "Everything about request DR-2026-0201" in text(response)
    assert not AccessLogEntry.objects.filter(object_type="data_subject").exists()

    # Nor can the admin hold one person by posting a subject they were not offered.
    review = (timezone.localdate() + datetime.timedelta(days=30)).strftime("%d/%m/%Y")
    data = {"reason_kind": "subject_access", "reason": "SAR 7", "review_date": review}
    refused = admin.post(url, {**data, "scope": f"subject-{subject.pk}"})
    assert refused.status_code == 200 and "Jordan Example" not in refused.content.decode()
    assert not LegalHold.objects.exists()
    assert admin.post(url, {**data, "scope": "request"}).status_code == 302
    hold = LegalHold.objects.get()
    assert hold.subject is None and hold.request_reference == "DR-2026-0201"


def test_the_designated_officer_still_chooses_a_person(w):  # noqa: F811
    subject = DataSubject.objects.create(holder=w.a, full_name="Jordan Example")
    make_copy(w.a, reference="DR-2026-0211", subject_ids=[subject.pk])
    page = text(w.client("do_a").get(reverse("portal:retention_hold_new_scope", args=["DR-2026-0211"])))
    assert "Everything about Jordan Example" in page
    assert AccessLogEntry.objects.filter(object_type="data_subject", reference="DR-2026-0211").count() == 1


@pytest.mark.parametrize("who", ["admin", "do_a"])
@pytest.mark.parametrize("path", ["/retention/holds/new/%00/", "/retention/holds/new/DR-2026%000001/"])
def test_a_nul_byte_in_the_reference_is_not_found(w, who, path):  # noqa: F811
    make_copy(w.a, reference="DR-2026-0001")
    assert w.client(who).get(path).status_code == 404
    assert w.client(who).post(path, {"scope": "request"}).status_code == 404
