"""Account changes are decisions (portal/services/accounts.py): no one grants a role to
themselves, and every grant, end and account change writes one decision-log entry with its
reasons, naming the account by id and username, never by email or password."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.core.exceptions import ValidationError
from django.urls import reverse

from portal.accountability.registry import decision_event_label, is_registered
from portal.accountability.services import decision_log_verify
from portal.models import DecisionLogEntry, Membership
from portal.roles import Role
from portal.services import accounts as services
from tests.portal.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a long and unusual passphrase 42"


def entries(action: str) -> list[DecisionLogEntry]:
    return list(DecisionLogEntry.objects.filter(action=action).order_by("id"))


def only(action: str) -> DecisionLogEntry:
    found = entries(action)
    assert len(found) == 1, f"{action}: {len(found)} entries"
    return found[0]


def no_personal_data(entry: DecisionLogEntry, user) -> None:
    text = repr([entry.reasons, entry.details, entry.recipient_name, entry.reference])
    assert user.email not in text
    assert NEW_PASSWORD not in text


# --- self-grants ------------------------------------------------------------------------------


def test_an_admin_cannot_grant_themselves_a_role_and_the_page_says_why(admin_client_2fa):
    me = admin_client_2fa.membership.user
    police = OrganisationFactory(name="Greater Manchester Police")
    url = reverse("portal:admin_membership_add", args=[me.pk])
    response = admin_client_2fa.post(url, {"organisation": police.pk, "role": Role.DESIGNATED_OFFICER})
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page and "You cannot give yourself a role" in page
    assert not Membership.objects.filter(user=me, organisation=police).exists()
    assert not DecisionLogEntry.objects.filter(action="membership.granted").exists()
    with pytest.raises(ValidationError):
        services.membership_add(user=me, organisation=police, role=Role.DESIGNATED_OFFICER, acting_user=me)
    # Their own page offers no form to try it with.
    detail = admin_client_2fa.get(reverse("portal:admin_user_detail", args=[me.pk])).content.decode()
    assert "You cannot give yourself a role" in detail


def test_an_ended_own_membership_cannot_be_brought_back_by_oneself(admin_client_2fa):
    me = admin_client_2fa.membership.user
    ended = MembershipFactory(user=me, role=Role.DESIGNATED_OFFICER, is_active=False)
    with pytest.raises(ValidationError, match="You cannot give yourself a role"):
        services.membership_add(user=me, organisation=ended.organisation, role=ended.role, acting_user=me)
    ended.refresh_from_db()
    assert not ended.is_active


def test_another_admin_may_grant_the_role_and_it_is_logged(admin_client_2fa):
    colleague = MembershipFactory(role=Role.ADMIN).user
    police = OrganisationFactory(name="Greater Manchester Police")
    url = reverse("portal:admin_membership_add", args=[colleague.pk])
    assert admin_client_2fa.post(url, {"organisation": police.pk, "role": Role.DESIGNATED_OFFICER}).status_code == 302
    membership = Membership.objects.get(user=colleague, organisation=police)
    entry = only("membership.granted")
    assert entry.actor == admin_client_2fa.membership.user
    assert entry.recipient_name == "Greater Manchester Police"
    assert entry.reasons == "Role designated officer at Greater Manchester Police granted"
    assert entry.details == {
        "user_id": colleague.pk,
        "username": colleague.username,
        "membership_id": membership.pk,
        "role": Role.DESIGNATED_OFFICER,
    }
    no_personal_data(entry, colleague)


# --- every account change is logged -------------------------------------------------------------


def test_membership_end_and_restore_are_logged(admin_client_2fa):
    membership = MembershipFactory(role=Role.CHAIR)
    admin = admin_client_2fa.membership.user
    assert admin_client_2fa.post(reverse("portal:admin_membership_end", args=[membership.pk])).status_code == 302
    ended = only("membership.ended")
    assert ended.actor == admin and ended.recipient_name == membership.organisation.name
    assert ended.details["membership_id"] == membership.pk and ended.details["role"] == Role.CHAIR
    assert ended.reasons == f"Role meeting chair at {membership.organisation.name} ended"
    services.membership_add(
        user=membership.user, organisation=membership.organisation, role=Role.CHAIR, acting_user=admin
    )
    assert only("membership.granted").reasons.endswith("granted (an ended membership brought back)")


def test_each_account_change_writes_one_entry_with_reasons_and_no_personal_data(admin_client_2fa):
    admin = admin_client_2fa.membership.user
    user = services.user_create(
        username="t.hughes",
        first_name="Tom",
        last_name="Hughes",
        email="tom.hughes@stockport.example",
        password=NEW_PASSWORD,
        acting_user=admin,
    )
    services.user_update(user=user, email="tom@stockport.example", job_title="ASB officer", acting_user=admin)
    user.refresh_from_db()
    services.user_deactivate(user=user, acting_user=admin)
    services.user_reactivate(user=user, acting_user=admin)
    services.user_set_password(user=user, password=NEW_PASSWORD + "!", acting_user=admin)
    services.user_reset_second_factor(user=user, acting_user=admin)
    AccessAttempt.objects.create(username="T.Hughes", failures_since_start=5, ip_address="127.0.0.1")
    services.account_unlock(username="t.hughes", acting_user=admin)

    expected = [
        "account.created",
        "account.updated",
        "account.deactivated",
        "account.reactivated",
        "account.password_set",
        "account.second_factor_reset",
        "account.unlocked",
    ]
    logged = list(DecisionLogEntry.objects.order_by("id"))
    assert [entry.action for entry in logged] == expected
    for entry in logged:
        assert is_registered(entry.action) and decision_event_label(entry.action) != entry.action
        assert entry.actor == admin and entry.reasons
        assert entry.details["user_id"] == user.pk and entry.details["username"] == "t.hughes"
        assert "tom.hughes@stockport.example" not in repr(entry.details) + entry.reasons
        assert "tom@stockport.example" not in repr(entry.details) + entry.reasons
        assert NEW_PASSWORD not in repr(entry.details) + entry.reasons
    updated = logged[1]
    assert updated.details["fields"] == ["email", "job_title"]
    assert updated.reasons == "Account details changed: email, job title"
    assert logged[-1].details["records_cleared"] == 1
    assert decision_log_verify().intact


def test_a_refused_change_writes_nothing(admin_client_2fa):
    me = admin_client_2fa.membership.user
    with pytest.raises(ValidationError):
        services.user_deactivate(user=me, acting_user=me)
    with pytest.raises(ValidationError):
        services.membership_end(membership=admin_client_2fa.membership, acting_user=me)
    assert not DecisionLogEntry.objects.exists()


def test_an_update_that_changes_nothing_is_not_logged(admin_client_2fa):
    user = UserFactory()
    services.user_update(user=user, acting_user=admin_client_2fa.membership.user)
    assert not DecisionLogEntry.objects.exists()


# --- organisations ------------------------------------------------------------------------------


def test_adding_an_organisation_is_logged_with_who_and_what(admin_client_2fa):
    admin = admin_client_2fa.membership.user
    response = admin_client_2fa.post(
        reverse("portal:admin_organisation_create"),
        {"name": "Greater Manchester Police", "kind": "police", "standing": "responsible_authority",
         "ico_registration": "z4888193", "signed_protocol_on": "2020-04-01", "safeguarding_route": "Call the MASH"},
    )
    assert response.status_code == 302
    entry = only("organisation.created")
    assert entry.actor_id == admin.pk and entry.recipient_name == "Greater Manchester Police"
    assert entry.details["values"]["ico_registration"] == "Z4888193"
    assert entry.details["values"]["signed_protocol_on"] == "2020-04-01"
    assert decision_event_label("organisation.created") == "Organisation added"
    assert decision_log_verify().intact


def test_editing_an_organisation_logs_what_changed_before_and_after_and_nothing_when_nothing_did(admin_client_2fa):
    admin = admin_client_2fa.membership.user
    organisation = OrganisationFactory(
        name="Stockport Homes", ico_registration="Z1234567", signed_protocol_on=None, safeguarding_route="Ring Sam"
    )
    url = reverse("portal:admin_organisation_edit", args=[organisation.pk])
    data = {"name": "Stockport Homes", "kind": organisation.kind, "standing": "responsible_authority",
            "ico_registration": "Z1234567", "signed_protocol_on": "", "safeguarding_route": "Ring Sam"}
    assert admin_client_2fa.post(url, data).status_code == 302
    assert not entries("organisation.updated")
    data.update(name="Stockport Homes Group", safeguarding_route="Ring the duty desk")
    assert admin_client_2fa.post(url, data).status_code == 302
    entry = only("organisation.updated")
    assert entry.actor_id == admin.pk and entry.recipient_name == "Stockport Homes Group"
    assert entry.reasons == "Organisation details changed: name, safeguarding route"
    assert entry.details["fields"] == ["name", "safeguarding_route"]
    assert entry.details["changes"] == {"name": ["Stockport Homes", "Stockport Homes Group"]}
    assert "Sam" not in repr(entry.details)  # the free-text route may name a person: not its text
