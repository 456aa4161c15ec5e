"""Several partnerships in one portal (issue 16): Stockport and Durham in force at once, the
probation service a member of both, each request governed by its own partnership's protocol."""
import html
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from portal.accountability.services import decision_log_verify
from portal.middleware import ACTING_MEMBERSHIP
from portal.models import DecisionLogEntry, OrganisationKind, PartnershipMember
from portal.protocols.selectors import current_protocol_pack
from portal.protocols.services import protocol_pack_load
from portal.roles import Role
from sharing.models import Status
from sharing.services import raising, review
from tests.conftest import sign_in_fully
from tests.portal.factories import MembershipFactory, OrganisationFactory
from tests.sharing.factories import DisclosureRequestFactory

STOCKPORT_MARKINGS = ["Protect", "Restricted", "Confidential"]


@pytest.fixture
def two(db):
    """Both packs in force; GMP and Stockport Council in Stockport only, Durham Constabulary and
    Durham County Council in Durham only, the probation service in both."""
    stockport, _ = protocol_pack_load(path_or_text=settings.PORTAL_PROTOCOLS_DIR / "stockport-2020.yaml")
    durham, _ = protocol_pack_load(path_or_text=settings.PORTAL_PROTOCOLS_DIR / "durham-2021.yaml")
    t = SimpleNamespace(stockport=stockport, durham=durham, memberships={})
    s, d = stockport.partnership, durham.partnership
    t.gmp = OrganisationFactory(name="GMP", kind=OrganisationKind.POLICE, partnerships=[s])
    t.council = OrganisationFactory(name="Stockport Council", kind=OrganisationKind.LOCAL_AUTHORITY, partnerships=[s])
    t.durham_police = OrganisationFactory(name="Durham Constabulary", kind=OrganisationKind.POLICE, partnerships=[d])
    t.durham_council = OrganisationFactory(
        name="Durham County Council", kind=OrganisationKind.LOCAL_AUTHORITY, partnerships=[d]
    )
    t.probation = OrganisationFactory(name="Probation", kind=OrganisationKind.PROBATION, partnerships=[s, d])
    people = {
        "gmp_officer": (t.gmp, Role.OFFICER, None),
        "council_officer": (t.council, Role.OFFICER, None),
        "durham_officer": (t.durham_police, Role.OFFICER, None),
        "durham_council_officer": (t.durham_council, Role.OFFICER, None),
        "probation_officer": (t.probation, Role.OFFICER, None),
        "probation_do_durham": (t.probation, Role.DESIGNATED_OFFICER, d),
        "auditor_durham": (t.durham_council, Role.AUDITOR, d),
        "admin_durham": (t.durham_council, Role.ADMIN, d),
    }
    for name, (organisation, role, partnership) in people.items():
        membership = MembershipFactory(
            organisation=organisation, role=role, partnership=partnership, user__username=name
        )
        t.memberships[name] = membership
        setattr(t, name, membership.user)

    def client(name):
        c = sign_in_fully(Client(), t.memberships[name].user)
        session = c.session
        session[ACTING_MEMBERSHIP] = t.memberships[name].pk
        session.save()
        return c

    t.client = client
    return t


def raised(two, pack, requester: str, holding, **kwargs):
    """A submitted request under `pack` from the named officer's organisation to `holding`."""
    membership = two.memberships[requester]
    return DisclosureRequestFactory(
        protocol_pack=pack, requesting_organisation=membership.organisation, requester=membership.user,
        holding_organisation=holding, **kwargs,
    )


def marking_names(pack):
    return list(pack.marking_levels.order_by("order").values_list("name", flat=True))


def test_both_protocols_are_in_force_at_once_each_for_its_partnership(two):
    assert two.stockport.is_current and two.durham.is_current
    assert two.stockport.partnership != two.durham.partnership
    assert current_protocol_pack(two.stockport.partnership) == two.stockport
    assert current_protocol_pack(two.durham.partnership) == two.durham
    # A newer Durham version replaces Durham's only.
    text = (settings.PORTAL_PROTOCOLS_DIR / "durham-2021.yaml").read_text(encoding="utf-8")
    newer, _ = protocol_pack_load(path_or_text=text.replace('version: "2021"', 'version: "2026"', 1))
    two.durham.refresh_from_db()
    two.stockport.refresh_from_db()
    assert newer.is_current and not two.durham.is_current and two.stockport.is_current


def test_the_holder_is_chosen_in_a_partnership_and_only_among_its_members(two):
    page = two.client("probation_officer").get(reverse("sharing:raise_start")).content.decode()
    assert "Durham County Council (Safe Durham Partnership)" in page
    assert "Stockport Council (Safer Stockport Partnership)" in page
    page = two.client("gmp_officer").get(reverse("sharing:raise_start")).content.decode()
    assert "Stockport Council" in page and "Probation" in page
    assert "Durham" not in page  # nothing of a partnership GMP is not in
    # Nor can it be posted.
    durham_place = PartnershipMember.objects.get(organisation=two.durham_council)
    response = two.client("gmp_officer").post(reverse("sharing:raise_start"), {"holding_organisation": durham_place.pk})
    assert response.status_code == 200
    assert "Select the organisation that holds the information" in response.content.decode()


def test_a_request_never_crosses_to_an_organisation_outside_its_partnership(two):
    with pytest.raises(ValidationError) as error:
        raising.disclosure_draft_create(
            requester=two.gmp_officer,
            requesting_organisation=two.gmp,
            holding_organisation=two.durham_council,
            acting_user=two.gmp_officer,
        )
    assert "not a member of any partnership" in str(error.value)
    with pytest.raises(ValidationError) as error:
        raising.disclosure_draft_create(
            requester=two.gmp_officer,
            requesting_organisation=two.gmp,
            holding_organisation=two.durham_council,
            partnership=two.durham.partnership,
            acting_user=two.gmp_officer,
        )
    assert "GMP is not a member of Safe Durham Partnership" in str(error.value)


def test_the_partnership_is_inferred_when_the_two_share_one_and_asked_for_when_they_share_two(two):
    draft = raising.disclosure_draft_create(
        requester=two.probation_officer,
        requesting_organisation=two.probation,
        holding_organisation=two.durham_police,
        acting_user=two.probation_officer,
    )
    assert draft.protocol_pack == two.durham
    both = OrganisationFactory(name="Prison", kind=OrganisationKind.PRISON)  # in both partnerships
    with pytest.raises(ValidationError) as error:
        raising.disclosure_draft_create(
            requester=two.probation_officer,
            requesting_organisation=two.probation,
            holding_organisation=both,
            acting_user=two.probation_officer,
        )
    assert "partnership" in error.value.message_dict


def test_a_durham_request_offers_only_durham_gateways_and_markings(two):
    draft = raising.disclosure_draft_create(
        requester=two.probation_officer,
        requesting_organisation=two.probation,
        holding_organisation=two.durham_council,
        partnership=two.durham.partnership,
        acting_user=two.probation_officer,
    )
    page = two.client("probation_officer").get(reverse("sharing:draft_purpose", args=[draft.pk])).content.decode()
    durham_gateways = set(raising.gateways_for(pack=two.durham, holding=two.durham_council).values_list("name", flat=True))
    stockport_only = set(two.stockport.legal_gateways.values_list("name", flat=True)) - set(
        two.durham.legal_gateways.values_list("name", flat=True)
    )
    assert durham_gateways and all(name in page for name in durham_gateways)
    assert stockport_only and not any(name in page for name in stockport_only)
    assert "Safe Durham Partnership" in page  # the caption says which protocol

    durham_request = DisclosureRequestFactory(
        protocol_pack=two.durham,
        requesting_organisation=two.probation,
        requester=two.probation_officer,
        holding_organisation=two.durham_council,
    )
    stockport_request = DisclosureRequestFactory(
        protocol_pack=two.stockport,
        requesting_organisation=two.probation,
        requester=two.probation_officer,
        holding_organisation=two.council,
    )
    for request, assignee, name in (
        (durham_request, two.durham_council_officer, "durham_council_officer"),
        (stockport_request, two.council_officer, "council_officer"),
    ):
        review.disclosure_pick_up(disclosure=request, acting_user=assignee, acting_membership=two.memberships[name])
        request.refresh_from_db()
        assert request.status == Status.IN_REVIEW
    durham_page = two.client("durham_council_officer").get(reverse("sharing:request_decide", args=[durham_request.pk]))
    stockport_page = two.client("council_officer").get(reverse("sharing:request_decide", args=[stockport_request.pk]))
    durham_page, stockport_page = durham_page.content.decode(), stockport_page.content.decode()
    durham_markings = marking_names(two.durham)
    assert marking_names(two.stockport) == STOCKPORT_MARKINGS
    assert all(name in durham_page for name in durham_markings)
    assert not any(f">{name}<" in durham_page or f"{name} –" in durham_page for name in STOCKPORT_MARKINGS)
    assert all(name in stockport_page for name in STOCKPORT_MARKINGS)
    assert not any(name in stockport_page for name in durham_markings if name not in STOCKPORT_MARKINGS)


def test_an_organisation_in_both_sees_both_in_its_inbox_labelled(two):
    from_stockport = raised(two, two.stockport, "gmp_officer", two.probation)
    from_durham = raised(two, two.durham, "durham_officer", two.probation)
    page = two.client("probation_officer").get(reverse("sharing:inbox")).content.decode()
    assert from_stockport.reference in page and from_durham.reference in page
    assert "Safer Stockport Partnership" in page and "Safe Durham Partnership" in page
    # An organisation in one partnership sees no partnership label.
    raised(two, two.stockport, "gmp_officer", two.council)
    page = two.client("council_officer").get(reverse("sharing:inbox")).content.decode()
    assert "Safer Stockport Partnership</span>" not in page


def test_a_designated_officer_for_one_partnership_sees_nothing_of_the_other(two):
    """Same organisation, other partnership: nothing visible or possible."""
    stockport_request = raised(two, two.stockport, "gmp_officer", two.probation)
    durham_request = raised(two, two.durham, "durham_officer", two.probation)
    client = two.client("probation_do_durham")
    assert client.get(reverse("sharing:request_detail", args=[durham_request.pk])).status_code == 200
    assert client.get(reverse("sharing:request_detail", args=[stockport_request.pk])).status_code == 404
    # Nor assign it.
    response = client.post(
        reverse("sharing:request_assign", args=[stockport_request.pk]), {"assignee": two.probation_officer.pk}
    )
    assert response.status_code == 404
    stockport_request.refresh_from_db()
    assert stockport_request.assignee_id is None


def test_decision_log_entries_carry_the_partnership_and_the_chain_verifies(two):
    draft = raising.disclosure_draft_create(
        requester=two.probation_officer,
        requesting_organisation=two.probation,
        holding_organisation=two.durham_council,
        partnership=two.durham.partnership,
        acting_user=two.probation_officer,
    )
    request = raised(two, two.stockport, "gmp_officer", two.probation)
    review.disclosure_pick_up(
        disclosure=request, acting_user=two.probation_officer, acting_membership=two.memberships["probation_officer"]
    )
    picked = DecisionLogEntry.objects.filter(reference=request.reference).latest("id")
    assert picked.partnership == two.stockport.partnership
    loaded = DecisionLogEntry.objects.filter(action="protocol.loaded").order_by("id")
    assert [entry.partnership for entry in loaded] == [two.stockport.partnership, two.durham.partnership]
    assert draft.protocol_pack.partnership == two.durham.partnership
    report = decision_log_verify()
    assert report.intact, report


def test_an_auditor_sees_only_their_partnerships_log(two):
    stockport_request = raised(two, two.stockport, "gmp_officer", two.council)
    durham_request = raised(two, two.durham, "durham_officer", two.durham_council)
    for request, user, name in (
        (stockport_request, two.council_officer, "council_officer"),
        (durham_request, two.durham_council_officer, "durham_council_officer"),
    ):
        review.disclosure_pick_up(disclosure=request, acting_user=user, acting_membership=two.memberships[name])
    client = two.client("auditor_durham")
    page = client.get(reverse("portal:audit_decisions")).content.decode()
    assert durham_request.reference in page
    assert stockport_request.reference not in page
    other = DecisionLogEntry.objects.filter(reference=stockport_request.reference).latest("id")
    assert client.get(reverse("portal:audit_decision", args=[other.pk])).status_code == 404


def test_an_admin_manages_only_their_partnerships_organisations(two):
    client = two.client("admin_durham")
    page = client.get(reverse("portal:admin_organisations")).content.decode()
    assert "Durham Constabulary" in page and "Probation" in page
    assert "GMP" not in page and "Stockport Council" not in page
    assert client.get(reverse("portal:admin_organisation_edit", args=[two.gmp.pk])).status_code == 404
    response = client.post(
        reverse("portal:admin_organisation_suspend_sharing", args=[two.probation.pk]), {"reason": "Audit findings"}
    )
    assert response.status_code == 302
    # Suspended in Durham only: Stockport requests to the probation service still go.
    assert PartnershipMember.objects.get(partnership=two.durham.partnership, organisation=two.probation).sharing_suspended
    assert not PartnershipMember.objects.get(
        partnership=two.stockport.partnership, organisation=two.probation
    ).sharing_suspended
    assert raising.sharing_refusals(partnership=two.stockport.partnership, requesting=two.gmp, holding=two.probation) == []
    assert raising.sharing_refusals(
        partnership=two.durham.partnership, requesting=two.durham_police, holding=two.probation
    ) == ["Sharing with Probation is suspended, so it cannot be sent requests (SSP 13.3)"]


def test_a_designated_officer_for_one_partnership_queues_only_its_requests(two):
    waiting = {
        pack.slug: DisclosureRequestFactory(
            protocol_pack=pack, requesting_organisation=requesting, requester=requester,
            holding_organisation=two.probation, status=Status.AWAITING_ADVICE, assignee=two.probation_officer,
        )
        for pack, requesting, requester in (
            (two.stockport, two.gmp, two.gmp_officer), (two.durham, two.durham_police, two.durham_officer)
        )
    }
    page = two.client("probation_do_durham").get(reverse("sharing:designated_queue")).content.decode()
    assert waiting["safe-durham"].reference in page
    assert waiting["safer-stockport"].reference not in page


def test_an_admin_adds_an_organisation_of_another_partnership(two):
    client = two.client("admin_durham")
    url = reverse("portal:admin_partnership_join")
    page = client.get(url).content.decode()
    assert "GMP" in page and "Durham Constabulary</option>" not in page  # members are not offered again
    blank = client.post(url, {"organisation": "", "standing": ""}).content.decode()
    assert "Select the organisation that joins the partnership" in blank
    response = client.post(url, {"organisation": two.gmp.pk, "standing": "invited", "signed_protocol_on": "2026-01-05"})
    assert response.status_code == 302
    place = PartnershipMember.objects.get(partnership=two.durham.partnership, organisation=two.gmp)
    assert place.standing == "invited" and str(place.signed_protocol_on) == "2026-01-05"
    entry = DecisionLogEntry.objects.filter(action="partnership.member_added").latest("id")
    assert entry.partnership == two.durham.partnership and entry.actor == two.admin_durham
    # GMP's officers can now raise requests under Durham's protocol too.
    page = two.client("gmp_officer").get(reverse("sharing:raise_start")).content.decode()
    assert "Durham County Council (Safe Durham Partnership)" in page


def test_an_admin_manages_only_the_accounts_of_their_partnership(two):
    client = two.client("admin_durham")
    page = client.get(reverse("portal:admin_users")).content.decode()
    assert "durham_officer" in page and "probation_officer" in page
    assert "gmp_officer" not in page
    assert client.get(reverse("portal:admin_user_detail", args=[two.gmp_officer.pk])).status_code == 404
    assert client.get(reverse("portal:admin_user_detail", args=[two.durham_officer.pk])).status_code == 200
    # Roles are offered in the partnership's organisations only.
    page = client.get(reverse("portal:admin_user_detail", args=[two.durham_officer.pk])).content.decode()
    assert "Durham County Council</option>" in page and "GMP</option>" not in page
    gmp_role = two.memberships["gmp_officer"]
    assert client.post(reverse("portal:admin_membership_end", args=[gmp_role.pk])).status_code == 404


def test_a_consent_covers_only_the_partnership_it_was_given_under(two):
    import datetime

    from consent.models import GivenBy
    from consent.services import SubjectDetails, consent_coverage_problems, consent_record

    membership = two.memberships["probation_officer"]
    given_on = datetime.date.today() - datetime.timedelta(days=3)
    values = dict(
        acting_user=two.probation_officer,
        acting_membership=membership,
        new_subject=SubjectDetails(full_name="Casey Example", date_of_birth=datetime.date(1990, 4, 1), address=""),
        given_by=GivenBy.SUBJECT,
        reasons_explained=True,
        recipients=[two.probation],
        information_items=["Tenancy history"],
        given_on=given_on,
        witness_name="Pat Officer",
        witness_position="Probation officer",
        witnessed_on=given_on,
    )
    # The probation service is in both partnerships: the officer must say which protocol.
    with pytest.raises(ValidationError) as error:
        consent_record(purposes=[two.stockport.purposes.first()], **values)
    assert "partnership" in error.value.message_dict
    consent = consent_record(
        purposes=[two.stockport.purposes.order_by("order").first()], partnership=two.stockport.partnership, **values
    )
    assert consent.protocol_pack == two.stockport
    problems = consent_coverage_problems(
        consent=consent, recipient_organisation=two.probation, purpose=two.durham.purposes.order_by("order").first()
    )
    assert "given under the Safer Stockport Partnership protocol, not the Safe Durham Partnership protocol" in " ".join(
        problems
    )
    page = two.client("probation_officer").get(reverse("consent:record")).content.decode()
    assert "Which partnership's protocol is the consent given under?" in html.unescape(page)


def test_a_chair_in_both_partnerships_meets_under_either_protocol(two):
    import datetime

    chair = MembershipFactory(organisation=two.probation, role=Role.CHAIR, user__username="probation_chair")
    two.memberships["probation_chair"] = chair
    client = two.client("probation_chair")
    page = client.get(reverse("meetings:create")).content.decode()
    assert "(Safe Durham Partnership)" in page and "(Safer Stockport Partnership)" in page
    forum = two.durham.forums.filter(shares_individual_data=True).order_by("order").first()
    wrong_level = two.stockport.marking_levels.order_by("order").first()
    data = {
        "forum": forum.pk, "title": "Case review", "date": (datetime.date.today() + datetime.timedelta(days=3)).isoformat(),
        "time": "10:00", "location": "Durham County Hall", "is_online": "no", "marking": wrong_level.pk,
    }
    page = html.unescape(client.post(reverse("meetings:create"), data).content.decode())
    assert "Select a confidentiality level of the forum's protocol" in page
    data["marking"] = two.durham.marking_levels.order_by("order").first().pk
    response = client.post(reverse("meetings:create"), data)
    assert response.status_code == 302
    meeting = chair.user.__class__.objects.get(pk=chair.user_id)  # the chair
    from meetings.models import Meeting

    created = Meeting.objects.get(chair=meeting)
    assert created.protocol_pack == two.durham
    assert DecisionLogEntry.objects.filter(reference=created.reference).latest("id").partnership == two.durham.partnership


def test_a_requests_copies_take_the_retention_defaults_of_its_own_partnerships_protocol(two):
    from portal.models import HeldCopy, RetentionDefault

    # Make the two packs' defaults differ, so which one applies shows.
    RetentionDefault.objects.filter(pack=two.stockport, code="requests").update(days=100)
    RetentionDefault.objects.filter(pack=two.durham, code="requests").update(days=200)
    for pack, holding, days in ((two.stockport, two.council, 100), (two.durham, two.durham_council, 200)):
        draft = raising.disclosure_draft_create(
            requester=two.probation_officer,
            requesting_organisation=two.probation,
            holding_organisation=holding,
            partnership=pack.partnership,
            acting_user=two.probation_officer,
        )
        copy = HeldCopy.objects.get(content_id=draft.pk, content_type="sharing.request", holder=two.probation)
        assert (copy.review_date - copy.started_on).days == days, pack.slug
        assert pack.version in copy.policy_description
