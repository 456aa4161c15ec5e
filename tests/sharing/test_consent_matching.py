"""Issue 18 item 2: a consent recorded the normal way (Consent → Record a consent, the person typed
in again) is found for the request about the same person, and the request offers "Record consent
for this person", which comes back to the request (sharing/services/consent_reliance.py,
consent/selectors.py `same_person_subjects`, sharing/views/requester.py)."""

import datetime

import pytest
from django.urls import reverse

from consent.models import ConsentRecord
from consent.services import SubjectDetails
from sharing.models import ConsentReliance
from tests.portal.factories import MembershipFactory
from tests.sharing.test_consent_at_release import ITEMS, consent_for, with_consent  # noqa: F401
from tests.sharing.test_override import release

pytestmark = pytest.mark.django_db

DOB = datetime.date(1990, 3, 27)


@pytest.fixture
def person(with_consent):
    subject = with_consent.subjects.first().subject
    subject.full_name, subject.date_of_birth = "Leah Barnes", DOB
    subject.save(update_fields=["full_name", "date_of_birth"])
    return subject


def typed_in(parties, req, name="leah  BARNES", dob=DOB, who="requester"):
    membership = parties.memberships[who]
    return consent_for(
        parties, req, subject=None, new_subject=SubjectDetails(full_name=name, date_of_birth=dob),
        acting_user=membership.user, acting_membership=membership,
    )


def test_a_consent_typed_in_again_for_the_same_person_is_offered_and_relied_on(parties, with_consent, person):
    req = with_consent
    consent = typed_in(parties, req)
    assert consent.subject_id != person.pk
    responder = parties.client("assignee")
    page = responder.get(reverse("sharing:consent_reliance", args=[req.pk])).content.decode()
    assert consent.reference in page and "check it is the same person" in page
    items = reverse("sharing:consent_reliance_items", args=[req.pk, consent.pk])
    assert responder.post(items, {"information_items": ["0"]}).status_code == 302
    assert ConsentReliance.objects.get(request=req, is_current=True).consent == consent
    release(parties, req)  # the grant of the record to the responder accepts the same person


def test_no_match_on_another_person_or_a_record_nobody_on_the_request_may_see(parties, with_consent, person):
    req = with_consent
    other_dob = typed_in(parties, req, dob=DOB.replace(year=1991))
    other_name = typed_in(parties, req, name="Leah Barns")
    stranger = MembershipFactory(organisation=parties.c, role=parties.memberships["officer_c"].role).user
    unseen = typed_in(parties, req, who="officer_c")  # same person, recorded at C: not ours to see
    assert stranger  # a second officer at C changes nothing
    page = parties.client("assignee").get(reverse("sharing:consent_reliance", args=[req.pk])).content.decode()
    for absent in (other_dob, other_name, unseen):
        assert absent.reference not in page, absent
    assert "There is no consent record for the people this request is about" in page


def test_record_consent_from_the_request_prefills_the_person_and_comes_back(parties, with_consent, person):
    req = with_consent
    requester = parties.client("requester")
    detail = reverse("sharing:request_detail", args=[req.pk])
    body = requester.get(detail).content.decode()
    assert "Record consent for this person" in body
    url = f"{reverse('consent:record')}?subject={person.pk}&next={detail}"
    assert url.replace("&", "&amp;") in body
    form = requester.get(url).content.decode()
    assert "Leah Barnes" in form and f'name="next" value="{detail}"' in form
    # Only the requesting side gets the action.
    assert "Record consent for this person" not in parties.client("assignee").get(detail).content.decode()
    given = (datetime.date.today() - datetime.timedelta(days=2)).isoformat()
    done = requester.post(
        reverse("consent:record"),
        {
            "subject": str(person.pk), "next": detail, "given_by": "subject", "reasons_explained": "yes",
            "disclosers": [str(parties.b.pk)], "recipients": [str(parties.a.pk)], "purposes": [str(req.purpose_id)],
            "information_items": ITEMS[0],
            "given_on": given, "witnessed_on": given,
            "witness_name": "Pat Officer", "witness_position": "Police constable",
        },
    )
    assert done.status_code == 302, done.content.decode()[:3000]
    assert done["Location"] == detail
    consent = ConsentRecord.objects.get(subject=person)
    page = parties.client("assignee").get(reverse("sharing:consent_reliance", args=[req.pk])).content.decode()
    assert consent.reference in page and "check it is the same person" not in page


def test_next_never_leaves_the_portal(parties, with_consent, person):
    url = f"{reverse('consent:record')}?subject={person.pk}&next=//evil.example/x"
    assert b"evil.example" not in parties.client("requester").get(url).content
