"""Issue 12 (SDP 4.5): where the pack says `review.unsigned_blocks_sharing`, a meeting shares
nothing new (papers, agenda cases, summaries) while an organisation at it is flagged by the
signatory register, and its staff are not invited; the refusal names what is missing."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from guardian.shortcuts import assign_perm

from meetings import services
from meetings.models import Paper
from tests.meetings.factories import invite, upload
from tests.sharing.test_signatory_blocks import blocking

pytestmark = pytest.mark.django_db

MISSING = "Sharing with Stockport Homes is blocked by the protocol until it is put right (SDP 4.5): no ICO registration number"


def no_ico(organisation) -> None:
    organisation.ico_registration = ""
    organisation.save(update_fields=["ico_registration"])


def test_no_papers_or_cases_while_an_invited_organisation_is_blocked(world):
    meeting, chair = world.meeting, world.m.chair
    invite(meeting, chair, world.m.officer_c)
    no_ico(world.c)
    assert upload(meeting, chair).pk  # flagged, but this pack does not block
    blocking(world.pack)
    with pytest.raises(ValidationError) as caught:
        upload(meeting, chair)
    assert MISSING in " ".join(caught.value.messages)
    request = world.request()
    assign_perm("sharing.access_disclosure", world.chair, request)
    with pytest.raises(ValidationError, match="Stockport Homes is blocked by the protocol"):
        services.agenda_item_add(meeting=meeting, reference=request.reference, acting_user=chair.user, acting_membership=chair)
    assert Paper.objects.filter(meeting=meeting).count() == 1 and meeting.agenda_items.count() == 0


def test_a_blocked_organisations_staff_are_not_invited(world):
    meeting, chair = world.meeting, world.m.chair
    blocking(world.pack)
    no_ico(world.c)
    with pytest.raises(ValidationError) as caught:
        invite(meeting, chair, world.m.officer_c)
    assert MISSING in " ".join(caught.value.error_dict["membership"][0].messages)
    world.c.ico_registration = "Z7654321"
    world.c.save(update_fields=["ico_registration"])
    assert invite(meeting, chair, world.m.officer_c).organisation == world.c
