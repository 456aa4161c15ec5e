"""Issue 12 (SDP 4.5, Appendix 2): where the pack in force says `review.unsigned_blocks_sharing`,
an organisation the signatory register flags (no current signature for the version in force, no
designated officer, an ICO number missing or malformed) is refused everywhere a suspended one is:
raising and submitting, release, onward disclosure. Each refusal names what is missing."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from portal.models import Membership
from portal.roles import Role
from sharing.models import Decision, Status
from sharing.services import raising as services
from tests.sharing.test_decide import form_data, ready, release, url
from tests.sharing.test_onward import ask, released  # noqa: F401  (fixture)
from tests.sharing.test_raising_services import fill_draft, start_draft, submit

pytestmark = pytest.mark.django_db


def blocking(pack, on: bool = True) -> None:
    pack.data = {**pack.data, "review": {**(pack.data.get("review") or {}), "unsigned_blocks_sharing": on}}
    pack.save(update_fields=["data"])


def test_a_draft_is_refused_to_a_holder_without_an_ico_number_only_where_the_pack_says_so(parties):
    parties.b.ico_registration = ""
    parties.b.save(update_fields=["ico_registration"])
    assert start_draft(parties).status == Status.DRAFT  # the pack does not block: flagged only
    blocking(parties.pack)
    with pytest.raises(ValidationError) as refused:
        start_draft(parties)
    assert " ".join(refused.value.messages) == (
        "Sharing with Stockport Council is blocked by the protocol until it is put right (SDP 4.5): no ICO registration number"
    )


def test_a_draft_is_refused_from_a_requester_without_a_designated_officer(parties):
    blocking(parties.pack)
    Membership.objects.filter(organisation=parties.a, role=Role.DESIGNATED_OFFICER).update(is_active=False)
    with pytest.raises(ValidationError, match="Greater Manchester Police is blocked .*: no designated officer"):
        start_draft(parties)


def test_submit_is_refused_when_the_block_arises_after_the_draft(parties):
    draft = fill_draft(parties, start_draft(parties))
    blocking(parties.pack)
    parties.b.ico_registration = "Z12345"
    parties.b.save(update_fields=["ico_registration"])
    with pytest.raises(services.SubmitRefused) as refused:
        submit(parties, draft)
    assert [p.message for p in refused.value.problems] == [
        "Sharing with Stockport Council is blocked by the protocol until it is put right (SDP 4.5): "
        "ICO registration number malformed (Z + 7 digits, or ZA + 6)"
    ]
    parties.b.ico_registration = "ZA123456"
    parties.b.save(update_fields=["ico_registration"])
    assert submit(parties, draft).status == Status.SUBMITTED


def test_no_release_to_a_requester_without_a_signature_for_the_version_in_force(parties):
    from tests.portal.factories import member_set

    req = ready(parties)
    blocking(parties.pack)
    member_set(parties.a, signed_protocol_on=parties.pack.effective_date.replace(year=2019))
    with pytest.raises(ValidationError) as refused:
        release(parties, req)
    message = " ".join(refused.value.messages)
    assert "Sharing with Greater Manchester Police is blocked by the protocol" in message
    assert "no signature for version 2020" in message and "You cannot release information on this request" in message
    assert not Decision.objects.filter(request=req).exists()
    page = parties.client("assignee").post(url(req), form_data(parties, reasons="Typed reasons stay."))
    body = page.content.decode()
    assert page.status_code == 200 and "no signature for version 2020" in body and "Typed reasons stay." in body
    blocking(parties.pack, on=False)
    release(parties, req)
    req.refresh_from_db()
    assert req.status == Status.RELEASED


def test_no_onward_disclosure_to_a_blocked_organisation(parties, released):  # noqa: F811
    blocking(parties.pack)
    parties.c.ico_registration = ""
    parties.c.save(update_fields=["ico_registration"])
    with pytest.raises(ValidationError) as refused:
        ask(parties, released)
    assert refused.value.message_dict["to_organisation"] == [
        "Sharing with Stockport Homes is blocked by the protocol until it is put right (SDP 4.5): no ICO registration number"
    ]
